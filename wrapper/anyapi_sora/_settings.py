"""The clients' settings: made from the constructor's arguments, or derived by `with_options`.

Everything here is checked when the client is made, so that a bad option fails at once,
before any request (and any money).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, TypeVar

import attrs
import httpx

from ._clock import SystemClock
from ._config import resolve_api_key, resolve_base_url
from ._exceptions import ClientClosedError, InvalidParameterError
from ._http import RequestSettings
from ._options import check_headers, check_query, check_timeout, client_timeout
from ._pacer import Pacer
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._clock import Clock
    from ._types import Headers, Query, RequestTimeout

DEFAULT_MAX_RETRIES = 2

_V = TypeVar("_V")


def check_max_retries(max_retries: object) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidParameterError(
            "max_retries", f"expected a whole number >= 0, got {max_retries!r}"
        )
    return max_retries


def make_settings(
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: RequestTimeout | None,
    max_retries: int,
    default_headers: Headers | None,
    default_query: Query | None,
    http_client: httpx.Client | httpx.AsyncClient | None,
    allow_insecure_http: bool,
    clock: Clock | None,
) -> RequestSettings:
    return RequestSettings(
        api_key=resolve_api_key(api_key),
        base_url=resolve_base_url(base_url, allow_insecure_http=allow_insecure_http),
        timeout=client_timeout(timeout, http_client),
        retry=RetryPolicy(max_retries=check_max_retries(max_retries)),
        clock=clock or SystemClock(),
        default_headers=check_headers("default_headers", default_headers),
        default_query=check_query("default_query", default_query),
    )


def _merged(
    current: tuple[tuple[str, _V], ...], added: tuple[tuple[str, _V], ...], *, fold: bool
) -> tuple[tuple[str, _V], ...]:
    """`current` with `added` on top (header names compared without regard to case)."""

    def key(name: str) -> str:
        return name.lower() if fold else name

    replaced = {key(name) for name, _ in added}
    return tuple(pair for pair in current if key(pair[0]) not in replaced) + added


def _exclusive(name: str, added: object, replacing: object) -> None:
    if added is not None and replacing is not None:
        raise InvalidParameterError(
            name, f"give either {name} (added to the current ones) or set_{name}, not both"
        )


def derive_settings(
    settings: RequestSettings,
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: RequestTimeout | None,
    max_retries: int | None,
    default_headers: Headers | None,
    set_default_headers: Headers | None,
    default_query: Query | None,
    set_default_query: Query | None,
    allow_insecure_http: bool,
) -> RequestSettings:
    """`settings` with the options given to `with_options`; None keeps the current value.

    As in openai-python, `default_headers` / `default_query` are added to the current ones
    and `set_default_headers` / `set_default_query` replace them.
    """
    _exclusive("default_headers", default_headers, set_default_headers)
    _exclusive("default_query", default_query, set_default_query)
    headers = settings.default_headers
    if set_default_headers is not None:
        headers = check_headers("set_default_headers", set_default_headers)
    elif default_headers is not None:
        headers = _merged(headers, check_headers("default_headers", default_headers), fold=True)
    query = settings.default_query
    if set_default_query is not None:
        query = check_query("set_default_query", set_default_query)
    elif default_query is not None:
        query = _merged(query, check_query("default_query", default_query), fold=False)
    return RequestSettings(
        api_key=settings.api_key if api_key is None else resolve_api_key(api_key),
        base_url=(
            settings.base_url
            if base_url is None
            else resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        ),
        timeout=settings.timeout if timeout is None else check_timeout("timeout", timeout),
        retry=(
            settings.retry
            if max_retries is None
            else RetryPolicy(max_retries=check_max_retries(max_retries))
        ),
        clock=settings.clock,
        default_headers=headers,
        default_query=query,
    )


def check_http_client(
    http_client: object, expected: type[httpx.Client] | type[httpx.AsyncClient]
) -> None:
    if http_client is None:
        return
    if not isinstance(http_client, expected):
        hint = (
            "use AsyncAnyAPI for httpx.AsyncClient"
            if expected is httpx.Client
            else "use AnyAPI for httpx.Client"
        )
        raise InvalidParameterError(
            "http_client", f"expected an httpx.{expected.__name__} ({hint})"
        )
    if http_client.auth is not None or "authorization" in http_client.headers:
        # Its auth would replace the API key on every API request, and an Authorization
        # header would also go to the video file host (another domain) on downloads.
        raise InvalidParameterError(
            "http_client",
            "it carries its own authentication (auth= or an Authorization header), which "
            "would replace the API key; give the key as api_key and pass an http_client "
            "without auth",
        )


def closed_error(client: str) -> ClientClosedError:
    return ClientClosedError(
        f"this {client} client has been closed (a client closes at the end of its "
        "`with` block); create a new one"
    )


def callers_http_closed_error(kind: str) -> ClientClosedError:
    return ClientClosedError(
        f"the {kind} passed as http_client has been closed; pass an open one, and close it "
        "only after you are done with this client"
    )


def original_closed_error(client: str) -> ClientClosedError:
    return ClientClosedError(
        f"the {client} client this one was made from (with with_options) has been closed, "
        "and with it the connections they share; make the copy from an open client"
    )


@attrs.frozen
class PacingOptions:
    """The client's pacing options (see `_pacer`): on or off, and the caller's caps."""

    enabled: bool = True
    max_requests_per_second: float | None = None
    max_active_tasks: int | None = None


def _check_cap(name: str, value: object, *, whole: bool) -> float | int | None:
    """A cap > 0; math.inf means none (how `with_options` removes one)."""
    if value is None or value == math.inf:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (whole and not isinstance(value, int))
        or not math.isfinite(value)
        or value <= 0
    ):
        kind = "a whole number" if whole else "a number"
        raise InvalidParameterError(name, f"expected {kind} > 0 (or None), got {value!r}")
    return value


def check_pacing(
    pacing: object,
    max_requests_per_second: object,
    max_active_tasks: object,
    current: PacingOptions | None = None,
) -> PacingOptions:
    """Pacing options from the constructor, or (with `current`) from `with_options`, where
    None keeps the current value and math.inf removes a cap."""
    if pacing is not None and not isinstance(pacing, bool):
        raise InvalidParameterError("pacing", f"expected True or False, got {pacing!r}")
    base = current or PacingOptions()
    rate = base.max_requests_per_second
    if current is None or max_requests_per_second is not None:
        rate = _check_cap("max_requests_per_second", max_requests_per_second, whole=False)
    active = base.max_active_tasks
    if current is None or max_active_tasks is not None:
        checked = _check_cap("max_active_tasks", max_active_tasks, whole=True)
        active = None if checked is None else int(checked)
    return PacingOptions(
        enabled=base.enabled if pacing is None else pacing,
        max_requests_per_second=None if rate is None else float(rate),
        max_active_tasks=active,
    )


class Pacers:
    """The pacers of a client and its `with_options` copies: one per gateway, key and caps.

    A copy with the same base URL, key and caps shares its original's pacer, since it
    spends the same budget on the same gateway; a copy for another gateway or key, or
    with other caps, has its own.
    """

    def __init__(self) -> None:
        self._pacers: dict[tuple[str, str, float | None, int | None], Pacer] = {}

    def pacer_for(self, settings: RequestSettings, options: PacingOptions) -> Pacer | None:
        if not options.enabled:
            return None
        key = (
            str(settings.base_url),
            settings.api_key,
            options.max_requests_per_second,
            options.max_active_tasks,
        )
        pacer = self._pacers.get(key)
        if pacer is None:
            pacer = self._pacers[key] = Pacer(
                settings.clock,
                max_requests_per_second=options.max_requests_per_second,
                max_active_tasks=options.max_active_tasks,
            )
        return pacer
