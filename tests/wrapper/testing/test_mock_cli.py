"""`python -m anyapi_sora.testing` runs the server until it is told to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import anyapi_sora.testing
import httpx
import pytest
from child_processes import python_module_with_sigint
from child_processes import start as start_child

pytestmark = pytest.mark.slow  # child processes (tests/conftest.py)


def _start(*arguments: str) -> subprocess.Popen[str]:
    """`python -m anyapi_sora.testing --port 0 ARGUMENTS`, with Ctrl-C working in it even if
    this process ignores SIGINT; killed after the test if it still runs."""
    package_root = Path(anyapi_sora.testing.__file__).resolve().parents[2]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(package_root), env.get("PYTHONPATH", "")])
    command = python_module_with_sigint("anyapi_sora.testing", prog="anyapi_sora.testing")
    return start_child(
        [*command, "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def _stop(process: subprocess.Popen[str], stop_signal: signal.Signals) -> str:
    """Send `stop_signal` and wait for the process to end; its stderr."""
    process.send_signal(stop_signal)
    _, stderr = process.communicate(timeout=30)
    return stderr


def _read_settings(process: subprocess.Popen[str]) -> dict[str, str]:
    assert process.stdout is not None
    settings: dict[str, str] = {}
    while "ANYAPI_API_KEY" not in settings:
        line = process.stdout.readline()
        assert line, "the server exited before printing its settings"
        name, _, value = line.strip().partition("=")
        if value:
            settings[name] = value
    return settings


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.timeout(60)
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_module_serves_until_signalled(stop_signal: signal.Signals) -> None:
    process = _start("--queue-seconds", "0", "--processing-seconds", "0", "--api-key", "sk-cli")
    try:
        settings = _read_settings(process)
        assert settings["ANYAPI_API_KEY"] == "sk-cli"
        base_url = settings["ANYAPI_BASE_URL"]
        with httpx.Client(
            base_url=base_url, headers={"Authorization": "Bearer sk-cli"}, timeout=10
        ) as client:
            body = {
                "model": "sora-2",
                "prompt": "a lighthouse",
                "orientation": "portrait",
                "size": "small",
                "duration": 10,
            }
            task_id = client.post("/v1/video/create", json=body).json()["id"]
            done = client.get("/v1/video/query", params={"id": task_id}).json()
            assert done["status"] == "completed"
            assert client.get(done["video_url"]).content[4:8] == b"ftyp"
        stderr = _stop(process, stop_signal)
    finally:
        if process.poll() is None:  # the test failed, or the signal did not stop it
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "Stopped." in stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/v1/video/query")


def test_help_lists_the_options() -> None:
    process = _start("--help")
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    for option in ("--port", "--api-key", "--queue-seconds", "--url-ttl-seconds", "--dialect"):
        assert option in stdout
    assert "newapi-task" in stdout


@pytest.mark.timeout(60)
def test_the_module_speaks_the_dialect_it_is_given() -> None:
    process = _start("--dialect", "newapi-task", "--queue-seconds", "0")
    try:
        settings = _read_settings(process)
        with httpx.Client(
            base_url=settings["ANYAPI_BASE_URL"],
            headers={"Authorization": f"Bearer {settings['ANYAPI_API_KEY']}"},
            timeout=10,
        ) as client:
            body = {
                "model": "sora-2",
                "prompt": "a lighthouse",
                "orientation": "portrait",
                "size": "small",
                "duration": 10,
            }
            created = client.post("/v1/video/create", json=body).json()
        _stop(process, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert isinstance(created["id"], int)
    assert created["status"] == "NOT_START"
    assert created["task_id"].startswith("video_")


def test_an_unknown_dialect_is_a_usage_error() -> None:
    process = _start("--dialect", "nope")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "invalid choice: 'nope'" in stderr
