"""`WaitState`: the decisions of a wait (intervals, deadline, progress, the end), without I/O."""

from __future__ import annotations

import logging
import random
from typing import Any

import httpx
import pytest
from anyapi_sora import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    InvalidParameterError,
    RateLimitError,
    ResponseShapeError,
    VideoGenerationError,
    VideoTask,
    WaitTimeoutError,
)
from anyapi_sora._exceptions import make_status_error
from anyapi_sora._polling import (
    ETA_MARGIN,
    FIRST_POLL_DELAY,
    MIN_POLL_DELAY,
    WaitState,
    check_wait_options,
)
from client_harness import TASK_ID, task_body
from hypothesis import given
from hypothesis import strategies as st

START = 1000.0
REQUEST = httpx.Request("GET", "https://gw.test/v1/video/query")


def task(status: str = "pending", **fields: Any) -> VideoTask:
    return VideoTask.from_json(task_body(status, **fields))


def status_error(status: int, headers: dict[str, str] | None = None) -> Exception:
    return make_status_error(
        httpx.Response(status, headers=headers, json={"message": "m"}, request=REQUEST)
    )


def state(**options: Any) -> WaitState:
    return WaitState(TASK_ID, options.pop("timeout", 1800.0), START, **options)


# --------------------------------------------------------------------------- intervals


def test_first_interval_is_five_seconds_then_about_ten_with_jitter() -> None:
    wait = state()
    wait.observe(task())
    assert wait.next_sleep(START) == FIRST_POLL_DELAY == 5.0
    later: list[float] = []
    for _ in range(200):
        wait.observe(task("processing"))
        later.append(wait.next_sleep(START))
    assert all(8.0 <= s <= 12.0 for s in later)
    assert len(set(later)) > 100  # jittered, not a fixed beat
    assert min(later) < 9.0
    assert max(later) > 11.0


@pytest.mark.parametrize("interval", [0.05, 0.5, 3, 30.0])
def test_poll_interval_is_used_as_given_even_below_a_second(interval: float) -> None:
    wait = state(poll_interval=interval)
    for _ in range(3):
        wait.observe(task("processing"))
        assert wait.next_sleep(START) == interval


def test_after_a_failure_the_next_poll_comes_sooner_but_not_under_a_second() -> None:
    wait = state()
    wait.observe(task("processing"))
    wait.observe(task("processing"))
    wait.observe_error(status_error(502))
    first = wait.next_sleep(START)
    assert MIN_POLL_DELAY <= first <= 2.0
    wait.observe_error(status_error(502))
    wait.observe_error(status_error(502))
    third = wait.next_sleep(START)
    assert 4.0 <= third <= 8.0
    for _ in range(10):
        wait.observe_error(APIConnectionError("down"))
    # Never longer than a normal interval.
    assert 8.0 <= wait.next_sleep(START) <= 12.0


def test_the_backoff_stops_at_the_normal_interval_with_its_jitter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    wait = state()
    wait.observe(task("processing"))
    sleeps = []
    for _ in range(6):
        wait.observe_error(status_error(502))
        sleeps.append(wait.next_sleep(START))
    # 2 s doubling, up to the normal interval at its longest jitter (10 s + 20 %).
    assert sleeps == [2.0, 4.0, 8.0, 12.0, 12.0, 12.0]


def test_a_success_resets_the_failure_backoff() -> None:
    wait = state()
    wait.observe(task())
    for _ in range(5):
        wait.observe_error(status_error(500))
    wait.observe(task("processing"))
    assert wait.failures == 0
    assert 8.0 <= wait.next_sleep(START) <= 12.0


@pytest.mark.parametrize("error", [status_error(429), status_error(503), APIConnectionError("x")])
def test_a_tiny_poll_interval_still_backs_off_after_a_failure(error: Exception) -> None:
    wait = state(poll_interval=0.001)
    wait.observe(task())
    wait.observe_error(error)
    assert MIN_POLL_DELAY <= wait.next_sleep(START) <= 2.0
    for _ in range(3):
        wait.observe_error(error)
    assert 8.0 <= wait.next_sleep(START) <= 10.0
    for _ in range(20):
        wait.observe_error(error)
    assert wait.next_sleep(START) == 10.0  # never longer than a normal interval
    wait.observe(task("processing"))
    assert wait.next_sleep(START) == 0.001


