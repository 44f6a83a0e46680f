"""`AsyncAnyAPI`: the asynchronous client, the same shape as `AnyAPI`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar

import httpx

from ._exceptions import AnyAPIError, InvalidParameterError
from ._inflight import CreatesInFlight
from ._senders import AsyncSender
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
from ._videos_async import AsyncVideos

if TYPE_CHECKING:
    from types import TracebackType

    from ._clock import Clock
    from ._http import RequestSettings
    from ._models import VideoTask
    from ._types import Headers, OrphanedTaskCallback, Query, RequestTimeout

logger = logging.getLogger("anyapi_sora")

_Async = TypeVar("_Async", bound="AsyncAnyAPI")


def _running_loop() -> object | None:
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None  # not under asyncio (trio), so there is no loop to follow


class AsyncAnyAPI:
    """Asynchronous client: the same shape as `AnyAPI`, with awaitable methods.

    Runs under asyncio and under trio. A create cut off by its caller after the request
    was sent is not lost: under asyncio the request goes on in the background (the
    cancellation is not held up); under trio the cancellation waits for its answer, at
    most the request timeout. Either way the task it makes is logged as a WARNING, added
    to `orphaned_tasks` and passed to `on_orphaned_task`. `close()` (and so the end of
    `async with`) waits for creates still in the background.

    The client may be used from one event loop after another (two `asyncio.run()`
    calls): it opens new connections on the new loop. With your own `http_client`, whose
    connections belong to the first loop, that raises `AnyAPIError` instead.

    Args:
        api_key: As for `AnyAPI`.
        base_url: As for `AnyAPI`.
        timeout: The request timeout of each HTTP request, as for `AnyAPI`; not a
            whole wait's deadline.
        max_retries: As for `AnyAPI`.
        default_headers: As for `AnyAPI`.
        default_query: As for `AnyAPI`.
        http_client: Your own `httpx.AsyncClient`, as for `AnyAPI`: its settings are
            kept, it is not closed for you, and it must not carry auth of its own.
        allow_insecure_http: As for `AnyAPI`.
        clock: Where the client reads the time and sleeps (see `Clock`); for tests.
        pacing: As for `AnyAPI`.
        max_requests_per_second: As for `AnyAPI`.
        max_active_tasks: As for `AnyAPI`.
        on_orphaned_task: Called with each task (a `VideoTask`) whose create was
            answered after its caller had been cancelled, besides the WARNING and
            `orphaned_tasks`; save its id somewhere to resume it. An exception it raises
            is logged, not raised.

    Raises:
        AnyAPIError: No API key, or an unusable key or `base_url` (see `AnyAPI`).
        InvalidParameterError: A bad option (see `AnyAPI`), an `http_client` that is not
            an `httpx.AsyncClient`, or an `on_orphaned_task` that cannot be called.

    Pacing (`pacing`, `max_requests_per_second`, `max_active_tasks`) is `AnyAPI`'s.

    Example:
        ```python
        from anyapi_sora import AsyncAnyAPI

        async with AsyncAnyAPI() as client:
            task = await client.videos.generate("a corgi surfing", out="corgi.mp4")
        ```
    """

    videos: AsyncVideos
    """Video tasks: `create`, `retrieve`, `wait`, `download` and `generate`, awaited."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | httpx.URL | None = None,
        timeout: RequestTimeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Headers | None = None,
        default_query: Query | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        clock: Clock | None = None,
        pacing: bool = True,
        max_requests_per_second: float | None = None,
        max_active_tasks: int | None = None,
        on_orphaned_task: OrphanedTaskCallback | None = None,
    ) -> None:
        check_http_client(http_client, httpx.AsyncClient)
        pace = check_pacing(pacing, max_requests_per_second, max_active_tasks)
        if on_orphaned_task is not None and not callable(on_orphaned_task):
            raise InvalidParameterError(
                "on_orphaned_task",
                f"expected a function taking a VideoTask, got {on_orphaned_task!r}",
            )
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
        http = http_client or httpx.AsyncClient()
        creates = CreatesInFlight(on_orphaned_task)
        self._setup(settings, http, owns, None, allow_insecure_http, creates, pace, Pacers())

    def _setup(
        self,
        settings: RequestSettings,
        http_client: httpx.AsyncClient,
        owns: bool,
        original: AsyncAnyAPI | None,
        allow_insecure_http: bool,
        creates: CreatesInFlight,
        pacing: PacingOptions,
        pacers: Pacers,
    ) -> None:
        self._settings = settings
        self._pacing = pacing
        self._pacers = pacers
        self._http_client = http_client
        self._owns_http = owns
        self._original = original
        self._allow_insecure_http = allow_insecure_http
        self._closed = False
        # The event loop the httpx client's connections belong to.
        self._loop: object | None = None
        # Shared with with_options() copies: a create cut off on a copy is reported here too.
        self._creates = creates
        self._sender = AsyncSender(lambda: self._http, settings, pacers.pacer_for(settings, pacing))
        self.videos = AsyncVideos(self)

    @property
    def orphaned_tasks(self) -> list[VideoTask]:
        """Tasks made by creates whose caller was cancelled before the gateway answered.

        Each is billed and runs on: resume it with `videos.wait(task)`. A create still in
        flight lands here when it is answered; `close()` waits for those. A client and its
        `with_options()` copies share this list.

        Example:
            ```python
            for task in client.orphaned_tasks:  # billed tasks whose create was cut off
                print("resume with", task.id)
            ```
        """
        return self._creates.orphaned

    @property
    def _http(self) -> httpx.AsyncClient:
        """The httpx client for the next request, on the running event loop."""
        if self._closed:
            raise closed_error("AsyncAnyAPI")
        if self._original is not None:
            if self._original._closed:
                raise original_closed_error("AsyncAnyAPI")
            return self._original._http
        if self._http_client.is_closed:
            raise callers_http_closed_error("httpx.AsyncClient")
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
        """The gateway's root URL, which the API routes (`/v1/video/...`) are added to."""
        return self._settings.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """The timeout of each HTTP request (a whole wait's deadline is `wait(timeout=)`)."""
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried (see the constructor)."""
        return self._settings.retry.max_retries

    def with_options(
        self: _Async,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: RequestTimeout | None = None,
        max_retries: int | None = None,
        default_headers: Headers | None = None,
        set_default_headers: Headers | None = None,
        default_query: Query | None = None,
        set_default_query: Query | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool | None = None,
        pacing: bool | None = None,
        max_requests_per_second: float | None = None,
        max_active_tasks: int | None = None,
    ) -> _Async:
        """Return a copy of this client with some options changed.

        As `AnyAPI.with_options`: an option left out (None) keeps this client's value,
        and the copy shares the connection pool without owning it. It also shares
        `orphaned_tasks`, and this client's `close()` waits for creates cut off on the
        copy. Pacing is shared as with `AnyAPI.with_options`. Also named `copy()`.

        Args:
            api_key: Another API key.
            base_url: Another gateway root URL, checked as the constructor checks it.
            timeout: Another request timeout: seconds or an `httpx.Timeout`.
            max_retries: Another number of retries.
            default_headers: Headers added to this client's, replacing any of the same
                name (compared without regard to case).
            set_default_headers: Headers that replace all of this client's.
            default_query: Query parameters added to this client's, replacing any of
                the same name.
            set_default_query: Query parameters that replace all of this client's.
            http_client: An `httpx.AsyncClient` for the copy instead of the shared pool;
                not closed for you, and without auth of its own.
            allow_insecure_http: Whether a plain-`http://` `base_url` given here may
                point at another machine.

            pacing: Turn pacing on or off for the copy.
            max_requests_per_second: Another request-rate cap (`math.inf` removes it).
            max_active_tasks: Another cap on running tasks (`math.inf` removes it).
        Returns:
            A new client of the same class; this one is unchanged.

        Raises:
            InvalidParameterError: An option is unusable, or both forms of the headers
                (or of the query) are given.
            AnyAPIError: An unusable `api_key` or `base_url`, as in the constructor.
        """
        check_http_client(http_client, httpx.AsyncClient)
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
        shared = (self._creates, pace, self._pacers)
        if http_client is not None:
            clone._setup(settings, http_client, False, None, insecure, *shared)
        else:
            original = self._original or self
            clone._setup(settings, original._http_client, False, original, insecure, *shared)
        return clone

    copy = with_options
    """Another name for `with_options()`."""

    def __repr__(self) -> str:
        return f"AsyncAnyAPI(base_url={str(self.base_url)!r})"

    async def close(self) -> None:
        """Close the client; any later call on it raises `ClientClosedError`.

        First waits, at most the longest phase of the request timeout, for creates whose
        caller was cancelled after sending them, so that the tasks they may have billed
        reach `orphaned_tasks`; one still unanswered then is given up with a WARNING.
        Then closes the connection pool, only when this client made it: an
        `http_client` you passed stays open. A copy made by `with_options()` closes
        nothing and waits for nothing: the client it was copied from does both. Closing
        twice is harmless.
        """
        if self._closed:
            return
        self._closed = True
        if self._original is not None:
            return
        try:
            await self._creates.settle(self._settings.longest_wait)
        finally:
            loop = _running_loop()
            if self._owns_http and (self._loop is None or loop is None or loop is self._loop):
                await self._http_client.aclose()

    async def __aenter__(self: _Async) -> _Async:
        """Return the client itself; the end of the `async with` block closes it."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client (see `close()`); an exception in the block goes on."""
        await self.close()
