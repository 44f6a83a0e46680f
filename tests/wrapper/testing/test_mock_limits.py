"""The gateway's limits: a request rate (token buckets) and a number of active tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from anyapi_sora.testing import DIALECTS, Fault, MockServer, RateLimit

if TYPE_CHECKING:
    from conftest import Connect, CreateBody, MakeServer


class Clock:
    """The server's clock, moved only by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def query(client: Any, task_id: str = "task_missing") -> Any:
    return client.get("/v1/video/query", params={"id": task_id})


def test_a_rate_limit_refuses_past_its_burst_then_refills(
    make_server: MakeServer, connect: Connect
) -> None:
    clock = Clock()
    server = make_server(clock=clock, rate_limits=RateLimit(per_second=2, burst=3))
    client = connect(server)

    statuses = [query(client).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 429, 429]  # 400: no such task, but admitted
    clock.now += 0.5  # one token back
    assert [query(client).status_code for _ in range(2)] == [400, 429]
    clock.now += 10  # full again, never above the burst
    assert [query(client).status_code for _ in range(4)] == [400, 400, 400, 429]

    assert server.refusals == {("query", "rate"): 4}
    refused = [request for request in server.requests if request.refused]
    assert [request.refused for request in refused] == ["rate"] * 4
    assert [request.at for request in server.requests][-1] == 110.5


def test_a_refused_request_does_nothing(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(clock=Clock(), rate_limits=RateLimit(per_second=1, burst=1))
    client = connect(server)
    assert client.post("/v1/video/create", json=create_body()).status_code == 200
    refused = client.post("/v1/video/create", json=create_body())

    assert refused.status_code == 429
    assert server.create_count == 1
    assert server.refusals == {("create", "rate"): 1}


def test_rate_limits_per_route(make_server: MakeServer, connect: Connect, create_body) -> None:
    server = make_server(
        clock=Clock(),
        rate_limits=[RateLimit(per_second=1, burst=1, route="create")],
    )
    client = connect(server)
    assert [query(client).status_code for _ in range(5)] == [400] * 5
    assert client.post("/v1/video/create", json=create_body()).status_code == 200
    assert client.post("/v1/video/create", json=create_body()).status_code == 429
    assert server.refusals == {("create", "rate"): 1}


def test_downloads_count_only_under_route_any(make_server, connect, create_body, cdn) -> None:
    server = make_server(
        clock=Clock(),
        queue_seconds=0,
        processing_seconds=0,
        rate_limits=[RateLimit(per_second=1, burst=2, route="any")],
    )
    client = connect(server)
    task_id = client.post("/v1/video/create", json=create_body()).json()["id"]
    url = query(client, task_id).json()["video_url"]
    assert cdn.get(url).status_code == 429
    assert server.refusals == {("download", "rate"): 1}


def test_a_create_over_the_active_tasks_is_refused_until_one_ends(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    clock = Clock()
    server = make_server(clock=clock, queue_seconds=1, processing_seconds=9, max_active_tasks=2)
    client = connect(server)
    first, second, third = (client.post("/v1/video/create", json=create_body()) for _ in "abc")

    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert server.create_count == 2
    assert server.running_tasks == 2
    clock.now += 10  # both done
    assert server.running_tasks == 0
    assert client.post("/v1/video/create", json=create_body()).status_code == 200
    assert server.refusals == {("create", "active_tasks"): 1}
    assert [r.refused for r in server.requests_to("create")] == [None, None, "active_tasks", None]


def test_a_failed_or_finished_task_frees_its_slot(make_server, connect, create_body) -> None:
    server = make_server(clock=Clock(), processing_seconds=60, max_active_tasks=1)
    client = connect(server)
    task_id = client.post("/v1/video/create", json=create_body()).json()["id"]
    assert client.post("/v1/video/create", json=create_body()).status_code == 429
    server.fail_task(task_id)
    assert client.post("/v1/video/create", json=create_body()).status_code == 200


def test_refusals_carry_retry_after_when_asked(make_server, connect, create_body) -> None:
    server = make_server(
        clock=Clock(),
        max_active_tasks=1,
        processing_seconds=60,
        refuse_with=Fault.rate_limited(retry_after=7),
    )
    client = connect(server)
    client.post("/v1/video/create", json=create_body())
    refused = client.post("/v1/video/create", json=create_body())
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "7"


def test_no_retry_after_by_default(make_server, connect, create_body) -> None:
    server = make_server(clock=Clock(), max_active_tasks=1, processing_seconds=60)
    client = connect(server)
    client.post("/v1/video/create", json=create_body())
    refused = client.post("/v1/video/create", json=create_body())
    assert refused.status_code == 429
    assert "retry-after" not in refused.headers


@pytest.mark.parametrize("status", [500, 429, 200])
def test_a_saturated_gateway_can_answer_with_the_empty_id_body(
    make_server, connect, create_body, status: int
) -> None:
    clock = Clock()
    server = make_server(
        clock=clock,
        max_active_tasks=1,
        processing_seconds=60,
        rate_limits=RateLimit(per_second=1, burst=3, route="query"),
        refuse_with=Fault.saturated(status),
    )
    client = connect(server)
    client.post("/v1/video/create", json=create_body())
    refused = client.post("/v1/video/create", json=create_body())
    assert refused.status_code == status
    assert refused.json()["id"] == ""
    assert refused.json()["status"] == "error"
    assert server.create_count == 1
    # A query refused by the rate gets a 429: the empty-id body is a create's answer.
    statuses = [query(client).status_code for _ in range(4)]
    assert statuses[-1] == 429


@pytest.mark.parametrize("dialect", DIALECTS)
def test_refusals_come_in_each_dialects_shape(
    dialect: str, make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect=dialect, clock=Clock(), max_active_tasks=1, processing_seconds=60)
    client = connect(server)
    assert client.post("/v1/video/create", json=create_body()).status_code == 200
    refused = client.post("/v1/video/create", json=create_body())
    assert refused.status_code == 429
    body = refused.json()
    if dialect in ("openai-video", "newapi-video"):
        assert body["error"]["code"] == "rate_limit_exceeded"
    elif dialect == "veo-upsample":
        assert (body["id"], body["status"]) == ("", "error")
    else:
        assert body["code"] == "upstream_error"
    assert server.create_count == 1


def test_limits_are_checked_when_made() -> None:
    with pytest.raises(ValueError, match="per_second"):
        RateLimit(per_second=0)
    with pytest.raises(ValueError, match="burst"):
        RateLimit(per_second=1, burst=0)
    with pytest.raises(ValueError, match="route"):
        RateLimit(per_second=1, route="files")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_active_tasks"):
        MockServer(max_active_tasks=0)
    with pytest.raises(ValueError, match="refuse_with"):
        MockServer(refuse_with=Fault.disconnect())


def test_the_mock_runs_on_a_scaled_clock(make_server, connect, create_body) -> None:
    from anyapi_sora.testing import ScaledClock

    clock = ScaledClock(speed=1000)
    server = make_server(clock=clock, queue_seconds=0, processing_seconds=60)
    client = connect(server)
    task_id = client.post("/v1/video/create", json=create_body()).json()["id"]
    clock.sleep(61)  # 61 ms of real time
    assert query(client, task_id).json()["status"] == "completed"
    with pytest.raises(ValueError, match="speed"):
        ScaledClock(0)
