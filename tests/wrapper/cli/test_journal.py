"""The batch journal: durable appends, folding events into states, surviving torn writes."""

from __future__ import annotations

import json
import os
import sys
from typing import ClassVar

import filelock
import pytest
from anyapi_sora.cli._exit_codes import UsageProblem
from anyapi_sora.cli._journal import JOURNAL_NAME, LOCK_NAME, Journal, State


def _lines(folder):
    return [json.loads(line) for line in (folder / JOURNAL_NAME).read_text().splitlines()]


def test_each_append_is_one_fsynced_json_line(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))

    with Journal(tmp_path / "out") as journal:
        before = len(synced)
        journal.append("creating", "k1", line=3, prompt="a corgi", file="c.mp4")
        journal.append("created", "k1", task_id="sora-2:task_1")

    assert len(synced) - before == 2
    events = _lines(tmp_path / "out")
    assert [e["event"] for e in events] == ["creating", "created"]
    assert events[0]["key"] == "k1"
    assert events[0]["v"] == 1
    assert events[0]["ts"].endswith("Z")
    assert events[1]["task_id"] == "sora-2:task_1"


def test_events_fold_into_each_prompts_state(tmp_path):
    with Journal(tmp_path) as journal:
        record = journal.append("creating", "k", line=1, prompt="p", file="p.mp4")
        assert record.state is State.CREATING
        assert record.outcome_unknown
        journal.append("created", "k", task_id="t1")
        assert (record.state, record.task_id) == (State.CREATED, "t1")
        journal.append("wait_failed", "k", reason="boom")
        assert (record.state, record.error) == (State.CREATED, "boom")
        journal.append("completed", "k", task_id="t1", video_url="u", thumbnail_url="th")
        assert (record.state, record.error, record.video_url) == (State.COMPLETED, None, "u")
        journal.append("downloaded", "k", path="p.mp4", bytes=3, thumbnail="thumbnails/p.webp")
        assert (record.state, record.path) == (State.DOWNLOADED, "p.mp4")

    with Journal(tmp_path) as reopened:
        again = reopened.record("k")
    assert (again.state, again.task_id, again.path, again.file, again.line) == (
        State.DOWNLOADED,
        "t1",
        "p.mp4",
        "p.mp4",
        1,
    )


def test_create_outcomes(tmp_path):
    with Journal(tmp_path) as journal:
        journal.append("creating", "refused")
        journal.append("create_failed", "refused", reason="429")
        journal.append("creating", "maybe")
        journal.append("create_unknown", "maybe", reason="502")

    assert journal.record("refused").state is State.NOT_CREATED
    assert journal.record("maybe").state is State.CREATING
    assert journal.record("maybe").error == "502"


def test_a_new_attempt_forgets_the_failed_task(tmp_path):
    with Journal(tmp_path) as journal:
        journal.append("creating", "k", file="a.mp4")
        journal.append("created", "k", task_id="t1")
        journal.append("failed", "k", task_id="t1", reason="moderation")
        record = journal.append("creating", "k")

    assert (record.state, record.task_id, record.failure_reason) == (State.CREATING, None, None)
    assert (record.attempts, record.file) == (2, "a.mp4")


def test_a_torn_last_line_is_ignored_and_ended_before_the_next_append(tmp_path):
    with Journal(tmp_path) as journal:
        journal.append("creating", "k", file="a.mp4")
    with (tmp_path / JOURNAL_NAME).open("a") as file:
        file.write('{"v":1,"event":"created","key":"k","task_id":"t')  # killed mid-write

    with Journal(tmp_path) as journal:
        assert journal.record("k").state is State.CREATING
        assert journal.skipped == []
        journal.append("created", "k", task_id="t2")

    lines = (tmp_path / JOURNAL_NAME).read_text().splitlines()
    assert json.loads(lines[-1])["task_id"] == "t2"
    with Journal(tmp_path) as journal:
        assert journal.record("k").task_id == "t2"
        assert journal.skipped == [2]  # the torn line is now in the middle


