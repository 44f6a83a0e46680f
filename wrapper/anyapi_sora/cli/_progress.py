"""Everything the command shows on stderr: messages, and progress while it waits.

On a terminal the progress is a live rich bar. When stderr is not a terminal (a pipe, a
log file, CI) there is no animation: a plain line is printed when something changes.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from ._output import describe_status

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

    from .._models import VideoTask
    from ._logging import SecretRedactor

# Without animation, a progress line is printed at most every this many percent...
PLAIN_PROGRESS_STEP = 10.0
# ...and, while something is still going on, at least this often (seconds): a long wait
# or a 2 GB download must not look hung in a log file.
PLAIN_WAIT_HEARTBEAT = 60.0
PLAIN_DOWNLOAD_EVERY = 10.0

# The clock for elapsed times and line spacing (a test moves it by hand).
_clock = time.monotonic


def _elapsed(since: float) -> str:
    seconds = int(_clock() - since)
    return f"{seconds // 60}:{seconds % 60:02d}"


class Reporter:
    """Writes messages and progress to stderr, with or without animation."""

    def __init__(
        self,
        console: Console,
        *,
        animate: bool,
        redact: SecretRedactor,
        events_logged: bool = False,
    ) -> None:
        self.console = console
        self.animate = animate
        self._redact = redact
        #: --verbose: the library's log shows every task event, so `event` stays quiet.
        self.events_logged = events_logged

    def line(self, text: str, *, style: str | None = None) -> None:
        # Text(), not a str: prompts may contain "[...]", which rich would read as markup.
        self.console.print(Text(self._redact(text), style=style or ""), soft_wrap=True)

    def info(self, text: str) -> None:
        self.line(text)

    def event(self, text: str) -> None:
        """A task event (created, a status, saved): said once, here or by the log."""
        if not self.events_logged:
            self.line(text)

    def warn(self, text: str) -> None:
        self.line(text, style="yellow")

    def error(self, text: str) -> None:
        self.line(f"Error: {text}", style="bold red")

    def task_progress(self, task_id: str) -> TaskProgress:
        return TaskProgress(self, task_id)

    def download_progress(self, task_id: str, dest: Path) -> DownloadProgress:
        return DownloadProgress(self, task_id, dest)


class _Display:
    """A rich Progress when animating, otherwise nothing; a context manager."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.started = _clock()
        self.progress: Progress | None = None

    def _columns(self) -> tuple[ProgressColumn, ...]:
        raise NotImplementedError

    def __enter__(self) -> _Display:
        if self.reporter.animate:
            self.progress = Progress(
                *self._columns(), console=self.reporter.console, transient=False
            )
            self.progress.start()
        self.started = _clock()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.progress is not None:
            self.progress.stop()


class TaskProgress(_Display):
    """Status, percent and elapsed time of one task while `wait` polls it."""

    def __init__(self, reporter: Reporter, task_id: str) -> None:
        super().__init__(reporter)
        self.task_id = task_id
        self._row: TaskID | None = None
        self._printed: tuple[str, float] | None = None
        self._printed_at = 0.0

    def _columns(self) -> tuple[ProgressColumn, ...]:
        return (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[status]:<10}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
        )

    def __enter__(self) -> TaskProgress:
        super().__enter__()
        if self.progress is not None:
            self._row = self.progress.add_task(self.task_id, total=None, status="waiting")
        return self

    def update(self, task: VideoTask) -> None:
        """The `on_progress` callback of `wait`."""
        if self.progress is not None and self._row is not None:
            self.progress.update(
                self._row,
                total=None if task.progress is None else 100.0,
                completed=task.progress or 0.0,
                status=task.status.value,
            )
            return
        if self._worth_a_line(task):
            self.reporter.event(
                f"[{_elapsed(self.started)}] {self.task_id}: {describe_status(task)}"
            )

    def _worth_a_line(self, task: VideoTask) -> bool:
        # A line per status, per PLAIN_PROGRESS_STEP percent within one, and every
        # PLAIN_WAIT_HEARTBEAT seconds when nothing changes: not one per poll.
        status, percent = task.status.value, task.progress or 0.0
        last = self._printed
        now = _clock()
        if (
            last is not None
            and last[0] == status
            and percent - last[1] < PLAIN_PROGRESS_STEP
            and now - self._printed_at < PLAIN_WAIT_HEARTBEAT
        ):
            return False
        self._printed = (status, percent)
        self._printed_at = now
        return True


