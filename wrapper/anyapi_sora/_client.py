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
        pacing: Pace all of this client's requests together (default true): honour
            `Retry-After`, slow down when the gateway answers 429 or 503 and speed up
            again on success, spread the polls of many waits over their interval, and
            hold new creates while the gateway refuses them for lack of room. False
            sends every request as soon as it is made.
        max_requests_per_second: A cap on the rate of API requests from the start
            (requests are then spaced, never closer than that), e.g. `1.0` for a key
            limited to 60 a minute. Default: no cap beyond what the gateway's answers
            teach the pacer.
        max_active_tasks: A cap on the tasks this client runs at once: a create waits
            until one of the client's running tasks ends. Default: no cap beyond what
            the gateway's refusals teach.
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

    Its requests share one pace: see the README's "Fleets" section.

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
        pacing: bool | None = None,
        max_requests_per_second: float | None = None,
        max_active_tasks: int | None = None,
    ) -> _Sync:
        """Return a copy of this client with some options changed.

        An option left out (None) keeps this client's value. The copy shares this client's
        connection pool (unless given its own `http_client`) without owning it: closing
        the copy closes nothing shared, while closing this client closes the pool under
        every copy, whose calls then raise `ClientClosedError`. The copy shares this
        client's pace unless it changes the gateway, the key or the pacing options. Also
        named `copy()`; the names are openai-python's.

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

            pacing: Turn pacing on or off for the copy.
            max_requests_per_second: Another request-rate cap (`math.inf` removes it).
            max_active_tasks: Another cap on running tasks (`math.inf` removes it).
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
