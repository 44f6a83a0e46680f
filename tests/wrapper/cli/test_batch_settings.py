"""A batch's settings live in its journal: every rerun, and every printed resume command,
creates the remaining prompts exactly as the first run would have."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

import pytest
from anyapi_sora.cli._batch_input import parse_batch_text
from anyapi_sora.cli._batch_settings import settle
from anyapi_sora.cli._exit_codes import UsageProblem
from anyapi_sora.cli._journal import Journal
from anyapi_sora.testing import MockServer

DEFAULTS = {
    "model": "sora-2",
    "orientation": "portrait",
    "size": "small",
    "duration": 10,
    "images": [],
    "watermark": True,
    "private": False,
    "extra_body": None,
}


def journal_events(folder):
    path = folder / "journal.jsonl"
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:  # the line being written right now
            continue
    return events


def journaled_task_ids(folder):
    return {e["task_id"] for e in journal_events(folder) if e["event"] == "created"}


def write_prompts(folder, lines):
    (folder / "prompts.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


FIRST_RUN_OPTIONS = [
    "--concurrency", "2",
    "--model", "sora-2-pro",
    "--orientation", "landscape",
    "--size", "large",
    "--duration", "15",
    "--extra", "style=anime",
    "--extra", "seed:=7",
    "--no-watermark",
    "--private",
    "--image", "https://example.com/ref.png",
    "--timeout", "600",
    "--poll-interval", "0.05",
]  # fmt: skip
EXPECTED_BODY = {
    "model": "sora-2-pro",
    "orientation": "landscape",
    "size": "large",
    "duration": 15,
    "watermark": False,
    "private": True,
    "images": ["https://example.com/ref.png"],
    "style": "anime",
    "seed": 7,
}


def settings_events(folder):
    return [e for e in journal_events(folder) if e["event"] == "settings"]


@pytest.mark.skipif(sys.platform == "win32", reason="sends POSIX SIGINT")
def test_the_printed_resume_command_creates_the_rest_with_the_first_runs_settings(
    tmp_path, make_cli
):
    write_prompts(tmp_path, [f"prompt {n}: a corgi doing trick {n}" for n in range(4)])
    out = tmp_path / "out"
    # Tasks finish only when the test says so: the first run is interrupted mid-batch.
    with MockServer(queue_seconds=0, processing_seconds=3600) as server:
        cli = make_cli(server, tmp_path)
        process = cli.start("batch", "prompts.txt", "--out-dir", "out", *FIRST_RUN_OPTIONS)
        cli.wait_until(lambda: len(journaled_task_ids(out)) == 2, "two tasks (--concurrency 2)")
        interrupted = cli.interrupt(process)
        assert interrupted.code == 130, interrupted
        assert server.create_count == 2
        printed = interrupted.stderr.split("resume with:", 1)[1].strip().splitlines()[0]
        words = shlex.split(printed)
        assert words[0] == "anyapi-sora"

        # Exactly the printed command, finishing tasks as they appear.
        rerun = cli.start(*words[1:])
        finished: set[str] = set()
        try:
            while rerun.poll() is None:
                for task_id in set(server.tasks) - finished:
                    server.finish_task(task_id)
                    finished.add(task_id)
                time.sleep(0.02)
        finally:
            result = cli.finish(rerun)

        assert result.code == 0, result
        bodies = [request.json for request in server.requests_to("create")]
        assert len(bodies) == 4
        for body in bodies:
            assert {name: body.get(name) for name in EXPECTED_BODY} == EXPECTED_BODY
        # The rerun ran on the recorded settings and recorded none of its own.
        (recorded,) = settings_events(out)
        assert recorded["settings"]["concurrency"] == 2
        assert recorded["settings"]["timeout"] == 600
        assert recorded["settings"]["poll_interval"] == 0.05
        assert "using the settings recorded in" in result.stderr


def test_a_rerun_without_options_uses_the_recorded_ones(inproc, server):
    write_prompts(inproc.cwd, ["a corgi"])
    first = inproc("batch", "prompts.txt", "-d", "out", "--model", "sora-2-pro", "--duration", "15")
    assert first.code == 0, first
    write_prompts(inproc.cwd, ["a corgi", "a cat"])

    again = inproc("batch", "prompts.txt", "-d", "out")

    assert again.code == 0, again
    cat = next(task for task in server.tasks.values() if task.prompt == "a cat")
    assert (cat.model, cat.duration) == ("sora-2-pro", 15)
    assert "using the settings recorded in out/journal.jsonl" in again.stderr
    assert "--model 'sora-2-pro'" in again.stderr


def test_a_rerun_with_other_options_is_refused_naming_each_difference(inproc, server):
    write_prompts(inproc.cwd, ["a corgi"])
    assert inproc("batch", "prompts.txt", "-d", "out", "-c", "2", "--model", "sora-2-pro").code == 0
    write_prompts(inproc.cwd, ["a corgi", "a cat"])
    journal_before = (inproc.cwd / "out" / "journal.jsonl").read_bytes()

    refused = inproc(
        "batch", "prompts.txt", "-d", "out", "--model", "sora-2", "-c", "2", "--size", "large"
    )

    assert refused.code == 2, refused
    assert "--model: 'sora-2' now, 'sora-2-pro' in the journal" in refused.stderr
    assert "--size: 'large' now, 'small' in the journal" in refused.stderr
    assert "--concurrency" not in refused.stderr  # given, but the same as recorded
    assert "--allow-changed-options" in refused.stderr
    assert server.create_count == 1
    assert (inproc.cwd / "out" / "journal.jsonl").read_bytes() == journal_before


def test_allow_changed_options_uses_and_records_the_new_ones(inproc, server):
    write_prompts(inproc.cwd, ["a corgi"])
    assert inproc("batch", "prompts.txt", "-d", "out", "--model", "sora-2-pro").code == 0
    write_prompts(inproc.cwd, ["a corgi", "a cat"])

    changed = inproc(
        "batch", "prompts.txt", "-d", "out", "--size", "large", "--allow-changed-options"
    )

    assert changed.code == 0, changed
    cat = next(task for task in server.tasks.values() if task.prompt == "a cat")
    assert (cat.model, cat.size) == ("sora-2-pro", "large")  # the unchanged one still applies
    assert [e["settings"]["size"] for e in settings_events(inproc.cwd / "out")] == [
        "small",
        "large",
    ]
    write_prompts(inproc.cwd, ["a corgi", "a cat", "a dog"])
    assert inproc("batch", "prompts.txt", "-d", "out").code == 0
    dog = next(task for task in server.tasks.values() if task.prompt == "a dog")
    assert dog.size == "large"
    assert len(settings_events(inproc.cwd / "out")) == 2


def test_a_journal_from_before_settings_were_recorded_still_resumes(inproc, server):
    write_prompts(inproc.cwd, ["a corgi"])
    (entry,) = parse_batch_text("a corgi\n", DEFAULTS)
    task_id = inproc("create", "a corgi").stdout.strip()
    server.finish_task(task_id)
    out = inproc.cwd / "out"
    out.mkdir()
    old = [
        {"v": 1, "ts": "2025-01-01T00:00:00Z", "event": "creating", "key": entry.key, "line": 1,
         "prompt": "a corgi", "file": "corgi.mp4", "options": DEFAULTS},
        {"v": 1, "ts": "2025-01-01T00:00:01Z", "event": "created", "key": entry.key,
         "task_id": task_id},
    ]  # fmt: skip
    (out / "journal.jsonl").write_text("".join(json.dumps(e) + "\n" for e in old))

    result = inproc("batch", "prompts.txt", "-d", "out", "--model", "sora-2-pro")

    assert result.code == 0, result
    assert server.create_count == 1
    assert (out / "corgi.mp4").read_bytes() == server.video.read()
    (recorded,) = settings_events(out)
    assert recorded["settings"]["model"] == "sora-2-pro"


def test_an_empty_out_dir_is_a_usage_error(inproc, server):
    write_prompts(inproc.cwd, ["a corgi"])

    result = inproc("batch", "prompts.txt", "-d", "")

    assert result.code == 2, result
    assert "--out-dir" in result.stderr
    assert not (inproc.cwd / "journal.jsonl").exists()
    assert server.create_count == 0


def test_an_out_dir_that_cannot_be_made_is_a_usage_error(inproc, server, monkeypatch):
    write_prompts(inproc.cwd, ["a corgi"])
    (inproc.cwd / "notes.txt").write_text("x")

    under_a_file = inproc("batch", "prompts.txt", "-d", "notes.txt/out")

    assert under_a_file.code == 2, under_a_file
    assert "notes.txt is a file, not a folder" in under_a_file.stderr
    real_access = os.access
    cwd = inproc.cwd.resolve()
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode, **kw: Path(path).resolve() != cwd and real_access(path, mode),
    )
    unwritable = inproc("batch", "prompts.txt", "-d", "out")

    assert unwritable.code == 2, unwritable
    assert "no permission to write in" in unwritable.stderr
    assert "another --out-dir" in unwritable.stderr
    assert server.create_count == 0


def test_a_json_array_line_is_a_usage_error_not_a_prompt(inproc, server):
    write_prompts(inproc.cwd, ["a corgi", "[1, 2]"])

    result = inproc("batch", "prompts.txt", "-d", "out")

    assert result.code == 2, result
    assert "line 2: this line is JSON (an array), not a prompt" in result.stderr
    assert server.create_count == 0


# --------------------------------------------------------------------------- settle()


BASE = {"model": "sora-2", "concurrency": 4, "timeout": 1800.0, "poll_interval": None}


def _settle(recorded, values, given, allow=False):
    full = {
        "orientation": "portrait", "size": "small", "duration": 10, "images": [],
        "watermark": True, "private": False, "extra": {}, "max_unknown_creates": 3,
    }  # fmt: skip
    return settle(
        None if recorded is None else {**full, **recorded},
        {**full, **values},
        frozenset(given),
        journal="j",
        allow_changes=allow,
    )


def test_settle_takes_what_was_not_given_from_the_journal():
    recorded = {**BASE, "model": "sora-2-pro", "concurrency": 2, "poll_interval": 0.5}
    settings, differences = _settle(recorded, BASE, given=[])
    assert (settings["model"], settings["concurrency"], settings["poll_interval"]) == (
        "sora-2-pro",
        2,
        0.5,
    )
    assert differences == []


def test_settle_without_a_journal_record_uses_this_runs_values():
    settings, differences = _settle(None, BASE, given=[])
    assert settings["model"] == "sora-2"
    assert differences == []


def test_settle_refuses_a_recorded_value_it_cannot_use():
    with pytest.raises(UsageProblem, match="unusable --concurrency"):
        _settle({**BASE, "concurrency": "lots"}, BASE, given=[])


def test_the_journal_keeps_the_last_settings_and_old_readers_ignore_them(tmp_path):
    with Journal(tmp_path) as journal:
        journal.append_batch("settings", settings={"model": "a"})
        journal.append_batch("settings", settings={"model": "b"})
        journal.append("creating", "k", line=1)
    with Journal(tmp_path) as journal:
        assert journal.settings == {"model": "b"}
        assert set(journal.records) == {"k"}  # the batch's own events make no prompt
