"""The field rules of `_dialects`: ids, nested statuses, progress, failure reasons, envelopes."""

from __future__ import annotations

from typing import Any

import pytest
from anyapi_sora import ResponseShapeError, TaskStatus, VideoTask
from anyapi_sora._dialects import (
    NESTED_STATUS_PATHS,
    PROGRESS_CONTAINERS,
    REASON_PLACES,
    names_no_task,
    task_id_in,
)
from hypothesis import given
from hypothesis import strategies as st


def parse(**fields: Any) -> VideoTask:
    return VideoTask.from_json({"id": "t", "status": "pending", **fields})


def nest(path: tuple[str, ...], value: object) -> dict[str, Any]:
    for key in reversed(path):
        value = {key: value}
    assert isinstance(value, dict)
    return value


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"id": "video_1"}, "video_1"),
        ({"task_id": "video_1"}, "video_1"),
        ({"id": 8919289, "task_id": "video_1"}, "video_1"),
        ({"id": "8919289", "task_id": "video_1"}, "video_1"),
        ({"id": "video_1", "task_id": "other"}, "video_1"),
        ({"id": 8919289}, "8919289"),
        ({"id": "", "task_id": "  video_1 "}, "video_1"),
        ({"data": {"id": "video_1"}}, "video_1"),
        ({"data": {"task_id": "video_1"}}, "video_1"),
        ({"id": 12, "data": {"id": "video_1"}}, "video_1"),
        ({"id": 12, "data": {"id": 13}}, "12"),
        ({"id": "top", "data": {"id": "inner"}}, "top"),
        ({"taskId": "video_1"}, "video_1"),
        ({"id": 5, "taskId": "video_1"}, "video_1"),
        ({"id": True, "task_id": None, "data": "x"}, None),
        ({"id": "", "data": None}, None),
        ({}, None),
    ],
)
def test_task_id_in(body: dict[str, Any], expected: str | None) -> None:
    assert task_id_in(body) == expected


def test_the_id_create_returned_beats_every_id_of_the_body() -> None:
    body = {"id": 1, "task_id": "video_1", "status": "SUCCESS", "data": {"id": "video_1"}}
    assert VideoTask.from_json(body, task_id="sora-2:mine").id == "sora-2:mine"


# --------------------------------------------------------------------------- "no task"


@pytest.mark.parametrize(
    ("body", "no_task"),
    [
        ({"id": "", "status": "error", "error": "busy"}, True),
        ({"id": None, "status": "ERROR"}, True),
        ({"status": " Error "}, True),
        ({"code": 1, "data": {"id": "", "status": "error"}}, True),
        ({"id": "x", "status": "error"}, False),
        ({"id": "", "task_id": "x", "status": "error"}, False),
        ({"id": "", "status": "error", "data": {"id": "x"}}, False),
        ({"id": "", "status": "failed"}, False),
        ({"id": "", "status": "pending"}, False),
        ({"id": "", "status": 0}, False),
        ({"code": "x", "message": "m", "data": None}, False),
        ("error", False),
        (None, False),
    ],
)
def test_names_no_task(body: object, no_task: bool) -> None:
    assert names_no_task(body) is no_task


@pytest.mark.parametrize("task_id", [None, "sora-2:mine"])
def test_a_body_that_names_no_task_is_not_a_failed_task(task_id: str | None) -> None:
    with pytest.raises(ResponseShapeError, match="names no task"):
        VideoTask.from_json({"id": "", "status": "error", "error": "busy"}, task_id=task_id)


# --------------------------------------------------------------------------- envelopes


def test_a_task_in_an_envelope_is_read() -> None:
    body = {
        "code": 0,
        "message": "ok",
        "data": {"task_id": "video_1", "status": "SUCCEEDED", "video_url": "https://a/v.mp4"},
    }
    task = VideoTask.from_json(body)
    assert (task.id, task.status, task.video_url) == (
        "video_1",
        TaskStatus.COMPLETED,
        "https://a/v.mp4",
    )
    assert task.raw == body


@pytest.mark.parametrize("key", ["task_status", "taskStatus", "state"])
@pytest.mark.parametrize("envelope", [False, True])
def test_a_status_under_another_status_key_is_read(key: str, envelope: bool) -> None:
    # Task APIs behind the same routes name the key otherwise (Kling's task_status).
    task = {"task_id": "t", key: "succeed", "task_result": {"videos": [{"url": "https://a/v"}]}}
    body = {"code": 0, "data": task} if envelope else task
    parsed = VideoTask.from_json(body)
    assert (parsed.id, parsed.status, parsed.video_url) == (
        "t",
        TaskStatus.COMPLETED,
        "https://a/v",
    )
    assert parsed.raw_status == "succeed"


