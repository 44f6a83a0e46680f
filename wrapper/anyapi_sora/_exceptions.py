"""Every exception the library raises.

Our exception hierarchy:

AnyAPIError                        base; also bad configuration (e.g. no API key)
 +-- InvalidParameterError         bad input caught before any request (also ValueError)
 +-- ClientClosedError             the client (or the httpx client given to it) was closed
 +-- APIConnectionError            the server could not be reached / the connection dropped
 |    +-- APITimeoutError          the HTTP request timed out (also TimeoutError)
 +-- APIStatusError                the server answered with a non-2xx status
 |    +-- BadRequestError          400
 |    +-- AuthenticationError      401
 |    +-- PermissionDeniedError    403 (on AnyAPI: quota exhausted)
 |    +-- NotFoundError            404
 |    +-- RateLimitError           429
 |    |    +-- TaskNotCreatedError  a create answered "no task" (any status): retried, never billed
 |    +-- InternalServerError      >= 500
 +-- ResponseShapeError            a 2xx body that is not a task (also ValueError)
 +-- VideoGenerationError          the task ended failed or cancelled
 +-- WaitTimeoutError              the wait deadline passed; the task runs on (also TimeoutError)

Other statuses (409, 422, 418, ...) raise a plain APIStatusError. Messages and reprs never
contain request headers, so an API key cannot leak through a traceback or a log line.

`str(error)` holds the server's message or the task's failure reason, then the `note`: the
library's advice, such as that a create which failed after reaching the gateway may have
made (and billed) a task. Once `generate()` has created its task, the note of any error of
this library leaving it names the task and the call that resumes it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx

from ._errors_parsing import (
    MESSAGE_LIMIT,
    extract_code,
    extract_message,
    extract_request_id,
    parse_retry_after,
    summarize_body,
    text_message,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._models import VideoTask

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AnyAPIError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "InternalServerError",
    "InvalidParameterError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseShapeError",
    "TaskNotCreatedError",
    "VideoGenerationError",
    "WaitTimeoutError",
    "make_status_error",
    "parse_retry_after",
]

_REPR_LIMIT = 200


def _shorten(text: str, limit: int = _REPR_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AnyAPIError(Exception):
    """Base class of every error raised by anyapi_sora."""

    message: str
    """What went wrong: the server's message, or the library's own words."""
    note: str | None
    """Advice shown after the message (e.g. that a task may have been billed), or None."""

    def __init__(self, message: str, *, note: str | None = None) -> None:
        """Make the error; `str()` shows `message`, then `note` when there is one.

        Args:
            message: What went wrong.
            note: Advice to show after it.
        """
        self.message = message
        self.note = note
        super().__init__(self._describe())

    def _describe(self) -> str:
        # The note is advice from the caller (e.g. "may have been billed"), so it goes last.
        return f"{self.message}; {self.note}" if self.note else self.message

    def __str__(self) -> str:
        # Recomputed so a message or note changed after construction still shows up.
        return self._describe()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_shorten(str(self))!r})"


class InvalidParameterError(AnyAPIError, ValueError):
    """An argument was rejected before any request was sent."""

    param: str
    """The argument at fault, e.g. `"duration"` or `"images[0]"`."""
    value: object
    """The value refused, when the check recorded it (else None)."""
    allowed: tuple[object, ...] | None
    """The values it takes, when they are a closed list (else None)."""

    def __init__(
        self,
        param: str,
        message: str | None = None,
        *,
        value: object = None,
        allowed: Iterable[object] | None = None,
    ) -> None:
        """Make the error: `invalid <param>: <message> (allowed: ...)`.

        Args:
            param: The argument at fault.
            message: What is wrong with it, and the fix; default: the value's repr.
            value: The value refused.
            allowed: The values it takes, shown in the message.
        """
        self.param = param
        self.value = value
        self.allowed = tuple(allowed) if allowed is not None else None
        problem = message if message is not None else f"got {_shorten(repr(value), 100)}"
        text = f"invalid {param}: {problem}"
        if self.allowed is not None:
            text += f" (allowed: {', '.join(repr(a) for a in self.allowed)})"
        super().__init__(text)


class ClientClosedError(AnyAPIError):
    """The client, or the httpx client passed to it as `http_client`, has been closed."""


class APIConnectionError(AnyAPIError):
    """The server could not be reached, or the connection broke before a response arrived."""

    request: httpx.Request | None
    """The request that failed (its headers carry the key: never log them)."""

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        request: httpx.Request | None = None,
        note: str | None = None,
    ) -> None:
        """Make the error.

        Args:
            message: What failed, and on which request.
            request: The request that failed.
            note: Advice, e.g. that a create may have been billed.
        """
        self.request = request
        super().__init__(message, note=note)


class APITimeoutError(APIConnectionError, TimeoutError):
    """The HTTP request timed out (connect, read, write or pool)."""

    def __init__(
        self,
        message: str = "Request timed out.",
        *,
        request: httpx.Request | None = None,
        note: str | None = None,
    ) -> None:
        """Make the error; the arguments are `APIConnectionError`'s."""
        super().__init__(message, request=request, note=note)


