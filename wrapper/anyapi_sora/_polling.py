"""The decisions of `wait`, kept free of I/O so the sync and async loops share them.

Each loop asks the server, hands the result (or the transient failure) to `WaitState`,
then sleeps for as long as `WaitState.next_sleep` says, until the task ends or the
deadline passes.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable

import attrs

from ._exceptions import (
    InvalidParameterError,
    ResponseShapeError,
    VideoGenerationError,
    WaitTimeoutError,
)
from ._models import VideoTask
from ._retry import MAX_RETRY_AFTER, is_transient, retry_after_hint

logger = logging.getLogger("anyapi_sora")

# A 10-second clip takes 2.5-5 minutes; polling faster than every few seconds earns 429s.
FIRST_POLL_DELAY = 5.0
POLL_DELAY = 10.0
POLL_JITTER = 0.2
MIN_POLL_DELAY = 1.0
# The first poll after a failure comes 1-2 s later (jitter), then twice that, and so on.
FAILURE_DELAY = 2.0
# A poll aimed at the end that progress foretells comes this much after it: progress is
# read in whole percents, and a poll a moment early costs a query and an interval.
ETA_MARGIN = 1.0

ProgressCallback = Callable[[VideoTask], object]
"""`on_progress` of `wait()` and `generate()`: called with each new state of the task."""


def check_wait_options(timeout: float | None, poll_interval: float | None) -> None:
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise InvalidParameterError("timeout", f"expected seconds > 0 or None, got {timeout!r}")
    if poll_interval is not None and (
        isinstance(poll_interval, bool)
        or not isinstance(poll_interval, (int, float))
        or not math.isfinite(poll_interval)
        or poll_interval <= 0
    ):
        raise InvalidParameterError(
            "poll_interval", f"expected seconds > 0 or None, got {poll_interval!r}"
        )


def is_wait_transient(exc: BaseException) -> bool:
    # A 200 with a garbled body is a gateway hiccup while polling, not the task's end.
    return is_transient(exc) or isinstance(exc, ResponseShapeError)


@attrs.define
class WaitState:
    """Where a wait stands: the last task seen, polls made, consecutive failures."""

    task_id: str
    timeout: float | None
    started: float
    poll_interval: float | None = None
    on_progress: ProgressCallback | None = None
    last: VideoTask | None = None
    polls: int = 0
    failures: int = 0
    _hint: float | None = None
    # The first progress seen (clock time, percent), the rate's origin; whether the last
    # task seen is not yet timed; whether the coming poll is aimed at the foretold end;
    # the progress at the last aimed poll that found the task still running.
    _origin: tuple[float, float] | None = None
    _fresh: bool = False
    _aimed: bool = False
    _missed_at: float = -math.inf

    @property
    def deadline(self) -> float:
        return math.inf if self.timeout is None else self.started + self.timeout

    def observe(self, task: VideoTask) -> VideoTask | None:
        """Record a fresh task; the task when it completed, None while it runs."""
        self.polls += 1
        self.failures = 0
        self._hint = None
        self._fresh = True
        previous = self.last
        self.last = task
        if previous is None or (previous.status, previous.progress) != (
            task.status,
            task.progress,
        ):
            logger.info(
                "task %s: %s%s",
                task.id,
                task.status.value,
                "" if task.progress is None else f" {task.progress:g}%",
            )
            if self.on_progress is not None:
                self.on_progress(task)
        if task.succeeded:
            return task
        if task.failed:
            raise VideoGenerationError(task)
        return None

    def observe_error(self, exc: BaseException) -> None:
        """Record a failed poll; a failure that will not go away ends the wait."""
        if not is_wait_transient(exc):
            raise exc
        self.polls += 1
        self.failures += 1
        self._hint = retry_after_hint(exc)
        logger.warning("polling task %s failed (%s); still waiting", self.task_id, exc)

    def _interval(self) -> float:
        if self.poll_interval is not None:
            base = float(self.poll_interval)
        elif self.polls <= 1:
            base = FIRST_POLL_DELAY
        else:
            base = POLL_DELAY * random.uniform(1 - POLL_JITTER, 1 + POLL_JITTER)
        if self._hint is not None:
            # The gateway said when to come back: that wins over any interval of ours.
            return min(self._hint, MAX_RETRY_AFTER)
        if self.failures:
            # After a blip, come back sooner than a long interval, but never sooner than the
            # backoff: a 429 must slow a tight poll_interval down, not be hammered. Repeated
            # failures back off exponentially up to the normal interval (or poll_interval).
            exponent = min(self.failures - 1, 16)
            backoff = FAILURE_DELAY * 2.0**exponent * random.uniform(0.5, 1.0)
            base = min(backoff, max(base, POLL_DELAY))
        return base

    def next_sleep(self, now: float) -> float:
        """Seconds until the next poll; WaitTimeoutError once the deadline has passed."""
        remaining = self.deadline - now
        if remaining <= 0:
            assert self.timeout is not None
            raise WaitTimeoutError(self.task_id, timeout=self.timeout, task=self.last)
        interval = self._interval()
        if self._fresh:
            self._fresh = False
            interval = self._aimed_at_end(now, interval)
        return min(interval, remaining)

    def _aimed_at_end(self, now: float, interval: float) -> float:
        """`interval`, or less when the progress seen so far says the task ends sooner.

        The rate is the progress made since the first progress seen. A task ends between
        two polls, and is noticed on average half an interval late; a poll aimed at its
        end notices it then, for no more queries when the aim is right. An aimed poll
        that finds the task still running is followed by a normal interval, and no poll
        is aimed again until the progress has moved on: a task stuck at 99 % is polled at
        the normal interval, not every second.
        """
        task = self.last
        aimed, self._aimed = self._aimed, False
        if self.poll_interval is not None or self.failures or task is None:
            return interval
        percent = task.progress
        if percent is None or task.done:
            return interval
        if self._origin is None or percent < self._origin[1]:
            self._origin = (now, percent)
            return interval
        if aimed:
            self._missed_at = percent
            return interval
        since, first = self._origin
        if not max(first, self._missed_at) < percent < 100 or now <= since:
            return interval
        left = (100 - percent) * (now - since) / (percent - first) + ETA_MARGIN
        if left >= interval:
            return interval
        self._aimed = True
        return max(left, MIN_POLL_DELAY)
