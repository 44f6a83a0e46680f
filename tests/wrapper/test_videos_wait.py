"""`videos.wait` on both clients: the polling loop, its deadline, progress, and how it ends."""

from __future__ import annotations

import http.server
import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from anyapi_sora import (
    AnyAPI,
    APIStatusError,
    AsyncAnyAPI,
    AuthenticationError,
    BadRequestError,
    InvalidParameterError,
    NotFoundError,
    TaskStatus,
    VideoGenerationError,
    VideoTask,
    WaitTimeoutError,
)
from client_harness import (
    BARE_ID,
    TASK_ID,
    VIDEO_URL,
    FakeClock,
    Harness,
    done_reply,
    error_reply,
    json_reply,
    task_body,
    task_reply,
)
from vendor_fixtures import load_fixture

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator


def created(status: str = "pending", **fields: Any) -> VideoTask:
    """The task create returns."""
    return VideoTask.from_json(task_body(status, **fields))


def test_wait_returns_the_completed_task(api: Harness) -> None:
    api.gateway.query.queue(task_reply("queued"), task_reply("processing"), done_reply())
    task = api.videos.wait(created())
    assert task.status is TaskStatus.COMPLETED
    assert task.succeeded
    assert task.video_url == VIDEO_URL
    assert api.gateway.query.count == 3
    assert all(r.url.params["id"] == TASK_ID for r in api.gateway.query.requests)


def test_first_poll_after_five_seconds_then_about_ten(api: Harness) -> None:
    api.gateway.query.queue(*[task_reply("processing") for _ in range(5)], done_reply())
    api.videos.wait(created())
    first, *rest = api.clock.sleeps
    assert first == 5.0
    assert len(rest) == 5
    assert all(8.0 <= s <= 12.0 for s in rest)


def test_waiting_on_an_id_polls_at_once(api: Harness) -> None:
    api.gateway.query.queue(task_reply("processing"), done_reply())
    api.videos.wait(TASK_ID)
    assert api.clock.sleeps == [5.0]


def test_an_already_completed_task_needs_no_request(api: Harness) -> None:
    done = created("completed", video_url=VIDEO_URL)
    assert api.videos.wait(done) is done
    assert api.gateway.requests == []


def test_an_already_failed_task_raises_without_a_request(api: Harness) -> None:
    with pytest.raises(VideoGenerationError) as info:
        api.videos.wait(created("failed", fail_reason="nope"))
    assert info.value.reason == "nope"
    assert api.gateway.requests == []


def test_the_id_create_returned_is_kept_when_the_query_drops_the_prefix(api: Harness) -> None:
    api.gateway.query.queue(task_reply("processing", task_id=BARE_ID), done_reply(task_id=BARE_ID))
    task = api.videos.wait(created())
    assert task.id == TASK_ID
    assert api.gateway.query.requests[-1].url.params["id"] == TASK_ID


def test_poll_interval_replaces_the_default(api: Harness) -> None:
    api.gateway.query.queue(task_reply("processing"), task_reply("processing"), done_reply())
    api.videos.wait(created(), poll_interval=0.25)
    assert api.clock.sleeps == [0.25, 0.25, 0.25]


def test_unknown_statuses_keep_the_wait_going(api: Harness) -> None:
    api.gateway.query.queue(
        task_reply("video_generating"),
        task_reply("MODERATING"),
        task_reply("SUCCESS", video_url=VIDEO_URL),
    )
    task = api.videos.wait(TASK_ID, poll_interval=1)
    assert task.status is TaskStatus.COMPLETED
    assert api.gateway.query.count == 3


