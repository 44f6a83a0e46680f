"""The client's pacer on a fake clock: its rate, Retry-After, and the poll lane."""

from __future__ import annotations

import itertools

import pytest
from anyapi_sora._pacer import ADAPTIVE_BURST, MIN_RATE, Pacer
from client_harness import FakeClock


def delays(pacer: Pacer, count: int, *, create: bool = False) -> list[float]:
    """The delay of each of `count` requests made at the same instant."""
    return [round(pacer.delay(create=create), 6) for _ in range(count)]


def sent(pacer: Pacer, clock: FakeClock, count: int, every: float) -> None:
    """`count` requests, one each `every` seconds, none delayed."""
    for _ in range(count):
        assert pacer.delay(create=False) == 0.0
        clock.advance(every)


def test_unpaced_until_the_gateway_says_otherwise() -> None:
    pacer = Pacer(FakeClock())
    assert delays(pacer, 1000) == [0.0] * 1000
    assert pacer.rate is None


def test_a_ceiling_spaces_requests_from_the_start() -> None:
    pacer = Pacer(FakeClock(), max_requests_per_second=4)
    assert delays(pacer, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_a_429_cuts_the_rate_below_what_was_being_sent() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    sent(pacer, clock, 40, every=0.05)  # 20 requests a second
    pacer.saturated(create=False, generation=pacer.generation, retry_after=None)

    assert pacer.rate is not None
    assert 10 <= pacer.rate < 20
    spacing = 1 / pacer.rate
    # No burst right after a cut: the gateway's budget is spent.
    assert delays(pacer, 3) == pytest.approx([spacing, 2 * spacing, 3 * spacing], abs=1e-5)
    clock.advance(60)  # after a quiet minute, a few at once, then spaced
    later = delays(pacer, ADAPTIVE_BURST + 2)
    assert later[:ADAPTIVE_BURST] == [0.0] * ADAPTIVE_BURST
    assert later[ADAPTIVE_BURST:] == pytest.approx([spacing, 2 * spacing], abs=1e-5)


def test_the_rate_never_falls_below_one_request_a_second() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    for _ in range(20):
        pacer.saturated(create=False, generation=pacer.generation, retry_after=None)
    assert pacer.rate == MIN_RATE


def test_answers_to_requests_sent_before_a_cut_do_not_cut_again() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    sent(pacer, clock, 100, every=0.01)
    before = pacer.generation
    pacer.saturated(create=False, generation=before, retry_after=None)
    rate = pacer.rate
    for _ in range(30):  # the rest of the burst, refused too
        pacer.saturated(create=False, generation=before, retry_after=None)
    assert pacer.rate == rate
    assert pacer.refusals == {"query": 31}


def test_the_rate_grows_back_on_success_and_lets_go() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    sent(pacer, clock, 40, every=0.05)
    pacer.saturated(create=False, generation=pacer.generation, retry_after=None)
    cut = pacer.rate
    assert cut is not None
    pacer.succeeded()
    assert pacer.rate is not None
    assert pacer.rate > cut
    for _ in range(100_000):
        pacer.succeeded()
        if pacer.rate is None:
            break
    assert pacer.rate is None


def test_growth_stops_at_the_ceiling() -> None:
    pacer = Pacer(FakeClock(), max_requests_per_second=5)
    pacer.saturated(create=False, generation=0, retry_after=None)
    assert pacer.rate is not None
    assert pacer.rate < 5
    for _ in range(10_000):
        pacer.succeeded()
    assert pacer.rate == 5


def test_retry_after_holds_every_request() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    pacer.saturated(create=False, generation=0, retry_after=7)
    assert pacer.delay(create=False) == 7
    assert pacer.delay(create=True) == 7
    clock.advance(7)
    assert pacer.delay(create=False) == 0


def test_a_creates_retry_after_holds_creates_only() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    pacer.saturated(create=True, generation=0, retry_after=30)
    assert pacer.delay(create=True) == 30
    assert pacer.delay(create=False) == 0  # polls are what free the gateway's room
    assert pacer.rate is None  # a full upstream is the create window's business


def test_retry_after_is_capped() -> None:
    pacer = Pacer(FakeClock())
    pacer.saturated(create=False, generation=0, retry_after=3600)
    assert pacer.delay(create=False) == 60


# --------------------------------------------------------------------------- the poll lane


def test_one_wait_polls_when_it_is_due() -> None:
    pacer = Pacer(FakeClock())
    pacer.join_polling(10)
    assert pacer.poll_at(5.0) == 5.0
    assert pacer.poll_at(13.0) == 13.0  # 8 s later: the earliest its own jitter allows
    assert pacer.poll_at(25.0) == 25.0


def test_many_waits_due_at_once_are_spread_over_the_interval() -> None:
    pacer = Pacer(FakeClock())
    for _ in range(100):
        pacer.join_polling(10)
    slots = [pacer.poll_at(5.0) for _ in range(100)]
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(slots)}
    assert slots[0] == 5.0
    assert gaps == {0.075}  # 75 % of 10 s, among 100 waits
    # The next round comes due 10 s after each slot: still spread, none pushed back.
    assert [pacer.poll_at(slot + 10) for slot in slots] == [slot + 10 for slot in slots]


def test_the_lane_widens_as_waits_end() -> None:
    pacer = Pacer(FakeClock())
    for _ in range(10):
        pacer.join_polling(10)
    for _ in range(9):
        pacer.leave_polling(10)
    first = pacer.poll_at(0.0)
    assert pacer.poll_at(0.0) == pytest.approx(first + 7.5)
    pacer.leave_polling(10)
    assert pacer.poll_at(1.0) == 1.0  # no wait left: nothing to space
