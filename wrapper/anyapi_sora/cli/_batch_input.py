"""Reading a batch file: one prompt per line, or one JSON object per line (JSONL).

Plain lines are prompts. A line that starts with "{" is a JSON object with "prompt" and any
of the create options, "extra" (fields passed through) and "out" (the file name in the
output folder). Blank lines and lines starting with "#" are skipped. Every line is checked
before anything is created, so a typo on line 90 costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import attrs

from .._exceptions import InvalidParameterError
from .._params import build_create_body
from ._exit_codes import UsageProblem
from ._options import OPEN_OPTIONS, OPEN_VALUE_LIMIT, loads_finite, open_value_problem

if TYPE_CHECKING:
    from collections.abc import Mapping

LINE_OPTIONS = ("model", "orientation", "size", "duration", "images", "watermark", "private")
LINE_FIELDS = frozenset({"prompt", "extra", "out", *LINE_OPTIONS})
# Names the batch itself writes in the output folder.
RESERVED_NAMES = frozenset({"index.html", "journal.jsonl", ".journal.lock", "thumbnails"})
_SLUG_WORDS = re.compile(r"[a-z0-9]+")
_MAX_PROBLEMS_SHOWN = 20


@attrs.frozen
class BatchEntry:
    """One prompt of the batch file."""

    #: Stable across reruns: derived from the line's content, not its position, so that
    #: inserting or reordering lines never makes an old prompt look new (and billed twice).
    key: str
    line: int
    prompt: str
    #: The create options this line sets itself; they override the command-line options.
    options: Mapping[str, Any]
    extra: Mapping[str, Any]
    out: str | None = None

    @property
    def label(self) -> str:
        return f"line {self.line}"

    def create_kwargs(self, defaults: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments for `videos.create`: the command's options, then the line's."""
        kwargs = dict(defaults)
        kwargs.update(self.options)
        extra = dict(defaults.get("extra_body") or {})
        extra.update(self.extra)
        kwargs["extra_body"] = extra or None
        return kwargs

    def default_file_name(self) -> str:
        words = _SLUG_WORDS.findall(self.prompt.lower())
        slug = "-".join(words)[:40].rstrip("-") or "video"
        return f"{self.line:03d}-{slug}-{self.key[:6]}.mp4"


def _key(content: Mapping[str, Any], seen: dict[str, int]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    # The same prompt twice on purpose (two takes) is two videos: number the repeats.
    seen[digest] = seen.get(digest, 0) + 1
    return digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


def _check_out(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError('"out" must be a file name such as "corgi.mp4"')
    path = PurePosixPath(value.strip().replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or path.name.startswith("."):
        raise ValueError(f'"out" must be a file name inside the output folder, got {value!r}')
    if path.parts[0] in RESERVED_NAMES:
        raise ValueError(f'"out" may not be {path.parts[0]!r}: the batch writes that itself')
    return str(path if path.suffix else path.with_suffix(".mp4"))


def _parse_json_line(text: str) -> tuple[str, dict[str, Any], dict[str, Any], str | None]:
    try:
        data = loads_finite(text)
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    unknown = sorted(set(data) - LINE_FIELDS)
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(LINE_FIELDS))}. "
            'Put fields for the gateway under "extra": {...}'
        )
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError('"prompt" must be a non-empty string')
    options = {name: data[name] for name in LINE_OPTIONS if name in data}
    for name, known in OPEN_OPTIONS.items():
        # As on the command line; the library refuses an empty value or a control character.
        value = options.get(name)
        if isinstance(value, str) and len(value) > OPEN_VALUE_LIMIT:
            raise ValueError(f'"{name}": {open_value_problem(value, known)}')
    if isinstance(options.get("images"), str):
        options["images"] = [options["images"]]
    extra = data.get("extra", {})
    if not isinstance(extra, dict):
        raise ValueError('"extra" must be a JSON object')
    misplaced = sorted(set(extra) & LINE_FIELDS)
    if misplaced:
        raise ValueError(
            f'"extra" may not hold {misplaced[0]!r}: put it at the top level of the line'
        )
    out = _check_out(data["out"]) if "out" in data else None
    return prompt.strip(), options, extra, out


def _refuse_other_json(line: str) -> None:
    """A line that is JSON but not an object (`[1, 2]`, `42`, `null`) is a mistake, not a prompt.

    A JSON string stays a plain prompt, quotes and all, as it always was (its key, and so
    its task in an existing journal, must not change).
    """
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return
    if not isinstance(value, str):
        kind = {list: "an array", bool: "true/false", type(None): "null"}.get(
            type(value), "a number"
        )
        raise ValueError(
            f"this line is JSON ({kind}), not a prompt; a JSON line must be an object such as "
            '{"prompt": "a corgi surfing"}'
        )


def parse_batch_text(text: str, defaults: Mapping[str, Any]) -> list[BatchEntry]:
    """The entries of a batch file; UsageProblem listing every bad line."""
    entries: list[BatchEntry] = []
    problems: list[str] = []
    seen_keys: dict[str, int] = {}
    outs: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if line.startswith("{"):
                prompt, options, extra, out = _parse_json_line(line)
                content: dict[str, Any] = json.loads(line)
            else:
                _refuse_other_json(line)
                prompt, options, extra, out = line, {}, {}, None
                content = {"prompt": line}
            entry = BatchEntry(
                key=_key(content, seen_keys),
                line=number,
                prompt=prompt,
                options=options,
                extra=extra,
                out=out,
            )
            build_create_body(entry.prompt, **entry.create_kwargs(defaults))
        except (ValueError, InvalidParameterError) as exc:
            problems.append(f"line {number}: {exc}")
            continue
        if out is not None:
            if out.lower() in outs:
                problems.append(
                    f'line {number}: "out" {out!r} is also used on line {outs[out.lower()]}'
                )
                continue
            outs[out.lower()] = number
        entries.append(entry)
    if problems:
        shown = problems[:_MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more")
        raise UsageProblem(
            "the batch file has errors (nothing was created):\n  " + "\n  ".join(shown)
        )
    if not entries:
        raise UsageProblem("the batch file has no prompts (blank lines and # comments are skipped)")
    return entries
