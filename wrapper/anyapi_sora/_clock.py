"""Time as the client sees it: swapped out by tests, and sped up by `set_testing`."""

from __future__ import annotations

import time
from typing import Protocol

_testing = False
# In test mode every wait the library chooses (poll intervals, backoff) is capped at this,
# so a user's test suite runs the real code paths without the real minutes.
TESTING_MAX_SLEEP = 0.01


def set_testing(enabled: bool) -> None:
    """Make every poll interval and retry backoff at most 10 ms (for your test suite)."""
    global _testing
    _testing = enabled


def is_testing() -> bool:
    return _testing


class Clock(Protocol):
    """What the client needs of time; tests pass a fake that advances on sleep."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    async def asleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(min(seconds, TESTING_MAX_SLEEP) if _testing else seconds)

    async def asleep(self, seconds: float) -> None:
        # anyio sleeps on whichever event loop runs us (asyncio or trio). Imported here: it
        # costs a sync-only program ~40 ms at `import anyapi_sora`, while an async caller
        # has it loaded already (httpcore's async connections use it).
        import anyio

        if seconds > 0:
            await anyio.sleep(min(seconds, TESTING_MAX_SLEEP) if _testing else seconds)
