"""Create requests cut off by their caller: a billed task is never lost without a word.

A create the gateway has received is billed whether or not anyone reads the answer. When
the caller goes away mid-request (a cancelled task, `asyncio.wait_for`, Ctrl-C):

- the async client lets the request run to its answer in the background and reports the
  task it made (a WARNING, `client.orphaned_tasks`, `on_orphaned_task`); closing the client
  waits for such requests, within the request timeout;
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

    from ._models import VideoTask
    from ._types import OrphanedTaskCallback

logger = logging.getLogger("anyapi_sora")

BACKGROUND_NOTE = (
    "the create request had already been sent, so it goes on in the background: a task id "
    "it brings back is logged and added to client.orphaned_tasks (close() waits for it)"
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


class CreatesInFlight:
    """The async client's creates whose caller was cancelled while the gateway had them."""

    def __init__(self, on_orphaned_task: OrphanedTaskCallback | None = None) -> None:
        self.orphaned: list[VideoTask] = []
        self._on_orphaned_task = on_orphaned_task
        self._pending: dict[asyncio.Future[VideoTask], SendTracker] = {}
        self._giving_up = False

    def __len__(self) -> int:
        return len(self._pending)

    async def run(self, send: Callable[[SendTracker], Coroutine[Any, Any, VideoTask]]) -> VideoTask:
        """`send(tracker)`, carried on in the background if the caller is cancelled mid-way."""
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

    def _adopt(self, request: asyncio.Future[VideoTask], tracker: SendTracker) -> None:
        tracker.abandoned = True
        self._pending[request] = tracker
        request.add_done_callback(self._settled)

    def _settled(self, request: asyncio.Future[VideoTask]) -> None:
        tracker = self._pending.pop(request)
        if request.cancelled():
            why = "close() gave up waiting" if self._giving_up else "the event loop stopped"
            logger.warning(
                "%s before the gateway answered a create request sent at %s: a task may have "
                "been created and billed; check the gateway's recent tasks",
                why,
                tracker.when(),
            )
            return
        exc = request.exception()
        if exc is not None:
            logger.warning("a create request whose caller was cancelled failed: %s", exc)
            return
        task = request.result()
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

    async def settle(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the creates still in flight; report the rest."""
        if not self._pending:
            return
        import asyncio

        logger.warning(
            "waiting up to %gs for %d create request(s) whose caller was cancelled, so that "
            "the tasks they may have billed are not lost",
            timeout,
            len(self._pending),
        )
        try:
            await asyncio.wait(list(self._pending), timeout=timeout)
        finally:
            # Cancelled ourselves (a second Ctrl-C), or out of time: say what may be lost.
            left = list(self._pending)
            self._giving_up = True
            for request in left:
                request.cancel()
            if left:
                await asyncio.wait(left)
