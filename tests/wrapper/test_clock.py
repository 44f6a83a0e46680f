"""`SystemClock` and `set_testing`: test mode caps every sleep the library chooses."""

from __future__ import annotations

import asyncio
import inspect
import time
import types
from typing import TYPE_CHECKING

import anyio
import pytest
from anyapi_sora import Clock, _clock, set_testing
from anyapi_sora._clock import TESTING_MAX_SLEEP, SystemClock, is_testing
from client_harness import FakeClock

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """What SystemClock asked time.sleep / anyio.sleep for, without sleeping."""
    calls: list[float] = []

    async def fake_asleep(seconds: float) -> None:
        calls.append(seconds)

    monkeypatch.setattr(time, "sleep", calls.append)
    monkeypatch.setattr(anyio, "sleep", fake_asleep)
    return calls


@pytest.fixture
def testing_mode() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def test_system_clock_sleeps_for_real_by_default(slept: list[float]) -> None:
    assert not is_testing()
    SystemClock().sleep(7.5)
    asyncio.run(SystemClock().asleep(2.5))
    assert slept == [7.5, 2.5]


@pytest.mark.usefixtures("testing_mode")
def test_testing_mode_caps_every_sleep(slept: list[float]) -> None:
    assert is_testing()
    SystemClock().sleep(600)
    SystemClock().sleep(0.001)
    asyncio.run(SystemClock().asleep(30))
    assert slept == [TESTING_MAX_SLEEP, 0.001, TESTING_MAX_SLEEP]


def test_testing_mode_can_be_switched_off(slept: list[float]) -> None:
    set_testing(True)
    set_testing(False)
    SystemClock().sleep(3)
    assert slept == [3]


@pytest.mark.parametrize("seconds", [0, -1])
def test_nothing_to_sleep_does_not_sleep(slept: list[float], seconds: float) -> None:
    SystemClock().sleep(seconds)
    asyncio.run(SystemClock().asleep(seconds))
    assert slept == []


def test_system_clock_reads_the_monotonic_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not the wall clock, which an NTP step or a DST change moves backwards mid-wait.
    fake_time = types.SimpleNamespace(monotonic=lambda: 1234.5, time=lambda: 0.0)
    monkeypatch.setattr(_clock, "time", fake_time)
    assert SystemClock().monotonic() == 1234.5


def test_the_clocks_satisfy_the_protocol() -> None:
    clocks: list[Clock] = [SystemClock(), FakeClock()]
    for clock in clocks:
        assert callable(clock.sleep)
        assert inspect.iscoroutinefunction(clock.asleep)
