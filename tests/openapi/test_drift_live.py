"""Live checks against the project's MockServer over loopback: they pass, and they fail
clearly when the gateway's answers change shape."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from anyapi_sora import AnyAPI
from anyapi_sora.testing import DIALECTS as MOCK_DIALECTS
from anyapi_sora.testing import MockServer
from drift import cli, live, registry
from drift.registry import Registry, WrapperPointers
from drift.report import LiveResult, Report
from drift.workspace import Workspace
from drift_testing import FIXTURE_PROJECT
from mock_dialects import VIDEO_URL

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

# The MockServer dialects the live check runs against: every one, and the default (mixed,
# which rotates through them task by task).
DIALECTS: list[str | None] = [*MOCK_DIALECTS, "mixed"]

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(params=DIALECTS)
def server(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    options: dict[str, Any] = {"queue_seconds": 0, "processing_seconds": 0}
    if request.param is not None:
        options["dialect"] = request.param
    with MockServer(**options) as mock:
        yield mock


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment must not swallow loopback requests.
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def real_wrapper() -> Registry:
    """The fixture registry, pointing at the real wrapper: the live check tests its error
    mapping and its parser against the gateway."""
    known = registry.load(Workspace(FIXTURE_PROJECT))
    bindings = tuple(
        replace(b, parsers={"body.status": "anyapi_sora:TaskStatus.parse"}) for b in known.bindings
    )
    pointers = WrapperPointers("anyapi_sora:AnyAPI", "anyapi_sora._config:DEFAULT_BASE_URL")
    return replace(known, bindings=bindings, wrapper=pointers)


def check(
    base_url: str, key: str, task: str | None = None, record: Path | None = None
) -> LiveResult:
    return live.run(Workspace(FIXTURE_PROJECT), real_wrapper(), base_url, key, task, record)


def test_the_live_checks_pass_against_the_mock(server: MockServer) -> None:
    result = check(server.base_url, server.api_key)
    checks = {c.name: c for c in result.checks}
    assert [c.detail for c in result.checks if not c.ok] == []
    assert result.unreachable is None
    assert set(checks) == {
        "query-unknown-id: a task id that cannot exist",
        "query-wrong-key: a wrong key",
    }
    assert "HTTP 401" in checks["query-wrong-key: a wrong key"].detail
    assert (
        "raised as BadRequestError"
        in checks["query-unknown-id: a task id that cannot exist"].detail
    )
    assert Report(live=result).exit_code == 0
    # Nothing was created, so nothing was billed.
    assert server.create_count == 0
    assert {r.route for r in server.requests} == {"query"}


def test_a_task_of_the_user_parses_fully_and_undeclared_fields_are_listed(
    server: MockServer, tmp_path: Path
) -> None:
    with AnyAPI(api_key=server.api_key, base_url=server.base_url) as client:
        task = client.videos.create("a corgi surfing")
        client.videos.wait(task.id, poll_interval=0.01, timeout=30)
    record = tmp_path / "recorded"
    result = check(server.base_url, server.api_key, task.id, record)
    assert [c.detail for c in result.checks if not c.ok] == []
    (task_check,) = [c for c in result.checks if c.name.startswith("query-task")]
    assert "status completed" in task_check.detail
    if server.tasks[task.id].dialect != "yunwu":  # its bodies hold only declared fields
        assert "fields the specs do not declare: " in " ".join(result.notes)
    assert not [note for note in result.notes if note.startswith("URLs in places")]
    # Recorded bodies keep neither key nor URL signature.
    files = sorted(p.name for p in record.iterdir())
    assert files == ["query-task-200.json", "query-unknown-id-400.json", "query-wrong-key-401.json"]
    for path in record.iterdir():
        text = path.read_text(encoding="utf-8")
        assert server.api_key not in text
        assert live.WRONG_KEY not in text
        assert "sig=" not in text
    body = json.loads((record / "query-task-200.json").read_text(encoding="utf-8"))
    video_url = VIDEO_URL[server.tasks[task.id].dialect](body)
    assert video_url.startswith(server.base_url + "/files/")
    assert "?" not in video_url


def test_live_needs_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ANYAPI_API_KEY", raising=False)
    assert cli.main(["--root", str(FIXTURE_PROJECT), "--live"]) == 2
    assert "--live needs the API key in ANYAPI_API_KEY" in capsys.readouterr().err


def test_task_and_record_go_with_live(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--root", str(FIXTURE_PROJECT), "--task", "x"])
    assert exited.value.code == 2
    assert "--task and --record go with --live" in capsys.readouterr().err


def test_the_cli_reads_the_key_and_url_from_the_environment(
    server: MockServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixture project's client is a stand-in whose errors are not the wrapper's: the
    # check must fail, and the report must say so in its JSON and exit code.
    monkeypatch.setenv("ANYAPI_API_KEY", server.api_key)
    monkeypatch.setenv("ANYAPI_BASE_URL", server.base_url)
    code = cli.main(["--root", str(FIXTURE_PROJECT), "--json", "--live"])
    data = json.loads(capsys.readouterr().out)
    assert data["live"]["base_url"] == server.base_url
    assert (code, data["exit_code"], data["breaking"]) == (1, 1, True)
    assert server.requests_to("query")


def test_an_unreachable_gateway_cannot_tell() -> None:
    with MockServer() as gone:
        base_url = gone.base_url
    result = check(base_url, "sk-test")
    assert result.checks == []
    assert result.unreachable is not None
    assert result.unreachable.startswith("APIConnectionError")
    report = Report(live=result)
    assert (report.exit_code, report.unchecked[0].startswith(f"live {base_url}: ")) == (4, True)


# --- a gateway whose answers changed: a proxy in front of the mock rewrites them ---


class _Rewriting(ThreadingHTTPServer):
    upstream: str
    rewrite: Callable[[int, Any], tuple[int, Any]]


class _Handler(BaseHTTPRequestHandler):
    server: _Rewriting

    def do_GET(self) -> None:
        headers = {
            k: v for k, v in self.headers.items() if k.lower() in ("authorization", "accept")
        }
        response = httpx.get(self.server.upstream + self.path, headers=headers, timeout=10)
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        status, body = self.server.rewrite(response.status_code, body)
        data = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
        self.send_response(status)
        self.send_header(
            "Content-Type", "application/json" if not isinstance(body, str) else "text/html"
        )
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def rewriting(
    server: MockServer,
) -> Iterator[Callable[[Callable[[int, Any], tuple[int, Any]]], str]]:
    started: list[_Rewriting] = []

    def start(rewrite: Callable[[int, Any], tuple[int, Any]]) -> str:
        proxy = _Rewriting(("127.0.0.1", 0), _Handler)
        proxy.upstream = server.base_url
        proxy.rewrite = rewrite
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        started.append(proxy)
        return f"http://127.0.0.1:{proxy.server_address[1]}"

    yield start
    for proxy in started:
        proxy.shutdown()
        proxy.server_close()


def _detail_errors(status: int, body: Any) -> tuple[int, Any]:
    # A gateway that moved to FastAPI-style errors: {"detail": "..."}.
    if status >= 400:
        return status, {"detail": "Task not found"}
    return status, body


def _not_found(status: int, body: Any) -> tuple[int, Any]:
    return (404, body) if status == 400 else (status, body)


def test_a_changed_error_shape_fails_clearly(
    server: MockServer,
    rewriting: Callable[[Callable[[int, Any], tuple[int, Any]]], str],
) -> None:
    result = check(rewriting(_detail_errors), server.api_key)
    report = Report(live=result)
    assert (report.exit_code, report.breaking) == (1, True)
    failed = [c for c in result.checks if not c.ok]
    assert [c.name for c in failed] == [
        "query-unknown-id: a task id that cannot exist",
        "query-wrong-key: a wrong key",
    ]
    assert failed[0].detail == (
        "HTTP 400 for a task id that cannot exist, but the body has no known error shape "
        '({error: {message, type, code}} or {code, message, data}): {"detail": "Task not found"}'
    )
    assert failed[0].next_step.startswith("teach the wrapper's error parsing this shape")
    assert "  - next: teach the wrapper's error parsing this shape" in report.to_markdown()


def test_a_changed_error_status_fails_clearly(
    server: MockServer, rewriting: Callable[[Callable[[int, Any], tuple[int, Any]]], str]
) -> None:
    result = check(rewriting(_not_found), server.api_key)
    (failed,) = [c for c in result.checks if not c.ok]
    assert failed.detail.startswith("expected HTTP 400 for a task id that cannot exist, got 404: ")


def test_a_task_in_a_status_the_parser_does_not_know_fails(
    server: MockServer,
    rewriting: Callable[[Callable[[int, Any], tuple[int, Any]]], str],
) -> None:
    def strange_status(status: int, body: Any) -> tuple[int, Any]:
        if status == 200 and isinstance(body, dict):
            return status, {**body, "status": "vibing", "extra_field": 1}
        return status, body

    with AnyAPI(api_key=server.api_key, base_url=server.base_url) as client:
        task = client.videos.create("a corgi surfing")
    result = check(rewriting(strange_status), server.api_key, task.id)
    (failed,) = [c for c in result.checks if not c.ok]
    assert failed.detail == "status 'vibing' is unknown to anyapi_sora:TaskStatus.parse"
    (fields,) = [note for note in result.notes if note.startswith("fields the specs")]
    assert "extra_field" in fields.partition("not yet in openapi/known-gaps.yaml: ")[2]


@pytest.mark.parametrize(
    ("body", "shape"),
    [
        (
            {"error": {"message": "无效的令牌", "type": "new_api_error", "code": ""}},
            "{error: {message, type, code}}",
        ),
        ({"error": {"message": "m"}}, "{error: {message, type, code}}"),
        (
            {"code": "task_not_exist", "message": "task_not_exist", "data": None},
            "{code, message, data}",
        ),
        ({"code": 500, "message": "upstream failed"}, "{code, message, data}"),
        ({"detail": "Not Found"}, None),
        ({"error": "a string"}, None),
        ("<html>502</html>", None),
        ([], None),
    ],
)
def test_error_shapes_follow_the_rules_not_one_body(body: Any, shape: str | None) -> None:
    assert live.error_shape(body) == shape


# --- every dialect, every stage: no false alarm ---


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("dialect", MOCK_DIALECTS)
def test_every_stage_of_a_task_passes_in_every_dialect(dialect: str) -> None:
    clock = ManualClock()
    with MockServer(dialect=dialect, clock=clock, queue_seconds=1, processing_seconds=10) as mock:
        with AnyAPI(api_key=mock.api_key, base_url=mock.base_url) as client:
            task = client.videos.create("a corgi", images=["https://example.com/ref.png"])
            failed = client.videos.create("please FAIL this")
        seen = set()
        # Queued, each processing phase (Veo's image_downloading ... video_upsampling), done.
        for moment in (0.5, 1.5, 2.5, 6.5, 7.5, 9.5, 12.0):
            clock.now = 1000.0 + moment
            result = check(mock.base_url, mock.api_key, task.id)
            (task_check,) = [c for c in result.checks if c.name.startswith("query-task")]
            seen.add(task_check.detail.rpartition("status ")[2])
            assert [c.detail for c in result.checks if not c.ok] == [], moment
            assert not [n for n in result.notes if n.startswith("URLs in places")], moment
        result = check(mock.base_url, mock.api_key, failed.id)
        assert [c.detail for c in result.checks if not c.ok] == []
    assert {"processing", "completed"} <= seen


# --- the gateway's answers change, or take a form the wrapper reads too ---


def _json_message(status: int, body: Any) -> tuple[int, Any]:
    # new-api passes an upstream's error body on as the message, itself JSON.
    if status >= 400 and isinstance(body, dict):
        inner = live.server_message(body)
        wrapped = json.dumps({"error": {"message": inner, "type": "upstream_error"}})
        return status, {"code": "fail_to_fetch_task", "message": wrapped, "data": None}
    return status, body


def test_a_message_that_is_a_json_error_body_is_read_as_the_wrapper_reads_it(
    server: MockServer, rewriting: Callable[[Callable[[int, Any], tuple[int, Any]]], str]
) -> None:
    result = check(rewriting(_json_message), server.api_key)
    assert [c.detail for c in result.checks if not c.ok] == []
    assert len(result.checks) == 2


def test_a_status_inside_an_envelope_is_checked(
    server: MockServer, rewriting: Callable[[Callable[[int, Any], tuple[int, Any]]], str]
) -> None:
    def enveloped(status: int, body: Any) -> tuple[int, Any]:
        if status == 200 and isinstance(body, dict):
            return status, {"code": 0, "message": "ok", "data": {**body, "status": "vibing"}}
        return status, body

    with AnyAPI(api_key=server.api_key, base_url=server.base_url) as client:
        task = client.videos.create("a corgi surfing")
    result = check(rewriting(enveloped), server.api_key, task.id)
    (failed,) = [c for c in result.checks if not c.ok]
    assert failed.detail == "status 'vibing' is unknown to anyapi_sora:TaskStatus.parse"
    # The fields are the task's, not the envelope's.
    for note in result.notes:
        if note.startswith("fields the specs"):
            assert "message" not in note.partition(": ")[2].partition(" (")[0].split(", ")


def test_only_urls_in_places_the_parser_does_not_read_are_listed(
    server: MockServer, rewriting: Callable[[Callable[[int, Any], tuple[int, Any]]], str]
) -> None:
    def more_urls(status: int, body: Any) -> tuple[int, Any]:
        if status == 200 and isinstance(body, dict):
            return status, {
                **body,
                "zzz": "https://cdn.example.com/v/abc",  # nothing says what this is
                "request": {"images": ["https://example.com/ref"]},  # the input, echoed
                "renditions": {"hd_video": "https://cdn.example.com/v/hd.mp4"},  # a video
                "poster": "https://cdn.example.com/v/poster.jpg",  # a picture
            }
        return status, body

    with AnyAPI(api_key=server.api_key, base_url=server.base_url) as client:
        task = client.videos.create("a corgi surfing")
        client.videos.wait(task.id, poll_interval=0.01, timeout=30)
    result = check(rewriting(more_urls), server.api_key, task.id)
    assert [c.detail for c in result.checks if not c.ok] == []
    (urls,) = [note for note in result.notes if note.startswith("URLs in places")]
    assert urls == "URLs in places the parser does not read: zzz"
