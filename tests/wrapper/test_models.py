"""VideoTask / TaskStatus against the real response shapes, every fallback, and random JSON."""

from __future__ import annotations

import json
import logging
import math
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from anyapi_sora import _status
from anyapi_sora._errors_parsing import summarize_body
from anyapi_sora._exceptions import ResponseShapeError
from anyapi_sora._models import TaskStatus, VideoTask
from hypothesis import given, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TASK_ID = "sora-2:task_01k9008rhbefnt3rb1g9szxdwr"
UTC = timezone.utc


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def parse(**fields: Any) -> VideoTask:
    """A task from a body with the given fields on top of a valid id and status."""
    body: dict[str, Any] = {"id": TASK_ID, "status": "pending", **fields}
    return VideoTask.from_json(body)


# --------------------------------------------------------------------------- TaskStatus

SYNONYMS: dict[TaskStatus, list[str]] = {
    TaskStatus.PENDING: ["pending"],
    TaskStatus.QUEUED: ["queued", "submitted", "not_start", "not_started", "in_queue"],
    TaskStatus.PROCESSING: [
        "processing",
        "in_progress",
        "running",
        "generating",
        "video_generating",
        "in-progress",
        "in progress",
    ],
    TaskStatus.COMPLETED: ["completed", "complete", "success", "succeeded"],
    TaskStatus.FAILED: [
        "failed",
        "failure",
        "error",
        "video_failed",
        "upload_failed",
        "generation-failed",
    ],
    TaskStatus.CANCELLED: ["cancelled", "canceled"],
}


def _case_variants(word: str) -> list[str]:
    alternating = "".join(c.upper() if i % 2 else c for i, c in enumerate(word))
    variants = [word, word.upper(), word.title(), f"  {word.capitalize()}\n", alternating]
    return list(dict.fromkeys(variants))  # a case twice would test nothing new


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (variant, status)
        for status, words in SYNONYMS.items()
        for word in words
        for variant in _case_variants(word)
    ],
)
def test_parse_status_synonyms_in_any_case(raw: str, expected: TaskStatus) -> None:
    assert TaskStatus.parse(raw) is expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "on_hold",
        "failed_not",
        "paused",
        3,
        0,
        None,
        True,
        ["failed"],
    ],
)
def test_parse_unrecognised_is_unknown(raw: object) -> None:
    assert TaskStatus.parse(raw) is TaskStatus.UNKNOWN


def test_parse_accepts_a_member() -> None:
    assert TaskStatus.parse(TaskStatus.FAILED) is TaskStatus.FAILED


def test_only_clear_outcomes_are_terminal() -> None:
    terminal = {s for s in TaskStatus if s.is_terminal}
    assert terminal == {TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED}
    assert not TaskStatus.UNKNOWN.is_terminal


def test_status_str_is_its_value() -> None:
    assert str(TaskStatus.PROCESSING) == "processing"
    assert f"{TaskStatus.CANCELLED}" == "cancelled"
    assert json.dumps({"s": TaskStatus.COMPLETED}) == '{"s": "completed"}'  # a str subclass


@pytest.fixture
def fresh_unknown_log(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other tests (the random-JSON ones) may already have used up the once-per-value warnings.
    monkeypatch.setattr(_status, "_reported_words", set())


@pytest.mark.usefixtures("fresh_unknown_log")
def test_unknown_status_is_logged_once_then_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="anyapi_sora")
    TaskStatus.parse("Rendering_Frames")
    TaskStatus.parse("Rendering_Frames")
    records = [r for r in caplog.records if "Rendering_Frames" in r.getMessage()]
    assert [r.levelno for r in records] == [logging.WARNING, logging.DEBUG]
    assert all(r.name == "anyapi_sora" for r in records)


@pytest.mark.usefixtures("fresh_unknown_log")
def test_unknown_status_warnings_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    for i in range(_status.REPORT_LIMIT + 10):
        TaskStatus.parse(f"weird_{i}")
    assert len(caplog.records) == _status.REPORT_LIMIT


# --------------------------------------------------------------------------- fixtures


