"""Progress on stderr: plain lines without a terminal, a live bar with one."""

from __future__ import annotations

import io

from anyapi_sora import TaskStatus, VideoTask
from anyapi_sora.cli._logging import SecretRedactor
from anyapi_sora.cli._progress import BatchProgress, Reporter, should_animate
from rich.console import Console


def _task(status: TaskStatus, progress: float | None = None) -> VideoTask:
    return VideoTask(id="sora-2:task_1", status=status, progress=progress)


def _reporter(*, terminal: bool) -> tuple[Reporter, io.StringIO]:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=terminal, width=100)
    return Reporter(console, animate=terminal, redact=SecretRedactor(["sk-secret-key"])), stream


def test_without_a_terminal_a_line_is_printed_per_change_not_per_poll():
    reporter, stream = _reporter(terminal=False)

    with reporter.task_progress("sora-2:task_1") as bar:
        for update in [
            _task(TaskStatus.PENDING),
            _task(TaskStatus.PENDING),
            _task(TaskStatus.PROCESSING, 1),
            _task(TaskStatus.PROCESSING, 5),
            _task(TaskStatus.PROCESSING, 12),
            _task(TaskStatus.PROCESSING, 13),
            _task(TaskStatus.COMPLETED, 100),
        ]:
            bar.update(update)

    lines = stream.getvalue().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        "sora-2:task_1: pending",
        "sora-2:task_1: processing 1%",
        "sora-2:task_1: processing 12%",
        "sora-2:task_1: completed",
    ]
    assert "\x1b" not in stream.getvalue()  # no escape codes, no animation


def test_on_a_terminal_the_bar_shows_status_and_percent():
    reporter, stream = _reporter(terminal=True)

    with reporter.task_progress("sora-2:task_1") as bar:
        bar.update(_task(TaskStatus.PROCESSING, 45))

    assert "processing" in stream.getvalue()
    assert "45%" in stream.getvalue()


def test_download_bar_counts_bytes():
    reporter, stream = _reporter(terminal=True)

    with reporter.download_progress("sora-2:task_1", dest=__import__("pathlib").Path("x")) as bar:
        bar.update(1000, 2000)

    assert bar.done_bytes == 1000
    assert "1.0/2.0 kB" in stream.getvalue()


def test_batch_progress_without_a_terminal_prints_events_only():
    reporter, stream = _reporter(terminal=False)

    with BatchProgress(reporter, total=2, done=0) as progress:
        progress.update("k", "line 1", "processing", 50)
        progress.event("line 1", "created sora-2:task_1")
        progress.finish("k")

    assert stream.getvalue() == "line 1: created sora-2:task_1\n"
    assert progress.done == 1


def test_messages_are_redacted_and_not_read_as_markup():
    reporter, stream = _reporter(terminal=False)

    reporter.error("[bold]sk-secret-key[/bold] failed")

    assert stream.getvalue() == "Error: [bold][REDACTED][/bold] failed\n"


def test_a_pipe_is_never_animated_even_with_force_color(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")

    assert not should_animate(Console(file=io.StringIO()))
