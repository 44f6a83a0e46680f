"""Where each mock dialect puts what a client needs, written out independently of the mock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

CREATE = "/v1/video/create"
QUERY = "/v1/video/query"

Body = dict[str, Any]

# Where the finished video's URL sits in each dialect's completed query body.
VIDEO_URL: dict[str, Callable[[Body], str]] = {
    "anyapi": lambda body: body["video_url"],
    "anyapi-detail": lambda body: body["detail"]["url"],
    "openai-video": lambda body: body["video_url"],
    "newapi-task": lambda body: body["data"]["video_url"],
    "veo-upsample": lambda body: body["video_url"],
    "newapi-video": lambda body: body["metadata"]["url"],
    "yunwu": lambda body: body["video_url"],
}

# The word each dialect ends a failed task with.
FAILED_WORD = {
    "anyapi": "failed",
    "anyapi-detail": "failed",
    "openai-video": "failed",
    "newapi-task": "FAILURE",
    "veo-upsample": "video_generation_failed",
    "newapi-video": "failed",
    "yunwu": "failure",
}


def created_id(dialect: str, body: Body) -> str:
    """The id a client must keep from a create answer (a task record's `task_id`)."""
    task_id = body["task_id"] if dialect == "newapi-task" else body["id"]
    assert isinstance(task_id, str)
    return task_id


def create(client: httpx.Client, dialect: str, body: Body) -> tuple[str, Body]:
    response = client.post(CREATE, json=body)
    assert response.status_code == 200, response.text
    answer: Body = response.json()
    return created_id(dialect, answer), answer


def query(client: httpx.Client, task_id: str) -> Body:
    response = client.get(QUERY, params={"id": task_id})
    assert response.status_code == 200, response.text
    answer: Body = response.json()
    return answer


def status_word(dialect: str, body: Body) -> str:
    """The status as the dialect states it; for the detailed body, the inner one too."""
    if dialect == "anyapi-detail" and "pending_info" in body.get("detail", {}):
        return f"{body['status']}/{body['detail']['pending_info']['status']}"
    word = body["status"]
    assert isinstance(word, str)
    return word


class Clock:
    """A clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now
