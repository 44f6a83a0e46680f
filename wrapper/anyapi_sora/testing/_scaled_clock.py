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

    Args:
        speed: How many clock seconds pass in each real second (a number > 0).

    Raises:
        ValueError: `speed` is not a finite number above 0.
    """

    def __init__(self, speed: float) -> None:
        if not (isinstance(speed, (int, float)) and 0 < speed < math.inf):
            raise ValueError(f"speed must be a number > 0, got {speed!r}")
        self.speed = float(speed)
        self._origin = time.monotonic()

    def monotonic(self) -> float:
        """Clock seconds since this clock was made."""
        return (time.monotonic() - self._origin) * self.speed

    __call__ = monotonic

    def sleep(self, seconds: float) -> None:
        """Block for `seconds` of clock time (`seconds / speed` of real time).

        Args:
            seconds: Clock seconds to sleep; nothing happens for 0 or less.
        """
        if seconds > 0:
            time.sleep(seconds / self.speed)

    async def asleep(self, seconds: float) -> None:
        """Sleep for `seconds` of clock time without blocking the event loop.

        Args:
            seconds: Clock seconds to sleep; nothing happens for 0 or less.
        """
        # anyio sleeps on asyncio and trio alike; imported here, as the client's own clock does.
        import anyio

        if seconds > 0:
            await anyio.sleep(seconds / self.speed)