def test_create_response() -> None:
    task = VideoTask.from_json(fixture("create-200.json"))
    assert task.id == TASK_ID
    assert task.status is TaskStatus.PENDING
    assert task.raw_status == "pending"
    assert task.model == "sora-2"
    assert task.updated_at == datetime(2025, 11, 1, 15, 23, 41, 323000, tzinfo=UTC)
    assert task.progress is None
    assert task.video_url is None
    assert task.failure_reason is None
    assert not task.done
    assert not task.moderation_blocked


def test_query_pending_minimal() -> None:
    task = VideoTask.from_json(fixture("query-pending-minimal.json"), task_id=TASK_ID)
    assert task.id == TASK_ID
    assert task.status is TaskStatus.PENDING
    assert task.video_url is None  # explicit null
    assert task.enhanced_prompt is None  # "" means none
    assert task.progress is None
    assert task.updated_at == datetime(2025, 11, 1, 15, 23, 45, 1000, tzinfo=UTC)


def test_query_pending_detail() -> None:
    task = VideoTask.from_json(fixture("query-pending-detail.json"))
    assert task.id == "sora-2:task_01k6x15vhrff09dkkqjrzwhm60"
    # The top-level status stays "pending" while detail.pending_info.status has moved on.
    assert task.status is TaskStatus.PROCESSING
    assert task.raw_status == "pending"
    assert task.progress == pytest.approx(93.02178175176704)
    assert (task.width, task.height) == (352, 640)
    assert task.created_at == datetime(2025, 10, 6, 15, 10, 26, 875729, tzinfo=UTC)
    assert task.updated_at == datetime(2025, 10, 6, 15, 13, 41, 142000, tzinfo=UTC)
    assert task.failure_reason is None  # failure_reason: null
    assert not task.moderation_blocked  # moderation_result.type == "passed"


def test_query_processing_openai_style() -> None:
    task = VideoTask.from_json(fixture("query-processing-openai-style.json"))
    assert task.status is TaskStatus.PROCESSING
    assert task.progress == 45.0  # "45"
    assert task.model == "sora-2"
    assert task.created_at == datetime(2025, 11, 1, 15, 23, 41, tzinfo=UTC)  # seconds
    assert task.updated_at == datetime(2025, 11, 1, 15, 25, 0, 123000, tzinfo=UTC)
    # "size": "large" is a tier name, not dimensions.
    assert (task.width, task.height) == (None, None)
    assert task.raw["object"] == "video"
    assert task.raw["size"] == "large"


def test_query_completed() -> None:
    task = VideoTask.from_json(fixture("query-completed.json"))
    assert task.status is TaskStatus.COMPLETED
    assert task.done
    assert task.succeeded
    assert not task.failed
    assert task.video_url == (
        "https://cdn.example.com/assets/task_01k6x15vhrff09dkkqjrzwhm60/src.mp4"
        "?se=2025-10-12T15%3A04%3A21Z&sig=abc"
    )
    assert task.thumbnail_url == (
        "https://cdn.example.com/assets/task_01k6x15vhrff09dkkqjrzwhm60/thumbnail.webp?sig=def"
    )
    assert task.enhanced_prompt == "A hand-drawn figure comes to life and waves at the camera."
    assert (task.width, task.height) == (352, 640)
    assert task.progress == 100.0  # completed without a progress field
    assert task.updated_at == datetime(2025, 10, 6, 15, 14, 11, 908000, tzinfo=UTC)


def test_query_failed() -> None:
    task = VideoTask.from_json(fixture("query-failed.json"))
    assert task.status is TaskStatus.FAILED
    assert task.done
    assert task.failed
    assert not task.succeeded
    assert task.failure_reason == "This content may violate our content policies."
    assert task.moderation_blocked
    assert task.progress == pytest.approx(31.0)
    assert task.video_url is None


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("query-*.json")))
def test_every_query_fixture_keeps_the_create_id(name: str) -> None:
    body = fixture(name)
    body["id"] = body["id"].partition(":")[2]  # as some gateways answer queries
    task = VideoTask.from_json(body, task_id="sora-2:the-id-create-returned")
    assert task.id == "sora-2:the-id-create-returned"
    assert task.raw["id"] == body["id"]


