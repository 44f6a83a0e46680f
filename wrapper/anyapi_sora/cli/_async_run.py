"""`asyncio.run` with Python 3.11's Ctrl-C handling, on every supported Python.

From 3.11, the first Ctrl-C cancels the main task, so that code in it can finish what
must not be cut short (a batch waits for an in-flight create's answer and journals the
task id) before KeyboardInterrupt is raised. On 3.10, asyncio.run lets KeyboardInterrupt
tear through the event loop wherever it happens to be, which would lose that task.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from types import FrameType
    from typing import Any

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    if sys.version_info >= (3, 11) or threading.current_thread() is not threading.main_thread():
        return asyncio.run(main)
    return _run_310(main)


def _run_310(main: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.new_event_loop()
    task = loop.create_task(main)
    interrupted = False

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        nonlocal interrupted
        if interrupted or task.done():
            raise KeyboardInterrupt
        interrupted = True
        loop.call_soon_threadsafe(task.cancel)

    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.default_int_handler:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if interrupted:
                raise KeyboardInterrupt from None
            raise
    finally:
        if previous is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous)
        _cancel_all(loop)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
