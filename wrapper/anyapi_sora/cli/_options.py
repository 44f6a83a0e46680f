"""Options shared by several commands, and the parsing of their values."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .._params import CREATE_OPTIONS, MODELS, ORIENTATIONS, SIZES
from ._messages import echo, option_for, unfamiliar_value

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_WAIT_TIMEOUT = 1800.0


class JSONValueError(ValueError):
    """Valid-looking JSON this command refuses, with a reason worth showing."""


class NonFiniteNumberError(JSONValueError):
    """NaN or Infinity in JSON: Python reads them, but they are not JSON and no gateway does."""


# Deeper than any real request body; far below where json's recursion would overflow.
MAX_JSON_DEPTH = 64


def _reject_constant(constant: str) -> object:
    raise NonFiniteNumberError(f"{constant} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise NonFiniteNumberError(f"the number {echo(text, 20)} is too large for JSON")
    return number


def _bounded_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # past Python's limit on digits (4,300)
        raise JSONValueError(f"a number of {len(text):,} digits is too long") from None


def _depth(value: object) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            break
        level = [
            item
            for node in level
            if isinstance(node, (list, dict))
            for item in (node.values() if isinstance(node, dict) else node)
        ]
    return depth


def loads_finite(text: str) -> Any:
    """json.loads, refusing NaN, Infinity, overlong numbers and absurd nesting (as ValueError)."""
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise JSONValueError("nested too deeply") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise JSONValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def parse_extra(text: str) -> tuple[str, object]:
    """`key=value` gives a string; `key:=json` gives any JSON value."""
    key, sep, value = text.partition("=")
    if not sep:
        raise click.BadParameter(f"expected KEY=VALUE or KEY:=JSON, got {echo(text)}")
    parsed: object = value
    if key.endswith(":"):
        key = key[:-1]
        try:
            parsed = loads_finite(value)
        except ValueError as exc:
            detail = f" ({exc})" if isinstance(exc, JSONValueError) else ""
            raise click.BadParameter(
                f"{key[:40]}:= needs a JSON value, got {echo(value)}{detail}"
            ) from None
    key = key.strip()
    if not key:
        raise click.BadParameter(f"missing the field name in {echo(text)}")
    return key, parsed


def _extras_callback(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, object]:
    extra = dict(parse_extra(value) for value in values)
    for name in extra:
        if name == "prompt":
            raise click.BadParameter("'prompt' is not an --extra field: it is the PROMPT argument")
        if name == "extra_body":
            raise click.BadParameter(
                "'extra_body' is not a field: give each field as its own --extra KEY=VALUE"
            )
        if name in CREATE_OPTIONS:
            raise click.BadParameter(f"{name!r} has its own option: use {option_for(name)}")
    return extra


class Seconds(click.FloatRange):
    """A finite number of seconds > 0 (click's FloatRange lets NaN and infinity through)."""

    name = "seconds"

    def __init__(self) -> None:
        super().__init__(min=0, min_open=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"expected a finite number of seconds, got {echo(str(value))}", param, ctx)
        return number


# The create options whose values are open: their documented values are hints.
OPEN_OPTIONS: dict[str, tuple[str, ...]] = {
    "model": MODELS,
    "orientation": ORIENTATIONS,
    "size": SIZES,
}
# Longer than any model name, size or orientation a gateway takes: past it, the value is a
# slip (a pasted prompt), refused before anything is sent.
OPEN_VALUE_LIMIT = 100
_LINES_SHOWN = 10


def open_value_problem(value: str, known: tuple[str, ...]) -> str | None:
    """Why `value` cannot be a model, orientation or size for any gateway, or None."""
    example = f"such as {known[0]!r}"
    if not value.strip():
        return f"expected a value {example}, got {echo(value)}"
    if len(value) > OPEN_VALUE_LIMIT:
        return f"expected a short name {example}, got {echo(value)}"
    if not value.isprintable():
        return f"expected a value {example}, got a control character in {echo(value)}"
    return None


if TYPE_CHECKING:
    _TextParamType = click.ParamType[str, Any]
else:  # generic only from click 8.2
    _TextParamType = click.ParamType


class OpenValue(_TextParamType):
    """A value with documented choices that takes others too, as the library does.

    Gateways take more than the documented values (``--size medium``, ``--size 1280x720``,
    many model names), so any other short, printable value passes, with a warning (see
    `warn_if_unfamiliar`). Shell completion offers the documented ones.
    """

    name = "text"

    def __init__(self, known: tuple[str, ...]) -> None:
        self.known = known

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = value if isinstance(value, str) else str(value)
        problem = open_value_problem(text, self.known)
        if problem is not None:
            self.fail(problem, param, ctx)
        return text

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(value) for value in self.known if value.startswith(incomplete)]


def warn_if_unfamiliar(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Say once, in the command line's words, that a value other than the known ones goes
    out as given. (The library's own warning, in Python's words, is left out of the log.)"""
    known = getattr(param.type, "known", ())
    if isinstance(value, str) and known and value not in known:
        where = f"{option_for(str(param.name))} {echo(value)}"
        click.secho(f"Warning: {unfamiliar_value(where, known)}", err=True, fg="yellow")
    return value


def unfamiliar_line_values(lines: Iterable[tuple[int, Mapping[str, Any]]]) -> list[str]:
    """Warnings for the batch file's own values of model, orientation and size that are not
    documented: one per value, naming the lines that use it."""
    where: dict[tuple[str, str], list[int]] = {}
    for number, options in lines:
        for name, known in OPEN_OPTIONS.items():
            value = options.get(name)
            if isinstance(value, str) and value not in known:
                where.setdefault((name, value), []).append(number)
    warnings = []
    for (name, value), numbers in where.items():
        shown = ", ".join(str(n) for n in numbers[:_LINES_SHOWN])
        if len(numbers) > _LINES_SHOWN:
            shown += f" and {len(numbers) - _LINES_SHOWN:,} more"
        label = "line" if len(numbers) == 1 else "lines"
        field = f'"{name}": {json.dumps(value, ensure_ascii=False)}'
        warnings.append(f"{label} {shown}: {unfamiliar_value(field, OPEN_OPTIONS[name])}")
    return warnings


def create_options(function: F) -> F:
    """The options of `create` (also used by `generate` and, as defaults, by `batch`)."""
    decorators = [
        click.option(
            "--model",
            type=OpenValue(MODELS),
            default="sora-2",
            show_default=True,
            metavar="NAME",
            callback=warn_if_unfamiliar,
            help=f"Known: {', '.join(MODELS)}; any other your gateway takes is sent as given.",
        ),
        click.option(
            "--orientation",
            type=OpenValue(ORIENTATIONS),
            default="portrait",
            show_default=True,
            metavar="NAME",
            callback=warn_if_unfamiliar,
            help="portrait or landscape; another your gateway takes is sent as given.",
        ),
        click.option(
            "--size",
            type=OpenValue(SIZES),
            default="small",
            show_default=True,
            metavar="SIZE",
            callback=warn_if_unfamiliar,
            help="small (about 720p) or large (1080p, sora-2-pro); another your gateway "
            "takes (medium, 1280x720) is sent as given.",
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
    type=Seconds(),
    default=DEFAULT_WAIT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Give up waiting after this long (exit code 3); the task keeps running.",
)
poll_interval_option = click.option(
    "--poll-interval",
    type=Seconds(),
    default=None,
    metavar="SECONDS",
    help="Seconds between status checks [default: 5 s, then about 10 s].",
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace the output file if it exists."
)
