"""Checks a create body the way the gateway does, and names the field that is wrong."""

from __future__ import annotations

import re
from typing import Any

from ._tasks import TaskRequest

ORIENTATIONS = ("portrait", "landscape")
SIZES = ("small", "medium", "large")
"""The named sizes; a `WxH` size such as `1280x720` is taken too, as gateways do."""
_WXH = re.compile(r"^\d{2,5}x\d{2,5}$")
_KNOWN_FIELDS = frozenset(
    {"model", "prompt", "orientation", "size", "duration", "images", "watermark", "private"}
)


class InvalidRequest(ValueError):
    """The create body is not acceptable; the message names the field."""


def parse_create_body(body: Any) -> TaskRequest:
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be a JSON object")
    model = _required_text(body, "model")
    if any(ch.isspace() or not ch.isprintable() for ch in model):
        # The model becomes the prefix of the task id, which must stay one clean token.
        raise InvalidRequest(f"field 'model' must be a model name without spaces, got {model!r}")
    prompt = _required_text(body, "prompt")
    orientation = _required_choice(body, "orientation", ORIENTATIONS)
    size = _size(body)
    duration = body.get("duration")
    if duration is None:
        raise InvalidRequest("field 'duration' is required")
    # bool is an int in Python but not in JSON: `true` is no duration.
    if isinstance(duration, bool) or not isinstance(duration, int) or duration <= 0:
        raise InvalidRequest(f"field 'duration' must be a positive integer, got {duration!r}")
    # The wrapper always sends images/watermark/private, other clients may not: only their
    # types are checked.
    images = body.get("images", [])
    if not isinstance(images, list) or not all(isinstance(item, str) for item in images):
        raise InvalidRequest("field 'images' must be a list of strings")
    return TaskRequest(
        model=model,
        prompt=prompt,
        orientation=orientation,
        size=size,
        duration=duration,
        images=tuple(images),
        watermark=_optional_bool(body, "watermark"),
        private=_optional_bool(body, "private"),
        extra={key: value for key, value in body.items() if key not in _KNOWN_FIELDS},
    )


def _required_text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise InvalidRequest(f"field '{name}' is required")
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"field '{name}' must be a non-empty string")
    return value


def _required_choice(body: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = body.get(name)
    if value is None:
        raise InvalidRequest(f"field '{name}' is required")
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise InvalidRequest(f"field '{name}' must be one of {allowed}, got {value!r}")
    return str(value)


def _size(body: dict[str, Any]) -> str:
    value = body.get("size")
    if value is None:
        raise InvalidRequest("field 'size' is required")
    if value in SIZES or (isinstance(value, str) and _WXH.match(value)):
        return str(value)
    allowed = ", ".join(repr(choice) for choice in SIZES)
    raise InvalidRequest(f"field 'size' must be one of {allowed} or WIDTHxHEIGHT, got {value!r}")


def _optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidRequest(f"field '{name}' must be a boolean, got {value!r}")
    return value
