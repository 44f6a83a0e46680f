"""The pytest plugin: the anyapi_mock fixtures, their options and their marker."""

from __future__ import annotations

import importlib.metadata
import json
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


PLUGIN_MODULE = "_anyapi_sora_pytest_plugin"
OLD_PLUGIN_MODULE = "anyapi_sora.testing.pytest_plugin"

# Loaded with -p, it records what pytest has imported once collection is done, and which
# plugins are registered under the entry point's name and the module's.
PROBE = f"NAMES = {(PLUGIN_MODULE, OLD_PLUGIN_MODULE)!r}\n" + textwrap.dedent(
    """
    import json
    import sys


    def pytest_collection_finish(session):
        manager = session.config.pluginmanager
        loaded = [
            name for name in NAMES
            if name in sys.modules and manager.is_registered(sys.modules[name])
        ]
        with open("probe.json", "w") as file:
            json.dump(
                {
                    "modules": sorted(sys.modules),
                    "by_name": getattr(manager.get_plugin("anyapi_sora"), "__name__", None),
                    "loaded": loaded,
                },
                file,
            )
    """
)


def run_pytest(
    project: Path, *args: str, autoload: bool = False
) -> subprocess.CompletedProcess[str]:
    """pytest in a user's project (its own config, nothing of ours but the plugin)."""
    if not (project / "pytest.ini").exists():
        (project / "pytest.ini").write_text(
            "[pytest]\naddopts = --strict-markers -p no:cacheprovider\n"
        )
    package_root = Path(anyapi_sora.testing.__file__).resolve().parents[2]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANYAPI_", "PYTEST_", "COV_CORE_"))
    }
    if not autoload:
        # Only the plugins named with -p: what pytest itself and our plugin import.
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(package_root), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def probed(project: Path, *args: str, autoload: bool = False) -> dict[str, Any]:
    """What a `pytest --collect-only` run in `project` imported and registered."""
    (project / "probe.py").write_text(PROBE)
    (project / "test_nothing_of_ours.py").write_text("def test_plain():\n    assert True\n")
    result = run_pytest(project, "--collect-only", "-q", "-p", "probe", *args, autoload=autoload)
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads((project / "probe.json").read_text())
    return report


def heavy(modules: list[str]) -> list[str]:
    roots = {"anyapi_sora", "anyapi_sora_api", "httpx", "httpcore", "ssl", "socketserver"}
    return [name for name in modules if name.split(".")[0] in roots or name == "http.server"]


@pytest.mark.timeout(60)
def test_loading_the_plugin_imports_neither_httpx_nor_the_library(tmp_path: Path) -> None:
    # Autoloading off, the plugin by its entry point's name: nothing else is loaded.
    report = probed(tmp_path, "-p", "anyapi_sora")

    assert report["by_name"] == PLUGIN_MODULE
    assert report["loaded"] == [PLUGIN_MODULE]
    assert heavy(report["modules"]) == []


@pytest.mark.timeout(60)
def test_the_installed_plugin_leaves_the_library_unimported_until_a_fixture_runs(
    tmp_path: Path,
) -> None:
    # As in any project that depends on anyapi-sora: the plugin found through its entry
    # point. Other installed plugins may import httpx (respx does); none imports us, so
    # `pytest --cov=anyapi_sora` sees every line of the package run.
    report = probed(tmp_path, autoload=True)

    assert report["by_name"] == PLUGIN_MODULE
    assert [name for name in report["modules"] if name.split(".")[0] == "anyapi_sora"] == []


def test_the_entry_point_names_the_light_module() -> None:
    (entry_point,) = importlib.metadata.entry_points(group="pytest11", name="anyapi_sora")
    assert entry_point.value == PLUGIN_MODULE


@pytest.mark.timeout(60)
def test_no_anyapi_sora_turns_the_plugin_off(tmp_path: Path) -> None:
    report = probed(tmp_path, "-p", "no:anyapi_sora", autoload=True)

    assert report["by_name"] is None
    assert report["loaded"] == []


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("options", "autoload"),
    [
        pytest.param(["-p", "anyapi_sora"], False, id="entry-point"),
        # The plugin's first import path keeps working, alone or beside the entry point.
        pytest.param(["-p", OLD_PLUGIN_MODULE], False, id="old-path"),
        pytest.param(["-p", OLD_PLUGIN_MODULE], True, id="old-path-and-entry-point"),
    ],
)
def test_a_user_project_gets_the_fixtures_from_the_plugin(
    tmp_path: Path, options: list[str], autoload: bool
) -> None:
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))

    result = run_pytest(tmp_path, *options, "-q", autoload=autoload)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout


@pytest.mark.timeout(60)
def test_the_marker_is_registered_once(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "-p", OLD_PLUGIN_MODULE, "--markers", autoload=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("@pytest.mark.anyapi_mock(") == 1
