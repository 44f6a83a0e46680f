"""What a batch tells people: where it resumes from, the summary table, the next command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from ._journal import Record, State

if TYPE_CHECKING:
    from pathlib import Path

    from ._batch import BatchRunner
    from ._batch_input import BatchEntry

_PROMPT_WIDTH = 48


def shown_state(record: Record, folder: Path) -> str:
    """The state shown to people (table, JSON, gallery) for a prompt's record."""
    if record.state is State.DOWNLOADED:
        return "downloaded" if record.path and (folder / record.path).is_file() else "completed"
    return {
        State.NEW: "pending",
        State.CREATING: "unknown",
        State.NOT_CREATED: "not_created",
        State.CREATED: "running",
        State.COMPLETED: "completed",
        State.FAILED: "failed",
    }[record.state]


def short(text: str, width: int = _PROMPT_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def announce(runner: BatchRunner, todo: list[BatchEntry]) -> None:
    """What a run starts from: what earlier runs did, and what is left alone."""
    journal = runner.journal
    if journal.skipped:
        runner.reporter.warn(f"{journal.path}: skipped unreadable line(s) {journal.skipped[:10]}")
    records = [journal.record(entry.key) for entry in runner.entries]
    done = sum(1 for record in records if runner.has_video(record))
    started = sum(
        1
        for record in records
        if record.task_id and record.state is not State.FAILED and not runner.has_video(record)
    )
    if done or started:
        runner.reporter.info(
            f"resuming from {journal.path}: {done} downloaded, "
            f"{started} with a task to finish, {len(todo)} to do"
        )
    unknown = [e for e in runner.entries if journal.record(e.key).outcome_unknown]
    again = [e for e in unknown if runner.should_create(journal.record(e.key))]
    if again:
        runner.reporter.warn(
            f"Creating {len(again)} prompt(s) again whose create outcome was unknown "
            "(--resubmit-unknown): a task may already exist for each."
        )
    if len(unknown) > len(again):
        # Listed once, in the summary at the end.
        runner.reporter.warn(
            f"{len(unknown) - len(again)} prompt(s) have an unknown create outcome from an "
            "earlier run and are left alone (listed at the end)."
        )


def _list_unknown(runner: BatchRunner, unknown: list[BatchEntry]) -> None:
    runner.reporter.warn(
        f"{len(unknown)} prompt(s) have an unknown create outcome: the create request "
        "failed or was cut off after reaching the gateway, so a task may exist and be billed."
    )
    for entry in unknown:
        runner.reporter.warn(f"  {entry.label}: {short(entry.prompt, 70)}")
    runner.reporter.warn(
        "Check your gateway's task list. To create them again (each may then be billed "
        f"twice):  {runner.resume_command('--resubmit-unknown')}"
    )


def _unfinished(runner: BatchRunner, record: Record) -> bool:
    """Something a plain rerun would still do for this prompt."""
    if record.create_again:
        return True
    if record.outcome_unknown:
        return False  # only --resubmit-unknown touches it
    return shown_state(record, runner.folder) not in ("downloaded", "failed")


def summarize(
    runner: BatchRunner, rows: list[tuple[Record, BatchEntry]], gallery: Path, *, interrupted: bool
) -> None:
    if runner.session.as_json:
        for record, entry in rows:
            runner.session.emit(_row_json(runner, record, entry))
    table = Table(title="anyapi-sora batch", title_justify="left")
    for column in ("line", "state", "prompt", "task", "file / reason"):
        table.add_column(column, overflow="fold")
    counts: dict[str, int] = {}
    for record, entry in rows:
        state = shown_state(record, runner.folder)
        counts[state] = counts.get(state, 0) + 1
        detail = (
            record.path if state == "downloaded" else (record.failure_reason or record.error or "")
        )
        table.add_row(
            str(entry.line),
            state,
            short(entry.prompt),
            record.task_id or "",
            runner.session.options.redact(detail or ""),
        )
    console = runner.reporter.console
    console.print(table)
    totals = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
    runner.reporter.info(f"{totals}. Gallery: {gallery}")
    pacing = pacing_summary(runner)
    runner.reporter.info(_pacing_line(pacing))
    if runner.session.as_json:
        runner.session.emit({"summary": {"states": counts, **pacing}})
    if runner.stopped_creating is not None:
        reason = runner.session.describe(runner.stopped_creating)
        runner.reporter.error(f"stopped creating tasks: {runner.session.options.redact(reason)}")
    unknown = [e for r, e in rows if r.outcome_unknown and not r.create_again]
    if unknown:
        _list_unknown(runner, unknown)
    if not interrupted and any(_unfinished(runner, r) for r, _ in rows):
        runner.reporter.info(f"Rerun to finish:  {runner.resume_command()}")


def _row_json(runner: BatchRunner, record: Record, entry: BatchEntry) -> dict[str, Any]:
    path = runner.folder / record.path if record.path else None
    return {
        "line": entry.line,
        "key": entry.key,
        "prompt": entry.prompt,
        "state": shown_state(record, runner.folder),
        "task_id": record.task_id,
        "path": str(path.resolve()) if path is not None else None,
        "thumbnail": record.thumbnail,
        "failure_reason": record.failure_reason,
        "error": record.error,
    }


def pacing_summary(runner: BatchRunner) -> dict[str, Any]:
    """How this run met the gateway's limits: the tasks it ran at once, what was refused."""
    pacer = runner.pacer
    concurrency = runner.concurrency
    if pacer is None:
        return {
            "concurrency": concurrency,
            "effective_concurrency": concurrency,
            "peak_running": None,
            "refusals": {"create": 0, "query": 0},
        }
    window = pacer.creates
    # What the gateway had room for when it last refused a create (or the caller's cap).
    limit = window.learnt
    effective = concurrency if limit == float("inf") else max(1, min(concurrency, int(limit)))
    return {
        "concurrency": concurrency,
        "effective_concurrency": effective,
        "peak_running": window.peak_running,
        "refusals": {"create": pacer.refusals["create"], "query": pacer.refusals["query"]},
    }


def _pacing_line(pacing: dict[str, Any]) -> str:
    refusals = pacing["refusals"]
    refused = refusals["create"] + refusals["query"]
    at_once = (
        f"{pacing['effective_concurrency']} task(s) at once (--concurrency {pacing['concurrency']})"
    )
    if not refused:
        return f"Concurrency: {at_once}; the gateway refused nothing for saturation."
    return (
        f"Concurrency: {at_once}: the gateway refused {refused} request(s) for saturation "
        f"({refusals['create']} create(s), {refusals['query']} quer(ies)), and creates were "
        "kept within what it had room for."
    )
