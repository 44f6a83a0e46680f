"""GET /v1/video/query: the task timeline, the response shapes, and the failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from anyapi_sora.testing import MockServer, ResponseStyle
from vendor_fixtures import load_fixture

CreateBody = Callable[..., dict[str, Any]]
Connect = Callable[..., httpx.Client]
MakeServer = Callable[..., MockServer]
QUERY = "/v1/video/query"


class Clock:
    """A clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def _create(client: httpx.Client, body: dict[str, Any]) -> str:
    response = client.post("/v1/video/create", json=body)
    assert response.status_code == 200, response.text
    task_id: str = response.json()["id"]
    return task_id


def _query(client: httpx.Client, task_id: str) -> dict[str, Any]:
    response = client.get(QUERY, params={"id": task_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_task_walks_pending_processing_completed_on_the_injected_clock(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    clock = Clock()
    server = make_server(
        clock=clock, queue_seconds=2, processing_seconds=10, response_style=ResponseStyle.MINIMAL
    )
    client = connect(server)
    task_id = _create(client, create_body())
    created = _query(client, task_id)
    assert created["status"] == "pending"
    assert created["progress"] == 0

    clock.now += 1.9
    assert _query(client, task_id)["status"] == "pending"

    progress = []
    for _ in range(10):
        clock.now += 1
        body = _query(client, task_id)
        assert body["status"] == "processing"
        progress.append(body["progress"])
    # From 2.9 s to 11.9 s into the task: a tenth of 10 s per step.
    assert progress == [9, 19, 29, 39, 49, 59, 69, 79, 89, 99]

    clock.now += 0.1
    done = _query(client, task_id)
    assert done["status"] == "completed"
    assert done["progress"] == 100
    assert server.status_of(task_id) == "completed"


def test_status_update_time_marks_each_change_in_unix_ms(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(queue_seconds=1, processing_seconds=3)
    client = connect(server)
    task_id = _create(client, create_body())
    pending = _query(client, task_id)["status_update_time"]
    server.advance(1.5)
    processing = _query(client, task_id)["status_update_time"]
    server.advance(1)
    assert _query(client, task_id)["status_update_time"] == processing
    server.advance(2)
    completed = _query(client, task_id)["status_update_time"]
    assert abs(processing - pending - 1000) <= 1
    assert abs(completed - processing - 3000) <= 1
    assert pending > 1_700_000_000_000  # milliseconds, not seconds


def test_zero_length_timeline_completes_on_the_first_query(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    assert _query(client, _create(client, create_body()))["status"] == "completed"


@pytest.mark.parametrize(
    "style", [ResponseStyle.MINIMAL, ResponseStyle.DETAIL, ResponseStyle.OPENAI]
)
@pytest.mark.parametrize(
    ("orientation", "size", "width", "height"),
    [
        ("portrait", "small", 720, 1280),
        ("landscape", "small", 1280, 720),
        ("portrait", "large", 1080, 1920),
        ("landscape", "large", 1920, 1080),
    ],
)
def test_a_completed_task_has_urls_dimensions_and_prompt(
    make_server: MakeServer,
    connect: Connect,
    create_body: CreateBody,
    style: ResponseStyle,
    orientation: str,
    size: str,
    width: int,
    height: int,
) -> None:
    server = make_server(queue_seconds=0, processing_seconds=0, response_style=style)
    client = connect(server)
    task_id = _create(client, create_body(orientation=orientation, size=size, prompt="A fox."))
    body = _query(client, task_id)

    assert body["id"] == task_id
    assert body["status"] == "completed"
    assert (body["width"], body["height"]) == (width, height)
    upstream_id = task_id.split(":")[1]
    assert body["video_url"].startswith(f"{server.base_url}/files/{upstream_id}.mp4?")
    assert body["thumbnail_url"].startswith(f"{server.base_url}/files/{upstream_id}.webp?")
    assert body["detail"]["url"] == body["video_url"]
    assert body["detail"]["thumbnail_url"] == body["thumbnail_url"]
    assert body["enhanced_prompt"].startswith("A fox.")
    assert len(body["enhanced_prompt"]) > len("A fox.")
    assert isinstance(body["status_update_time"], int)
    # Every field of the recorded real completed body that this style claims to have.
    real = load_fixture("query-completed.json")
    assert set(real) - {"detail"} <= set(body)


def test_each_style_mimics_its_real_counterpart_while_running(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    # A frozen clock: only `advance` moves the tasks, so the time the requests take
    # (tens of ms on a loaded machine) cannot round 45 % up to 46 %.
    server = make_server(clock=lambda: 0.0, queue_seconds=0, processing_seconds=10)
    client = connect(server)
    # MIXED rotates minimal, detail, openai by creation order.
    ids = [_create(client, create_body()) for _ in range(3)]
    server.advance(4.5)
    minimal, detail, openai = (_query(client, task_id) for task_id in ids)

    assert set(load_fixture("query-pending-minimal.json")) <= set(minimal)
    assert minimal["video_url"] is None
    assert minimal["progress"] == 45

    real_detail = load_fixture("query-pending-detail.json")
    assert set(real_detail["detail"]["pending_info"]) == set(detail["detail"]["pending_info"])
    assert detail["detail"]["pending_info"]["progress_pct"] == pytest.approx(0.45)
    assert detail["detail"]["input"]["prompt"] == create_body()["prompt"]

    assert set(load_fixture("query-processing-openai-style.json")) <= set(openai)
    assert openai["progress"] == "45"
    assert openai["object"] == "video"
    assert openai["detail"]["input"]["aspect_ratio"] == "9:16"


def test_query_accepts_the_id_without_its_model_prefix(
    client: httpx.Client, create_body: CreateBody
) -> None:
    task_id = _create(client, create_body())
    bare = task_id.split(":", 1)[1]
    assert _query(client, bare)["id"] == task_id


def test_the_id_is_sent_url_encoded(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    task_id = _create(client, create_body())
    response = client.get(f"{QUERY}?id={task_id.replace(':', '%3A')}")
    assert response.json()["id"] == task_id
    assert anyapi_mock.requests[-1].query == {"id": task_id}


@pytest.mark.parametrize(
    "make_id",
    [
        lambda task_id: "sora-2:task_00000000000000000000000000",
        lambda task_id: "task_00000000000000000000000000",
        lambda task_id: "sora-2-pro:" + task_id.split(":")[1],
        lambda task_id: task_id + "x",
    ],
)
def test_an_unknown_task_is_task_not_exist(
    client: httpx.Client, create_body: CreateBody, make_id: Callable[[str], str]
) -> None:
    task_id = _create(client, create_body())
    response = client.get(QUERY, params={"id": make_id(task_id)})
    assert response.status_code == 400
    assert response.json() == load_fixture("error-400-task-not-exist.json")


def test_a_query_without_an_id_is_a_400(client: httpx.Client) -> None:
    response = client.get(QUERY)
    assert response.status_code == 400
    assert "'id'" in response.json()["message"]


def test_query_needs_the_key(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody, cdn: httpx.Client
) -> None:
    task_id = _create(client, create_body())
    response = cdn.get(anyapi_mock.url(QUERY), params={"id": task_id})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "new_api_error"


def _assert_failed_like_the_real_one(body: dict[str, Any], task_id: str, reason: str) -> None:
    real = load_fixture("query-failed.json")
    assert body["id"] == task_id
    assert body["status"] == "failed"
    pending_info = body["detail"]["pending_info"]
    assert pending_info["failure_reason"] == reason
    assert pending_info["moderation_result"] == real["detail"]["pending_info"]["moderation_result"]
    assert "video_url" not in body


def test_the_fail_word_in_a_prompt_fails_the_task_as_moderated(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(queue_seconds=1, processing_seconds=2)
    client = connect(server)
    task_id = _create(client, create_body(prompt="this should FAIL"))
    server.advance(2)
    assert _query(client, task_id)["status"] == "processing"
    server.advance(1)
    reason = load_fixture("query-failed.json")["detail"]["pending_info"]["failure_reason"]
    _assert_failed_like_the_real_one(_query(client, task_id), task_id, reason)
    assert server.create_count == 1  # a failed task was still created, and billed


def test_fail_word_and_reason_are_configurable(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(
        queue_seconds=0, processing_seconds=0, fail_trigger="xyzzy", failure_reason="nope"
    )
    client = connect(server)
    assert _query(client, _create(client, create_body(prompt="FAIL")))["status"] == "completed"
    task_id = _create(client, create_body(prompt="say xyzzy"))
    _assert_failed_like_the_real_one(_query(client, task_id), task_id, "nope")


def test_fail_next_fails_exactly_the_next_tasks(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    anyapi_mock.fail_next(2, reason="upstream went away")
    statuses = [_query(client, _create(client, create_body()))["status"] for _ in range(4)]
    assert statuses == ["failed", "failed", "completed", "completed"]


def test_fail_rate_is_reproducible_with_a_seed(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    def statuses(seed: int) -> list[str]:
        server = make_server(queue_seconds=0, processing_seconds=0, fail_rate=0.5, seed=seed)
        client = connect(server)
        return [_query(client, _create(client, create_body()))["status"] for _ in range(30)]

    first = statuses(seed=7)
    assert first == statuses(seed=7)
    assert 0 < first.count("failed") < 30


def test_finish_and_fail_a_running_task_by_hand(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(queue_seconds=60, processing_seconds=60)
    client = connect(server)
    finished, failed = _create(client, create_body()), _create(client, create_body())
    assert _query(client, finished)["status"] == "pending"

    server.finish_task(finished)
    server.fail_task(failed, reason="cancelled by test")

    assert _query(client, finished)["status"] == "completed"
    _assert_failed_like_the_real_one(_query(client, failed), failed, "cancelled by test")
    with pytest.raises(ValueError, match="already ended"):
        server.fail_task(finished)
    with pytest.raises(KeyError):
        server.finish_task("sora-2:task_nope")


def test_each_query_of_a_completed_task_mints_fresh_urls(
    client: httpx.Client, create_body: CreateBody
) -> None:
    task_id = _create(client, create_body())
    first, second = _query(client, task_id), _query(client, task_id)
    assert first["video_url"] != second["video_url"]
    assert first["thumbnail_url"] != second["thumbnail_url"]


def test_tasks_can_be_inspected(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    task_id = _create(client, create_body(images=["https://example.com/a.png"], duration=15))
    task = anyapi_mock.get_task(task_id)
    assert anyapi_mock.get_task(task.upstream_id) == task
    assert list(anyapi_mock.tasks) == [task_id]
    assert task.images == ("https://example.com/a.png",)
    assert task.duration == 15
    assert (task.watermark, task.private) == (True, False)
    with pytest.raises(KeyError):
        anyapi_mock.get_task("sora-2:task_unknown")


def test_advance_refuses_to_go_back(anyapi_mock: MockServer) -> None:
    with pytest.raises(ValueError, match="forward"):
        anyapi_mock.advance(-1)
