"""`videos.create`: the request it sends, input checks first, and retries that never bill twice."""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from anyapi_sora import (
    AnyAPI,
    APIConnectionError,
    APITimeoutError,
    AsyncAnyAPI,
    BadRequestError,
    InternalServerError,
    InvalidParameterError,
    PermissionDeniedError,
    RateLimitError,
    ResponseShapeError,
    TaskNotCreatedError,
    TaskStatus,
    VideoTask,
    _params,
)
from anyapi_sora.testing import Fault, MockServer
from client_harness import (
    API_KEY,
    TASK_ID,
    Harness,
    error_reply,
    json_reply,
    task_reply,
)
from vendor_fixtures import load_fixture

if TYPE_CHECKING:
    from collections.abc import Callable

BILLED = "may have been created and billed"


def test_create_posts_every_field_with_the_documented_defaults(api: Harness) -> None:
    api.gateway.create.queue(json_reply(load_fixture("create-200.json")))
    task = api.videos.create("a corgi surfing")
    (request,) = api.gateway.create.requests
    assert request.method == "POST"
    assert request.url == "https://gw.test/v1/video/create"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert api.gateway.create_bodies() == [
        {
            "prompt": "a corgi surfing",
            "model": "sora-2",
            "orientation": "portrait",
            "size": "small",
            "duration": 10,
            "images": [],
            "watermark": True,
            "private": False,
        }
    ]
    # Gap 1: the real create body is a task, not the spec's chat completion.
    assert task.id == TASK_ID
    assert task.status is TaskStatus.PENDING
    assert task.updated_at is not None


def test_create_sends_named_options_and_extra_body(api: Harness) -> None:
    api.gateway.create.queue(task_reply())
    api.videos.create(
        "city at night",
        model="sora-2-pro",
        orientation="landscape",
        size="large",
        duration=15,
        images=["https://example.com/ref.png"],
        watermark=False,
        private=True,
        extra_body={"style": "anime", "character_timestamps": "1,3"},
    )
    (body,) = api.gateway.create_bodies()
    assert body == {
        "prompt": "city at night",
        "model": "sora-2-pro",
        "orientation": "landscape",
        "size": "large",
        "duration": 15,
        "images": ["https://example.com/ref.png"],
        "watermark": False,
        "private": True,
        "style": "anime",
        "character_timestamps": "1,3",
    }


# --------------------------------------------------------------------------- input checks

INVALID: list[Any] = [
    pytest.param(("",), {}, "prompt", None, id="empty-prompt"),
    pytest.param(("  ",), {}, "prompt", None, id="blank-prompt"),
    pytest.param(("x",), {"orientation": ""}, "orientation", "'landscape'", id="orientation"),
    pytest.param(("x",), {"size": None}, "size", "'large'", id="size"),
    pytest.param(("x",), {"images": ["data:text/html,x"]}, "images[0]", None, id="images-data"),
    pytest.param(("x",), {"duration": 0}, "duration", None, id="zero-duration"),
    pytest.param(("x",), {"duration": -5}, "duration", None, id="negative-duration"),
    pytest.param(("x",), {"duration": True}, "duration", None, id="bool-duration"),
    pytest.param(("x",), {"duration": 10.0}, "duration", None, id="float-duration"),
    pytest.param(("x",), {"images": "https://e.com/a.png"}, "images", None, id="images-str"),
    pytest.param(("x",), {"images": ["file:///a.png"]}, "images[0]", None, id="images-file"),
    pytest.param(("x",), {"images": [1]}, "images[0]", None, id="images-int"),
    pytest.param(("x",), {"style": "anime"}, "style", "extra_body", id="unknown-kwarg"),
    pytest.param(("x",), {"aspect_ratio": "9:16"}, "aspect_ratio", "extra_body", id="unknown-2"),
    pytest.param(("x",), {"watermark": "no"}, "watermark", None, id="watermark"),
    pytest.param(("x",), {"extra_body": {"model": "y"}}, "extra_body", None, id="extra-clash"),
]


