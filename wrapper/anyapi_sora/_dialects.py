"""Where each gateway dialect keeps a task's fields, as tables of rules.

The gateways that serve the unified video routes answer in several dialects: AnyAPI's
unified task (with or without ``detail``), OpenAI's video object, the gateway software's
own task record (``task_id``, ``"45%"``, the video under ``data``), Veo's staged words.
Each function here reads one field of any of them from tables of places to look, so a
new gateway is usually a few rows, not a new branch. Status words live in ``_status``,
the video URL in ``_video_url`` and the failure reason in ``_failure_reason``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ._failure_reason import REASON_PLACES, failure_reason
from ._json_readers import Path, at, first_text, identifier, is_mapping, mapping, number, text
from ._status import StatusWord, TaskStatus, read_status_word

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "NESTED_STATUS_PATHS",
    "PROGRESS_CONTAINERS",
    "REASON_PLACES",
    "advanced_status",
    "dimensions",
    "failure_reason",
    "moderation_code",
    "names_no_task",
    "progress",
    "task_id_in",
    "task_object",
]


def task_object(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object that describes the task: the body, or the ``data`` of an envelope.

    Some gateways wrap every answer as ``{"code": 0, "message": "ok", "data": {...}}``;
    the task is the inner object when the body itself has no status.
    """
    if isinstance(body.get("status"), str):
        return body
    inner = body.get("data")
    if is_mapping(inner) and isinstance(inner.get("status"), str):
        return inner
    return body


# --- ids ------------------------------------------------------------------------------------


def _is_number(value: str) -> bool:
    return value.isascii() and value.isdigit()


_ID_KEYS = ("id", "task_id", "taskId")


def task_id_in(task: Mapping[str, Any]) -> str | None:
    """The task's id as the body gives it, or None.

    A task record numbers its rows (``"id": 8919289``) and keeps the id that queries take
    in ``task_id``: a string id beats a number, and ``data``'s ids serve when the top
    level has none.
    """
    data = mapping(task.get("data"))
    numbers: list[str] = []
    for source in (task, data):
        for key in _ID_KEYS:
            found = identifier(source.get(key))
            if found is None:
                continue
            if not _is_number(found):
                return found
            numbers.append(found)
    return numbers[0] if numbers else None


def names_no_task(body: object) -> bool:
    """True for an answer that says no task exists: no id anywhere and status "error".

    One gateway answers a create refused by a saturated upstream this way, with HTTP 200,
    429 or 500 (``{"id": "", "status": "error", "error": "..."}``): nothing was created.
    """
    if not is_mapping(body):
        return False
    task = task_object(body)
    status = task.get("status")
    if not isinstance(status, str) or status.strip().lower() != "error":
        return False
    return task_id_in(task) is None


# --- status ---------------------------------------------------------------------------------

# The detailed unified body keeps the top-level status at "pending" while the upstream's
# own status (in detail.pending_info) already says "processing"; a task record copies its
# upstream's object into data.
NESTED_STATUS_PATHS: tuple[Path, ...] = (
    ("detail", "pending_info", "status"),
    ("detail", "status"),
    ("data", "status"),
)
_STAGE_ORDER = {
    TaskStatus.UNKNOWN: 0,
    TaskStatus.PENDING: 0,
    TaskStatus.QUEUED: 1,
    TaskStatus.PROCESSING: 2,
}


def advanced_status(task: Mapping[str, Any], word: StatusWord) -> TaskStatus:
    """The top-level status, moved on by a nested status that is further along.

    A nested status may move a running task forward (pending -> processing) but never
    ends it: only the gateway's own top-level word says a task is over.
    """
    if word.status.is_terminal:
        return word.status
    best = word.status
    for path in NESTED_STATUS_PATHS:
        nested = read_status_word(at(task, path))
        if nested.how not in ("table", "stem") or nested.status.is_terminal:
            continue
        if _STAGE_ORDER[nested.status] > _STAGE_ORDER[best]:
            best = nested.status
    return best


# --- progress -------------------------------------------------------------------------------

# Where progress is looked for, in order: the top level, then the upstream's own objects.
PROGRESS_CONTAINERS: tuple[Path, ...] = (
    (),
    ("progress",),  # {"progress": {"percent": 45}}
    ("detail", "pending_info"),
    ("detail",),
    ("data",),
)