# --------------------------------------------------------------------------- id and model


def test_query_id_without_prefix_is_replaced_by_create_id() -> None:
    task = VideoTask.from_json({"id": "task_x", "status": "queued"}, task_id="sora-2-pro:task_x")
    assert task.id == "sora-2-pro:task_x"
    assert task.model == "sora-2-pro"


def test_without_task_id_the_body_id_is_used() -> None:
    task = VideoTask.from_json({"id": "  task_x ", "status": "queued"})
    assert task.id == "task_x"
    assert task.model is None  # no prefix, no model field


def test_model_field_beats_id_prefix() -> None:
    assert parse(model="sora-2-all").model == "sora-2-all"
    assert parse(model="  ").model == "sora-2"
    assert parse(model=7).model == "sora-2"


def test_empty_prefix_gives_no_model() -> None:
    assert VideoTask.from_json({"id": ":task_x", "status": "queued"}).model is None


def test_the_model_of_a_task_records_upstream_object() -> None:
    body = {"id": "video_5121", "status": "SUCCESS", "data": {"model": "sora_video2"}}
    assert VideoTask.from_json(body).model == "sora_video2"
    assert VideoTask.from_json(body, task_id="sora-2:video_5121").model == "sora-2"
    assert VideoTask.from_json({**body, "model": "sora-2-all"}).model == "sora-2-all"


def test_the_model_prefix_ends_at_the_ids_first_colon() -> None:
    task = VideoTask.from_json({"id": "veo3:projects/p1:operations/op_7", "status": "queued"})
    assert task.model == "veo3"


def test_integer_id_and_task_id_key_are_accepted() -> None:
    assert VideoTask.from_json({"id": 12345, "status": "queued"}).id == "12345"
    assert VideoTask.from_json({"task_id": "sora-2:t", "status": "queued"}).id == "sora-2:t"


def test_missing_id_is_fine_when_the_caller_knows_it() -> None:
    task = VideoTask.from_json({"status": "running"}, task_id=TASK_ID)
    assert task.id == TASK_ID
    assert task.status is TaskStatus.PROCESSING


# --------------------------------------------------------------------------- shape errors


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        [{"id": TASK_ID, "status": "pending"}],
        "pending",
        42,
        True,
        {},
        {"id": TASK_ID},  # no status
        {"id": TASK_ID, "status": None},
        {"id": TASK_ID, "status": 2},
        {"id": TASK_ID, "status": ["completed"]},
        {"status": "pending"},  # no id and none passed
        {"id": "", "status": "pending"},
        {"id": "   ", "status": "pending"},
        {"id": True, "status": "pending"},
        {"id": None, "status": "pending"},
        {"id": {"x": 1}, "status": "pending"},
        # The published spec's chat-completion shape, which the real API never sends.
        {"object": "chat.completion", "created": 1, "choices": [], "usage": {}},
        # An error body sent with 200.
        {"code": "task_not_exist", "message": "task_not_exist", "data": None},
    ],
)
def test_not_a_task_raises_response_shape_error(body: object) -> None:
    with pytest.raises(ResponseShapeError) as excinfo:
        VideoTask.from_json(body, http_status=200)
    assert excinfo.value.status_code == 200
    assert excinfo.value.body_start == summarize_body(body)


def test_shape_error_message_shows_status_and_start_of_body() -> None:
    body = {"code": "x", "message": "m" * 2000}
    with pytest.raises(ResponseShapeError) as excinfo:
        VideoTask.from_json(body, http_status=202)
    error = excinfo.value
    assert isinstance(error, ValueError)
    assert "status" in str(error)
    assert "(HTTP 202)" in str(error)
    assert error.body_start.startswith('{"code":"x","message":"mmm')
    assert len(error.body_start) <= 501
    assert len(str(error)) < 700


def test_shape_error_without_http_status() -> None:
    with pytest.raises(ResponseShapeError) as excinfo:
        VideoTask.from_json("<html>oops</html>")
    assert excinfo.value.status_code is None
    assert excinfo.value.body_start == "<html>oops</html>"
    assert "HTTP" not in str(excinfo.value)


