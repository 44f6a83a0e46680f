"""Naming the billed task on whatever exception escapes after a create, on every Python.

Errors of this library carry the hint in their message (`AnyAPIError.note`), so a log line
alone explains them. Any other exception (a bug in a callback, Ctrl-C, a cancelled task, a
full disk) keeps its type and gets the hint as a PEP 678 note; Python 3.10 has no
`add_note` and prints no notes, so the hint is also logged as a WARNING, which Python's
default logging shows.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import TYPE_CHECKING

import attrs

from ._exceptions import AnyAPIError, VideoGenerationError, WaitTimeoutError

if TYPE_CHECKING:
    from collections.abc import Iterator

logger = logging.getLogger("anyapi_sora")


def add_note(exc: BaseException, note: str) -> None:
    """`exc.add_note(note)`, or on Python 3.10 the `__notes__` list that 3.11 would make."""
    if sys.version_info >= (3, 11):
        if note not in getattr(exc, "__notes__", ()):
            exc.add_note(note)
        return
    notes = getattr(exc, "__notes__", None)
    if not isinstance(notes, list):
        notes = []
        # setattr: mypy checks this module as Python 3.10, whose BaseException has no __notes__.
        setattr(exc, "__notes__", notes)  # noqa: B010
    if note not in notes:
        notes.append(note)


@attrs.define
class CreatedTask:
    """The task generate() made, and how far generate() got with it."""

    task_id: str
    out: str | None = None
    downloading: bool = False

    def hint(self) -> str:
        """How to pick the task up again from where generate() stopped."""
        tid = self.task_id
        if self.downloading:
            return (
                f"task {tid} was created (and billed) and is complete; save it with "
                f"client.videos.download({tid!r}, {self.out!r})"
            )
        then = "" if self.out is None else f", then client.videos.download(task, {self.out!r})"
        return (
            f"task {tid} was created (and billed) and keeps running; "
            f"resume with client.videos.wait({tid!r}){then}"
        )


@contextlib.contextmanager
def naming_the_task(task_id: str, out: object = None) -> Iterator[CreatedTask]:
    """Make any exception leaving the block name the (billed) task and how to resume it."""
    created = CreatedTask(task_id, None if out is None else str(out))
    try:
        yield created
    except (VideoGenerationError, WaitTimeoutError):
        raise  # their messages name the task; a failed task has nothing to resume
    except AnyAPIError as exc:
        if task_id not in str(exc):
            hint = created.hint()
            exc.note = f"{exc.note}; {hint}" if exc.note else hint
        raise
    except BaseException as exc:
        hint = created.hint()
        add_note(exc, hint)
        logger.warning("generate() stopped by %s: %s", _describe(exc), hint)
        raise


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__} ({text})" if text else type(exc).__name__
