"""`python -m anyapi_sora.testing`: run the mock gateway until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING

from ._dialects import DIALECTS, MIXED
from ._server import DEFAULT_API_KEY, MockServer
from ._task_bodies import ResponseStyle

if TYPE_CHECKING:
    from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m anyapi_sora.testing",
        description="Run a mock AnyAPI video gateway on this machine.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--queue-seconds", type=float, default=1.0)
    parser.add_argument("--processing-seconds", type=float, default=3.0)
    parser.add_argument(
        "--url-ttl-seconds", type=float, default=3600.0, help="lifetime of file URLs"
    )
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--large-video-bytes", type=int, default=None, help="serve a generated body this large"
    )
    parser.add_argument(
        "--dialect",
        choices=[MIXED, *DIALECTS],
        default=MIXED,
        help="the gateway dialect to answer in; mixed: each task the next one in turn",
    )
    parser.add_argument(
        "--style",
        choices=[style.value for style in ResponseStyle],
        default="mixed",
        help="the unified body variant of the anyapi dialect's tasks",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(message)s",
    )
    done = threading.Event()
    # SIGTERM (from a test harness or `kill`) should stop as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    server = MockServer(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        queue_seconds=args.queue_seconds,
        processing_seconds=args.processing_seconds,
        url_ttl_seconds=args.url_ttl_seconds,
        fail_rate=args.fail_rate,
        seed=args.seed,
        large_video_bytes=args.large_video_bytes,
        response_style=ResponseStyle(args.style),
        dialect=args.dialect,
        # A long-running server must not grow without bound.
        max_recorded_requests=10_000,
    )
    with server:
        print(f"Mock AnyAPI server running at {server.base_url}", flush=True)
        print(f"Dialect: {server.dialect}", flush=True)
        for name, value in server.env.items():
            print(f"{name}={value}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        try:
            while not done.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("Stopped.", file=sys.stderr, flush=True)
    return 0
