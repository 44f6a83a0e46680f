"""Tolerant readers of parsed JSON: each takes any value and returns a clean one or None.

The dialect rules and the task model build on these, so no rule has to repeat the checks
that keep parsing total (a bool is not a number, an infinite float is not a time, ...).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, TypeGuard

EMPTY: Mapping[str, Any] = MappingProxyType({})

Path = tuple[str, ...]


# JSON gives dicts and these; checking them first spares the slow Mapping ABC check on
# every field of every poll.
_NOT_MAPPINGS = (str, int, float, list, type(None))


def is_mapping(value: object) -> TypeGuard[Mapping[str, Any]]:
    if isinstance(value, dict):
        return True
    return not isinstance(value, _NOT_MAPPINGS) and isinstance(value, Mapping)


def mapping(value: object) -> Mapping[str, Any]:
    return value if is_mapping(value) else EMPTY


def at(body: Mapping[str, Any], path: Path) -> object:
    """The value at ``path`` (keys of nested objects), or None where the path breaks."""
    value: object = body
    for key in path:
        if isinstance(value, dict) or is_mapping(value):
            value = value.get(key)
        else:
            return None
    return value


def text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def first_text(*values: object) -> str | None:
    for value in values:
        found = text(value)
        if found is not None:
            return found
    return None


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_KEY_WORD = re.compile(r"[a-z0-9]+")


def key_words(key: str) -> list[str]:
    """The words of a JSON key, lower case: ``videoGenerationError`` and
    ``video_generation_error`` both give ``["video", "generation", "error"]``."""
    return _KEY_WORD.findall(_CAMEL_BOUNDARY.sub("_", key).lower())


_HTTP_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


def http_url(value: object) -> str | None:
    """``value`` when it is one absolute http(s) URL (surrounding blanks removed)."""
    found = text(value)
    if found is not None and _HTTP_URL.fullmatch(found):
        return found
    return None


def identifier(value: object) -> str | None:
    # Some gateways number their tasks; JSON true/false is never an id.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return text(value)


def number(value: object, *, allow_percent: bool = False) -> float | None:
    """A finite float from a JSON number or numeric string; None for bools and garbage."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if allow_percent:
            stripped = stripped.removesuffix("%").rstrip()
        try:
            result = float(stripped)
        except ValueError:
            return None
    elif isinstance(value, (int, float)):
        try:
            result = float(value)
        except OverflowError:  # a JSON integer with hundreds of digits
            return None
    else:
        return None
    return result if math.isfinite(result) else None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Seconds since 1970 stay below this until the year 5138, and milliseconds pass it in 1973, so
# the magnitude tells the unit apart for any real task.
_MILLISECONDS_THRESHOLD = 1e11
_FRACTION = re.compile(r"\.(\d+)")


def moment(value: object) -> datetime | None:
    """A UTC datetime from Unix seconds, Unix milliseconds or an ISO 8601 string."""
    seconds = number(value)
    if seconds is None:
        return _iso_time(value) if isinstance(value, str) else None
    if seconds <= 0:
        return None
    if seconds >= _MILLISECONDS_THRESHOLD:
        seconds /= 1000
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return None


def _iso_time(value: str) -> datetime | None:
    value = value.strip()
    # Python 3.10's fromisoformat rejects "Z" and fractions that are not 3 or 6 digits.
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    value = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), value, count=1)
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def first_moment(*values: object) -> datetime | None:
    for value in values:
        parsed = moment(value)
        if parsed is not None:
            return parsed
    return None
