"""Sending API requests on the caller's or our own httpx client, with the retry policy.

Each sender asks the client for its httpx client on every request, so that a closed client
refuses and an async client follows its caller to a new event loop (see `_client`).
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING, Any

import httpx

from ._exceptions import AnyAPIError
from ._http import (
    DeadlineStream,
    check_response,
    connection_error,
    deadline_passed,
    describe,
    json_body,
    replaying,
)
from ._options import NO_OPTIONS
from ._pacer import after_failure

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._http import RequestSettings
    from ._inflight import SendTracker
    from ._models import VideoTask
    from ._options import CallOptions
    from ._pacer import Pacer

logger = logging.getLogger("anyapi_sora")


def not_retried_for_a_gone_caller(failure: Exception) -> AnyAPIError:
    return AnyAPIError(
        f"create not retried, since its caller was cancelled; the failed attempt made no task "
        f"({failure})"
    )


class SyncSender:
    """Sends API requests on the client's ``httpx.Client`` with the retry policy."""

    def __init__(
        self,
        http: Callable[[], httpx.Client],
        settings: RequestSettings,
        pacer: Pacer | None = None,
    ) -> None:
        # Asked for on every request: the client refuses once it is closed.
        self._http = http
        self.settings = settings
        self.pacer = pacer

    def _send_once(
        self,
        http: httpx.Client,
        request: httpx.Request,
        *,
        idempotent: bool,
        tracker: SendTracker | None = None,
        deadline: float = math.inf,
    ) -> httpx.Response:
        pacer = self.pacer
        if pacer is None:
            return self._send(http, request, idempotent, tracker, deadline)
        create = not idempotent
        generation = pacer.generation
        try:
            if create and tracker is not None and tracker.ticket is None:
                tracker.ticket = pacer.creates.acquire()
            generation = self._take_turn(pacer, create, deadline)
            response = self._send(http, request, idempotent, tracker, deadline)
        except BaseException as exc:
            after_failure(pacer, exc, create=create, generation=generation, tracker=tracker)
            raise
        pacer.succeeded()
        return response

    def _take_turn(self, pacer: Pacer, create: bool, deadline: float) -> int:
        """Sleep until the pacer lets this request go; the pacer's generation then.

        A turn taken before the pacer slowed down (a 429 meanwhile) is taken again: it was
        given at the old, too fast, rate.
        """
        clock = self.settings.clock
        while True:
            generation = pacer.generation
            delay = pacer.delay(create=create)
            if delay <= 0:
                return generation
            clock.sleep(min(delay, deadline - clock.monotonic()))
            if pacer.generation == generation or clock.monotonic() >= deadline:
                return pacer.generation

    def _send(
        self,
        http: httpx.Client,
        request: httpx.Request,
        idempotent: bool,
        tracker: SendTracker | None,
        deadline: float,
    ) -> httpx.Response:
        started = time.perf_counter()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s", describe(request))
        if tracker is not None:
            tracker.begin()
        try:
            if math.isfinite(deadline):
                response = http.send(request, stream=True)
                try:
                    response.stream = DeadlineStream(
                        response.stream, request, self.settings.clock, deadline
                    )
                    response.read()
                finally:
                    response.close()
            else:
                response = http.send(request)
        except httpx.RequestError as exc:
            if tracker is not None:
                tracker.end()
            raise connection_error(exc, request, idempotent=idempotent) from exc
        if tracker is not None:
            tracker.end()
        return check_response(response, idempotent=idempotent, started=started)

    def request_json(
        self,
        kwargs: dict[str, Any],
        *,
        idempotent: bool,
        tracker: SendTracker | None = None,
        options: CallOptions = NO_OPTIONS,
    ) -> tuple[object, int]:
        http = self._http()
        request = self.settings.build(http, kwargs, tracker=tracker, options=options)
        try:
            response = self._send_once(http, request, idempotent=idempotent, tracker=tracker)
        except Exception as exc:
            failure = exc
        else:
            return json_body(response, idempotent=idempotent), response.status_code
        # Outside the except block, so that a later attempt's error is not chained to it.
        response = self._retry(http, request, failure, idempotent=idempotent, tracker=tracker)
        return json_body(response, idempotent=idempotent), response.status_code

    def _retry(
        self,
        http: httpx.Client,
        request: httpx.Request,
        failure: Exception,
        *,
        idempotent: bool,
        tracker: SendTracker | None,
    ) -> httpx.Response:
        """The attempts after a first one that failed with `failure` (see `replaying`)."""
        import tenacity

        replay = replaying(failure)

        def attempt() -> httpx.Response:
            replay()
            return self._send_once(http, request, idempotent=idempotent, tracker=tracker)

        retrying = tenacity.Retrying(
            sleep=self.settings.clock.sleep,
            **self.settings.retry.tenacity_options(idempotent=idempotent, what=describe(request)),
        )
        return retrying(attempt)

    def send_single(
        self,
        kwargs: dict[str, Any],
        *,
        deadline: float = math.inf,
        options: CallOptions = NO_OPTIONS,
    ) -> tuple[object, int]:
        """One attempt of an idempotent request, answered by `deadline` (on the client's clock).

        The caller (wait) handles failures.
        """
        http = self._http()
        time_left = deadline - self.settings.clock.monotonic()
        request = self.settings.build(http, kwargs, time_left=time_left, options=options)
        response = self._send_once(http, request, idempotent=True, deadline=deadline)
        return json_body(response, idempotent=True), response.status_code

    def settle_create(self, tracker: SendTracker, task: VideoTask | None) -> None:
        settle_create(self.pacer, tracker, task)


