"""The bundled mock gateway: `--mock` (inside a command) and the `mock-server` command."""

from __future__ import annotations

import secrets
import signal
import threading
from typing import TYPE_CHECKING

import click

from ._exit_codes import OK, UsageProblem
from ._options import json_option
from ._output import print_json, print_text

if TYPE_CHECKING:
    from types import FrameType

    from ..testing import MockServer

# Fast enough for a demo in a few seconds, slow enough to show the progress bar move.
MOCK_QUEUE_SECONDS = 0.5
MOCK_PROCESSING_SECONDS = 2.0
MOCK_POLL_INTERVAL = 0.25


def start_mock_server(seed: int | None = None) -> MockServer:
    """A MockServer with the demo timeline, not yet started (use it as a context manager).

    Seeded at random unless told otherwise: with a fixed seed every run would hand out the
    same task ids, and an id from one run would seem to name a task of another.
    """
    # Imported here: only --mock and mock-server need the mock.
    from ..testing import MockServer

    return MockServer(
        queue_seconds=MOCK_QUEUE_SECONDS,
        processing_seconds=MOCK_PROCESSING_SECONDS,
        seed=secrets.randbits(64) if seed is None else seed,
    )


@click.command("mock-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="0: any free port.",
)
@click.option("--key", metavar="KEY", help="The API key it accepts [default: a fixed mock key].")
@click.option("--queue-seconds", type=click.FloatRange(min=0), default=1.0, show_default=True)
@click.option("--processing-seconds", type=click.FloatRange(min=0), default=3.0, show_default=True)
@click.option(
    "--fail-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="The fraction of tasks that end as failed.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--dialect",
    # Spelled out so --help does not import the mock; a test keeps it equal to DIALECTS.
    type=click.Choice(
        [
            "mixed",
            "anyapi",
            "anyapi-detail",
            "openai-video",
            "newapi-task",
            "veo-upsample",
            "newapi-video",
            "yunwu",
        ]
    ),
    default="mixed",
    show_default=True,
    help="The gateway dialect it answers in; mixed: each new task the next one in turn.",
)
@json_option
def mock_server(
    host: str,
    port: int,
    key: str | None,
    queue_seconds: float,
    processing_seconds: float,
    fail_rate: float,
    seed: int,
    dialect: str,
    as_json: bool,
) -> int:
    """Run the bundled mock AnyAPI gateway in the foreground until Ctrl-C.

    Prints its URL and API key. Prompts containing FAIL end as failed; prompts
    containing REJECT are refused at create. Its videos are a real bundled MP4.
    --dialect picks the ids, status words, fields and error bodies of one kind
    of real gateway.
    """
    from ..testing import DEFAULT_API_KEY, MockServer

    server = MockServer(
        host=host,
        port=port,
        api_key=key or DEFAULT_API_KEY,
        queue_seconds=queue_seconds,
        processing_seconds=processing_seconds,
        fail_rate=fail_rate,
        seed=seed,
        dialect=dialect,
        # A server left running for days must not grow without bound.
        max_recorded_requests=10_000,
    )
    stop = threading.Event()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        server.start()
    except OSError as exc:
        raise UsageProblem(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        if as_json:
            print_json({"base_url": server.base_url, "api_key": server.api_key, "dialect": dialect})
        else:
            print_text(f"Mock AnyAPI server running at {server.base_url}")
            print_text(f"API key: {server.api_key}")
            print_text("Point anyapi-sora (or the library) at it:")
            for name, value in server.env.items():
                print_text(f"  export {name}={value}")
            print_text(f"Gateway dialect: {dialect}")
            print_text("Press Ctrl-C to stop.")
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass  # the normal way to stop it
    finally:
        server.stop()
    click.echo("mock server stopped", err=True)
    return OK
