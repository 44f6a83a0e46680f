"""Checks on create arguments, made before any request so that bad input costs nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from ._exceptions import InvalidParameterError

if TYPE_CHECKING:
    from anyapi_sora_api.models import CreateVideoBody

ORIENTATIONS = ("portrait", "landscape")
SIZES = ("small", "large")
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


def reject_unknown_options(unknown: Mapping[str, object], known: Sequence[str]) -> None:
    if not unknown:
        return
    names = ", ".join(sorted(unknown))
    raise InvalidParameterError(
        sorted(unknown)[0],
        f"unknown argument(s) {names}. Known: {', '.join(known)}. "
        f"Pass fields this library does not know as extra_body={{{next(iter(unknown))!r}: ...}}",
    )


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InvalidParameterError(name, value=value, allowed=allowed)
    return value


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidParameterError(name, f"expected True or False, got {value!r}")
    return value


def _check_images(images: object) -> list[str]:
    if isinstance(images, (str, bytes)) or not isinstance(images, Sequence):
        raise InvalidParameterError(
            "images",
            f"expected a list of http(s) URLs, got {type(images).__name__}; "
            "wrap a single URL in a list: images=[url]",
        )
    checked: list[str] = []
    for index, item in enumerate(images):
        url = None
        # httpx would quietly percent-encode a space or newline into a different URL.
        if isinstance(item, str) and item.isprintable() and not any(c.isspace() for c in item):
            try:
                url = httpx.URL(item)
            except httpx.InvalidURL:
                url = None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise InvalidParameterError(
                f"images[{index}]", f"expected an http(s) URL, got {item!r}"
            )
        checked.append(str(item))
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
    # Imported here rather than at `import anyapi_sora` (see _videos.create_request).
    from anyapi_sora_api.models import CreateVideoBody

    body = CreateVideoBody(
        images=_check_images(images),
        model=model,
        orientation=_check_choice("orientation", orientation, ORIENTATIONS),
        prompt=prompt,
        size=_check_choice("size", size, SIZES),
        duration=duration,
        watermark=_check_bool("watermark", watermark),
        private=_check_bool("private", private),
    )
    # Fields the spec does not know (style, storyboard, character_url, ...) pass through.
    body.additional_properties.update(extra)
    return body
