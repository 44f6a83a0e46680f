"""Time as the client sees it: swapped out by tests, and sped up by `set_testing`."""

from __future__ import annotations

import time
from typing import Protocol

_testing = False
# In test mode every wait the library chooses (poll intervals, backoff) is capped at this,
# so a user's test suite runs the real code paths without the real minutes.
TESTING_MAX_SLEEP = 0.01


def set_testing(enabled: bool) -> None:
    """Cap every sleep the library chooses at 10 ms, for your own test suite.

    In test mode, poll intervals, retry backoffs and `Retry-After` waits last at most
    10 ms, so tests run the real code paths without the real minutes. It applies to the
    whole process, to every client on the default clock (not to one given its own
    `clock=`), made before or after. Timeouts and deadlines are not shortened. The pytest
    plugin's `anyapi_mock` fixture turns it on for each test and restores the previous
    mode afterwards.

    Args:
        enabled: True to turn test mode on, False to turn it off.

    Example:
        ```python
        import anyapi_sora

        anyapi_sora.set_testing(True)  # e.g. in your conftest.py
        ```
    """
    global _testing
    _testing = enabled


def is_testing() -> bool:
    """Whether test mode (`set_testing`) is on."""
    return _testing


class Clock(Protocol):
    """What the client needs of time: pass one as `clock=` to control time in tests.

    A client reads its wait deadlines from `monotonic()` and makes every sleep of its
    own (between polls, before retries) through `sleep()` or, on `AsyncAnyAPI`,
    `asleep()`. A fake clock that advances on sleep makes a 30-minute wait take no time.
    HTTP timeouts are httpx's, on real time.

    Example:
        ```python
        class FakeClock:
            def __init__(self) -> None:
                self.now = 0.0

            def monotonic(self) -> float:
                return self.now

            def sleep(self, seconds: float) -> None:
                self.now += seconds

            async def asleep(self, seconds: float) -> None:
                self.now += seconds


        client = AnyAPI(clock=FakeClock())
        ```
    """

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; only differences matter."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for `seconds` (the sync client's sleeps); 0 or less returns at once.

        Args:
            seconds: How long to sleep.
        """
        ...

    async def asleep(self, seconds: float) -> None:
        """Wait for `seconds` without blocking the event loop (the async client's sleeps).

        Args:
            seconds: How long to sleep; 0 or less returns at once.
        """
        ...


class SystemClock:
    """The real clock; its sleeps honour test mode (`set_testing`)."""

    def monotonic(self) -> float:
        """`time.monotonic()`."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """`time.sleep()`, at most 10 ms in test mode."""
        if seconds > 0:
            time.sleep(min(seconds, TESTING_MAX_SLEEP) if _testing else seconds)

    async def asleep(self, seconds: float) -> None:
        """`anyio.sleep()` (asyncio or trio), at most 10 ms in test mode."""
        # anyio sleeps on whichever event loop runs us (asyncio or trio). Imported here: it
        # costs a sync-only program ~40 ms at `import anyapi_sora`, while an async caller
        # has it loaded already (httpcore's async connections use it).
        import anyio

        if seconds > 0:
            await anyio.sleep(min(seconds, TESTING_MAX_SLEEP) if _testing else seconds)
