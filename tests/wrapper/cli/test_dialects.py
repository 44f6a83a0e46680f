"""The command on every gateway dialect: generate on each, a batch that meets them all,
and `mock-server --dialect`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from anyapi_sora.cli._mock import mock_server
from anyapi_sora.testing import DIALECTS, MockServer

# A task takes a few polls; a client that misreads a dialect fails in seconds, not at the
# subprocess's time limit.
WAIT = ("--timeout", "15")


@pytest.fixture(params=DIALECTS)
def dialect_cli(request, make_cli, tmp_path):
    with MockServer(dialect=request.param, queue_seconds=0.0, processing_seconds=0.1) as server:
        yield make_cli(server, tmp_path)


def test_generate_saves_the_video_on_every_dialect(dialect_cli):
    server = dialect_cli.server

    result = dialect_cli("generate", "a corgi surfing", "--out", "corgi.mp4", "--json", *WAIT)

    assert result.code == 0, result
    (task,) = server.tasks.values()
    assert task.dialect == server.dialect
    data = result.json()
    assert data["id"] == task.id
    assert data["status"] == "completed"
    assert data["path"] == "corgi.mp4"
    assert (dialect_cli.cwd / "corgi.mp4").read_bytes() == server.video.read()
    assert server.create_count == 1


def test_a_batch_on_a_mixed_gateway_meets_every_dialect(make_cli, tmp_path):
    prompts = [f"scene {number}" for number in range(len(DIALECTS))]
    (tmp_path / "prompts.txt").write_text("\n".join(prompts) + "\n", encoding="utf-8")
    with MockServer(dialect="mixed", queue_seconds=0.0, processing_seconds=0.1) as server:
        result = make_cli(server, tmp_path)(
            "batch", "prompts.txt", "--out-dir", "out", "--json", *WAIT
        )

    assert result.code == 0, result
    rows = result.json_lines()
    assert [row["state"] for row in rows] == ["downloaded"] * len(DIALECTS)
    assert sorted(task.dialect for task in server.tasks.values()) == sorted(DIALECTS)
    assert {row["task_id"] for row in rows} == set(server.tasks)
    for row in rows:
        assert (tmp_path / row["path"]).read_bytes() == server.video.read()
    assert server.create_count == len(DIALECTS)


def test_mock_server_speaks_the_dialect_it_is_given(cli):
    process = cli.start(
        "mock-server",
        "--port",
        "0",
        "--json",
        "--dialect",
        "openai-video",
        "--queue-seconds",
        "0",
        "--processing-seconds",
        "0",
    )
    try:
        assert process.stdout is not None
        address = json.loads(process.stdout.readline())
        env = cli.env(ANYAPI_BASE_URL=address["base_url"], ANYAPI_API_KEY=address["api_key"])

        created = cli("generate", "a corgi", "--out", "c.mp4", "--json", env=env)
    finally:
        stopped = cli.interrupt(process)

    assert address["dialect"] == "openai-video"
    assert created.code == 0, created
    assert created.json()["id"].startswith("video_")
    assert Path(cli.cwd / "c.mp4").read_bytes() == cli.server.video.read()
    assert stopped.code == 0, stopped


def test_mock_server_offers_every_dialect():
    # click refuses any other value with a usage error (exit code 2).
    (option,) = [param for param in mock_server.params if param.name == "dialect"]
    assert tuple(option.type.choices) == ("mixed", *DIALECTS)
    assert option.default == "mixed"
