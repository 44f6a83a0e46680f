"""A gateway's limits: a request rate per route (token buckets) and a number of active tasks.

Real gateways refuse work in two ways: a key or a group may send only so many requests a
second (or a minute), and an upstream runs only so many tasks at once. The mock models
both as a budget, not as random faults, so a test or a benchmark can ask how a client
behaves near the limit: how often it is refused, and how close to the gateway's capacity
it gets.

Time is the server's clock (`MockServer(clock=)` plus `advance`), so a simulation that
speeds that clock up (see `ScaledClock`) speeds the limits up with it.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from ._faults import Fault, FaultKind

LimitRoute = Literal["api", "create", "query", "download", "any"]
"""What a rate limit counts: "api" is create and query (the gateway's API; files come from
a file host), "any" adds downloads."""

LIMIT_ROUTES: tuple[LimitRoute, ...] = ("api", "create", "query", "download", "any")

RefusalReason = Literal["rate", "active_tasks"]
"""Why a request was refused: over a rate limit, or a create over `max_active_tasks`."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: `per_second` requests a second on average, up to `burst` at once.

    The bucket starts full. A request over the limit is refused and uses no token.
    """

    per_second: float
    burst: int = 1
    route: LimitRoute = "api"

    def __post_init__(self) -> None:
        if not (isinstance(self.per_second, (int, float)) and 0 < self.per_second < math.inf):
            raise ValueError(f"per_second must be a number > 0, got {self.per_second!r}")
        if isinstance(self.burst, bool) or not isinstance(self.burst, int) or self.burst < 1:
            raise ValueError(f"burst must be a whole number >= 1, got {self.burst!r}")
        if self.route not in LIMIT_ROUTES:
            raise ValueError(f"route must be one of {LIMIT_ROUTES}, got {self.route!r}")

    def covers(self, route: str) -> bool:
        """Whether this limit counts requests to `route`.

        Args:
            route: "create", "query" or "download".

        Returns:
            True when `route` is this limit's route, or one of the routes its "api"
            (create and query) or "any" (all three) stands for.
        """
        if self.route == "any":
            return route in ("create", "query", "download")
        if self.route == "api":
            return route in ("create", "query")
        return self.route == route


class TokenBucket:
    """One `RateLimit`'s tokens. Not locked: `GatewayLimits` holds the lock."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._tokens = float(limit.burst)
        self._updated: float | None = None

    def _refill(self, now: float) -> None:
        if self._updated is not None and now > self._updated:
            gained = (now - self._updated) * self.limit.per_second
            self._tokens = min(float(self.limit.burst), self._tokens + gained)
        if self._updated is None or now > self._updated:
            self._updated = now

    def has_token(self, now: float) -> bool:
        self._refill(now)
        # A hair of tolerance: float steps must not refuse a request that is exactly on time.
        return self._tokens >= 1.0 - 1e-9

    def take(self) -> None:
        self._tokens -= 1.0


def check_refusal(refusal: Fault) -> Fault:
    if refusal.kind not in (FaultKind.RATE_LIMITED, FaultKind.SATURATED):
        raise ValueError(
            "refuse_with must be Fault.rate_limited(retry_after=...) or Fault.saturated(status)"
        )
    return refusal


class GatewayLimits:
    """The server's limits and what they refused; thread-safe."""

    def __init__(
        self,
        rate_limits: tuple[RateLimit, ...],
        max_active_tasks: int | None,
        refuse_with: Fault,
    ) -> None:
        if max_active_tasks is not None and (
            isinstance(max_active_tasks, bool)
            or not isinstance(max_active_tasks, int)
            or max_active_tasks < 1
        ):
            raise ValueError(
                f"max_active_tasks must be a whole number >= 1, got {max_active_tasks!r}"
            )
        self.rate_limits = rate_limits
        self.max_active_tasks = max_active_tasks
        self.refuse_with = check_refusal(refusal=refuse_with)
        self._buckets = [TokenBucket(limit) for limit in rate_limits]
        self._lock = threading.Lock()
        self._refused: Counter[tuple[str, str]] = Counter()

    @property
    def active(self) -> bool:
        return bool(self._buckets) or self.max_active_tasks is not None

    def admit(self, route: str, now: float) -> bool:
        """Take a token from every bucket that covers `route`; False (and none taken) if
        any of them is empty."""
        buckets = [bucket for bucket in self._buckets if bucket.limit.covers(route)]
        if not buckets:
            return True
        with self._lock:
            if not all(bucket.has_token(now) for bucket in buckets):
                self._refused[(route, "rate")] += 1
                return False
            for bucket in buckets:
                bucket.take()
        return True

    def count_refusal(self, route: str, reason: RefusalReason) -> None:
        with self._lock:
            self._refused[(route, reason)] += 1

    def refusals(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self._refused)