def test_unknown_events_and_garbage_lines_do_not_break_loading(tmp_path):
    (tmp_path / JOURNAL_NAME).write_text(
        '{"v":1,"event":"creating","key":"k"}\n'
        "not json\n"
        "[1, 2]\n"
        '{"v":2,"event":"from_the_future","key":"k"}\n'
        '{"v":1,"event":"created","key":"k","task_id":"t"}\n'
    )

    with Journal(tmp_path) as journal:
        assert journal.record("k").state is State.CREATED
        assert journal.skipped == [2, 3]


def test_a_second_journal_on_the_same_folder_is_refused(tmp_path):
    with Journal(tmp_path), pytest.raises(UsageProblem) as refused:
        Journal(tmp_path)
    assert str(refused.value) == (
        f"another anyapi-sora batch is running in {tmp_path}; wait for it or stop it first"
    )
    with Journal(tmp_path):  # released on close
        pass


def test_the_folder_is_locked_whatever_the_platform(tmp_path, monkeypatch):
    # No platform skips the lock: on Windows, too, a second batch would bill every prompt
    # again. (filelock picks its Windows lock when it is imported, which has happened.)
    monkeypatch.setattr(sys, "platform", "win32")

    with Journal(tmp_path), pytest.raises(UsageProblem, match="another anyapi-sora batch"):
        Journal(tmp_path)


class RecordingLock(filelock.FileLock):
    """filelock's lock for this platform, noting what the journal asks of it."""

    calls: ClassVar[list[tuple[str, str, float]]] = []

    def acquire(self, *args, **kwargs):
        self.calls.append(("acquire", self.lock_file, self.timeout))
        return super().acquire(*args, **kwargs)

    def release(self, *args, **kwargs):
        self.calls.append(("release", self.lock_file, self.timeout))
        return super().release(*args, **kwargs)


def test_the_lock_is_filelocks_on_a_file_of_its_own_taken_without_waiting(tmp_path, monkeypatch):
    # Through filelock's FileLock, which is msvcrt's lock on Windows; not fcntl by hand.
    RecordingLock.calls.clear()
    monkeypatch.setattr(filelock, "FileLock", RecordingLock)
    lock_file = str(tmp_path / LOCK_NAME)

    with Journal(tmp_path) as journal:
        assert RecordingLock.calls == [("acquire", lock_file, 0)]
        journal.append("creating", "k")
    assert RecordingLock.calls[-1] == ("release", lock_file, 0)
    # The journal itself stays unlocked: Windows' locks are mandatory, and would stop reads.
    assert (tmp_path / JOURNAL_NAME).read_text().count("\n") == 1


def test_any_filelock_backend_will_do(tmp_path, monkeypatch):
    # SoftFileLock (a marker file, for systems without OS locks) has other mechanics than
    # the flock used here; the journal must depend on filelock's API only.
    monkeypatch.setattr(filelock, "FileLock", filelock.SoftFileLock)

    with Journal(tmp_path), pytest.raises(UsageProblem, match="another anyapi-sora batch"):
        Journal(tmp_path)
    with Journal(tmp_path):
        pass


def test_the_lock_is_let_go_when_opening_the_journal_fails(tmp_path):
    (tmp_path / JOURNAL_NAME).mkdir()  # not a file: os.open fails after the lock is taken
    with pytest.raises((IsADirectoryError, PermissionError)):
        Journal(tmp_path)
    (tmp_path / JOURNAL_NAME).rmdir()

    with Journal(tmp_path):
        pass


def test_without_filelock_the_batch_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "filelock", None)  # as if it were not installed

    with pytest.raises(UsageProblem, match=r"pip install 'anyapi-sora\[cli\]'"):
        Journal(tmp_path)
    assert not (tmp_path / JOURNAL_NAME).exists()
