"""The API's requests and answers: auth, timeouts, error mapping, debug logs.

The generated client's request builders (``_get_kwargs``) describe each request; this
module builds them for the caller's or our own httpx client, and `_senders` sends them. It
does not use the generated ``sync_detailed``: that also parses the response with the
spec's schema, which fails on every real create response (gap 1).
"""

from __future__ import annotations

import json
import logging
import math
import time
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ._body_log import log_body
from ._config import route_url
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ResponseShapeError,
    make_status_error,
)
from ._options import NO_OPTIONS, CallOptions, user_agent
from ._refusal import refused_create
from ._retry import BILLING_NOTE, NOT_SENT_ERRORS, RetryPolicy
from ._version import __version__

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from ._clock import Clock
    from ._inflight import SendTracker

logger = logging.getLogger("anyapi_sora")

USER_AGENT = f"anyapi-sora/{__version__}"
# A request cut shorter than this would fail on a healthy gateway.
MIN_REQUEST_TIMEOUT = 1.0


@attrs.frozen(repr=False)
class RequestSettings:
    """What every API request needs; the key is kept out of repr on purpose."""

    api_key: str
    base_url: httpx.URL
    timeout: httpx.Timeout
    retry: RetryPolicy
    clock: Clock
    # Checked pairs (see `_options`); they go to the API, never to the video file host.
    default_headers: tuple[tuple[str, str], ...] = ()
    default_query: tuple[tuple[str, str | int | float | bool], ...] = ()
    # The headers of a request that adds none of its own, by the httpx client's User-Agent:
    # built once instead of merged afresh on every poll.
    _fixed_headers: dict[str | None, httpx.Headers] = attrs.field(
        factory=dict, init=False, eq=False
    )

    def __repr__(self) -> str:
        return f"RequestSettings(base_url={str(self.base_url)!r}, api_key='***')"

    def build(
        self,
        http: httpx.Client | httpx.AsyncClient,
        kwargs: dict[str, Any],
        *,
        time_left: float = math.inf,
        tracker: SendTracker | None = None,
        options: CallOptions = NO_OPTIONS,
    ) -> httpx.Request:
        """An httpx request from a generated ``_get_kwargs`` dict, done within ``time_left``.

        Headers, later ones winning: the ``http_client``'s own (httpx adds them), the
        request's, ``default_headers``, the call's ``extra_headers``; then the key, and our
        product token after the caller's User-Agent. Query parameters likewise, the route's
        own last. With a ``tracker``, httpcore reports to it when the request starts to leave.
        """
        theirs = http.headers.get("User-Agent")
        headers: httpx.Headers | None = None
        if kwargs.get("headers") or options.headers:
            headers = self._headers(kwargs.get("headers"), options.headers, theirs)
        elif (headers := self._fixed_headers.get(theirs)) is None:
            if len(self._fixed_headers) >= 8:  # an http_client whose User-Agent keeps changing
                self._fixed_headers.clear()
            headers = self._fixed_headers[theirs] = self._headers(None, (), theirs)
        params = kwargs.get("params")
        if self.default_query or options.query:
            params = {**dict(self.default_query), **dict(options.query), **(params or {})}
        return http.build_request(
            kwargs["method"].upper(),
            route_url(self.base_url, kwargs["url"]),
            params=params,
            json=kwargs.get("json"),
            headers=headers,
            timeout=timeout_within(options.timeout_or(self.timeout), time_left),
            extensions=None if tracker is None else {"trace": trace_of(tracker, http)},
        )

    def _headers(
        self,
        request: Any,
        extra: tuple[tuple[str, str], ...],
        http_user_agent: str | None,
    ) -> httpx.Headers:
        headers = httpx.Headers(request)
        headers["Accept"] = "application/json"
        if self.default_headers:
            headers.update(self.default_headers)
        if extra:
            headers.update(extra)
        headers["User-Agent"] = user_agent(USER_AGENT, headers.get("User-Agent") or http_user_agent)
        # Auth goes on each API request, never on the httpx client, so that downloads
        # from the file host (another domain) never carry the key.
        headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    @property
    def longest_wait(self) -> float:
        """The longest one request may take to answer, by its timeouts (60 s when unlimited)."""
        return longest_wait(self.timeout)


def longest_wait(timeout: httpx.Timeout) -> float:
    """The longest one request may take to answer under ``timeout`` (60 s when unlimited)."""
    phases = (timeout.read, timeout.write, timeout.connect)
    return max((t for t in phases if t is not None), default=60.0)


def trace_of(
    tracker: SendTracker, http: httpx.Client | httpx.AsyncClient
) -> Callable[[str, dict[str, Any]], object]:
    # httpcore awaits the callback on an async client and calls it on a sync one.
    return tracker.atrace if isinstance(http, httpx.AsyncClient) else tracker.trace


