"""Sending API requests: status → exception, read retries with backoff, and debug logging.

Exercised through `retrieve` (a read) on both clients; create's own rules are in
test_videos_create.py.
"""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING

import httpx
import pytest
from anyapi_sora import (
    AnyAPIError,
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
    TaskStatus,
)
from anyapi_sora._http import (
    USER_AGENT,
    DeadlineStream,
    RequestSettings,
    connection_error,
    longest_wait,
    timeout_within,
)
from client_harness import (
    API_KEY,
    BARE_ID,
    BASE_URL,
    TASK_ID,
    BrokenStream,
    FakeClock,
    Harness,
    error_reply,
    json_reply,
    task_reply,
)
from vendor_fixtures import load_fixture

if TYPE_CHECKING:
    from collections.abc import Iterator

# --------------------------------------------------------------------------- the query request


def test_retrieve_sends_the_id_url_encoded_with_no_body(api: Harness) -> None:
    api.gateway.query.queue(task_reply("processing", progress="45"))
    task = api.videos.retrieve(TASK_ID)
    (request,) = api.gateway.query.requests
    assert request.method == "GET"
    assert request.url.params["id"] == TASK_ID
    assert b"id=sora-2%3Atask_" in request.url.raw_path
    # Gap 3: the spec's multipart body on a GET is ignored.
    assert request.content == b""
    assert "content-type" not in request.headers
    assert (task.status, task.progress) == (TaskStatus.PROCESSING, 45.0)


def test_retrieve_keeps_the_id_it_was_given_when_the_body_drops_the_prefix(api: Harness) -> None:
    api.gateway.query.queue(task_reply("processing", task_id=BARE_ID))
    assert api.videos.retrieve(TASK_ID).id == TASK_ID


def test_retrieve_accepts_a_task(api: Harness) -> None:
    api.gateway.query.queue(task_reply("pending"), task_reply("processing"))
    first = api.videos.retrieve(TASK_ID)
    assert api.videos.retrieve(first).status is TaskStatus.PROCESSING
    assert [r.url.params["id"] for r in api.gateway.query.requests] == [TASK_ID, TASK_ID]


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_retrieve_refuses_a_missing_id_before_any_request(api: Harness, bad: object) -> None:
    with pytest.raises(ValueError, match="task_id"):
        api.videos.retrieve(bad)
    assert api.gateway.requests == []


@pytest.mark.parametrize(
    "name",
    [
        "query-completed.json",
        "query-failed.json",
        "query-pending-detail.json",
        "query-pending-minimal.json",
        "query-processing-openai-style.json",
    ],
)
def test_retrieve_parses_every_recorded_query_body(api: Harness, name: str) -> None:
    body = load_fixture(name)
    api.gateway.query.queue(json_reply(body))
    task = api.videos.retrieve(body["id"])
    assert task.id == body["id"]
    assert task.raw == body


# --------------------------------------------------------------------------- error table

ERROR_CASES = [
    (400, "error-400-task-not-exist.json", BadRequestError, "task_not_exist", None),
    (400, "error-400-sentinel-block.json", BadRequestError, "something didn't look right", None),
    (
        401,
        "error-401-invalid-token.json",
        AuthenticationError,
        "无效的令牌",
        "20261125160301234567890abcdef",
    ),
    (
        403,
        "error-403-insufficient-quota.json",
        PermissionDeniedError,
        "用户额度不足",
        "20261125160302234567890abcdef",
    ),
]


@pytest.mark.parametrize(("status", "fixture", "cls", "message", "request_id"), ERROR_CASES)
def test_recorded_errors_map_to_their_class_with_message_and_request_id(
    api: Harness,
    status: int,
    fixture: str,
    cls: type[APIStatusError],
    message: str,
    request_id: str | None,
) -> None:
    body = load_fixture(fixture)
    api.gateway.query.always(json_reply(body, status))
    with pytest.raises(cls) as info:
        api.videos.retrieve(TASK_ID)
    error = info.value
    assert error.status_code == status
    assert error.body == body
    assert message in error.message
    assert message in str(error)
    assert error.request_id == request_id
    # 4xx are answers, not blips: one request only.
    assert api.gateway.query.count == 1


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, APIStatusError),
        (422, APIStatusError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
    ],
)
@pytest.mark.parametrize("shape", ["error-object", "code-message"])
def test_status_table_and_both_body_shapes(
    api: Harness, status: int, cls: type[APIStatusError], shape: str
) -> None:
    client = api.make_client(max_retries=0)
    body: dict[str, object]
    if shape == "error-object":
        body = {"error": {"message": "the server says no", "type": "t", "code": "the_code"}}
    else:
        body = {"code": "the_code", "message": "the server says no", "data": None}
    api.gateway.query.always(json_reply(body, status, {"X-Request-Id": "req-123"}))
    with pytest.raises(APIStatusError) as info:
        api.videos_of(client).retrieve(TASK_ID)
    error = info.value
    assert type(error) is cls
    assert isinstance(error, AnyAPIError)
    assert (error.status_code, error.message, error.code) == (
        status,
        "the server says no",
        "the_code",
    )
    assert error.request_id == "req-123"
    assert "the server says no" in str(error)
    assert str(status) in str(error)


