"""The pytest plugin: the anyapi_mock fixtures, their options and their marker."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyapi_sora.testing
import pytest
from anyapi_sora._clock import is_testing

if TYPE_CHECKING:
    import httpx
    from anyapi_sora.testing import MockServer


def test_anyapi_mock_is_a_running_server_with_a_zero_timeline(
    anyapi_mock: MockServer, client: httpx.Client
) -> None:
    assert anyapi_mock.running
    assert (anyapi_mock.queue_seconds, anyapi_mock.processing_seconds) == (0, 0)
    body = {
        "model": "sora-2",
        "prompt": "a kite",
        "orientation": "landscape",
        "size": "small",
        "duration": 10,
    }
    task_id = client.post("/v1/video/create", json=body).json()["id"]
    assert client.get("/v1/video/query", params={"id": task_id}).json()["status"] == "completed"


@pytest.mark.anyapi_mock(queue_seconds=5, api_key="sk-marked")
def test_the_marker_sets_options_for_one_test(anyapi_mock: MockServer) -> None:
    assert anyapi_mock.queue_seconds == 5
    assert anyapi_mock.processing_seconds == 0  # the other defaults stay
    assert anyapi_mock.api_key == "sk-marked"


def test_anyapi_mock_env_points_the_client_at_the_server(anyapi_mock_env: MockServer) -> None:
    assert os.environ["ANYAPI_BASE_URL"] == anyapi_mock_env.base_url
    assert os.environ["ANYAPI_API_KEY"] == anyapi_mock_env.api_key


class TestOverridingTheOptionsFixture:
    @pytest.fixture
    def anyapi_mock_options(self) -> dict[str, Any]:
        return {"queue_seconds": 1, "processing_seconds": 2, "url_ttl_seconds": None}

    def test_the_override_applies(self, anyapi_mock: MockServer) -> None:
        assert (anyapi_mock.queue_seconds, anyapi_mock.processing_seconds) == (1, 2)

    @pytest.mark.anyapi_mock(processing_seconds=9)
    def test_a_marker_beats_the_override(self, anyapi_mock: MockServer) -> None:
        assert (anyapi_mock.queue_seconds, anyapi_mock.processing_seconds) == (1, 9)


def test_anyapi_mock_puts_the_library_in_test_mode(anyapi_mock: MockServer) -> None:
    assert is_testing()


@pytest.mark.anyapi_mock(testing=False)
def test_the_marker_opts_out_of_test_mode(anyapi_mock: MockServer) -> None:
    assert not is_testing()
    assert anyapi_mock.running  # "testing" is not passed on to MockServer


class TestOverridingTheTestingModeFixture:
    @pytest.fixture
    def anyapi_testing_mode(self) -> bool:
        return False

    def test_the_override_applies(self, anyapi_mock: MockServer) -> None:
        assert not is_testing()


def test_the_readme_example_never_sleeps_the_real_intervals(
    anyapi_mock_env: MockServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anyapi_sora import AnyAPI, _clock

    sleeps: list[float] = []
    real_sleep = _clock.time.sleep

    def record(seconds: float) -> None:
        sleeps.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(_clock.time, "sleep", record)
    with AnyAPI() as client:
        client.videos.generate("a kite", out=tmp_path / "kite.mp4")
    assert (tmp_path / "kite.mp4").stat().st_size > 0
    assert sleeps  # it did wait before polling...
    assert max(sleeps) <= _clock.TESTING_MAX_SLEEP  # ...10 ms, not the real 5 s


USER_TESTS = """
import os
import socket

import pytest

seen = {}


def test_uses_the_server(anyapi_mock_env):
    seen["port"] = anyapi_mock_env.port
    assert os.environ["ANYAPI_API_KEY"] == anyapi_mock_env.api_key


def test_the_server_is_gone_and_the_environment_restored():
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", seen["port"])) != 0
    assert "ANYAPI_BASE_URL" not in os.environ
    assert "ANYAPI_API_KEY" not in os.environ


@pytest.mark.anyapi_mock(queue_seconds=3)
def test_the_marker_is_registered(anyapi_mock):
    assert anyapi_mock.queue_seconds == 3


def test_test_mode_while_the_fixture_runs(anyapi_mock):
    from anyapi_sora._clock import is_testing

    assert is_testing()


def test_test_mode_is_restored_after_it():
    from anyapi_sora._clock import is_testing

    assert not is_testing()
"""


@pytest.mark.timeout(60)
def test_a_user_project_gets_the_fixtures_from_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    # Its own config, so this project's pyproject settings don't leak in.
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\naddopts = --strict-markers -p no:cacheprovider\n"
    )
    package_root = Path(anyapi_sora.testing.__file__).resolve().parents[2]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANYAPI_", "PYTEST_"))
    }
    # Load the plugin explicitly: autoloading would also find it if installed, and
    # registering it twice is an error.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(package_root), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "anyapi_sora.testing.pytest_plugin", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
