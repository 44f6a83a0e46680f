"""One pace for all the requests of a client: the gateway's budget is shared, so is the pacer.

A gateway limits a key (requests a second or a minute) and an upstream (tasks at once), and
says so with 429s, 503s, or a create answered with no task. A client whose every request
backs off alone meets that budget as a storm: each wait polls on its own clock, each
create retries on its own. So every client (and its `with_options` copies, which share its
connections) has one `Pacer`:

- a request rate, unlimited until the gateway first says it is saturated (or capped from
  the start by `max_requests_per_second`), then cut multiplicatively on each saturation
  answer and grown back additively on success (AIMD, as TCP does), with a floor of one
  request a second: a client below that is not what saturates a gateway;
- `Retry-After` held for every request (a create's only for creates: it speaks of the
  upstream's capacity, and polls are what free it);
- a poll lane: the polls of many waits are spaced evenly over their interval instead of
  all coming due at once (tasks created together would otherwise be polled together);
- the create window (`_create_window`), which keeps creates within the tasks the gateway
  has room for.

Everything here is arithmetic under a `threading.Lock`, never held across a sleep: the
caller sleeps the delay it is given on its own clock (`Clock.sleep` or `Clock.asleep`), so
one pacer serves threads, asyncio and trio alike, and tests drive it with a fake clock.

Why not a library: aiolimiter and aimd-limiter are asyncio-only, pyrate-limiter sleeps with
asyncio and has fixed rates, limits and throttled-py are fixed-rate limiters built around
storage backends, and aiometer schedules a fixed rate on one event loop. None adapts its
rate to 429s, honours Retry-After, works for sync threads, asyncio and trio at once and
takes the client's clock; each would also cost import time on every `import anyapi_sora`.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from typing import TYPE_CHECKING

from ._create_window import CreateWindow
from ._exceptions import APIStatusError, RateLimitError
from ._polling import FIRST_POLL_DELAY
from ._retry import MAX_RETRY_AFTER, retry_after_hint

if TYPE_CHECKING:
    from ._clock import Clock
    from ._inflight import SendTracker
    from ._polling import WaitState

logger = logging.getLogger("anyapi_sora")

# Below one request a second a client is not what saturates a gateway; cutting further
# would only slow a single wait that retries a blip.
MIN_RATE = 1.0
# The cut on saturation: 0.7, as CUBIC's, oscillates less than halving.
DECREASE = 0.7
# Growth after a cut: this share of the rate at the cut, per second of successes.
INCREASE = 0.02
# Requests allowed back to back under an adaptive rate (a retry soon after a failure).
ADAPTIVE_BURST = 3
# The demand a cut starts from is measured over about this many seconds.
DEMAND_WINDOW = 2.0
# Demand is measured over at least this long: a lone request and its retries are no fleet.
MIN_DEMAND_SPAN = DEMAND_WINDOW
# Once the rate has grown this far past the rate at the last cut, pacing lets go.
RELEASE_FACTOR = 4.0
# The poll lane keeps this share of the polls' interval, so that jitter and late comers
# never queue up behind each other: 10 s of polls for N tasks fit in 7.5 s.
LANE_SHARE = 0.75


class Pacer:
    """The shared pace of one client's requests; see the module docstring."""

    def __init__(
        self,
        clock: Clock,
        *,
        max_requests_per_second: float | None = None,
        max_active_tasks: int | None = None,
    ) -> None:
        self.clock = clock
        self.ceiling = max_requests_per_second
        self.creates = CreateWindow(max_active_tasks)
        self._lock = threading.Lock()
        # None: not limited. With a ceiling, pacing starts at it.
        self._rate: float | None = max_requests_per_second
        self._rate_at_cut = 0.0
        self._tat = -math.inf  # GCRA's theoretical arrival time of the next request
        self._hold_until = -math.inf
        self._create_hold_until = -math.inf
        self.generation = 0
        self._window_start = -math.inf
        self._count = 0
        self._previous_count = 0
        self._previous_span = 0.0
        self._lane_demand = 0.0
        self._lane_next = -math.inf
        self.refusals: Counter[str] = Counter()
        """Saturation answers seen ("create", "query"): 429s, 503s, creates with no task."""

    # The request rate

    @property
    def rate(self) -> float | None:
        """Requests a second this client keeps to now; None while it is not limited."""
        return self._rate

    def _burst(self) -> int:
        assert self._rate is not None
        # At the caller's own ceiling, no burst: the ceiling is what the gateway allows.
        at_ceiling = self.ceiling is not None and self._rate >= self.ceiling
        return 1 if at_ceiling else ADAPTIVE_BURST

    def delay(self, *, create: bool) -> float:
        """Seconds to wait before sending a request; the request is counted as sent then."""
        now = self.clock.monotonic()
        if (
            self._rate is None
            and now >= self._hold_until
            and now >= self._create_hold_until
            and now - self._window_start < DEMAND_WINDOW
        ):
            # The common case, on every request of a client the gateway never refused:
            # no lock. A count lost to a race only blurs the demand estimate a little.
            self._count += 1
            return 0.0
        with self._lock:
            if now - self._window_start >= DEMAND_WINDOW:
                recent = now - self._window_start < 2 * DEMAND_WINDOW
                self._previous_count = self._count if recent else 0
                self._previous_span = now - self._window_start if recent else 0.0
                self._window_start, self._count = now, 0
            self._count += 1
            start = max(now, self._hold_until, self._create_hold_until if create else now)
            rate = self._rate
            if rate is None:
                return start - now
            interval = 1.0 / rate
            at = max(start, self._tat - (self._burst() - 1) * interval)
            self._tat = max(self._tat, at) + interval
            return at - now

    def _demand(self, now: float) -> float:
        """Requests a second sent lately (the last one or two windows)."""
        span = self._previous_span + max(now - self._window_start, 0.0)
        return (self._previous_count + self._count) / max(span, MIN_DEMAND_SPAN)

    def saturated(self, *, create: bool, generation: int, retry_after: float | None) -> None:
        """The gateway refused a request sent at `generation` for saturation."""
        now = self.clock.monotonic()
        with self._lock:
            self.refusals["create" if create else "query"] += 1
            if retry_after is not None:
                until = now + min(max(retry_after, 0.0), MAX_RETRY_AFTER)
                if create:
                    self._create_hold_until = max(self._create_hold_until, until)
                else:
                    self._hold_until = max(self._hold_until, until)
            if create or generation < self.generation:
                # A create's refusal speaks of capacity (the create window's business); an
                # answer to a request sent before the last cut is that cut's, not a new one.
                return
            demand = self._demand(now)
            base = demand if self._rate is None else min(self._rate, max(demand, MIN_RATE))
            rate = max(MIN_RATE, base * DECREASE)
            if self.ceiling is not None:
                rate = min(rate, self.ceiling)
            self._rate, self._rate_at_cut = rate, rate
            # No burst after a cut, and one interval before the next request: the gateway's
            # own budget is spent, and needs that long to hold one more request. (At the
            # floor, a client is no fleet: a lone request's retries keep their backoff.)
            self._tat = now + ADAPTIVE_BURST / rate if rate > MIN_RATE else now
            self.generation += 1
        logger.info("the gateway is saturated: pacing requests at %.2f a second", rate)

    def succeeded(self) -> None:
        """A request was answered (not refused): the rate may grow back."""
        if self._rate is None or self._rate_at_cut == 0.0:
            return  # not limited, or limited only by the caller's ceiling
        with self._lock:
            rate = self._rate
            if rate is None:
                return
            rate += INCREASE * self._rate_at_cut / rate
            if self.ceiling is not None and rate >= self.ceiling:
                self._rate, self._rate_at_cut = self.ceiling, 0.0
            elif self.ceiling is None and rate >= RELEASE_FACTOR * self._rate_at_cut:
                self._rate, self._rate_at_cut = None, 0.0
            else:
                self._rate = rate

    # The poll lane

    def join_polling(self, interval: float) -> None:
        with self._lock:
            self._lane_demand += 1.0 / interval

    def leave_polling(self, interval: float) -> None:
        with self._lock:
            self._lane_demand = max(0.0, self._lane_demand - 1.0 / interval)
            if self._lane_demand < 1e-9:
                self._lane_demand, self._lane_next = 0.0, -math.inf

    def poll_at(self, due: float) -> float:
        """When a poll due at `due` goes: never before it, nor sooner after the lane's last
        poll than the lane's share of a poll interval divided among the waits."""
        with self._lock:
            if self._lane_demand <= 0.0:
                return due
            at = max(due, self._lane_next)
            self._lane_next = at + LANE_SHARE / self._lane_demand
            return at