def test_recorded_bodies_from_pending_to_completed(api: Harness) -> None:
    bodies = [
        "query-pending-minimal.json",
        "query-pending-detail.json",
        "query-processing-openai-style.json",
        "query-completed.json",
    ]
    api.gateway.query.queue(*[json_reply(load_fixture(name)) for name in bodies])
    seen: list[float | None] = []
    task = api.videos.wait(TASK_ID, on_progress=lambda t: seen.append(t.progress))
    assert task.id == TASK_ID
    assert task.video_url is not None
    assert task.video_url.startswith("https://cdn.example.com/")
    assert seen[0] is None
    assert seen[-1] == 100.0
    assert 45.0 in seen


# --------------------------------------------------------------------------- transient failures

TRANSIENT = [
    pytest.param(lambda: error_reply(500), id="500"),
    pytest.param(lambda: error_reply(502), id="502"),
    pytest.param(
        lambda: httpx.Response(503, text="<html><title>503</title></html>"), id="503-html"
    ),
    pytest.param(
        lambda: json_reply(load_fixture("error-429-upstream-saturated.json"), 429), id="429"
    ),
    pytest.param(lambda: httpx.ConnectError("refused"), id="connect"),
    pytest.param(lambda: httpx.ReadTimeout("slow"), id="read-timeout"),
    pytest.param(lambda: httpx.RemoteProtocolError("eof"), id="protocol"),
    pytest.param(lambda: httpx.Response(200, text="<html>proxy</html>"), id="html-200"),
    pytest.param(lambda: httpx.Response(200, content=b'{"id": '), id="truncated-json"),
    pytest.param(lambda: json_reply({"unexpected": True}), id="not-a-task"),
]


@pytest.mark.parametrize("make", TRANSIENT)
def test_transient_failures_do_not_end_the_wait(
    api: Harness, make: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    api.gateway.query.queue(task_reply("processing"), *[make() for _ in range(6)], done_reply())
    task = api.videos.wait(created())
    assert task.succeeded
    assert api.gateway.query.count == 8
    failures = [r for r in caplog.records if "still waiting" in r.getMessage()]
    assert len(failures) == 6
    assert all(TASK_ID in r.getMessage() for r in failures)
    # A poll is a read: nothing it meets may be reported as maybe billed, or as a create.
    assert not any("billed" in r.getMessage() for r in failures)


@pytest.mark.parametrize("make", TRANSIENT)
def test_a_wait_is_not_retried_inside_each_poll(api: Harness, make: Any) -> None:
    # Each poll is one request; the wait loop itself paces the next one (>= 1 s).
    api.gateway.query.queue(make(), done_reply())
    api.videos.wait(TASK_ID)
    assert api.gateway.query.count == 2
    assert len(api.clock.sleeps) == 1
    assert api.clock.sleeps[0] >= 1.0


def test_transient_failures_until_the_deadline_end_in_a_timeout(api: Harness) -> None:
    api.gateway.query.queue(task_reply("processing", progress=30))
    api.gateway.query.always(error_reply(502))
    with pytest.raises(WaitTimeoutError) as info:
        api.videos.wait(TASK_ID, timeout=120)
    assert info.value.task is not None
    assert info.value.task.progress == 30.0
    assert api.gateway.query.count > 10


def test_retry_after_while_polling_is_honoured(api: Harness) -> None:
    api.gateway.query.queue(error_reply(429, headers={"Retry-After": "42"}), done_reply())
    api.videos.wait(TASK_ID)
    assert api.clock.sleeps == [42.0]


# --------------------------------------------------------------------------- permanent failures


@pytest.mark.parametrize(
    ("status", "fixture", "cls"),
    [
        (401, "error-401-invalid-token.json", AuthenticationError),
        (400, "error-400-task-not-exist.json", BadRequestError),
        (404, None, NotFoundError),
        (409, None, APIStatusError),
    ],
)
def test_permanent_errors_end_the_wait(
    api: Harness, status: int, fixture: str | None, cls: type[Exception]
) -> None:
    body = load_fixture(fixture) if fixture else {"message": "no"}
    api.gateway.query.queue(task_reply("processing"))
    api.gateway.query.always(json_reply(body, status))
    with pytest.raises(cls) as info:
        api.videos.wait(TASK_ID)
    assert type(info.value) is cls
    assert api.gateway.query.count == 2


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [("query-failed.json", "This content may violate our content policies.")],
)
def test_a_failed_task_raises_with_its_reason(api: Harness, fixture: str, reason: str) -> None:
    body = load_fixture(fixture)
    api.gateway.query.queue(task_reply("processing"), json_reply(body))
    with pytest.raises(VideoGenerationError) as info:
        api.videos.wait(body["id"])
    error = info.value
    assert error.reason == reason
    assert reason in str(error)
    assert error.task.failed
    assert error.task.id == body["id"]


