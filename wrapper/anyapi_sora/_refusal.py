"""A create answered by a body that names no task: nothing was created, so it may be retried.

One gateway answers a create that its saturated upstream refused with
``{"id": "", "status": "error", "error": "..."}``, sent with HTTP 200, 429 or 500. No task
exists, so nothing was billed: the create is retried like a 429, and the error that ends
the retries says so, instead of warning that a task may have been billed.
"""

from __future__ import annotations

import json

import httpx

from ._dialects import names_no_task
from ._errors_parsing import parse_retry_after
from ._exceptions import RateLimitError, TaskNotCreatedError, make_status_error

__all__ = ["refused_create"]

# A refusal is a few hundred bytes; a task body is never read twice for this.
_REFUSAL_LIMIT = 64 * 1024


def refused_create(response: httpx.Response) -> TaskNotCreatedError | None:
    """The error to raise when a create's answer names no task, else None."""
    status = response.status_code
    if 400 <= status < 500 and status != 429:
        # The other 4xx keep their own class (bad key, quota, bad input): they already say
        # nothing was created, and repeating the request would not help.
        return None
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return None
    if len(content) > _REFUSAL_LIMIT or b"error" not in content.lower():
        return None
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return None
    if not names_no_task(body):
        return None
    error = make_status_error(response)
    # A RateLimitError's own reading of the hint; a 200 or a 5xx may carry the header too.
    if isinstance(error, RateLimitError):
        retry_after = error.retry_after
    else:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
    return TaskNotCreatedError(
        f"no task was created (nothing was billed): {error.message}",
        status_code=status,
        body=error.body,
        code=error.code,
        request_id=error.request_id,
        response=response,
        retry_after=retry_after,
    )
