"""Fixtures for the `anyapi-sora` command tests: the real command, run in a subprocess.

Every test runs `python -m anyapi_sora.cli ...` against a MockServer started in the test
process, so the server's counters (create_count, tasks) can be checked after the command
exits. ANYAPI_SORA_TESTING=1 makes the library cap its sleeps at 10 ms.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from anyapi_sora.testing import MockServer
from child_processes import python_module_with_sigint
from child_processes import start as start_child

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

CLI = [sys.executable, "-m", "anyapi_sora.cli"]
# Runs the command with Ctrl-C raising KeyboardInterrupt even if this process was started
# with SIGINT ignored (a background job), which the child would otherwise inherit.
CLI_WITH_SIGINT = python_module_with_sigint("anyapi_sora.cli", prog="anyapi-sora")
COMMAND_TIMEOUT = 60
_TERMINAL_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "NO_COLOR")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The single JSON document the command printed on stdout (batch's closing summary
        line aside)."""
        lines = [line for line in self.stdout.splitlines() if not line.startswith('{"summary"')]
        assert len(lines) == 1, f"expected one line of JSON, got {self.stdout!r}"
        return json.loads(lines[0])

    def json_lines(self) -> list[Any]:
        """The JSON lines printed on stdout, without `batch`'s closing summary line."""
        lines = [json.loads(line) for line in self.stdout.splitlines()]
        return [line for line in lines if not (isinstance(line, dict) and "summary" in line)]

    def json_summary(self) -> Any:
        """The closing `{"summary": ...}` line of `batch --json`."""
        *_, last = [json.loads(line) for line in self.stdout.splitlines()]
        assert set(last) == {"summary"}, last
        return last["summary"]

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def cli_env(server: MockServer | None = None, **extra: str) -> dict[str, str]:
    """The environment for the command: no inherited key, URL or terminal overrides."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ANYAPI_") and name not in _TERMINAL_ENV
    }
    env["ANYAPI_SORA_TESTING"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    if server is not None:
        env.update(server.env)
    env.update(extra)
    return env


class Cli:
    """Runs the command in `cwd` with the environment pointing at `server`."""

    def __init__(self, server: MockServer, cwd: Path) -> None:
        self.server = server
        self.cwd = cwd

    def env(self, **extra: str) -> dict[str, str]:
        return cli_env(self.server, **extra)

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, input: str | None = None
    ) -> Result:
        completed = subprocess.run(
            [*CLI, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env if env is not None else self.env(),
            cwd=self.cwd,
            input=input,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """The command running in the background (stdout and stderr piped); killed after
        the test if it still runs."""
        return start_child(
            [*CLI_WITH_SIGINT, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env if env is not None else self.env(),
            cwd=self.cwd,
        )

    @staticmethod
    def finish(process: subprocess.Popen[str]) -> Result:
        """Wait for a background command and collect its output."""
        stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT)
        return Result(process.returncode, stdout, stderr)

    @staticmethod
    def interrupt(process: subprocess.Popen[str]) -> Result:
        """Ctrl-C the background command and collect its output."""
        process.send_signal(signal.SIGINT)
        return Cli.finish(process)

    @staticmethod
    def wait_until(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
        """Poll `condition` until it is true; fail the test (not hang) if it never is."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}")
            time.sleep(0.01)


@pytest.fixture
def server() -> Iterator[MockServer]:
    """A mock gateway whose tasks take a fraction of a second."""
    with MockServer(queue_seconds=0.0, processing_seconds=0.1) as mock:
        yield mock


@pytest.fixture
def slow_server() -> Iterator[MockServer]:
    """A mock gateway whose tasks take a minute: for timeouts and Ctrl-C."""
    with MockServer(queue_seconds=0.5, processing_seconds=60.0) as mock:
        yield mock


@pytest.fixture
def cli(server: MockServer, tmp_path: Path) -> Cli:
    return Cli(server, tmp_path)


@pytest.fixture
def slow_cli(slow_server: MockServer, tmp_path: Path) -> Cli:
    return Cli(slow_server, tmp_path)


@pytest.fixture
def make_cli() -> Callable[[MockServer, Path], Cli]:
    """Build a `Cli` for a server the test starts itself."""
    return Cli


@pytest.fixture(autouse=True)
def _restore_library_logger():
    """In-process run() configures the "anyapi_sora" logger; put it back for later tests."""
    logger = logging.getLogger("anyapi_sora")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


class InProcess:
    """Runs the command inside this process (no interpreter start-up: ~10x faster than `Cli`)
    against `server`, in `cwd`, with the library in test mode. For what is not about the
    process itself (signals, exit status as the shell sees it)."""

    def __init__(self, server: MockServer, cwd: Path, capsys: pytest.CaptureFixture[str]):
        self.server = server
        self.cwd = cwd
        self._capsys = capsys

    def __call__(self, *args: str, connect: bool = True) -> Result:
        from anyapi_sora.cli._app import run

        prefix = ["--api-key", self.server.api_key, "--base-url", self.server.base_url]
        self._capsys.readouterr()  # drop whatever came before
        code = run([*prefix, *args] if connect else list(args))
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)


def _in_process(
    server: MockServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[InProcess]:
    from anyapi_sora._clock import is_testing, set_testing

    for name in [name for name in os.environ if name.startswith("ANYAPI_")]:
        monkeypatch.delenv(name)
    for name in _TERMINAL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    previous = is_testing()
    set_testing(True)
    try:
        yield InProcess(server, tmp_path, capsys)
    finally:
        set_testing(previous)


@pytest.fixture
def inproc(server, tmp_path, capsys, monkeypatch) -> Iterator[InProcess]:
    yield from _in_process(server, tmp_path, capsys, monkeypatch)


@pytest.fixture
def slow_inproc(slow_server, tmp_path, capsys, monkeypatch) -> Iterator[InProcess]:
    yield from _in_process(slow_server, tmp_path, capsys, monkeypatch)
