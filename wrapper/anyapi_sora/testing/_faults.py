"""Fault injection: what can go wrong on a route, and the rules that decide when it does.

A rule says "on this route, do this fault, the next N times (or with this probability)".
Rules are checked in the order they were added; the first one that fires wins.
"""

from __future__ import annotations

import enum
import random
import threading
from dataclasses import dataclass, field
from typing import Literal

Route = Literal["create", "query", "download", "any"]
"""Where a fault applies. "download" covers the video and thumbnail files; "any" all three."""

ROUTES: tuple[Route, ...] = ("create", "query", "download", "any")


class FaultKind(enum.Enum):
    """The ways a request can go wrong."""

    RATE_LIMITED = "rate_limited"
    """429, with or without Retry-After. Never does the route's work."""
    INSUFFICIENT_QUOTA = "insufficient_quota"
    """403 insufficient_user_quota. Never does the route's work."""
    SERVER_ERROR = "server_error"
    """A 5xx status with an HTML or JSON body."""
    HANG = "hang"
    """Stall for a while, long enough to trip a client's read timeout."""
    DISCONNECT = "disconnect"
    """Close the connection without sending any response."""
    TRUNCATED_BODY = "truncated_body"
    """Send the real status and headers and part of the real body, then close."""
    MALFORMED_JSON = "malformed_json"
    """200 with a body that is not valid JSON."""
    SATURATED = "saturated"
    """A refusal shaped like a task: empty `id`, `status: "error"`. Never does the work."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One kind of failure with its parameters. Build it with the class methods.

    Give it to `MockServer.inject`. Faults fire in every dialect, each answering with its
    own error bodies.

    Example:
        ```python
        server.inject("create", Fault.server_error(502, html=True, after_create=True))
        ```
    """

    kind: FaultKind
    """What goes wrong."""
    status: int = 200
    """The HTTP status answered, for the kinds that answer."""
    retry_after: int | None = None
    """The `Retry-After` seconds sent with a 429, if any."""
    html: bool = False
    """Answer a server error with an HTML page rather than a JSON body."""
    hang_seconds: float = 0.0
    """How long a `HANG` stalls."""
    truncate_at: int | None = None
    """Where a `TRUNCATED_BODY` stops, in body bytes (None: half the body)."""
    after_create: bool = False
    """Do the route's work first (for create: make the task, which is billed), then fail."""

    @classmethod
    def rate_limited(cls, retry_after: int | None = None) -> Fault:
        """429 "upstream saturated"; nothing is done, so nothing is created.

        Args:
            retry_after: Seconds to send as `Retry-After`; None sends no header (as real
                gateways usually do).

        Returns:
            The fault.
        """
        return cls(FaultKind.RATE_LIMITED, status=429, retry_after=retry_after)

    @classmethod
    def saturated(cls, status: int = 500) -> Fault:
        """A saturated upstream, as one gateway refuses a create; no task is created.

        The body is `{"id": "", "status": "error", "error": ...}` in any dialect: the
        client reads it as `TaskNotCreatedError` and retries the create.

        Args:
            status: The HTTP status: 500 (the default); 429 and 200 are seen too.

        Returns:
            The fault.

        Raises:
            ValueError: `status` is neither 200 nor an error status (400 to 599).
        """
        if not (status == 200 or 400 <= status <= 599):
            raise ValueError(f"saturated needs status 200 or an error status, got {status}")
        return cls(FaultKind.SATURATED, status=status)

    @classmethod
    def insufficient_quota(cls) -> Fault:
        """403 with the "quota exhausted" body (`insufficient_user_quota`); nothing is done.

        Returns:
            The fault.
        """
        return cls(FaultKind.INSUFFICIENT_QUOTA, status=403)

    @classmethod
    def server_error(
        cls, status: int = 500, *, html: bool = False, after_create: bool = False
    ) -> Fault:
        """A 5xx answer.

        Args:
            status: The status, 500 to 599.
            html: Send an HTML page instead of a JSON error body, as a proxy would.
            after_create: Do the route's work first: a create makes its (billed) task,
                then fails, as a gateway that broke after accepting it.

        Returns:
            The fault.

        Raises:
            ValueError: `status` is not a 5xx.
        """
        if not 500 <= status <= 599:
            raise ValueError(f"server_error needs a 5xx status, got {status}")
        return cls(FaultKind.SERVER_ERROR, status=status, html=html, after_create=after_create)

    @classmethod
    def hang(cls, seconds: float = 30.0, *, after_create: bool = False) -> Fault:
        """Stall `seconds`, long enough to trip a client's read timeout.

        Before the work, the connection is then dropped and nothing is done. After the work
        (`after_create=True`), the real response is sent late, usually to a client that gave up.
        Server shutdown cuts the stall short.

        Args:
            seconds: How long to stall, >= 0.
            after_create: Do the route's work (make the task) before stalling.

        Returns:
            The fault.

        Raises:
            ValueError: `seconds` is negative.
        """
        if seconds < 0:
            raise ValueError("hang seconds must be >= 0")
        return cls(FaultKind.HANG, hang_seconds=seconds, after_create=after_create)

    @classmethod
    def disconnect(cls, *, after_create: bool = False) -> Fault:
        """Close the connection without a response.

        Args:
            after_create: Do the route's work (make the billed task) first.

        Returns:
            The fault.
        """
        return cls(FaultKind.DISCONNECT, after_create=after_create)

    @classmethod
    def truncated_body(cls, at_byte: int | None = None) -> Fault:
        """Send the real response but stop after `at_byte` body bytes.

        The work is always done first: for create the task exists, for downloads the client
        gets a partial file to resume with Range.

        Args:
            at_byte: Body bytes to send before closing; None sends half.

        Returns:
            The fault.

        Raises:
            ValueError: `at_byte` is negative.
        """
        if at_byte is not None and at_byte < 0:
            raise ValueError("at_byte must be >= 0")
        return cls(FaultKind.TRUNCATED_BODY, truncate_at=at_byte, after_create=True)

    @classmethod
    def malformed_json(cls, *, after_create: bool = False) -> Fault:
        """200 with a broken JSON body.

        Args:
            after_create: Do the route's work (make the billed task) first.

        Returns:
            The fault.
        """
        return cls(FaultKind.MALFORMED_JSON, after_create=after_create)