class AsyncSender:
    """Sends API requests on the client's ``httpx.AsyncClient`` with the retry policy."""

    def __init__(
        self,
        http: Callable[[], httpx.AsyncClient],
        settings: RequestSettings,
        pacer: Pacer | None = None,
    ) -> None:
        # Asked for on every request: the client refuses once closed, and moves to a new
        # event loop.
        self._http = http
        self.settings = settings
        self.pacer = pacer

    async def _send_once(
        self,
        http: httpx.AsyncClient,
        request: httpx.Request,
        *,
        idempotent: bool,
        tracker: SendTracker | None = None,
        deadline: float = math.inf,
    ) -> httpx.Response:
        pacer = self.pacer
        if pacer is None:
            return await self._send(http, request, idempotent, tracker, deadline)
        create = not idempotent
        generation = pacer.generation
        try:
            if create and tracker is not None and tracker.ticket is None:
                tracker.ticket = await pacer.creates.aacquire()
            generation = await self._take_turn(pacer, create, deadline)
            response = await self._send(http, request, idempotent, tracker, deadline)
        except BaseException as exc:
            after_failure(pacer, exc, create=create, generation=generation, tracker=tracker)
            raise
        pacer.succeeded()
        return response

    async def _take_turn(self, pacer: Pacer, create: bool, deadline: float) -> int:
        """Sleep until the pacer lets this request go (see `SyncSender._take_turn`)."""
        clock = self.settings.clock
        while True:
            generation = pacer.generation
            delay = pacer.delay(create=create)
            if delay <= 0:
                return generation
            await clock.asleep(min(delay, deadline - clock.monotonic()))
            if pacer.generation == generation or clock.monotonic() >= deadline:
                return pacer.generation

    async def _send(
        self,
        http: httpx.AsyncClient,
        request: httpx.Request,
        idempotent: bool,
        tracker: SendTracker | None,
        deadline: float,
    ) -> httpx.Response:
        started = time.perf_counter()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s", describe(request))
        if tracker is not None:
            tracker.begin()
        try:
            if math.isfinite(deadline):
                response = await http.send(request, stream=True)
                try:
                    await self._read_by(response, deadline)
                finally:
                    await response.aclose()
            else:
                response = await http.send(request)
        except httpx.RequestError as exc:
            if tracker is not None:
                tracker.end()
            raise connection_error(exc, request, idempotent=idempotent) from exc
        if tracker is not None:
            tracker.end()
        return check_response(response, idempotent=idempotent, started=started)

    async def _read_by(self, response: httpx.Response, deadline: float) -> None:
        """Read the body, failing with a read timeout once `deadline` passes.

        A cancel scope ends the read at the deadline (in real time, and when a chunk comes
        in past it by the client's clock), from inside the socket read. Raising between
        chunks instead would leave httpx's body generators suspended, which trio reports
        as a ResourceWarning on every wait that ends at its deadline.
        """
        import anyio

        clock = self.settings.clock
        scope = anyio.move_on_after(max(0.0, deadline - clock.monotonic()))
        response.stream = DeadlineStream(
            response.stream, response.request, clock, deadline, on_passed=scope.cancel
        )
        with scope:
            await response.aread()
        if scope.cancelled_caught:
            raise deadline_passed(response.request)

    async def request_json(
        self,
        kwargs: dict[str, Any],
        *,
        idempotent: bool,
        tracker: SendTracker | None = None,
        options: CallOptions = NO_OPTIONS,
    ) -> tuple[object, int]:
        http = self._http()
        request = self.settings.build(http, kwargs, tracker=tracker, options=options)
        try:
            response = await self._send_once(http, request, idempotent=idempotent, tracker=tracker)
        except Exception as exc:
            failure = exc
        else:
            return json_body(response, idempotent=idempotent), response.status_code
        response = await self._retry(http, request, failure, idempotent=idempotent, tracker=tracker)
        return json_body(response, idempotent=idempotent), response.status_code

    async def _retry(
        self,
        http: httpx.AsyncClient,
        request: httpx.Request,
        failure: Exception,
        *,
        idempotent: bool,
        tracker: SendTracker | None,
    ) -> httpx.Response:
        """The attempts after a first one that failed with `failure` (see `replaying`)."""
        import tenacity

        replay = replaying(failure)

        async def attempt() -> httpx.Response:
            replay()
            if tracker is not None and tracker.abandoned:
                # Only a failure that made no task is ever retried (see RetryPolicy), and
                # nobody waits for this one any more.
                raise not_retried_for_a_gone_caller(failure)
            return await self._send_once(http, request, idempotent=idempotent, tracker=tracker)

        retrying = tenacity.AsyncRetrying(
            sleep=self.settings.clock.asleep,
            **self.settings.retry.tenacity_options(idempotent=idempotent, what=describe(request)),
        )
        response: httpx.Response = await retrying(attempt)
        return response

    async def send_single(
        self,
        kwargs: dict[str, Any],
        *,
        deadline: float = math.inf,
        options: CallOptions = NO_OPTIONS,
    ) -> tuple[object, int]:
        """One attempt of an idempotent request, answered by `deadline` (on the client's clock).

        The caller (wait) handles failures.
        """
        http = self._http()
        time_left = deadline - self.settings.clock.monotonic()
        request = self.settings.build(http, kwargs, time_left=time_left, options=options)
        response = await self._send_once(http, request, idempotent=True, deadline=deadline)
        return json_body(response, idempotent=True), response.status_code

    def settle_create(self, tracker: SendTracker, task: VideoTask | None) -> None:
        settle_create(self.pacer, tracker, task)


def settle_create(pacer: Pacer | None, tracker: SendTracker, task: VideoTask | None) -> None:
    """After a create call: its task runs now (or, with no task, its slot is free again)."""
    ticket = tracker.ticket
    if pacer is None or ticket is None:
        return
    tracker.ticket = None
    if task is not None:
        pacer.creates.created(ticket, task.id)
    else:
        pacer.creates.release(ticket)