def timeout_within(timeout: httpx.Timeout, seconds: float) -> httpx.Timeout:
    """``timeout`` with no phase longer than ``seconds`` (but never under a second).

    A poll made just before the wait's deadline must not hang for the full read timeout.
    """
    if not math.isfinite(seconds):
        return timeout
    limit = max(seconds, MIN_REQUEST_TIMEOUT)

    def cap(value: float | None) -> float:
        return limit if value is None else min(value, limit)

    return httpx.Timeout(
        connect=cap(timeout.connect),
        read=cap(timeout.read),
        write=cap(timeout.write),
        pool=cap(timeout.pool),
    )


def describe(request: httpx.Request) -> str:
    return f"{request.method} {request.url}"


def connection_error(
    exc: httpx.RequestError,
    request: httpx.Request,
    *,
    idempotent: bool,
    shown: str | None = None,
) -> APIConnectionError:
    """Our error for an httpx request failure; for a create, say whether it may have billed.

    Besides transport errors this covers a body httpx cannot decode (a broken gzip from a
    proxy) and redirect loops, so no bare httpx exception reaches the caller. ``shown``
    replaces the request line in the message (a signed URL's query is a credential).
    """
    note = None if idempotent or isinstance(exc, NOT_SENT_ERRORS) else BILLING_NOTE
    what = f"{shown or describe(request)}: {type(exc).__name__}: {exc}".rstrip(": ")
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"Request timed out: {what}", request=request, note=note)
    return APIConnectionError(f"Connection error: {what}", request=request, note=note)


def check_response(response: httpx.Response, *, idempotent: bool, started: float) -> httpx.Response:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s -> %d %s (%.1f ms)",
            describe(response.request),
            response.status_code,
            response.reason_phrase,
            (time.perf_counter() - started) * 1000,
        )
        log_body(response)
    if not idempotent and (refusal := refused_create(response)) is not None:
        raise refusal  # before the status: gateways send this body with 200, 429 or 500
    if response.is_success:
        return response
    # A create answered 5xx may still have started a task upstream.
    note = BILLING_NOTE if not idempotent and response.status_code >= 500 else None
    raise make_status_error(response, note=note)


def replaying(first_failure: Exception) -> Callable[[], None]:
    """A step that raises ``first_failure`` once, then does nothing.

    The first attempt of a request runs outside tenacity: almost every request succeeds at
    once, and tenacity's bookkeeping per call cost more than everything else this client
    adds to a request, while importing it cost every program that imports us ~7 ms. When
    that attempt fails, a tenacity loop takes over, and its first attempt replays the
    failure, so the policy (what is retried, how long to wait, what is logged) is exactly
    the one tenacity applies to an attempt it made itself.
    """
    replay = [first_failure]

    def fail_first() -> None:
        if replay:
            raise replay.pop()

    return fail_first


def json_body(response: httpx.Response, *, idempotent: bool) -> object:
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        # The whole text: for_body cuts it and marks the cut.
        error = ResponseShapeError.for_body(
            "expected a JSON body", response.text, status_code=response.status_code
        )
        if not idempotent:
            error.note = BILLING_NOTE
        raise error from None


def deadline_passed(request: httpx.Request) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("the wait's deadline passed during the body", request=request)


class DeadlineStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that fails once ``clock`` passes ``deadline``.

    httpx times each network read, not the whole body: a gateway sending a byte every
    quarter second would keep a poll alive for as long as it liked, and a wait's deadline
    with it.
    """

    def __init__(
        self,
        stream: httpx.SyncByteStream | httpx.AsyncByteStream,
        request: httpx.Request,
        clock: Clock,
        deadline: float,
        on_passed: Callable[[], object] | None = None,
    ) -> None:
        self._stream = stream
        self._request = request
        self._clock = clock
        self._deadline = deadline
        self._on_passed = on_passed

    def _check(self) -> None:
        if self._clock.monotonic() >= self._deadline:
            if self._on_passed is not None:
                # Once: the read is cancelled at its next checkpoint, from inside; a stream
                # that has none (a test's) meets the error on its next chunk.
                on_passed, self._on_passed = self._on_passed, None
                on_passed()
                return
            raise deadline_passed(self._request)

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._stream, httpx.SyncByteStream)
        for chunk in self._stream:
            self._check()
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        async for chunk in self._stream:
            self._check()
            yield chunk

    def close(self) -> None:
        assert isinstance(self._stream, httpx.SyncByteStream)
        self._stream.close()

    async def aclose(self) -> None:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        await self._stream.aclose()
