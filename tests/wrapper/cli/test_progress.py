"""Progress on stderr: plain lines without a terminal, a live bar with one."""

from __future__ import annotations

import io
from pathlib import Path

from anyapi_sora import TaskStatus, VideoTask
from anyapi_sora.cli import _progress
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


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_long_download_without_a_terminal_prints_periodic_lines(monkeypatch):
    clock = _FakeClock()
    monkeypatch.setattr(_progress, "_clock", clock)
    reporter, stream = _reporter(terminal=False)
    total = 2_000_000_000
    dest = Path("videos/corgi.mp4")

    with reporter.download_progress("sora-2:task_1", dest) as bar:
        for step in range(1, 101):  # 100 chunks of 20 MB, 3 s apart: 5 minutes in all
            clock.now += 3
            bar.update(step * 20_000_000, total)

    lines = stream.getvalue().splitlines()
    assert lines[0] == f"downloading sora-2:task_1 to {dest}"
    progress_lines = lines[1:]
    # One line per 10 s or so (every fourth chunk), not one per chunk, none at the end.
    assert 20 <= len(progress_lines) <= 30
    assert "downloading sora-2:task_1: 80.0 MB of 2.0 GB (4%)" in progress_lines[0]
    assert all("of 2.0 GB" in line for line in progress_lines)


def test_a_long_wait_without_change_still_prints_a_line_now_and_then(monkeypatch):
    clock = _FakeClock()
    monkeypatch.setattr(_progress, "_clock", clock)
    reporter, stream = _reporter(terminal=False)

    with reporter.task_progress("sora-2:task_1") as bar:
        for _ in range(30):  # 30 polls, 10 s apart, all "processing 40%": 5 minutes
            clock.now += 10
            bar.update(_task(TaskStatus.PROCESSING, 40))

    lines = stream.getvalue().splitlines()
    assert 4 <= len(lines) <= 6  # the first, then about one a minute
    assert all(line.endswith("processing 40%") for line in lines)


def test_events_are_left_to_the_log_when_it_shows_them():
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=False, width=100)
    reporter = Reporter(console, animate=False, redact=SecretRedactor(), events_logged=True)

    reporter.event("created task sora-2:task_1")
    reporter.info("downloading sora-2:task_1 to c.mp4")

    assert stream.getvalue() == "downloading sora-2:task_1 to c.mp4\n"