@dataclass(slots=True)
class FaultRule:
    """A fault on a route, with how often it fires. Counters are updated by the server."""

    route: Route
    """The route it applies to."""
    fault: Fault
    """What goes wrong."""
    times: int | None
    """How many requests it hits at most (None: no limit, with a `rate`)."""
    rate: float | None
    """The fraction of requests it hits (None: every one until `times` is reached)."""
    fired: int = 0
    """How many requests it has hit so far."""

    @property
    def exhausted(self) -> bool:
        """True once it has fired `times` times."""
        return self.times is not None and self.fired >= self.times


@dataclass
class FaultPlan:
    """The active fault rules of one server (`MockServer.faults`). Thread-safe."""

    seed: int = 0
    """Seeds the draws of the rules with a `rate`."""
    _rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        # Its own stream, so adding rules doesn't shift task ids or failures.
        self._rng = random.Random(f"{self.seed}:faults")

    def add(
        self,
        route: Route,
        fault: Fault,
        *,
        times: int | None = None,
        rate: float | None = None,
    ) -> FaultRule:
        """Make `route` fail with `fault` (see `MockServer.inject`, a shortcut for this).

        With neither `times` nor `rate` the fault fires once. With `rate` alone it fires on
        that fraction of requests, drawn from a seeded RNG, forever. Both: at most `times`.

        Args:
            route: "create", "query", "download" or "any".
            fault: What goes wrong.
            times: How many requests it hits, at least 1.
            rate: The fraction (0 to 1) of requests it hits.

        Returns:
            The new rule.

        Raises:
            ValueError: An unknown route, `times` below 1 or `rate` outside 0 to 1.
        """
        if route not in ROUTES:
            raise ValueError(f"route must be one of {ROUTES}, got {route!r}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1")
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if times is None and rate is None:
            times = 1
        rule = FaultRule(route=route, fault=fault, times=times, rate=rate)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """The rules, in the order they were added (a copy of the list)."""
        with self._lock:
            return list(self._rules)

    def draw(self, route: Route) -> Fault | None:
        """The fault this request on `route` suffers, if any; counts it as fired.

        Args:
            route: The route of the request ("create", "query" or "download").

        Returns:
            The fault of the first rule that fires, or None.
        """
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or rule.route not in (route, "any"):
                    continue
                if rule.rate is not None and self._rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                return rule.fault
        return None
