"""Every message speaks the command line (`anyapi-sora wait ID`, `--image`), never the
library's Python (`wait('...')`, `images=`), and every bad value is a short usage error."""

from __future__ import annotations

import json
import re

import pytest
from anyapi_sora.cli._mock import start_mock_server
from anyapi_sora.testing import Fault

PYTHON_WORDS = re.compile(r"\bwait\(|\bdownload\(|\bapi_key=|\bmodel=\.\.\.|\bextra_body\b|\(\)")


def speaks_cli(text: str) -> bool:
    return PYTHON_WORDS.search(text) is None


# --------------------------------------------------------------------------- --extra


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('images:=["https://example.com/a.png"]', "use --image"),
        ("watermark:=false", "use --watermark/--no-watermark"),
        ("model=sora-2-pro", "use --model"),
        ("prompt=x", "PROMPT argument"),
        ("extra_body=y", "give each field as its own --extra KEY=VALUE"),
    ],
)
def test_an_extra_that_has_its_own_option_names_the_real_option(inproc, server, extra, expected):
    result = inproc("generate", "a corgi", "--extra", extra)

    assert result.code == 2, result
    assert expected in result.stderr
    assert "--images" not in result.stderr
    assert "--extra-body" not in result.stderr
    assert server.create_count == 0


def test_absurdly_nested_json_is_a_usage_error(inproc, server):
    deep = "[" * 5000 + "]" * 5000

    result = inproc("generate", "a corgi", "--extra", f"a:={deep}")

    assert result.code == 2, result
    assert "nested too deeply" in result.stderr
    assert "unexpected" not in result.stderr
    assert "RecursionError" not in result.stderr
    assert len(result.stderr) < 1000  # the 10,000 characters are not echoed


@pytest.mark.parametrize(
    "args",
    [
        ["--extra", "n:=" + "1" * 5000],
        ["--duration", "1" * 5000],
        ["--timeout", "1" * 5000],
        ["--orientation", "x" * 5000],
        ["--extra", "x" * 5000],
    ],
    ids=["extra-json", "duration", "timeout", "choice", "extra-form"],
)
def test_a_huge_value_is_echoed_cut_short(inproc, server, args):
    result = inproc("generate", "a corgi", *args, "--json")

    assert result.code == 2, result
    assert len(result.stderr) < 1000
    assert len(result.stdout) < 1000
    assert "5,00" in result.stderr  # says how long the value was
    assert "unexpected" not in result.stderr
    assert server.create_count == 0


def test_json_prints_an_error_object_for_clicks_own_usage_errors(inproc, server):
    result = inproc("generate", "a corgi", "--duration", "0", "--json")

    assert result.code == 2, result
    data = result.json()
    assert data["error"]["type"] == "UsageError"
    assert data["error"]["exit_code"] == 2
    assert "--duration" in data["error"]["message"]
    assert data["id"] is None


def test_a_library_refusal_names_the_option(inproc, server):
    result = inproc("generate", "a corgi", "--image", "ftp://example.com/a.png")

    assert result.code == 2, result
    assert "--image: expected an http(s) URL" in result.stderr
    assert "images[0]" not in result.stderr


# --------------------------------------------------------------------------- the API key


@pytest.mark.parametrize("where", ["option", "environment"])
def test_a_non_ascii_key_is_a_clear_usage_error(inproc, server, monkeypatch, where):
    key = "sk-“pasted-with-quotes”-0123456789"
    if where == "option":
        args = ["--api-key", key, "--base-url", server.base_url]
    else:
        monkeypatch.setenv("ANYAPI_API_KEY", key)
        args = ["--base-url", server.base_url]

    result = inproc(*args, "status", "sora-2:task_x", connect=False)

    assert result.code == 2, result
    assert "non-ASCII" in result.stderr
    assert "--api-key or ANYAPI_API_KEY" in result.stderr
    assert "pasted-with-quotes" not in result.stderr
    assert "unexpected" not in result.stderr
    assert server.requests == []


# --------------------------------------------------------------------------- base URLs


def test_a_base_url_ending_in_v1_gets_a_hint_with_its_404(inproc, server):
    result = inproc("--api-key", server.api_key, "--base-url", f"{server.base_url}/v1",
                    "create", "a corgi", connect=False)  # fmt: skip

    assert result.code == 1, result
    assert "404" in result.stderr
    assert "ends in /v1" in result.stderr
    assert f"--base-url {server.base_url}\n" in result.stderr
    assert server.create_count == 0


def test_a_base_url_with_a_query_is_refused(inproc, server):
    result = inproc("--api-key", server.api_key, "--base-url", f"{server.base_url}/?k=SECRET",
                    "status", "sora-2:task_x", connect=False)  # fmt: skip

    assert result.code == 2, result
    assert "query string" in result.stderr
    assert "SECRET" not in result.stderr
    assert server.requests == []


