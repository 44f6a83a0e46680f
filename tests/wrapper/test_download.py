"""`_download`: where the file goes, the temp file and rename, and `DownloadState`'s decisions."""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
from pathlib import Path

import httpx
import pytest
from anyapi_sora._download import (
    DownloadState,
    IncompleteDownload,
    OutputProblem,
    ProblemKind,
    RetryBudget,
    _file_problem,
    _kind_of,
    _sync_folder,
    check_out,
    commit,
    destination_problem,
    discard,
    filename_for,
    open_temp_beside,
    resolve_destination,
)
from client_harness import TASK_ID, VIDEO_URL
from hypothesis import given
from hypothesis import strategies as st


def response(status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers={k.replace("_", "-"): v for k, v in headers.items()})


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("task_id", "name"),
    [
        (TASK_ID, "sora-2_task_01k9008rhbefnt3rb1g9szxdwr.mp4"),
        ("veo3:1757555257-PORrVn9sa9", "veo3_1757555257-PORrVn9sa9.mp4"),
        ("._task_1_.", "task_1.mp4"),
        ("XtaskX", "XtaskX.mp4"),
        (":::", "video.mp4"),
        ("...", "video.mp4"),
    ],
)
def test_filename_for_a_task_id_is_portable(task_id: str, name: str) -> None:
    assert filename_for(task_id) == name


@pytest.mark.parametrize("task_id", ["../../etc/passwd", "..", "a/b\\c", "  ", ":::", "ok.mp4"])
def test_filename_for_never_leaves_the_folder(task_id: str) -> None:
    name = filename_for(task_id)
    assert "/" not in name
    assert "\\" not in name
    assert not name.startswith(".")
    assert name.endswith(".mp4")


@given(st.text())
def test_any_task_id_gives_a_plain_file_name(task_id: str) -> None:
    name = filename_for(task_id)
    assert name == Path(name).name
    assert name not in (".mp4", "..mp4")
    assert not name.startswith(".")
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)


# --------------------------------------------------------------------------- destination


def test_a_file_destination_is_used_as_is(tmp_path: Path) -> None:
    assert resolve_destination(tmp_path / "out.mp4", TASK_ID, overwrite=False) == (
        tmp_path / "out.mp4"
    )


def test_a_folder_destination_names_the_file_after_the_task(tmp_path: Path) -> None:
    assert resolve_destination(tmp_path, TASK_ID, overwrite=False) == tmp_path / filename_for(
        TASK_ID
    )


def test_a_trailing_slash_means_a_folder_even_before_it_exists(tmp_path: Path) -> None:
    dest = f"{tmp_path / 'new'}{os.sep}"
    assert resolve_destination(dest, TASK_ID, overwrite=False) == (
        tmp_path / "new" / filename_for(TASK_ID)
    )


def test_an_existing_file_is_refused_unless_overwrite(tmp_path: Path) -> None:
    (tmp_path / "out.mp4").write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        resolve_destination(tmp_path / "out.mp4", TASK_ID, overwrite=False)
    assert resolve_destination(tmp_path / "out.mp4", TASK_ID, overwrite=True) == (
        tmp_path / "out.mp4"
    )
    assert (tmp_path / "out.mp4").read_bytes() == b"keep me"


def test_an_existing_file_in_a_folder_destination_is_refused(tmp_path: Path) -> None:
    (tmp_path / filename_for(TASK_ID)).write_bytes(b"keep me")
    with pytest.raises(FileExistsError) as info:
        resolve_destination(tmp_path, TASK_ID, overwrite=False)
    assert info.value.filename == str(tmp_path / filename_for(TASK_ID))


def test_a_folder_where_the_file_would_go_is_refused(tmp_path: Path) -> None:
    (tmp_path / filename_for(TASK_ID)).mkdir()
    with pytest.raises(IsADirectoryError) as info:
        resolve_destination(tmp_path, TASK_ID, overwrite=True)
    assert info.value.filename == str(tmp_path / filename_for(TASK_ID))


def test_a_user_folder_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_destination("~/v.mp4", TASK_ID, overwrite=False) == tmp_path / "v.mp4"


needs_mkfifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")


