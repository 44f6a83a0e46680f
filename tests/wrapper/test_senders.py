"""`_senders`: each request of a paced client waits for its turn, and only as long as it may.

The fleet tests (test_fleet.py) show the pacing at scale; these show each rule on one
client, sync and async, on the harness's fake clock (sleeping moves it on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from anyapi_sora import TaskNotCreatedError, WaitTimeoutError
from client_harness import TASK_ID, Harness, json_reply, task_reply
from vendor_fixtures import load_fixture

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

NO_TASK = {"id": "", "status": "error", "error": "upstream saturated"}


class Arrivals:
    """Replies that note the route and the fake time at which each request arrived."""

    def __init__(self, api: Harness) -> None:
        self.api = api
        self.start = api.clock.monotonic()
        self.seen: list[tuple[str, float]] = []

    def at(self, reply: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
        def answer(request: httpx.Request) -> httpx.Response:
            route = request.url.path.rsplit("/", 1)[-1]
            self.seen.append((route, self.api.clock.monotonic() - self.start))
            return reply

        return answer


def test_a_refused_creates_retry_after_holds_the_next_create_not_queries(api: Harness) -> None:
    client = api.make_client(max_retries=0)
    videos = api.videos_of(client)
    arrivals = Arrivals(api)
    api.gateway.create.queue(
        arrivals.at(json_reply(NO_TASK, 429, {"Retry-After": "30"})),
        arrivals.at(json_reply(load_fixture("create-200.json"))),
    )
    api.gateway.query.queue(arrivals.at(task_reply("processing")))
    with pytest.raises(TaskNotCreatedError):
        videos.create("a corgi surfing")
    # The refusal taught the create window that the gateway had room for no more tasks
    # than were running (none: at least one may go).
    window = client._sender.pacer.creates
    assert (window.refused, window.limit, window._in_flight) == (1, 1.0, 0)
    videos.retrieve(TASK_ID)  # the gateway had no room for a task; a query is fine
    videos.create("a corgi surfing")
    assert arrivals.seen == [("create", 0.0), ("query", 0.0), ("create", 30.0)]


def test_requests_keep_to_the_rate_the_client_is_told(api: Harness) -> None:
    videos = api.videos_of(api.make_client(max_requests_per_second=2))
    arrivals = Arrivals(api)
    api.gateway.query.queue(*(arrivals.at(task_reply("processing")) for _ in range(3)))
    for _ in range(3):
        videos.retrieve(TASK_ID)
    assert arrivals.seen == [("query", 0.0), ("query", 0.5), ("query", 1.0)]


def test_a_wait_held_by_a_retry_after_ends_at_its_deadline(api: Harness) -> None:
    # A 429 asks for 300 s; the wait has 20: it waits for its turn no longer than it has.
    arrivals = Arrivals(api)
    api.gateway.query.queue(arrivals.at(json_reply(NO_TASK, 429, {"Retry-After": "300"})))
    api.gateway.query.always(arrivals.at(task_reply("processing")))
    with pytest.raises(WaitTimeoutError):
        api.videos.wait(TASK_ID, timeout=20)
    assert api.clock.monotonic() - arrivals.start <= 20.0
    assert all(at <= 20.0 for _, at in arrivals.seen)
