"""What `VideoTask.from_json` says about a body that is not a task, word for word.

The message is what a user reads when a gateway answers with something else than a task:
it must name what the body lacks, with the HTTP status and the start of the body.
"""

from __future__ import annotations

import pytest
from anyapi_sora._errors_parsing import summarize_body
from anyapi_sora._exceptions import ResponseShapeError
from anyapi_sora._models import VideoTask

TASK_ID = "sora-2:task_01k9008rhbefnt3rb1g9szxdwr"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            [{"id": TASK_ID, "status": "pending"}],
            "expected a JSON object describing a video task",
        ),
        ({"id": TASK_ID, "status": 2}, "video task response has no 'status' string"),
        (
            {"id": "", "status": "error", "error": "upstream saturated"},
            "the answer names no task (no id, status 'error')",
        ),
        ({"status": "pending"}, "video task response has no 'id'"),
    ],
    ids=["not-an-object", "no-status", "no-task", "no-id"],
)
def test_each_shape_error_says_what_the_body_lacks(body: object, message: str) -> None:
    with pytest.raises(ResponseShapeError) as excinfo:
        VideoTask.from_json(body, http_status=429)
    error = excinfo.value
    assert error.message == message
    assert error.status_code == 429
    assert error.body_start == summarize_body(body)
    assert str(error) == f"{message} (HTTP 429); body starts: {summarize_body(body)}"