@needs_mkfifo
def test_a_fifo_is_refused_even_with_overwrite(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "out.mp4")
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match="FIFO") as info:
            resolve_destination(tmp_path / "out.mp4", TASK_ID, overwrite=overwrite)
        assert info.value.filename == str(tmp_path / "out.mp4")
        with pytest.raises(FileExistsError, match="FIFO"):
            check_out(tmp_path / "out.mp4", overwrite=overwrite)


@needs_mkfifo
def test_a_fifo_where_a_folder_was_meant_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "videos")
    _, problem = destination_problem(f"{tmp_path}/videos/", None, overwrite=True)
    assert problem == OutputProblem(ProblemKind.UNDER_A_FILE, tmp_path / "videos")


def test_a_path_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "afile.txt").write_text("notes")
    for out in ("afile.txt/out.mp4", "afile.txt/deeper/out.mp4", "afile.txt/", "afile.txt/a/"):
        with pytest.raises(NotADirectoryError) as info:
            check_out(tmp_path / out if not out.endswith("/") else f"{tmp_path}/{out}")
        assert info.value.filename == str(tmp_path / "afile.txt")


def test_a_file_under_a_file_is_blamed_on_that_file(tmp_path: Path) -> None:
    # What commit() finds if the folder was swapped for a file during the download.
    (tmp_path / "afile.txt").write_text("notes")
    problem = _file_problem(tmp_path / "afile.txt" / "out.mp4", overwrite=True)
    assert problem == OutputProblem(ProblemKind.UNDER_A_FILE, tmp_path / "afile.txt")


@pytest.mark.parametrize(
    ("kind", "cls", "code", "message"),
    [
        (ProblemKind.EXISTS, FileExistsError, errno.EEXIST, "file exists; pass overwrite=True"),
        (ProblemKind.NOT_REGULAR, FileExistsError, errno.EEXIST, "a FIFO (named pipe) is there"),
        (ProblemKind.IS_FOLDER, IsADirectoryError, errno.EISDIR, "download target is a folder"),
        (ProblemKind.UNDER_A_FILE, NotADirectoryError, errno.ENOTDIR, "is a file, so nothing"),
        (ProblemKind.NOT_WRITABLE, PermissionError, errno.EACCES, "no permission to write in"),
    ],
)
def test_each_problem_is_the_oserror_a_caller_can_match_on(
    kind: ProblemKind, cls: type[OSError], code: int, message: str
) -> None:
    error = OutputProblem(kind, Path("videos/out.mp4"), "a FIFO (named pipe)").error()
    assert type(error) is cls
    assert error.errno == code
    assert error.filename == str(Path("videos/out.mp4"))
    assert error.strerror.startswith(message)
    assert str(error) == f"[Errno {code}] {error.strerror}: {error.filename!r}"


@pytest.mark.parametrize(
    ("mode", "what"),
    [
        (stat.S_IFIFO, "a FIFO (named pipe)"),
        (stat.S_IFCHR, "a character device"),
        (stat.S_IFBLK, "a block device"),
        (stat.S_IFSOCK, "a socket"),
        (stat.S_IFLNK, "something other than a file"),
    ],
)
def test_what_is_there_instead_of_a_file_is_named(mode: int, what: str) -> None:
    assert _kind_of(mode) == what


def test_check_out_accepts_what_download_can_make(tmp_path: Path) -> None:
    (tmp_path / "old.mp4").write_bytes(b"old")
    check_out(None)
    check_out(tmp_path / "new.mp4")
    check_out(tmp_path / "missing" / "folders" / "new.mp4")
    check_out(f"{tmp_path}/missing/")
    check_out(tmp_path)
    check_out(tmp_path / "old.mp4", overwrite=True)
    with pytest.raises(FileExistsError):
        check_out(tmp_path / "old.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.mp4"]  # nothing made


def test_a_folder_that_cannot_be_written_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode, **kw: Path(path) != tmp_path and real_access(path, mode)
    )
    for out in (tmp_path / "v.mp4", tmp_path / "a" / "b" / "v.mp4", tmp_path, f"{tmp_path}/a/"):
        with pytest.raises(PermissionError) as info:
            check_out(out)
        assert info.value.filename == str(tmp_path)
        _, problem = destination_problem(out, TASK_ID, overwrite=False)
        assert problem == OutputProblem(ProblemKind.NOT_WRITABLE, tmp_path)


