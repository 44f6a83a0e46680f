"""`RetryPolicy`: what is retried (reads vs create), the backoff, and Retry-After."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
import tenacity
from anyapi_sora import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseShapeError,
)
from anyapi_sora._exceptions import make_status_error
from anyapi_sora._retry import RetryPolicy, retry_after_hint, was_not_sent
from hypothesis import given
from hypothesis import strategies as st

POLICY = RetryPolicy()
REQUEST = httpx.Request("GET", "https://gw.test/v1/video/query?id=x")


def status_error(status: int, headers: dict[str, str] | None = None) -> APIStatusError:
    response = httpx.Response(status, headers=headers, json={"message": "m"}, request=REQUEST)
    return make_status_error(response)


def connection_error(cause: Exception) -> APIConnectionError:
    """Our error for an httpx failure, chained the way the sender chains it."""
    error = (
        APITimeoutError("t", request=REQUEST)
        if isinstance(cause, httpx.TimeoutException)
        else APIConnectionError("c", request=REQUEST)
    )
    error.__cause__ = cause
    return error


# --------------------------------------------------------------------------- what is retried

TRANSIENT = [
    pytest.param(lambda: connection_error(httpx.ConnectError("refused")), id="connect"),
    pytest.param(lambda: connection_error(httpx.ConnectTimeout("slow")), id="connect-timeout"),
    pytest.param(lambda: connection_error(httpx.ReadTimeout("slow")), id="read-timeout"),
    pytest.param(lambda: connection_error(httpx.ReadError("reset")), id="read-error"),
    pytest.param(lambda: connection_error(httpx.RemoteProtocolError("eof")), id="protocol"),
    pytest.param(lambda: status_error(429), id="429"),
    pytest.param(lambda: status_error(500), id="500"),
    pytest.param(lambda: status_error(502), id="502"),
    pytest.param(lambda: status_error(503), id="503"),
    pytest.param(lambda: status_error(504), id="504"),
]
PERMANENT = [
    pytest.param(lambda: status_error(400), id="400"),
    pytest.param(lambda: status_error(401), id="401"),
    pytest.param(lambda: status_error(403), id="403"),
    pytest.param(lambda: status_error(404), id="404"),
    pytest.param(lambda: status_error(409), id="409"),
    pytest.param(lambda: ResponseShapeError("not a task"), id="shape"),
    pytest.param(lambda: ValueError("not ours"), id="foreign"),
]


@pytest.mark.parametrize("make", TRANSIENT)
def test_reads_retry_transient_failures(make: object) -> None:
    assert POLICY.should_retry(make(), idempotent=True)  # type: ignore[operator]


@pytest.mark.parametrize("make", PERMANENT)
def test_reads_do_not_retry_permanent_failures(make: object) -> None:
    assert not POLICY.should_retry(make(), idempotent=True)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("cause", "retried"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ConnectTimeout("slow"), True),
        (httpx.PoolTimeout("busy"), True),
        (httpx.ReadTimeout("slow"), False),
        (httpx.WriteTimeout("slow"), False),
        (httpx.ReadError("reset"), False),
        (httpx.WriteError("reset"), False),
        (httpx.RemoteProtocolError("eof"), False),
    ],
)
def test_create_retries_a_connection_error_only_when_nothing_was_sent(
    cause: Exception, retried: bool
) -> None:
    error = connection_error(cause)
    assert was_not_sent(error) is retried
    assert POLICY.should_retry(error, idempotent=False) is retried


def test_create_retries_429_but_no_5xx_and_no_4xx() -> None:
    assert POLICY.should_retry(status_error(429), idempotent=False)
    for status in (500, 502, 503, 504, 400, 401, 403, 404):
        assert not POLICY.should_retry(status_error(status), idempotent=False), status


def test_an_unchained_connection_error_is_not_taken_as_unsent() -> None:
    assert not was_not_sent(APIConnectionError("c"))


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, InternalServerError),
    ],
)
def test_status_errors_used_above_are_the_right_classes(status: int, cls: type) -> None:
    assert type(status_error(status)) is cls


# --------------------------------------------------------------------------- backoff


def test_backoff_ceiling_doubles_per_attempt_up_to_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    ceilings = [POLICY.backoff(attempt) for attempt in range(1, 8)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_backoff_has_full_jitter_from_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    ranges: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        ranges.append((low, high))
        return low

    monkeypatch.setattr(random, "uniform", uniform)
    assert POLICY.backoff(3) == 0.0
    assert ranges == [(0, 2.0)]


def test_backoff_spreads_over_the_whole_range() -> None:
    rng_state = random.getstate()
    try:
        random.seed(1234)
        samples = [POLICY.backoff(4) for _ in range(400)]
    finally:
        random.setstate(rng_state)
    assert min(samples) < 1.0
    assert max(samples) > 3.0
    assert all(0.0 <= s <= 4.0 for s in samples)


@given(
    attempt=st.integers(min_value=1, max_value=10_000),
    base=st.floats(min_value=0.001, max_value=10),
    cap=st.floats(min_value=0.001, max_value=120),
)
def test_a_backoff_is_always_within_zero_and_the_cap(attempt: int, base: float, cap: float) -> None:
    delay = RetryPolicy(base_delay=base, max_delay=cap).backoff(attempt)
    assert 0.0 <= delay <= cap


# --------------------------------------------------------------------------- Retry-After


def test_retry_after_seconds_are_honoured() -> None:
    assert POLICY.delay(status_error(429, {"Retry-After": "7"}), attempt=1) == 7.0


def test_retry_after_ms_is_honoured() -> None:
    assert POLICY.delay(status_error(429, {"Retry-After-Ms": "1500"}), attempt=1) == 1.5


def test_retry_after_on_a_503_is_honoured_too() -> None:
    assert POLICY.delay(status_error(503, {"Retry-After": "3"}), attempt=1) == 3.0


def test_retry_after_is_capped() -> None:
    error = status_error(429, {"Retry-After": "86400"})
    assert POLICY.delay(error, attempt=1) == POLICY.max_retry_after == 60.0


def test_retry_after_http_date_is_honoured() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    delay = POLICY.delay(status_error(429, {"Retry-After": format_datetime(when, usegmt=True)}), 1)
    # The date has one-second resolution and the clock moves on while the test runs.
    assert 25.0 <= delay <= 31.0


def test_retry_after_http_date_far_away_is_capped() -> None:
    when = datetime.now(timezone.utc) + timedelta(days=2)
    error = status_error(429, {"Retry-After": format_datetime(when, usegmt=True)})
    assert POLICY.delay(error, attempt=1) == 60.0


def test_retry_after_http_date_in_the_past_means_now() -> None:
    error = status_error(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert POLICY.delay(error, attempt=1) == 0.0


@pytest.mark.parametrize("value", ["soon", "-5", "nan", "inf", ""])
def test_a_broken_retry_after_falls_back_to_backoff(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    assert retry_after_hint(status_error(429, {"Retry-After": value})) is None
    assert POLICY.delay(status_error(429, {"Retry-After": value}), attempt=2) == 1.0


def test_no_hint_on_errors_without_a_response() -> None:
    assert retry_after_hint(connection_error(httpx.ConnectError("x"))) is None
    assert retry_after_hint(status_error(500)) is None


@given(
    value=st.one_of(
        st.text(max_size=40),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
        st.datetimes(
            min_value=datetime(1900, 1, 1),
            max_value=datetime(2200, 1, 1),
            timezones=st.just(timezone.utc),
        ).map(lambda d: format_datetime(d, usegmt=True)),
    ),
    status=st.sampled_from([429, 500, 503]),
    attempt=st.integers(min_value=1, max_value=50),
)
def test_any_retry_after_gives_a_delay_within_zero_and_the_caps(
    value: str, status: int, attempt: int
) -> None:
    try:
        error = status_error(status, {"Retry-After": value})
    except (UnicodeEncodeError, httpx.LocalProtocolError):
        return  # not a value a header can carry
    delay = POLICY.delay(error, attempt)
    assert 0.0 <= delay <= max(POLICY.max_delay, POLICY.max_retry_after)


# --------------------------------------------------------------------------- tenacity wiring


def test_attempts_are_one_plus_max_retries() -> None:
    calls: list[int] = []
    sleeps: list[float] = []

    def always_503() -> None:
        calls.append(1)
        raise status_error(503)

    retrying = tenacity.Retrying(
        sleep=sleeps.append,
        **RetryPolicy(max_retries=3).tenacity_options(idempotent=True, what="GET x"),
    )
    with pytest.raises(InternalServerError):
        retrying(always_503)
    assert len(calls) == 4
    assert len(sleeps) == 3
    assert all(0.0 <= s <= 8.0 for s in sleeps)


def test_zero_retries_means_one_attempt() -> None:
    calls: list[int] = []

    def always_429() -> None:
        calls.append(1)
        raise status_error(429)

    retrying = tenacity.Retrying(
        sleep=lambda s: None,
        **RetryPolicy(max_retries=0).tenacity_options(idempotent=True, what="GET x"),
    )
    with pytest.raises(RateLimitError):
        retrying(always_429)
    assert len(calls) == 1
