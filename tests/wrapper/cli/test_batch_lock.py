"""One batch per output folder: a second batch process is refused before it creates."""

from __future__ import annotations

import json
import signal
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path


def write_prompts(folder: Path, lines: list[str], name: str = "prompts.txt") -> None:
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def created_task_ids(folder: Path) -> set[str]:
    path = folder / "journal.jsonl"
    if not path.exists():
        return set()
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:  # the line being written right now
            continue
        if event.get("event") == "created":
            ids.add(event["task_id"])
    return ids


def test_a_second_batch_process_in_the_same_folder_creates_nothing(slow_cli, slow_server):
    write_prompts(slow_cli.cwd, ["a corgi", "a cat"])
    write_prompts(slow_cli.cwd, ["a dog", "a bird"], name="other.txt")
    out = slow_cli.cwd / "out"
    first = slow_cli.start("batch", "prompts.txt", "--out-dir", "out")
    try:
        slow_cli.wait_until(lambda: len(created_task_ids(out)) == 2, "both tasks to be created")
        journal = (out / "journal.jsonl").read_bytes()

        # The same file, and another file with new prompts: both would bill.
        again = slow_cli("batch", "prompts.txt", "--out-dir", "out", "--json")
        other = slow_cli("batch", "other.txt", "--out-dir", "out")

        for second in (again, other):
            assert second.code == 2, second
            # The folder as the user gave it.
            assert "another anyapi-sora batch is running in out; wait for it" in second.stderr
            assert "Traceback" not in second.stderr
        assert again.json()["error"]["exit_code"] == 2
        assert slow_server.create_count == 2
        assert (out / "journal.jsonl").read_bytes() == journal
    finally:
        stopped = slow_cli.interrupt(first)
    assert stopped.code == 130, stopped

    for task_id in slow_server.tasks:
        slow_server.finish_task(task_id)
    resumed = slow_cli("batch", "prompts.txt", "--out-dir", "out")
    assert resumed.code == 0, resumed
    assert slow_server.create_count == 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_batch_leaves_the_folder_unlocked(slow_cli, slow_server):
    # The OS lets go of the lock with the process: no stale lock file to delete by hand.
    write_prompts(slow_cli.cwd, ["a corgi"])
    out = slow_cli.cwd / "out"
    first = slow_cli.start("batch", "prompts.txt", "--out-dir", "out")
    slow_cli.wait_until(lambda: len(created_task_ids(out)) == 1, "the task to be created")
    first.send_signal(signal.SIGKILL)
    slow_cli.finish(first)

    for task_id in slow_server.tasks:
        slow_server.finish_task(task_id)
    resumed = slow_cli("batch", "prompts.txt", "--out-dir", "out")

    assert resumed.code == 0, resumed
    assert slow_server.create_count == 1
