"""Ctrl-C and SIGTERM, and holding them back while a create request is in flight.

A create the gateway has accepted is billed. Cut off mid-request, we would never learn the
task's id, so the first Ctrl-C during a create waits for the answer (the id is then printed
or journaled) and a second one gives up at once.

SIGTERM (`kill`, `timeout`, a container stopping) goes the same way: it is handed to
whatever handles Ctrl-C at that moment, so the task id and the resume command are printed;
only the exit code differs (143 instead of 130).
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING

from ._exit_codes import INTERRUPTED, TERMINATED

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType, TracebackType

_terminated = False


def terminated() -> bool:
    """True once a SIGTERM arrived (the command then exits 143 instead of 130)."""
    return _terminated


def interrupted_exit_code() -> int:
    return TERMINATED if _terminated else INTERRUPTED


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _terminated
    _terminated = True
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)  # Ctrl-C's handler: ours, asyncio's, or Python's
    else:
        raise KeyboardInterrupt  # Ctrl-C is ignored, but a SIGTERM must still stop us


def handle_sigterm() -> Callable[[], None]:
    """Treat SIGTERM like Ctrl-C until the returned function is called."""
    global _terminated
    _terminated = False
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_IGN:
        return lambda: None
    signal.signal(signal.SIGTERM, _on_sigterm)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


WAITING_MESSAGE = (
    "Interrupted: waiting for the gateway to answer the create request, so that the task "
    "it may have made is not lost. Press Ctrl-C again to stop at once."
)


class CreateGuard:
    """Defers SIGINT inside the `with` block; call `check()` once the task id is safe."""

    def __init__(self, warn: Callable[[str], object]) -> None:
        self._warn = warn
        self.interrupted = False
        self._previous: object = None
        self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        self._warn(WAITING_MESSAGE)

    def __enter__(self) -> CreateGuard:
        # Only the main thread may set handlers; an ignored SIGINT stays ignored.
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if previous is not signal.SIG_IGN:
                self._previous = signal.signal(signal.SIGINT, self._handle)
                self._installed = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
            self._installed = False

    def check(self) -> None:
        """Raise the KeyboardInterrupt that was held back, if there was one."""
        if self.interrupted:
            raise KeyboardInterrupt
