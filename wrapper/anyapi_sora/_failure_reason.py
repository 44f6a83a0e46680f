"""Why a task failed: the known places first, then a careful search.

Gateways put a failed task's reason in many places (``fail_reason``, ``failure_reason``,
``error`` as text or ``{message, code}``, ``detail.pending_info.failure_reason``, Veo's
``detail.video_generation_error``...) and new ones invent more. The known places are read
first, in order. When a task failed (or was cancelled) and none of them holds a reason,
the body is searched, a few levels deep and lists included, for a human-readable text under
a key that names an error, a reason, a failure or a message. The search never returns an
id, a code alone (one word such as ``content_policy_violation``), a URL, the prompt or
anything inside the request the body echoes back.

A completed task has no failure reason, whatever its body keeps: some gateways leave the
error of a retried attempt in a finished task's body (``"error_message": "[403] ..."``
beside the video), and the status, not a leftover error, says how a task ended.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from ._errors_parsing import unwrap_message
from ._json_readers import Path, at, http_url, identifier, is_mapping, key_words, mapping
from ._status import TaskStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["REASON_PLACES", "failure_reason", "search_failure_reason"]

# (the object, its keys in order, only for a task that ended without a video). A plain
# "message" on a running task is news, not a failure reason.
REASON_PLACES: tuple[tuple[Path, tuple[str, ...], bool], ...] = (
    (("detail", "pending_info"), ("failure_reason",), False),
    (("detail",), ("failure_reason",), False),
    ((), ("fail_reason", "failure_reason", "error_message", "error"), False),
    (("data",), ("fail_reason", "failure_reason", "error_message", "error"), False),
    (("detail",), ("error",), False),
    ((), ("errors", "message", "msg", "reason"), True),
    (("data",), ("message",), True),
)


def _reason(value: object) -> str | None:
    """A reason from a string (a JSON error body is unwrapped), a {message, code} object, or
    the first of a list of them."""
    if isinstance(value, list):
        return _reason(value[0]) if value and not isinstance(value[0], list) else None
    if is_mapping(value):
        message = unwrap_message(value.get("message")) or unwrap_message(value.get("msg"))
        code = identifier(value.get("code"))
        if message and code and code != message:
            return f"{message} ({code})"
        return message or code
    return unwrap_message(value)


def failure_reason(
    task: Mapping[str, Any], status: TaskStatus, moderation: str | None
) -> str | None:
    """Why the task failed, or None; None for a completed task (see the module's note)."""
    if status is TaskStatus.COMPLETED:
        return None
    ended_badly = status in (TaskStatus.FAILED, TaskStatus.CANCELLED)
    for path, keys, only_when_failed in REASON_PLACES:
        if only_when_failed and not ended_badly:
            continue
        place = mapping(at(task, path)) if path else task
        for key in keys:
            if key in place and (reason := _reason(place[key])) is not None:
                return reason
    if ended_badly and (found := search_failure_reason(task)) is not None:
        return found
    if moderation is not None:
        return f"blocked by moderation ({moderation})" if moderation else "blocked by moderation"
    return None


# --- the search ---------------------------------------------------------------------------

# How far the search looks: a failed task's body is a few objects deep, and a hostile or
# huge body must not cost more than a glance.
MAX_DEPTH = 5
MAX_NODES = 300

# A key word that says the value explains a failure. These count on the way down too: the
# "message" of an "error" object, any text in a "last_error".
_FAILURE_WORDS = frozenset(
    {
        *("error", "errors", "err", "reason", "reasons", "failure", "failures", "fail"),
        *("failed", "fault", "faults", "exception", "cause", "rejection", "refusal"),
    }
)
# A key word that says the value is a message: a reason only in the key that holds the text.
_MESSAGE_WORDS = frozenset(
    {"message", "messages", "msg", "msgs", "detail", "details", "explanation"}
)
# The last word of a key that holds something other than an explanation (error_code,
# error_type, failure_id, reason_url, error_at), whatever its other words say.
_NOT_A_REASON_WORDS = frozenset(
    {
        *("id", "ids", "uuid", "code", "codes", "type", "kind", "name", "status", "state"),
        *("url", "urls", "uri", "href", "link", "links", "path", "time", "timestamp", "at"),
        *("date", "count", "retry", "retries", "attempt", "attempts", "stack", "trace"),
        *("traceback", "model", "prompt", "seed", "level", "severity", "param", "field"),
    }
)
# Key words (prefixes) of what the request sent, echoed back: never a reason, nor looked into.
_ECHOED_PREFIXES = ("prompt", "req", "input", "param", "argument", "payload", "callback")


def _readable(text: str) -> bool:
    """True for a text meant for a person: words, not an id, a code or a link."""
    if not any(ch.isalpha() for ch in text):
        return False
    if any(ch.isspace() for ch in text):
        return http_url(text) is None
    # One unbroken token: a code (content_policy_violation), unless written in a script
    # without spaces between words (a Chinese sentence).
    return any(ch.isalpha() and not ch.isascii() for ch in text)


def _tier(own: list[str], failure_above: bool) -> int:
    """How surely a text under a key with these words explains the failure (0: not at all)."""
    if not own or own[-1] in _NOT_A_REASON_WORDS:
        return 0
    if any(w in _FAILURE_WORDS for w in own):
        return 3
    is_message = any(w in _MESSAGE_WORDS for w in own)
    if is_message and failure_above:
        return 2
    return 1 if is_message or failure_above else 0


def search_failure_reason(task: Mapping[str, Any]) -> str | None:
    """The most likely failure reason anywhere in ``task`` (bounded), or None.

    Better: a key that names a failure (``video_generation_error``) over a message inside a
    failure's object (``last_error.message``) over a bare ``message``; then the shallower;
    then the first.
    """
    prompts = {
        text.strip()
        for key in ("prompt", "enhanced_prompt")
        if isinstance(text := task.get(key), str)
    }
    best: tuple[tuple[int, int], str] | None = None
    # (value, the words of the key that holds it, a failure's key above it, depth)
    queue: deque[tuple[object, list[str], bool, int]] = deque([(task, [], False, 0)])
    visited = 0
    while queue and visited < MAX_NODES:
        value, own, failure_above, depth = queue.popleft()
        visited += 1
        if is_mapping(value) or isinstance(value, list):
            if depth >= MAX_DEPTH:
                continue
            below = failure_above or any(w in _FAILURE_WORDS for w in own)
            if isinstance(value, list):
                # A list's items are held by the list's key: errors: ["...", ...]
                queue.extend((child, own, failure_above, depth + 1) for child in value)
                continue
            for key, child in value.items():
                if not isinstance(key, str):
                    continue
                words = key_words(key)
                if any(w.startswith(_ECHOED_PREFIXES) for w in words):
                    continue
                queue.append((child, words, below, depth + 1))
            continue
        tier = _tier(own, failure_above)
        if tier == 0 or (best is not None and (tier, -depth) <= best[0]):
            continue
        text = unwrap_message(value)
        if text is not None and _readable(text) and text not in prompts:
            best = ((tier, -depth), text)
    return best[1] if best is not None else None