def test_a_cancelled_task_raises(api: Harness) -> None:
    api.gateway.query.queue(task_reply("canceled"))
    with pytest.raises(VideoGenerationError, match="cancelled") as info:
        api.videos.wait(TASK_ID)
    assert info.value.task.status is TaskStatus.CANCELLED


# --------------------------------------------------------------------------- deadline


def test_timeout_raises_with_the_last_known_task(api: Harness) -> None:
    api.gateway.query.always(task_reply("processing", progress=70))
    with pytest.raises(WaitTimeoutError) as info:
        api.videos.wait(created(), timeout=60)
    error = info.value
    assert isinstance(error, TimeoutError)
    assert error.task is not None
    assert error.task.progress == 70.0
    assert error.task_id == TASK_ID
    assert TASK_ID in str(error)
    assert "70%" in str(error)


def test_the_deadline_covers_the_whole_wait(api: Harness) -> None:
    start = api.clock.now
    api.gateway.query.always(task_reply("processing"))
    with pytest.raises(WaitTimeoutError):
        api.videos.wait(created(), timeout=60)
    # The last sleep lands exactly on the deadline, followed by one last look.
    assert api.clock.now == pytest.approx(start + 60)
    assert sum(api.clock.sleeps) == pytest.approx(60)


def test_time_spent_in_requests_counts_against_the_deadline(api: Harness) -> None:
    start = api.clock.now
    api.gateway.latency = 20.0
    api.gateway.query.always(task_reply("processing"))
    with pytest.raises(WaitTimeoutError):
        api.videos.wait(created(), timeout=60)
    assert api.gateway.query.count < 5
    # Each request may take up to its own timeout; no new one starts past the deadline.
    assert api.clock.now - start <= 60 + 20.0


def test_each_poll_request_times_out_by_the_deadline(api: Harness) -> None:
    client = api.make_client(timeout=100)
    api.gateway.query.always(task_reply("processing"))
    with pytest.raises(WaitTimeoutError):
        api.videos_of(client).wait(created(), timeout=30)
    timeouts = [r.extensions["timeout"]["read"] for r in api.gateway.query.requests]
    # 25 s left at the first poll, 15ish at the second, then less.
    assert timeouts[0] == 25.0
    assert all(t <= 25.0 for t in timeouts)
    assert all(t >= 1.0 for t in timeouts)


def test_without_a_timeout_the_wait_goes_on(api: Harness) -> None:
    api.gateway.query.queue(*[task_reply("processing") for _ in range(400)], done_reply())
    assert api.videos.wait(TASK_ID, timeout=None).succeeded
    assert sum(api.clock.sleeps) > 1800


# --------------------------------------------------------------------------- progress


def test_on_progress_is_called_on_every_change_and_only_then(api: Harness) -> None:
    api.gateway.query.queue(
        task_reply("queued"),
        task_reply("queued"),
        task_reply("processing", progress=10),
        error_reply(502),
        task_reply("processing", progress=10),
        task_reply("processing", progress="45"),
        task_reply("processing", progress=45),
        done_reply(),
    )
    seen: list[tuple[str, float | None]] = []
    api.videos.wait(created(), on_progress=lambda t: seen.append((t.status.value, t.progress)))
    assert seen == [
        ("pending", None),
        ("queued", None),
        ("processing", 10.0),
        ("processing", 45.0),
        ("completed", 100.0),
    ]


