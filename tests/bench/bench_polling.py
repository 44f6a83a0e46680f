"""Polling under default settings: requests made and how late completion is noticed.

A task that finishes T seconds after create is waited for with `wait()`'s defaults (first
poll after ~5 s, then every ~10 s +-20 % jitter). Time is a fake clock shared by the client
and the MockServer, moved only by the client's sleeps, so minutes pass in milliseconds and
real request latency plays no part. The jitter is random, so each T is run many times.
"""

from __future__ import annotations

import random
import statistics

from anyapi_sora import AnyAPI
from anyapi_sora.testing import MockServer
from benchlib import Row

QUEUE_SECONDS = 10.0


class FakeClock:
    """Monotonic time that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def one_wait(finish_after: float, seed: int) -> tuple[int, float]:
    """Queries made and seconds between completion and its detection, for one task."""
    random.seed(seed)  # the client's poll jitter
    clock = FakeClock()
    with MockServer(
        queue_seconds=QUEUE_SECONDS,
        processing_seconds=finish_after - QUEUE_SECONDS,
        clock=clock.monotonic,
        seed=seed,
    ) as server:
        with AnyAPI(api_key=server.api_key, base_url=server.base_url, clock=clock) as client:
            task = client.videos.create("a slow render")
            done_at = clock.now + finish_after
            task = client.videos.wait(task)
        assert task.succeeded
        assert server.internal_errors == []
        return len(server.requests_to("query")), clock.now - done_at


def run(*, quick: bool = False) -> list[Row]:
    trials = 10 if quick else 50
    rows = []
    for finish_after in (60.0, 300.0):
        results = [one_wait(finish_after, seed) for seed in range(trials)]
        polls = [count for count, _ in results]
        delays = [delay for _, delay in results]
        rows.append(
            Row(
                name=f"5. wait(), task done at T={finish_after:.0f} s ({trials} runs)",
                wrapper=(
                    f"{statistics.median(polls):.0f} queries ({min(polls)}..{max(polls)}), "
                    f"noticed +{statistics.median(delays):.1f} s (max +{max(delays):.1f} s)"
                ),
                baseline="-",
                ratio=None,
                goal="(report)",
                met=None,
                notes=[
                    f"T={finish_after:.0f} s: mean {statistics.mean(polls):.1f} queries, "
                    f"delay mean {statistics.mean(delays):.1f} s, "
                    f"p90 {statistics.quantiles(delays, n=10)[-1]:.1f} s; defaults: first poll "
                    "after 5 s, then 10 s +-20 %"
                ],
            )
        )
    return rows


if __name__ == "__main__":
    from benchlib import render

    print(render(run()))
