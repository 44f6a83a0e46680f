"""The exception tree, make_status_error on real and hostile bodies, and what str() shows."""

from __future__ import annotations

import inspect
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyapi_sora import _exceptions
from anyapi_sora._exceptions import (
    _STATUS_ERRORS,
    AnyAPIError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    InternalServerError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseShapeError,
    TaskNotCreatedError,
    VideoGenerationError,
    WaitTimeoutError,
    make_status_error,
    parse_retry_after,
)
from anyapi_sora._models import TaskStatus, VideoTask
from hypothesis import given, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SECRET = "sk-THIS-MUST-NEVER-BE-PRINTED-0123456789"
TASK_ID = "sora-2:task_01k9z3m4c2e8q5v7w1x0y6b9ta"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def response(
    status_code: int,
    content: bytes | str = b"",
    *,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A read response whose request carries a real-looking Authorization header."""
    request = httpx.Request(
        "POST",
        "https://www.anyapi.vip/v1/video/create",
        headers={"Authorization": f"Bearer {SECRET}"},
    )
    return httpx.Response(status_code, content=content, headers=headers, request=request)


# --------------------------------------------------------------------------- the tree

ALL_CLASSES = [
    obj
    for name in _exceptions.__all__
    if inspect.isclass(obj := getattr(_exceptions, name)) and issubclass(obj, BaseException)
]


# Every exception class but the root, with the classes it must be caught as (README's tree).
TREE: list[tuple[type[Exception], tuple[type[Exception], ...]]] = [
    (APIConnectionError, (AnyAPIError,)),
    (APITimeoutError, (APIConnectionError, TimeoutError)),
    (APIStatusError, (AnyAPIError,)),
    (BadRequestError, (APIStatusError,)),
    (AuthenticationError, (APIStatusError,)),
    (PermissionDeniedError, (APIStatusError,)),
    (NotFoundError, (APIStatusError,)),
    (RateLimitError, (APIStatusError,)),
    # Caught by `except RateLimitError` and retried by the create rule that retries 429s.
    (TaskNotCreatedError, (RateLimitError,)),
    (InternalServerError, (APIStatusError,)),
    (ResponseShapeError, (AnyAPIError, ValueError)),
    (VideoGenerationError, (AnyAPIError,)),
    (WaitTimeoutError, (AnyAPIError, TimeoutError)),
    (InvalidParameterError, (AnyAPIError, ValueError)),
    (ClientClosedError, (AnyAPIError,)),
]


def test_the_module_exports_exactly_the_classes_of_the_tree() -> None:
    assert set(ALL_CLASSES) == {AnyAPIError, *(cls for cls, _ in TREE)}
    assert len(ALL_CLASSES) == len(set(ALL_CLASSES))


def test_every_exception_is_an_anyapi_error_with_a_one_line_docstring() -> None:
    for cls in ALL_CLASSES:
        assert issubclass(cls, AnyAPIError)
        doc = cls.__dict__.get("__doc__")
        assert doc, f"{cls.__name__} has no docstring"
        assert "\n" not in doc.strip(), f"{cls.__name__} docstring is not one line"


def test_module_drawing_names_every_class() -> None:
    drawing = _exceptions.__doc__ or ""
    for cls in ALL_CLASSES:
        assert f" {cls.__name__} " in drawing or f"\n{cls.__name__} " in drawing


@pytest.mark.parametrize(("cls", "bases"), TREE)
def test_subclass_relations(cls: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    for base in bases:
        assert issubclass(cls, base)


@pytest.mark.parametrize(
    ("cls", "not_a"),
    [
        (APIStatusError, TimeoutError),
        (APIConnectionError, TimeoutError),
        (VideoGenerationError, TimeoutError),
        (WaitTimeoutError, APIConnectionError),  # a wait timeout is not a network problem
        (RateLimitError, APIConnectionError),
        (APIStatusError, ValueError),
        (VideoGenerationError, APIStatusError),
    ],
)
def test_classes_that_must_stay_apart(cls: type[Exception], not_a: type[Exception]) -> None:
    assert not issubclass(cls, not_a)


def test_timeouts_are_caught_as_builtin_timeouterror() -> None:
    with pytest.raises(TimeoutError):
        raise APITimeoutError(request=None)
    with pytest.raises(TimeoutError):
        raise WaitTimeoutError(TASK_ID, timeout=5)
    with pytest.raises(ValueError, match="invalid size"):
        raise InvalidParameterError("size", value="huge")


# --------------------------------------------------------------------------- status mapping


@pytest.mark.parametrize(
    ("status_code", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (520, InternalServerError),
        (599, InternalServerError),
        (402, APIStatusError),
        (405, APIStatusError),
        (409, APIStatusError),
        (418, APIStatusError),
        (422, APIStatusError),
        (302, APIStatusError),
    ],
)
def test_status_code_picks_the_class(status_code: int, cls: type[APIStatusError]) -> None:
    error = make_status_error(response(status_code, b'{"message": "m"}'))
    assert type(error) is cls
    assert error.status_code == status_code


def test_status_table_has_exactly_the_specific_codes() -> None:
    assert {
        400: BadRequestError,
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        429: RateLimitError,
    } == _STATUS_ERRORS


# --------------------------------------------------------------------------- vendor bodies


def test_401_invalid_token() -> None:
    raw = fixture_bytes("error-401-invalid-token.json")
    error = make_status_error(response(401, raw))
    assert isinstance(error, AuthenticationError)
    assert error.message == "无效的令牌 (request id: 20261125160301234567890abcdef)"
    assert error.code is None  # "" is no code
    assert error.request_id == "20261125160301234567890abcdef"
    assert error.body == json.loads(raw)
    # The request id is in the message already, so it is not repeated.
    assert str(error) == "Error code: 401 - 无效的令牌 (request id: 20261125160301234567890abcdef)"


def test_403_insufficient_quota() -> None:
    raw = fixture_bytes("error-403-insufficient-quota.json")
    server_message = json.loads(raw)["error"]["message"]
    error = make_status_error(response(403, raw))
    assert isinstance(error, PermissionDeniedError)
    assert error.code == "insufficient_user_quota"
    assert error.request_id == "20261125160302234567890abcdef"
    assert error.message == server_message
    assert str(error) == (f"Error code: 403 - {server_message} (code: insufficient_user_quota)")


def test_400_sentinel_block() -> None:
    error = make_status_error(response(400, fixture_bytes("error-400-sentinel-block.json")))
    assert isinstance(error, BadRequestError)
    assert error.code == "sentinel_block"
    assert error.request_id is None
    assert str(error) == (
        "Error code: 400 - Hmmm something didn't look right with your request. "
        "Please try again later. (code: sentinel_block)"
    )


def test_400_task_not_exist_uses_code_message_data_shape() -> None:
    error = make_status_error(response(400, fixture_bytes("error-400-task-not-exist.json")))
    assert isinstance(error, BadRequestError)
    assert error.code == "task_not_exist"
    assert error.message == "task_not_exist"
    assert error.body == {"code": "task_not_exist", "message": "task_not_exist", "data": None}
    assert str(error) == "Error code: 400 - task_not_exist"  # the code is not said twice


def test_429_upstream_saturated_without_retry_after() -> None:
    raw = fixture_bytes("error-429-upstream-saturated.json")
    error = make_status_error(response(429, raw))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None
    assert error.code == "upstream_error"
    assert error.message == json.loads(raw)["message"]
    assert str(error) == f"Error code: 429 - {error.message} (code: upstream_error)"
    assert "当前分组上游负载已饱和" in str(error)


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ({"error": "model not found"}, "model not found", None),
        ({"error": {"message": "bad key", "type": "x", "code": 40101}}, "bad key", "40101"),
        ({"error": {"msg": "via msg"}}, "via msg", None),
        ({"message": "top message", "code": "c1"}, "top message", "c1"),
        ({"msg": "zh gateway", "code": 500}, "zh gateway", "500"),
        ({"detail": "Not Found"}, "Not Found", None),
        ({"detail": {"message": "nested detail"}}, "nested detail", None),
        (
            {"detail": [{"loc": ["body", "size"], "msg": "bad size"}, {"msg": "bad seconds"}]},
            "bad size; bad seconds",
            None,
        ),
        ({"error_message": "legacy"}, "legacy", None),
        ({"error": {"message": "  spaced\n  out  "}, "code": True}, "spaced out", None),
        (
            {"error": {"message": "", "code": "only_code"}, "message": "fallback"},
            "fallback",
            "only_code",
        ),
        ("a JSON string", "a JSON string", None),
    ],
)
def test_other_body_shapes(body: object, message: str, code: str | None) -> None:
    error = make_status_error(response(400, json.dumps(body)))
    assert error.message == message
    assert error.code == code
    assert error.body == body
    assert message in str(error)


DIALECTS = FIXTURES / "dialects"


def nested_message(text: str, levels: int) -> str:
    """``text`` wrapped ``levels`` times as the message of a JSON error body."""
    for _ in range(levels):
        text = json.dumps({"message": text})
    return text


@pytest.mark.parametrize(
    ("name", "status", "cls", "message", "code"),
    [
        ("error-newapi-task-not-exist-400.json", 400, BadRequestError, "task_not_exist", None),
        (
            "error-newapi-do-request-failed-500.json",
            500,
            InternalServerError,
            'Post "https://upstream.example/v1/videos": dial tcp: i/o timeout',
            "do_request_failed",
        ),
        (
            # The upstream's own JSON error body, passed on as the message: unwrapped.
            "error-newapi-fail-to-fetch-task-500.json",
            500,
            InternalServerError,
            "upstream task lookup failed",
            "fail_to_fetch_task",
        ),
        (
            "error-newapi-quota-403.json",
            403,
            PermissionDeniedError,
            "用户额度不足, 剩余额度: ＄0.012000",  # noqa: RUF001
            "insufficient_user_quota",
        ),
    ],
)
def test_task_route_error_bodies_of_the_gateway_software(
    name: str, status: int, cls: type[APIStatusError], message: str, code: str | None
) -> None:
    error = make_status_error(response(status, (DIALECTS / name).read_bytes()))
    assert type(error) is cls
    assert error.message == message
    assert error.code == (code or message)
    assert message in str(error)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": '{"error": {"message": "inner"}}'}, "inner"),
        ({"error": {"message": '{"message": "inner of error"}'}}, "inner of error"),
        ({"error": '{"error": "inner string"}'}, "inner string"),
        # Three JSON bodies deep at most; a fourth stays as text.
        ({"message": nested_message("x", 3)}, "x"),
        ({"message": nested_message("x", 4)}, nested_message("x", 1)),
        # JSON without a message, or not JSON at all, is the message itself.
        ({"message": '{"state": 1}'}, '{"state": 1}'),
        ({"message": "{not json}"}, "{not json}"),
        ({"message": "[1, 2]"}, "[1, 2]"),
    ],
)
def test_a_message_that_is_a_json_error_body_is_unwrapped(body: object, message: str) -> None:
    assert make_status_error(response(500, json.dumps(body))).message == message


def test_an_empty_id_error_body_keeps_its_reason_as_the_message() -> None:
    raw = (DIALECTS / "vectorengine-error-body.json").read_bytes()
    error = make_status_error(response(500, raw))
    assert error.message == "当前分组上游负载已饱和，请稍后再试"  # noqa: RUF001


def test_code_is_shown_even_when_it_is_a_substring_of_the_message() -> None:
    error = make_status_error(response(400, json.dumps({"code": "1", "message": "error 1001"})))
    assert str(error) == "Error code: 400 - error 1001 (code: 1)"


def test_json_without_a_message_is_shown_compactly() -> None:
    error = make_status_error(response(409, b'{"state": "conflict", "n": 1}'))
    assert type(error) is APIStatusError
    assert error.message == '{"state":"conflict","n":1}'
    assert str(error) == 'Error code: 409 - {"state":"conflict","n":1}'


def test_long_messages_are_cut() -> None:
    error = make_status_error(response(400, json.dumps({"message": "x" * 10_000})))
    assert len(error.message) <= 1000
    assert error.message.endswith("…")


# --------------------------------------------------------------------------- non-JSON bodies

NGINX_502 = b"""<html>
<head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>
</html>"""


def test_html_page_uses_its_title() -> None:
    error = make_status_error(response(502, NGINX_502, headers={"content-type": "text/html"}))
    assert isinstance(error, InternalServerError)
    assert error.message == "502 Bad Gateway"
    assert error.body == NGINX_502.decode()
    assert str(error) == "Error code: 502 - 502 Bad Gateway"
    assert "<" not in str(error)


def test_html_page_without_title_uses_h1_then_text() -> None:
    with_h1 = make_status_error(response(503, b"<html><body><h1>Upstream &amp; down</h1></body>"))
    assert with_h1.message == "Upstream & down"
    text_only = b"<html><head><style>p{color:red}</style></head><body><p>Service\n  paused</p>"
    assert make_status_error(response(503, text_only)).message == "Service paused"


def test_huge_html_page_is_cut_in_body_and_message() -> None:
    page = "<html><body>" + "<p>lorem ipsum</p>" * 10_000 + "</body></html>"
    error = make_status_error(response(500, page))
    assert isinstance(error.body, str)
    assert len(error.body) == 1000
    assert len(error.message) <= 200
    assert make_status_error(response(500, page), max_body_chars=50).body == page[:50]


def test_plain_text_body() -> None:
    error = make_status_error(
        response(503, b"upstream connect error or disconnect/reset before headers")
    )
    assert error.message == "upstream connect error or disconnect/reset before headers"
    assert error.body == "upstream connect error or disconnect/reset before headers"
    assert error.code is None


@pytest.mark.parametrize("content", [b"", b"   \n"])
def test_empty_body_falls_back_to_reason_phrase(content: bytes) -> None:
    error = make_status_error(response(502, content))
    assert error.body is None
    assert error.message == "Bad Gateway"
    assert str(error) == "Error code: 502 - Bad Gateway"


def test_empty_body_with_unnamed_status() -> None:
    error = make_status_error(response(599))
    assert error.message == "HTTP 599"


def test_invalid_utf8_and_unknown_charset_are_tolerated() -> None:
    bad = make_status_error(response(500, b"\xff\xfe broken \xc3"))
    assert "broken" in bad.message
    odd = make_status_error(
        response(500, "héllo".encode(), headers={"content-type": "text/plain; charset=bogus"})
    )
    assert "llo" in odd.message


def test_unread_streamed_response_does_not_raise() -> None:
    streamed = httpx.Response(500, stream=httpx.ByteStream(b'{"message": "x"}'))
    error = make_status_error(streamed)
    assert isinstance(error, InternalServerError)
    assert error.body is None
    assert error.message == "Internal Server Error"


# --------------------------------------------------------------------------- request id


@pytest.mark.parametrize(
    "header", ["X-Request-Id", "x-request-id", "X-Oneapi-Request-Id", "Request-Id"]
)
def test_request_id_from_header(header: str) -> None:
    error = make_status_error(response(500, b'{"message": "boom"}', headers={header: "req-42"}))
    assert error.request_id == "req-42"
    assert str(error) == "Error code: 500 - boom (request id: req-42)"


def test_header_request_id_beats_message() -> None:
    body = json.dumps({"message": "boom (request id: from-text)"})
    error = make_status_error(response(500, body, headers={"x-request-id": "from-header"}))
    assert error.request_id == "from-header"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("quota (request id: 2026112516030123)", "2026112516030123"),
        ("quota (Request ID: abc-DEF_1.2)", "abc-DEF_1.2"),
        ("quota request_id=xyz", "xyz"),
        ("额度不足 (request id\uff1a20261125)", "20261125"),
        ("no id here", None),
        ("request id: ", None),
    ],
)
def test_request_id_from_message(message: str, expected: str | None) -> None:
    error = make_status_error(response(403, json.dumps({"error": {"message": message}})))
    assert error.request_id == expected


# --------------------------------------------------------------------------- Retry-After

NOW = datetime(2026, 11, 25, 16, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("Wed, 25 Nov 2026 16:00:30 GMT", 30.0),
        ("Wed, 25 Nov 2026 16:02:00 +0000", 120.0),
        ("Wed, 25 Nov 2026 17:00:30 +0100", 30.0),
        ("Wed, 25 Nov 2026 16:00:30 -0000", 30.0),
        ("Wed, 25 Nov 2026 15:00:00 GMT", 0.0),  # already past
        ("-3", None),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("Wed, 99 Nov 2026 16:00:30 GMT", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_naive_now_is_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    assert parse_retry_after("Wed, 25 Nov 2026 16:00:10 GMT", now=naive) == 10.0


def test_parse_retry_after_defaults_to_the_real_clock() -> None:
    soon = datetime.now(timezone.utc) + timedelta(seconds=120)
    seconds = parse_retry_after(format_datetime(soon, usegmt=True))
    assert seconds is not None
    assert 100 < seconds <= 120


@given(value=st.text(max_size=40))
def test_parse_retry_after_never_raises(value: str) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result is None or result >= 0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"retry-after-ms": "2500", "Retry-After": "12"}, 2.5),
        ({"retry-after-ms": "junk", "Retry-After": "12"}, 12.0),
        ({"Retry-After": "whenever"}, None),
        ({}, None),
    ],
)
def test_rate_limit_error_carries_retry_after(
    headers: dict[str, str], expected: float | None
) -> None:
    error = make_status_error(
        response(429, fixture_bytes("error-429-upstream-saturated.json"), headers=headers)
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == expected


def test_rate_limit_error_http_date() -> None:
    soon = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=60), usegmt=True)
    error = make_status_error(response(429, b"", headers={"Retry-After": soon}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is not None
    assert 40 < error.retry_after <= 60


def test_retry_after_is_only_read_for_429() -> None:
    error = make_status_error(response(503, b"", headers={"Retry-After": "5"}))
    assert not hasattr(error, "retry_after")


# --------------------------------------------------------------------------- notes and secrets


def test_note_is_appended_and_message_kept() -> None:
    note = "a task may have been created and billed; check your dashboard before retrying"
    error = make_status_error(response(502, NGINX_502), note=note)
    assert error.note == note
    assert error.message == "502 Bad Gateway"
    assert str(error) == f"Error code: 502 - 502 Bad Gateway; {note}"


def test_note_on_connection_errors() -> None:
    error = APITimeoutError("Read timed out.", note="the task may have been created")
    assert str(error) == "Read timed out.; the task may have been created"
    assert error.message == "Read timed out."


def test_note_set_after_construction_shows_in_str() -> None:
    error = ResponseShapeError.for_body("expected a JSON body", "<html>", status_code=200)
    error.note = "a task may have been created"
    assert str(error) == (
        "expected a JSON body (HTTP 200); body starts: <html>; a task may have been created"
    )


def test_nothing_secret_in_str_or_repr() -> None:
    error = make_status_error(response(401, fixture_bytes("error-401-invalid-token.json")))
    assert error.response is not None
    assert error.response.request.headers["authorization"] == f"Bearer {SECRET}"
    for text in (str(error), repr(error), repr(error.args)):
        assert SECRET not in text
        assert "Bearer" not in text
        assert "uthorization" not in text
    connection = APIConnectionError(request=error.response.request)
    assert SECRET not in str(connection) + repr(connection)


def test_repr_is_short() -> None:
    error = make_status_error(response(400, json.dumps({"message": "m" * 5000})))
    assert len(repr(error)) < 400
    assert repr(error).startswith("BadRequestError(status_code=400, code=None, request_id=None")


@settings(max_examples=200)
@given(
    status_code=st.integers(min_value=300, max_value=599),
    content=st.binary(max_size=200)
    | st.text(max_size=200).map(str.encode)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
        max_leaves=10,
    ).map(lambda v: json.dumps(v).encode()),
    request_id=st.none() | st.text(max_size=20),
)
def test_make_status_error_never_raises(
    status_code: int, content: bytes, request_id: str | None
) -> None:
    headers = {"x-request-id": request_id.encode("ascii", "ignore").decode()} if request_id else {}
    error = make_status_error(response(status_code, content, headers=headers))
    assert isinstance(error, APIStatusError)
    assert error.status_code == status_code
    assert error.message
    assert str(error).startswith(f"Error code: {status_code} - ")
    assert SECRET not in str(error) + repr(error)


# --------------------------------------------------------------------------- direct construction


def test_status_error_constructor_keywords() -> None:
    error = InternalServerError(
        "upstream died",
        status_code=500,
        body={"message": "upstream died"},
        code="upstream_error",
        request_id="r1",
        note="a task may have been created and billed; check your dashboard before retrying",
    )
    assert error.response is None
    assert str(error) == (
        "Error code: 500 - upstream died (code: upstream_error) (request id: r1); "
        "a task may have been created and billed; check your dashboard before retrying"
    )


def test_rate_limit_error_defaults_to_429() -> None:
    error = RateLimitError("slow down", retry_after=3.0)
    assert error.status_code == 429
    assert error.retry_after == 3.0


def test_base_error_for_configuration_problems() -> None:
    error = AnyAPIError("no API key: pass api_key= or set ANYAPI_API_KEY")
    assert str(error) == "no API key: pass api_key= or set ANYAPI_API_KEY"
    assert error.message == str(error)
    assert error.note is None
    assert repr(error) == "AnyAPIError('no API key: pass api_key= or set ANYAPI_API_KEY')"


def test_connection_errors() -> None:
    request = httpx.Request("GET", "https://www.anyapi.vip/v1/video/query")
    connection = APIConnectionError(request=request)
    assert str(connection) == "Connection error."
    assert connection.request is request
    timeout = APITimeoutError(request=request)
    assert str(timeout) == "Request timed out."
    assert timeout.request is request
    assert isinstance(timeout, APIConnectionError)
    assert isinstance(timeout, TimeoutError)
    custom = APIConnectionError("could not reach www.anyapi.vip: [Errno 111] refused")
    assert custom.request is None
    assert "Errno 111" in str(custom)


def test_response_shape_error() -> None:
    error = ResponseShapeError.for_body(
        "not a task", {"object": "chat.completion"}, status_code=200
    )
    assert error.status_code == 200
    assert error.body_start == '{"object":"chat.completion"}'
    assert str(error) == 'not a task (HTTP 200); body starts: {"object":"chat.completion"}'
    assert isinstance(error, ValueError)
    bare = ResponseShapeError("not a task")
    assert str(bare) == "not a task"
    assert bare.status_code is None
    assert bare.body_start == ""
    long = ResponseShapeError.for_body("x", "y" * 5000)
    assert len(long.body_start) == 501


def test_response_shape_error_with_unprintable_body() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    error = ResponseShapeError.for_body("bad", [Hostile()])
    assert error.body_start == "<unprintable list>"


def test_invalid_parameter_error() -> None:
    error = InvalidParameterError("size", value="huge", allowed=("small", "large"))
    assert str(error) == "invalid size: got 'huge' (allowed: 'small', 'large')"
    assert error.param == "size"
    assert error.value == "huge"
    assert error.allowed == ("small", "large")
    custom = InvalidParameterError(
        "character_timestamps", "the span must be 1-3 seconds, got '0,9'"
    )
    assert str(custom) == "invalid character_timestamps: the span must be 1-3 seconds, got '0,9'"
    assert custom.allowed is None
    long = InvalidParameterError("prompt", value="p" * 10_000)
    assert len(str(long)) < 150


# --------------------------------------------------------------------------- task outcomes


def failed_task(**fields: Any) -> VideoTask:
    body = json.loads((FIXTURES / "query-failed.json").read_text(encoding="utf-8"))
    body.update(fields)
    return VideoTask.from_json(body, task_id=TASK_ID)


def test_video_generation_error_from_the_failed_fixture() -> None:
    task = failed_task()
    error = VideoGenerationError(task)
    assert str(error) == (
        f"video task {TASK_ID} failed: This content may violate our content policies."
    )
    assert error.task is task
    assert error.task_id == TASK_ID
    assert error.reason == "This content may violate our content policies."


def test_video_generation_error_cancelled_and_without_reason() -> None:
    task = VideoTask(id=TASK_ID, status=TaskStatus.CANCELLED)
    error = VideoGenerationError(task)
    assert error.reason is None
    assert str(error) == f"video task {TASK_ID} was cancelled: the server gave no reason"


def test_video_generation_error_reason_override() -> None:
    error = VideoGenerationError(failed_task(), reason="completed without a video URL")
    assert error.reason == "completed without a video URL"
    assert str(error).endswith("failed: completed without a video URL")


def test_wait_timeout_error_message() -> None:
    task = VideoTask.from_json(
        {"id": "task_x", "status": "video_generating", "progress": 45}, task_id=TASK_ID
    )
    error = WaitTimeoutError(TASK_ID, timeout=600, task=task)
    text = str(error)
    assert TASK_ID in text
    assert "600s" in text
    assert "processing" in text
    assert "'video_generating'" in text  # the server's own word, when it differs
    assert "45%" in text
    assert "still running" in text
    assert f"wait({TASK_ID!r})" in text
    assert error.task is task
    assert error.task_id == TASK_ID
    assert error.timeout == 600


def test_wait_timeout_error_before_any_status() -> None:
    error = WaitTimeoutError(TASK_ID, timeout=2.5)
    assert error.task is None
    assert "2.5s" in str(error)
    assert "no status received yet" in str(error)
    assert "still running" in str(error)


def test_wait_timeout_error_without_progress_does_not_invent_one() -> None:
    task = VideoTask(id=TASK_ID, status=TaskStatus.QUEUED, raw_status="queued")
    text = str(WaitTimeoutError(TASK_ID, timeout=60, task=task))
    assert "last status: queued)" in text
    assert "%" not in text