def test_status_beats_the_other_status_keys() -> None:
    body = {"id": "t", "status": "processing", "state": "active", "task_status": "failed"}
    assert VideoTask.from_json(body).status is TaskStatus.PROCESSING


def test_a_state_that_is_no_text_is_no_status() -> None:
    with pytest.raises(ResponseShapeError, match="no 'status'"):
        VideoTask.from_json({"id": "t", "state": {"phase": "running"}})


def test_the_top_level_status_beats_the_envelopes() -> None:
    body = {"id": "t", "status": "processing", "data": {"status": "completed"}}
    assert VideoTask.from_json(body).status is TaskStatus.PROCESSING


# --------------------------------------------------------------------------- nested statuses

# Written out, not read from the code: a place dropped or moved there fails here.
NESTED_STATUS_PLACES = [
    ("detail", "pending_info", "status"),
    ("detail", "status"),
    ("data", "status"),
]


def test_the_nested_status_places_are_these() -> None:
    assert list(NESTED_STATUS_PATHS) == NESTED_STATUS_PLACES


@pytest.mark.parametrize("path", NESTED_STATUS_PLACES, ids=".".join)
@pytest.mark.parametrize(
    ("top", "nested", "expected"),
    [
        ("pending", "processing", TaskStatus.PROCESSING),
        ("pending", "queued", TaskStatus.QUEUED),
        ("queued", "in_progress", TaskStatus.PROCESSING),
        ("MODERATING", "running", TaskStatus.PROCESSING),
        ("unknown", "IN_PROGRESS", TaskStatus.PROCESSING),
        # Never backwards, and never to an end the top level has not announced.
        ("processing", "pending", TaskStatus.PROCESSING),
        ("pending", "unknown", TaskStatus.PENDING),  # as far along: the top level's word
        ("pending", "completed", TaskStatus.PENDING),
        ("pending", "failed", TaskStatus.PENDING),
        ("pending", "rendering_frames", TaskStatus.PENDING),
        ("completed", "processing", TaskStatus.COMPLETED),
        ("failed", "processing", TaskStatus.FAILED),
    ],
)
def test_a_nested_status_moves_a_running_task_forward_only(
    path: tuple[str, ...], top: str, nested: str, expected: TaskStatus
) -> None:
    body = {"id": "t", "status": top, **nest(path, nested)}
    assert VideoTask.from_json(body).status is expected
    assert VideoTask.from_json(body).raw_status == top


# --------------------------------------------------------------------------- progress

PROGRESS_PLACES: list[tuple[str, ...]] = [
    (),
    ("progress",),
    ("detail", "pending_info"),
    ("detail",),
    ("data",),
]


def test_the_progress_places_are_these() -> None:
    assert list(PROGRESS_CONTAINERS) == PROGRESS_PLACES


@pytest.mark.parametrize("path", PROGRESS_PLACES, ids=lambda p: ".".join(p) or "top")
@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("progress", 45, 45.0),
        ("progress", "45%", 45.0),
        ("progress", "0.5", 0.5),
        ("progress_pct", 0.42, 42.0),
        ("progress_pct", "0.42", 42.0),
        ("progress_pct", 1, 100.0),
        ("progress_pct", 42, 42.0),
        ("progress_pct", "0.5%", 0.5),
        ("PROGRESS_PCT", 0.25, 25.0),
        ("completion_pct", 0.3, 30.0),
        ("pct", 0.3, 30.0),
        ("progress_percent", 30, 30.0),
        ("percentage", "30%", 30.0),
        ("Percent", 0.3, 0.3),
        ("progress_pct", 7.5, 7.5),
        ("progress_pct", 2, 2.0),  # above 1: a percentage, however small
        ("progress_pct", -0.5, 0.0),
        ("progress_pct", 3000, 100.0),
        ("script", 0.3, None),  # "pct" must end a word
        ("progress_pct", "soon", None),
    ],
)
def test_progress_in_each_place_and_form(
    path: tuple[str, ...], key: str, value: object, expected: float | None
) -> None:
    assert parse(**nest((*path, key), value)).progress == pytest.approx(expected)


def test_progress_places_are_read_in_order() -> None:
    body = {
        "progress_pct": 0.1,
        "detail": {"pending_info": {"progress_pct": 0.2}, "progress": 30},
        "data": {"progress": 40},
    }
    assert parse(**body).progress == pytest.approx(10.0)
    del body["progress_pct"]
    assert parse(**body).progress == pytest.approx(20.0)
    del body["detail"]["pending_info"]
    assert parse(**body).progress == pytest.approx(30.0)
    del body["detail"]
    assert parse(**body).progress == pytest.approx(40.0)