class APIStatusError(AnyAPIError):
    """The server answered with a non-2xx status."""

    status_code: int
    """The HTTP status of the answer."""
    body: object
    """The answer's body: the parsed JSON, else the start of its text, or None if empty."""
    code: str | None
    """The machine-readable error code in the body (`task_not_exist`, `sentinel_block`,
    `insufficient_user_quota`), if any: match on this rather than on the message."""
    request_id: str | None
    """The gateway's request id, from a header or the message, to quote to its support."""
    response: httpx.Response | None
    """The response itself (its request's headers carry the key: never log them)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: object = None,
        code: str | None = None,
        request_id: str | None = None,
        response: httpx.Response | None = None,
        note: str | None = None,
    ) -> None:
        """Make the error; usually made by the client from a response.

        Args:
            message: The server's message.
            status_code: The HTTP status.
            body: The parsed body.
            code: The error code in the body.
            request_id: The gateway's request id.
            response: The response.
            note: Advice shown after the message.
        """
        self.status_code = status_code
        self.body = body
        self.code = code
        self.request_id = request_id
        self.response = response
        super().__init__(message, note=note)

    def _describe(self) -> str:
        text = f"Error code: {self.status_code} - {self.message}"
        # The code is what a program matches on; show it unless the message is just the code.
        if self.code and self.code != self.message:
            text += f" (code: {self.code})"
        if self.request_id and self.request_id not in self.message:
            text += f" (request id: {self.request_id})"
        return f"{text}; {self.note}" if self.note else text

    def __repr__(self) -> str:
        # Deliberately leaves out `response`: its request carries the Authorization header.
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"request_id={self.request_id!r}, message={_shorten(self.message)!r})"
        )


class BadRequestError(APIStatusError):
    """400: the server rejected the parameters, the task id, or (sentinel_block) the prompt."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or invalid."""


class PermissionDeniedError(APIStatusError):
    """403: not allowed; on AnyAPI usually an exhausted quota (insufficient_user_quota)."""


class NotFoundError(APIStatusError):
    """404: wrong route or base URL, or an unknown resource."""


class RateLimitError(APIStatusError):
    """429: rate limited or upstream saturated; nothing was created, so retrying is safe."""

    retry_after: float | None
    """Seconds the gateway asked to wait (`Retry-After` or `retry-after-ms`), if it did."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 429,
        body: object = None,
        code: str | None = None,
        request_id: str | None = None,
        response: httpx.Response | None = None,
        note: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Make the error; the arguments are `APIStatusError`'s, and `retry_after`."""
        self.retry_after = retry_after
        super().__init__(
            message,
            status_code=status_code,
            body=body,
            code=code,
            request_id=request_id,
            response=response,
            note=note,
        )


class TaskNotCreatedError(RateLimitError):
    """A create answered with no task (empty id, status "error") at any HTTP status; not billed."""


class InternalServerError(APIStatusError):
    """5xx: the gateway or the upstream model failed."""