# --------------------------------------------------------------------------- progress


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0.0),
        (45, 45.0),
        (45.5, 45.5),
        (100, 100.0),
        ("0", 0.0),
        ("45", 45.0),
        ("45%", 45.0),
        (" 45.5 % ", 45.5),
        ("0.5", 0.5),  # top-level progress is a percentage, never a fraction
        (-3, 0.0),
        (250, 100.0),
        ("120%", 100.0),
        (None, None),
        ("", None),
        ("abc", None),
        ("45 percent", None),
        ("nan", None),
        ("inf", None),
        (float("nan"), None),
        (float("inf"), None),
        (10**400, None),
        (True, None),
        ([45], None),
        ({"pct": 45}, 45.0),  # an object under progress is read like the top level
        ({"percent": "45%"}, 45.0),
        ({"current": 3, "total": 10}, None),
    ],
)
def test_progress_forms(value: object, expected: float | None) -> None:
    assert parse(progress=value).progress == expected


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0, 0.0), (0.31, 31.0), (0.9302, 93.02), (1, 100.0), ("0.5", 50.0), (45, 45.0), (-1, 0.0)],
)
def test_progress_from_pending_info_fraction(fraction: object, expected: float) -> None:
    task = parse(detail={"pending_info": {"progress_pct": fraction}})
    assert task.progress == pytest.approx(expected)


def test_top_level_progress_beats_pending_fraction() -> None:
    assert parse(progress=10, detail={"pending_info": {"progress_pct": 0.9}}).progress == 10.0


def test_garbage_progress_falls_back_to_fraction() -> None:
    assert parse(progress="soon", detail={"pending_info": {"progress_pct": 0.25}}).progress == 25.0


def test_completed_without_progress_is_100_but_others_stay_unknown() -> None:
    assert parse(status="SUCCESS").progress == 100.0
    assert parse(status="failed").progress is None
    assert parse(status="processing").progress is None
    assert parse(status="completed", progress=99).progress == 99.0  # the server's word stands


# --------------------------------------------------------------------------- URLs


def test_video_url_top_level_first() -> None:
    task = parse(
        video_url="https://a/top.mp4",
        detail={"url": "https://a/detail.mp4", "draft_info": {"downloadable_url": "https://a/d"}},
    )
    assert task.video_url == "https://a/top.mp4"


def test_video_url_from_detail_url() -> None:
    task = parse(
        video_url=None,
        detail={"url": "https://a/detail.mp4", "draft_info": {"downloadable_url": "https://a/d"}},
    )
    assert task.video_url == "https://a/detail.mp4"


@pytest.mark.parametrize("junk", [None, "", "  ", 0, [], {"href": "x"}, True])
def test_video_url_from_draft_info_skipping_junk(junk: object) -> None:
    task = parse(
        video_url=junk,
        detail={"url": junk, "draft_info": {"downloadable_url": "https://a/dl.mp4"}},
    )
    assert task.video_url == "https://a/dl.mp4"


@pytest.mark.parametrize("detail", [None, "x", 3, [], {"draft_info": None}, {"draft_info": [1]}])
def test_video_url_absent_with_odd_detail(detail: object) -> None:
    assert parse(detail=detail).video_url is None


def test_thumbnail_chain() -> None:
    both = parse(thumbnail_url="https://a/t.webp", detail={"thumbnail_url": "https://a/d.webp"})
    assert both.thumbnail_url == "https://a/t.webp"
    fallback = parse(thumbnail_url="", detail={"thumbnail_url": "https://a/d.webp"})
    assert fallback.thumbnail_url == "https://a/d.webp"
    assert parse(detail={"thumbnail_url": 5}).thumbnail_url is None


