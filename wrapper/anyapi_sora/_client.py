"""`AnyAPI` and `AsyncAnyAPI`: configuration, the HTTP client, and `.videos`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar

import httpx

from ._exceptions import AnyAPIError, InvalidParameterError
from ._inflight import CreatesInFlight
from ._senders import AsyncSender, SyncSender
from ._settings import (
    DEFAULT_MAX_RETRIES,
    callers_http_closed_error,
    check_http_client,
    closed_error,
    derive_settings,
    make_settings,
    original_closed_error,
)
from ._videos_async import AsyncVideos
from ._videos_sync import Videos

if TYPE_CHECKING:
    from types import TracebackType

    from ._clock import Clock
    from ._http import RequestSettings
    from ._models import VideoTask
    from ._types import Headers, OrphanedTaskCallback, Query, RequestTimeout

logger = logging.getLogger("anyapi_sora")

_Sync = TypeVar("_Sync", bound="AnyAPI")
_Async = TypeVar("_Async", bound="AsyncAnyAPI")


def _running_loop() -> object | None:
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None  # not under asyncio (trio), so there is no loop to follow


class AnyAPI:
    """Synchronous client for a gateway that speaks AnyAPI's unified video format.

    Video tasks are under `videos`. Every option is checked here, before any request, so
    a bad one fails at once and costs nothing. The client keeps a connection pool: close
    it with `close()`, or use the client as a context manager. A closed client raises
    `ClientClosedError` on any call.

    Args:
        api_key: The gateway's API key, sent as `Authorization: Bearer <key>` on every
            API request (never to the host that serves the video file). Default: the
            `ANYAPI_API_KEY` environment variable. Surrounding spaces are stripped.
        base_url: The gateway's root URL; the routes add `/v1/video/...` themselves, so
            leave `/v1` out. Default: `ANYAPI_BASE_URL`, else `https://www.anyapi.vip`.
            A plain `http://` URL is refused unless its host is this machine (loopback)
            or `allow_insecure_http` is true.
        timeout: The request timeout: it bounds each HTTP request (httpx's connect,
            read, write and pool phases), not a whole wait. Seconds (the connect phase
            then gets at most 10 s) or an `httpx.Timeout`. Default: the `http_client`'s
            own timeout (one left at httpx's untouched 5 s default counts as none), else
            60 s. The deadline of a whole wait is `timeout=` on `videos.wait()` and
            `videos.generate()`.
        max_retries: How many times a failed request is retried (a whole number >= 0;
            default 2). Queries and downloads retry connection errors, timeouts, 429
            and 5xx; a create is retried only when no task can exist (the connection
            was never made, a 429, or an answer that names no task).
        default_headers: Headers for every API request; they win over the
            `http_client`'s own, and a call's `extra_headers` win over them.
            `Authorization` is refused (the key comes from `api_key`). A `User-Agent`
            set here or on the `http_client` is kept, with ours after it.
        default_query: Query parameters for every API request. `id` is refused (it is
            the task id of a query).
        http_client: Your own `httpx.Client`. Its timeout (unless `timeout` is given),
            headers, proxies, limits and transport are kept. It is not closed for you,
            and must not carry auth of its own (`auth=` or an `Authorization` header).
        allow_insecure_http: Allow a plain-`http://` `base_url` on another machine,
            although the key then crosses the network in clear text.
        clock: Where the client reads the time and sleeps (see `Clock`); for tests.
            Default: the system clock.

    Raises:
        AnyAPIError: No API key (neither `api_key` nor `ANYAPI_API_KEY`), a key with
            spaces, control or non-ASCII characters, or an unusable `base_url` (not
            http(s), with a user name, a query string or a fragment, or plain `http://`
            to another machine without `allow_insecure_http`).
        InvalidParameterError: A bad `timeout`, `max_retries`, `default_headers` or
            `default_query`, or an `http_client` that is not an `httpx.Client` or
            carries its own auth.

    Example:
        ```python
        from anyapi_sora import AnyAPI

        with AnyAPI() as client:  # the key from ANYAPI_API_KEY
            task = client.videos.generate("a corgi surfing", out="corgi.mp4")
            print(task.id, task.video_url)
        ```
    """

    videos: Videos
    """Video tasks: `create`, `retrieve`, `wait`, `download` and `generate`."""

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
    ) -> None:
        check_http_client(http_client, httpx.Client)
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
        self._setup(settings, http_client or httpx.Client(), owns, None, allow_insecure_http)

    def _setup(
        self,
        settings: RequestSettings,
        http_client: httpx.Client,
        owns: bool,
        original: AnyAPI | None,
        allow_insecure_http: bool,
    ) -> None:
        self._settings = settings
        self._http_client = http_client
        self._owns_http = owns
        # The client whose connection pool a with_options() copy shares.
        self._original = original
        self._allow_insecure_http = allow_insecure_http
        self._closed = False
        self._sender = SyncSender(lambda: self._http, settings)
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
    ) -> _Sync:
        """Return a copy of this client with some options changed.

        An option left out (None) keeps this client's value. The copy shares this client's
        connection pool (unless given its own `http_client`) without owning it: closing
        the copy closes nothing shared, while closing this client closes the pool under
        every copy, whose calls then raise `ClientClosedError`. Also named `copy()`; the
        names are openai-python's.

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
            http_client: An `httpx.Client` for the copy instead of the shared pool; not
                closed for you, and without auth of its own.
            allow_insecure_http: Whether a plain-`http://` `base_url` given here may
                point at another machine.

        Returns:
            A new client of the same class; this one is unchanged.

        Raises:
            InvalidParameterError: An option is unusable, or both `default_headers` and
                `set_default_headers` (or both `default_query` and `set_default_query`)
                are given.
            AnyAPIError: An unusable `api_key` or `base_url`, as in the constructor.

        Example:
            ```python
            client.with_options(timeout=10, max_retries=0).videos.retrieve(task_id)
            eu = client.with_options(default_headers={"X-Route": "eu"})
            ```
        """
        check_http_client(http_client, httpx.Client)
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
            clone._setup(settings, http_client, False, None, insecure)
        else:
            original = self._original or self
            clone._setup(settings, original._http_client, False, original, insecure)
        return clone

    copy = with_options
    """Another name for `with_options()`."""

    def __repr__(self) -> str:
        return f"AnyAPI(base_url={str(self.base_url)!r})"

    def close(self) -> None:
        """Close the client; any later call on it raises `ClientClosedError`.

        The connection pool is closed only when this client made it: an `http_client`
        you passed stays open, and a copy made by `with_options()` closes nothing it
        shares (closing the client it was copied from does). Closing twice is harmless.
        """
        self._closed = True
        if self._owns_http:
            self._http_client.close()

    def __enter__(self: _Sync) -> _Sync:
        """Return the client itself; the end of the `with` block closes it."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client (see `close()`); an exception in the block goes on."""
        self.close()


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
        on_orphaned_task: Called with each task (a `VideoTask`) whose create was
            answered after its caller had been cancelled, besides the WARNING and
            `orphaned_tasks`; save its id somewhere to resume it. An exception it raises
            is logged, not raised.

    Raises:
        AnyAPIError: No API key, or an unusable key or `base_url` (see `AnyAPI`).
        InvalidParameterError: A bad option (see `AnyAPI`), an `http_client` that is not
            an `httpx.AsyncClient`, or an `on_orphaned_task` that cannot be called.

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
        on_orphaned_task: OrphanedTaskCallback | None = None,
    ) -> None:
        check_http_client(http_client, httpx.AsyncClient)
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
        self._setup(settings, http, owns, None, allow_insecure_http, creates)

    def _setup(
        self,
        settings: RequestSettings,
        http_client: httpx.AsyncClient,
        owns: bool,
        original: AsyncAnyAPI | None,
        allow_insecure_http: bool,
        creates: CreatesInFlight,
    ) -> None:
        self._settings = settings
        self._http_client = http_client
        self._owns_http = owns
        self._original = original
        self._allow_insecure_http = allow_insecure_http
        self._closed = False
        # The event loop the httpx client's connections belong to.
        self._loop: object | None = None
        # Shared with with_options() copies: a create cut off on a copy is reported here too.
        self._creates = creates
        self._sender = AsyncSender(lambda: self._http, settings)
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
    ) -> _Async:
        """Return a copy of this client with some options changed.

        As `AnyAPI.with_options`: an option left out (None) keeps this client's value,
        and the copy shares the connection pool without owning it. It also shares
        `orphaned_tasks`, and this client's `close()` waits for creates cut off on the
        copy. Also named `copy()`.

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

        Returns:
            A new client of the same class; this one is unchanged.

        Raises:
            InvalidParameterError: An option is unusable, or both forms of the headers
                (or of the query) are given.
            AnyAPIError: An unusable `api_key` or `base_url`, as in the constructor.
        """
        check_http_client(http_client, httpx.AsyncClient)
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
            clone._setup(settings, http_client, False, None, insecure, self._creates)
        else:
            original = self._original or self
            clone._setup(settings, original._http_client, False, original, insecure, self._creates)
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