def test_an_html_error_page_gives_its_title(api: Harness) -> None:
    client = api.make_client(max_retries=0)
    page = "<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    api.gateway.query.always(httpx.Response(502, text=page))
    with pytest.raises(InternalServerError, match="502 Bad Gateway") as info:
        api.videos_of(client).retrieve(TASK_ID)
    assert info.value.body == page


def test_an_empty_error_body_gives_the_reason_phrase(api: Harness) -> None:
    api.gateway.query.always(httpx.Response(404))
    with pytest.raises(NotFoundError, match="Not Found"):
        api.videos.retrieve(TASK_ID)


@pytest.mark.parametrize(
    "content", [b"<html>oops</html>", b"", b'{"id": "x", "status": ', b"\xff\xfe"]
)
def test_a_200_that_is_not_json_is_a_response_shape_error(api: Harness, content: bytes) -> None:
    api.gateway.query.queue(httpx.Response(200, content=content))
    with pytest.raises(ResponseShapeError) as info:
        api.videos.retrieve(TASK_ID)
    assert info.value.status_code == 200
    assert isinstance(info.value, ValueError)
    assert info.value.note is None  # a query bills nothing


def test_every_request_puts_our_token_after_the_http_clients_user_agent(api: Harness) -> None:
    # A create (whose builder adds headers of its own) and a call with extra headers build
    # their headers afresh instead of taking the cached ones: the caller's agent stays.
    kind = httpx.AsyncClient if api.is_async else httpx.Client
    http = kind(transport=api.gateway.transport(), headers={"User-Agent": "acme-render/2.1"})
    api._http.append(http)  # closed with the harness
    videos = api.videos_of(api.make_client(http_client=http))
    api.gateway.create.queue(json_reply(load_fixture("create-200.json")))
    api.gateway.query.queue(task_reply(), task_reply())
    videos.create("a corgi surfing")
    videos.retrieve(TASK_ID)
    videos.retrieve(TASK_ID, extra_headers={"X-Team": "video"})
    sent = [*api.gateway.create.requests, *api.gateway.query.requests]
    assert [r.headers["user-agent"] for r in sent] == [f"acme-render/2.1 {USER_AGENT}"] * 3
    assert sent[2].headers["x-team"] == "video"


def test_a_200_that_is_not_json_shows_the_start_of_the_body_marked_when_cut(
    api: Harness,
) -> None:
    page = "<html><title>Maintenance</title>" + "x" * 600 + "</html>"
    api.gateway.query.queue(
        httpx.Response(200, text="<p>short</p>"), httpx.Response(200, text=page)
    )
    with pytest.raises(ResponseShapeError) as short:
        api.videos.retrieve(TASK_ID)
    with pytest.raises(ResponseShapeError) as long:
        api.videos.retrieve(TASK_ID)
    assert str(short.value) == "expected a JSON body (HTTP 200); body starts: <p>short</p>"
    assert str(long.value) == f"expected a JSON body (HTTP 200); body starts: {page[:500]}…"


@pytest.mark.parametrize("after_a_retry", [False, True])
def test_only_a_create_answered_with_garbage_may_have_billed(
    api: Harness, after_a_retry: bool
) -> None:
    # Garbage on the first try, or on the retry after a failure that each may retry.
    api.gateway.query.queue(*[error_reply(503)] * after_a_retry, httpx.Response(200, content=b"<"))
    api.gateway.create.queue(*[error_reply(429)] * after_a_retry, httpx.Response(200, content=b"<"))
    with pytest.raises(ResponseShapeError) as read:
        api.videos.retrieve(TASK_ID)
    with pytest.raises(ResponseShapeError) as created:
        api.videos.create("x")
    assert (api.gateway.query.count, api.gateway.create.count) == (1 + after_a_retry,) * 2
    assert "billed" not in str(read.value)
    assert "billed" in str(created.value)


@pytest.mark.parametrize("body", [[], "completed", 7, None, {"id": TASK_ID}, {"status": 3}])
def test_a_200_that_is_not_a_task_is_a_response_shape_error(api: Harness, body: object) -> None:
    api.gateway.query.queue(json_reply(body))
    with pytest.raises(ResponseShapeError):
        api.videos.retrieve(TASK_ID)


