"""Request options: the client's defaults and each call's own, checked before any request.

Two kinds of time limit exist, and their names keep them apart:

- a *request timeout* bounds each HTTP request (httpx's connect, read, write and pool
  phases): `AnyAPI(timeout=)`, `with_options(timeout=)`, and `request_timeout=` on every
  method of `client.videos`;
- a *deadline* bounds a whole wait, polls and sleeps included: `timeout=` on `wait()` and
  `generate()`.

Headers and query parameters given here go to the gateway's API only, never to the file
host that serves the video (another domain, whose signed URL must stay as it is).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs
import httpx

from ._exceptions import InvalidParameterError

if TYPE_CHECKING:
    from ._types import Headers, Query, RequestTimeout

DEFAULT_TIMEOUT = 60.0
# Connecting should be quick even when generation is slow; a dead host fails fast.
CONNECT_TIMEOUT = 10.0
# What `httpx.Client()` uses when given no timeout: such a client has no timeout of its own
# to respect (openai-python makes the same call, with the same edge case: a client made with
# exactly 5 s is taken as not set).
HTTPX_DEFAULT_TIMEOUT = httpx.Timeout(5.0)
HTTPX_USER_AGENT = f"python-httpx/{httpx.__version__}"

# RFC 9110 token characters: anything else in a header name is refused by the HTTP library
# deep inside a request, or worse, lets a header smuggle another in.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_OWN_HEADERS = {"authorization"}
# The query route's own parameter: another value would fetch another task under this id.
_OWN_QUERY = {"id"}


def check_timeout(name: str, timeout: object) -> httpx.Timeout:
    """An `httpx.Timeout` from seconds (with a connect phase of at most 10 s) or as given."""
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise InvalidParameterError(
            name, f"expected seconds > 0 or an httpx.Timeout, got {timeout!r}"
        )
    return httpx.Timeout(float(timeout), connect=min(CONNECT_TIMEOUT, float(timeout)))


def client_timeout(timeout: RequestTimeout | None, http_client: object) -> httpx.Timeout:
    """The client's request timeout: `timeout`, else the `http_client`'s own, else 60 s."""
    if timeout is not None:
        return check_timeout("timeout", timeout)
    own = getattr(http_client, "timeout", None)
    if isinstance(own, httpx.Timeout) and own != HTTPX_DEFAULT_TIMEOUT:
        return own
    return check_timeout("timeout", DEFAULT_TIMEOUT)


def check_headers(name: str, headers: object) -> tuple[tuple[str, str], ...]:
    """Header pairs, refused (without echoing a value, which may be a secret) when unusable."""
    if headers is None:
        return ()
    if not isinstance(headers, Mapping):
        raise InvalidParameterError(
            name, f"expected a mapping of header names to str values, got {type(headers).__name__}"
        )
    pairs: list[tuple[str, str]] = []
    for key, value in headers.items():
        if not isinstance(key, str) or not _TOKEN.fullmatch(key):
            raise InvalidParameterError(name, f"{key!r} is not a valid header name")
        if key.lower() in _OWN_HEADERS:
            raise InvalidParameterError(
                name,
                f"{key!r} is set from api_key on every API request and cannot be replaced "
                "here; pass another key as api_key= (or client.with_options(api_key=...))",
            )
        if not isinstance(value, str):
            raise InvalidParameterError(
                name, f"the value of {key!r} must be a str, not {type(value).__name__}"
            )
        if not all(ch == "\t" or " " <= ch <= "~" for ch in value):
            raise InvalidParameterError(
                name,
                f"the value of {key!r} contains a line break, a control or a non-ASCII "
                "character, which HTTP headers cannot carry",
            )
        pairs.append((key, value))
    return tuple(pairs)


def check_query(name: str, query: object) -> tuple[tuple[str, str | int | float | bool], ...]:
    """Query pairs, refused when unusable or when they would replace the API's own."""
    if query is None:
        return ()
    if not isinstance(query, Mapping):
        raise InvalidParameterError(
            name, f"expected a mapping of parameter names to values, got {type(query).__name__}"
        )
    pairs: list[tuple[str, str | int | float | bool]] = []
    for key, value in query.items():
        if not isinstance(key, str) or not key:
            raise InvalidParameterError(name, f"{key!r} is not a parameter name")
        if key in _OWN_QUERY:
            raise InvalidParameterError(
                name, f"{key!r} is the task id of a query, taken from the task you pass"
            )
        if not isinstance(value, (str, int, float)) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise InvalidParameterError(
                name, f"the value of {key!r} must be a str, int, float or bool, got {value!r}"
            )
        pairs.append((key, value))
    return tuple(pairs)


@attrs.frozen
class CallOptions:
    """One call's own request options, on top of the client's."""

    timeout: httpx.Timeout | None = None
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str | int | float | bool], ...] = ()

    def timeout_or(self, default: httpx.Timeout) -> httpx.Timeout:
        return default if self.timeout is None else self.timeout


NO_OPTIONS = CallOptions()


def call_options(
    request_timeout: RequestTimeout | None,
    extra_headers: Headers | None,
    extra_query: Query | None,
) -> CallOptions:
    """A call's options, checked; InvalidParameterError names the one that is wrong."""
    if request_timeout is None and extra_headers is None and extra_query is None:
        return NO_OPTIONS
    return CallOptions(
        timeout=None
        if request_timeout is None
        else check_timeout("request_timeout", request_timeout),
        headers=check_headers("extra_headers", extra_headers),
        query=check_query("extra_query", extra_query),
    )


def user_agent(ours: str, theirs: str | None) -> str:
    """Our product token after the caller's own User-Agent, as RFC 9110 lists products."""
    if not theirs or theirs == HTTPX_USER_AGENT:
        return ours
    return f"{theirs} {ours}"


REQUEST_OPTIONS = ("extra_headers", "extra_query", "request_timeout")


def refuse_a_timeout(method: str, unknown: Mapping[str, object]) -> None:
    """A clear word for `timeout=` where it has no meaning (only waits have a deadline)."""
    if "timeout" in unknown:
        raise InvalidParameterError(
            "timeout",
            f"{method}() has no deadline; the timeout of each HTTP request is "
            "request_timeout= (timeout= is the whole-wait deadline of wait() and generate())",
        )


def refuse_unknown(method: str, unknown: Mapping[str, object], known: tuple[str, ...]) -> None:
    refuse_a_timeout(method, unknown)
    if unknown:
        names = sorted(unknown)
        raise InvalidParameterError(
            names[0],
            f"{method}() got unknown argument(s) {', '.join(names)}. Known: {', '.join(known)}",
        )
