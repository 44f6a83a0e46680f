"""`AnyAPI` and `AsyncAnyAPI`: configuration, the HTTP client, and `.videos`."""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import httpx

from ._clock import Clock, SystemClock
from ._config import resolve_api_key, resolve_base_url
from ._exceptions import AnyAPIError, ClientClosedError, InvalidParameterError
from ._http import RequestSettings
from ._inflight import CreatesInFlight
from ._retry import RetryPolicy
from ._senders import AsyncSender, SyncSender
from ._videos_async import AsyncVideos
from ._videos_sync import Videos

if TYPE_CHECKING:
    from types import TracebackType

    from ._models import VideoTask
    from ._types import OrphanedTaskCallback

logger = logging.getLogger("anyapi_sora")

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


def _check_http_client(
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


def _closed_error(client: str) -> ClientClosedError:
    return ClientClosedError(
        f"this {client} client has been closed (a client closes at the end of its "
        "`with` block); create a new one"
    )


def _callers_http_closed_error(kind: str) -> ClientClosedError:
    return ClientClosedError(
        f"the {kind} passed as http_client has been closed; pass an open one, and close it "
        "only after you are done with this client"
    )


def _running_loop() -> object | None:
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None  # not under asyncio (trio), so there is no loop to follow


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
        _check_http_client(http_client, httpx.Client)
        self._settings = _settings(
            api_key, base_url, timeout, max_retries, allow_insecure_http, clock
        )
        self._owns_http = http_client is None
        self._http_client = http_client if http_client is not None else httpx.Client()
        self._closed = False
        self._sender = SyncSender(lambda: self._http, self._settings)
        self.videos = Videos(self)

    @property
    def _http(self) -> httpx.Client:
        """The httpx client for the next request; ClientClosedError once closed."""
        if self._closed:
            raise _closed_error("AnyAPI")
        if self._http_client.is_closed:
            raise _callers_http_closed_error("httpx.Client")
        return self._http_client

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
        self._closed = True
        if self._owns_http:
            self._http_client.close()

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
    """Asynchronous client, the same shape as `AnyAPI`, with awaitable methods.

    A create cut off by its caller (a cancelled task, `asyncio.wait_for`) after the request
    was sent goes on in the background; the task it makes is logged as a WARNING, added
    to `orphaned_tasks` and passed to `on_orphaned_task`. `close()` waits for such creates.
    """

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
        on_orphaned_task: OrphanedTaskCallback | None = None,
    ) -> None:
        _check_http_client(http_client, httpx.AsyncClient)
        if on_orphaned_task is not None and not callable(on_orphaned_task):
            raise InvalidParameterError(
                "on_orphaned_task",
                f"expected a function taking a VideoTask, got {on_orphaned_task!r}",
            )
        self._settings = _settings(
            api_key, base_url, timeout, max_retries, allow_insecure_http, clock
        )
        self._owns_http = http_client is None
        self._http_client = http_client if http_client is not None else httpx.AsyncClient()
        self._closed = False
        # The event loop the httpx client's connections belong to.
        self._loop: object | None = None
        self._creates = CreatesInFlight(on_orphaned_task)
        self._sender = AsyncSender(lambda: self._http, self._settings)
        self.videos = AsyncVideos(self)

    @property
    def orphaned_tasks(self) -> list[VideoTask]:
        """Tasks made by creates whose caller was cancelled before the gateway answered.

        Each is billed and runs on: resume it with `videos.wait(task)`. A create still in
        flight lands here when it is answered; `close()` waits for those.
        """
        return self._creates.orphaned

    @property
    def _http(self) -> httpx.AsyncClient:
        """The httpx client for the next request, on the running event loop."""
        if self._closed:
            raise _closed_error("AsyncAnyAPI")
        if self._http_client.is_closed:
            raise _callers_http_closed_error("httpx.AsyncClient")
        loop = _running_loop()
        if loop is not None and loop is not self._loop:
            if self._loop is not None:
                self._move_to_another_loop()
            self._loop = loop
        return self._http_client

    def _move_to_another_loop(self) -> None:
        # Pooled connections belong to the loop that opened them (typically one that
        # asyncio.run has closed since), and so cannot be reused, nor even closed, here.
        if not self._owns_http:
            raise AnyAPIError(
                "this AsyncAnyAPI was used on another event loop, and the httpx.AsyncClient "
                "passed as http_client keeps connections that belong to that loop; create "
                "both clients inside the event loop that uses them (e.g. inside the "
                "coroutine given to asyncio.run)"
            )
        logger.debug("the event loop changed: new connections for this AsyncAnyAPI")
        self._http_client = httpx.AsyncClient()

    @property
    def base_url(self) -> httpx.URL:
        return self._settings.base_url

    @property
    def max_retries(self) -> int:
        return self._settings.retry.max_retries

    def __repr__(self) -> str:
        return f"AsyncAnyAPI(base_url={str(self.base_url)!r})"

    async def close(self) -> None:
        """Close the HTTP client, unless it was passed in by the caller.

        First waits (within the request timeout) for creates whose caller was cancelled
        after sending them, so that the tasks they may have billed are not lost.
        """
        if self._closed:
            return
        self._closed = True
        try:
            await self._creates.settle(self._settings.longest_wait)
        finally:
            loop = _running_loop()
            if self._owns_http and (self._loop is None or loop is None or loop is self._loop):
                await self._http_client.aclose()

    async def __aenter__(self) -> AsyncAnyAPI:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