def test_a_broken_content_encoding_is_our_error_not_httpx(api: Harness) -> None:
    api.gateway.query.always(
        lambda request: httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, stream=BrokenStream([b"not gzip"], None)
        )
    )
    with pytest.raises(APIConnectionError) as info:
        api.videos.retrieve(TASK_ID)
    assert isinstance(info.value.__cause__, httpx.DecodingError)


# --------------------------------------------------------------------------- read retries

TRANSIENT_REPLIES = [
    pytest.param(lambda: error_reply(500), InternalServerError, id="500"),
    pytest.param(lambda: error_reply(502), InternalServerError, id="502"),
    pytest.param(lambda: error_reply(503), InternalServerError, id="503"),
    pytest.param(lambda: error_reply(429), RateLimitError, id="429"),
    pytest.param(lambda: httpx.ConnectError("refused"), APIConnectionError, id="connect"),
    pytest.param(lambda: httpx.ConnectTimeout("slow"), APITimeoutError, id="connect-timeout"),
    pytest.param(lambda: httpx.ReadTimeout("slow"), APITimeoutError, id="read-timeout"),
    pytest.param(lambda: httpx.ReadError("reset"), APIConnectionError, id="read-error"),
    pytest.param(lambda: httpx.RemoteProtocolError("eof"), APIConnectionError, id="protocol"),
]


@pytest.mark.parametrize(("make", "cls"), TRANSIENT_REPLIES)
def test_reads_retry_transient_failures_then_succeed(
    api: Harness, make: object, cls: type[Exception]
) -> None:
    api.gateway.query.queue(make(), make(), task_reply("processing"))  # type: ignore[operator]
    task = api.videos.retrieve(TASK_ID)
    assert task.status is TaskStatus.PROCESSING
    assert api.gateway.query.count == 3
    assert len(api.clock.sleeps) == 2
    # Full jitter under a ceiling of 0.5 s, then 1 s.
    assert 0.0 <= api.clock.sleeps[0] <= 0.5
    assert 0.0 <= api.clock.sleeps[1] <= 1.0


@pytest.mark.parametrize(("make", "cls"), TRANSIENT_REPLIES)
@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_reads_give_up_after_max_retries(
    api: Harness, make: object, cls: type[Exception], max_retries: int
) -> None:
    client = api.make_client(max_retries=max_retries)
    api.gateway.query.always(lambda request: _raise_or_return(make()))  # type: ignore[operator]
    with pytest.raises(cls) as info:
        api.videos_of(client).retrieve(TASK_ID)
    assert type(info.value) is cls
    assert api.gateway.query.count == max_retries + 1
    assert len(api.clock.sleeps) == max_retries
    # A read that failed has no billing to worry about.
    assert "billed" not in str(info.value)


def _raise_or_return(reply: httpx.Response | Exception) -> httpx.Response:
    if isinstance(reply, Exception):
        raise reply
    return reply


