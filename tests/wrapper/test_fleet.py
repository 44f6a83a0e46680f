"""Fleets on one client against a gateway with limits: the pacer keeps within them.

Client and MockServer share a virtual clock that moves only when every worker is idle
(tests/virtual_time.py), so minutes of polling run in seconds, a burst arrives at the
server at one instant, and nothing here depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

import anyio
import pytest
from anyapi_sora import AnyAPI, AsyncAnyAPI
from anyapi_sora.testing import Fault, MockServer, RateLimit
from virtual_time import VirtualClock

if TYPE_CHECKING:
    from anyapi_sora.testing import RecordedRequest

pytestmark = [pytest.mark.usefixtures("no_env"), pytest.mark.timeout(120)]


def worst_excess(requests: list[RecordedRequest], per_second: float) -> float:
    """The most requests in any span of time beyond `per_second` times its length (a
    token bucket of that rate admits them all iff this is at most its burst)."""
    times = sorted(request.at for request in requests)
    best_start = -float("inf")  # max over i of (rate * t_i - i)
    worst = 0.0
    for j, t in enumerate(times):
        best_start = max(best_start, per_second * t - j)
        worst = max(worst, (j + 1) - per_second * t + best_start)
    return worst


async def fleet_of_waits(
    server: MockServer, clock: VirtualClock, count: int, **options: object
) -> AsyncAnyAPI:
    client = AsyncAnyAPI(server.api_key, base_url=server.base_url, clock=clock, **options)  # type: ignore[arg-type]

    async def create_and_wait(n: int) -> object:
        return await client.videos.wait(await client.videos.create(f"clip {n}"))

    async with client:
        pacer = client._sender.pacer
        idle = (lambda: len(pacer.creates._waiters)) if pacer is not None else (lambda: 0)
        results = await clock.run([create_and_wait(n) for n in range(count)], also_idle=idle)
    assert all(getattr(result, "succeeded", False) for result in results), results[:3]
    return client


def run_fleet(server: MockServer, clock: VirtualClock, count: int, **options: object) -> None:
    asyncio.run(fleet_of_waits(server, clock, count, **options))


WAITS = 500
# The rate-learning tests need no more than this to show what they show.
SMALLER_FLEET = 200


@pytest.mark.slow
def test_500_waits_stay_within_a_rate_limit_above_their_demand() -> None:
    # 500 tasks polled every ~10 s want 50 polls a second; the gateway takes 100 a second
    # with a burst of 5. Polled each on its own clock, all 500 first polls would come due
    # at once, 5 s after their creates.
    clock = VirtualClock()
    limit = RateLimit(per_second=100, burst=5, route="query")
    with MockServer(
        clock=clock, queue_seconds=5, processing_seconds=4, rate_limits=limit, dialect="anyapi"
    ) as server:
        run_fleet(server, clock, WAITS)
        queries = server.requests_to("query")

    assert server.refusal_count == 0
    assert worst_excess(queries, limit.per_second) <= limit.burst + 1e-6
    # One per task per interval: done at 9 s, polled at about 5 and 15 s (the lane takes
    # 7.5 s for a round of 500, so the last ones first poll late, at 12.5 s, and once more).
    assert len(queries) <= WAITS * 3


@pytest.mark.slow
def test_without_pacing_such_a_fleet_meets_the_limit_as_a_storm() -> None:
    # A fleet like the one above (smaller, to be quick) with pacing turned off: the test
    # above does not pass by chance.
    clock = VirtualClock()
    limit = RateLimit(per_second=100, burst=5, route="query")
    with MockServer(
        clock=clock, queue_seconds=5, processing_seconds=4, rate_limits=limit, dialect="anyapi"
    ) as server:
        run_fleet(server, clock, 100, pacing=False)

    assert server.refusal_count > 50


@pytest.mark.slow
def test_200_waits_keep_to_a_rate_the_client_is_told() -> None:
    # The gateway takes 8 queries a second, less than the fleet wants: told so, the
    # client is never refused, and its polls stretch out instead.
    clock = VirtualClock()
    limit = RateLimit(per_second=8, burst=1, route="query")
    with MockServer(
        clock=clock, queue_seconds=5, processing_seconds=4, rate_limits=limit, dialect="anyapi"
    ) as server:
        run_fleet(server, clock, SMALLER_FLEET, max_requests_per_second=8)
        queries = server.requests_to("query")

    assert server.refusal_count == 0
    assert worst_excess(queries, limit.per_second) <= limit.burst + 1e-6


@pytest.mark.slow
def test_200_waits_learn_a_rate_they_are_not_told() -> None:
    clock = VirtualClock()
    limit = RateLimit(per_second=8, burst=4, route="query")
    with MockServer(
        clock=clock, queue_seconds=5, processing_seconds=4, rate_limits=limit, dialect="anyapi"
    ) as server:
        run_fleet(server, clock, SMALLER_FLEET)
        queries = len(server.requests_to("query"))

    # A few refusals teach it the rate; then it keeps under it.
    assert server.refusal_count <= 0.05 * queries


# --------------------------------------------------------------------------- creates


CAPACITY = 4
TASKS = 40


@pytest.mark.parametrize("refuse_with", [Fault.rate_limited(), Fault.saturated(500)])
def test_a_fan_out_of_generates_fills_the_gateway_without_a_storm(refuse_with: Fault) -> None:
    # 40 generate() calls at once against a gateway that runs 4 tasks at once: every
    # call ends with its task, and the creates it refuses are a few, not one per slot
    # per retry.
    clock = VirtualClock()
    with MockServer(
        clock=clock,
        queue_seconds=10,
        processing_seconds=50,
        max_active_tasks=CAPACITY,
        refuse_with=refuse_with,
        dialect="anyapi",
    ) as server:

        async def main() -> AsyncAnyAPI:
            client = AsyncAnyAPI(server.api_key, base_url=server.base_url, clock=clock)
            async with client:
                pacer = client._sender.pacer
                assert pacer is not None
                calls = [client.videos.generate(f"clip {n}") for n in range(TASKS)]
                results = await clock.run(calls, also_idle=lambda: len(pacer.creates._waiters))
                assert all(result.succeeded for result in results), results[:3]
                assert pacer.creates.learnt <= CAPACITY  # what its refusals taught it
            return client

        asyncio.run(main())

    assert server.create_count == TASKS
    refused = server.refusals[("create", "active_tasks")]
    assert refused <= 3 * CAPACITY  # the first overshoot and a few probes


def test_threads_of_a_sync_client_share_the_create_window() -> None:
    with MockServer(
        queue_seconds=0, processing_seconds=0.3, max_active_tasks=2, dialect="anyapi"
    ) as server:
        client = AnyAPI(server.api_key, base_url=server.base_url)
        errors: list[BaseException] = []

        def one(n: int) -> None:
            try:
                client.videos.generate(f"clip {n}", poll_interval=0.05)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(n,)) for n in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        client.close()

    assert errors == []  # with each create on its own, most would run out of retries
    assert server.create_count == 10
    assert server.refusals[("create", "active_tasks")] < 10


def test_under_trio_a_fan_out_fills_the_gateway() -> None:
    with MockServer(
        queue_seconds=0, processing_seconds=0.3, max_active_tasks=2, dialect="anyapi"
    ) as server:

        async def main() -> None:
            client = AsyncAnyAPI(server.api_key, base_url=server.base_url)
            async with client, anyio.create_task_group() as group:
                for n in range(10):
                    group.start_soon(
                        lambda n=n: client.videos.generate(f"c{n}", poll_interval=0.05)
                    )

        anyio.run(main, backend="trio")

    assert server.create_count == 10  # every call ended with its task
    assert server.refusals[("create", "active_tasks")] < 10
