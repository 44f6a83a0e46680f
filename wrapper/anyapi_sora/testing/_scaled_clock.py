"""Time that runs faster than the wall clock, shared by a client and the mock gateway.

A benchmark of real polling (first poll after 5 s, then every 10 s) against tasks of real
length (minutes) would take hours. Run both sides on one `ScaledClock` instead, the
client through `clock=` and the server through `MockServer(clock=...)`: every interval,
backoff, task timeline, rate limit and `Retry-After` keeps its real value in clock
seconds, while `speed` clock seconds pass in each real one. What does not scale is the
machine: a request that takes 2 ms of real time takes `2 ms * speed` of clock time, so
keep `speed` low enough that this stays small next to the intervals being studied.
"""

from __future__ import annotations

import math
import time


class ScaledClock:
    """A monotonic clock running `speed` times faster than real time.

    Implements the client's `Clock` (`monotonic`, `sleep`, `asleep`) and, being callable,
    the clock a `MockServer` takes: `MockServer(clock=scaled)`, `AnyAPI(clock=scaled)`.
    """

    def __init__(self, speed: float) -> None:
        if not (isinstance(speed, (int, float)) and 0 < speed < math.inf):
            raise ValueError(f"speed must be a number > 0, got {speed!r}")
        self.speed = float(speed)
        self._origin = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._origin) * self.speed

    __call__ = monotonic

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.speed)

    async def asleep(self, seconds: float) -> None:
        # anyio sleeps on asyncio and trio alike; imported here, as the client's own clock does.
        import anyio

        if seconds > 0:
            await anyio.sleep(seconds / self.speed)