class DownloadProgress(_Display):
    """Bytes downloaded so far, as a bar with speed and time left."""

    def __init__(self, reporter: Reporter, task_id: str, dest: Path) -> None:
        super().__init__(reporter)
        self.task_id = task_id
        self.dest = dest
        self._row: TaskID | None = None
        self.done_bytes = 0
        self._printed_at = 0.0

    def _columns(self) -> tuple[ProgressColumn, ...]:
        return (
            TextColumn("downloading"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )

    def __enter__(self) -> DownloadProgress:
        super().__enter__()
        if self.progress is not None:
            self._row = self.progress.add_task("download", total=None)
        else:
            self.reporter.info(f"downloading {self.task_id} to {self.dest}")
            self._printed_at = _clock()
        return self

    def update(self, done: int, total: int | None) -> None:
        """The `on_progress` callback of `download`."""
        self.done_bytes = done
        if self.progress is not None and self._row is not None:
            self.progress.update(self._row, completed=done, total=total)
            return
        now = _clock()
        if now - self._printed_at >= PLAIN_DOWNLOAD_EVERY and done != total:
            self._printed_at = now
            size = f"{decimal(done)} of {decimal(total)}" if total else decimal(done)
            percent = f" ({done * 100 // total}%)" if total else ""
            self.reporter.info(
                f"[{_elapsed(self.started)}] downloading {self.task_id}: {size}{percent}"
            )


class BatchProgress(_Display):
    """One bar for the whole batch and one row per prompt in flight."""

    def __init__(self, reporter: Reporter, total: int, done: int) -> None:
        super().__init__(reporter)
        self.total = total
        self.done = done
        self._overall: TaskID | None = None
        self._rows: dict[str, TaskID] = {}

    def _columns(self) -> tuple[ProgressColumn, ...]:
        return (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[status]:<11}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
        )

    def __enter__(self) -> BatchProgress:
        super().__enter__()
        if self.progress is not None:
            self._overall = self.progress.add_task(
                "all prompts", total=self.total, completed=self.done, status="done"
            )
        return self

    def event(self, label: str, text: str, *, style: str | None = None) -> None:
        """A change of state of one prompt: always a line, above the bars if animating."""
        self.reporter.line(f"{label}: {text}", style=style)

    def update(self, key: str, label: str, status: str, percent: float | None) -> None:
        if self.progress is None:
            return
        row = self._rows.get(key)
        if row is None:
            row = self._rows[key] = self.progress.add_task(label, total=None, status=status)
        self.progress.update(
            row,
            total=None if percent is None else 100.0,
            completed=percent or 0.0,
            status=status,
        )

    def finish(self, key: str) -> None:
        """The prompt is done with (whatever its outcome)."""
        self.done += 1
        if self.progress is None:
            return
        row = self._rows.pop(key, None)
        if row is not None:
            self.progress.remove_task(row)
        if self._overall is not None:
            self.progress.update(self._overall, completed=self.done)


# Width for tables when stderr is a pipe or a file and COLUMNS does not say otherwise.
PLAIN_WIDTH = 160


def make_console() -> Console:
    """The stderr console; colour and animation only on a real terminal."""
    console = Console(stderr=True, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Nobody's window to fit: wrapping at 80 would only break ids and paths apart.
        console.width = PLAIN_WIDTH
    return console


def should_animate(console: Console) -> bool:
    # A pipe never gets animation, even with FORCE_COLOR; TTY_INTERACTIVE=0 or TERM=dumb
    # turn it off on a terminal too.
    file = console.file
    try:
        is_tty = file.isatty()
    except (AttributeError, ValueError):
        is_tty = False
    return is_tty and console.is_interactive
