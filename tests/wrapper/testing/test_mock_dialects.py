"""The gateway dialects: ids, bodies and status sequences, each checked against the real
bodies in the vendor notes (DIALECTS.md and dialects/*.json; their keys are written out
here so that the test states them)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from anyapi_sora.testing import DIALECTS, MockServer
from mock_dialects import FAILED_WORD, QUERY, VIDEO_URL, Clock, create, query, status_word
from vendor_fixtures import load_fixture

CreateBody = Callable[..., dict[str, Any]]
Connect = Callable[..., httpx.Client]
MakeServer = Callable[..., MockServer]

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
# Seconds since 1970 stay below this for millennia; milliseconds passed it in 1973.
MS = 10**11


def test_the_dialects_are_the_documented_ones() -> None:
    assert DIALECTS == (
        "anyapi",
        "anyapi-detail",
        "openai-video",
        "newapi-task",
        "veo-upsample",
        "newapi-video",
        "yunwu",
    )


def test_an_unknown_dialect_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"'mixed', 'anyapi'.*got 'anyapi2'"):
        MockServer(dialect="anyapi2")


def test_the_default_dialect_is_mixed() -> None:
    server = MockServer()
    assert server.dialect == "mixed"


def _walk(
    server: MockServer, client: httpx.Client, clock: Clock, dialect: str, task_id: str
) -> list[dict[str, Any]]:
    """Query every half second of a 2 s queue and 10 s processing span, and past its end."""
    bodies = []
    for _ in range(27):
        bodies.append(query(client, task_id))
        clock.now += 0.5
    return bodies


def _words(dialect: str, bodies: list[dict[str, Any]]) -> list[str]:
    words: list[str] = []
    for body in bodies:
        word = status_word(dialect, body)
        if not words or words[-1] != word:
            words.append(word)
    return words


@pytest.mark.parametrize(
    ("dialect", "images", "expected"),
    [
        ("anyapi", [], ["pending", "processing", "completed"]),
        ("anyapi-detail", [], ["pending/queued", "pending/processing", "completed"]),
        ("openai-video", [], ["queued", "in_progress", "completed"]),
        ("newapi-task", [], ["NOT_START", "IN_PROGRESS", "SUCCESS"]),
        ("newapi-video", [], ["unknown", "in_progress", "completed"]),
        ("yunwu", [], ["queued", "in_progress", "success"]),
        (
            "veo-upsample",
            [],
            [
                "pending",
                "video_generating",
                "video_generation_completed",
                "video_upsampling",
                "video_upsampling_completed",
            ],
        ),
        (
            "veo-upsample",
            ["https://example.com/first.png"],
            [
                "pending",
                "image_downloading",
                "video_generating",
                "video_generation_completed",
                "video_upsampling",
                "video_upsampling_completed",
            ],
        ),
    ],
)
def test_each_dialect_walks_its_own_status_words(
    make_server: MakeServer,
    connect: Connect,
    create_body: CreateBody,
    dialect: str,
    images: list[str],
    expected: list[str],
) -> None:
    clock = Clock()
    server = make_server(dialect=dialect, clock=clock, queue_seconds=2, processing_seconds=10)
    client = connect(server)
    task_id, _ = create(client, dialect, create_body(images=images))

    bodies = _walk(server, client, clock, dialect, task_id)

    assert _words(dialect, bodies) == expected
    assert server.get_task(task_id).dialect == dialect
    # Only the last word comes with the video, wherever the dialect puts it.
    assert VIDEO_URL[dialect](bodies[-1]).startswith(server.base_url + "/files/")
    assert server.internal_errors == []


PROGRESS_SAMPLES = [1, 5, 13]  # indexes into the walk: queued, 30 % and done


@pytest.mark.parametrize(
    ("dialect", "read_progress", "expected"),
    [
        ("anyapi", lambda b: b["progress"], [0, 30, 100]),
        ("openai-video", lambda b: b["progress"], [0, 30, 100]),
        ("newapi-video", lambda b: b["progress"], [0, 30, 100]),
        ("newapi-task", lambda b: b["progress"], ["0%", "30%", "100%"]),
        (
            "anyapi-detail",
            lambda b: b["detail"].get("pending_info", {}).get("progress_pct"),
            [0.0, 0.3, None],
        ),
    ],
)
def test_each_dialect_states_progress_in_its_own_form(
    make_server: MakeServer,
    connect: Connect,
    create_body: CreateBody,
    dialect: str,
    read_progress: Callable[[dict[str, Any]], Any],
    expected: list[Any],
) -> None:
    clock = Clock()
    server = make_server(dialect=dialect, clock=clock, queue_seconds=1, processing_seconds=10)
    client = connect(server)
    task_id, _ = create(client, dialect, create_body())
    seen = []
    for moment in (0.5, 4.0, 11.0):
        clock.now = 5000.0 + moment
        seen.append(read_progress(query(client, task_id)))
    assert seen == pytest.approx(expected) if dialect == "anyapi-detail" else seen == expected


@pytest.mark.parametrize("dialect", ["anyapi-detail", "veo-upsample", "yunwu"])
def test_some_dialects_send_no_top_level_progress(
    make_server: MakeServer, connect: Connect, create_body: CreateBody, dialect: str
) -> None:
    server = make_server(dialect=dialect, queue_seconds=0, processing_seconds=10)
    client = connect(server)
    task_id, _ = create(client, dialect, create_body())
    server.advance(5)
    running = query(client, task_id)
    server.advance(10)
    done = query(client, task_id)
    assert "progress" not in running
    assert "progress" not in done


def test_anyapi_detail_keeps_the_top_level_pending_and_the_video_under_detail(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="anyapi-detail", queue_seconds=1, processing_seconds=10)
    client = connect(server)
    task_id, created = create(client, "anyapi-detail", create_body())
    server.advance(6)
    running = query(client, task_id)
    server.advance(10)
    done = query(client, task_id)

    real = load_fixture("query-pending-detail.json")
    assert created["id"] == task_id
    assert set(running) == set(real)
    assert set(running["detail"]["pending_info"]) == set(real["detail"]["pending_info"])
    assert running["status"] == "pending"
    assert running["detail"]["pending_info"]["status"] == "processing"
    assert running["detail"]["pending_info"]["progress_pct"] == pytest.approx(0.5)
    assert done["status"] == "completed"
    assert "video_url" not in done
    draft = done["detail"]["draft_info"]
    assert (
        draft["downloadable_url"] == draft["encodings"]["source"]["path"] == done["detail"]["url"]
    )
    assert done["thumbnail_url"] != done["detail"]["url"]


def test_openai_video_answers_create_with_the_video_object(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="openai-video", queue_seconds=0, processing_seconds=0)
    client = connect(server)
    task_id, created = create(client, "openai-video", create_body(orientation="landscape"))
    done = query(client, task_id)

    # dialects/openai-video-create-queued.json and openai-video-completed.json
    assert set(created) == {
        "id",
        "object",
        "model",
        "status",
        "progress",
        "created_at",
        "seconds",
        "size",
    }
    assert set(done) == set(created) | {"video_url", "completed_at"}
    assert re.fullmatch(f"video_{UUID}", task_id)
    assert uuid.UUID(task_id.removeprefix("video_")).version == 4
    assert (created["status"], created["progress"], created["object"]) == ("queued", 0, "video")
    assert (created["size"], created["seconds"]) == ("1280x720", "10")
    assert done["id"] == task_id
    assert (done["status"], done["progress"]) == ("completed", 100)
    assert isinstance(done["created_at"], int)
    assert done["created_at"] < MS
    assert done["completed_at"] >= done["created_at"]


def test_newapi_task_is_a_record_found_only_by_its_task_id(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="newapi-task", queue_seconds=0, processing_seconds=0)
    client = connect(server)
    task_id, created = create(client, "newapi-task", create_body())
    done = query(client, task_id)

    # dialects/newapi-task-success.json
    record_keys = {
        "id",
        "created_at",
        "updated_at",
        "task_id",
        "platform",
        "user_id",
        "channel_id",
        "token_id",
        "token_group",
        "quota",
        "action",
        "status",
        "fail_reason",
        "submit_time",
        "start_time",
        "finish_time",
        "progress",
        "properties",
        "data",
        "timestamp2string",
        "key",
    }
    upstream_keys = {
        "id",
        "size",
        "model",
        "detail",
        "object",
        "status",
        "progress",
        "video_url",
        "created_at",
        "completed_at",
    }
    assert set(created) == set(done) == record_keys
    assert set(done["data"]) == upstream_keys
    assert isinstance(created["id"], int)
    assert re.fullmatch(f"video_{UUID}", task_id)
    assert (created["status"], created["progress"], created["data"]) == ("NOT_START", "0%", None)
    assert (created["start_time"], created["finish_time"]) == (0, 0)
    assert (done["status"], done["progress"], done["fail_reason"]) == ("SUCCESS", "100%", "")
    assert "video_url" not in done
    assert done["id"] == created["id"]
    assert done["created_at"] < MS
    # The numeric row id is no task id: the gateway looks tasks up by task_id only.
    response = client.get(QUERY, params={"id": str(created["id"])})
    assert response.status_code == 400
    assert response.json() == {"code": "task_not_exist", "message": "task_not_exist", "data": None}


def test_newapi_task_failure_is_the_t8star_record(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="newapi-task", queue_seconds=0, processing_seconds=0)
    client = connect(server)
    task_id, _ = create(client, "newapi-task", create_body(prompt="please FAIL"))
    failed = query(client, task_id)

    # dialects/t8star-failure.json, whose "search_item" this gateway does not send
    t8star = {
        "task_id",
        "platform",
        "action",
        "status",
        "fail_reason",
        "submit_time",
        "start_time",
        "finish_time",
        "progress",
        "data",
    }
    assert t8star <= set(failed)
    assert (failed["status"], failed["progress"], failed["data"]) == ("FAILURE", "100%", None)
    assert "content policies" in failed["fail_reason"]


def test_newapi_video_is_unknown_while_waiting_and_done_at_metadata_url(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="newapi-video", queue_seconds=1, processing_seconds=1)
    client = connect(server)
    task_id, created = create(client, "newapi-video", create_body())
    waiting = query(client, task_id)
    server.advance(2)
    done = query(client, task_id)

    assert re.fullmatch(r"task_[A-Za-z0-9]{32}", task_id)
    assert created["task_id"] == task_id
    assert created["status"] == "queued"
    # dialects/newapi-video-unknown.json and newapi-video-completed-metadata-url.json
    assert {"id", "object", "model", "status", "progress", "created_at"} <= set(waiting)
    assert (waiting["status"], waiting["progress"]) == ("unknown", 0)
    assert set(done) == {
        "id",
        "task_id",
        "object",
        "model",
        "status",
        "progress",
        "created_at",
        "completed_at",
        "metadata",
    }
    assert "video_url" not in done
    assert done["metadata"]["url"].startswith(server.base_url)


@pytest.mark.parametrize("dialect", ["openai-video", "newapi-video"])
def test_openai_style_failures_carry_an_error_object(
    make_server: MakeServer, connect: Connect, create_body: CreateBody, dialect: str
) -> None:
    server = make_server(dialect=dialect, queue_seconds=0, processing_seconds=0)
    client = connect(server)
    task_id, _ = create(client, dialect, create_body(prompt="FAIL"))
    failed = query(client, task_id)
    # dialects/newapi-video-failed.json
    assert (failed["status"], failed["progress"]) == ("failed", 0)
    assert set(failed["error"]) == {"message", "code"}
    assert "content policies" in failed["error"]["message"]


def test_yunwu_queries_answer_with_another_id_than_create(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="yunwu", queue_seconds=0, processing_seconds=10)
    client = connect(server)
    task_id, created = create(client, "yunwu", create_body())
    server.advance(5)
    running = query(client, task_id)
    server.advance(10)
    done = query(client, task_id)

    # dialects/yunwu-create-jimeng.json, yunwu-query-in-progress.json and
    # yunwu-query-success-other-id.json
    assert set(created) == {"id", "status", "status_update_time"}
    assert re.fullmatch(f"sora-2:{UUID}", task_id)
    assert running == {"id": running["id"], "status": "in_progress"}
    assert set(done) == {"id", "status", "video_url", "enhanced_prompt", "status_update_time"}
    assert done["status"] == "success"
    assert running["id"] == "video_" + done["id"]
    assert task_id.split(":")[1] != done["id"]
    assert done["status_update_time"] > MS


def test_yunwu_failure_has_a_fail_reason(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="yunwu", queue_seconds=0, processing_seconds=0)
    client = connect(server)
    task_id, _ = create(client, "yunwu", create_body(prompt="FAIL"))
    failed = query(client, task_id)
    assert failed["status"] == "failure"
    assert "content policies" in failed["fail_reason"]


def test_veo_ids_times_and_the_video_before_upsampling(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    clock = Clock()
    server = make_server(
        dialect="veo-upsample", clock=clock, queue_seconds=0, processing_seconds=10
    )
    client = connect(server)
    task_id, created = create(client, "veo-upsample", create_body(model="veo3"))
    clock.now += 6.5  # video_generation_completed
    generated = query(client, task_id)
    clock.now += 10
    done = query(client, task_id)

    assert re.fullmatch(r"veo3:\d{10}-[A-Za-z0-9]{10}", task_id)
    assert set(created) == {"id", "status", "status_update_time"}
    assert created["status"] == "pending"
    assert generated["status"] == "video_generation_completed"
    assert generated["video_url"] is None
    assert generated["detail"]["video_url"].startswith(server.base_url)
    assert ".draft.mp4?" in generated["detail"]["video_url"]
    # The vendor's example body: these keys, times under detail in milliseconds.
    assert {"id", "detail", "status", "video_url", "status_update_time"} <= set(done)
    assert done["status"] == "video_upsampling_completed"
    assert done["video_url"] == done["detail"]["upsample_video_url"]
    assert done["video_url"] != done["detail"]["video_url"]
    assert done["detail"]["created_at"] > MS
    assert done["detail"]["completed_at"] >= done["detail"]["created_at"]
    assert done["detail"]["error_message"]  # stale, from a retried attempt: not a failure
    # Both files download, and a veo id is found only whole.
    for url in (done["video_url"], done["detail"]["video_url"]):
        assert client.get(url).content == server.video.read()
    bare = task_id.split(":", 1)[1]
    assert client.get(QUERY, params={"id": bare}).json()["code"] == "task_not_exist"


def test_veo_failure_has_the_reason_under_detail(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="veo-upsample", queue_seconds=0, processing_seconds=0)
    client = connect(server)
    task_id, _ = create(client, "veo-upsample", create_body(prompt="FAIL"))
    failed = query(client, task_id)
    assert failed["status"] == "video_generation_failed"
    assert failed["video_url"] is None
    assert "content policies" in failed["detail"]["video_generation_error"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_fail_next_fail_task_and_finish_task_work_in_every_dialect(
    make_server: MakeServer, connect: Connect, create_body: CreateBody, dialect: str
) -> None:
    server = make_server(dialect=dialect, queue_seconds=60, processing_seconds=60)
    client = connect(server)
    server.fail_next(1, reason="upstream went away")
    doomed_id, _ = create(client, dialect, create_body())
    stopped_id, _ = create(client, dialect, create_body())
    done_id, _ = create(client, dialect, create_body())

    server.fail_task(stopped_id, reason="cancelled by test")
    server.finish_task(done_id)
    server.advance(120)

    assert server.status_of(doomed_id) == server.status_of(stopped_id) == "failed"
    assert "upstream went away" in str(query(client, doomed_id))
    assert "cancelled by test" in str(query(client, stopped_id))
    assert VIDEO_URL[dialect](query(client, done_id)).startswith(server.base_url)
    assert set(server.tasks) == {doomed_id, stopped_id, done_id}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_fail_rate_and_the_fail_trigger_work_in_every_dialect(
    make_server: MakeServer, connect: Connect, create_body: CreateBody, dialect: str
) -> None:
    always = make_server(dialect=dialect, queue_seconds=0, processing_seconds=0, fail_rate=1.0)
    never = make_server(dialect=dialect, queue_seconds=0, processing_seconds=0, fail_trigger=None)
    for server, prompt in ((always, "a fox"), (never, "FAIL")):
        client = connect(server)
        task_id, _ = create(client, dialect, create_body(prompt=prompt))
        word = query(client, task_id)["status"]
        assert (word == FAILED_WORD[dialect]) is (server is always)


def test_mixed_rotates_through_every_dialect_task_by_task(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="mixed", queue_seconds=0, processing_seconds=0)
    client = connect(server)
    rounds = 2
    for index in range(rounds * len(DIALECTS)):
        dialect = DIALECTS[index % len(DIALECTS)]
        task_id, _ = create(client, dialect, create_body(prompt=f"prompt {index}"))
        task = server.get_task(task_id)
        assert (task.dialect, task.index, task.variant) == (dialect, index, index // len(DIALECTS))
        assert VIDEO_URL[dialect](query(client, task_id)).startswith(server.base_url)
    assert server.create_count == rounds * len(DIALECTS)
    assert sorted(task.dialect for task in server.tasks.values()) == sorted(DIALECTS * rounds)


def test_mixed_anyapi_tasks_still_rotate_their_body_variants(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="mixed", queue_seconds=0, processing_seconds=10)
    client = connect(server)
    anyapi_ids = []
    for index in range(3 * len(DIALECTS)):
        task_id, _ = create(client, DIALECTS[index % len(DIALECTS)], create_body())
        if index % len(DIALECTS) == 0:
            anyapi_ids.append(task_id)
    server.advance(5)
    minimal, detail, openai = (query(client, task_id) for task_id in anyapi_ids)
    assert minimal["video_url"] is None
    assert "pending_info" in detail["detail"]
    assert openai["object"] == "video"
