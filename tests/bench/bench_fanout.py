"""Async fan-out: N tasks, each created then waited for, 64 at a time.

`AsyncAnyAPI` (`videos.create` then `videos.wait`) against a hand-written
`httpx.AsyncClient` loop making the same requests: POST create, sleep the same poll
interval, GET query until the task is completed. Tasks finish at once (processing time 0),
so each task costs one create and one query on both sides; the request counts the server
saw are printed to show it. Both sides use httpx's default connection limits, as a user
who writes either would. Each run gets a fresh MockServer in a process of its own; runs
alternate sides. Besides wall time, the CPU time of this (the client's) process is
reported: the server, not the client, limits the rate, and CPU time shows what each
client costs with less noise from the machine's other work.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx
from anyapi_sora import AsyncAnyAPI
from benchlib import RemoteServer, Row, median, spread

if TYPE_CHECKING:
    from collections import Counter

CONCURRENCY = 64
# Both sides sleep this long before each poll: short, so that the clients' work dominates.
POLL_INTERVAL = 0.001
CREATE_BODY = {
    "images": [],
    "model": "sora-2",
    "orientation": "portrait",
    "size": "small",
    "duration": 10,
    "watermark": True,
    "private": False,
}


async def with_library(server: RemoteServer, tasks: int) -> None:
    limit = asyncio.Semaphore(CONCURRENCY)
    async with AsyncAnyAPI(api_key=server.api_key, base_url=server.base_url) as client:

        async def one(n: int) -> None:
            async with limit:
                task = await client.videos.create(f"clip {n}")
                await client.videos.wait(task, poll_interval=POLL_INTERVAL)

        await asyncio.gather(*(one(n) for n in range(tasks)))


async def by_hand(server: RemoteServer, tasks: int) -> None:
    limit = asyncio.Semaphore(CONCURRENCY)
    headers = {"Authorization": f"Bearer {server.api_key}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers) as http:

        async def one(n: int) -> None:
            async with limit:
                response = await http.post(
                    "/v1/video/create", json={**CREATE_BODY, "prompt": f"clip {n}"}
                )
                response.raise_for_status()
                task_id = response.json()["id"]
                while True:
                    await asyncio.sleep(POLL_INTERVAL)
                    response = await http.get("/v1/video/query", params={"id": task_id})
                    response.raise_for_status()
                    status = response.json()["status"]
                    if status == "completed":
                        return
                    if status == "failed":
                        raise RuntimeError(f"task {task_id} failed")

        await asyncio.gather(*(one(n) for n in range(tasks)))


def timed(side: str, tasks: int) -> tuple[float, float, Counter[str]]:
    """Wall seconds, client CPU seconds, and the requests the server saw by route."""
    with RemoteServer(queue_seconds=0, processing_seconds=0, dialect="anyapi") as server:
        run = with_library if side == "library" else by_hand
        started, cpu_started = time.perf_counter(), time.process_time()
        asyncio.run(run(server, tasks))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        stats = server.stats()
    assert stats.internal_errors == 0
    assert stats.create_count == tasks
    return elapsed, cpu, stats.routes


def run(*, quick: bool = False) -> list[Row]:
    tasks, rounds = (200, 2) if quick else (1000, 7)
    timed("library", min(tasks, 100))  # warm up imports and code paths on both sides
    timed("baseline", min(tasks, 100))
    ours: list[float] = []
    theirs: list[float] = []
    cpu: dict[str, list[float]] = {"library": [], "baseline": []}
    counts: dict[str, Counter[str]] = {}
    for n in range(rounds):
        order = ("baseline", "library") if n % 2 else ("library", "baseline")
        for side in order:
            elapsed, cpu_seconds, routes = timed(side, tasks)
            (ours if side == "library" else theirs).append(elapsed)
            cpu[side].append(cpu_seconds)
            if counts.setdefault(side, routes) != routes:
                raise AssertionError(f"{side} made {routes} requests, before {counts[side]}")
    if counts["library"] != counts["baseline"]:
        raise AssertionError(f"the sides made different requests: {counts}")
    ratio = median(ours) / median(theirs)
    per_round = [a / b for a, b in zip(ours, theirs, strict=True)]
    requests = ", ".join(f"{count} {route}" for route, count in sorted(counts["library"].items()))
    return [
        Row(
            name=f"2. async fan-out, {tasks} tasks x{CONCURRENCY} ({rounds} rounds)",
            wrapper=f"{median(ours):.2f} s ({tasks / median(ours):.0f} tasks/s)",
            baseline=f"{median(theirs):.2f} s ({tasks / median(theirs):.0f} tasks/s)",
            ratio=ratio,
            goal="<= 1.25",
            met=ratio <= 1.25,
            notes=[
                f"requests per run, each side: {requests}; per-round ratios {spread(per_round)}",
                "seconds per run: library "
                + " ".join(f"{t:.2f}" for t in ours)
                + "; baseline "
                + " ".join(f"{t:.2f}" for t in theirs),
                f"client process CPU per task: {median(cpu['library']) / tasks * 1e6:.0f} us "
                f"vs {median(cpu['baseline']) / tasks * 1e6:.0f} us "
                f"(ratio {median(cpu['library']) / median(cpu['baseline']):.3f})",
            ],
        )
    ]


if __name__ == "__main__":
    from benchlib import render

    print(render(run()))
