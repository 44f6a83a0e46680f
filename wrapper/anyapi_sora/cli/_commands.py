"""The single-task commands: generate, create, status, wait, download."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .._models import VideoTask
from ._exit_codes import OK, UsageProblem
from ._interrupts import CreateGuard
from ._options import (
    create_kwargs,
    create_options,
    json_option,
    mock_option,
    overwrite_option,
    poll_interval_option,
    timeout_option,
)
from ._output import print_text, task_json, task_text
from ._session import GlobalOptions, Session

if TYPE_CHECKING:
    from .._client import AnyAPI

CREATE_INTERRUPTED = (
    "The create request was cut off before the gateway answered: a task may have been "
    "created and billed. Check your recent tasks before creating it again."
)

out_option = click.option(
    "--out",
    "-o",
    metavar="PATH",
    help="Where to save the video: a file, or a folder to name it in after the task id.",
)


def check_output(out: str, *, overwrite: bool) -> Path:
    """Refuse an output path that cannot be written, before anything is created."""
    path = Path(out).expanduser()
    if path.is_dir() or out.endswith(("/", os.sep)):
        return path
    if path.exists() and not overwrite:
        raise UsageProblem(f"{out} already exists; choose another --out, or pass --overwrite")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageProblem(f"cannot save to {out}: {parent} is not a folder")
            break
    return path


def wait_with_progress(
    session: Session,
    client: AnyAPI,
    task: VideoTask | str,
    *,
    timeout: float,
    poll_interval: float | None,
) -> VideoTask:
    task_id = task if isinstance(task, str) else task.id
    with session.reporter.task_progress(task_id) as bar:
        done = client.videos.wait(
            task,
            timeout=timeout,
            poll_interval=session.default_poll_interval(poll_interval),
            on_progress=bar.update,
        )
    session.reporter.info(f"task {done.id} completed")
    return done


def download_with_progress(
    session: Session, client: AnyAPI, task: VideoTask | str, dest: Path, *, overwrite: bool
) -> Path:
    task_id = task if isinstance(task, str) else task.id
    with session.reporter.download_progress(task_id, dest) as bar:
        path = client.videos.download(task, dest, overwrite=overwrite, on_progress=bar.update)
    session.reporter.info(f"saved {bar.done_bytes:,} bytes to {path}")
    return path


def _report_task(session: Session, task: VideoTask, path: Path | None) -> None:
    if session.as_json:
        session.emit(task_json(task, path=path))
    elif path is not None:
        print_text(str(path))
    else:
        print_text(task.video_url or task.id)


def _hint_wait(session: Session, task_id: str, target: Path | None) -> None:
    """Ctrl-C from here on prints the command that waits for (and saves) this task."""
    session.resume_args = ["wait", task_id]
    if target is not None:
        session.resume_args += ["--out", str(target)]


def _wait_then_save(
    session: Session,
    client: AnyAPI,
    task_or_id: VideoTask | str,
    target: Path | None,
    timeout: float,
    poll_interval: float | None,
    *,
    overwrite: bool,
) -> int:
    """What generate and wait share: wait with a progress bar, save to `target`, report.

    The resume hint is set first, so that Ctrl-C at any point prints the right command.
    """
    _hint_wait(session, task_or_id.id if isinstance(task_or_id, VideoTask) else task_or_id, target)
    task = wait_with_progress(
        session, client, task_or_id, timeout=timeout, poll_interval=poll_interval
    )
    path = None
    if target is not None:
        session.resume_args = ["download", task.id, "--out", str(target)]
        path = download_with_progress(session, client, task, target, overwrite=overwrite)
    _report_task(session, task, path)
    return OK


@click.command()
@click.argument("prompt")
@create_options
@out_option
@click.option(
    "--no-download", is_flag=True, help="Only wait; print the video URL instead of saving it."
)
@overwrite_option
@timeout_option
@poll_interval_option
@json_option
@mock_option
@click.pass_obj
def generate(
    options: GlobalOptions,
    /,
    prompt: str,
    out: str | None,
    no_download: bool,
    overwrite: bool,
    timeout: float,
    poll_interval: float | None,
    as_json: bool,
    mock: bool,
    **create: Any,
) -> int:
    """Create a video from PROMPT, wait for it with a progress bar, and save it.

    Prints the path of the saved file (with --no-download, the video URL).
    Without --out the file goes in the current folder, named after the task.
    """
    session = Session(options, as_json=as_json, mock=mock)

    def body() -> int:
        if no_download and out is not None:
            raise UsageProblem("--out and --no-download exclude each other")
        target = None if no_download else check_output(out or ".", overwrite=overwrite)
        client = session.client()
        session.interrupt_note = CREATE_INTERRUPTED
        with CreateGuard(session.reporter.warn) as guard:
            task = client.videos.create(prompt, **create_kwargs(**create))
        session.task_id = task.id
        session.reporter.info(f"created task {task.id}")
        # The hint must be in place before a held-back Ctrl-C is raised.
        _hint_wait(session, task.id, target)
        guard.check()
        return _wait_then_save(
            session, client, task, target, timeout, poll_interval, overwrite=overwrite
        )

    return session.run(body)


@click.command()
@click.argument("prompt")
@create_options
@json_option
@mock_option
@click.pass_obj
def create(options: GlobalOptions, /, prompt: str, as_json: bool, mock: bool, **create: Any) -> int:
    """Start a video task from PROMPT and print its id (it is billed; nothing is waited for)."""
    session = Session(options, as_json=as_json, mock=mock)

    def body() -> int:
        client = session.client()
        session.interrupt_note = CREATE_INTERRUPTED
        with CreateGuard(session.reporter.warn) as guard:
            task = client.videos.create(prompt, **create_kwargs(**create))
        session.task_id = task.id
        session.resume_args = ["wait", task.id, "--out", "."]
        guard.check()
        session.reporter.info(
            f"Created task {task.id}. Follow it with:  "
            + session.resume_command("wait", task.id, "--out", ".")
        )
        if as_json:
            session.emit(task_json(task))
        else:
            print_text(task.id)
        return OK

    return session.run(body)


@click.command()
@click.argument("task_id", metavar="ID")
@json_option
@mock_option
@click.pass_obj
def status(options: GlobalOptions, /, task_id: str, as_json: bool, mock: bool) -> int:
    """Show a task's status, progress and video URL (exit code 0 whatever the status)."""
    session = Session(options, as_json=as_json, mock=mock)

    def body() -> int:
        session.task_id = task_id
        task = session.client().videos.retrieve(task_id)
        if as_json:
            session.emit(task_json(task))
        else:
            print_text(task_text(task))
        return OK

    return session.run(body)


