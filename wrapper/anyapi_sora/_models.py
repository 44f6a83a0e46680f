"""Models of what the video routes really return, parsed tolerantly.

The published schema does not match the wire (see the vendor notes): fields move between the top
level and ``detail``, progress comes in three forms, statuses in a dozen spellings. Parsing is
therefore total: any JSON value either becomes a :class:`VideoTask` or raises
:class:`ResponseShapeError`; no ``KeyError``/``TypeError`` escapes from a surprising body.
"""

from __future__ import annotations

import enum
import logging
import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import attrs

from ._exceptions import ResponseShapeError

__all__ = ["TaskStatus", "VideoTask"]

logger = logging.getLogger("anyapi_sora")


class TaskStatus(str, enum.Enum):
    """Where a video task is in its life, normalised from the gateway's many spellings."""

    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # A status we do not recognise. Deliberately not terminal: guessing "failed" would abandon
    # a task the user has paid for, while guessing "running" only costs more polling.
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        # Same on every Python: (str, Enum) changed str()/format() between 3.10 and 3.12.
        return self.value

    @property
    def is_terminal(self) -> bool:
        """True for COMPLETED, FAILED and CANCELLED: the task will not change any more."""
        return self in _TERMINAL

    @classmethod
    def parse(cls, raw: object) -> TaskStatus:
        """Map any server status (any case; ``-``, space, ``_`` alike) to a member; never raises."""
        if isinstance(raw, TaskStatus):
            return raw
        if isinstance(raw, str):
            key = _SEPARATORS.sub("_", raw.strip().lower())
            status = _SYNONYMS.get(key)
            if status is not None:
                return status
            if key.endswith("_failed"):
                return TaskStatus.FAILED
        _report_unknown_status(raw)
        return TaskStatus.UNKNOWN


_TERMINAL = frozenset({TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED})
_SEPARATORS = re.compile(r"[\s\-]+")
_SYNONYMS: dict[str, TaskStatus] = {
    **dict.fromkeys(["pending"], TaskStatus.PENDING),
    **dict.fromkeys(
        ["queued", "queueing", "in_queue", "submitted", "not_start", "not_started", "waiting"],
        TaskStatus.QUEUED,
    ),
    **dict.fromkeys(
        [
            "processing",
            "in_progress",
            "inprogress",
            "running",
            "started",
            "generating",
            "video_generating",
        ],
        TaskStatus.PROCESSING,
    ),
    **dict.fromkeys(
        ["completed", "complete", "success", "succeeded", "succeed", "successful"],
        TaskStatus.COMPLETED,
    ),
    **dict.fromkeys(["failed", "failure", "fail", "error", "errored"], TaskStatus.FAILED),
    **dict.fromkeys(["cancelled", "canceled"], TaskStatus.CANCELLED),
}

# A poll loop meets the same unknown status every few seconds: warn once per spelling, then
# drop to debug. Bounded so a server inventing statuses cannot grow memory.
_reported_unknown_statuses: set[str] = set()
_REPORT_LIMIT = 64


def _report_unknown_status(raw: object) -> None:
    try:
        shown = repr(raw)
    except Exception:  # parse() promises never to raise, whatever object it is handed
        shown = f"<unprintable {type(raw).__name__}>"
    if len(shown) > 100:
        shown = shown[:99] + "…"
    if shown not in _reported_unknown_statuses and len(_reported_unknown_statuses) < _REPORT_LIMIT:
        _reported_unknown_statuses.add(shown)
        logger.warning("unknown task status %s; treating the task as still running", shown)
    else:
        logger.debug("unknown task status %s; treating the task as still running", shown)


