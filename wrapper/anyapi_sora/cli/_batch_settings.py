"""What a rerun must keep: the batch's settings, and the gateway its tasks live on.

A batch's settings live in its journal, so that every rerun bills the way the first did.

The first run records the options that change what is created or how (the create options,
--concurrency, --timeout, --poll-interval, --max-unknown-creates). A rerun that gives none
of them uses the recorded ones, so `anyapi-sora batch FILE -d DIR` always resumes exactly.
A rerun that gives one with another value is refused, naming each difference, unless
--allow-changed-options says to use (and record) the new ones.
"""

from __future__ import annotations

import json
import math
import shlex
from typing import TYPE_CHECKING, Any

import attrs
from click.core import ParameterSource

from ._exit_codes import UsageProblem
from ._journal import Record, State
from ._messages import echo
from ._session import MOCK_ORIGIN, PROG_NAME

if TYPE_CHECKING:
    from collections.abc import Mapping

    import click

    from ._batch import BatchRunner

# Setting name (the click parameter's name) -> the option a user types.
SETTINGS: dict[str, str] = {
    "model": "--model",
    "orientation": "--orientation",
    "size": "--size",
    "duration": "--duration",
    "images": "--image",
    "watermark": "--watermark/--no-watermark",
    "private": "--private",
    "extra": "--extra",
    "concurrency": "--concurrency",
    "timeout": "--timeout",
    "poll_interval": "--poll-interval",
    "max_unknown_creates": "--max-unknown-creates",
}
CREATE_SETTINGS = ("model", "orientation", "size", "duration", "images", "watermark", "private")


def _plain(value: object) -> Any:
    """The value as JSON stores it (a tuple becomes a list), for comparing and recording."""
    return json.loads(json.dumps(value))


def given_settings(ctx: click.Context) -> tuple[dict[str, Any], frozenset[str]]:
    """This run's settings, and the names of those given on the command line."""
    values = {name: _plain(ctx.params[name]) for name in SETTINGS}
    given = frozenset(
        name
        for name in SETTINGS
        if ctx.get_parameter_source(name)
        not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)
    )
    return values, given


@attrs.frozen
class Difference:
    name: str
    recorded: Any
    given: Any

    def describe(self) -> str:
        return (
            f"{SETTINGS[self.name]}: {_show(self.given)} now, {_show(self.recorded)} in the journal"
        )


def _show(value: object) -> str:
    if value is None:
        return "(default)"
    if isinstance(value, str):
        return echo(value)
    return echo(json.dumps(value, ensure_ascii=False)).strip("'")


def _valid(name: str, value: object) -> bool:
    """A recorded value this version can use (the journal is a file anyone can edit)."""
    if name in ("model", "orientation", "size"):
        # Open values, as on the command line: the gateway decides which it takes.
        return isinstance(value, str) and bool(value.strip())
    if name in ("duration", "concurrency", "max_unknown_creates"):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if name in ("watermark", "private"):
        return isinstance(value, bool)
    if name == "images":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if name == "extra":
        return isinstance(value, dict)
    if name in ("timeout", "poll_interval"):
        if name == "poll_interval" and value is None:
            return True
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value > 0
        )
    return False


def settle(
    recorded: Mapping[str, Any] | None,
    values: Mapping[str, Any],
    given: frozenset[str],
    *,
    journal: str,
    allow_changes: bool,
) -> tuple[dict[str, Any], list[Difference]]:
    """The settings this run uses, and how the given ones differ from the recorded ones.

    Raises UsageProblem for differences unless `allow_changes`. Settings the journal does
    not hold (an older journal) take this run's values.
    """
    effective = dict(values)
    if recorded is None:
        return effective, []
    differences = []
    for name in SETTINGS:
        if name not in recorded:
            continue
        old = recorded[name]
        if not _valid(name, old):
            raise UsageProblem(
                f"{journal} records an unusable {SETTINGS[name]} ({_show(old)}); "
                "fix or remove that setting line, or use a new --out-dir"
            )
        if name in given and _plain(values[name]) != _plain(old):
            differences.append(Difference(name, old, values[name]))
        elif name not in given:
            effective[name] = old
    if differences and not allow_changes:
        listed = "\n  ".join(d.describe() for d in differences)
        raise UsageProblem(
            f"{journal} was started with other settings; this run would create the remaining "
            f"prompts differently. Nothing was changed.\n  {listed}\n"
            "Rerun without these options to use the journal's settings, or add "
            "--allow-changed-options to use the new ones from now on."
        )
    return effective, differences


def create_defaults(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for `videos.create` from the settings (each line may override)."""
    kwargs = {name: settings[name] for name in CREATE_SETTINGS}
    kwargs["images"] = list(kwargs["images"])
    kwargs["extra_body"] = dict(settings["extra"]) or None
    return kwargs


def differs_from_defaults(settings: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[str]:
    """The settings that differ from `defaults`, as options (to say what a rerun uses)."""
    return [
        f"{SETTINGS[name]} {_show(settings[name])}"
        for name in SETTINGS
        if _plain(settings[name]) != _plain(defaults.get(name))
    ]


def check_origin(runner: BatchRunner) -> None:
    """Refuse to ask one gateway about tasks another one made (and billed).

    It would answer task_not_exist, and the tasks would look lost. Old journals
    (no origin recorded) are accepted.
    """
    elsewhere: dict[str, Record] = {}
    for entry in runner.entries:
        record = runner.journal.record(entry.key)
        if not record.origin or record.origin == runner.origin:
            continue
        outstanding = record.state in (State.CREATING, State.CREATED, State.COMPLETED) or (
            record.state is State.DOWNLOADED and not runner.has_video(record)
        )
        if outstanding:
            elsewhere.setdefault(record.origin, record)
    if not elsewhere:
        return
    origin, record = sorted(elsewhere.items())[0]
    others = f" (and {', '.join(sorted(elsewhere)[1:])})" if len(elsewhere) > 1 else ""
    here = "the in-process mock server (--mock)" if runner.session.mock else runner.origin
    args = ["batch", runner.source, "--out-dir", str(runner.folder)]
    if origin == MOCK_ORIGIN:
        where = "the in-process mock server (--mock)"
        advice = "Rerun with --mock"
        hint = shlex.join([PROG_NAME, *args, "--mock"])
    else:
        where = origin
        base_url = record.base_url or origin
        advice = f"Rerun against the gateway that made them, with --base-url {base_url}"
        hint = shlex.join([PROG_NAME, "--base-url", base_url, *args])
    raise UsageProblem(
        f"{runner.journal.path} has tasks made on {where}{others}, but this run uses {here}, "
        f"which cannot know them. Nothing was changed. {advice}:\n  {hint}"
    )
