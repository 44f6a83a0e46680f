"""Sending the API's requests: auth, timeouts, error mapping, retries and debug logs.

The generated client's request builders (``_get_kwargs``) describe each request; this
module sends them with the caller's or our own httpx client. It does not use the
generated ``sync_detailed``: that also parses the response with the spec's schema, which
fails on every real create response (gap 1).
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
from ._exceptions import APIConnectionError, APITimeoutError, ResponseShapeError, make_status_error
from ._refusal import refused_create
from ._retry import BILLING_NOTE, NOT_SENT_ERRORS, RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._clock import Clock

logger = logging.getLogger("anyapi_sora")

USER_AGENT = "anyapi-sora/0.1.0"
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

    def __repr__(self) -> str:
        return f"RequestSettings(base_url={str(self.base_url)!r}, api_key='***')"

    def build(
        self,
        http: httpx.Client | httpx.AsyncClient,
        kwargs: dict[str, Any],
        *,
        time_left: float = math.inf,
    ) -> httpx.Request:
        """An httpx request from a generated ``_get_kwargs`` dict, done within ``time_left``."""
        headers = dict(kwargs.get("headers") or {})
        # Auth goes on each API request, never on the httpx client, so that downloads
        # from the file host (another domain) never carry the key.
        headers["Authorization"] = f"Bearer {self.api_key}"
        headers["Accept"] = "application/json"
        headers.setdefault("User-Agent", USER_AGENT)
        return http.build_request(
            kwargs["method"].upper(),
            route_url(self.base_url, kwargs["url"]),
            params=kwargs.get("params"),
            json=kwargs.get("json"),
            headers=headers,
            timeout=timeout_within(self.timeout, time_left),
        )


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
        error = ResponseShapeError.for_body(
            "expected a JSON body", response.text[:500], status_code=response.status_code
        )
        if not idempotent:
            error.note = BILLING_NOTE
        raise error from None


class SyncSender:
    """Sends API requests on an ``httpx.Client`` with the retry policy."""

    def __init__(self, http: httpx.Client, settings: RequestSettings) -> None:
        self.http = http
        self.settings = settings

    def _send_once(self, request: httpx.Request, *, idempotent: bool) -> httpx.Response:
        started = time.perf_counter()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s", describe(request))
        try:
            response = self.http.send(request)
        except httpx.RequestError as exc:
            raise connection_error(exc, request, idempotent=idempotent) from exc
        return check_response(response, idempotent=idempotent, started=started)

    def request_json(self, kwargs: dict[str, Any], *, idempotent: bool) -> tuple[object, int]:
        request = self.settings.build(self.http, kwargs)
        try:
            response = self._send_once(request, idempotent=idempotent)
        except Exception as exc:
            failure = exc
        else:
            return json_body(response, idempotent=idempotent), response.status_code
        # Outside the except block, so that a later attempt's error is not chained to it.
        response = self._retry(request, failure, idempotent=idempotent)
        return json_body(response, idempotent=idempotent), response.status_code

    def _retry(
        self, request: httpx.Request, failure: Exception, *, idempotent: bool
    ) -> httpx.Response:
        """The attempts after a first one that failed with `failure` (see `replaying`)."""
        import tenacity

        replay = replaying(failure)

        def attempt() -> httpx.Response:
            replay()
            return self._send_once(request, idempotent=idempotent)

        retrying = tenacity.Retrying(
            sleep=self.settings.clock.sleep,
            **self.settings.retry.tenacity_options(idempotent=idempotent, what=describe(request)),
        )
        return retrying(attempt)

    def send_single(
        self, kwargs: dict[str, Any], *, time_left: float = math.inf
    ) -> tuple[object, int]:
        """One attempt of an idempotent request: the caller (wait) handles failures."""
        request = self.settings.build(self.http, kwargs, time_left=time_left)
        response = self._send_once(request, idempotent=True)
        return json_body(response, idempotent=True), response.status_code


class AsyncSender:
    """Sends API requests on an ``httpx.AsyncClient`` with the retry policy."""

    def __init__(self, http: httpx.AsyncClient, settings: RequestSettings) -> None:
        self.http = http
        self.settings = settings

    async def _send_once(self, request: httpx.Request, *, idempotent: bool) -> httpx.Response:
        started = time.perf_counter()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s", describe(request))
        try:
            response = await self.http.send(request)
        except httpx.RequestError as exc:
            raise connection_error(exc, request, idempotent=idempotent) from exc
        return check_response(response, idempotent=idempotent, started=started)

    async def request_json(self, kwargs: dict[str, Any], *, idempotent: bool) -> tuple[object, int]:
        request = self.settings.build(self.http, kwargs)
        try:
            response = await self._send_once(request, idempotent=idempotent)
        except Exception as exc:
            failure = exc
        else:
            return json_body(response, idempotent=idempotent), response.status_code
        response = await self._retry(request, failure, idempotent=idempotent)
        return json_body(response, idempotent=idempotent), response.status_code

    async def _retry(
        self, request: httpx.Request, failure: Exception, *, idempotent: bool
    ) -> httpx.Response:
        """The attempts after a first one that failed with `failure` (see `replaying`)."""
        import tenacity

        replay = replaying(failure)

        async def attempt() -> httpx.Response:
            replay()
            return await self._send_once(request, idempotent=idempotent)

        retrying = tenacity.AsyncRetrying(
            sleep=self.settings.clock.asleep,
            **self.settings.retry.tenacity_options(idempotent=idempotent, what=describe(request)),
        )
        response: httpx.Response = await retrying(attempt)
        return response

    async def send_single(
        self, kwargs: dict[str, Any], *, time_left: float = math.inf
    ) -> tuple[object, int]:
        """One attempt of an idempotent request: the caller (wait) handles failures."""
        request = self.settings.build(self.http, kwargs, time_left=time_left)
        response = await self._send_once(request, idempotent=True)
        return json_body(response, idempotent=True), response.status_code
