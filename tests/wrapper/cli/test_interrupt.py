"""Ctrl-C: exit code 130, and the paid task's id with the command that resumes it."""

from __future__ import annotations

import shlex
import signal
import sys

import pytest
from anyapi_sora.testing import Fault

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="sends POSIX SIGINT")


def _started_waiting(server) -> bool:
    return server.create_count == 1 and len(server.requests_to("query")) >= 2


def test_ctrl_c_during_generate_prints_the_resume_command(slow_cli, slow_server):
    process = slow_cli.start("generate", "a corgi surfing", "--out", "my corgi.mp4")
    slow_cli.wait_until(lambda: _started_waiting(slow_server), "the command to start waiting")

    result = slow_cli.interrupt(process)

    assert result.code == 130, result
    (task_id,) = slow_server.tasks
    resume = shlex.join(["wait", task_id, "--out", "my corgi.mp4"])
    assert task_id in result.stderr
    assert resume in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""

    # The printed command really does pick the task up again.
    slow_server.finish_task(task_id)
    resumed = slow_cli(*shlex.split(resume))
    assert resumed.code == 0, resumed
    assert (slow_cli.cwd / "my corgi.mp4").read_bytes() == slow_server.video.read()
    assert slow_server.create_count == 1


def test_ctrl_c_during_wait_with_json_prints_a_json_error(slow_cli, slow_server):
    task_id = slow_cli("create", "a corgi").stdout.strip()
    process = slow_cli.start("wait", task_id, "--json")
    slow_cli.wait_until(lambda: len(slow_server.requests_to("query")) >= 2, "polling")

    result = slow_cli.interrupt(process)

    assert result.code == 130, result
    data = result.json()
    assert data["error"] == {"type": "Interrupted", "message": "interrupted", "exit_code": 130}
    assert data["id"] == task_id
    assert f"wait {task_id}" in result.stderr


def test_ctrl_c_during_a_batch_prints_the_command_that_resumes_it(slow_cli, slow_server):
    (slow_cli.cwd / "prompts.txt").write_text("a corgi\na cat\n", encoding="utf-8")
    process = slow_cli.start("batch", "prompts.txt", "--out-dir", "out")
    slow_cli.wait_until(lambda: len(slow_server.requests_to("query")) >= 4, "polling")

    result = slow_cli.interrupt(process)

    assert result.code == 130, result
    assert "batch prompts.txt --out-dir out" in result.stderr
    assert "Traceback" not in result.stderr
    assert slow_server.create_count == 2
    # The journal kept both task ids: the rerun waits for them instead of paying again.
    for task_id in slow_server.tasks:
        slow_server.finish_task(task_id)
    resumed = slow_cli("batch", "prompts.txt", "--out-dir", "out")
    assert resumed.code == 0, resumed
    assert slow_server.create_count == 2
    assert (slow_cli.cwd / "out" / "index.html").is_file()


def test_ctrl_c_during_create_waits_for_the_task_id(cli, server):
    # The gateway makes the task, then takes half a second to answer: Ctrl-C lands in between.
    server.inject("create", Fault.hang(0.5, after_create=True))
    process = cli.start("generate", "a corgi", "--out", "c.mp4")
    cli.wait_until(lambda: server.create_count == 1, "the task to be made")

    result = cli.interrupt(process)

    assert result.code == 130, result
    (task_id,) = server.tasks
    assert "waiting for the gateway to answer the create request" in result.stderr
    assert f"wait {task_id} --out c.mp4" in result.stderr


def test_ctrl_c_during_a_batch_create_still_journals_the_task(cli, server):
    (cli.cwd / "prompts.txt").write_text("a corgi\n", encoding="utf-8")
    server.inject("create", Fault.hang(0.5, after_create=True))
    process = cli.start("batch", "prompts.txt", "--out-dir", "out")
    cli.wait_until(lambda: server.create_count == 1, "the task to be made")

    result = cli.interrupt(process)

    assert result.code == 130, result
    (task_id,) = server.tasks
    journal = (cli.cwd / "out" / "journal.jsonl").read_text(encoding="utf-8")
    assert f'"task_id":"{task_id}"' in journal
    rerun = cli("batch", "prompts.txt", "--out-dir", "out")
    assert rerun.code == 0, rerun
    assert "unknown" not in rerun.stderr
    assert server.create_count == 1


def test_sigterm_is_handled_like_ctrl_c(slow_cli, slow_server):
    # `timeout 3 anyapi-sora generate ...`, a container stopping, a plain `kill`.
    process = slow_cli.start("generate", "a corgi surfing", "--out", "c.mp4", "--json")
    slow_cli.wait_until(lambda: _started_waiting(slow_server), "the command to start waiting")

    process.send_signal(signal.SIGTERM)
    result = slow_cli.finish(process)

    assert result.code == 143, result
    (task_id,) = slow_server.tasks
    assert "Terminated" in result.stderr
    assert f"wait {task_id} --out c.mp4 --json" in result.stderr
    assert result.json()["error"]["exit_code"] == 143
    assert "Traceback" not in result.stderr


def test_sigterm_during_a_batch_journals_and_prints_the_resume_command(slow_cli, slow_server):
    (slow_cli.cwd / "prompts.txt").write_text("a corgi\na cat\n", encoding="utf-8")
    process = slow_cli.start("batch", "prompts.txt", "--out-dir", "out")
    slow_cli.wait_until(lambda: len(slow_server.requests_to("query")) >= 2, "polling")

    process.send_signal(signal.SIGTERM)
    result = slow_cli.finish(process)

    assert result.code == 143, result
    assert "resume with:" in result.stderr
    assert "batch prompts.txt --out-dir out" in result.stderr
    journal = (slow_cli.cwd / "out" / "journal.jsonl").read_text(encoding="utf-8")
    for task_id in slow_server.tasks:
        assert f'"task_id":"{task_id}"' in journal


def test_ctrl_c_while_saving_a_finished_video_says_it_is_ready(cli, server):
    server.inject("download", Fault.hang(30), rate=1.0)  # the file host never answers
    process = cli.start("generate", "a corgi", "--out", "c.mp4")
    cli.wait_until(lambda: server.requests_to("download"), "the download to start")

    result = cli.interrupt(process)

    assert result.code == 130, result
    (task_id,) = server.tasks
    assert "is finished" in result.stderr
    assert "ready to download" in result.stderr
    assert "keeps running" not in result.stderr
    assert f"Download it with:  anyapi-sora --base-url {server.base_url} download {task_id}" in (
        result.stderr
    )
    assert not list(cli.cwd.glob("*.part"))
    assert not list(cli.cwd.glob(".*.part"))