def after_failure(
    pacer: Pacer,
    exc: BaseException,
    *,
    create: bool,
    generation: int,
    tracker: SendTracker | None,
) -> None:
    """Tell the pacer what a failed request means: saturation (a 429, a create answered with
    no task, a 503) slows the client down; a create's slot is freed either way."""
    refused = isinstance(exc, RateLimitError)
    if refused or (isinstance(exc, APIStatusError) and exc.status_code == 503):
        pacer.saturated(create=create, generation=generation, retry_after=retry_after_hint(exc))
    ticket = None if tracker is None else tracker.ticket
    if ticket is not None:
        assert tracker is not None
        tracker.ticket = None
        if refused:
            pacer.creates.refuse(ticket)
        else:
            pacer.creates.release(ticket)


class PollPacing:
    """One wait's place in its client's pacing: its share of the poll lane, and its task
    counted as running in the create window, from its first poll to its end."""

    def __init__(self, pacer: Pacer | None, task_id: str, poll_interval: float | None) -> None:
        self._pacer = pacer
        self._task_id = task_id
        # The shortest interval of a default wait (its first): its own polls never wait for
        # their turn.
        self._interval = FIRST_POLL_DELAY if poll_interval is None else float(poll_interval)

    def __enter__(self) -> PollPacing:
        if self._pacer is not None:
            self._pacer.join_polling(self._interval)
            self._pacer.creates.watch(self._task_id)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pacer is not None:
            self._pacer.leave_polling(self._interval)
            self._pacer.creates.unwatch(self._task_id)

    def turn(self, state: WaitState, now: float) -> float:
        """Seconds from now (when the wait's own interval is over) to its turn in the lane.

        Asked when the poll is due, not when its sleep starts: by then every wait of a
        fleet created together has joined, and the lane spaces them all. A poll after a
        failure keeps its backoff (or the gateway's Retry-After) and takes no turn: the
        rate pacing covers a storm of those.
        """
        if self._pacer is None or state.failures:
            return 0.0
        at = self._pacer.poll_at(now)
        return min(at - now, state.deadline - now)
