"""The clients' settings: made from the constructor's arguments, or derived by `with_options`.

Everything here is checked when the client is made, so that a bad option fails at once,
before any request (and any money).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import httpx

from ._clock import SystemClock
from ._config import resolve_api_key, resolve_base_url
from ._exceptions import ClientClosedError, InvalidParameterError
from ._http import RequestSettings
from ._options import check_headers, check_query, check_timeout, client_timeout
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
