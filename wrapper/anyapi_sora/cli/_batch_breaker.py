"""When a batch stops starting creates: a circuit breaker for a gateway in trouble.

A create that fails after reaching the gateway (a 5xx, a dropped connection) may still have
made, and billed, a task. One such failure is bad luck; several in a row is an outage in
which every further create risks a bill for nothing. After `limit` of them in a row the
batch starts no more prompts, finishes those in flight, and says why.

Creates in flight count against the limit too, so that a high --concurrency cannot send
more creates into an outage than the limit allows.
"""

from __future__ import annotations

import asyncio


class UnknownCreatesError(Exception):
    """Too many creates in a row failed in a way that may have billed a task."""


class CreateBreaker:
    """Hands out permission to create; `stopped` says why creating ended, if it did."""

    def __init__(self, limit: int) -> None:
        #: Unknown outcomes in a row that stop creating; 0: never stop.
        self.limit = limit
        self.stopped: BaseException | None = None
        self._in_flight = 0
        self._unknown_streak = 0
        self._freed = asyncio.Event()

    def stop(self, reason: BaseException) -> None:
        """Start no more creates (e.g. the key was refused: every create would be)."""
        if self.stopped is None:
            self.stopped = reason
        self._freed.set()

    def _room(self) -> bool:
        return self.limit == 0 or self._in_flight + self._unknown_streak < self.limit

    async def acquire(self) -> bool:
        """Wait until a create may start; False once creating has stopped."""
        while self.stopped is None:
            if self._room():
                self._in_flight += 1
                return True
            self._freed.clear()
            await self._freed.wait()
        return False

    def release(self, *, created: bool, unknown: bool, reason: str | None = None) -> None:
        """One create ended: it made a task, certainly made none, or may have made one."""
        self._in_flight -= 1
        if created:
            self._unknown_streak = 0
        elif unknown:
            self._unknown_streak += 1
            if self.limit and self._unknown_streak >= self.limit:
                self.stop(
                    UnknownCreatesError(
                        f"{self._unknown_streak} creates in a row failed after reaching the "
                        f"gateway (last: {reason}), so each may have made a billed task. The "
                        "gateway seems to be in trouble: no more prompts were started."
                    )
                )
        self._freed.set()