# --------------------------------------------------------------------------- failure reason


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"detail": {"pending_info": {"failure_reason": "policy"}}, "fail_reason": "x"}, "policy"),
        ({"detail": {"failure_reason": "detail-level"}, "fail_reason": "x"}, "detail-level"),
        ({"fail_reason": "top", "failure_reason": "x", "error": "y"}, "top"),
        ({"failure_reason": "second", "error_message": "x"}, "second"),
        ({"error_message": "third", "error": "x"}, "third"),
        ({"error": "plain string"}, "plain string"),
        (
            {"error": {"code": "upstream_timeout", "message": "took too long"}},
            "took too long (upstream_timeout)",
        ),
        ({"error": {"message": "only message"}}, "only message"),
        ({"error": {"code": "only_code"}}, "only_code"),
        ({"error": {"code": 1001, "message": "numeric"}}, "numeric (1001)"),
        ({"error": {"code": "same", "message": "same"}}, "same"),
        ({"error": {"code": None, "message": None}}, None),
        ({"error": ["a"], "fail_reason": 3}, "a"),  # a list of errors: the first
        ({"error": [3], "fail_reason": 3}, None),
        ({"fail_reason": "", "failure_reason": "  ", "error_message": "real"}, "real"),
        ({}, None),
    ],
)
def test_failure_reason_chain(fields: dict[str, Any], expected: str | None) -> None:
    assert parse(status="failed", **fields).failure_reason == expected


def test_moderation_block_without_reason_gets_one() -> None:
    task = parse(
        status="failed",
        detail={
            "pending_info": {"moderation_result": {"type": "Blocked", "code": "input_rejected"}}
        },
    )
    assert task.moderation_blocked
    assert task.failure_reason == "blocked by moderation (input_rejected)"


def test_top_level_moderation_block_without_code() -> None:
    task = parse(status="failed", moderation_result={"type": "blocked", "code": None})
    assert task.moderation_blocked
    assert task.failure_reason == "blocked by moderation"


def test_moderation_reason_does_not_hide_the_servers_reason() -> None:
    task = parse(
        status="failed",
        fail_reason="violates policy",
        moderation_result={"type": "blocked", "code": "c"},
    )
    assert task.failure_reason == "violates policy"


@pytest.mark.parametrize("result", [{"type": "passed"}, {"type": None}, "blocked", ["blocked"], 1])
def test_not_blocked(result: object) -> None:
    task = parse(moderation_result=result, detail={"pending_info": {"moderation_result": result}})
    assert not task.moderation_blocked
    assert task.failure_reason is None


# --------------------------------------------------------------------------- dimensions


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"width": 1280, "height": 720}, (1280, 720)),
        ({"width": "1280", "height": " 720 "}, (1280, 720)),
        ({"width": 1280.0, "height": 720.0}, (1280, 720)),
        ({"width": 1280.5, "height": True}, (None, None)),
        ({"width": 0, "height": -720}, (None, None)),
        ({"width": 10**12, "height": "big"}, (None, None)),
        ({"width": 100_000, "height": 100_001}, (100_000, None)),  # the bound, then past it
        ({"detail": {"pending_info": {"width": 352, "height": 640}}}, (352, 640)),
        ({"detail": {"draft_info": {"width": "352", "height": "640"}}}, (352, 640)),
        (
            {"width": 1, "detail": {"pending_info": {"width": 2, "height": 3}}},
            (1, 3),
        ),
        ({"size": "1280x720"}, (1280, 720)),
        ({"size": "720 \u00d7 1280"}, (720, 1280)),
        ({"size": "1792*1024", "width": 10}, (10, 1024)),
        ({"size": "1792*1024", "height": 10}, (1792, 10)),
        ({"size": "large"}, (None, None)),
        ({"size": 1080}, (None, None)),
    ],
)
def test_dimensions(fields: dict[str, Any], expected: tuple[int | None, int | None]) -> None:
    task = parse(**fields)
    assert (task.width, task.height) == expected
    assert all(type(v) is int for v in (task.width, task.height) if v is not None)


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1762010621, datetime(2025, 11, 1, 15, 23, 41, tzinfo=UTC)),
        (1762010621323, datetime(2025, 11, 1, 15, 23, 41, 323000, tzinfo=UTC)),
        (1759763631.222531, datetime(2025, 10, 6, 15, 13, 51, 222531, tzinfo=UTC)),
        ("1762010621", datetime(2025, 11, 1, 15, 23, 41, tzinfo=UTC)),
        ("1762010621323", datetime(2025, 11, 1, 15, 23, 41, 323000, tzinfo=UTC)),
        ("2025-10-06T15:10:26.875729Z", datetime(2025, 10, 6, 15, 10, 26, 875729, tzinfo=UTC)),
        ("2025-10-06T15:10:26.875729z", datetime(2025, 10, 6, 15, 10, 26, 875729, tzinfo=UTC)),
        ("2025-10-06T15:10:26.8757Z", datetime(2025, 10, 6, 15, 10, 26, 875700, tzinfo=UTC)),
        ("2025-10-06T15:10:26.123456789Z", datetime(2025, 10, 6, 15, 10, 26, 123456, tzinfo=UTC)),
        ("2025-10-06T23:10:26+08:00", datetime(2025, 10, 6, 15, 10, 26, tzinfo=UTC)),
        ("2025-10-06 15:10:26", datetime(2025, 10, 6, 15, 10, 26, tzinfo=UTC)),  # naive = UTC
        ("0001-01-01T00:00:00+05:00", None),  # before datetime.min once in UTC
        ("yesterday", None),
        ("", None),
        (0, None),
        (-5, None),
        (10**30, None),
        (float("inf"), None),
        (True, None),
        ([1762010621], None),
        (None, None),
    ],
)
def test_created_at_forms(value: object, expected: datetime | None) -> None:
    assert parse(created_at=value).created_at == expected


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset (POSIX)")
def test_times_are_utc_whatever_the_local_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        moment = parse(created_at="2025-10-06T15:10:26+05:00").created_at
    finally:
        monkeypatch.undo()
        time.tzset()
    assert moment is not None
    assert moment.tzinfo is UTC
    assert moment == datetime(2025, 10, 6, 10, 10, 26, tzinfo=UTC)