@pytest.mark.parametrize(("args", "kwargs", "param", "mentions"), INVALID)
def test_bad_input_is_refused_before_any_request(
    api: Harness, args: tuple[Any, ...], kwargs: dict[str, Any], param: str, mentions: str | None
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        api.videos.create(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.param == param
    assert param in str(info.value)
    if mentions is not None:
        assert mentions in str(info.value)
    assert api.gateway.requests == []


# --------------------------------------------------------------------------- retries and billing


def test_create_retries_a_429_and_makes_one_task(api: Harness) -> None:
    api.gateway.create.queue(
        json_reply(load_fixture("error-429-upstream-saturated.json"), 429),
        task_reply(),
    )
    task = api.videos.create("x")
    assert task.id == TASK_ID
    assert api.gateway.create.count == 2
    assert len(api.clock.sleeps) == 1
    assert 0.0 <= api.clock.sleeps[0] <= 0.5


def test_create_honours_retry_after_on_429(api: Harness) -> None:
    api.gateway.create.queue(error_reply(429, headers={"Retry-After": "12"}), task_reply())
    api.videos.create("x")
    assert api.clock.sleeps == [12.0]


def test_create_gives_up_on_429_after_max_retries_without_a_billing_warning(api: Harness) -> None:
    client = api.make_client(max_retries=3)
    api.gateway.create.always(json_reply(load_fixture("error-429-upstream-saturated.json"), 429))
    with pytest.raises(RateLimitError) as info:
        api.videos_of(client).create("x")
    assert api.gateway.create.count == 4
    assert "上游负载已饱和" in str(info.value)
    assert BILLED not in str(info.value)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow dns")],
    ids=["connect", "connect-timeout"],
)
def test_create_retries_when_the_request_never_left(api: Harness, failure: Exception) -> None:
    api.gateway.create.queue(failure, failure, task_reply())
    assert api.videos.create("x").id == TASK_ID
    assert api.gateway.create.count == 3


def test_create_that_never_connected_says_nothing_was_billed(api: Harness) -> None:
    api.gateway.create.always(httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as info:
        api.videos.create("x")
    assert api.gateway.create.count == 3
    assert BILLED not in str(info.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_create_is_never_retried_after_a_5xx(api: Harness, status: int) -> None:
    api.gateway.create.always(error_reply(status, "upstream exploded"))
    with pytest.raises(InternalServerError) as info:
        api.videos.create("x")
    assert api.gateway.create.count == 1
    assert api.clock.sleeps == []
    text = str(info.value)
    assert "upstream exploded" in text
    assert BILLED in text


def test_create_is_never_retried_after_a_5xx_even_with_retry_after(api: Harness) -> None:
    api.gateway.create.always(error_reply(503, headers={"Retry-After": "1"}))
    with pytest.raises(InternalServerError):
        api.videos.create("x")
    assert api.gateway.create.count == 1


@pytest.mark.parametrize(
    ("failure", "cls"),
    [
        (httpx.ReadTimeout("read timed out"), APITimeoutError),
        (httpx.WriteTimeout("write timed out"), APITimeoutError),
        (httpx.ReadError("connection reset"), APIConnectionError),
        (httpx.RemoteProtocolError("server disconnected"), APIConnectionError),
    ],
)
def test_create_is_never_retried_once_the_request_was_sent(
    api: Harness, failure: Exception, cls: type[Exception]
) -> None:
    api.gateway.create.always(failure)
    with pytest.raises(cls) as info:
        api.videos.create("x")
    assert type(info.value) is cls
    assert api.gateway.create.count == 1
    assert BILLED in str(info.value)


def test_a_create_read_timeout_is_a_timeout_error(api: Harness) -> None:
    api.gateway.create.always(httpx.ReadTimeout("read timed out"))
    with pytest.raises(TimeoutError):
        api.videos.create("x")


@pytest.mark.parametrize(
    ("fixture", "status", "cls", "code"),
    [
        ("error-400-sentinel-block.json", 400, BadRequestError, "sentinel_block"),
        (
            "error-403-insufficient-quota.json",
            403,
            PermissionDeniedError,
            "insufficient_user_quota",
        ),
    ],
)
def test_create_4xx_is_raised_at_once(
    api: Harness, fixture: str, status: int, cls: type[Exception], code: str
) -> None:
    api.gateway.create.always(json_reply(load_fixture(fixture), status))
    with pytest.raises(cls) as info:
        api.videos.create("x")
    assert info.value.code == code  # type: ignore[attr-defined]
    assert api.gateway.create.count == 1
    assert BILLED not in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        "<html>gateway</html>",
        # The spec's own 200 schema, a chat completion.
        {"object": "chat.completion", "created": 1, "choices": [], "usage": {}},
        {"status": "pending"},
    ],
    ids=["html", "chat-completion", "no-id"],
)
def test_an_unreadable_create_response_warns_about_billing(api: Harness, body: object) -> None:
    if isinstance(body, str):
        api.gateway.create.always(httpx.Response(200, text=body))
    else:
        api.gateway.create.always(json_reply(body))
    with pytest.raises(ResponseShapeError) as info:
        api.videos.create("x")
    assert api.gateway.create.count == 1
    assert BILLED in str(info.value)
    assert info.value.status_code == 200


# ------------------------------------------------------------------------ a create cut off mid-way

SENT = ("connection.connect_tcp.started", "http11.send_request_headers.started")
CONNECTING = ("connection.connect_tcp.started",)


def notes_of(exc: BaseException) -> list[str]:
    notes: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        notes += getattr(seen, "__notes__", [])
        seen = seen.__cause__ or seen.__context__
    return notes


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "anyapi_sora" and r.levelno == logging.WARNING
    ]


class StagedTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Reports httpcore's trace events for `events`, takes `seconds`, then answers `reply`.

    The events are the ones httpx's own transports report: how the client tells a request
    that left from one still connecting.
    """

    def __init__(
        self,
        events: tuple[str, ...],
        seconds: float,
        reply: Callable[[], httpx.Response] = task_reply,
        interrupt: BaseException | None = None,
    ) -> None:
        self.events = events
        self.seconds = seconds
        self.reply = reply
        self.interrupt = interrupt
        self.started = 0
        self.answered = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.started += 1
        for event in self.events:
            await request.extensions["trace"](event, {})
        await asyncio.sleep(self.seconds)
        self.answered += 1
        return self.reply()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.started += 1
        for event in self.events:
            request.extensions["trace"](event, {})
        if self.interrupt is not None:
            raise self.interrupt  # Ctrl-C while the gateway works on the create
        self.answered += 1
        return self.reply()


def async_client(transport: httpx.AsyncBaseTransport, **options: Any) -> AsyncAnyAPI:
    http = httpx.AsyncClient(transport=transport)
    return AsyncAnyAPI(API_KEY, base_url="https://gw.test", http_client=http, **options)


async def test_a_cancelled_create_that_was_sent_is_finished_and_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = StagedTransport(SENT, seconds=0.3)
    seen: list[VideoTask] = []
    client = async_client(transport, on_orphaned_task=seen.append)
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError) as info:
        await asyncio.wait_for(client.videos.create("a corgi"), 0.05)
    assert time.monotonic() - started < 0.25  # the caller's cancellation is not held up
    assert any("client.orphaned_tasks" in note for note in notes_of(info.value))
    assert client.orphaned_tasks == []  # the gateway has not answered yet
    await client.close()  # waits for the answer
    assert [task.id for task in client.orphaned_tasks] == [TASK_ID]
    assert seen == client.orphaned_tasks
    assert transport.answered == 1
    assert any(TASK_ID in m and f"wait({TASK_ID!r})" in m for m in warnings_of(caplog))


async def test_a_create_whose_caller_is_gone_is_not_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The caller gives up while the gateway has the create; the gateway then answers 429,
    # which made no task. Retrying would make one that nobody waits for any more.
    transport = StagedTransport(SENT, seconds=0.2, reply=lambda: error_reply(429, "slow down"))
    client = async_client(transport)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.videos.create("a corgi"), 0.05)
    await client.close()
    assert (transport.started, client.orphaned_tasks) == (1, [])
    (failed,) = [m for m in warnings_of(caplog) if "whose caller was cancelled failed" in m]
    assert "create not retried, since its caller was cancelled" in failed
    assert "slow down" in failed  # the failure that was not retried


class SlowSecondTry(httpx.AsyncBaseTransport):
    """A 429 at once, then a task after `seconds`; no trace events, like httpx.MockTransport."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests == 1:
            return error_reply(429, "slow down")
        await asyncio.sleep(self.seconds)
        return task_reply()