# --------------------------------------------------------------------------- after create


def test_a_wait_timeout_says_how_to_resume_in_cli_words(slow_inproc, slow_server):
    result = slow_inproc("generate", "a corgi", "--out", "c.mp4", "--timeout", "0.2")

    assert result.code == 3, result
    (task_id,) = slow_server.tasks
    assert f"wait {task_id} --out c.mp4 --timeout 0.2" in result.stderr
    assert "anyapi-sora" in result.stderr
    assert speaks_cli(result.stderr), result.stderr


def test_a_failed_download_says_how_to_download_again_in_cli_words(inproc, server):
    server.inject("download", Fault.server_error(502), rate=1.0)

    result = inproc("generate", "a corgi", "--out", "c.mp4")

    assert result.code == 1, result
    (task_id,) = server.tasks
    assert f"download {task_id} --out c.mp4" in result.stderr
    assert speaks_cli(result.stderr), result.stderr
    assert ".part" not in result.stderr


def test_download_of_an_unfinished_task_says_how_to_wait_in_cli_words(slow_inproc, slow_server):
    task_id = slow_inproc("create", "a corgi").stdout.strip()

    result = slow_inproc("download", task_id, "--out", "c.mp4")

    assert result.code == 1, result
    assert f"wait {task_id} --out c.mp4" in result.stderr
    assert speaks_cli(result.stderr), result.stderr


# --------------------------------------------------------------------------- --mock


def test_create_with_mock_does_not_promise_a_wait_that_cannot_work(inproc):
    result = inproc("create", "a corgi", "--mock", connect=False)

    assert result.code == 0, result
    assert "Follow it with" not in result.stderr
    assert "anyapi-sora mock-server" in result.stderr
    assert "--base-url" in result.stderr


def test_status_with_mock_explains_why_the_task_is_unknown(inproc):
    result = inproc("status", "sora-2:task_01k9008rhbefnt3rb1g9szxdwr", "--mock", connect=False)

    assert result.code == 1, result
    assert "task_not_exist" in result.stderr
    assert "new, empty mock server for each command" in result.stderr
    assert "anyapi-sora mock-server" in result.stderr


def _one_task_id(server) -> str:
    import httpx

    body = {"prompt": "a corgi", "model": "sora-2", "orientation": "portrait", "size": "small",
            "duration": 10}  # fmt: skip
    headers = {"Authorization": f"Bearer {server.api_key}"}
    response = httpx.post(f"{server.base_url}/v1/video/create", json=body, headers=headers)
    return str(response.json()["id"])


def test_mock_ids_do_not_repeat_across_runs():
    # The id's time part may differ by chance; the random part must differ by design.
    ids = []
    for _ in range(2):
        with start_mock_server() as server:
            ids.append(_one_task_id(server))
    assert ids[0][-12:] != ids[1][-12:], ids


def test_a_mock_seed_can_still_be_fixed_for_tests():
    ids = []
    for _ in range(2):
        with start_mock_server(seed=7) as server:
            ids.append(_one_task_id(server)[-12:])
    assert ids[0] == ids[1]


# --------------------------------------------------------------------------- -v


def test_verbose_prints_every_event_once(inproc, server):
    result = inproc("-v", "generate", "a corgi", "--out", "c.mp4")

    assert result.code == 0, result
    (task_id,) = server.tasks
    assert result.stderr.count(f"created task {task_id}") == 1
    statuses = re.findall(rf"{re.escape(task_id)}: (\w+(?: \d+%)?)\n", result.stderr)
    assert statuses, result.stderr
    assert len(statuses) == len(set(statuses)), statuses
    assert result.stderr.count("saved ") == 1
    assert "GET " in result.stderr  # still verbose


def test_json_row_errors_are_json(inproc, server):
    # --json with an error found after parsing: one JSON object, as before.
    result = inproc("generate", "a corgi", "--out", "a.mp4", "--no-download", "--json")

    assert result.code == 2, result
    assert json.loads(result.stdout)["error"]["type"] == "UsageError"


@pytest.mark.parametrize("command", ["status", "wait", "download"])
def test_an_empty_id_is_a_usage_error_in_cli_words(inproc, server, command):
    result = inproc(command, "  ")

    assert result.code == 2, result
    assert "'ID'" in result.stderr
    assert "VideoTask" not in result.stderr
    assert "Resume with" not in result.stderr
    assert server.requests == []


def test_a_create_that_may_have_billed_says_so(inproc, server):
    server.inject("create", Fault.server_error(502, after_create=True))

    result = inproc("generate", "a corgi", "--out", "c.mp4")

    assert result.code == 1, result  # never 2: a task may exist
    assert server.create_count == 1
    assert "a task may have been created (and billed)" in result.stderr
    assert speaks_cli(result.stderr), result.stderr
