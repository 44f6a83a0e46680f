"""When a failed request is retried, and how long to wait first.

Reads (query, download) are safe to repeat. A create is billed once the gateway accepts
it, so it is repeated only when no task can exist: the connection was never made, the
gateway answered 429, or its answer named no task (``TaskNotCreatedError``, a
``RateLimitError``, whatever the HTTP status).
"""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ._errors_parsing import parse_retry_after
from ._exceptions import APIConnectionError, APIStatusError, InternalServerError, RateLimitError

if TYPE_CHECKING:
    import tenacity

logger = logging.getLogger("anyapi_sora")

# httpx errors raised before any byte of the request left this machine.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

BILLING_NOTE = (
    "the request reached the server, so a task may have been created and billed; "
    "it was not retried. Check your recent tasks before creating it again"
)


# A gateway asking for an hour is not a wait a caller expects from one call (or one poll).
MAX_RETRY_AFTER = 60.0


def was_not_sent(exc: BaseException) -> bool:
    return isinstance(exc, APIConnectionError) and isinstance(exc.__cause__, NOT_SENT_ERRORS)


def is_transient(exc: BaseException) -> bool:
    """A failure that a later identical read may not hit."""
    return isinstance(exc, (APIConnectionError, RateLimitError, InternalServerError))


def retry_after_hint(exc: BaseException) -> float | None:
    if isinstance(exc, RateLimitError) and exc.retry_after is not None:
        return exc.retry_after
    if isinstance(exc, APIStatusError) and exc.response is not None:
        # 503s may carry the header too.
        return parse_retry_after(exc.response.headers.get("retry-after"))
    return None


@attrs.frozen
class RetryPolicy:
    """Exponential backoff with full jitter, capped, honouring a sane Retry-After."""

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = MAX_RETRY_AFTER

    def backoff(self, attempt: int) -> float:
        """Full jitter (AWS style): uniform over [0, min(cap, base * 2**(attempt-1))]."""
        # The exponent is bounded: 2**1024 overflows a float, and the cap is reached long before.
        exponent = min(max(0, attempt - 1), 64)
        ceiling = min(self.max_delay, self.base_delay * 2.0**exponent)
        return random.uniform(0, ceiling)

    def delay(self, exc: BaseException, attempt: int) -> float:
        hint = retry_after_hint(exc)
        if hint is not None:
            return min(hint, self.max_retry_after)
        return self.backoff(attempt)

    def should_retry(self, exc: BaseException, *, idempotent: bool) -> bool:
        if idempotent:
            return is_transient(exc)
        return isinstance(exc, RateLimitError) or was_not_sent(exc)

    def tenacity_options(self, *, idempotent: bool, what: str) -> dict[str, Any]:
        """Arguments shared by tenacity.Retrying and tenacity.AsyncRetrying."""
        # Imported on the first retry, not at `import anyapi_sora` (see _http.replaying).
        import tenacity

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            return self.delay(exc, state.attempt_number) if exc else 0.0

        def log_retry(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            sleep = state.next_action.sleep if state.next_action else 0.0
            logger.warning(
                "%s failed (%s); retry %d/%d in %.2fs",
                what,
                exc,
                state.attempt_number,
                self.max_retries,
                sleep,
            )

        return {
            "stop": tenacity.stop_after_attempt(self.max_retries + 1),
            "retry": tenacity.retry_if_exception(
                lambda exc: self.should_retry(exc, idempotent=idempotent)
            ),
            "wait": wait,
            "before_sleep": log_retry,
            "reraise": True,
        }
