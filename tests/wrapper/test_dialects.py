"""The dialect corpus: what every body in tests/fixtures/dialects/ must parse to.

Each body was sent by a real gateway of the same two routes (see the README there). It is
read by `VideoTask.from_json` and, on both clients, through the route that answers it:
a create answer through `create`, every task body through `retrieve`, error bodies as the
errors of either route.
"""

from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from anyapi_sora import (
    APIStatusError,
    BadRequestError,
    InternalServerError,
    PermissionDeniedError,
    ResponseShapeError,
    TaskNotCreatedError,
    TaskStatus,
    VideoGenerationError,
    VideoTask,
    _status,
)
from client_harness import VIDEO, VIDEO_URL, Harness, file_reply, json_reply
from vendor_fixtures import FIXTURES, load_fixture

if TYPE_CHECKING:
    from pathlib import Path

DIALECTS = FIXTURES / "dialects"
# The id our create returned, when a query's body names another one (or none).
CREATED_ID = "sora-2:task_01kcreatedbyus0000000000000"
BILLED = "may have been created and billed"


@attrs.frozen
class Reading:
    """What a task body must parse to."""

    status: TaskStatus
    #: The id the body itself gives (from_json without the id create returned).
    id: str
    progress: float | None
    video_url: str | None = None
    failure_reason: str | None = None
    #: True when the body is a create's answer (it also goes through `create`).
    create_answer: bool = False


TASKS: dict[str, Reading] = {
    "openai-video-create-queued.json": Reading(
        TaskStatus.QUEUED, "video_7b1b817c-be94-49dc-9b43-640c239bf6d3", 0.0, create_answer=True
    ),
    "openai-video-remix-queued.json": Reading(
        TaskStatus.QUEUED, "video_ffd746b3-3f44-4b48-8d4a-dd5a10261287", 0.0, create_answer=True
    ),
    "openai-video-completed.json": Reading(
        TaskStatus.COMPLETED,
        "video_5c6a605a-30c0-4a6a-9dbd-d1d6cfdd9980",
        100.0,
        video_url="https://midjourney-plus.oss-us-west-1.aliyuncs.com/sora/"
        "cc4fb429-22a5-4747-a6f9-a6badccf8f42.mp4",
    ),
    "yunwu-create-jimeng.json": Reading(
        TaskStatus.PENDING,
        "jimeng:7391ad0e-9813-48ba-a742-ed0720e44e45",
        None,
        create_answer=True,
    ),
    "yunwu-query-success-other-id.json": Reading(
        TaskStatus.COMPLETED,
        "033fa60e-f37c-4ff6-a44d-5585ffea938d",
        100.0,  # no progress field: a completed task is done
        video_url="https://cdn.example.com/v/033fa60e.mp4",
    ),
    "yunwu-query-in-progress.json": Reading(
        TaskStatus.PROCESSING, "video_b60ec6b9-da75-41aa-a478-567c810274f2", None
    ),
    "newapi-task-success.json": Reading(
        TaskStatus.COMPLETED,
        # The task record's task_id, not its row number (id: 8919289).
        "video_51210179-0b40-47d6-a670-9b0fbad5b503",
        100.0,  # "100%"
        video_url="https://bucket.oss-us-west-1.aliyuncs.com/sora/"
        "50459602-c5fb-49b2-b31c-76b9ee581740.mp4",
        failure_reason=None,  # fail_reason: ""
    ),
    "newapi-video-completed-metadata-url.json": Reading(
        TaskStatus.COMPLETED, "task_public", 100.0, video_url="https://example.com/video.mp4"
    ),
    "newapi-video-failed.json": Reading(
        TaskStatus.FAILED, "task_x", 0.0, failure_reason="task failed (task_failed)"
    ),
    "newapi-video-unknown.json": Reading(TaskStatus.UNKNOWN, "task_y", 0.0),
    "t8star-failure.json": Reading(
        TaskStatus.FAILED,
        "32daf195-f961-40b5-a08d-16fe6c3a0cac",
        100.0,
        failure_reason="输入的提示词或视频的输出内容违反了OpenAI的相关服务政策，请调整提示词后进行重试",  # noqa: RUF001
    ),
}

# name: (the HTTP status it comes with, the error class, its message, its code)
ERRORS: dict[str, tuple[int, type[APIStatusError], str, str]] = {
    "error-newapi-task-not-exist-400.json": (
        400,
        BadRequestError,
        "task_not_exist",
        "task_not_exist",
    ),
    "error-newapi-do-request-failed-500.json": (
        500,
        InternalServerError,
        'Post "https://upstream.example/v1/videos": dial tcp: i/o timeout',
        "do_request_failed",
    ),
    "error-newapi-fail-to-fetch-task-500.json": (
        500,
        InternalServerError,
        "upstream task lookup failed",  # the upstream's JSON body, unwrapped
        "fail_to_fetch_task",
    ),
    "error-newapi-quota-403.json": (
        403,
        PermissionDeniedError,
        "用户额度不足, 剩余额度: ＄0.012000",  # noqa: RUF001
        "insufficient_user_quota",
    ),
}