def test_a_long_poll_interval_comes_back_sooner_after_a_failure() -> None:
    wait = state(poll_interval=60)
    wait.observe(task())
    wait.observe_error(status_error(502))
    assert MIN_POLL_DELAY <= wait.next_sleep(START) <= 2.0
    for _ in range(20):
        wait.observe_error(status_error(502))
    assert wait.next_sleep(START) == 60


def test_retry_after_wins_over_the_backoff() -> None:
    wait = state(poll_interval=0.001)
    wait.observe(task())
    wait.observe_error(status_error(429, {"Retry-After": "0"}))
    assert wait.next_sleep(START) == 0.0


def test_retry_after_while_polling_is_honoured() -> None:
    wait = state()
    wait.observe(task())
    wait.observe_error(status_error(429, {"Retry-After": "30"}))
    assert wait.next_sleep(START) == 30.0


def test_retry_after_is_honoured_over_a_short_poll_interval() -> None:
    wait = state(poll_interval=1)
    wait.observe(task())
    wait.observe_error(status_error(429, {"Retry-After": "4"}))
    assert wait.next_sleep(START) == 4.0


def test_retry_after_while_polling_is_capped() -> None:
    wait = state(timeout=None)
    wait.observe(task())
    wait.observe_error(status_error(429, {"Retry-After": "86400"}))
    assert wait.next_sleep(START) == 60.0


def test_the_hint_is_forgotten_after_a_success() -> None:
    wait = state(poll_interval=2)
    wait.observe(task())
    wait.observe_error(status_error(429, {"Retry-After": "30"}))
    wait.observe(task("processing"))
    assert wait.next_sleep(START) == 2


@given(
    events=st.lists(
        st.sampled_from(["task", "500", "429", "connection", "shape"]), min_size=1, max_size=40
    ),
    elapsed=st.floats(min_value=0, max_value=1799.999),
)
def test_default_intervals_stay_between_one_and_twelve_seconds_and_inside_the_deadline(
    events: list[str], elapsed: float
) -> None:
    wait = state()
    for event in events:
        if event == "task":
            wait.observe(task("processing"))
        elif event == "500":
            wait.observe_error(status_error(500))
        elif event == "429":
            wait.observe_error(status_error(429))
        elif event == "connection":
            wait.observe_error(APIConnectionError("down"))
        else:
            wait.observe_error(ResponseShapeError("garbled"))
    now = START + elapsed
    remaining = wait.deadline - now
    sleep = wait.next_sleep(now)
    assert 0 < sleep <= remaining
    assert min(MIN_POLL_DELAY, remaining) <= sleep <= 12.0


# --------------------------------------------------------------------------- deadline


def test_the_deadline_is_counted_from_the_start() -> None:
    wait = state(timeout=100.0)
    wait.observe(task())
    assert wait.next_sleep(START + 98.0) == 2.0


def test_past_the_deadline_raises_with_the_last_task() -> None:
    wait = state(timeout=100.0)
    last = task("processing", progress=45)
    wait.observe(last)
    with pytest.raises(WaitTimeoutError) as info:
        wait.next_sleep(START + 100.0)
    error = info.value
    assert isinstance(error, TimeoutError)
    assert error.task is last
    assert error.task_id == TASK_ID
    assert error.timeout == 100.0
    assert "45%" in str(error)


def test_timeout_before_any_answer_has_no_task() -> None:
    wait = state(timeout=10.0)
    wait.observe_error(status_error(502))
    with pytest.raises(WaitTimeoutError) as info:
        wait.next_sleep(START + 11.0)
    assert info.value.task is None


def test_no_timeout_means_no_deadline() -> None:
    wait = state(timeout=None)
    wait.observe(task())
    assert wait.next_sleep(START + 10**9) == FIRST_POLL_DELAY


# --------------------------------------------------------------------------- progress and the end


