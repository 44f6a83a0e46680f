"""Responses the mock sends, and the error bodies the real gateways use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator


class Body(Protocol):
    """A response body that may be too large to hold in memory."""

    @property
    def length(self) -> int: ...

    def chunks(self) -> Iterator[bytes]: ...


@dataclass(frozen=True, slots=True)
class BytesBody:
    data: bytes

    @property
    def length(self) -> int:
        return len(self.data)

    def chunks(self) -> Iterator[bytes]:
        yield self.data


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: Body
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    refused: str | None = None
    """Why the gateway's limits refused this request ("rate", "active_tasks"), if they did."""


def json_response(
    status: int, payload: Any, *, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    data = json.dumps(payload, ensure_ascii=False).encode()
    return Response(status, BytesBody(data), "application/json; charset=utf-8", headers)


def html_response(status: int, html: str) -> Response:
    return Response(status, BytesBody(html.encode()), "text/html; charset=utf-8")


def new_api_error(
    status: int, message: str, *, code: str = "", type_: str = "new_api_error"
) -> Response:
    """The `{"error": {message, type, code}}` shape used for auth, quota and bad input."""
    return json_response(status, {"error": {"message": message, "type": type_, "code": code}})


def invalid_token(request_id: str) -> Response:
    return new_api_error(401, f"无效的令牌 (request id: {request_id})")


def insufficient_quota(request_id: str) -> Response:
    message = f"用户额度不足, 剩余额度: ＄0.000000 (request id: {request_id})"  # noqa: RUF001
    return new_api_error(403, message, code="insufficient_user_quota")


def invalid_request(message: str) -> Response:
    return new_api_error(400, message, code="invalid_request", type_="invalid_request_error")


def sentinel_block() -> Response:
    """The upstream's refusal of a prompt at submit time; no task is made or billed."""
    message = "Hmmm something didn't look right with your request. Please try again later."
    return new_api_error(400, message, code="sentinel_block", type_="invalid_request_error")


def task_error(status: int, code: str, message: str | None = None) -> Response:
    """The `{code, message, data}` shape of the task routes."""
    return json_response(status, {"code": code, "message": message or code, "data": None})


def task_not_exist() -> Response:
    return task_error(400, "task_not_exist")


_SATURATED = "当前分组上游负载已饱和，请稍后再试"  # noqa: RUF001


def rate_limited(retry_after: int | None) -> Response:
    headers = () if retry_after is None else (("Retry-After", str(retry_after)),)
    payload = {"code": "upstream_error", "message": _SATURATED, "data": None}
    return json_response(429, payload, headers=headers)


def saturated(status: int, *, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """A refused create in the shape of a task that does not exist: empty `id`,
    `status: "error"`. One gateway sends it with 500, others with 429 or even 200."""
    payload = {"id": "", "status": "error", "error": _SATURATED}
    return json_response(status, payload, headers=headers)


_REASONS = {
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}


def nginx_page(status: int) -> Response:
    """The HTML page a reverse proxy sends when the app behind it is missing or dead."""
    title = f"{status} {_REASONS.get(status, 'Error')}"
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return html_response(status, html)


def upstream_failure(status: int, request_id: str) -> Response:
    message = f"bad response status code {status} (request id: {request_id})"
    return new_api_error(status, message, code="bad_response_status_code", type_="upstream_error")


def malformed_json() -> Response:
    # Cut off inside a string, the way a proxy that lost the upstream mid-stream leaves it.
    data = b'{"id": "sora-2:task_01k9008rhbefnt3rb1g9szxdwr", "status": "pen'
    return Response(200, BytesBody(data), "application/json")


def cdn_forbidden(message: str) -> Response:
    """What a blob store says to a bad or expired signature (Azure-style XML)."""
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
        f"<Message>{message}</Message></Error>"
    )
    return Response(403, BytesBody(xml.encode()), "application/xml")


def blob_not_found() -> Response:
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code>'
        "<Message>The specified blob does not exist.</Message></Error>"
    )
    return Response(404, BytesBody(xml.encode()), "application/xml")


def internal_error() -> Response:
    return task_error(
        500, "mock_internal_error", "the mock server failed; see server.internal_errors"
    )
