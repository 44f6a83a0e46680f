"""Options shared by several commands, and the parsing of their values."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .._params import CREATE_OPTIONS, ORIENTATIONS, SIZES

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_WAIT_TIMEOUT = 1800.0


class NonFiniteNumberError(ValueError):
    """NaN or Infinity in JSON: Python reads them, but they are not JSON and no gateway does."""


def _reject_constant(constant: str) -> object:
    raise NonFiniteNumberError(f"{constant} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise NonFiniteNumberError(f"{text} is too large for a JSON number")
    return number


def loads_finite(text: str) -> Any:
    """json.loads, but NaN, Infinity and numbers that overflow to infinity are errors."""
    return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)


def parse_extra(text: str) -> tuple[str, object]:
    """`key=value` gives a string; `key:=json` gives any JSON value."""
    key, sep, value = text.partition("=")
    if not sep:
        raise click.BadParameter(f"expected KEY=VALUE or KEY:=JSON, got {text!r}")
    parsed: object = value
    if key.endswith(":"):
        key = key[:-1]
        try:
            parsed = loads_finite(value)
        except ValueError as exc:
            detail = f" ({exc})" if isinstance(exc, NonFiniteNumberError) else ""
            raise click.BadParameter(f"{key}:= needs a JSON value, got {value!r}{detail}") from None
    key = key.strip()
    if not key:
        raise click.BadParameter(f"missing the field name in {text!r}")
    return key, parsed


def _extras_callback(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, object]:
    extra = dict(parse_extra(value) for value in values)
    for name in extra:
        if name == "prompt" or name in CREATE_OPTIONS:
            option = "the PROMPT argument" if name == "prompt" else f"--{name.replace('_', '-')}"
            raise click.BadParameter(f"{name!r} has its own option: use {option}")
    return extra


def create_options(function: F) -> F:
    """The options of `create` (also used by `generate` and, as defaults, by `batch`)."""
    decorators = [
        click.option(
            "--model",
            default="sora-2",
            show_default=True,
            help="Model name, passed through as given (sora-2, sora-2-pro, ...).",
        ),
        click.option(
            "--orientation",
            type=click.Choice(ORIENTATIONS),
            default="portrait",
            show_default=True,
        ),
        click.option(
            "--size",
            type=click.Choice(SIZES),
            default="small",
            show_default=True,
            help="small is about 720p; large is 1080p (sora-2-pro).",
        ),
        click.option(
            "--duration",
            type=click.IntRange(min=1),
            default=10,
            show_default=True,
            help="Seconds; the gateway decides which it accepts (10, 15, 25).",
        ),
        click.option(
            "--image",
            "images",
            multiple=True,
            metavar="URL",
            help="A reference image URL (repeatable).",
        ),
        click.option(
            "--watermark/--no-watermark",
            default=True,
            help="--no-watermark insists on a clip without one (it can take much longer).",
        ),
        click.option(
            "--private", is_flag=True, help="Do not publish the video (it cannot be remixed)."
        ),
        click.option(
            "--extra",
            "extra",
            multiple=True,
            metavar="KEY=VALUE",
            callback=_extras_callback,
            help="A body field the gateway accepts, passed through (repeatable); "
            "KEY:=JSON for a non-string value. E.g. --extra style=anime",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def create_kwargs(
    *,
    model: str,
    orientation: str,
    size: str,
    duration: int,
    images: tuple[str, ...],
    watermark: bool,
    private: bool,
    extra: dict[str, object],
) -> dict[str, Any]:
    """Keyword arguments for `videos.create` from the parsed options."""
    return {
        "model": model,
        "orientation": orientation,
        "size": size,
        "duration": duration,
        "images": list(images),
        "watermark": watermark,
        "private": private,
        "extra_body": dict(extra) or None,
    }


json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print only JSON on stdout (progress and logs stay on stderr).",
)
mock_option = click.option(
    "--mock",
    is_flag=True,
    help="Run against a mock server started inside this command (no key needed).",
)
timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_WAIT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Give up waiting after this long (exit code 3); the task keeps running.",
)
poll_interval_option = click.option(
    "--poll-interval",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Seconds between status checks [default: 5 s, then about 10 s].",
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace the output file if it exists."
)
