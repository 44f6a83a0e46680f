"""`AnyAPI` and `AsyncAnyAPI`: configuration, the HTTP client, and `.videos`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import httpx

from ._clock import Clock, SystemClock
from ._config import resolve_api_key, resolve_base_url
from ._exceptions import InvalidParameterError
from ._http import AsyncSender, RequestSettings, SyncSender
from ._retry import RetryPolicy
from ._videos import AsyncVideos, Videos

if TYPE_CHECKING:
    from types import TracebackType

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
# Connecting should be quick even when generation is slow; a dead host fails fast.
CONNECT_TIMEOUT = 10.0


def _timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise InvalidParameterError("timeout", f"expected seconds > 0, got {timeout!r}")
    return httpx.Timeout(float(timeout), connect=min(CONNECT_TIMEOUT, float(timeout)))


def _settings(
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: float | httpx.Timeout,
    max_retries: int,
    allow_insecure_http: bool,
    clock: Clock | None,
) -> RequestSettings:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidParameterError(
            "max_retries", f"expected a whole number >= 0, got {max_retries!r}"
        )
    return RequestSettings(
        api_key=resolve_api_key(api_key),
        base_url=resolve_base_url(base_url, allow_insecure_http=allow_insecure_http),
        timeout=_timeout(timeout),
        retry=RetryPolicy(max_retries=max_retries),
        clock=clock or SystemClock(),
    )


class AnyAPI:
    """Synchronous client. Key from `api_key` or ANYAPI_API_KEY; URL from `base_url`,
    ANYAPI_BASE_URL, or https://www.anyapi.vip."""

    videos: Videos

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
        clock: Clock | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise InvalidParameterError(
                "http_client", "expected an httpx.Client (use AsyncAnyAPI for httpx.AsyncClient)"
            )
        self._settings = _settings(
            api_key, base_url, timeout, max_retries, allow_insecure_http, clock
        )
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client()
        self._sender = SyncSender(self._http, self._settings)
        self.videos = Videos(self)

    @property
    def base_url(self) -> httpx.URL:
        return self._settings.base_url

    @property
    def max_retries(self) -> int:
        return self._settings.retry.max_retries

    def __repr__(self) -> str:
        return f"AnyAPI(base_url={str(self.base_url)!r})"

    def close(self) -> None:
        """Close the HTTP client, unless it was passed in by the caller."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> AnyAPI:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncAnyAPI:
    """Asynchronous client, the same shape as `AnyAPI`, with awaitable methods."""

    videos: AsyncVideos

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        clock: Clock | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidParameterError(
                "http_client", "expected an httpx.AsyncClient (use AnyAPI for httpx.Client)"
            )
        self._settings = _settings(
            api_key, base_url, timeout, max_retries, allow_insecure_http, clock
        )
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._sender = AsyncSender(self._http, self._settings)
        self.videos = AsyncVideos(self)

    @property
    def base_url(self) -> httpx.URL:
        return self._settings.base_url

    @property
    def max_retries(self) -> int:
        return self._settings.retry.max_retries

    def __repr__(self) -> str:
        return f"AsyncAnyAPI(base_url={str(self.base_url)!r})"

    async def close(self) -> None:
        """Close the HTTP client, unless it was passed in by the caller."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncAnyAPI:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