async def test_a_retried_create_cut_off_by_its_caller_is_finished_and_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The retry after the 429 is under way when the caller gives up: it may have reached
    # the gateway, so it runs on, and the task it makes is reported.
    monkeypatch.setattr(random, "uniform", lambda low, high: low)  # retry at once
    transport = SlowSecondTry(seconds=0.3)
    client = async_client(transport)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.videos.create("a corgi"), 0.1)
    await client.close()
    assert transport.requests == 2
    assert [task.id for task in client.orphaned_tasks] == [TASK_ID]


class Interrupting(httpx.BaseTransport):
    """Answers `replies` in turn, then Ctrl-C strikes while the next create is under way.

    Like httpx.MockTransport it reports no trace events, so the client cannot tell whether
    the request had left: it must assume it had.
    """

    def __init__(self, *replies: httpx.Response) -> None:
        self.replies = list(replies)
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.replies:
            return self.replies.pop(0)
        raise KeyboardInterrupt


@pytest.mark.parametrize("pacing", [True, False], ids=["paced", "unpaced"])
@pytest.mark.parametrize("earlier", [[], [error_reply(429)]], ids=["first-try", "a-retry"])
def test_ctrl_c_during_an_untraced_create_says_a_task_may_exist(
    earlier: list[httpx.Response], pacing: bool
) -> None:
    transport = Interrupting(*earlier)
    client = AnyAPI(
        API_KEY,
        base_url="https://gw.test",
        http_client=httpx.Client(transport=transport),
        pacing=pacing,
    )
    with pytest.raises(KeyboardInterrupt) as info:
        client.videos.create("a corgi")
    assert transport.requests == len(earlier) + 1
    (note,) = notes_of(info.value)
    assert BILLED in note


def test_ctrl_c_after_the_create_was_answered_says_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # The answer is in: whatever stops create() now, its task id is not in doubt.
    transport = Interrupting(task_reply())
    client = AnyAPI(
        API_KEY, base_url="https://gw.test", http_client=httpx.Client(transport=transport)
    )

    def interrupted(*args: Any, **kwargs: Any) -> VideoTask:
        raise KeyboardInterrupt

    monkeypatch.setattr(VideoTask, "from_json", interrupted)
    with pytest.raises(KeyboardInterrupt) as info:
        client.videos.create("a corgi")
    assert notes_of(info.value) == []


async def test_a_cancelled_create_still_connecting_is_simply_cancelled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = StagedTransport(CONNECTING, seconds=0.3)
    client = async_client(transport)
    with pytest.raises(asyncio.TimeoutError) as info:
        await asyncio.wait_for(client.videos.create("a corgi"), 0.05)
    await client.close()
    await asyncio.sleep(0.4)
    assert transport.answered == 0
    assert client.orphaned_tasks == []
    assert notes_of(info.value) == []
    assert warnings_of(caplog) == []


