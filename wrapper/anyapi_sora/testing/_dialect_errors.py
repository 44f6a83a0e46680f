"""Each dialect's error bodies: the same failures, in the shapes its gateway sends them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from . import _responses as responses

if TYPE_CHECKING:
    from ._responses import Response

# new-api's rewrite of every 429: "this group's upstream is saturated, try later".
SATURATED = "当前分组上游负载已饱和，请稍后再试"  # noqa: RUF001
_QUOTA = "用户额度不足, 剩余额度: ＄0.000000"  # noqa: RUF001
_SENTINEL = "Hmmm something didn't look right with your request. Please try again later."


class ErrorShapes:
    """new-api's two shapes: `{"error": {message, type, code}}` for auth, quota and bad
    input, `{code, message, data: null}` for the task routes (429s and unknown tasks)."""

    def invalid_token(self, request_id: str) -> Response:
        return responses.invalid_token(request_id)

    def insufficient_quota(self, request_id: str) -> Response:
        return responses.insufficient_quota(request_id)

    def invalid_request(self, message: str) -> Response:
        return responses.invalid_request(message)

    def sentinel_block(self) -> Response:
        return responses.sentinel_block()

    def rate_limited(self, route: str, retry_after: int | None, request_id: str) -> Response:
        return responses.rate_limited(retry_after)

    def server_error(self, route: str, status: int, request_id: str) -> Response:
        return responses.upstream_failure(status, request_id)

    def task_not_exist(self) -> Response:
        return responses.task_not_exist()

    def missing_id(self) -> Response:
        return responses.task_error(400, "invalid_request", "query parameter 'id' is required")


class OpenAIErrorShapes(ErrorShapes):
    """An OpenAI-style reseller: rate limits too come as `{"error": {...}}`."""

    def rate_limited(self, route: str, retry_after: int | None, request_id: str) -> Response:
        headers = () if retry_after is None else (("Retry-After", str(retry_after)),)
        payload = {
            "error": {
                "message": f"{SATURATED} (request id: {request_id})",
                "type": "new_api_error",
                "code": "rate_limit_exceeded",
            }
        }
        return responses.json_response(429, payload, headers=headers)


class TaskRecordErrorShapes(ErrorShapes):
    """new-api's task routes: every error is `{code, message, data: null}`.

    An upstream's refusal is passed on with the upstream's status and its raw body, itself
    JSON, as the `message` (`fail_to_fetch_task`); a dead upstream is `do_request_failed`.
    """

    def invalid_token(self, request_id: str) -> Response:
        return responses.task_error(
            401, "invalid_api_key", f"无效的令牌 (request id: {request_id})"
        )

    def insufficient_quota(self, request_id: str) -> Response:
        return responses.task_error(403, "insufficient_user_quota", _QUOTA)

    def invalid_request(self, message: str) -> Response:
        return responses.task_error(400, "invalid_request", message)

    def sentinel_block(self) -> Response:
        upstream = {
            "error": {
                "code": "sentinel_block",
                "message": _SENTINEL,
                "type": "invalid_request_error",
            }
        }
        return responses.task_error(400, "fail_to_fetch_task", json.dumps(upstream))

    def rate_limited(self, route: str, retry_after: int | None, request_id: str) -> Response:
        return responses.rate_limited(retry_after)

    def server_error(self, route: str, status: int, request_id: str) -> Response:
        if route == "create":
            message = 'Post "https://upstream.example/v1/videos": dial tcp: i/o timeout'
            return responses.task_error(status, "do_request_failed", message)
        upstream = {"error": {"message": "upstream task lookup failed", "type": "server_error"}}
        return responses.task_error(status, "fail_to_fetch_task", json.dumps(upstream))


class VectorEngineErrorShapes(ErrorShapes):
    """A gateway that refuses a saturated create with a task-shaped body whose `id` is
    empty and whose `status` is "error": no task exists."""

    def rate_limited(self, route: str, retry_after: int | None, request_id: str) -> Response:
        if route != "create":
            return responses.rate_limited(retry_after)
        headers = () if retry_after is None else (("Retry-After", str(retry_after)),)
        return responses.saturated(429, headers=headers)
