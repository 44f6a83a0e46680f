"""Create requests cut off by their caller: a billed task is never lost without a word.

A create the gateway has received is billed whether or not anyone reads the answer. When
the caller goes away mid-request (a cancelled task, `asyncio.wait_for`, a trio cancel
scope, Ctrl-C):

- under asyncio, the async client lets the request run to its answer in the background
  (the caller's cancellation goes on at once) and reports the task it made (a WARNING,
  `client.orphaned_tasks`, `on_orphaned_task`); closing the client waits for such
  requests, within the request timeout;
- under trio, structured concurrency leaves no background to run in: the request is
  shielded from the cancellation, which goes on once the answer is in (at most the request
  timeout later), and the task is reported in the same three ways;
- the sync client cannot (an interrupted blocking read is gone), so the exception says that
  a task may have been created and how to look for it.

A request that never left this machine (cut off while connecting) is simply cancelled:
httpcore's trace events tell the two apart.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

from ._exceptions import AnyAPIError
from ._notes import add_note

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Coroutine

    import anyio

    from ._create_window import Ticket
    from ._models import VideoTask
    from ._types import OrphanedTaskCallback

logger = logging.getLogger("anyapi_sora")

BACKGROUND_NOTE = (
    "the create request had already been sent, so it goes on in the background: a task id "
    "it brings back is logged and added to client.orphaned_tasks (close() waits for it)"
)
SHIELDED_NOTE = (
    "the create request had already been sent, so the cancellation waited for its answer: "
    "a task id it brought back is logged and added to client.orphaned_tasks"
)


@attrs.define
class SendTracker:
    """How far the current attempt of a create got, from httpcore's `trace` extension."""

    sending: bool = False
    # The transport reports its steps (httpx's own transports do; a MockTransport does not).
    traced: bool = False
    sent: bool = False
    sent_at: datetime | None = None
    # The caller is gone: a retry would make a task that nobody asked for any more.
    abandoned: bool = False
    # The create's slot in the client's create window (see `_create_window`), while held.
    ticket: Ticket | None = None

    def begin(self) -> None:
        self.sending, self.sent = True, False

    def end(self) -> None:
        """The attempt has its outcome (an answer or an error that says whether it billed)."""
        self.sending, self.sent = False, False

    @property
    def may_have_reached_server(self) -> bool:
        # Without trace events we cannot know, so an attempt under way counts as sent.
        return self.sent or (self.sending and not self.traced)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        self.traced = True
        # "http11.send_request_headers.started" (or http2): the first byte may now leave.
        if event.endswith("send_request_headers.started"):
            self.sent = True
            self.sent_at = datetime.now(timezone.utc)

    async def atrace(self, event: str, info: dict[str, Any]) -> None:
        self.trace(event, info)

    def when(self) -> str:
        sent = self.sent_at or datetime.now(timezone.utc)
        return sent.strftime("%Y-%m-%d %H:%M:%S UTC")


def note_uncertain_create(exc: BaseException, tracker: SendTracker) -> None:
    """Tell the caller that the create cut off by `exc` may have made (and billed) a task."""
    if isinstance(exc, AnyAPIError) or not tracker.may_have_reached_server:
        return  # our errors say so themselves (BILLING_NOTE); an unsent request billed nothing
    note = (
        f"the create request had been sent (at {tracker.when()}), so a task may have been "
        "created and billed, and its id is unknown: check the gateway's recent tasks (its "
        "dashboard or usage log) before creating it again"
    )
    add_note(exc, note)
    logger.warning("create() stopped by %s: %s", type(exc).__name__, note)


def run_sync_create(send: Callable[[SendTracker], VideoTask]) -> VideoTask:
    tracker = SendTracker()
    try:
        return send(tracker)
    except BaseException as exc:
        note_uncertain_create(exc, tracker)
        raise


@attrs.define
class _Outcome:
    """What a create shielded from its caller's cancellation came to (trio)."""

    done: anyio.Event
    task: VideoTask | None = None
    error: Exception | None = None