NO_TASK = "vectorengine-error-body.json"


def dialect(name: str) -> Any:
    return load_fixture(f"dialects/{name}")


def check(task: VideoTask, expected: Reading, task_id: str) -> None:
    assert task.id == task_id
    assert task.status is expected.status
    assert task.progress == expected.progress
    assert task.video_url == expected.video_url
    assert task.failure_reason == expected.failure_reason


def test_every_body_of_the_corpus_has_a_stated_reading() -> None:
    names = {p.name for p in DIALECTS.glob("*.json")}
    assert names == {*TASKS, *ERRORS, NO_TASK}
    assert len(names) == 16


def test_the_corpus_has_its_sources_noted() -> None:
    sources = (DIALECTS / "README.md").read_text(encoding="utf-8")
    for path in DIALECTS.glob("*.json"):
        assert f"`{path.name}`" in sources


# --------------------------------------------------------------------------- from_json


@pytest.mark.parametrize("name", sorted(TASKS))
def test_from_json_reads_each_body(name: str) -> None:
    expected = TASKS[name]
    check(VideoTask.from_json(dialect(name)), expected, expected.id)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_from_json_keeps_the_id_create_returned(name: str) -> None:
    check(VideoTask.from_json(dialect(name), task_id=CREATED_ID), TASKS[name], CREATED_ID)


@pytest.mark.parametrize("name", sorted([*ERRORS, NO_TASK]))
@pytest.mark.parametrize("task_id", [None, CREATED_ID])
def test_from_json_refuses_bodies_that_are_not_tasks(name: str, task_id: str | None) -> None:
    with pytest.raises(ResponseShapeError):
        VideoTask.from_json(dialect(name), task_id=task_id)


def test_dimensions_and_model_of_the_openai_video_object() -> None:
    task = VideoTask.from_json(dialect("openai-video-create-queued.json"))
    assert (task.width, task.height, task.model) == (1280, 720, "sora-2")


def test_the_task_record_reads_its_upstream_object_for_size() -> None:
    task = VideoTask.from_json(dialect("newapi-task-success.json"))
    assert (task.width, task.height) == (1280, 720)


def test_the_model_prefix_of_a_jimeng_id() -> None:
    assert VideoTask.from_json(dialect("yunwu-create-jimeng.json")).model == "jimeng"


def test_unknown_is_a_known_word_and_is_not_warned_about(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_status, "_reported_words", set())
    caplog.set_level(logging.DEBUG, logger="anyapi_sora")
    VideoTask.from_json(dialect("newapi-video-unknown.json"))
    assert [r for r in caplog.records if "unknown" in r.getMessage()] == []


# --------------------------------------------------------------------------- both clients


@pytest.mark.parametrize("name", sorted(n for n, r in TASKS.items() if r.create_answer))
def test_create_reads_each_create_answer(api: Harness, name: str) -> None:
    api.gateway.create.queue(json_reply(dialect(name)))
    task = api.videos.create("a corgi surfing")
    expected = TASKS[name]
    check(task, expected, expected.id)
    assert api.gateway.create.count == 1


@pytest.mark.parametrize("name", sorted(TASKS))
def test_retrieve_reads_each_task_body(api: Harness, name: str) -> None:
    api.gateway.query.queue(json_reply(dialect(name)))
    check(api.videos.retrieve(CREATED_ID), TASKS[name], CREATED_ID)
    assert api.gateway.query.requests[0].url.params["id"] == CREATED_ID


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_error_body_on_a_query(api: Harness, name: str) -> None:
    status, cls, message, code = ERRORS[name]
    api.gateway.query.always(json_reply(dialect(name), status))
    with pytest.raises(cls) as info:
        api.videos.retrieve(CREATED_ID)
    assert type(info.value) is cls
    assert (info.value.status_code, info.value.message, info.value.code) == (status, message, code)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_error_body_on_a_create(api: Harness, name: str) -> None:
    status, cls, message, code = ERRORS[name]
    api.gateway.create.always(json_reply(dialect(name), status))
    with pytest.raises(cls) as info:
        api.videos.create("x")
    assert type(info.value) is cls
    assert (info.value.message, info.value.code) == (message, code)
    assert api.gateway.create.count == 1
    # A 5xx on a create may have started a task; a 4xx did not.
    assert (BILLED in str(info.value)) is (status >= 500)


@pytest.mark.parametrize("status", [200, 429, 500])
def test_the_no_task_body_on_a_create_is_retried_then_said_not_created(
    api: Harness, status: int
) -> None:
    api.gateway.create.always(json_reply(dialect(NO_TASK), status))
    with pytest.raises(TaskNotCreatedError) as info:
        api.videos.create("x")
    assert api.gateway.create.count == 3  # 1 + max_retries (2)
    assert "no task was created" in str(info.value)
    assert "billed" not in str(info.value).replace("nothing was billed", "")


