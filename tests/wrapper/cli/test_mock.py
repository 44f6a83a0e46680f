"""--mock (the README's demo) and the mock-server command."""

from __future__ import annotations

import json
from importlib import resources

from anyapi_sora.cli._session import TESTING_ENV


def _sample_video() -> bytes:
    return resources.files("anyapi_sora.testing").joinpath("assets/sample.mp4").read_bytes()


def test_the_readme_demo_needs_no_key_and_saves_the_bundled_mp4(cli):
    env = cli.env()
    for name in ("ANYAPI_API_KEY", "ANYAPI_BASE_URL", TESTING_ENV):
        env.pop(name, None)  # exactly what a new user has: nothing

    result = cli("generate", "a corgi surfing", "--mock", "--out", "demo.mp4", env=env)

    assert result.code == 0, result
    assert result.stdout == "demo.mp4\n"
    assert (cli.cwd / "demo.mp4").read_bytes() == _sample_video()
    assert "mock server" in result.stderr
    assert "processing" in result.stderr
    assert cli.server.create_count == 0  # the test's server was not involved


def test_mock_server_runs_until_ctrl_c(cli, tmp_path):
    process = cli.start(
        "mock-server", "--port", "0", "--json", "--queue-seconds", "0", "--processing-seconds", "0"
    )
    try:
        assert process.stdout is not None
        address = json.loads(process.stdout.readline())
        env = cli.env(ANYAPI_BASE_URL=address["base_url"], ANYAPI_API_KEY=address["api_key"])

        created = cli("generate", "a corgi", "--out", "c.mp4", env=env)

        assert created.code == 0, created
        assert (cli.cwd / "c.mp4").read_bytes() == _sample_video()
    finally:
        stopped = cli.interrupt(process)
    assert stopped.code == 0, stopped
    assert "Traceback" not in stopped.stderr


def test_mock_server_reports_a_port_in_use(cli):
    result = cli("mock-server", "--port", str(cli.server.port))

    assert result.code == 2, result
    assert "cannot listen" in result.stderr


def test_mock_server_text_output_names_the_url_and_key(cli):
    process = cli.start("mock-server", "--port", "0")
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
    finally:
        stopped = cli.interrupt(process)
    assert lines[0].startswith("Mock AnyAPI server running at http://127.0.0.1:")
    assert lines[1].startswith("API key: sk-mock-")
    assert any(line.strip().startswith("export ANYAPI_API_KEY=") for line in lines)
    assert stopped.code == 0