def test_created_at_falls_back_to_pending_info() -> None:
    task = parse(
        created_at="garbage",
        detail={"pending_info": {"created_at": "2025-10-06T15:10:26.875729Z"}},
    )
    assert task.created_at == datetime(2025, 10, 6, 15, 10, 26, 875729, tzinfo=UTC)


def test_updated_at_is_milliseconds_and_utc() -> None:
    task = parse(status_update_time=1762010621323)
    assert task.updated_at is not None
    assert task.updated_at.utcoffset() == timedelta(0)
    assert task.updated_at.timestamp() == pytest.approx(1762010621.323)
    assert parse(status_update_time="soon").updated_at is None
    assert parse(status_update_time=None, updated_at=1762010621).updated_at == datetime(
        2025, 11, 1, 15, 23, 41, tzinfo=UTC
    )


def test_status_update_time_wins_over_updated_at() -> None:
    # Both sent, both valid: the status change's own time is the one that says when it changed.
    task = parse(status_update_time=1762010621323, updated_at="2020-01-02T03:04:05Z")
    assert task.updated_at == datetime(2025, 11, 1, 15, 23, 41, 323000, tzinfo=UTC)
    task = parse(status_update_time="2024-05-06T07:08:09Z", updated_at=1762010621)
    assert task.updated_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_updated_at_serves_when_status_update_time_is_unreadable() -> None:
    for unreadable in ("soon", 0, -1, True, "", [1762010621]):
        task = parse(status_update_time=unreadable, updated_at="2020-01-02T03:04:05Z")
        assert task.updated_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC), unreadable


# Every place a creation time is read from, most trusted first, each with its own time.
CREATED_AT_PLACES: list[tuple[tuple[str, ...], datetime]] = [
    (("created_at",), datetime(2025, 1, 1, tzinfo=UTC)),
    (("detail", "created_at"), datetime(2025, 2, 2, tzinfo=UTC)),
    (("detail", "pending_info", "created_at"), datetime(2025, 3, 3, tzinfo=UTC)),
    (("data", "created_at"), datetime(2025, 4, 4, tzinfo=UTC)),
    (("submit_time",), datetime(2025, 5, 5, tzinfo=UTC)),
]