@click.command()
@click.argument("task_id", metavar="ID")
@out_option
@overwrite_option
@timeout_option
@poll_interval_option
@json_option
@mock_option
@click.pass_obj
def wait(
    options: GlobalOptions,
    /,
    task_id: str,
    out: str | None,
    overwrite: bool,
    timeout: float,
    poll_interval: float | None,
    as_json: bool,
    mock: bool,
) -> int:
    """Wait for task ID to finish; with --out, save the video.

    Prints the saved path, or without --out the video URL.
    """
    session = Session(options, as_json=as_json, mock=mock)

    def body() -> int:
        target = None if out is None else check_output(out, overwrite=overwrite)
        client = session.client()
        session.task_id = task_id
        return _wait_then_save(
            session, client, task_id, target, timeout, poll_interval, overwrite=overwrite
        )

    return session.run(body)


@click.command()
@click.argument("task_id", metavar="ID")
@out_option
@overwrite_option
@json_option
@mock_option
@click.pass_obj
def download(
    options: GlobalOptions,
    /,
    task_id: str,
    out: str | None,
    overwrite: bool,
    as_json: bool,
    mock: bool,
) -> int:
    """Save the video of finished task ID (default: the current folder) and print its path."""
    session = Session(options, as_json=as_json, mock=mock)

    def body() -> int:
        target = check_output(out or ".", overwrite=overwrite)
        client = session.client()
        session.task_id = task_id
        session.resume_args = ["download", task_id, "--out", str(target)]
        path = download_with_progress(session, client, task_id, target, overwrite=overwrite)
        if as_json:
            session.emit({"id": task_id, "path": str(path), "bytes": path.stat().st_size})
        else:
            print_text(str(path))
        return OK

    return session.run(body)
