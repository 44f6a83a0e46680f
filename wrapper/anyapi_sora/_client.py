"""`AnyAPI` and `AsyncAnyAPI`: configuration, the HTTP client, and `.videos`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar

import httpx

from ._async_client import AsyncAnyAPI
from ._senders import SyncSender
from ._settings import (
    DEFAULT_MAX_RETRIES,
    Pacers,
    PacingOptions,
    callers_http_closed_error,
    check_http_client,
    check_pacing,
    closed_error,
    derive_settings,
    make_settings,
    original_closed_error,
)
from ._videos_sync import Videos

if TYPE_CHECKING:
    from types import TracebackType

    from ._clock import Clock
    from ._http import RequestSettings
    from ._types import Headers, Query, RequestTimeout

__all__ = ["AnyAPI", "AsyncAnyAPI"]

logger = logging.getLogger("anyapi_sora")

_Sync = TypeVar("_Sync", bound="AnyAPI")


class AnyAPI:
    """Synchronous client. Key from `api_key` or ANYAPI_API_KEY; URL from `base_url`,
    ANYAPI_BASE_URL, or https://www.anyapi.vip.

    `timeout` bounds each HTTP request (seconds, or an `httpx.Timeout`); when not given,
    the `http_client`'s own timeout if it has one, else 60 s. `default_headers` and
    `default_query` go on every API request (never to the video file host); `Authorization`
    is refused there, since the key comes from `api_key`.

    Its requests share one pace (`pacing`, on by default; see the README's "Fleets"):
    `max_requests_per_second` caps their rate, `max_active_tasks` the tasks it runs at once.
    """

    videos: Videos

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | httpx.URL | None = None,
        timeout: RequestTimeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Headers | None = None,
        default_query: Query | None = None,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
        clock: Clock | None = None,
        pacing: bool = True,
        max_requests_per_second: float | None = None,
        max_active_tasks: int | None = None,
    ) -> None:
        check_http_client(http_client, httpx.Client)
        pace = check_pacing(pacing, max_requests_per_second, max_active_tasks)
        settings = make_settings(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            http_client=http_client,
            allow_insecure_http=allow_insecure_http,
            clock=clock,
        )
        owns = http_client is None
        http = http_client or httpx.Client()
        self._setup(settings, http, owns, None, allow_insecure_http, pace, Pacers())

    def _setup(
        self,
        settings: RequestSettings,
        http_client: httpx.Client,
        owns: bool,
        original: AnyAPI | None,
        allow_insecure_http: bool,
        pacing: PacingOptions,
        pacers: Pacers,
    ) -> None:
        self._settings = settings
        self._pacing = pacing
        # Shared with with_options() copies: one pace per gateway and key.
        self._pacers = pacers
        self._http_client = http_client
        self._owns_http = owns
        # The client whose connection pool a with_options() copy shares.
        self._original = original
        self._allow_insecure_http = allow_insecure_http
        self._closed = False
        self._sender = SyncSender(lambda: self._http, settings, pacers.pacer_for(settings, pacing))
        self.videos = Videos(self)

    @property
    def _http(self) -> httpx.Client:
        """The httpx client for the next request; ClientClosedError once closed."""
        if self._closed:
            raise closed_error("AnyAPI")
        if self._original is not None:
            if self._original._closed:
                raise original_closed_error("AnyAPI")
            return self._original._http
        if self._http_client.is_closed:
            raise callers_http_closed_error("httpx.Client")
        return self._http_client

    @property
    def base_url(self) -> httpx.URL:
        return self._settings.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """The timeout of each HTTP request (a wait's deadline is `wait(timeout=)`)."""
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        return self._settings.retry.max_retries

    def with_options(
        self: _Sync,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: RequestTimeout | None = None,
        max_retries: int | None = None,
        default_headers: Headers | None = None,
        set_default_headers: Headers | None = None,
        default_query: Query | None = None,
        set_default_query: Query | None = None,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool | None = None,
        pacing: bool | None = None,
        max_requests_per_second: float | None = None,
        max_active_tasks: int | None = None,
    ) -> _Sync:
        """A client with these options changed (None keeps this client's value).

        It shares this client's connection pool (unless given its own `http_client`) but
        does not own it: closing the copy closes nothing shared, and closing this client
        closes the pool under the copy too. `default_headers` / `default_query` are added
        to this client's; `set_default_headers` / `set_default_query` replace them.
        The copy shares this client's pace unless it changes the gateway, the key or the
        pacing options (`math.inf` removes a cap).
        """
        check_http_client(http_client, httpx.Client)
        pace = check_pacing(pacing, max_requests_per_second, max_active_tasks, self._pacing)
        insecure = self._allow_insecure_http if allow_insecure_http is None else allow_insecure_http
        settings = derive_settings(
            self._settings,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            set_default_headers=set_default_headers,
            default_query=default_query,
            set_default_query=set_default_query,
            allow_insecure_http=insecure,
        )
        clone = object.__new__(type(self))
        if http_client is not None:
            clone._setup(settings, http_client, False, None, insecure, pace, self._pacers)
        else:
            original = self._original or self
            http = original._http_client
            clone._setup(settings, http, False, original, insecure, pace, self._pacers)
        return clone

    copy = with_options

    def __repr__(self) -> str:
        return f"AnyAPI(base_url={str(self.base_url)!r})"

    def close(self) -> None:
        """Close the HTTP client, unless the caller passed it in or it is shared (a copy)."""
        self._closed = True
        if self._owns_http:
            self._http_client.close()

    def __enter__(self: _Sync) -> _Sync:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
