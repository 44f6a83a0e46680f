"""`refused_create`: which answers to a create say that no task exists."""

from __future__ import annotations

import json

import httpx
import pytest
from anyapi_sora import RateLimitError, TaskNotCreatedError
from anyapi_sora._refusal import refused_create

NO_TASK = {"id": "", "status": "error", "error": "upstream saturated"}
REQUEST = httpx.Request("POST", "https://gw.test/v1/video/create")


def answer(status: int, body: object, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers, request=REQUEST)


@pytest.mark.parametrize("status", [200, 202, 429, 500, 502, 503])
def test_a_no_task_body_is_a_refusal_at_these_statuses(status: int) -> None:
    response = answer(status, NO_TASK)
    refusal = refused_create(response)
    assert isinstance(refusal, TaskNotCreatedError)
    assert isinstance(refusal, RateLimitError)  # retried like a 429
    assert refusal.status_code == status
    assert refusal.message == "no task was created (nothing was billed): upstream saturated"
    # The answer itself, for its headers and request id, as on any APIStatusError.
    assert refusal.response is response


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 499])
def test_other_4xx_keep_their_own_error(status: int) -> None:
    assert refused_create(answer(status, NO_TASK)) is None


@pytest.mark.parametrize(
    "body",
    [
        {"id": "task_1", "status": "error"},  # a task that failed at once: it exists
        {"id": "", "status": "failed", "error": "x"},
        {"id": "", "status": "pending"},
        {"status": "error", "data": {"id": "task_1"}},
        ["error"],
        "error",
    ],
)
def test_an_answer_that_names_a_task_or_is_no_error_is_not_a_refusal(body: object) -> None:
    assert refused_create(answer(500, body)) is None


@pytest.mark.parametrize(
    "content",
    [b"<html>error</html>", b'{"id": "", "status": "error"', b"", b"[" * 100_000 + b"error"],
)
def test_a_body_that_is_not_json_is_not_a_refusal(content: bytes) -> None:
    assert refused_create(answer(500, content)) is None


def test_a_huge_body_is_not_read_as_a_refusal() -> None:
    # A refusal is a few hundred bytes; a body past 64 KiB is not parsed for one.
    padding = 64 * 1024 - len(json.dumps({**NO_TASK, "pad": ""}))
    at_limit = {**NO_TASK, "pad": "x" * padding}
    assert len(json.dumps(at_limit)) == 64 * 1024
    assert refused_create(answer(500, at_limit)) is not None
    over = {**NO_TASK, "pad": "x" * (padding + 1)}
    assert refused_create(answer(500, over)) is None


def test_the_word_error_is_looked_for_in_any_case() -> None:
    assert refused_create(answer(500, {"id": "", "status": "ERROR"})) is not None


def test_an_unread_streamed_answer_is_not_a_refusal() -> None:
    response = httpx.Response(500, stream=httpx.ByteStream(b"{}"), request=REQUEST)
    assert refused_create(response) is None


@pytest.mark.parametrize("status", [200, 429, 500, 503])
def test_a_refusal_keeps_its_retry_after_whatever_the_status(status: int) -> None:
    # .retry_after is what a caller that catches RateLimitError schedules its retry by.
    refusal = refused_create(answer(status, NO_TASK, **{"Retry-After": "12"}))
    assert refusal is not None
    assert refusal.retry_after == 12.0
    refusal = refused_create(answer(status, NO_TASK))
    assert refusal is not None
    assert refusal.retry_after is None
