"""The API key appears nowhere: not in logs, exception strings, reprs, stdout or stderr.

With DEBUG logging on for every logger (ours, httpx's, httpcore's, the mock server's), the
whole generate flow runs against a MockServer through faults, then through every kind of
failure; then the command-line tool does the same in a subprocess with --verbose. The key
is fresh for each test, so a match can only come from a leak.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import subprocess
import sys
import traceback
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from anyapi_sora import (
    AnyAPI,
    AnyAPIError,
    APIConnectionError,
    APIStatusError,
    AsyncAnyAPI,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    VideoGenerationError,
    WaitTimeoutError,
    set_testing,
)
from anyapi_sora.testing import Fault, MockServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CLI_TIMEOUT = 120


def new_key() -> str:
    return f"sk-{secrets.token_hex(24)}"


def fragments(key: str) -> list[str]:
    """The key, and pieces of it long enough to identify it (a prefix like "sk-" is not)."""
    secret = key.removeprefix("sk-")
    half = len(secret) // 2
    return [key, secret, secret[:half], secret[half:]]


def leaks(text: str, *keys: str) -> list[str]:
    return [piece for key in keys for piece in fragments(key) if piece in text]


def exposed(value: object) -> str:
    """Everything an error or object shows: str, repr, args, notes, its traceback, chain."""
    parts = [str(value), repr(value)]
    if isinstance(value, BaseException):
        parts += [repr(arg) for arg in value.args]
        parts += "".join(traceback.format_exception(value)).splitlines()
        parts += [str(note) for note in getattr(value, "__notes__", [])]
        for name in ("note", "message", "body", "request_id", "code"):
            parts.append(repr(getattr(value, name, None)))
        request = getattr(value, "request", None)
        if isinstance(request, httpx.Request):
            parts += [repr(request), repr(request.headers)]
        response = getattr(value, "response", None)
        if isinstance(response, httpx.Response):
            parts += [repr(response), repr(response.headers), repr(response.request.headers)]
    return "\n".join(parts)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """DEBUG on the root logger, so httpx, httpcore and the mock server log too."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def fast_retries() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as a handler would write it, traceback included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def faulty_server(key: str, **options: Any) -> MockServer:
    server = MockServer(api_key=key, queue_seconds=0, processing_seconds=0, **options)
    server.inject("create", Fault.rate_limited())  # a create retried after a 429
    server.inject("query", Fault.server_error(500))
    server.inject("query", Fault.rate_limited(retry_after=0))
    server.inject("query", Fault.disconnect())
    server.inject("query", Fault.malformed_json())
    server.inject("query", Fault.server_error(502, html=True))
    server.inject("download", Fault.truncated_body(at_byte=1000))
    server.inject("download", Fault.disconnect())
    return server


def failures_sync(server: MockServer, tmp_path: Path, wrong_key: str) -> list[BaseException]:
    """One of each failure a user can meet, from the sync client."""
    errors: list[BaseException] = []
    with AnyAPI(api_key=wrong_key, base_url=server.base_url) as client:
        try:
            client.videos.create("a corgi")
        except AuthenticationError as exc:
            errors.append(exc)
    with AnyAPI(api_key=server.api_key, base_url=server.base_url, max_retries=0) as client:
        server.inject("create", Fault.server_error(500, after_create=True))
        try:
            client.videos.create("a corgi")  # may have billed: the error says so
        except InternalServerError as exc:
            errors.append(exc)
        server.inject("create", Fault.disconnect(after_create=True))
        try:
            client.videos.create("a corgi")
        except APIConnectionError as exc:
            errors.append(exc)
        try:
            client.videos.create("REJECT this prompt")
        except BadRequestError as exc:
            errors.append(exc)
        try:
            client.videos.generate("FAIL on purpose")
        except VideoGenerationError as exc:
            errors.append(exc)
        try:
            client.videos.retrieve("sora-2:task_doesnotexist")
        except APIStatusError as exc:
            errors.append(exc)
        task = client.videos.generate("a corgi")
        server.inject("download", Fault.disconnect())
        try:
            client.videos.download(task, tmp_path / "cut.mp4")
        except APIConnectionError as exc:
            errors.append(exc)
    AnyAPI(api_key=server.api_key + "\n", base_url=server.base_url).close()  # stripped: fine
    for bad in (server.api_key + " x", server.api_key + "\x00", server.api_key.encode()):
        try:
            AnyAPI(api_key=bad, base_url=server.base_url)  # type: ignore[arg-type]
        except AnyAPIError as exc:
            errors.append(exc)
    return errors


