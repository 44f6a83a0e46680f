"""What the server received, kept for tests to assert on."""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._faults import Fault

REDACTED_BEARER = "Bearer ***"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server saw it. Header names are lower case; the key is redacted."""

    method: str
    """The HTTP method, e.g. `"POST"`."""
    path: str
    """The path, without the query."""
    query: Mapping[str, str]
    """The query parameters (the last value of a repeated one)."""
    headers: Mapping[str, str]
    """The headers, names in lower case; `authorization` shows `Bearer ***`."""
    body: bytes
    """The request body as received."""
    json: Any
    """The parsed JSON body, or None when there was none or it didn't parse."""
    route: str
    """"create", "query", "download" or "unknown"."""
    fault: Fault | None
    """The injected fault this request got, if any."""
    refused: str | None = None
    """Why the server's limits refused it ("rate" or "active_tasks"), if they did."""
    at: float = 0.0
    """When it arrived, on the server's clock (`MockServer.now()`)."""


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-cased headers with the Authorization value hidden, so logs never hold a key."""
    redacted = {name.lower(): value for name, value in headers.items()}
    if "authorization" in redacted:
        scheme = redacted["authorization"].partition(" ")[0]
        redacted["authorization"] = (
            REDACTED_BEARER if scheme.lower() == "bearer" else f"{scheme} ***".strip()
        )
    return redacted


class RequestLog:
    """A thread-safe, optionally bounded list of recorded requests."""

    def __init__(self, max_size: int | None = None) -> None:
        self._lock = threading.Lock()
        self._items: collections.deque[RecordedRequest] = collections.deque(maxlen=max_size)

    def append(self, request: RecordedRequest) -> None:
        with self._lock:
            self._items.append(request)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