def test_on_progress_only_on_a_change_of_status_or_progress() -> None:
    seen: list[tuple[str, float | None]] = []
    wait = state(on_progress=lambda t: seen.append((t.status.value, t.progress)))
    for status, progress in [
        ("queued", None),
        ("queued", None),
        ("processing", 10),
        ("processing", 10),
        ("processing", 10),
        ("processing", 55),
        ("in_progress", 55),
    ]:
        wait.observe(task(status, progress=progress))
    wait.observe_error(status_error(500))
    assert wait.observe(task("processing", progress=55)) is None
    done = task("completed", video_url="https://files.test/v.mp4")
    assert wait.observe(done) is done
    assert seen == [
        ("queued", None),
        ("processing", 10.0),
        ("processing", 55.0),
        ("completed", 100.0),
    ]


@pytest.mark.parametrize(
    ("body", "reason", "verb"),
    [
        ({"status": "failed", "fail_reason": "content policy"}, "content policy", "failed"),
        (
            {"status": "FAILURE", "error": {"message": "upstream", "code": "x"}},
            "upstream",
            "failed",
        ),
        ({"status": "cancelled"}, None, "was cancelled"),
        ({"status": "canceled", "error_message": "by user"}, "by user", "was cancelled"),
    ],
)
def test_a_failed_or_cancelled_task_ends_the_wait_with_its_reason(
    body: dict[str, Any], reason: str | None, verb: str
) -> None:
    failed = task(**body)
    with pytest.raises(VideoGenerationError) as info:
        state().observe(failed)
    error = info.value
    assert error.task is failed
    assert error.reason == failed.failure_reason
    assert verb in str(error)
    if reason is not None:
        assert reason in str(error)


@pytest.mark.parametrize(
    "error",
    [
        status_error(400),
        status_error(401),
        status_error(403),
        status_error(404),
        status_error(409),
        InvalidParameterError("x", "y"),
    ],
    ids=["400", "401", "403", "404", "409", "invalid"],
)
def test_a_permanent_failure_ends_the_wait(error: Exception) -> None:
    wait = state()
    with pytest.raises(type(error)) as info:
        wait.observe_error(error)
    assert info.value is error