@pytest.mark.usefixtures("fast_retries")
def test_sync_flow_and_failures_never_show_the_key(
    debug_logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key, wrong_key = new_key(), new_key()
    with faulty_server(key) as server:
        with AnyAPI(api_key=key, base_url=server.base_url) as client:
            task = client.videos.generate("a corgi surfing", out=tmp_path, poll_interval=0.01)
            shown = [repr(client), repr(client._settings), repr(task), repr(client.videos)]
        assert task.succeeded
        assert server.requests_to("create")[0].fault is not None  # the faults did fire
        assert all(rule.exhausted for rule in server.faults.rules)
        errors = failures_sync(server, tmp_path, wrong_key)
        # The waits of a slow task, in both clients.
        slow = MockServer(api_key=key, queue_seconds=60, processing_seconds=60)
        with slow, AnyAPI(api_key=key, base_url=slow.base_url) as client:
            try:
                client.videos.generate("slow", timeout=0.05, poll_interval=0.01)
            except WaitTimeoutError as exc:
                errors.append(exc)

    assert len(errors) == 11, errors
    output = capsys.readouterr()
    logs = logged(debug_logs)
    assert "/v1/video/query" in logs  # DEBUG request lines were really captured
    assert leaks(logs, key, wrong_key) == []
    assert leaks(output.out + output.err, key, wrong_key) == []
    for error in errors:
        assert leaks(exposed(error), key, wrong_key) == [], type(error).__name__
    assert leaks("\n".join(shown), key) == []


@pytest.mark.usefixtures("fast_retries")
def test_async_flow_never_shows_the_key(
    debug_logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key, wrong_key = new_key(), new_key()

    async def flow(server: MockServer) -> list[BaseException]:
        errors: list[BaseException] = []
        async with AsyncAnyAPI() as client:  # key and URL from the environment
            task = await client.videos.generate("a corgi", out=tmp_path, poll_interval=0.01)
            assert task.succeeded
            assert leaks(repr(client) + repr(client._settings) + repr(task), key) == []
            server.inject("create", Fault.hang(5, after_create=True))
            try:
                await AsyncAnyAPI(timeout=0.2).videos.create("a corgi")
            except APIConnectionError as exc:
                errors.append(exc)
            try:
                await client.videos.generate("FAIL on purpose", poll_interval=0.01)
            except VideoGenerationError as exc:
                errors.append(exc)
        async with AsyncAnyAPI(api_key=wrong_key) as client:
            try:
                await client.videos.retrieve(task.id)
            except AuthenticationError as exc:
                errors.append(exc)
        return errors

    with faulty_server(key) as server:
        monkeypatch.setenv("ANYAPI_API_KEY", key)
        monkeypatch.setenv("ANYAPI_BASE_URL", server.base_url)
        errors = asyncio.run(flow(server))

    assert len(errors) == 3, errors
    output = capsys.readouterr()
    logs = logged(debug_logs)
    assert "/v1/video/query" in logs
    assert leaks(logs, key, wrong_key) == []
    assert leaks(output.out + output.err, key, wrong_key) == []
    for error in errors:
        assert leaks(exposed(error), key, wrong_key) == [], type(error).__name__


# --------------------------------------------------------------------------- the CLI


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ANYAPI_")}
    # Test mode: the retries after the faults below take milliseconds, not their backoff.
    clean["ANYAPI_SORA_TESTING"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "anyapi_sora.cli", *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=CLI_TIMEOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.mark.slow
def test_cli_verbose_never_prints_the_key(tmp_path: Path) -> None:
    key, wrong_key = new_key(), new_key()
    with faulty_server(key) as server:
        common = ["--verbose", "--base-url", server.base_url]
        ok = run_cli(
            *common,
            "--api-key",
            key,
            "generate",
            "a corgi surfing",
            "--out",
            str(tmp_path / "corgi.mp4"),
            "--poll-interval",
            "0.05",
        )
        created = run_cli(*common, "create", "a corgi", "--json", env={"ANYAPI_API_KEY": key})
        task_id = json.loads(created.stdout)["id"] if created.returncode == 0 else "missing"
        status = run_cli(*common, "--api-key", key, "status", "--json", task_id)
        server.inject("create", Fault.server_error(502, after_create=True))
        billed = run_cli(*common, "create", "a corgi", env={"ANYAPI_API_KEY": key})
        refused = run_cli(*common, "--api-key", wrong_key, "create", "a corgi")
        assert all(rule.exhausted for rule in server.faults.rules)

    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "corgi.mp4").stat().st_size > 0
    assert "/v1/video/query" in ok.stderr  # --verbose did log the requests
    assert created.returncode == 0, created.stderr
    assert status.returncode == 0, status.stderr
    assert billed.returncode == 1, billed.stderr
    assert refused.returncode == 1, refused.stderr
    for run in (ok, created, status, billed, refused):
        assert leaks(run.stdout, key, wrong_key) == [], run.args
        assert leaks(run.stderr, key, wrong_key) == [], run.args