def test_the_no_task_body_on_a_query_is_not_a_failed_task(api: Harness) -> None:
    api.gateway.query.queue(json_reply(dialect(NO_TASK)))
    with pytest.raises(ResponseShapeError, match="names no task"):
        api.videos.retrieve(CREATED_ID)


def test_wait_polls_through_the_no_task_body(api: Harness) -> None:
    api.gateway.query.queue(
        json_reply(dialect(NO_TASK)),
        json_reply(dialect(NO_TASK), 500),
        json_reply(dialect("openai-video-completed.json")),
    )
    task = api.videos.wait(CREATED_ID, poll_interval=1)
    assert task.succeeded
    assert api.gateway.query.count == 3


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("newapi-task-success.json", ("data", "video_url")),
        ("newapi-video-completed-metadata-url.json", ("metadata", "url")),
        ("openai-video-completed.json", ("video_url",)),
        ("yunwu-query-success-other-id.json", ("video_url",)),
    ],
)
def test_generate_saves_the_video_of_each_completed_dialect(
    api: Harness, tmp_path: Path, name: str, path: tuple[str, ...]
) -> None:
    body = copy.deepcopy(dialect(name))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = VIDEO_URL  # the same place, on the test's file host
    api.gateway.create.queue(json_reply(dialect("openai-video-create-queued.json")))
    api.gateway.query.queue(json_reply(body))
    api.gateway.files.queue(file_reply())
    task = api.videos.generate("x", out=tmp_path / "v.mp4", poll_interval=1)
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO
    assert task.id == TASKS["openai-video-create-queued.json"].id
    assert api.gateway.create.count == 1


def test_wait_raises_the_reason_of_a_failed_task_record(api: Harness) -> None:
    api.gateway.query.queue(json_reply(dialect("t8star-failure.json")))
    with pytest.raises(VideoGenerationError) as info:
        api.videos.wait(CREATED_ID)
    assert info.value.reason == TASKS["t8star-failure.json"].failure_reason


def test_wait_keeps_polling_an_unknown_task_record(api: Harness) -> None:
    api.gateway.query.queue(
        json_reply(dialect("newapi-video-unknown.json")),
        json_reply(dialect("newapi-video-completed-metadata-url.json")),
    )
    task = api.videos.wait(CREATED_ID, poll_interval=1)
    assert task.video_url == "https://example.com/video.mp4"
    assert api.gateway.query.count == 2


# --------------------------------------------------------------------------- staged dialects


def veo_body(status: str, **fields: Any) -> dict[str, Any]:
    return {"id": "veo3:1762241017286-h5mz3", "status": status, **fields}


@pytest.mark.parametrize("url_before_upsampling", [False, True])
def test_veo_stages_end_only_when_upsampling_completes(
    api: Harness, url_before_upsampling: bool
) -> None:
    early = {"video_url": "https://files.test/draft.mp4"} if url_before_upsampling else {}
    api.gateway.query.queue(
        json_reply(veo_body("image_downloading")),
        json_reply(veo_body("video_generating")),
        json_reply(veo_body("video_generation_completed", **early)),
        json_reply(veo_body("video_upsampling")),
        json_reply(veo_body("video_upsampling_completed", video_url=VIDEO_URL)),
    )
    seen: list[TaskStatus] = []
    task = api.videos.wait(
        "veo3:1762241017286-h5mz3", poll_interval=1, on_progress=lambda t: seen.append(t.status)
    )
    assert task.video_url == VIDEO_URL
    # Not ended at video_generation_completed (the third answer), even with a URL in it.
    assert api.gateway.query.count == 5
    assert seen == [TaskStatus.PROCESSING, TaskStatus.COMPLETED]


def test_the_detailed_body_moves_on_while_its_top_level_stays_pending(api: Harness) -> None:
    def detailed(inner: str, pct: float, **detail: Any) -> dict[str, Any]:
        pending_info = {"status": inner, "progress_pct": pct}
        return {
            "id": CREATED_ID,
            "status": "pending" if inner != "completed" else "completed",
            "detail": {"status": inner, "pending_info": pending_info, **detail},
        }

    source = {"encodings": {"source": {"path": VIDEO_URL}}}
    api.gateway.query.queue(
        json_reply(detailed("queued", 0.0)),
        json_reply(detailed("processing", 0.42)),
        json_reply(detailed("completed", 1.0, draft_info=source)),
    )
    seen: list[tuple[TaskStatus, float | None]] = []
    task = api.videos.wait(
        CREATED_ID, poll_interval=1, on_progress=lambda t: seen.append((t.status, t.progress))
    )
    assert seen == [
        (TaskStatus.QUEUED, 0.0),
        (TaskStatus.PROCESSING, 42.0),
        (TaskStatus.COMPLETED, 100.0),
    ]
    assert task.video_url == VIDEO_URL
