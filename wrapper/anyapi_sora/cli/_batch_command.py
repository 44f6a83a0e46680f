"""The `batch` command: its options, and reading FILE; `BatchRunner` does the work."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from .._download import destination_problem
from . import _messages
from ._batch import DEFAULT_MAX_UNKNOWN_CREATES, BatchRunner
from ._batch_input import parse_batch_text
from ._batch_settings import create_defaults, differs_from_defaults, given_settings, settle
from ._exit_codes import UsageProblem
from ._journal import JOURNAL_NAME, Journal
from ._options import (
    create_options,
    json_option,
    mock_option,
    poll_interval_option,
    timeout_option,
    unfamiliar_line_values,
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
@click.option(
    "--max-unknown-creates",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_UNKNOWN_CREATES,
    show_default=True,
    metavar="N",
    help="Stop starting prompts after N creates in a row whose outcome is unknown (the "
    "gateway failed after receiving them: each may be billed); 0: never stop.",
)
@click.option(
    "--allow-changed-options",
    is_flag=True,
    help="Use options that differ from those recorded in the journal by the first run "
    "(and record them for the rest of the batch).",
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
    max_unknown_creates: int,
    allow_changed_options: bool,
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
    a rerun never creates a second task for a prompt that has one. The first
    run also records its options (create options, --concurrency, --timeout,
    --poll-interval, --max-unknown-creates): a rerun without options uses
    them, and one with other values is refused unless --allow-changed-options.
    It ends with a summary table and DIR/index.html, a gallery of the videos.
    Exit code 0 only when every video is saved.
    """
    session = Session(options, as_json=as_json, mock=mock)
    ctx = click.get_current_context()

    def body() -> int:
        if not out_dir.strip():
            raise UsageProblem("--out-dir is empty: name a folder for the videos (. for this one)")
        _, problem = destination_problem(os.path.join(out_dir, ""), None, overwrite=True)
        if problem is not None:
            raise UsageProblem(_messages.output_problem(out_dir, problem, "--out-dir"))
        values, given = given_settings(ctx)
        text = _read_batch_file(file)
        # Every line is checked before the folder is touched.
        entries = parse_batch_text(text, create_defaults(values))
        with Journal(Path(out_dir)) as journal:
            settings, _ = settle(
                journal.settings,
                values,
                given,
                journal=str(journal.path),
                allow_changes=allow_changed_options,
            )
            if settings != values:
                entries = parse_batch_text(text, create_defaults(settings))
                # Options not given have their defaults in `values`.
                used = differs_from_defaults(settings, values)
                if used:
                    session.reporter.info(
                        f"using the settings recorded in {journal.path}: {' '.join(used)}"
                    )
            for warning in unfamiliar_line_values((e.line, e.options) for e in entries):
                session.reporter.warn(f"Warning: {warning}")
            runner = BatchRunner(
                session,
                journal,
                entries,
                settings,
                source=file,
                resubmit_unknown=resubmit_unknown,
                retry_failed=retry_failed,
            )
            return runner.run()

    return session.run(body)