async def test_a_cancelled_create_is_not_retried_after_a_429(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = StagedTransport(SENT, seconds=0.2, reply=lambda: error_reply(429))
    client = async_client(transport)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.videos.create("a corgi"), 0.05)
    await client.close()
    assert transport.started == 1  # nobody waits for it: no task is made after all
    assert client.orphaned_tasks == []
    assert any("not retried" in m for m in warnings_of(caplog))


async def test_close_cut_short_reports_the_creates_it_gave_up_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = async_client(StagedTransport(SENT, seconds=30))
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.videos.create("a corgi"), 0.05)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.close(), 0.1)  # a second Ctrl-C, say
    (gave_up,) = [m for m in warnings_of(caplog) if "gave up" in m]
    assert "may have been created and billed" in gave_up


def test_an_event_loop_that_ends_first_reports_the_create(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        client = async_client(StagedTransport(SENT, seconds=30))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.videos.create("a corgi"), 0.05)
        # ...and returns without closing the client.

    asyncio.run(main())
    (stopped,) = [m for m in warnings_of(caplog) if "event loop stopped" in m]
    assert "may have been created and billed" in stopped


# A fresh exception per run: a note added to a shared instance would show up in the next run.
@pytest.mark.parametrize(
    "make_interrupt", [KeyboardInterrupt, lambda: SystemExit(1)], ids=["ctrl-c", "exit"]
)
def test_a_sync_create_interrupted_after_sending_says_a_task_may_exist(
    make_interrupt: Callable[[], BaseException], caplog: pytest.LogCaptureFixture
) -> None:
    interrupt = make_interrupt()
    http = httpx.Client(transport=StagedTransport(SENT, 0, interrupt=interrupt))
    client = AnyAPI(API_KEY, base_url="https://gw.test", http_client=http)
    with pytest.raises(type(interrupt)) as info:
        client.videos.create("a corgi")
    (note,) = notes_of(info.value)
    assert BILLED in note
    assert "recent tasks" in note
    assert any(note in m for m in warnings_of(caplog))


def test_a_sync_create_interrupted_while_connecting_bills_nothing() -> None:
    transport = StagedTransport(CONNECTING, 0, interrupt=KeyboardInterrupt())
    client = AnyAPI(
        API_KEY, base_url="https://gw.test", http_client=httpx.Client(transport=transport)
    )
    with pytest.raises(KeyboardInterrupt) as info:
        client.videos.create("a corgi")
    assert notes_of(info.value) == []


# ----------------------------------------------------------------------- the same on a real socket


async def test_wait_for_on_a_slow_billing_create_reports_the_task_in_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with MockServer(queue_seconds=0, processing_seconds=0) as server:
        server.inject("create", Fault.hang(1.5, after_create=True))
        client = AsyncAnyAPI(server.api_key, base_url=server.base_url, timeout=10)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.videos.create("a corgi"), 0.5)
        await client.close()
        (billed,) = server.tasks
    assert [task.id for task in client.orphaned_tasks] == [billed]
    assert any(billed in m for m in warnings_of(caplog))


@pytest.mark.parametrize("delay", [0.01, 0.05, 0.15])
async def test_every_billed_create_is_reported_whenever_it_is_cancelled(delay: float) -> None:
    with MockServer(queue_seconds=0, processing_seconds=0) as server:
        server.inject("create", Fault.hang(0.5, after_create=True))
        client = AsyncAnyAPI(server.api_key, base_url=server.base_url, timeout=10)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.videos.create("a corgi"), delay)
        await client.close()
        billed = sorted(server.tasks)
    assert sorted(task.id for task in client.orphaned_tasks) == billed