@pytest.mark.parametrize(
    "error",
    [
        status_error(500),
        status_error(503),
        status_error(429),
        APIConnectionError("down"),
        ResponseShapeError("garbled"),
    ],
    ids=["500", "503", "429", "connection", "shape"],
)
def test_a_transient_failure_is_logged_and_the_wait_goes_on(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    wait = state()
    wait.observe_error(error)
    assert wait.failures == 1
    (record,) = caplog.records
    assert record.getMessage() == f"polling task {TASK_ID} failed ({error}); still waiting"


def test_class_checks_used_above() -> None:
    assert isinstance(status_error(400), BadRequestError)
    assert isinstance(status_error(401), AuthenticationError)
    assert isinstance(status_error(429), RateLimitError)
    assert isinstance(status_error(503), InternalServerError)


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("timeout", "poll_interval", "param"),
    [
        (0, None, "timeout"),
        (-1, None, "timeout"),
        (float("nan"), None, "timeout"),
        (float("inf"), None, "timeout"),
        (True, None, "timeout"),
        ("60", None, "timeout"),
        (60, 0, "poll_interval"),
        (60, -2, "poll_interval"),
        (60, float("nan"), "poll_interval"),
        (60, False, "poll_interval"),
        (60, "5", "poll_interval"),
    ],
)
def test_bad_wait_options_are_refused(timeout: Any, poll_interval: Any, param: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        check_wait_options(timeout, poll_interval)
    assert info.value.param == param
    bad = timeout if param == "timeout" else poll_interval
    assert str(info.value) == f"invalid {param}: expected seconds > 0 or None, got {bad!r}"


@pytest.mark.parametrize(("timeout", "poll_interval"), [(None, None), (1, 0.01), (1800.0, 30)])
def test_good_wait_options_pass(timeout: Any, poll_interval: Any) -> None:
    check_wait_options(timeout, poll_interval)


# --------------------------------------------------------------------------- aimed polls


def processing_at(wait: WaitState, when: float, percent: float) -> float:
    wait.observe(task("processing", progress=percent))
    return wait.next_sleep(when)


def running_at_10_percent() -> WaitState:
    """A wait whose task was queued at START and seen at 10 % five seconds later."""
    wait = state()
    wait.observe(task())
    wait.next_sleep(START)
    processing_at(wait, START + 5, 10)
    return wait


def test_a_poll_is_aimed_at_the_end_that_progress_foretells() -> None:
    wait = state()
    wait.observe(task())
    assert wait.next_sleep(START) == FIRST_POLL_DELAY
    assert 8.0 <= processing_at(wait, START + 5, 10) <= 12.0  # no rate yet
    # 4 % a second: the 50 % left take 12.5 s, longer than an interval.
    assert 8.0 <= processing_at(wait, START + 15, 50) <= 12.0
    # The 10 % left take 2.5 s: the next poll comes just after, not ~10 s later.
    assert processing_at(wait, START + 25, 90) == pytest.approx(2.5 + ETA_MARGIN)


def test_a_missed_aim_falls_back_to_the_interval_until_progress_moves() -> None:
    wait = running_at_10_percent()
    assert processing_at(wait, START + 25, 90) < 8.0
    # Still running at the foretold end, and then stuck at 99 %: normal intervals.
    for n in range(5):
        assert 8.0 <= processing_at(wait, START + 30 + 10 * n, 99) <= 12.0


def test_a_missed_aim_aims_again_once_progress_moves() -> None:
    wait = running_at_10_percent()
    assert processing_at(wait, START + 25, 90) < 8.0
    assert 8.0 <= processing_at(wait, START + 28.5, 92) <= 12.0
    assert processing_at(wait, START + 38.5, 96) < 8.0


@pytest.mark.parametrize(
    ("options", "fields"),
    [({"poll_interval": 30.0}, {}), ({}, {"progress": None})],
    ids=["a poll_interval given", "no progress sent"],
)
def test_no_aim_without_progress_or_with_a_poll_interval(
    options: dict[str, Any], fields: dict[str, Any]
) -> None:
    wait = state(**options)
    wait.observe(task())
    wait.next_sleep(START)
    sleeps = []
    for n, percent in enumerate((10, 50, 90, 95)):
        wait.observe(task("processing", **{"progress": percent, **fields}))
        sleeps.append(wait.next_sleep(START + 5 + 10 * n))
    assert min(sleeps) >= (30.0 if options else 8.0)


def test_a_task_at_100_percent_still_running_is_polled_at_the_normal_interval() -> None:
    # Gateways report 100 % while the video is still being stored: nothing is left to
    # foretell, so no poll is aimed a second later.
    wait = running_at_10_percent()
    for n in range(3):
        assert 8.0 <= processing_at(wait, START + 15 + 10 * n, 100) <= 12.0


def test_the_rate_is_counted_from_the_first_progress_seen_not_the_last_poll_at_it() -> None:
    wait = running_at_10_percent()
    processing_at(wait, START + 15, 10)  # no progress since the first: the origin stays
    # 80 % in 20 s since the first 10 %: the 10 % left take 2.5 s (not 1.25 s).
    assert processing_at(wait, START + 25, 90) == pytest.approx(2.5 + ETA_MARGIN)


def test_progress_seen_twice_at_the_same_instant_foretells_nothing() -> None:
    # A clock that has not moved (a coarse or a fake one) gives no rate to aim with.
    wait = running_at_10_percent()
    assert 8.0 <= processing_at(wait, START + 5, 90) <= 12.0


def test_each_change_of_status_or_progress_is_logged_at_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="anyapi_sora")
    wait = state()
    for status, progress in [
        ("queued", None),
        ("queued", None),
        ("processing", 10),
        ("processing", 10),
        ("processing", 55.5),
    ]:
        wait.observe(task(status, progress=progress))
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, f"task {TASK_ID}: queued"),
        (logging.INFO, f"task {TASK_ID}: processing 10%"),
        (logging.INFO, f"task {TASK_ID}: processing 55.5%"),
    ]


def test_an_aimed_poll_that_fails_leaves_its_aim_to_the_poll_after_the_failure() -> None:
    wait = running_at_10_percent()
    assert processing_at(wait, START + 25, 90) < 8.0
    wait.observe_error(status_error(502))
    assert wait.next_sleep(START + 28.5) <= 2.0
    # The poll after the failure is the aimed one: the task still runs, so the normal
    # interval follows, not another aim at once.
    assert 8.0 <= processing_at(wait, START + 30, 92) <= 12.0
