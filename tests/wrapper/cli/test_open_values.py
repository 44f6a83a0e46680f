"""--model, --orientation and --size take what the gateway takes, like the library does.

Known values are hints: another value is sent as given, with one warning in the command
line's words; a batch file's lines the same. What no gateway takes is still refused
before anything is created.
"""

from __future__ import annotations

import json

import pytest
from anyapi_sora.cli._app import run

WARNING_TAIL = "is sent as given: the gateway decides whether it takes it"


def sent(server, field):
    return [request.json[field] for request in server.requests_to("create")]


@pytest.mark.parametrize("size", ["medium", "1280x720"])
def test_generate_sends_a_size_the_gateway_takes(cli, server, size):
    result = cli("generate", "a corgi surfing", "--size", size, "--out", "corgi.mp4")

    assert result.code == 0, result
    assert sent(server, "size") == [size]
    assert server.create_count == 1
    assert result.stderr.count(f"--size {size!r} is not one of the documented values") == 1
    assert "small, large" in result.stderr
    assert WARNING_TAIL in result.stderr
    # Said once, by the command: not again in the library's Python words.
    assert "size=" not in result.stderr
    assert (cli.cwd / "corgi.mp4").read_bytes() == server.video.read()


def test_create_sends_an_unfamiliar_model_and_orientation(cli, server):
    result = cli("create", "a kite", "--model", "veo3.1-fast", "--orientation", "square")

    # The mock, like many gateways, takes any model but only two orientations: its refusal
    # is the gateway's answer (a 400, nothing created), not the command's.
    assert result.code == 1, result
    assert sent(server, "model") == ["veo3.1-fast"]
    assert sent(server, "orientation") == ["square"]
    assert server.create_count == 0
    assert "--model 'veo3.1-fast' is not one of the documented values" in result.stderr
    assert "--orientation 'square' is not one of the documented values" in result.stderr
    assert "portrait, landscape" in result.stderr


def test_known_values_pass_without_a_warning(cli, server):
    result = cli("create", "a kite", "--model", "sora-2-pro", "--size", "large")

    assert result.code == 0, result
    assert sent(server, "size") == ["large"]
    assert "documented values" not in result.stderr


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--size", ""], "--size"),
        (["--size", "   "], "--size"),
        (["--orientation", "a\x07b"], "--orientation"),
        (["--size", "m" * 101], "101 characters"),
        (["--model", "sora 2"], "--model"),
    ],
    ids=["empty", "blank", "control-character", "too-long", "model-with-a-space"],
)
def test_what_no_gateway_takes_is_refused_before_create(cli, server, args, problem):
    result = cli("generate", "a corgi", *args, "--no-download")

    assert result.code == 2, result
    assert problem in result.stderr
    assert server.requests_to("create") == []
    assert "Traceback" not in result.stderr


def test_the_help_lists_the_known_values(capsys):
    assert run(["generate", "--help"]) == 0

    text = " ".join(capsys.readouterr().out.split())
    assert "small" in text
    assert "large" in text
    assert "portrait" in text
    assert "landscape" in text
    assert "sent as given" in text
    assert "[small|large]" not in text  # no longer a closed choice


def test_batch_lines_take_open_values_and_warn_once_per_value(cli, server):
    lines = [
        {"prompt": "one", "size": "medium"},
        {"prompt": "two", "size": "1280x720", "model": "sora-2-pro-all"},
        {"prompt": "three", "size": "medium"},
        {"prompt": "four"},
    ]
    (cli.cwd / "p.jsonl").write_text(
        "\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8"
    )

    result = cli("batch", "p.jsonl", "-d", "out", "--orientation", "landscape")

    assert result.code == 0, result
    assert sorted(sent(server, "size")) == ["1280x720", "medium", "medium", "small"]
    assert server.create_count == 4
    assert result.stderr.count('lines 1, 3: "size": "medium" is not one of') == 1
    assert result.stderr.count('line 2: "size": "1280x720" is not one of') == 1
    # A documented model of the library (sora-2-pro-all) is not warned about.
    assert '"model"' not in result.stderr
    assert "size=" not in result.stderr


def test_a_batch_started_with_an_open_size_resumes_with_it(inproc, server):
    (inproc.cwd / "p.txt").write_text("a corgi\na kite\n", encoding="utf-8")

    first = inproc("batch", "p.txt", "-d", "out", "--size", "medium")
    (inproc.cwd / "p.txt").write_text("a corgi\na kite\na heron\n", encoding="utf-8")
    again = inproc("batch", "p.txt", "-d", "out")  # the journal's settings

    assert first.code == 0, first
    assert again.code == 0, again
    assert "unusable" not in again.stderr
    assert sent(server, "size") == ["medium", "medium", "medium"]


def test_a_batch_line_with_an_absurdly_long_value_is_refused_before_create(inproc, server):
    line = json.dumps({"prompt": "a corgi", "size": "m" * 5000})
    (inproc.cwd / "p.jsonl").write_text(f'{{"prompt": "fine"}}\n{line}\n', encoding="utf-8")

    result = inproc("batch", "p.jsonl", "-d", "out")

    assert result.code == 2, result
    assert 'line 2: "size": expected a short name' in result.stderr
    assert "5,000 characters" in result.stderr
    assert len(result.stderr) < 1000
    assert server.requests_to("create") == []
