"""The single-task commands: generate, create, status, wait, download."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import click

from .._download import destination_problem
from .._exceptions import VideoGenerationError
from .._models import VideoTask
from . import _messages
from ._exit_codes import OK, CommandError, UsageProblem
from ._interrupts import CreateGuard
from ._messages import certainly_not_created
from ._options import (
    DEFAULT_WAIT_TIMEOUT,
    create_kwargs,
    create_options,
    json_option,
    mock_option,
    overwrite_option,
    poll_interval_option,
    timeout_option,
)
from ._output import describe_status, print_text, task_json, task_text
from ._session import MOCK_FORGETS, MOCK_GONE, GlobalOptions, Session

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from .._client import AnyAPI

CREATE_INTERRUPTED = (
    "The create request was cut off before the gateway answered: a task may have been "
    "created and billed. Check your recent tasks before creating it again."
)


def _task_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("a task id such as sora-2:task_01k9... is needed, got nothing")
    return value.strip()


task_id_argument = click.argument("task_id", metavar="ID", callback=_task_id)

out_option = click.option(
    "--out",
    "-o",
    metavar="PATH",
    help="Where to save the video: a file, or a folder to name it in after the task id "
    "(an existing folder, or any path ending in /).",
)


def check_output(out: str, *, overwrite: bool) -> str:
    """Refuse an --out the video could not be saved to, before anything is created.

    Returns `out` unchanged: a trailing slash (a folder to be made) must survive.
    """
    _, problem = destination_problem(out, None, overwrite=overwrite)
    if problem is not None:
        raise UsageProblem(_messages.output_problem(out, problem))
    return out


def target_for(out: str, task_id: str, *, overwrite: bool) -> Path:
    """The file the video of `task_id` goes to (checked again: time has passed since)."""
    path, problem = destination_problem(out, task_id, overwrite=overwrite)
    if problem is not None:
        raise UsageProblem(_messages.output_problem(out, problem))
    assert path is not None  # with a task id, a folder gives a file name
    return path


def _seconds(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def create_task(
    session: Session,
    client: AnyAPI,
    prompt: str,
    options: dict[str, Any],
    resume: Callable[[str], list[str]],
) -> VideoTask:
    """Create the task, shielded from the first Ctrl-C; `resume(id)` is the command that
    picks it up, in place before a held-back Ctrl-C is raised."""
    session.interrupt_note = CREATE_INTERRUPTED
    with CreateGuard(session.reporter.warn) as guard:
        try:
            task = client.videos.create(prompt, **options)
        except Exception as exc:
            session.created = not certainly_not_created(exc)
            raise
    session.created = True
    session.task_id = task.id
    session.resume_args = resume(task.id)
    guard.check()
    return task


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
    session.reporter.event(f"task {done.id} completed")
    return done


def download_with_progress(
    session: Session, client: AnyAPI, task: VideoTask | str, dest: Path, *, overwrite: bool
) -> Path:
    task_id = task if isinstance(task, str) else task.id
    with session.reporter.download_progress(task_id, dest) as bar:
        path = client.videos.download(task, dest, overwrite=overwrite, on_progress=bar.update)
    session.reporter.event(f"saved {bar.done_bytes:,} bytes to {path}")
    return path


def _report_task(session: Session, task: VideoTask, path: Path | None) -> None:
    if session.as_json:
        session.emit(task_json(task, path=path))
    elif path is not None:
        print_text(str(path))
    else:
        print_text(task.video_url or task.id)


@attrs.frozen
class SaveOptions:
    """How generate and wait wait and save; also the flags of the commands that resume."""

    out: str | None
    overwrite: bool
    timeout: float
    poll_interval: float | None
    as_json: bool

    def wait_args(self, task_id: str) -> list[str]:
        """`wait ID ...` with every option that changes what it does."""
        args = ["wait", task_id]
        if self.out is not None:
            args += ["--out", self.out]
        if self.overwrite:
            args.append("--overwrite")
        if self.timeout != DEFAULT_WAIT_TIMEOUT:
            args += ["--timeout", _seconds(self.timeout)]
        if self.poll_interval is not None:
            args += ["--poll-interval", _seconds(self.poll_interval)]
        return [*args, "--json"] if self.as_json else args

    def download_args(self, task_id: str, target: Path) -> list[str]:
        args = ["download", task_id, "--out", str(target)]
        if self.overwrite:
            args.append("--overwrite")
        return [*args, "--json"] if self.as_json else args


def _wait_then_save(
    session: Session, client: AnyAPI, task_or_id: VideoTask | str, save: SaveOptions
) -> int:
    """What generate and wait share: wait with a progress bar, save to `out`, report.

    The resume hint is set first, so that Ctrl-C at any point prints the right command.
    """
    task_id = task_or_id.id if isinstance(task_or_id, VideoTask) else task_or_id
    session.resume_args = save.wait_args(task_id)
    task = wait_with_progress(
        session, client, task_or_id, timeout=save.timeout, poll_interval=save.poll_interval
    )
    path = None
    if save.out is not None:
        target = target_for(save.out, task.id, overwrite=save.overwrite)
        session.resume_args = save.download_args(task.id, target)
        path = download_with_progress(session, client, task, target, overwrite=save.overwrite)
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
        save = SaveOptions(target, overwrite, timeout, poll_interval, as_json)
        client = session.client()
        task = create_task(session, client, prompt, create_kwargs(**create), save.wait_args)
        session.reporter.event(f"created task {task.id}")
        return _wait_then_save(session, client, task, save)

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
        task = create_task(
            session,
            client,
            prompt,
            create_kwargs(**create),
            lambda id_: ["wait", id_, "--out", "."],
        )
        if mock:
            session.reporter.info(f"Created task {task.id} on the in-process mock server.")
            session.reporter.warn(MOCK_GONE)
        else:
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
@task_id_argument
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
@task_id_argument
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
        save = SaveOptions(target, overwrite, timeout, poll_interval, as_json)
        client = session.client()
        session.task_id = task_id
        return _wait_then_save(session, client, task_id, save)

    return session.run(body)


@click.command()
@task_id_argument
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
        given = check_output(out or ".", overwrite=overwrite)
        client = session.client()
        session.task_id = task_id
        task = client.videos.retrieve(task_id)
        if task.failed:
            raise VideoGenerationError(task)
        if not task.succeeded:
            wait = SaveOptions(given, overwrite, DEFAULT_WAIT_TIMEOUT, None, as_json)
            command = session.resume_command(*wait.wait_args(task_id))
            hint = MOCK_FORGETS if mock else f"wait for it and save it with:  {command}"
            raise CommandError(
                f"task {task_id} has no video yet (status: {describe_status(task)}); {hint}"
            )
        target = target_for(given, task.id, overwrite=overwrite)
        session.resume_args = SaveOptions(
            given, overwrite, DEFAULT_WAIT_TIMEOUT, None, as_json
        ).download_args(task_id, target)
        path = download_with_progress(session, client, task, target, overwrite=overwrite)
        if as_json:
            session.emit({"id": task_id, "path": str(path), "bytes": path.stat().st_size})
        else:
            print_text(str(path))
        return OK

    return session.run(body)
