"""The `anyapi-sora` command group, its global options, and how a run becomes an exit code."""

from __future__ import annotations

import io
import sys
import traceback
from typing import TYPE_CHECKING

import click

from .._config import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL
from ._batch_command import batch
from ._commands import create, download, generate, status, wait
from ._exit_codes import (
    EXIT_CODES_HELP,
    FAILED,
    INTERRUPTED,
    OK,
    TERMINATED,
    USAGE,
    CommandError,
)
from ._interrupts import handle_sigterm, terminated
from ._logging import configure_logging
from ._messages import shorten_long_words
from ._mock import mock_server
from ._output import error_json, print_json
from ._session import PROG_NAME, GlobalOptions

ALLOW_INSECURE_HTTP_ENV = "ANYAPI_ALLOW_INSECURE_HTTP"

if TYPE_CHECKING:
    from collections.abc import Sequence


class _Group(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # No command at all is a usage error: the help on stderr, exit 2. Click 8.2+ does
        # this itself; 8.1 printed the help on stdout and exited 0, as if it had worked.
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            click.echo(ctx.get_help(), err=True, color=ctx.color)
            ctx.exit(USAGE)
        return super().parse_args(ctx, args)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.option(
    "--api-key",
    envvar=API_KEY_ENV,
    show_envvar=True,
    metavar="KEY",
    help="Your AnyAPI key (never printed or logged).",
)
@click.option(
    "--base-url",
    envvar=BASE_URL_ENV,
    show_envvar=True,
    metavar="URL",
    help=f"The gateway to use [default: {DEFAULT_BASE_URL}].",
)
@click.option(
    "--allow-insecure-http",
    is_flag=True,
    envvar=ALLOW_INSECURE_HTTP_ENV,
    show_envvar=True,
    help="Allow a plain-http --base-url on another host (the key is sent unencrypted).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug log on stderr, the key redacted.")
@click.version_option(package_name="anyapi-sora", prog_name=PROG_NAME)
@click.pass_context
def cli(
    ctx: click.Context,
    api_key: str | None,
    base_url: str | None,
    allow_insecure_http: bool,
    verbose: bool,
) -> None:
    """Create AI videos (Sora-2 and friends) through AnyAPI's unified video format.

    \b
    Try it without a key, against a built-in mock server:
      anyapi-sora generate "a corgi surfing" --mock --out demo.mp4

    Progress and logs go to stderr; results (a path, an id, or JSON with --json)
    go to stdout.
    """
    options = GlobalOptions(
        api_key=api_key,
        base_url=base_url,
        verbose=verbose,
        allow_insecure_http=allow_insecure_http,
    )
    configure_logging(verbose=verbose, redact=options.redact)
    ctx.obj = options


for command in (generate, create, status, wait, download, batch, mock_server):
    cli.add_command(command)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    restore_sigterm = handle_sigterm()
    try:
        code = _run(args)
    finally:
        restore_sigterm()
    if code == INTERRUPTED and terminated():
        return TERMINATED
    return code


def _run(args: list[str]) -> int:
    try:
        result = cli.main(args=args, prog_name=PROG_NAME, standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        # Ctrl-C outside a command's own handling (e.g. while parsing).
        click.echo("Terminated." if terminated() else "Interrupted.", err=True)
        return INTERRUPTED
    except click.ClickException as exc:
        # Click echoes bad values whole: a pasted blob or a 5,000-digit number is cut short.
        shown = io.StringIO()
        exc.show(file=shown)
        click.echo(shorten_long_words(shown.getvalue()), err=True, nl=False)
        if _wants_json(args):
            message = shorten_long_words(exc.format_message())
            print_json(error_json(exc, message, exc.exit_code))
        return exc.exit_code
    except CommandError as exc:
        click.echo(f"Error: {exc}", err=True)
        if _wants_json(args):
            print_json(error_json(exc, str(exc), exc.exit_code))
        return exc.exit_code
    except Exception as exc:
        # A bug: say so in one line; --verbose shows where.
        if "-v" in args or "--verbose" in args:
            traceback.print_exc()
        click.echo(f"Error: unexpected {type(exc).__name__}: {exc}", err=True)
        return FAILED
    if result is None:
        return OK
    return result if isinstance(result, int) else OK


def _wants_json(args: list[str]) -> bool:
    """--json among the options (not after `--`, where it would be a prompt)."""
    options = args[: args.index("--")] if "--" in args else args
    return "--json" in options