def test_on_progress_receives_the_task_with_the_created_id(api: Harness) -> None:
    api.gateway.query.queue(done_reply(task_id=BARE_ID))
    ids: list[str] = []
    api.videos.wait(TASK_ID, on_progress=lambda t: ids.append(t.id))
    assert ids == [TASK_ID]


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -5}, "timeout"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"poll_interval": "fast"}, "poll_interval"),
    ],
)
def test_bad_options_are_refused_before_any_request(
    api: Harness, kwargs: dict[str, Any], param: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        api.videos.wait(TASK_ID, **kwargs)
    assert info.value.param == param
    assert api.gateway.requests == []


@pytest.mark.parametrize("bad", ["", None, 7])
def test_a_bad_task_reference_is_refused(api: Harness, bad: object) -> None:
    with pytest.raises(InvalidParameterError, match="task_id"):
        api.videos.wait(bad)
    assert api.gateway.requests == []


# --------------------------------------------------------------------------- hostile gateways


def test_429s_slow_down_a_tiny_poll_interval(api: Harness) -> None:
    api.gateway.query.always(error_reply(429, "slow down"))
    with pytest.raises(WaitTimeoutError):
        api.videos.wait(TASK_ID, timeout=10, poll_interval=0.001)
    # Backing off from 1-2 s, doubling: a handful of queries in 10 s, not thousands.
    assert api.gateway.query.count <= 8
    assert min(api.clock.sleeps[:-1]) >= 1.0


def test_retry_after_sets_the_pace_of_polling(api: Harness) -> None:
    api.gateway.query.always(error_reply(429, headers={"Retry-After": "3"}))
    with pytest.raises(WaitTimeoutError):
        api.videos.wait(TASK_ID, timeout=30, poll_interval=0.001)
    assert api.clock.sleeps == [3.0] * 10


def test_a_body_that_drips_past_the_deadline_ends_the_wait(api: Harness) -> None:
    # Each byte arrives a fake second after the last: only the deadline can stop it.
    body = json.dumps(task_body("processing")).encode()

    def drip(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, stream=Drip(body, api.clock), headers={"Content-Length": str(len(body))}
        )

    start = api.clock.now
    api.gateway.query.always(drip)
    with pytest.raises(WaitTimeoutError) as info:
        api.videos.wait(TASK_ID, timeout=30)
    assert api.clock.now - start <= 31
    assert api.gateway.query.count == 1
    assert info.value.task is None


class Drip(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent one byte per (fake) second."""

    def __init__(self, body: bytes, clock: FakeClock) -> None:
        self.body = body
        self.clock = clock

    def __iter__(self) -> Iterator[bytes]:
        for byte in self.body:
            self.clock.advance(1.0)
            yield bytes([byte])

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


class DripHandler(http.server.BaseHTTPRequestHandler):
    """Answers every query with a task body sent one byte every quarter second."""

    def do_GET(self) -> None:
        body = json.dumps(task_body("processing", padding="x" * 40)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.25)
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def drip_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DripHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_dripping_gateway_cannot_stretch_the_wait_in_wall_time(drip_server: str) -> None:
    # The body takes ~16 s to arrive; before the deadline covered it, wait(timeout=2) did too.
    started = time.monotonic()
    with AnyAPI("sk-test", base_url=drip_server) as client, pytest.raises(WaitTimeoutError):
        client.videos.wait(TASK_ID, timeout=2)
    assert time.monotonic() - started < 8


async def test_a_dripping_gateway_cannot_stretch_an_async_wait(drip_server: str) -> None:
    started = time.monotonic()
    async with AsyncAnyAPI("sk-test", base_url=drip_server) as client:
        with pytest.raises(WaitTimeoutError):
            await client.videos.wait(TASK_ID, timeout=2)
    assert time.monotonic() - started < 8
