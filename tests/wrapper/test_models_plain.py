"""The plain body's shortcut in `VideoTask.from_json` reads exactly what the full rules read."""

from __future__ import annotations

import logging
from typing import Any

import attrs
import pytest
from anyapi_sora import _models, _status
from anyapi_sora._exceptions import ResponseShapeError
from anyapi_sora._models import TaskStatus, VideoTask
from hypothesis import given, settings
from hypothesis import strategies as st

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
) | st.sampled_from([{"error": "boom"}, {"message": "no quota", "code": 7}, [{"msg": "bad"}]])
status_words = st.sampled_from(
    [
        "pending", "queued", "processing", "in_progress", "completed", "SUCCESS", "failed",
        "FAILURE", "cancelled", "error", "generation_completed", "video_generation_failed",
        " Completed ", "", "weird-word",
    ]
) | st.text(max_size=12)  # fmt: skip
urls = st.sampled_from(
    [
        "https://files.example/v/task.mp4?sig=x",
        " https://files.example/v/cover.jpg ",
        "http://h/a.mp3",
        "https://h/video",
        "ftp://h/x.mp4",
        "not a url",
    ]
)
plain_values: dict[str, st.SearchStrategy[Any]] = {
    "id": st.sampled_from(["sora-2:task_01", "task_02", "", "  ", "123"])
    | st.integers()
    | json_values,
    "status": status_words | json_values,
    "progress": st.sampled_from([0, 45, "45%", " 12.5 ", 100, 140, -3, "0.5"]) | json_values,
    "status_update_time": st.sampled_from(
        [1762010621323, 1762010621, "2025-11-01T10:00:00Z", 0, "1762010621323"]
    ) | json_values,
    "video_url": urls | json_values,
}  # fmt: skip


@st.composite
def plain_bodies(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.sets(st.sampled_from(sorted(plain_values)), min_size=1))
    assert keys <= _models._PLAIN_KEYS
    return {key: draw(plain_values[key]) for key in sorted(keys)}


def outcome(parse: Any) -> object:
    try:
        task = parse()
    except ResponseShapeError as exc:
        return ("error", str(exc))
    return (attrs.asdict(task, filter=lambda a, _: a.name != "raw"), dict(task.raw))


def parsed_by_every_rule(body: dict[str, Any], task_id: str | None) -> VideoTask:
    def every_rule(_cls: type[VideoTask], plain: dict[str, Any], tid: str, raw: str) -> VideoTask:
        return VideoTask._from_any(plain, plain, tid, raw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(VideoTask, "_from_plain", classmethod(every_rule))
        return VideoTask.from_json(body, task_id=task_id)


@settings(max_examples=400, deadline=None)
@given(body=plain_bodies(), task_id=st.sampled_from([None, "sora-2:task_given", "given"]))
def test_a_plain_body_parses_as_every_rule_reads_it(
    body: dict[str, Any], task_id: str | None
) -> None:
    shortcut = outcome(lambda: VideoTask.from_json(body, task_id=task_id))
    assert shortcut == outcome(lambda: parsed_by_every_rule(body, task_id))


def test_the_official_query_body_takes_the_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object) -> VideoTask:
        raise AssertionError("the full rules ran for a plain body")

    monkeypatch.setattr(VideoTask, "_from_any", classmethod(refused))
    body = {
        "id": "sora-2:task_01",
        "status": "completed",
        "progress": 100,
        "status_update_time": 1762010621323,
        "video_url": "https://files.example/v/task_01.mp4?sig=x",
    }
    task = VideoTask.from_json(body, task_id="sora-2:task_01")
    assert task.succeeded
    assert task.video_url == body["video_url"]
    assert task.model == "sora-2"


def test_any_other_key_runs_every_rule() -> None:
    body = {"id": "t", "status": "processing", "detail": {"pending_info": {"status": "running"}}}
    task = VideoTask.from_json(body)
    assert task.status.value == "processing"
    wide = {"id": "t", "status": "completed", "video_url": "https://h/v.mp4", "width": 1280}
    assert VideoTask.from_json(wide).width == 1280


VIDEO = "https://files.example/v/task_01.mp4?sig=x"


# A gateway may send the URL in a list or an object: a completed task searches for it.
@pytest.mark.parametrize("extra", [{}, {"model": "sora-2"}], ids=["plain", "every-rule"])
@pytest.mark.parametrize("form", [[VIDEO], {"url": VIDEO}], ids=["list", "object"])
def test_a_completed_task_finds_its_video_in_another_form(
    form: object, extra: dict[str, Any]
) -> None:
    body = {"id": "t", "status": "completed", "video_url": form, **extra}
    assert VideoTask.from_json(body).video_url == VIDEO


# Only a completed task is searched: a running one has no video yet, whatever its body holds.
@pytest.mark.parametrize("extra", [{}, {"model": "sora-2"}], ids=["plain", "every-rule"])
def test_a_running_task_is_not_searched_for_a_video(extra: dict[str, Any]) -> None:
    body = {"id": "t", "status": "processing", "video_url": [VIDEO], **extra}
    task = VideoTask.from_json(body)
    assert task.status is TaskStatus.PROCESSING
    assert task.video_url is None


@pytest.mark.parametrize("extra", [{}, {"model": "sora-2"}], ids=["plain", "every-rule"])
@pytest.mark.parametrize(
    ("word", "level", "says"),
    [
        ("Rendering_Frames_Now", logging.WARNING, "treating the task as running"),
        ("Task_Succeeded", logging.INFO, "read it as completed"),
    ],
)
def test_a_word_no_table_knows_is_logged_as_sent(
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    extra: dict[str, Any],
    word: str,
    level: int,
    says: str,
) -> None:
    monkeypatch.setattr(_status, "_reported_words", set())
    caplog.set_level(logging.DEBUG, logger="anyapi_sora")
    VideoTask.from_json({"id": "t", "status": word, "video_url": VIDEO, **extra})
    (record,) = caplog.records
    assert record.levelno == level
    assert repr(word) in record.getMessage()
    assert says in record.getMessage()
