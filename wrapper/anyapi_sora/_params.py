"""Checks on create arguments, made before any request so that bad input costs nothing.

Only what no gateway takes is refused: a blank prompt, a duration that is not a positive
whole number, an image that is neither an http(s) URL nor a ``data:image/...`` URL, wrong
types. The values of ``model``, ``size`` and ``orientation`` are open: gateways take more
than the documented ones (``size="medium"``, ``size="1280x720"``, many model names), so an
unfamiliar value is sent as given, with one warning naming the known values.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from ._exceptions import InvalidParameterError

if TYPE_CHECKING:
    from anyapi_sora_api.models import CreateVideoBody

logger = logging.getLogger("anyapi_sora")

# The documented values: hints (and the command line's choices), not a wall.
ORIENTATIONS = ("portrait", "landscape")
SIZES = ("small", "large")
MODELS = ("sora-2", "sora-2-pro", "sora-2-all", "sora-2-pro-all", "veo3", "jimeng")
CREATE_OPTIONS = (
    "model",
    "orientation",
    "size",
    "duration",
    "images",
    "watermark",
    "private",
    "extra_body",
)

# One warning per unfamiliar value and process: a batch of 500 prompts at size="medium"
# needs to hear it once. Bounded, like every memory of what a caller passed.
_warned_values: set[tuple[str, str]] = set()
_WARN_LIMIT = 64
#: Set on the log record of that warning (to the argument's name), so that a front end
#: which says it in its own words (the command line: ``--size``) can leave this one out.
OPEN_VALUE_RECORD = "anyapi_sora_open_value"


def reject_unknown_options(unknown: Mapping[str, object], known: Sequence[str]) -> None:
    if not unknown:
        return
    names = ", ".join(sorted(unknown))
    raise InvalidParameterError(
        sorted(unknown)[0],
        f"unknown argument(s) {names}. Known: {', '.join(known)}. "
        f"Pass fields this library does not know as extra_body={{{next(iter(unknown))!r}: ...}}",
    )


def _check_open_value(name: str, value: object, known: tuple[str, ...]) -> str:
    """``value`` as given; refused only when it is not a non-empty, printable string."""
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise InvalidParameterError(
            name,
            f"expected a non-empty string such as {known[0]!r} "
            f"(documented: {_listed(known)}), got {value!r}",
            value=value,
        )
    return value


def _warn_unfamiliar(name: str, value: str, known: tuple[str, ...]) -> None:
    if (name, value) in _warned_values or len(_warned_values) >= _WARN_LIMIT:
        return
    _warned_values.add((name, value))
    logger.warning(
        "%s=%r is not one of the documented values (%s); sending it as given, "
        "the gateway decides whether it takes it",
        name,
        value,
        _listed(known),
        extra={OPEN_VALUE_RECORD: name},
    )


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(repr(v) for v in values)


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidParameterError(name, f"expected True or False, got {value!r}")
    return value


# data:image/png;base64,...: some gateways take an inline image instead of a link.
_DATA_IMAGE = re.compile(r"data:image/[a-z0-9.+-]+(?:;[a-z0-9=.+-]+)*,\S+", re.IGNORECASE)


def _image_url(item: object) -> str | None:
    if not isinstance(item, str):
        return None
    if _DATA_IMAGE.fullmatch(item):
        return item
    # httpx would quietly percent-encode a space or newline into a different URL.
    if not item.isprintable() or any(c.isspace() for c in item):
        return None
    try:
        url = httpx.URL(item)
    except httpx.InvalidURL:
        return None
    return item if url.scheme in ("http", "https") and url.host else None


def _check_images(images: object) -> list[str]:
    if isinstance(images, (str, bytes)) or not isinstance(images, Sequence):
        raise InvalidParameterError(
            "images",
            f"expected a list of http(s) URLs (or data:image/... URLs), got "
            f"{type(images).__name__}; wrap a single URL in a list: images=[url]",
        )
    checked: list[str] = []
    for index, item in enumerate(images):
        url = _image_url(item)
        if url is None:
            shown = item if not isinstance(item, str) or len(item) <= 100 else item[:99] + "…"
            raise InvalidParameterError(
                f"images[{index}]",
                f"expected an http(s) URL or a data:image/... URL, got {shown!r}",
            )
        checked.append(url)
    return checked


def _check_json(name: str, value: object) -> None:
    """Refuse what cannot go into a JSON request body, before anything is sent."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidParameterError(
            name, f"must be JSON-serialisable (str, number, bool, None, list, dict): {exc}"
        ) from None


def build_create_body(
    prompt: object,
    *,
    model: object,
    orientation: object,
    size: object,
    duration: object,
    images: object,
    watermark: object,
    private: object,
    extra_body: object,
) -> CreateVideoBody:
    """The generated request body, or InvalidParameterError naming the bad field."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidParameterError("prompt", "expected a non-empty string describing the video")
    if (
        not isinstance(model, str)
        or not model.strip()
        or any(ch.isspace() or not ch.isprintable() for ch in model)
    ):
        raise InvalidParameterError(
            "model", f"expected a model name such as 'sora-2' (no spaces), got {model!r}"
        )
    if isinstance(duration, bool) or not isinstance(duration, int) or duration <= 0:
        # The gateway owns which durations each model accepts (10, 15, 25, ...).
        raise InvalidParameterError(
            "duration", f"expected a positive whole number of seconds, got {duration!r}"
        )
    extra: dict[str, Any] = {}
    if extra_body is not None:
        if not isinstance(extra_body, Mapping) or not all(isinstance(k, str) for k in extra_body):
            raise InvalidParameterError("extra_body", "expected a dict with string keys")
        extra = dict(extra_body)
        clash = sorted(set(extra) & {*CREATE_OPTIONS, "prompt"})
        if clash:
            raise InvalidParameterError(
                "extra_body",
                f"{clash[0]!r} is a named argument of create(); pass it as {clash[0]}=... "
                "instead of in extra_body",
            )
        for key, value in extra.items():
            _check_json(f"extra_body[{key!r}]", value)
    fields: dict[str, Any] = {
        **extra,
        "images": _check_images(images),
        "model": _check_open_value("model", model, MODELS),
        "orientation": _check_open_value("orientation", orientation, ORIENTATIONS),
        "prompt": prompt,
        "size": _check_open_value("size", size, SIZES),
        "duration": duration,
        "watermark": _check_bool("watermark", watermark),
        "private": _check_bool("private", private),
    }
    for name, known in (("model", MODELS), ("orientation", ORIENTATIONS), ("size", SIZES)):
        if fields[name] not in known:
            _warn_unfamiliar(name, fields[name], known)
    # Imported here rather than at `import anyapi_sora` (see _videos.create_request).
    from anyapi_sora_api.models import CreateVideoBody

    # from_dict, not the constructor: it converts each field as the spec types it (an enum,
    # should a new spec make one), and keeps the fields the spec does not know (style,
    # storyboard, character_url, ...) as additional properties that pass through.
    try:
        return CreateVideoBody.from_dict(fields)
    except (ValueError, TypeError) as exc:
        # A regenerated spec may close a value kept open here (orientation as an enum): the
        # model refuses it from deep inside; say which field, before any request.
        field = next((n for n in (*_OPEN_FIELDS, *fields) if repr(fields[n]) in str(exc)), None)
        if field is None:
            raise InvalidParameterError(
                "request", f"the API's spec does not allow this request ({exc})"
            ) from None
        raise InvalidParameterError(
            field,
            f"the API's spec does not allow {fields[field]!r} here ({exc})",
            value=fields[field],
        ) from None


_OPEN_FIELDS = ("orientation", "size", "model")