@pytest.mark.parametrize("first", range(len(CREATED_AT_PLACES)))
def test_created_at_comes_from_the_most_trusted_place_that_has_one(first: int) -> None:
    # Places before `first` are missing; every later one holds a different time.
    body: dict[str, Any] = {"id": TASK_ID, "status": "pending", "detail": {"pending_info": {}}}
    for path, moment in CREATED_AT_PLACES[first:]:
        *parents, key = path
        place = body
        for parent in parents:
            place = place.setdefault(parent, {})
        place[key] = int(moment.timestamp())
    assert VideoTask.from_json(body).created_at == CREATED_AT_PLACES[first][1]


# --------------------------------------------------------------------------- text fields and raw


@pytest.mark.parametrize(("value", "expected"), [("", None), ("  ", None), (5, None), ("a", "a")])
def test_enhanced_prompt(value: object, expected: str | None) -> None:
    assert parse(enhanced_prompt=value).enhanced_prompt == expected


def test_enhanced_prompt_of_a_task_records_upstream_object() -> None:
    # The gateway software's task record keeps its upstream's unified body under data.
    upstream = {"status": "completed", "enhanced_prompt": " the upstream's rewrite "}
    assert parse(data=upstream).enhanced_prompt == "the upstream's rewrite"
    assert parse(enhanced_prompt="its own", data=upstream).enhanced_prompt == "its own"


def test_unknown_fields_are_kept_in_raw_read_only() -> None:
    body = {"id": TASK_ID, "status": "queued", "future_field": {"nested": [1, 2]}, "size": "small"}
    task = VideoTask.from_json(body)
    assert task.raw["future_field"] == {"nested": [1, 2]}
    assert dict(task.raw) == body
    with pytest.raises(TypeError):
        task.raw["id"] = "other"  # type: ignore[index]
    body["status"] = "completed"  # the caller's dict is not aliased
    assert task.raw["status"] == "queued"


def test_raw_status_is_exactly_what_was_sent() -> None:
    task = parse(status="  Video_Generating ")
    assert task.raw_status == "  Video_Generating "
    assert task.status is TaskStatus.PROCESSING


def test_repr_leaves_raw_out() -> None:
    task = parse(huge="x" * 100_000)
    assert "xxxx" not in repr(task)
    assert len(repr(task)) < 1000
    assert "raw=" not in repr(task)


def test_eq_and_hash_ignore_raw() -> None:
    a = parse(extra=1)
    b = parse(extra=2)
    assert a == b
    assert hash(a) == hash(b)
    assert a != parse(progress=1)


def test_tasks_are_frozen() -> None:
    task = parse()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        task.status = TaskStatus.COMPLETED  # type: ignore[misc]


def test_direct_construction_has_defaults() -> None:
    task = VideoTask(id="x", status=TaskStatus.QUEUED)
    assert task.progress is None
    assert task.raw == {}
    assert not task.done


@pytest.mark.parametrize(
    ("status", "done", "succeeded", "failed"),
    [
        (TaskStatus.PENDING, False, False, False),
        (TaskStatus.QUEUED, False, False, False),
        (TaskStatus.PROCESSING, False, False, False),
        (TaskStatus.UNKNOWN, False, False, False),
        (TaskStatus.COMPLETED, True, True, False),
        (TaskStatus.FAILED, True, False, True),
        (TaskStatus.CANCELLED, True, False, True),
    ],
)
def test_outcome_properties(status: TaskStatus, done: bool, succeeded: bool, failed: bool) -> None:
    task = VideoTask(id="x", status=status)
    assert (task.done, task.succeeded, task.failed) == (done, succeeded, failed)


# --------------------------------------------------------------------------- any JSON at all

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)

