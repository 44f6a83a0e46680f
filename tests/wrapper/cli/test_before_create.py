"""One rule: what can be checked before create is, and exit code 2 means nothing was created."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from anyapi_sora.cli import _commands

needs_mkfifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")


def test_a_nan_timeout_creates_nothing(cli, server):
    result = cli("generate", "a corgi", "--timeout", "nan")

    assert result.code == 2, result
    assert server.create_count == 0
    assert "--timeout" in result.stderr
    assert "created task" not in result.stderr


@pytest.mark.parametrize("option", ["--timeout", "--poll-interval"])
@pytest.mark.parametrize("value", ["nan", "inf", "1e999"])
@pytest.mark.parametrize("command", ["generate", "batch", "wait"])
def test_every_non_finite_or_non_positive_wait_option_is_a_usage_error(
    inproc, server, option, value, command
):
    (inproc.cwd / "p.txt").write_text("a corgi\n", encoding="utf-8")
    args = {
        "generate": ["generate", "a corgi"],
        "batch": ["batch", "p.txt", "-d", "out"],
        "wait": ["wait", "sora-2:task_x"],
    }[command]

    result = inproc(*args, option, value)

    assert result.code == 2, result
    assert option in result.stderr
    assert server.create_count == 0
    assert server.requests == []
    assert not (inproc.cwd / "out").exists()


# --------------------------------------------------------------------------- --out


@needs_mkfifo
def test_overwrite_never_replaces_a_fifo(cli, server):
    fifo = cli.cwd / "pipe.mp4"
    os.mkfifo(fifo)

    result = cli("generate", "a corgi", "--out", "pipe.mp4", "--overwrite")

    assert result.code == 2, result
    assert "FIFO" in result.stderr
    assert "--overwrite" in result.stderr
    assert server.create_count == 0
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@needs_mkfifo
@pytest.mark.parametrize("command", ["generate", "wait", "download"])
def test_a_fifo_is_named_as_such_without_overwrite_too(inproc, server, command):
    os.mkfifo(inproc.cwd / "pipe.mp4")
    args = ["generate", "a corgi"] if command == "generate" else [command, "sora-2:task_x"]

    result = inproc(*args, "--out", "pipe.mp4")

    assert result.code == 2, result
    assert "pipe.mp4 is a FIFO (named pipe), not a regular file" in result.stderr
    assert "already exists" not in result.stderr
    assert server.requests == []


def test_a_trailing_slash_saves_into_a_new_folder(cli, server):
    result = cli("generate", "a corgi", "--out", "renders/")

    assert result.code == 0, result
    (task_id,) = server.tasks
    saved = cli.cwd / result.stdout.strip()
    assert saved.parent == cli.cwd / "renders"
    assert task_id.split(":")[1] in saved.name
    assert saved.read_bytes() == server.video.read()


@pytest.mark.parametrize("command", ["wait", "download"])
def test_wait_and_download_honour_a_trailing_slash(inproc, server, command):
    task_id = inproc("create", "a corgi").stdout.strip()
    server.finish_task(task_id)

    result = inproc(command, task_id, "--out", "renders/")

    assert result.code == 0, result
    saved = Path(result.stdout.strip())
    assert saved.parent == Path("renders")
    assert (inproc.cwd / saved).read_bytes() == server.video.read()
    assert f"downloading {task_id} to {saved}" in result.stderr


def test_downloading_names_the_file_not_the_folder(inproc, server):
    result = inproc("generate", "a corgi")  # --out defaults to the current folder

    assert result.code == 0, result
    saved = result.stdout.strip()
    assert saved.endswith(".mp4")
    assert f"to {saved}\n" in result.stderr
    assert " to .\n" not in result.stderr


def _deny_writing_in(monkeypatch, folder: Path) -> None:
    """A read-only folder, even for root (who may write anywhere)."""
    real_access = os.access

    def access(path, mode, **kwargs):
        if Path(path).resolve() == folder.resolve() and mode & os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)


@pytest.mark.parametrize(
    "out",
    [None, "video.mp4", "sub/new/video.mp4", "renders/"],
    ids=["default", "file", "deep", "dir"],
)
def test_an_unwritable_folder_is_refused_before_create(inproc, server, monkeypatch, out):
    _deny_writing_in(monkeypatch, inproc.cwd)

    result = inproc("generate", "a corgi", *(["--out", out] if out else []))

    assert result.code == 2, result
    assert "no permission to write in" in result.stderr
    assert "--out" in result.stderr
    assert ".part" not in result.stderr
    assert server.create_count == 0


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root writes into read-only folders"
)
def test_a_read_only_folder_is_refused_before_create(cli, server):
    folder = cli.cwd / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = cli("generate", "a corgi", "--out", "locked/video.mp4")
    finally:
        folder.chmod(0o755)

    assert result.code == 2, result
    assert "no permission to write in locked" in result.stderr
    assert server.create_count == 0


def test_under_a_regular_file_is_refused_before_create(inproc, server):
    (inproc.cwd / "notes.txt").write_text("x")

    result = inproc("generate", "a corgi", "--out", "notes.txt/video.mp4")

    assert result.code == 2, result
    assert "notes.txt is a file, not a folder" in result.stderr
    assert server.create_count == 0


def test_a_failure_after_create_is_never_exit_2_and_says_how_to_resume(inproc, server, monkeypatch):
    # A file appears at --out while the task runs: the video cannot be saved there. The
    # task is billed, so exit code 2 ("nothing was billed") would be a lie.
    real_wait = _commands.wait_with_progress

    def wait_then_take_the_name(*args, **kwargs):
        task = real_wait(*args, **kwargs)
        (inproc.cwd / "c.mp4").write_bytes(b"someone else's")
        return task

    monkeypatch.setattr(_commands, "wait_with_progress", wait_then_take_the_name)

    result = inproc("generate", "a corgi", "--out", "c.mp4", "--json")

    assert result.code == 1, result
    (task_id,) = server.tasks
    assert result.json()["id"] == task_id
    assert "c.mp4 already exists" in result.stderr
    assert (
        f"Resume with:  anyapi-sora --base-url {server.base_url} wait {task_id} --out c.mp4 --json"
        in result.stderr
    )
    assert (inproc.cwd / "c.mp4").read_bytes() == b"someone else's"