# "progress_pct" (a fraction, group 1) or "progress_percent" / "percentage" (a percentage).
_PROGRESS_KEY = re.compile(r"((?:^|_)pct)$|percent(?:age)?$", re.IGNORECASE)


def _fraction_or_percent(value: object) -> float | None:
    # AnyAPI's progress_pct is a 0-1 fraction; a value above 1 (or with a % sign) can only
    # be a percentage sent under the same kind of key.
    if isinstance(value, str) and value.strip().endswith("%"):
        return number(value, allow_percent=True)
    fraction = number(value)
    if fraction is None:
        return None
    return fraction * 100 if fraction <= 1 else fraction


def _progress_in(container: Mapping[str, Any]) -> float | None:
    # `progress` itself is always a percentage: reading "0.5" as a fraction would report a
    # task at half a percent as half done.
    percent = number(container.get("progress"), allow_percent=True)
    if percent is None:
        percent = _fraction_or_percent(container.get("progress_pct"))
    if percent is not None:
        return percent
    for key, value in container.items():
        # A substring test first: a regex per key of every body costs more than the rest.
        if not isinstance(key, str) or ("pct" not in (low := key.lower()) and "percent" not in low):
            continue
        match = _PROGRESS_KEY.search(key)
        if match is None:
            continue
        found = _fraction_or_percent(value) if match.group(1) else number(value, allow_percent=True)
        if found is not None:
            return found
    return None


def progress(task: Mapping[str, Any], status: TaskStatus) -> float | None:
    """Percent done (0-100) from any form: 45, "45", "45%", a 0-1 fraction under *_pct."""
    for path in PROGRESS_CONTAINERS:
        container = mapping(at(task, path)) if path else task
        percent = _progress_in(container) if container else None
        if percent is not None:
            return min(100.0, max(0.0, percent))
    return 100.0 if status is TaskStatus.COMPLETED else None


# --- failure (the reason itself: see _failure_reason) -------------------------------------


def moderation_code(task: Mapping[str, Any]) -> str | None:
    """The moderation code when any moderation_result says "blocked" ("" if it has no code)."""
    detail = mapping(task.get("detail"))
    for source in (task, detail, mapping(detail.get("pending_info"))):
        result = mapping(source.get("moderation_result"))
        kind = result.get("type")
        if isinstance(kind, str) and kind.strip().lower() == "blocked":
            return text(result.get("code")) or ""
    return None


# --- size -----------------------------------------------------------------------------------

_MAX_DIMENSION = 100_000
# "1280x720", "1280X720", "1280*720" or with U+00D7 MULTIPLICATION SIGN.
_SIZE = re.compile(r"^\s*(\d{1,6})\s*[xX*\u00d7]\s*(\d{1,6})\s*$")


def _dimension(value: object) -> int | None:
    found = number(value)
    if found is None or not found.is_integer() or not 0 < found <= _MAX_DIMENSION:
        return None
    return int(found)


def dimensions(task: Mapping[str, Any]) -> tuple[int | None, int | None]:
    detail = mapping(task.get("detail"))
    data = mapping(task.get("data"))
    sources = [
        source
        for source in (
            task,
            mapping(detail.get("pending_info")),
            mapping(detail.get("draft_info")),
            data,
        )
        if source
    ]
    width = next((w for s in sources if (w := _dimension(s.get("width"))) is not None), None)
    height = next((h for s in sources if (h := _dimension(s.get("height"))) is not None), None)
    if width is None or height is None:
        # Some gateways only send "size": "1280x720" ("small"/"large" are tiers: ignored).
        size = task.get("size")
        if not isinstance(size, str):
            size = data.get("size")
        match = _SIZE.match(size) if isinstance(size, str) else None
        if match:
            width = width if width is not None else _dimension(match.group(1))
            height = height if height is not None else _dimension(match.group(2))
    return width, height


def model_name(task: Mapping[str, Any], task_id: str) -> str | None:
    """The model: the body's word, else the ``model:`` prefix of the id, else the upstream's."""
    prefix, colon, _ = task_id.partition(":")
    from_id = prefix.strip() if colon else None
    return first_text(task.get("model"), from_id, at(task, ("data", "model")))
