"""A fleet against a saturated gateway: N prompts, a gateway that runs C tasks at once and
takes R requests a second, each task T seconds long.

The sides, each against a fresh MockServer in a process of its own:

- anyapi-sora, the async fan-out with the defaults: `asyncio.gather` of one
  `generate()` per prompt, no semaphore, every client option at its default;
- anyapi-sora, `anyapi-sora batch FILE --concurrency 64` (in this process, its output
  to a tmpfs folder when there is one);
- by hand: what users write, `asyncio.gather` of create-then-poll-every-5-s loops on one
  `httpx.AsyncClient` under a semaphore (concurrency 64, and 16: one who knows the
  gateway's capacity), a refused create tried again 5 s later;
- the ideal makespan: N / C * T.

Time scale: tasks last a realistic minute and the library polls with its real defaults
(first poll after 5 s, then every 10 s), so a run would take many minutes. Client and
server run on one ScaledClock instead, `SPEED` times faster than the wall clock: task
times, intervals, backoffs, Retry-After and the gateway's rate limit all keep their values
in clock seconds. A request's real latency (~1-3 ms on loopback) becomes SPEED times that
in clock seconds, a fraction of a second next to 60 s tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from anyapi_sora import AsyncAnyAPI
from anyapi_sora.testing import ScaledClock
from benchlib import RemoteServer, Row

CAPACITY = 16
RATE = 20.0
QUEUE_SECONDS = 5.0
PROCESSING_SECONDS = 55.0
TASK_SECONDS = QUEUE_SECONDS + PROCESSING_SECONDS
BY_HAND_POLL = 5.0
CREATE_BODY = {
    "images": [],
    "model": "sora-2",
    "orientation": "portrait",
    "size": "small",
    "duration": 10,
    "watermark": True,
    "private": False,
}


@dataclass
class Outcome:
    makespan: float
    requests: int
    refused: int
    queries: int
    created: int


def gateway(speed: float) -> RemoteServer:
    return RemoteServer(
        speed=speed,
        queue_seconds=QUEUE_SECONDS,
        processing_seconds=PROCESSING_SECONDS,
        max_active_tasks=CAPACITY,
        rate_limits=[{"per_second": RATE, "burst": 20, "route": "api"}],
        dialect="anyapi",
    )


def measured(server: RemoteServer, makespan: float) -> Outcome:
    stats = server.stats()
    assert stats.internal_errors == 0
    requests = stats.routes["create"] + stats.routes["query"]
    return Outcome(makespan, requests, stats.refused, stats.routes["query"], stats.create_count)


async def library_fan_out(server: RemoteServer, clock: ScaledClock, prompts: int) -> float:
    async with AsyncAnyAPI(server.api_key, base_url=server.base_url, clock=clock) as client:
        started = clock.monotonic()
        tasks = await asyncio.gather(*(client.videos.generate(f"clip {n}") for n in range(prompts)))
        assert all(task.succeeded for task in tasks)
        return clock.monotonic() - started


def library_batch(server: RemoteServer, clock: ScaledClock, prompts: int) -> float:
    from anyapi_sora.cli import _app, _session

    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else None))
    try:
        (root / "prompts.txt").write_text("".join(f"clip {n}\n" for n in range(prompts)))
        patched = functools.partial(AsyncAnyAPI, clock=clock)
        here = Path.cwd()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            original, _session.AsyncAnyAPI = _session.AsyncAnyAPI, patched  # type: ignore[misc]
            os.chdir(root)
            try:
                started = clock.monotonic()
                code = _app.run(
                    [
                        *("--api-key", server.api_key, "--base-url", server.base_url),
                        *("batch", "prompts.txt", "--out-dir", "out", "--concurrency", "64"),
                    ]
                )
                elapsed = clock.monotonic() - started
            finally:
                os.chdir(here)
                _session.AsyncAnyAPI = original  # type: ignore[misc]
        assert code == 0, code
        return elapsed
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def by_hand(
    server: RemoteServer, clock: ScaledClock, prompts: int, concurrency: int
) -> float:
    limit = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {server.api_key}"}

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds / clock.speed)

    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=60) as http:

        async def one(n: int) -> None:
            async with limit:
                while True:  # a refused create (429, or no id) is tried again 5 s later
                    response = await http.post(
                        "/v1/video/create", json={**CREATE_BODY, "prompt": f"clip {n}"}
                    )
                    task_id = response.json().get("id") if response.status_code < 500 else None
                    if response.status_code == 200 and task_id:
                        break
                    await sleep(BY_HAND_POLL)
                while True:
                    await sleep(BY_HAND_POLL)
                    response = await http.get("/v1/video/query", params={"id": task_id})
                    if response.status_code == 429:
                        continue
                    response.raise_for_status()
                    if response.json()["status"] in ("completed", "failed"):
                        return

        started = clock.monotonic()
        await asyncio.gather(*(one(n) for n in range(prompts)))
        return clock.monotonic() - started


def one_run(side: str, prompts: int, speed: float) -> Outcome:
    clock = ScaledClock(speed)
    with gateway(speed) as server:
        if side == "fan-out":
            makespan = asyncio.run(library_fan_out(server, clock, prompts))
        elif side == "batch":
            makespan = library_batch(server, clock, prompts)
        else:
            concurrency = int(side.removeprefix("by hand x"))
            makespan = asyncio.run(by_hand(server, clock, prompts, concurrency))
        outcome = measured(server, makespan)
    assert outcome.created == prompts, (side, outcome)
    return outcome


def run(*, quick: bool = False) -> list[Row]:
    # The library logs each refused create it retries as a WARNING: not the point here.
    logging.getLogger("anyapi_sora").setLevel(logging.ERROR)
    prompts, speed = (48, 40.0) if quick else (200, 40.0)
    ideal = prompts / CAPACITY * TASK_SECONDS
    rows = []
    for number, side in enumerate(("fan-out", "batch", "by hand x64", "by hand x16")):
        outcome = one_run(side, prompts, speed)
        ratio = outcome.makespan / ideal
        share = outcome.refused / outcome.requests
        per_task = outcome.queries / prompts
        name = {
            "fan-out": "anyapi-sora: gather(generate() x N), defaults",
            "batch": "anyapi-sora: batch --concurrency 64",
        }.get(side, f"{side.replace('x', 'concurrency ')}: create, poll every 5 s")
        rows.append(
            Row(
                name=f"6{'abcd'[number]}. fleet, {name}",
                wrapper=(
                    f"makespan {outcome.makespan:.0f} s = {ratio:.2f} x ideal; "
                    f"429s {share:.1%} of {outcome.requests}; {per_task:.1f} queries/task"
                ),
                baseline=f"ideal {ideal:.0f} s",
                ratio=ratio,
                goal="<= 1.15, 429s <= 2 %, <= 7 q/task",
                met=(ratio <= 1.15 and share <= 0.02 and per_task <= 7.5)
                if side in ("fan-out", "batch")
                else None,
                notes=[
                    f"{prompts} prompts, gateway: {CAPACITY} tasks at once, {RATE:g} requests/s "
                    f"(burst 20), tasks of {TASK_SECONDS:g} s; clock x{speed:g}; "
                    f"{outcome.refused} refused of {outcome.requests} requests"
                ],
            )
        )
    return rows


if __name__ == "__main__":
    from benchlib import render

    os.environ.pop("ANYAPI_SORA_TESTING", None)
    print(render(run(quick=True)))
