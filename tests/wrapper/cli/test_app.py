"""The command group: help, global options, usage errors, and running without the extra."""

from __future__ import annotations

import subprocess
import sys

import pytest
from anyapi_sora.cli._app import run
from anyapi_sora.cli._exit_codes import EXIT_CODES_HELP

# Nothing listens there: these commands must fail before sending anything.
NOWHERE = ["--api-key", "sk-test-0000000000", "--base-url", "http://127.0.0.1:9"]


@pytest.fixture(autouse=True)
def _no_client_env(monkeypatch):
    for name in ("ANYAPI_API_KEY", "ANYAPI_BASE_URL", "ANYAPI_SORA_TESTING"):
        monkeypatch.delenv(name, raising=False)


def test_help_documents_the_commands_and_exit_codes(capsys):
    assert run(["--help"]) == 0

    out = capsys.readouterr().out
    for command in ("generate", "create", "status", "wait", "download", "batch", "mock-server"):
        assert command in out
    for line in ("0    success", "1    API error", "2    usage error", "3    timed out", "130"):
        assert line in out
    assert "ANYAPI_API_KEY" in out
    assert "ANYAPI_BASE_URL" in out
    assert "--verbose" in out
    assert "Exit codes:" in EXIT_CODES_HELP


@pytest.mark.parametrize(
    "command", ["generate", "create", "status", "wait", "download", "batch", "mock-server"]
)
def test_every_command_has_help(capsys, command):
    assert run([command, "--help"]) == 0

    out = capsys.readouterr().out
    assert out.startswith(f"Usage: anyapi-sora {command}")
    if command != "mock-server":
        assert "--json" in out
        assert "--mock" in out


def test_version(capsys):
    assert run(["--version"]) == 0

    assert "anyapi-sora" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["generate"], id="missing-prompt"),
        pytest.param(["status"], id="missing-id"),
        pytest.param(["--no-such-option", "status", "x"], id="global-option"),
        pytest.param(["generate", "x", "--orientation", " "], id="orientation"),
        pytest.param(["generate", "x", "--size", ""], id="size"),
        pytest.param(["generate", "x", "--timeout", "0"], id="timeout"),
        pytest.param(["generate", "x", "--poll-interval", "-1"], id="poll-interval"),
        pytest.param(["generate", "x", "--extra", "no-equals-sign"], id="extra-form"),
        pytest.param(["generate", "x", "--extra", "n:=not json"], id="extra-json"),
        pytest.param(["generate", "x", "--extra", "model=sora-2-pro"], id="extra-clash"),
        pytest.param(["generate", "x", "--extra", "=value"], id="extra-name"),
        pytest.param(["batch", "prompts.txt"], id="batch-out-dir"),
        pytest.param(["batch", "x", "--out-dir", "d", "--concurrency", "0"], id="concurrency"),
        pytest.param([*NOWHERE, "generate", "x", "--out", "a.mp4", "--no-download"], id="out"),
        pytest.param([*NOWHERE, "generate", "x", "--image", "ftp://x/a.png"], id="image"),
        pytest.param([*NOWHERE, "create", "x", "--duration", "0"], id="duration"),
        pytest.param(["create", "x"], id="no-key"),
        pytest.param(["--base-url", "ftp://example.com", "--api-key", "k" * 20, "status", "x"]),
        pytest.param(["--base-url", "http://example.com", "--api-key", "k" * 20, "status", "x"]),
    ],
)
def test_usage_errors_exit_2(capsys, args):
    assert run(args) == 2

    captured = capsys.readouterr()
    assert "Error" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_no_command_shows_the_help_on_stderr_and_exits_2(capsys):
    assert run([]) == 2

    captured = capsys.readouterr()
    assert captured.err.startswith("Usage: anyapi-sora")
    assert captured.out == ""


def test_an_output_file_in_a_missing_folder_is_fine_but_under_a_file_is_not(capsys, tmp_path):
    (tmp_path / "file").write_text("x")

    code = run([*NOWHERE, "generate", "x", "--out", str(tmp_path / "file" / "a.mp4")])

    assert code == 2
    assert "not a folder" in capsys.readouterr().err


def test_the_cli_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "anyapi_sora.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: anyapi-sora")


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


def test_without_the_cli_extra_the_command_says_what_to_install():
    # A None entry in sys.modules makes `import click` fail as if it were not installed.
    result = _run_python(
        "import sys; sys.modules['click'] = None; sys.modules['rich'] = None\n"
        "from anyapi_sora.cli import main\n"
        "main(['--help'])"
    )

    assert result.returncode == 1
    assert "pip install 'anyapi-sora[cli]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_library_imports_without_click_and_rich():
    result = _run_python(
        "import sys; sys.modules['click'] = None; sys.modules['rich'] = None\n"
        "import anyapi_sora, anyapi_sora.testing\n"
        "assert 'anyapi_sora.cli' not in sys.modules\n"
        "print(anyapi_sora.AnyAPI.__name__)"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "AnyAPI\n"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999", '{"a": [NaN]}'])
def test_extra_json_must_be_finite(capsys, value):
    assert run(["generate", "x", "--extra", f"n:={value}"]) == 2

    err = capsys.readouterr().err
    assert "n:=" in err
    assert "not a JSON number" in err or "too large" in err


def test_plain_http_is_refused_with_the_option_that_allows_it(capsys):
    args = ["--base-url", "http://gateway.example", "--api-key", "k" * 20, "status", "x"]

    assert run(args) == 2

    err = capsys.readouterr().err
    assert "unencrypted" in err
    assert "--allow-insecure-http" in err
    assert "allow_insecure_http=True" not in err  # the library's wording, not the CLI's


class _Stop(Exception):
    pass


@pytest.mark.parametrize("how", ["option", "env"])
def test_allow_insecure_http_reaches_the_client(monkeypatch, tmp_path, capsys, how):
    from anyapi_sora.cli import _session

    seen: list[tuple[str, dict]] = []

    def recorder(name):
        def make(*args, **kwargs):
            seen.append((name, kwargs))
            raise _Stop

        return make

    monkeypatch.setattr(_session, "AnyAPI", recorder("sync"))
    monkeypatch.setattr(_session, "AsyncAnyAPI", recorder("async"))
    (tmp_path / "p.txt").write_text("a corgi\n", encoding="utf-8")
    insecure = ["--allow-insecure-http"] if how == "option" else []
    if how == "env":
        monkeypatch.setenv("ANYAPI_ALLOW_INSECURE_HTTP", "1")
    base = [*insecure, "--base-url", "http://gateway.example", "--api-key", "k" * 20]

    assert run([*base, "status", "x"]) == 1
    assert run([*base, "batch", str(tmp_path / "p.txt"), "--out-dir", str(tmp_path / "o")]) == 1

    assert [name for name, _ in seen] == ["sync", "async"]
    for _, kwargs in seen:
        assert kwargs["allow_insecure_http"] is True
        assert kwargs["base_url"] == "http://gateway.example"
    assert "unencrypted" not in capsys.readouterr().err


def test_allow_insecure_http_is_in_the_help(capsys):
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--allow-insecure-http" in out
    assert "ANYAPI_ALLOW_INSECURE_HTTP" in out
