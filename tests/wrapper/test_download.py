"""`_download`: where the file goes, the temp file and rename, and `DownloadState`'s decisions."""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import pytest
from anyapi_sora._download import (
    DownloadState,
    IncompleteDownload,
    commit,
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


def test_filename_for_a_task_id_is_portable() -> None:
    assert filename_for(TASK_ID) == "sora-2_task_01k9008rhbefnt3rb1g9szxdwr.mp4"


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
    with pytest.raises(FileExistsError):
        resolve_destination(tmp_path, TASK_ID, overwrite=False)


def test_a_folder_where_the_file_would_go_is_refused(tmp_path: Path) -> None:
    (tmp_path / filename_for(TASK_ID)).mkdir()
    with pytest.raises(IsADirectoryError):
        resolve_destination(tmp_path, TASK_ID, overwrite=True)


def test_a_user_folder_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_destination("~/v.mp4", TASK_ID, overwrite=False) == tmp_path / "v.mp4"


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


def test_commit_refuses_a_file_that_appeared_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    file, temp = open_temp_beside(target)
    file.write(b"new")
    target.write_bytes(b"someone else's")
    with pytest.raises(FileExistsError):
        commit(file, temp, target, overwrite=False)
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
    with pytest.raises(IncompleteDownload, match="range"):
        state.start(response(206, content_range=content_range), io.BytesIO())


def test_a_200_after_a_range_request_starts_over() -> None:
    file = io.BytesIO()
    state = DownloadState(TASK_ID, VIDEO_URL)
    state.start(response(content_length="100", accept_ranges="bytes"), file)
    file.write(b"x" * 40)
    state.wrote(40)
    state.start(response(content_length="100"), file)
    assert state.written == 0
    assert file.getvalue() == b""
    assert file.tell() == 0


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