def test_connection_errors_say_what_failed(api: Harness) -> None:
    client = api.make_client(max_retries=0)
    api.gateway.query.always(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(APIConnectionError) as info:
        api.videos_of(client).retrieve(TASK_ID)
    text = str(info.value)
    assert "Connection refused" in text
    assert "GET" in text
    assert "/v1/video/query" in text
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_a_timeout_is_also_a_builtin_timeout_error(api: Harness) -> None:
    client = api.make_client(max_retries=0)
    api.gateway.query.always(httpx.ReadTimeout("timed out"))
    with pytest.raises(TimeoutError):
        api.videos_of(client).retrieve(TASK_ID)


def test_reads_honour_retry_after(api: Harness) -> None:
    api.gateway.query.queue(
        error_reply(429, headers={"Retry-After": "4"}),
        error_reply(503, headers={"Retry-After": "2"}),
        task_reply(),
    )
    api.videos.retrieve(TASK_ID)
    assert api.clock.sleeps == [4.0, 2.0]


def test_reads_cap_retry_after(api: Harness) -> None:
    api.gateway.query.queue(error_reply(429, headers={"Retry-After": "3600"}), task_reply())
    api.videos.retrieve(TASK_ID)
    assert api.clock.sleeps == [60.0]


def test_reads_back_off_exponentially_without_a_hint(
    api: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    client = api.make_client(max_retries=6)
    api.gateway.query.always(error_reply(502))
    with pytest.raises(InternalServerError):
        api.videos_of(client).retrieve(TASK_ID)
    assert api.clock.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_each_retry_is_logged(
    api: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    api.gateway.query.queue(error_reply(502, "bad gateway"), task_reply())
    api.videos.retrieve(TASK_ID)
    (record,) = [r for r in caplog.records if r.name == "anyapi_sora"]
    assert record.levelno == logging.WARNING
    # The request, why it failed, which retry of how many, and the wait before it.
    url = api.gateway.query.requests[0].url
    message = record.getMessage()
    assert message.startswith(f"GET {url} failed (")
    assert "bad gateway" in message
    assert message.endswith("); retry 1/2 in 0.50s")


# --------------------------------------------------------------------------- logging


def test_debug_log_shows_request_and_response_lines_without_the_key(
    api: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.gateway.query.queue(task_reply())
    api.videos.retrieve(TASK_ID)
    lines = [r.getMessage() for r in caplog.records if r.name == "anyapi_sora"]
    assert any(line.startswith(f"GET {BASE_URL}/v1/video/query?id=") for line in lines)
    assert any("-> 200 OK" in line for line in lines)
    assert API_KEY not in caplog.text


def test_request_settings_repr_hides_the_key(api: Harness) -> None:
    settings = api.client._settings
    assert isinstance(settings, RequestSettings)
    assert repr(settings) == "RequestSettings(base_url='https://gw.test', api_key='***')"


REQUEST = httpx.Request("GET", "https://gw.test/v1/video/query?id=t")


@pytest.mark.parametrize(
    ("failure", "cls", "text"),
    [
        (
            httpx.ConnectError("refused"),
            APIConnectionError,
            "Connection error: GET https://gw.test/v1/video/query?id=t: ConnectError: refused",
        ),
        (
            httpx.ConnectError("refused by proxy X"),
            APIConnectionError,
            "Connection error: GET https://gw.test/v1/video/query?id=t: ConnectError: refused by "
            "proxy X",
        ),
        (
            httpx.ReadTimeout(""),  # no message of its own: no dangling ": "
            APITimeoutError,
            "Request timed out: GET https://gw.test/v1/video/query?id=t: ReadTimeout",
        ),
    ],
)
def test_connection_error_says_what_failed_and_keeps_the_request(
    failure: httpx.RequestError, cls: type[APIConnectionError], text: str
) -> None:
    error = connection_error(failure, REQUEST, idempotent=True)
    assert type(error) is cls
    assert (str(error), error.request) == (text, REQUEST)
    assert error.note is None


def test_connection_error_can_show_another_request_line() -> None:
    # A download shows its URL without the signed query.
    error = connection_error(httpx.ReadError("reset"), REQUEST, idempotent=True, shown="GET f")
    assert str(error) == "Connection error: GET f: ReadError: reset"


# --------------------------------------------------------------------------- timeout_within


def test_the_longest_wait_of_a_request_is_its_longest_phase_or_a_minute_when_unlimited() -> None:
    assert longest_wait(httpx.Timeout(5.0, read=30.0)) == 30.0
    assert longest_wait(httpx.Timeout(None, connect=4.0)) == 4.0
    assert longest_wait(httpx.Timeout(None)) == 60.0


def test_timeout_within_caps_every_phase() -> None:
    capped = timeout_within(httpx.Timeout(60.0, connect=10.0), 25.0)
    assert (capped.connect, capped.read, capped.write, capped.pool) == (10.0, 25.0, 25.0, 25.0)


def test_timeout_within_gives_a_no_timeout_phase_a_limit() -> None:
    capped = timeout_within(httpx.Timeout(None), 25.0)
    assert (capped.connect, capped.read, capped.write, capped.pool) == (25.0, 25.0, 25.0, 25.0)


def test_timeout_within_never_goes_under_a_second() -> None:
    capped = timeout_within(httpx.Timeout(60.0), -3.0)
    assert capped.read == 1.0


def test_timeout_within_no_limit_is_the_same_timeout() -> None:
    timeout = httpx.Timeout(60.0)
    assert timeout_within(timeout, float("inf")) is timeout


def test_a_body_still_coming_at_the_deadline_fails_as_a_read_timeout_of_its_request() -> None:
    # A gateway that trickles a poll's body keeps each read alive; the wait's deadline ends
    # it, as a read timeout of that request, saying why.
    clock = FakeClock()
    request = httpx.Request("GET", "https://gw.test/v1/video/query?id=x")

    class Trickle(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for _ in range(10):
                clock.advance(1.0)
                yield b"{"

    body = DeadlineStream(Trickle(), request, clock, deadline=clock.monotonic() + 3.5)
    chunks = iter(body)
    assert [next(chunks) for _ in range(3)] == [b"{"] * 3  # at 1, 2 and 3 s
    with pytest.raises(httpx.ReadTimeout) as info:
        next(chunks)  # at 4 s
    assert str(info.value) == "the wait's deadline passed during the body"
    assert info.value.request is request