class CreatesInFlight:
    """The async client's creates whose caller was cancelled while the gateway had them."""

    def __init__(self, on_orphaned_task: OrphanedTaskCallback | None = None) -> None:
        self.orphaned: list[VideoTask] = []
        self._on_orphaned_task = on_orphaned_task
        self._pending: dict[asyncio.Future[VideoTask], SendTracker] = {}
        self._giving_up = False

    def __len__(self) -> int:
        return len(self._pending)

    async def run(
        self, send: Callable[[SendTracker], Coroutine[Any, Any, VideoTask]], *, bound: float
    ) -> VideoTask:
        """`send(tracker)`, finished even if the caller is cancelled mid-way.

        `bound`: how long, in seconds, a cut-off create may still take under trio.
        """
        import sniffio

        if sniffio.current_async_library() == "asyncio":
            return await self._run_in_background(send)
        return await self._run_shielded(send, bound)

    async def _run_in_background(
        self, send: Callable[[SendTracker], Coroutine[Any, Any, VideoTask]]
    ) -> VideoTask:
        # Imported here: asyncio costs a sync-only program ~10 ms at import (see _clock).
        import asyncio

        tracker = SendTracker()
        request = asyncio.ensure_future(send(tracker))
        try:
            return await asyncio.shield(request)
        except asyncio.CancelledError as exc:
            if request.done() or tracker.may_have_reached_server:
                self._adopt(request, tracker)
                add_note(exc, BACKGROUND_NOTE)
            else:
                request.cancel()  # still connecting: nothing reached the gateway
            raise
        except BaseException as exc:
            note_uncertain_create(exc, tracker)
            raise

    async def _run_shielded(
        self, send: Callable[[SendTracker], Coroutine[Any, Any, VideoTask]], bound: float
    ) -> VideoTask:
        """Under trio: the create runs in a child task shielded from the caller's
        cancellation, which the task group holds up until the child is done."""
        import anyio

        tracker = SendTracker()
        outcome = _Outcome(anyio.Event())
        shield = anyio.CancelScope(shield=True)
        async with anyio.create_task_group() as group:
            group.start_soon(self._carry, send, tracker, shield, outcome)
            try:
                await outcome.done.wait()
            except anyio.get_cancelled_exc_class() as exc:
                if outcome.done.is_set():
                    # Answered just as the cancellation came: the caller will not see it.
                    if outcome.task is not None:
                        self._report(outcome.task)
                elif tracker.may_have_reached_server:
                    tracker.abandoned = True
                    shield.deadline = anyio.current_time() + bound
                    logger.warning(
                        "create() cancelled after its request was sent: waiting up to %gs "
                        "for the answer, so that the task it may have billed is not lost",
                        bound,
                    )
                    add_note(exc, SHIELDED_NOTE)
                else:
                    shield.cancel()  # still connecting: nothing reached the gateway
                raise
        if outcome.error is not None:
            note_uncertain_create(outcome.error, tracker)
            raise outcome.error
        assert outcome.task is not None
        return outcome.task

    async def _carry(
        self,
        send: Callable[[SendTracker], Coroutine[Any, Any, VideoTask]],
        tracker: SendTracker,
        shield: anyio.CancelScope,
        outcome: _Outcome,
    ) -> None:
        with shield:
            try:
                outcome.task = await send(tracker)
            except Exception as exc:
                outcome.error = exc  # raised by the caller, outside the task group
        outcome.done.set()
        if not tracker.abandoned:
            return
        if outcome.task is not None:
            self._report(outcome.task)
        elif outcome.error is not None:
            logger.warning("a create request whose caller was cancelled failed: %s", outcome.error)
        else:
            _warn_unanswered("gave up waiting", tracker)

    def _adopt(self, request: asyncio.Future[VideoTask], tracker: SendTracker) -> None:
        tracker.abandoned = True
        self._pending[request] = tracker
        request.add_done_callback(self._settled)

    def _settled(self, request: asyncio.Future[VideoTask]) -> None:
        tracker = self._pending.pop(request)
        if request.cancelled():
            why = "close() gave up waiting" if self._giving_up else "the event loop stopped"
            _warn_unanswered(why, tracker)
            return
        exc = request.exception()
        if exc is not None:
            logger.warning("a create request whose caller was cancelled failed: %s", exc)
            return
        self._report(request.result())

    def _report(self, task: VideoTask) -> None:
        self.orphaned.append(task)
        logger.warning(
            "task %s was created (and billed) after its create() call was cancelled; "
            "resume with client.videos.wait(%r)",
            task.id,
            task.id,
        )
        if self._on_orphaned_task is not None:
            try:
                self._on_orphaned_task(task)
            except Exception:
                logger.exception("on_orphaned_task failed for task %s", task.id)

    async def settle(self, seconds: float) -> None:
        """Wait up to `seconds` for the creates still in flight; report the rest."""
        if not self._pending:
            return  # always so under trio: a cut-off create is finished before it returns
        import asyncio

        logger.warning(
            "waiting up to %gs for %d create request(s) whose caller was cancelled, so that "
            "the tasks they may have billed are not lost",
            seconds,
            len(self._pending),
        )
        try:
            await asyncio.wait(list(self._pending), timeout=seconds)
        finally:
            # Cancelled ourselves (a second Ctrl-C), or out of time: say what may be lost.
            left = list(self._pending)
            self._giving_up = True
            for request in left:
                request.cancel()
            if left:
                await asyncio.wait(left)


def _warn_unanswered(why: str, tracker: SendTracker) -> None:
    logger.warning(
        "%s before the gateway answered a create request sent at %s: a task may have "
        "been created and billed; check the gateway's recent tasks",
        why,
        tracker.when(),
    )