def test_progress_pct_beats_the_other_percent_keys_of_its_object() -> None:
    body = {"completion_pct": 0.3, "upload_percent": 90, "progress_pct": 0.5}
    assert parse(**body).progress == pytest.approx(50.0)


def test_a_key_that_only_mentions_a_percent_does_not_end_the_search() -> None:
    body = {"percentile": 0.9, "pct_of_quota": 0.5, "completion_pct": 0.3}
    assert parse(**body).progress == pytest.approx(30.0)


def test_a_key_that_is_not_text_is_passed_over() -> None:
    # Not JSON, but from_json takes any mapping and never fails on one.
    body: dict[object, object] = {"id": "t", "status": "pending", 7: 0.9}
    assert VideoTask.from_json(body).progress is None
    body["completion_pct"] = 0.3
    assert VideoTask.from_json(body).progress == pytest.approx(30.0)


@given(
    value=st.floats(allow_nan=True) | st.integers() | st.text(max_size=8), key=st.text(max_size=12)
)
def test_progress_is_always_within_0_and_100(value: object, key: str) -> None:
    progress = parse(**{key: value}, detail={"pending_info": {key: value}}).progress
    assert progress is None or 0.0 <= progress <= 100.0


# --------------------------------------------------------------------------- failure reasons


# (the object, the key, only for a task that ended without a video), in the order read.
FAILURE_REASON_PLACES: list[tuple[tuple[str, ...], str, bool]] = [
    (("detail", "pending_info"), "failure_reason", False),
    (("detail",), "failure_reason", False),
    ((), "fail_reason", False),
    ((), "failure_reason", False),
    ((), "error_message", False),
    ((), "error", False),
    (("data",), "fail_reason", False),
    (("data",), "failure_reason", False),
    (("data",), "error_message", False),
    (("data",), "error", False),
    (("detail",), "error", False),
    # A plain message on a running task is news, not a failure reason.
    ((), "errors", True),
    ((), "message", True),
    ((), "msg", True),
    ((), "reason", True),
    (("data",), "message", True),
]


def test_the_failure_reason_places_are_these_in_this_order() -> None:
    read = [(path, key, only) for path, keys, only in REASON_PLACES for key in keys]
    assert read == FAILURE_REASON_PLACES
    # ...and each one wins over every place after it.
    for index, (path, key, _) in enumerate(FAILURE_REASON_PLACES):
        fields: dict[str, Any] = {}
        for later_path, later_key, _ in reversed(FAILURE_REASON_PLACES[index:]):
            target = fields
            for part in later_path:
                target = target.setdefault(part, {})
            target[later_key] = f"{'.'.join(later_path)}.{later_key}"
        expected = f"{'.'.join(path)}.{key}"
        assert parse(status="failed", **fields).failure_reason == expected


@pytest.mark.parametrize(
    ("path", "key", "failed_only"),
    FAILURE_REASON_PLACES,
    ids=lambda x: x if isinstance(x, str) else ".".join(x) if isinstance(x, tuple) else str(x),
)
def test_each_failure_reason_place(path: tuple[str, ...], key: str, failed_only: bool) -> None:
    fields = nest((*path, key), "the reason")
    assert parse(status="failed", **fields).failure_reason == "the reason"
    assert parse(status="cancelled", **fields).failure_reason == "the reason"
    running = parse(status="processing", **fields).failure_reason
    assert running == (None if failed_only else "the reason")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"data": {"fail_reason": "", "error": {"message": "inner"}}}, "inner"),
        ({"error": {"msg": "via msg", "code": 7}}, "via msg (7)"),
        ({"fail_reason": '{"error": {"message": "upstream said no"}}'}, "upstream said no"),
        ({"error": {"message": '{"message": "nested"}', "code": "c"}}, "nested (c)"),
        ({"message": "task failed upstream", "fail_reason": "first"}, "first"),
        ({"message": "task failed upstream"}, "task failed upstream"),
        ({"data": None, "fail_reason": ""}, None),
        (
            {"errors": [{"message": "first of many", "code": "e1"}, {"message": "x"}]},
            "first of many (e1)",
        ),
        ({"error": ["listed"]}, "listed"),
        ({"error": [[["deep"]]]}, None),
        ({"error": []}, None),
    ],
)
def test_failure_reason_forms(fields: dict[str, Any], expected: str | None) -> None:
    assert parse(status="FAILURE", **fields).failure_reason == expected
