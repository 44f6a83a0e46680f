"""The single call, measured strictly: `retrieve()` against `httpx.Client.get()` + `.json()`
on a minimal loopback server that answers every request with one fixed task body.

The server is the stdlib's `http.server` with Nagle's algorithm off, in a process of its
own, doing nothing per request but write the body: unlike MockServer, its time does not
dilute the ratio. Both wall time and this (the client's) process's CPU time are compared
over keep-alive connections.

How: pairs of short blocks (50 calls of each side, ~50-100 ms), the order alternating
from pair to pair, and the ratio is the median of the pairs' ratios. A call is ~1 ms here
and the machine's own noise comes in spells of a second or more (rounds of 1,000 calls
gave per-round ratios of 0.7-1.6 on an idle machine): within a pair, both sides meet the
same spell, so it cancels instead of landing on one side. With two CPUs or more, the
client and the server are pinned to different ones, so neither waits for the other's CPU
and neither migrates mid-block.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx
from anyapi_sora import AnyAPI
from benchlib import Row, median

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


def pin(cpu: int) -> None:
    """Keep this process on one CPU (when the platform lets it and has two or more)."""
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[cpu]})


def serve() -> None:
    pin(1)
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
    block, pairs = (50, 100) if quick else (50, 400)
    process = subprocess.Popen(
        [sys.executable, __file__, "serve"], stdout=subprocess.PIPE, text=True
    )
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        assert process.stdout is not None
        base = f"http://127.0.0.1:{process.stdout.readline().strip()}"
        pin(0)
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

            for _ in range(300):
                ours()
                theirs()
            results: dict[str, list[tuple[float, float]]] = {"ours": [], "theirs": []}
            for n in range(pairs):
                order = (
                    (("theirs", theirs), ("ours", ours))
                    if n % 2
                    else (("ours", ours), ("theirs", theirs))
                )
                for name, call in order:
                    results[name].append(timed(call, block))
    finally:
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
        process.kill()
        process.wait()
    pairs_of = list(zip(results["ours"], results["theirs"], strict=True))
    wall_ratios = [a[0] / b[0] for a, b in pairs_of]
    cpu_ratios = [a[1] / b[1] for a, b in pairs_of if b[1] > 0]
    wall, cpu = median(wall_ratios), median(cpu_ratios)
    ours_us = median([w for w, _ in results["ours"]]) * 1e6
    theirs_us = median([w for w, _ in results["theirs"]]) * 1e6
    ours_cpu = median([c for _, c in results["ours"]]) * 1e6
    theirs_cpu = median([c for _, c in results["theirs"]]) * 1e6
    pinned = (
        "client and server on CPUs of their own"
        if affinity and len(affinity) >= 2
        else ("not pinned (one CPU)")
    )
    return [
        Row(
            name=f"7a. strict: retrieve() wall time ({pairs} pairs of {block}-call blocks)",
            wrapper=f"{ours_us:.0f} us",
            baseline=f"{theirs_us:.0f} us",
            ratio=wall,
            goal="<= 1.05",
            met=wall <= 1.05,
            notes=[
                f"minimal stdlib server in its own process, {pinned}; ratio: median of the "
                f"pairs' ratios (middle half {quartiles(wall_ratios)})"
            ],
        ),
        Row(
            name="7b. strict: retrieve() client CPU",
            wrapper=f"{ours_cpu:.0f} us",
            baseline=f"{theirs_cpu:.0f} us",
            ratio=cpu,
            goal="<= 1.05",
            met=cpu <= 1.05,
            notes=[f"median of the pairs' ratios (middle half {quartiles(cpu_ratios)})"],
        ),
    ]


def quartiles(values: list[float]) -> str:
    """The middle half of the pairs' ratios: how far one pair may stray from the median."""
    first, _, third = statistics.quantiles(values, n=4)
    return f"{first:.3f}..{third:.3f}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve()
    else:
        from benchlib import render

        print(render(run(quick="--quick" in sys.argv)))