_status_words = st.sampled_from([w for words in SYNONYMS.values() for w in words])
_numeric_strings = st.builds(
    lambda n, pct: f"{n}{'%' if pct else ''}", st.floats() | st.integers(), st.booleans()
)
_timestamps = (
    st.integers(min_value=-(10**16), max_value=10**16) | st.floats() | st.text(max_size=32)
)
_moderation = st.fixed_dictionaries(
    {}, optional={"type": st.sampled_from(["blocked", "passed"]) | json_values, "code": json_values}
)
_info = st.fixed_dictionaries(
    {},
    optional={
        "progress_pct": st.floats() | _numeric_strings | json_values,
        "failure_reason": json_values,
        "width": st.integers() | _numeric_strings | json_values,
        "height": st.integers() | _numeric_strings | json_values,
        "created_at": _timestamps | json_values,
        "moderation_result": _moderation | json_values,
        "downloadable_url": st.text(max_size=20) | json_values,
    },
)
_detail = st.fixed_dictionaries(
    {},
    optional={
        "url": st.text(max_size=20) | json_values,
        "thumbnail_url": json_values,
        "pending_info": _info | json_values,
        "draft_info": _info | json_values,
        "failure_reason": json_values,
        "created_at": _timestamps,
    },
)
task_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=20) | st.integers() | json_values,
        "task_id": json_values,
        "status": _status_words | st.text(max_size=12) | json_values,
        "progress": _numeric_strings | json_values,
        "video_url": json_values,
        "thumbnail_url": json_values,
        "enhanced_prompt": json_values,
        "width": json_values,
        "height": json_values,
        "size": st.sampled_from(["1280x720", "large", "0x0", "99999999x1"]) | json_values,
        "created_at": _timestamps,
        "status_update_time": _timestamps,
        "model": json_values,
        "error": json_values | st.fixed_dictionaries({}, optional={"code": json_values}),
        "fail_reason": json_values,
        "moderation_result": _moderation,
        "detail": _detail | json_values,
    },
)


def _all_paths(value: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not isinstance(value, dict):
        return []
    paths: list[tuple[str, ...]] = []
    for key, child in value.items():
        paths.append((*prefix, key))
        paths.extend(_all_paths(child, (*prefix, key)))
    return paths


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> object:
    """A real response body with one field, at any depth, replaced by random JSON."""
    names = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("**/*.json"))
    body = fixture(draw(st.sampled_from(names)))
    paths = _all_paths(body)
    if not paths:
        return body
    path = draw(st.sampled_from(paths))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = draw(json_values)
    return body


def _check_contract(body: object, task_id: str | None) -> None:
    try:
        task = VideoTask.from_json(body, task_id=task_id, http_status=200)
    except ResponseShapeError as error:
        shape_error = error
    else:
        _check_task(task, body, task_id)
        return
    assert shape_error.status_code == 200
    assert len(shape_error.body_start) <= 501
    assert str(shape_error)
    assert repr(shape_error)


def _check_task(task: VideoTask, body: object, task_id: str | None) -> None:
    assert isinstance(task, VideoTask)
    assert isinstance(task.id, str)
    assert task.id.strip()
    if task_id:
        assert task.id == task_id
    assert isinstance(task.status, TaskStatus)
    assert isinstance(task.raw_status, str)
    assert task.progress is None or (math.isfinite(task.progress) and 0 <= task.progress <= 100)
    for moment in (task.created_at, task.updated_at):
        assert moment is None or moment.utcoffset() == timedelta(0)
    for side in (task.width, task.height):
        assert side is None or (type(side) is int and side > 0)
    for text in (task.video_url, task.thumbnail_url, task.enhanced_prompt, task.failure_reason):
        assert text is None or (isinstance(text, str) and text.strip() == text and text)
    assert isinstance(body, dict)
    assert task.raw.keys() == body.keys()
    assert all(task.raw[k] is body[k] for k in body)
    repr(task)
    hash(task)


@settings(max_examples=300)
@given(body=json_values, task_id=st.none() | st.just(TASK_ID))
def test_any_json_value_gives_a_task_or_shape_error(body: object, task_id: str | None) -> None:
    _check_contract(body, task_id)


@settings(max_examples=200)
@given(body=task_like, task_id=st.none() | st.just(TASK_ID) | st.just(""))
def test_any_task_like_object_gives_a_task_or_shape_error(
    body: object, task_id: str | None
) -> None:
    _check_contract(body, task_id)


@settings(max_examples=300)
@given(body=mutated_fixtures(), task_id=st.none() | st.just(TASK_ID))
def test_real_bodies_with_a_random_field_never_crash(body: object, task_id: str | None) -> None:
    _check_contract(body, task_id)


@given(raw=json_values)
def test_status_parse_never_raises(raw: object) -> None:
    assert isinstance(TaskStatus.parse(raw), TaskStatus)
