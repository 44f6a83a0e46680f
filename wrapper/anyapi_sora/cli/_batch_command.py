"""The `batch` command: its options, and reading FILE; `BatchRunner` does the work."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._batch import BatchRunner
from ._batch_input import parse_batch_text
from ._exit_codes import UsageProblem
from ._journal import JOURNAL_NAME, Journal
from ._options import (
    create_kwargs,
    create_options,
    json_option,
    mock_option,
    poll_interval_option,
    timeout_option,
)
from ._session import GlobalOptions, Session


def _read_batch_file(file: str) -> str:
    try:
        if file == "-":
            return sys.stdin.read()
        return Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"cannot read the batch file {file}: {exc}") from None


@click.command()
@click.argument("file", metavar="FILE")
@click.option(
    "--out-dir",
    "-d",
    required=True,
    metavar="DIR",
    help=f"Folder for the videos, the journal ({JOURNAL_NAME}) and index.html.",
)
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="How many tasks run at once.",
)
@click.option(
    "--resubmit-unknown",
    is_flag=True,
    help="Create again the prompts whose create outcome is unknown (may bill twice).",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Create a new task for prompts whose task failed (billed again).",
)
@create_options
@timeout_option
@poll_interval_option
@json_option
@mock_option
@click.pass_obj
def batch(
    options: GlobalOptions,
    /,
    file: str,
    out_dir: str,
    concurrency: int,
    resubmit_unknown: bool,
    retry_failed: bool,
    timeout: float,
    poll_interval: float | None,
    as_json: bool,
    mock: bool,
    **create: Any,
) -> int:
    """Render every prompt of FILE into DIR; rerun the same command to resume.

    \b
    FILE has one prompt per line, or one JSON object per line, e.g.
      {"prompt": "a corgi surfing", "duration": 15, "out": "corgi.mp4",
       "extra": {"style": "anime"}}
    Blank lines and lines starting with # are skipped. Options given here
    are the defaults for every line.

    Every change is recorded in DIR/journal.jsonl before it is acted on, so
    a rerun never creates a second task for a prompt that has one. It ends
    with a summary table and DIR/index.html, a gallery of the videos.
    Exit code 0 only when every video is saved.
    """
    session = Session(options, as_json=as_json, mock=mock)

    def body() -> int:
        defaults = create_kwargs(**create)
        entries = parse_batch_text(_read_batch_file(file), defaults)
        with Journal(Path(out_dir)) as journal:
            runner = BatchRunner(
                session,
                journal,
                entries,
                defaults,
                source=file,
                concurrency=concurrency,
                timeout=timeout,
                poll_interval=poll_interval,
                resubmit_unknown=resubmit_unknown,
                retry_failed=retry_failed,
            )
            return runner.run()

    return session.run(body)