def test_a_temp_file_that_cannot_be_made_is_named_after_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", "/somewhere/.x.part")

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(PermissionError) as info:
        open_temp_beside(tmp_path / "v.mp4")
    assert info.value.filename == str(tmp_path)
    assert info.value.errno == errno.EACCES
    assert info.value.strerror == "cannot create the file in this folder (Permission denied)"
    assert ".part" not in str(info.value)


# --------------------------------------------------------------------------- temp file


def test_the_temp_file_sits_beside_the_target_and_commit_renames_it(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.mp4"
    file, temp = open_temp_beside(target)
    assert temp.parent == target.parent
    assert temp.name.endswith(".part")
    assert temp.name.startswith(".out.mp4.")
    file.write(b"video")
    commit(file, temp, target, overwrite=False)
    assert target.read_bytes() == b"video"
    assert not temp.exists()
    assert list(target.parent.iterdir()) == [target]


def test_a_temp_name_already_taken_is_left_alone_and_another_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another download of the same file (another process) may hold a temp name: opening it
    # again would write into that file, so a name is only ever created, never reused.
    draws = iter(["aaaaaaaaaaaa", "bbbbbbbbbbbb"])
    monkeypatch.setattr("anyapi_sora._download.secrets.token_hex", lambda n: next(draws))
    taken = tmp_path / ".out.mp4.aaaaaaaaaaaa.part"
    taken.write_bytes(b"someone else's bytes")
    file, temp = open_temp_beside(tmp_path / "out.mp4")
    with file:
        file.write(b"ours")
    assert temp == tmp_path / ".out.mp4.bbbbbbbbbbbb.part"
    assert temp.read_bytes() == b"ours"
    assert taken.read_bytes() == b"someone else's bytes"


def test_the_temp_file_is_created_new_and_in_binary_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # O_BINARY exists only on Windows, where without it the C runtime would translate
    # newlines and corrupt the video. A stand-in bit shows it is asked for where it exists.
    stand_in = 1 << 30
    monkeypatch.setattr(os, "O_BINARY", stand_in, raising=False)
    asked: list[int] = []
    real_open = os.open

    def recording_open(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        asked.append(flags)
        return real_open(path, flags & ~stand_in, mode)

    monkeypatch.setattr(os, "open", recording_open)
    file, _ = open_temp_beside(tmp_path / "out.mp4")
    file.close()
    [flags] = asked
    wanted = os.O_WRONLY | os.O_CREAT | os.O_EXCL | stand_in
    assert flags & wanted == wanted


class FileSystemLog:
    """Records the calls that make a download durable: fsync (of what) and replace."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.fail_folder_sync = False
        real_fsync, real_replace = os.fsync, os.replace

        def fsync(fd: int) -> None:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                self.calls.append(("fsync folder", str(info.st_ino)))
                if self.fail_folder_sync:
                    raise OSError(errno.EINVAL, "Invalid argument")
            else:
                # The size on disk at this moment: what the fsync makes durable.
                self.calls.append(("fsync file", str(info.st_ino), str(info.st_size)))
            real_fsync(fd)

        def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
            self.calls.append(("replace", os.fspath(src), os.fspath(dst)))
            real_replace(src, dst)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "replace", replace)


def test_commit_syncs_the_file_then_renames_it_then_syncs_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.mp4"
    file, temp = open_temp_beside(target)
    file.write(b"video")  # still in the file object's buffer
    inode = str(temp.stat().st_ino)
    log = FileSystemLog(monkeypatch)
    commit(file, temp, target, overwrite=False)
    # Flushed before the fsync, all of it; renamed (atomically, never copied) only after;
    # the folder synced last, which makes the new name itself survive a crash.
    assert log.calls == [
        ("fsync file", inode, "5"),
        ("replace", str(temp), str(target)),
        ("fsync folder", str(tmp_path.stat().st_ino)),
    ]
    assert file.closed
    assert target.read_bytes() == b"video"
    assert str(target.stat().st_ino) == inode


def test_a_folder_that_cannot_be_synced_still_gets_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Some network file systems refuse to sync a folder; the file is complete and in place.
    caplog.set_level(logging.DEBUG, logger="anyapi_sora")
    target = tmp_path / "out.mp4"
    file, temp = open_temp_beside(target)
    file.write(b"video")
    log = FileSystemLog(monkeypatch)
    log.fail_folder_sync = True
    commit(file, temp, target, overwrite=False)
    assert [call[0] for call in log.calls] == ["fsync file", "replace", "fsync folder"]
    assert target.read_bytes() == b"video"
    assert any("could not sync the folder" in r.getMessage() for r in caplog.records)


def test_windows_folders_are_not_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A folder cannot be opened there; NTFS journals the rename itself.
    log = FileSystemLog(monkeypatch)
    monkeypatch.setattr(os, "name", "nt")
    _sync_folder(tmp_path)
    monkeypatch.undo()
    assert log.calls == []


def test_a_refused_commit_renames_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.mp4"
    file, temp = open_temp_beside(target)
    file.write(b"new")
    target.write_bytes(b"someone else's")
    log = FileSystemLog(monkeypatch)
    with pytest.raises(FileExistsError):
        commit(file, temp, target, overwrite=False)
    assert [call[0] for call in log.calls] == ["fsync file"]


def test_commit_refuses_a_file_that_appeared_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    file, temp = open_temp_beside(target)
    file.write(b"new")
    target.write_bytes(b"someone else's")
    with pytest.raises(FileExistsError) as info:
        commit(file, temp, target, overwrite=False)
    error = info.value
    assert (error.errno, error.strerror, error.filename) == (
        errno.EEXIST,
        "file appeared during the download",
        str(target),
    )
    discard(file, temp)
    assert target.read_bytes() == b"someone else's"
    assert not temp.exists()


def test_commit_with_overwrite_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"old")
    file, temp = open_temp_beside(target)
    file.write(b"new")
    commit(file, temp, target, overwrite=True)
    assert target.read_bytes() == b"new"


class _CloseFails(io.BytesIO):
    def close(self) -> None:
        super().close()
        raise OSError(errno.ENOSPC, "No space left on device")


def test_discard_removes_the_temp_file_even_when_closing_fails(tmp_path: Path) -> None:
    real, temp = open_temp_beside(tmp_path / "out.mp4")
    real.close()
    discard(_CloseFails(), temp)  # the caller's own error is the one to raise: not this one
    assert list(tmp_path.iterdir()) == []


@needs_mkfifo
def test_commit_never_replaces_a_fifo(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    file, temp = open_temp_beside(target)
    file.write(b"new")
    os.mkfifo(target)
    with pytest.raises(FileExistsError, match="FIFO"):
        commit(file, temp, target, overwrite=True)
    discard(file, temp)
    assert list(tmp_path.iterdir()) == [target]


def test_a_temp_file_that_cannot_be_removed_is_named_in_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    file, temp = open_temp_beside(tmp_path / "out.mp4")

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)
    discard(file, temp)  # the caller's own error is the one to raise
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"could not remove the temp file {temp}: [Errno 13] Permission denied"
    )


def test_a_budget_larger_than_the_cap_gets_all_its_retries() -> None:
    budget = RetryBudget(max_retries=150)
    assert all(budget.failed(written) for written in range(1, 151))
    assert not budget.failed(151)  # the 151st failure, though it got further


def test_the_retry_budget_renews_on_progress_up_to_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    budget = RetryBudget(max_retries=2)
    assert budget.failed(0)
    assert budget.failed(0)
    assert not budget.failed(0)  # three failures in a row, none got further
    budget = RetryBudget(max_retries=2)
    assert all(budget.failed(written) for written in range(1, 100))
    assert not budget.failed(100)  # the 100th failure ends it, progress or not
    assert not RetryBudget(max_retries=0).failed(10)


def test_discard_removes_the_temp_file_and_tolerates_it_gone(tmp_path: Path) -> None:
    file, temp = open_temp_beside(tmp_path / "out.mp4")
    discard(file, temp)
    assert not temp.exists()
    discard(file, temp)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- DownloadState


def test_a_first_request_asks_for_identity_and_no_range() -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    assert state.request_headers() == {"Accept-Encoding": "identity"}


def test_a_200_sets_the_total_and_notes_range_support() -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), io.BytesIO())
    assert (state.total, state.resumable) == (100, True)
    state.wrote(40)
    assert state.request_headers()["Range"] == "bytes=40-"


def test_without_range_support_no_range_is_asked() -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100"), io.BytesIO())
    state.wrote(40)
    assert "Range" not in state.request_headers()


def test_a_206_continues_where_the_file_stopped() -> None:
    file = io.BytesIO()
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), file)
    file.write(b"x" * 40)
    state.wrote(40)
    state.start(response(206, content_length="60", content_range="bytes 40-99/100"), file)
    assert file.getvalue() == b"x" * 40
    state.wrote(60)
    state.finish()
    assert state.written == 100


@pytest.mark.parametrize(
    "content_range", ["bytes 0-99/100", "bytes 41-99/100", "", "garbage", "bytes */100"]
)
def test_a_206_for_another_range_is_refused(content_range: str) -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), io.BytesIO())
    state.wrote(40)
    with pytest.raises(IncompleteDownload, match="range") as info:
        state.start(response(206, content_range=content_range), io.BytesIO())
    assert str(info.value) == (
        f"file host sent an unexpected range ({content_range!r}) for a download resumed at byte 40"
    )


def test_a_206_without_a_range_is_refused() -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), io.BytesIO())
    state.wrote(40)
    with pytest.raises(IncompleteDownload, match=r"unexpected range \(''\)"):
        state.start(response(206, content_length="60"), io.BytesIO())


def test_a_range_that_delivered_itself_but_not_the_file_is_resumed_after_it() -> None:
    # The host may send less than was asked for ("bytes 40-59/100" for "bytes=40-").
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), io.BytesIO())
    state.wrote(40)
    state.start(response(206, content_range="bytes 40-59/100"), io.BytesIO())
    state.wrote(20)
    with pytest.raises(IncompleteDownload, match="60 of 100"):
        state.finish()
    assert state.request_headers()["Range"] == "bytes=60-"


def test_an_empty_content_encoding_is_identity() -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(
        response(content_length="100", content_encoding="", accept_ranges="bytes"), io.BytesIO()
    )
    assert (state.total, state.resumable) == (100, True)


def test_a_200_after_a_range_request_starts_over(caplog: pytest.LogCaptureFixture) -> None:
    file = io.BytesIO()
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), file)
    file.write(b"x" * 40)
    state.wrote(40)
    with caplog.at_level(logging.INFO, logger="anyapi_sora"):
        state.start(response(content_length="100"), file)
    assert state.written == 0
    assert file.getvalue() == b""
    assert file.tell() == 0
    # Why the progress went back to zero, and for which task.
    assert [r.getMessage() for r in caplog.records] == [
        f"task {TASK_ID}: host cannot resume, restarting download"
    ]


def test_a_first_200_restarts_nothing_and_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    with caplog.at_level(logging.INFO, logger="anyapi_sora"):
        state.start(response(content_length="100"), io.BytesIO())
    assert caplog.records == []


def test_finish_checks_the_content_length() -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100"), io.BytesIO())
    state.wrote(99)
    with pytest.raises(IncompleteDownload, match="99 of 100"):
        state.finish()


def test_finish_checks_more_bytes_than_announced_too() -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100"), io.BytesIO())
    state.wrote(101)
    with pytest.raises(IncompleteDownload):
        state.finish()


def test_finish_without_a_length_trusts_the_clean_end() -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(), io.BytesIO())
    state.wrote(12345)
    state.finish()
    assert state.total is None


def test_a_content_coding_makes_content_length_not_the_file_size() -> None:
    # The host ignored Accept-Encoding: identity; httpx decodes, so the length is of gzip bytes.
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(
        response(content_length="10", content_encoding="gzip", accept_ranges="bytes"), io.BytesIO()
    )
    assert state.total is None
    state.wrote(300)
    state.finish()
    # Ranges would count encoded bytes, not the decoded ones on disk: no resuming.
    assert "Range" not in state.request_headers()


def test_progress_is_reported_with_the_total() -> None:
    seen: list[tuple[int, int | None]] = []
    state = DownloadState(
        TASK_ID, VIDEO_URL, on_progress=lambda done, total: seen.append((done, total))
    )
    state.start(response(content_length="30"), io.BytesIO())
    state.wrote(10)
    state.wrote(20)
    assert seen == [(10, 30), (30, 30)]


@pytest.mark.parametrize("status", [403, 404, 410])
def test_an_expired_url_is_recognised_once(status: int) -> None:
    state = DownloadState(TASK_ID, VIDEO_URL)
    assert state.is_expired_url(response(status))
    state.url_refreshed = True
    assert not state.is_expired_url(response(status))


@pytest.mark.parametrize("status", [200, 206, 400, 401, 429, 500])
def test_other_statuses_are_not_an_expired_url(status: int) -> None:
    assert not DownloadState(TASK_ID, VIDEO_URL).is_expired_url(response(status))


def _cut_at_40_without_a_length(file: io.BytesIO) -> DownloadState:
    """A download whose 200 came with no Content-Length, cut after 40 bytes."""
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(accept_ranges="bytes"), file)
    file.write(b"x" * 40)
    state.wrote(40)
    assert (state.total, state.resumable) == (None, True)
    return state


def test_a_resumed_range_of_unknown_total_takes_the_bytes_it_announced() -> None:
    file = io.BytesIO()
    state = _cut_at_40_without_a_length(file)
    assert state.request_headers()["Range"] == "bytes=40-"
    state.start(response(206, content_range="bytes 40-99/*"), file)
    state.wrote(60)
    state.finish()
    assert (state.written, state.total) == (100, None)


@pytest.mark.parametrize("sent", [59, 61, 200])
def test_a_resumed_range_of_unknown_total_is_held_to_its_length(sent: int) -> None:
    # "bytes 40-99/*" is 60 bytes, whatever the body (chunked, no Content-Length) brings.
    state = _cut_at_40_without_a_length(io.BytesIO())
    state.start(response(206, content_range="bytes 40-99/*"), io.BytesIO())
    state.wrote(sent)
    with pytest.raises(IncompleteDownload, match=f"{40 + sent} of [?] bytes"):
        state.finish()


def test_a_range_whose_length_disagrees_with_the_range_is_held_to_the_range() -> None:
    state = _cut_at_40_without_a_length(io.BytesIO())
    state.start(response(206, content_range="bytes 40-99/*", content_length="70"), io.BytesIO())
    state.wrote(70)
    with pytest.raises(IncompleteDownload):
        state.finish()


@pytest.mark.parametrize(
    ("announced", "sent"), [("bytes 40-99/*", 61), ("bytes 40-99/100", 61), ("", 61)]
)
def test_bytes_beyond_what_was_announced_make_the_next_try_start_over(
    announced: str, sent: int
) -> None:
    # Resuming after bytes nobody announced would build the file on garbage.
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), io.BytesIO())
    state.wrote(40)
    if announced:
        state.start(response(206, content_range=announced), io.BytesIO())
        state.wrote(sent)
    else:  # the 200 itself ran over its Content-Length
        state.wrote(sent)
    with pytest.raises(IncompleteDownload):
        state.finish()
    assert "Range" not in state.request_headers()


def test_a_short_range_is_resumed_where_it_stopped() -> None:
    state = _cut_at_40_without_a_length(io.BytesIO())
    state.start(response(206, content_range="bytes 40-99/*"), io.BytesIO())
    state.wrote(20)
    with pytest.raises(IncompleteDownload):
        state.finish()
    assert state.request_headers()["Range"] == "bytes=60-"


def test_a_resumed_range_of_one_byte_is_taken() -> None:
    # "bytes 99-99/100": the last byte, the smallest range there is (first == last).
    file = io.BytesIO()
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), file)
    state.wrote(99)
    state.start(response(206, content_range="bytes 99-99/100"), file)
    state.wrote(1)
    state.finish()
    assert (state.written, state.total) == (100, 100)


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    state = _cut_at_40_without_a_length(io.BytesIO())
    with pytest.raises(IncompleteDownload, match="unexpected range"):
        state.start(response(206, content_range="bytes 40-39/*"), io.BytesIO())


def test_finish_checks_the_total_of_a_range_without_a_length() -> None:
    file = io.BytesIO()
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), file)
    state.wrote(40)
    state.start(response(206, content_range="bytes 40-99/100"), file)
    state.wrote(30)
    with pytest.raises(IncompleteDownload, match="70 of 100"):
        state.finish()


def test_saved_files_get_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        file, temp = open_temp_beside(tmp_path / "v.mp4")
        file.close()
    finally:
        os.umask(old)
    assert temp.stat().st_mode & 0o777 == 0o644
