"""The single call, measured strictly: `retrieve()` against `httpx.Client.get()` + `.json()`
on a minimal loopback server that answers every request with one fixed task body.

The server is the stdlib's `http.server` with Nagle's algorithm off, in a process of its
own, doing nothing per request but write the body: unlike MockServer, its time does not
dilute the ratio. Both wall time and this (the client's) process's CPU time are compared,
in alternating rounds, over keep-alive connections.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx
from anyapi_sora import AnyAPI
from benchlib import Row, median, spread

if TYPE_CHECKING:
    from collections.abc import Callable

TASK_ID = "sora-2:task_01k9008rhbefnt3rb1g9szxdwr"
BODY = json.dumps(
    {
        "id": TASK_ID,
        "status": "completed",
        "progress": 100,
        "status_update_time": 1762010621323,
        "video_url": "https://files.example/v/task_01k9008rhbefnt3rb1g9szxdwr.mp4?sig=x",
    }
).encode()


class FixedBody(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FixedBody)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def timed(call: Callable[[], object], calls: int) -> tuple[float, float]:
    """Wall and client-CPU seconds per call."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        call()
    return (time.perf_counter() - wall) / calls, (time.process_time() - cpu) / calls


def run(*, quick: bool = False) -> list[Row]:
    calls, rounds = (300, 7) if quick else (1000, 21)
    process = subprocess.Popen(
        [sys.executable, __file__, "serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        base = f"http://127.0.0.1:{process.stdout.readline().strip()}"
        with (
            AnyAPI(api_key="sk-bench", base_url=base) as client,
            httpx.Client(base_url=base) as raw,
        ):
            headers = {"Authorization": "Bearer sk-bench"}

            def ours() -> object:
                return client.videos.retrieve(TASK_ID)

            def theirs() -> object:
                response = raw.get("/v1/video/query", params={"id": TASK_ID}, headers=headers)
                response.raise_for_status()
                return response.json()

            for _ in range(200):
                ours()
                theirs()
            results: dict[str, list[tuple[float, float]]] = {"ours": [], "theirs": []}
            for n in range(rounds):
                order = (
                    (("theirs", theirs), ("ours", ours))
                    if n % 2
                    else (("ours", ours), ("theirs", theirs))
                )
                for name, call in order:
                    results[name].append(timed(call, calls))
    finally:
        process.kill()
        process.wait()
    wall = median([w for w, _ in results["ours"]]) / median([w for w, _ in results["theirs"]])
    cpu = median([c for _, c in results["ours"]]) / median([c for _, c in results["theirs"]])
    per_round = [a[0] / b[0] for a, b in zip(results["ours"], results["theirs"], strict=True)]
    ours_us = median([w for w, _ in results["ours"]]) * 1e6
    theirs_us = median([w for w, _ in results["theirs"]]) * 1e6
    ours_cpu = median([c for _, c in results["ours"]]) * 1e6
    theirs_cpu = median([c for _, c in results["theirs"]]) * 1e6
    return [
        Row(
            name=f"7a. strict: retrieve() wall time ({calls} x {rounds} rounds)",
            wrapper=f"{ours_us:.0f} us",
            baseline=f"{theirs_us:.0f} us",
            ratio=wall,
            goal="<= 1.05",
            met=wall <= 1.05,
            notes=[
                f"minimal stdlib server in its own process; per-round ratios {spread(per_round)}"
            ],
        ),
        Row(
            name="7b. strict: retrieve() client CPU",
            wrapper=f"{ours_cpu:.0f} us",
            baseline=f"{theirs_cpu:.0f} us",
            ratio=cpu,
            goal="<= 1.05",
            met=cpu <= 1.05,
        ),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve()
    else:
        from benchlib import render

        print(render(run(quick="--quick" in sys.argv)))