@pytest.mark.usefixtures("sigint_raises")
def test_ctrl_c_during_a_sync_create_on_a_real_socket_says_a_task_may_exist() -> None:
    with MockServer(queue_seconds=0, processing_seconds=0) as server:
        server.inject("create", Fault.hang(2, after_create=True))
        main = threading.main_thread().ident
        assert main is not None
        ctrl_c = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
        with AnyAPI(server.api_key, base_url=server.base_url) as client:
            ctrl_c.start()
            try:
                with pytest.raises(KeyboardInterrupt) as info:
                    client.videos.create("a corgi")
            finally:
                ctrl_c.join()
        assert server.create_count == 1
    (note,) = notes_of(info.value)
    assert BILLED in note


# --------------------------------------------------------------------------- open values


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_params, "_warned_values", set())


@pytest.mark.parametrize("size", ["medium", "1280x720"])
@pytest.mark.usefixtures("fresh_warnings")
def test_create_sends_a_size_the_gateway_may_take_with_one_warning(
    api: Harness, size: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    api.gateway.create.queue(task_reply())
    api.videos.create("x", model="sora-2-pro-all", size=size, duration=25)
    (body,) = api.gateway.create_bodies()
    assert body["size"] == size
    assert body["duration"] == 25
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"size={size!r}" in warnings[0]
    assert "'small', 'large'" in warnings[0]


def test_create_sends_a_data_image_url(api: Harness) -> None:
    api.gateway.create.queue(task_reply())
    image = "data:image/png;base64,iVBORw0KGgo="
    api.videos.create("x", images=["https://example.com/a.png", image])
    assert api.gateway.create_bodies()[0]["images"] == ["https://example.com/a.png", image]


# --------------------------------------------------------------------------- "no task exists"

NO_TASK = "vectorengine-error-body.json"
NOT_CREATED = "no task was created"


def no_task_reply(status: int) -> httpx.Response:
    return json_reply(load_fixture(f"dialects/{NO_TASK}"), status)


@pytest.mark.parametrize("status", [200, 429, 500, 502, 503])
def test_a_create_answered_with_no_task_is_retried_and_makes_one_task(
    api: Harness, status: int
) -> None:
    api.gateway.create.queue(no_task_reply(status), no_task_reply(status), task_reply())
    task = api.videos.create("x")
    assert task.id == TASK_ID
    assert api.gateway.create.count == 3
    assert len(api.clock.sleeps) == 2


@pytest.mark.parametrize("status", [200, 429, 500])
def test_a_create_answered_with_no_task_says_so_when_retries_run_out(
    api: Harness, status: int
) -> None:
    client = api.make_client(max_retries=3)
    api.gateway.create.always(no_task_reply(status))
    with pytest.raises(TaskNotCreatedError) as info:
        api.videos_of(client).create("x")
    error = info.value
    assert isinstance(error, RateLimitError)
    assert api.gateway.create.count == 4
    assert error.status_code == status
    text = str(error)
    assert NOT_CREATED in text
    assert "当前分组上游负载已饱和" in text
    assert BILLED not in text
    assert "billed" not in (error.note or "")


def test_the_not_created_error_keeps_what_the_gateway_said(api: Harness) -> None:
    body = {"id": "", "status": "error", "error": {"message": "upstream busy", "code": "busy"}}
    headers = {"Retry-After": "7", "X-Request-Id": "req-42"}
    api.gateway.create.always(json_reply(body, 429, headers=headers))
    with pytest.raises(TaskNotCreatedError) as info:
        api.videos_of(api.make_client(max_retries=0)).create("x")
    error = info.value
    assert (error.status_code, error.code, error.request_id) == (429, "busy", "req-42")
    assert error.retry_after == 7.0
    assert error.body == body
    assert error.message == "no task was created (nothing was billed): upstream busy"


def test_a_create_answered_with_no_task_honours_retry_after(api: Harness) -> None:
    reply = json_reply(load_fixture(f"dialects/{NO_TASK}"), 500, headers={"Retry-After": "7"})
    api.gateway.create.queue(reply, task_reply())
    api.videos.create("x")
    assert api.clock.sleeps == [7.0]


@pytest.mark.parametrize(
    "body",
    [
        {"id": None, "status": "ERROR", "error": {"message": "upstream busy"}},
        {"status": " Error ", "message": "busy"},
        {"code": 0, "data": {"id": "", "status": "error", "error": "busy"}},
    ],
    ids=["null-id", "no-id", "envelope"],
)
def test_other_spellings_of_no_task_are_retried(api: Harness, body: dict[str, Any]) -> None:
    api.gateway.create.queue(json_reply(body, 500), task_reply())
    assert api.videos.create("x").id == TASK_ID
    assert api.gateway.create.count == 2


@pytest.mark.parametrize(
    "body",
    [
        # A task that failed at once is a task: it may be billed.
        {"id": "sora-2:task_x", "status": "error", "error": "upstream busy"},
        {"id": "", "task_id": "task_x", "status": "error"},
        {"id": "", "status": "failed", "error": "busy"},
        {"code": "upstream_error", "message": "exploded", "data": None},
    ],
    ids=["with-id", "with-task-id", "failed-not-error", "task-route-error"],
)
def test_a_5xx_that_names_a_task_or_no_status_is_not_retried(
    api: Harness, body: dict[str, Any]
) -> None:
    api.gateway.create.always(json_reply(body, 500))
    with pytest.raises(InternalServerError) as info:
        api.videos.create("x")
    assert type(info.value) is InternalServerError
    assert api.gateway.create.count == 1
    assert BILLED in str(info.value)


def test_a_4xx_with_the_no_task_body_keeps_its_class_and_is_not_retried(api: Harness) -> None:
    api.gateway.create.always(no_task_reply(400))
    with pytest.raises(BadRequestError) as info:
        api.videos.create("x")
    assert api.gateway.create.count == 1
    assert BILLED not in str(info.value)


def test_a_200_that_names_a_task_with_status_error_is_a_failed_task(api: Harness) -> None:
    body = {"id": TASK_ID, "status": "error", "error": "prompt refused"}
    api.gateway.create.queue(json_reply(body))
    task = api.videos.create("x")
    assert task.status is TaskStatus.FAILED
    assert task.failure_reason == "prompt refused"
    assert api.gateway.create.count == 1


def test_a_created_task_takes_its_room_in_the_create_window(api: Harness) -> None:
    # The pacer keeps creates within the tasks the gateway has room for: a task a create
    # made runs (takes room) until a wait sees it end; a create that made none frees its slot.
    window = api.client._sender.pacer.creates
    api.gateway.create.queue(json_reply(load_fixture("create-200.json")), error_reply(400))
    task = api.videos.create("a corgi surfing")
    assert (window.running, window.peak_running) == (1, 1)
    assert task.id in window._running
    with pytest.raises(BadRequestError):
        api.videos.create("a second corgi")
    assert (window.running, window._in_flight) == (1, 0)


def test_a_client_without_pacing_sends_creates_queries_and_waits_alike(api: Harness) -> None:
    client = api.make_client(pacing=False)
    assert client._sender.pacer is None
    videos = api.videos_of(client)
    api.gateway.create.queue(json_reply(load_fixture("create-200.json")))
    task = videos.create("a corgi surfing")
    assert api.gateway.create_bodies()[0]["prompt"] == "a corgi surfing"
    # A query is retried after a 5xx (a create would not be: it may have made a task).
    api.gateway.query.queue(error_reply(500), task_reply("processing"), task_reply("completed"))
    assert videos.retrieve(task.id).status is TaskStatus.PROCESSING
    assert api.gateway.query.count == 2
    # wait() polls each within its deadline.
    assert videos.wait(task.id, timeout=60).status is TaskStatus.COMPLETED
    assert api.gateway.query.count == 3
    # A query that keeps failing says nothing about billing: a query bills nothing.
    api.gateway.query.always(error_reply(500))
    with pytest.raises(InternalServerError) as info:
        videos.retrieve(task.id)
    assert BILLED not in str(info.value)