@attrs.frozen(kw_only=True)
class VideoTask:
    """One snapshot of a video task, as returned by create or query.

    Build it with :meth:`from_json`. Every field except ``id`` and ``status`` may be None
    because gateways omit them freely; ``raw`` keeps the whole body, unknown fields included.
    """

    #: The id create returned, e.g. ``"sora-2:task_01k9..."``; pass it to query/wait.
    id: str
    status: TaskStatus
    #: Percent done, 0-100.
    progress: float | None = None
    #: Signed and expiring (1 h to 6 days depending on the gateway): download promptly.
    video_url: str | None = None
    thumbnail_url: str | None = None
    enhanced_prompt: str | None = None
    failure_reason: str | None = None
    width: int | None = None
    height: int | None = None
    #: When the status last changed (UTC).
    updated_at: datetime | None = None
    created_at: datetime | None = None
    model: str | None = None
    #: The status string exactly as the server sent it.
    raw_status: str | None = None
    #: True when the provider's moderation blocked the prompt or the output.
    moderation_blocked: bool = False
    # Excluded from eq/hash (dicts are unhashable) and from repr (it can be kilobytes of URLs).
    raw: Mapping[str, Any] = attrs.field(factory=lambda: MappingProxyType({}), eq=False, repr=False)

    @property
    def done(self) -> bool:
        """True once the task can no longer change: completed, failed or cancelled."""
        return self.status.is_terminal

    @property
    def succeeded(self) -> bool:
        """True when the video is ready."""
        return self.status is TaskStatus.COMPLETED

    @property
    def failed(self) -> bool:
        """True when the task ended without a video (failed or cancelled)."""
        return self.status in (TaskStatus.FAILED, TaskStatus.CANCELLED)

    @classmethod
    def from_json(
        cls, body: object, *, task_id: str | None = None, http_status: int | None = None
    ) -> VideoTask:
        """Parse a create or query response body.

        ``task_id`` is the id create returned: query responses may drop its ``model:`` prefix,
        and callers must keep using the id they were given. When it is passed, the body need not
        carry an id. ``http_status`` only goes into the error.

        Raises ResponseShapeError when ``body`` is not an object with a string ``status`` and an
        id; never anything else.
        """
        if not isinstance(body, Mapping):
            raise ResponseShapeError.for_body(
                "expected a JSON object describing a video task", body, status_code=http_status
            )
        raw_status = body.get("status")
        if not isinstance(raw_status, str):
            raise ResponseShapeError.for_body(
                "video task response has no 'status' string", body, status_code=http_status
            )
        body_id = _identifier(body.get("id")) or _identifier(body.get("task_id"))
        resolved_id = task_id if task_id else body_id
        if resolved_id is None:
            raise ResponseShapeError.for_body(
                "video task response has no 'id'", body, status_code=http_status
            )

        detail = _mapping(body.get("detail"))
        pending = _mapping(detail.get("pending_info"))
        draft = _mapping(detail.get("draft_info"))
        status = TaskStatus.parse(raw_status)
        blocked = _moderation_code(body, detail, pending)

        width, height = _dimensions(body, pending, draft)
        return cls(
            id=resolved_id,
            status=status,
            progress=_progress(body, pending, status),
            video_url=_first_text(
                body.get("video_url"), detail.get("url"), draft.get("downloadable_url")
            ),
            thumbnail_url=_first_text(body.get("thumbnail_url"), detail.get("thumbnail_url")),
            enhanced_prompt=_text(body.get("enhanced_prompt")),
            failure_reason=_failure_reason(body, detail, pending, blocked),
            width=width,
            height=height,
            updated_at=_first_time(body.get("status_update_time"), body.get("updated_at")),
            created_at=_first_time(
                body.get("created_at"), detail.get("created_at"), pending.get("created_at")
            ),
            model=_text(body.get("model")) or _model_prefix(resolved_id),
            raw_status=raw_status,
            moderation_blocked=blocked is not None,
            raw=MappingProxyType(dict(body)),
        )


# --- tolerant field readers: each takes any JSON value and returns a clean value or None ---

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else _EMPTY


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _first_text(*values: object) -> str | None:
    for value in values:
        text = _text(value)
        if text is not None:
            return text
    return None


def _identifier(value: object) -> str | None:
    # Some gateways number their tasks; JSON true/false is never an id.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _model_prefix(task_id: str) -> str | None:
    prefix, colon, _ = task_id.partition(":")
    if not colon:
        return None
    return prefix.strip() or None


