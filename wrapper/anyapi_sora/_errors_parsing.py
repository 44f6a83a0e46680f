"""Pull a human message, an error code and a request id out of whatever an error response holds.

The gateways answer errors in two JSON shapes (``{"error": {"message", "type", "code"}}`` and
``{"code", "message", "data"}``), a few rarer ones, and sometimes an HTML page from a proxy in
front of them. Everything here is total: any input gives a result, never an exception, because
it runs while we are already handling a failure.
"""

from __future__ import annotations

import html
import json
import math
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "REQUEST_ID_HEADERS",
    "extract_code",
    "extract_message",
    "extract_request_id",
    "parse_retry_after",
    "summarize_body",
    "text_message",
    "unwrap_message",
]

# Searched in this order; httpx.Headers lookups are case-insensitive already.
REQUEST_ID_HEADERS = ("x-request-id", "x-oneapi-request-id", "request-id")

# new-api style gateways append "(request id: 2026112516...)" to their messages; \uff1a is the
# full-width colon a Chinese-locale message may use.
_REQUEST_ID_IN_TEXT = re.compile(
    r"request[ _-]?id\s*[:=\uff1a]\s*([A-Za-z0-9][A-Za-z0-9._\-]*)", re.IGNORECASE
)

_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.I | re.S)
_INVISIBLE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")

# A message is for a human; past this it is a dump, not a message.
MESSAGE_LIMIT = 1000
# Enough for a <title> near the top of any error page without regex-scanning megabytes.
_HTML_SCAN_LIMIT = 64 * 1024
# A message that is a JSON error body is unwrapped this many times at most, and only when
# it is short enough to be an error body rather than a dump.
_MAX_NESTING = 3
_NESTED_LIMIT = 64 * 1024


def _clean(value: object, limit: int = MESSAGE_LIMIT) -> str | None:
    if not isinstance(value, str):
        return None
    text = _SPACE.sub(" ", value).strip()
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code_text(value: object) -> str | None:
    # bool is an int subclass but `true` is never an error code.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _clean(value, 200)


def _detail_message(detail: object) -> str | None:
    if isinstance(detail, str):
        return _clean(detail)
    if isinstance(detail, dict):
        return _clean(detail.get("message")) or _clean(detail.get("msg"))
    if isinstance(detail, list):
        # FastAPI-style validation errors: [{"loc": [...], "msg": "...", ...}, ...]
        parts = [
            m
            for item in detail
            if (m := _clean(item.get("msg") if isinstance(item, dict) else item)) is not None
        ]
        return _clean("; ".join(parts))
    return None


def extract_message(body: object) -> str | None:
    """The server's own error message from a parsed JSON body, or None if it has none.

    A message that is itself a JSON error body (a gateway passing on its upstream's answer)
    gives that body's message.
    """
    return _extract_message(body, 0)


def unwrap_message(value: object) -> str | None:
    """A message text, cleaned; one that is a JSON error body gives that body's message."""
    return _message_text(value, 0)


def _message_text(value: object, depth: int) -> str | None:
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if (
        depth < _MAX_NESTING
        and stripped.startswith("{")
        and stripped.endswith("}")
        and len(stripped) <= _NESTED_LIMIT
    ):
        try:
            inner = json.loads(stripped)
        except (ValueError, RecursionError):
            inner = None
        if isinstance(inner, dict) and (found := _extract_message(inner, depth + 1)):
            return found
    return _clean(stripped)


def _extract_message(body: object, depth: int) -> str | None:
    if isinstance(body, str):
        return _message_text(body, depth)
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        message = _message_text(error.get("message"), depth) or _clean(error.get("msg"))
        if message:
            return message
    elif isinstance(error, str) and (message := _message_text(error, depth)):
        return message
    return (
        _message_text(body.get("message"), depth)
        or _clean(body.get("msg"))
        or _detail_message(body.get("detail"))
        or _clean(body.get("error_message"))
    )


def extract_code(body: object) -> str | None:
    """The machine-readable error code (``task_not_exist``, ``insufficient_user_quota``…)."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and (code := _code_text(error.get("code"))):
        return code
    return _code_text(body.get("code"))


def text_message(text: str) -> str | None:
    """A one-line message from a non-JSON body: an HTML page's title, or the start of the text."""
    if "<" in text and ">" in text:
        head = text[:_HTML_SCAN_LIMIT]
        for pattern in (_TITLE, _H1):
            match = pattern.search(head)
            if match and (title := _clean(html.unescape(_TAG.sub(" ", match.group(1))), 200)):
                return title
        stripped = _TAG.sub(" ", _INVISIBLE.sub(" ", head))
        return _clean(html.unescape(stripped), 200)
    return _clean(text, 200)


def extract_request_id(headers: Mapping[str, str] | None, message: str | None) -> str | None:
    """The request id from a response header, else from ``(request id: …)`` in the message."""
    if headers is not None:
        for name in REQUEST_ID_HEADERS:
            value = _clean(headers.get(name), 200)
            if value:
                return value
    if message:
        match = _REQUEST_ID_IN_TEXT.search(message)
        if match:
            return match.group(1)
    return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or HTTP-date), or None.

    A date in the past gives 0.0. Garbage, negative or non-finite values give None, so the
    caller falls back to its own backoff rather than trusting a broken hint.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # RFC 5322 "-0000" means "UTC, origin unknown"; email.utils returns it naive.
        when = when.replace(tzinfo=timezone.utc)
    reference = now if now is not None else datetime.now(timezone.utc)
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=timezone.utc)
    return max(0.0, (when - reference).total_seconds())


def summarize_body(body: object, limit: int = 500) -> str:
    """The start of a body for an error message: text as-is, anything else as compact JSON."""
    if isinstance(body, bytes):
        text = body[: limit * 4].decode("utf-8", errors="replace")
    elif isinstance(body, str):
        text = body
    else:
        # Broad excepts: this runs while reporting another error, which it must not mask,
        # and json's default=repr calls arbitrary __repr__ methods.
        try:
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=repr)
        except Exception:
            try:
                text = repr(body)
            except Exception:
                text = f"<unprintable {type(body).__name__}>"
    return text if len(text) <= limit else text[:limit] + "…"