class ResponseShapeError(AnyAPIError, ValueError):
    """A 2xx response whose body is not the task object the API documents."""

    status_code: int | None
    """The HTTP status of the answer, when known."""
    body_start: str
    """The start of the body, shortened for a human to read."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body_start: str = "",
        note: str | None = None,
    ) -> None:
        """Make the error.

        Args:
            message: What the body lacks.
            status_code: The HTTP status.
            body_start: The start of the body.
            note: Advice, e.g. that a create may have been billed.
        """
        self.status_code = status_code
        self.body_start = body_start
        super().__init__(message, note=note)

    @classmethod
    def for_body(
        cls, message: str, body: object, *, status_code: int | None = None
    ) -> ResponseShapeError:
        """Make the error with the start of `body` (any object) rendered for a human.

        Args:
            message: What the body lacks.
            body: The body as parsed (or its text).
            status_code: The HTTP status.

        Returns:
            The error, not raised.
        """
        return cls(message, status_code=status_code, body_start=summarize_body(body))

    def _describe(self) -> str:
        text = self.message
        if self.status_code is not None:
            text += f" (HTTP {self.status_code})"
        if self.body_start:
            text += f"; body starts: {self.body_start}"
        return f"{text}; {self.note}" if self.note else text


class VideoGenerationError(AnyAPIError):
    """The video task ended failed or cancelled."""

    task: VideoTask
    """The task as last seen, failed or cancelled."""
    reason: str | None
    """Why, in the gateway's words (the task's `failure_reason`), or None if it gave none."""

    def __init__(self, task: VideoTask, *, reason: str | None = None) -> None:
        """Make the error: `video task <id> failed: <reason>` (or `was cancelled`).

        Args:
            task: The failed or cancelled task.
            reason: Why; default: the task's `failure_reason`.
        """
        self.task = task
        self.reason = reason if reason is not None else task.failure_reason
        # Compared by value: importing TaskStatus here would be a circular import.
        verb = "was cancelled" if task.status.value == "cancelled" else "failed"
        detail = self.reason or "the server gave no reason"
        super().__init__(f"video task {task.id} {verb}: {detail}")

    @property
    def task_id(self) -> str:
        """The id of the task that failed."""
        return self.task.id


class WaitTimeoutError(AnyAPIError, TimeoutError):
    """The wait deadline passed before the task finished; the task itself keeps running."""

    task_id: str
    """The id of the task, still running: resume with `wait(task_id)`."""
    task: VideoTask | None
    """The task as last seen, or None when no poll was answered in time."""
    timeout: float
    """The deadline that passed, in seconds."""

    def __init__(self, task_id: str, *, timeout: float, task: VideoTask | None = None) -> None:
        """Make the error, naming the task, its last status and how to resume.

        Args:
            task_id: The task's id.
            timeout: The deadline that passed, in seconds.
            task: The task as last seen.
        """
        self.task_id = task_id
        self.task = task
        self.timeout = timeout
        if task is None:
            last = "no status received yet"
        else:
            last = f"last status: {task.status.value}"
            if task.raw_status and task.raw_status.strip().lower() != task.status.value:
                last += f" ({task.raw_status!r})"
            if task.progress is not None:
                last += f", progress {task.progress:g}%"
        super().__init__(
            f"video task {task_id} did not finish within {timeout:g}s ({last}). "
            f"It is still running on the server; resume with wait({task_id!r})."
        )


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def _error_class(status_code: int) -> type[APIStatusError]:
    if status_code >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status_code, APIStatusError)


def _read_text(response: httpx.Response) -> str:
    try:
        return response.text
    except (httpx.ResponseNotRead, httpx.StreamError):
        # Streamed and not read: we cannot block (or await) here, so report without a body.
        return ""
    except (LookupError, ValueError):
        # A charset name the codec registry does not know.
        return response.content.decode("utf-8", errors="replace")


def make_status_error(
    response: httpx.Response,
    *,
    note: str | None = None,
    max_body_chars: int = MESSAGE_LIMIT,
) -> APIStatusError:
    """Build the right APIStatusError subclass from an already-read non-2xx response.

    `body` becomes the parsed JSON when the body is JSON, else the first `max_body_chars`
    characters of the text (None when empty). Never raises.

    Args:
        response: The non-2xx response, already read.
        note: Advice to show after the message.
        max_body_chars: How much of a text body to keep.

    Returns:
        The error (`RateLimitError` with its `retry_after` for a 429), not raised.
    """
    status_code = response.status_code
    text = _read_text(response)
    body: object = None
    message: str | None = None
    code: str | None = None
    if text.strip():
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):
            body = text[:max_body_chars]
            message = text_message(text)
        else:
            message = extract_message(body)
            code = extract_code(body)
            if message is None:
                # JSON without a recognised message: show it rather than say nothing.
                message = summarize_body(body, 200)
    if not message or not message.strip():
        message = response.reason_phrase or f"HTTP {status_code}"
    request_id = extract_request_id(response.headers, message)
    cls = _error_class(status_code)
    if cls is RateLimitError:
        return RateLimitError(
            message,
            status_code=status_code,
            body=body,
            code=code,
            request_id=request_id,
            response=response,
            note=note,
            retry_after=_retry_after_from_headers(response.headers),
        )
    return cls(
        message,
        status_code=status_code,
        body=body,
        code=code,
        request_id=request_id,
        response=response,
        note=note,
    )


def _retry_after_from_headers(headers: httpx.Headers) -> float | None:
    # openai-style millisecond hint first: it is more precise when a gateway sends both.
    millis = parse_retry_after(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    return parse_retry_after(headers.get("retry-after"))
