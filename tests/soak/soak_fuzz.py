"""Parsing arbitrary JSON: 10,000 examples per shape give a VideoTask or ResponseShapeError.

`nox -s soak` runs this; tests/wrapper/test_models.py runs a few hundred of each in the
default `tests` session. Anything else raised (KeyError, TypeError, OverflowError, ...)
fails, and so does a VideoTask that breaks its own promises (a progress outside 0-100,
an empty id, a naive datetime, a URL with surrounding spaces...).
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from anyapi_sora import ResponseShapeError, TaskStatus, VideoTask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = 10_000
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TASK_ID = "sora-2:task_01k9008rhbefnt3rb1g9szxdwr"
SOAK = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,  # each soak run explores afresh
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from(["", " ", "null", "0", "45", "100", "1e309", "-1", "NaN", "completed"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
STATUSES = ["pending", "queued", "processing", "in_progress", "completed", "success", "failed"]
STATUSES += ["FAILURE", "cancelled", "canceled", "video_generating", "not_start", "weird"]
timestamps = st.integers(min_value=-(2**63), max_value=2**63) | st.floats() | json_values
task_like = st.fixed_dictionaries(
    {"id": st.sampled_from([TASK_ID, "task_x", "", " ", "x" * 300]) | json_values},
    optional={
        "status": st.sampled_from(STATUSES) | json_values,
        "progress": json_values,
        "video_url": st.sampled_from(["https://f.test/v.mp4", " ", ""]) | json_values,
        "thumbnail_url": json_values,
        "enhanced_prompt": json_values,
        "width": json_values,
        "height": json_values,
        "size": st.sampled_from(["1280x720", "large", "0x0", "99999999x1"]) | json_values,
        "created_at": timestamps,
        "status_update_time": timestamps,
        "fail_reason": json_values,
        "error": json_values,
        "moderation_result": st.fixed_dictionaries({"type": st.just("blocked")}) | json_values,
        "detail": st.fixed_dictionaries(
            {},
            optional={
                "url": json_values,
                "thumbnail_url": json_values,
                "pending_info": st.fixed_dictionaries(
                    {},
                    optional={"progress_pct": json_values, "failure_reason": json_values},
                )
                | json_values,
                "draft_info": st.fixed_dictionaries({}, optional={"downloadable_url": json_values})
                | json_values,
            },
        )
        | json_values,
    },
)


def _fixture_bodies() -> list[Any]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in FIXTURES.glob("*.json")]


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> Any:
    """A recorded response body with one top-level field replaced or added."""
    body = draw(st.sampled_from(_fixture_bodies()))
    if not isinstance(body, dict):
        return body
    body = dict(body)
    body[draw(st.sampled_from([*body, "progress", "detail", "extra"]))] = draw(json_values)
    return body


def check(body: object, task_id: str | None) -> None:
    try:
        task = VideoTask.from_json(body, task_id=task_id, http_status=200)
    except ResponseShapeError as error:
        shape_error = error
    else:
        check_task(task, task_id)
        return
    assert str(shape_error)
    repr(shape_error)


def check_task(task: VideoTask, task_id: str | None) -> None:
    assert isinstance(task.id, str)
    assert task.id.strip()
    if task_id:
        assert task.id == task_id
    assert isinstance(task.status, TaskStatus)
    assert task.progress is None or (math.isfinite(task.progress) and 0 <= task.progress <= 100)
    for moment in (task.created_at, task.updated_at):
        assert moment is None or moment.utcoffset() == timedelta(0)
    for side in (task.width, task.height):
        assert side is None or (type(side) is int and side > 0)
    for text in (task.video_url, task.thumbnail_url, task.enhanced_prompt, task.failure_reason):
        assert text is None or (isinstance(text, str) and text and text.strip() == text)
    assert task.done == (task.succeeded or task.failed)
    repr(task)
    hash(task)


@pytest.mark.timeout(900)
@SOAK
@given(body=json_values, task_id=st.none() | st.just(TASK_ID))
def test_any_json_value(body: object, task_id: str | None) -> None:
    check(body, task_id)


@pytest.mark.timeout(900)
@SOAK
@given(body=task_like, task_id=st.none() | st.just(TASK_ID))
def test_any_task_like_object(body: object, task_id: str | None) -> None:
    check(body, task_id)


@pytest.mark.timeout(900)
@SOAK
@given(body=mutated_fixtures(), task_id=st.none() | st.just(TASK_ID))
def test_recorded_bodies_with_a_random_field(body: object, task_id: str | None) -> None:
    check(body, task_id)