def _number(value: object, *, allow_percent: bool = False) -> float | None:
    """A finite float from a JSON number or numeric string; None for bools and garbage."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if allow_percent:
            text = text.removesuffix("%").rstrip()
        try:
            number = float(text)
        except ValueError:
            return None
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # a JSON integer with hundreds of digits
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _progress(
    body: Mapping[str, Any], pending: Mapping[str, Any], status: TaskStatus
) -> float | None:
    # Top-level `progress` is always a percentage (0-100). Guessing that "0.5" meant a fraction
    # would misreport a task at half a percent as half done.
    percent = _number(body.get("progress"), allow_percent=True)
    if percent is None:
        fraction = _number(pending.get("progress_pct"))
        if fraction is not None:
            # Documented as 0-1; a value above 1 can only be a percentage sent in the wrong field.
            percent = fraction * 100 if fraction <= 1 else fraction
    if percent is None:
        return 100.0 if status is TaskStatus.COMPLETED else None
    return min(100.0, max(0.0, percent))


# "1280x720", "1280X720", "1280*720" or with U+00D7 MULTIPLICATION SIGN.
_SIZE = re.compile(r"^\s*(\d{1,6})\s*[xX*\u00d7]\s*(\d{1,6})\s*$")
_MAX_DIMENSION = 100_000


def _dimension(value: object) -> int | None:
    number = _number(value)
    if number is None or not number.is_integer() or not 0 < number <= _MAX_DIMENSION:
        return None
    return int(number)


def _dimensions(*sources: Mapping[str, Any]) -> tuple[int | None, int | None]:
    width = next((w for s in sources if (w := _dimension(s.get("width"))) is not None), None)
    height = next((h for s in sources if (h := _dimension(s.get("height"))) is not None), None)
    if width is None or height is None:
        # Some gateways only send "size": "1280x720" (others send "small"/"large": ignored).
        size = sources[0].get("size")
        match = _SIZE.match(size) if isinstance(size, str) else None
        if match:
            width = width if width is not None else _dimension(match.group(1))
            height = height if height is not None else _dimension(match.group(2))
    return width, height


def _moderation_code(*sources: Mapping[str, Any]) -> str | None:
    """The moderation code when any moderation_result says "blocked" ("" if it has no code)."""
    for source in sources:
        result = _mapping(source.get("moderation_result"))
        kind = result.get("type")
        if isinstance(kind, str) and kind.strip().lower() == "blocked":
            return _text(result.get("code")) or ""
    return None


def _failure_reason(
    body: Mapping[str, Any],
    detail: Mapping[str, Any],
    pending: Mapping[str, Any],
    moderation_code: str | None,
) -> str | None:
    reason = _first_text(
        pending.get("failure_reason"),
        detail.get("failure_reason"),
        body.get("fail_reason"),
        body.get("failure_reason"),
        body.get("error_message"),
    )
    if reason is not None:
        return reason
    error = body.get("error")
    if isinstance(error, Mapping):
        message = _text(error.get("message"))
        code = _identifier(error.get("code"))
        if message and code and code != message:
            return f"{message} ({code})"
        if message or code:
            return message or code
    elif (text := _text(error)) is not None:
        return text
    if moderation_code is not None:
        return (
            f"blocked by moderation ({moderation_code})"
            if moderation_code
            else ("blocked by moderation")
        )
    return None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Seconds since 1970 stay below this until the year 5138, and milliseconds pass it in 1973, so
# the magnitude tells the unit apart for any real task.
_MILLISECONDS_THRESHOLD = 1e11
_FRACTION = re.compile(r"\.(\d+)")


def _time(value: object) -> datetime | None:
    """A UTC datetime from Unix seconds, Unix milliseconds or an ISO 8601 string."""
    number = _number(value)
    if number is None:
        return _iso_time(value) if isinstance(value, str) else None
    if number <= 0:
        return None
    seconds = number / 1000 if number >= _MILLISECONDS_THRESHOLD else number
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return None


def _iso_time(text: str) -> datetime | None:
    text = text.strip()
    # Python 3.10's fromisoformat rejects "Z" and fractions that are not 3 or 6 digits.
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def _first_time(*values: object) -> datetime | None:
    for value in values:
        parsed = _time(value)
        if parsed is not None:
            return parsed
    return None
