"""`videos.download` on both clients: safe files, resume, expired URLs, retries, progress."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import stat
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyapi_sora import (
    AnyAPIError,
    APIConnectionError,
    AuthenticationError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    VideoGenerationError,
    VideoTask,
    _download,
    _videos_async,
    _videos_sync,
)
from anyapi_sora._download import filename_for
from client_harness import (
    API_KEY,
    BARE_ID,
    FILE_HOST,
    FRESH_URL,
    TASK_ID,
    VIDEO,
    VIDEO_URL,
    BrokenStream,
    Harness,
    done_reply,
    error_reply,
    file_reply,
    json_reply,
    ranged_file,
    task_body,
    task_reply,
)


def completed(url: str = VIDEO_URL) -> VideoTask:
    return VideoTask.from_json(task_body("completed", video_url=url))


def leftovers(folder: Path, *keep: Path) -> list[Path]:
    """Files in `folder` other than `keep`: temp files, half-written videos."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p not in keep)


class Interrupted(BaseException):
    """Stands in for KeyboardInterrupt without upsetting the event loop."""


# --------------------------------------------------------------------------- the happy path


def test_download_saves_the_video_and_returns_the_path(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(file_reply())
    dest = tmp_path / "corgi.mp4"
    path = api.videos.download(completed(), dest)
    assert path == dest
    assert dest.read_bytes() == VIDEO
    assert leftovers(tmp_path, dest) == []
    assert api.gateway.query.count == 0
    (request,) = api.gateway.files.requests
    assert str(request.url) == VIDEO_URL
    assert request.headers["accept-encoding"] == "identity"


def test_the_file_host_never_gets_the_api_key(api: Harness, tmp_path: Path) -> None:
    api.gateway.query.queue(done_reply())
    api.gateway.files.queue(file_reply())
    api.videos.download(TASK_ID, tmp_path / "v.mp4")
    assert api.gateway.query.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    (request,) = api.gateway.files.requests
    assert "authorization" not in request.headers
    assert all(API_KEY not in value for value in request.headers.values())
    assert API_KEY not in str(request.url)


def test_a_redirect_from_the_file_host_is_followed_without_the_key(
    api: Harness, tmp_path: Path
) -> None:
    moved = f"{FILE_HOST}/mirror/v.mp4"
    api.gateway.files.queue(httpx.Response(302, headers={"Location": moved}), file_reply())
    api.videos.download(completed(), tmp_path / "v.mp4")
    assert [str(r.url) for r in api.gateway.files.requests] == [VIDEO_URL, moved]
    assert all("authorization" not in r.headers for r in api.gateway.files.requests)
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO


def test_a_task_id_is_looked_up_first(api: Harness, tmp_path: Path) -> None:
    api.gateway.query.queue(done_reply())
    api.gateway.files.queue(file_reply())
    api.videos.download(TASK_ID, tmp_path / "v.mp4")
    assert api.gateway.query.count == 1
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO


def test_a_task_without_a_url_is_looked_up_again(api: Harness, tmp_path: Path) -> None:
    api.gateway.query.queue(done_reply())
    api.gateway.files.queue(file_reply())
    api.videos.download(VideoTask.from_json(task_body("processing")), tmp_path / "v.mp4")
    assert api.gateway.query.count == 1


def test_a_task_not_done_is_looked_up_again_even_with_a_url(api: Harness, tmp_path: Path) -> None:
    # Some gateways fill `video_url` before the video exists: only a completed task's
    # URL is the video.
    early = VideoTask.from_json(task_body("processing", video_url=VIDEO_URL))
    assert early.video_url == VIDEO_URL
    api.gateway.query.queue(task_reply("processing", video_url=VIDEO_URL))
    with pytest.raises(AnyAPIError, match="no video to download yet"):
        api.videos.download(early, tmp_path / "v.mp4")
    assert api.gateway.query.count == 1
    assert api.gateway.files.count == 0
    assert leftovers(tmp_path) == []


def test_a_folder_destination_names_the_file_after_the_task(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(file_reply())
    path = api.videos.download(completed(), tmp_path)
    assert path == tmp_path / filename_for(TASK_ID)
    assert path.read_bytes() == VIDEO


def test_a_missing_folder_is_created(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(file_reply())
    path = api.videos.download(completed(), tmp_path / "a" / "b" / "v.mp4")
    assert path.read_bytes() == VIDEO


def test_a_string_path_works(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(file_reply())
    path = api.videos.download(completed(), str(tmp_path / "v.mp4"))
    assert isinstance(path, Path)
    assert path.read_bytes() == VIDEO


def test_progress_reports_bytes_done_and_total(api: Harness, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    chunks = [VIDEO[:1000], VIDEO[1000:5000], VIDEO[5000:]]
    api.gateway.files.queue(
        httpx.Response(
            200,
            headers={"Content-Length": str(len(VIDEO))},
            stream=_Chunks(chunks),
        )
    )
    api.videos.download(
        completed(), tmp_path / "v.mp4", on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1000, len(VIDEO)), (5000, len(VIDEO)), (len(VIDEO), len(VIDEO))]


class _Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Any:
        yield from self.chunks

    async def __aiter__(self) -> Any:
        for chunk in self.chunks:
            yield chunk


def test_an_empty_video_is_saved(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(file_reply(b""))
    assert api.videos.download(completed(), tmp_path / "v.mp4").read_bytes() == b""


# --------------------------------------------------------------------------- overwriting


def test_an_existing_file_is_refused_before_any_request(api: Harness, tmp_path: Path) -> None:
    dest = tmp_path / "v.mp4"
    dest.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        api.videos.download(TASK_ID, dest)
    assert dest.read_bytes() == b"precious"
    assert api.gateway.requests == []


def test_an_existing_file_in_a_destination_folder_is_refused(api: Harness, tmp_path: Path) -> None:
    (tmp_path / filename_for(TASK_ID)).write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        api.videos.download(completed(), tmp_path)
    assert api.gateway.requests == []


def test_overwrite_replaces_the_file(api: Harness, tmp_path: Path) -> None:
    dest = tmp_path / "v.mp4"
    dest.write_bytes(b"old")
    api.gateway.files.queue(file_reply())
    api.videos.download(completed(), dest, overwrite=True)
    assert dest.read_bytes() == VIDEO
    assert leftovers(tmp_path, dest) == []


def test_a_failed_overwrite_keeps_the_old_file(api: Harness, tmp_path: Path) -> None:
    dest = tmp_path / "v.mp4"
    dest.write_bytes(b"old")
    api.gateway.files.always(error_reply(401, "no"))
    with pytest.raises(AuthenticationError):
        api.videos.download(completed(), dest, overwrite=True)
    assert dest.read_bytes() == b"old"
    assert leftovers(tmp_path, dest) == []


# --------------------------------------------------------------------------- failures leave nothing


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda: file_reply(cut_at=3000, error=httpx.ReadError("reset")), id="read-error"
        ),
        pytest.param(
            lambda: file_reply(cut_at=3000, error=httpx.RemoteProtocolError("peer closed")),
            id="protocol-error",
        ),
        pytest.param(
            lambda: file_reply(cut_at=3000, error=httpx.ReadTimeout("slow")), id="timeout"
        ),
        pytest.param(lambda: file_reply(cut_at=3000), id="short-body"),
        pytest.param(lambda: file_reply(length=len(VIDEO) - 1), id="long-body"),
        pytest.param(lambda: httpx.ConnectError("refused"), id="connect"),
        pytest.param(lambda: error_reply(503), id="503"),
    ],
)
def test_a_download_that_keeps_failing_leaves_no_file(
    api: Harness, tmp_path: Path, make: Any
) -> None:
    client = api.make_client(max_retries=2)
    api.gateway.files.always(lambda request: _raise_or_return(make()))
    dest = tmp_path / "v.mp4"
    with pytest.raises(APIConnectionError if not _is_status(make) else InternalServerError) as info:
        api.videos_of(client).download(completed(), dest)
    assert api.gateway.files.count == 3
    assert len(api.clock.sleeps) == 2
    assert not dest.exists()
    assert leftovers(tmp_path) == []
    assert "download it again" in str(info.value)
    assert TASK_ID in str(info.value)


def _raise_or_return(reply: httpx.Response | Exception) -> httpx.Response:
    if isinstance(reply, Exception):
        raise reply
    return reply


def _is_status(make: Any) -> bool:
    reply = make()
    return isinstance(reply, httpx.Response) and reply.status_code >= 500


def test_max_retries_zero_means_one_download_attempt(api: Harness, tmp_path: Path) -> None:
    client = api.make_client(max_retries=0)
    api.gateway.files.always(lambda request: file_reply(cut_at=10))
    with pytest.raises(APIConnectionError):
        api.videos_of(client).download(completed(), tmp_path / "v.mp4")
    assert api.gateway.files.count == 1
    assert leftovers(tmp_path) == []


def test_an_interrupted_download_leaves_nothing(api: Harness, tmp_path: Path) -> None:
    # Ctrl-C in sync code; in async code an interruption arrives as task cancellation
    # (a BaseException escaping a task would leave the event loop itself broken).
    interruption: type[BaseException] = asyncio.CancelledError if api.is_async else Interrupted

    def stop(done: int, total: int | None) -> None:
        raise interruption

    api.gateway.files.queue(file_reply())
    with pytest.raises(interruption):
        api.videos.download(completed(), tmp_path / "v.mp4", on_progress=stop)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("status", [400, 401, 416])
def test_a_permanent_file_host_error_is_not_retried(
    api: Harness, tmp_path: Path, status: int
) -> None:
    api.gateway.files.always(error_reply(status, "nope"))
    with pytest.raises(AnyAPIError) as info:
        api.videos.download(completed(), tmp_path / "v.mp4")
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert api.gateway.files.count == 1
    assert leftovers(tmp_path) == []


def test_a_task_that_is_not_done_has_nothing_to_download(api: Harness, tmp_path: Path) -> None:
    api.gateway.query.queue(task_reply("processing", progress=40))
    with pytest.raises(AnyAPIError) as info:
        api.videos.download(TASK_ID, tmp_path / "v.mp4")
    assert str(info.value) == (
        f"task {TASK_ID} has no video to download yet (status: processing); "
        "wait for it to finish first"
    )
    assert api.gateway.files.count == 0
    assert leftovers(tmp_path) == []


def test_a_completed_task_without_a_url_has_nothing_to_download(
    api: Harness, tmp_path: Path
) -> None:
    api.gateway.query.queue(task_reply("completed"))
    with pytest.raises(AnyAPIError) as info:
        api.videos.download(TASK_ID, tmp_path / "v.mp4")
    assert str(info.value) == (
        f"task {TASK_ID} is completed but the server sent no video URL; "
        "try the download again later"
    )
    assert leftovers(tmp_path) == []


def test_a_failed_task_says_why_it_has_no_video(api: Harness, tmp_path: Path) -> None:
    api.gateway.query.queue(task_reply("failed", fail_reason="content policy"))
    with pytest.raises(VideoGenerationError, match="content policy"):
        api.videos.download(TASK_ID, tmp_path / "v.mp4")
    assert leftovers(tmp_path) == []


def test_a_failed_lookup_is_raised(api: Harness, tmp_path: Path) -> None:
    api.gateway.query.always(error_reply(401, "bad key"))
    with pytest.raises(AuthenticationError):
        api.videos.download(TASK_ID, tmp_path / "v.mp4")
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- resume and restart


def test_a_dropped_connection_resumes_with_range(api: Harness, tmp_path: Path) -> None:
    host = ranged_file(cut_at=3000)
    api.gateway.files.queue(host, ranged_file(cut_at=7000), ranged_file())
    seen: list[tuple[int, int | None]] = []
    dest = tmp_path / "v.mp4"
    api.videos.download(completed(), dest, on_progress=lambda d, t: seen.append((d, t)))
    assert dest.read_bytes() == VIDEO
    ranges = [r.headers.get("range") for r in api.gateway.files.requests]
    assert ranges == [None, "bytes=3000-", "bytes=7000-"]
    assert [d for d, _ in seen] == [3000, 7000, len(VIDEO)]
    assert all(t == len(VIDEO) for _, t in seen)
    assert len(api.clock.sleeps) == 2
    assert leftovers(tmp_path, dest) == []


def test_without_range_support_a_dropped_download_restarts(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(
        file_reply(cut_at=4000, error=httpx.ReadError("reset")),
        file_reply(),
    )
    dest = tmp_path / "v.mp4"
    api.videos.download(completed(), dest)
    assert dest.read_bytes() == VIDEO
    assert [r.headers.get("range") for r in api.gateway.files.requests] == [None, None]


def test_a_host_that_ignores_range_restarts_cleanly(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(
        file_reply(cut_at=4000, error=httpx.ReadError("reset"), headers={"Accept-Ranges": "bytes"}),
        # Asked for bytes=4000-, the host sends the whole file again with a 200.
        file_reply(headers={"Accept-Ranges": "bytes"}),
    )
    dest = tmp_path / "v.mp4"
    seen: list[int] = []
    api.videos.download(completed(), dest, on_progress=lambda d, t: seen.append(d))
    assert dest.read_bytes() == VIDEO
    assert api.gateway.files.requests[1].headers["range"] == "bytes=4000-"
    assert seen == [4000, len(VIDEO)]


def test_a_short_body_is_resumed_too(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(
        file_reply(cut_at=5000, headers={"Accept-Ranges": "bytes"}), ranged_file()
    )
    dest = tmp_path / "v.mp4"
    api.videos.download(completed(), dest)
    assert dest.read_bytes() == VIDEO
    assert api.gateway.files.requests[1].headers["range"] == "bytes=5000-"


def unsized(
    content: bytes, *, status: int = 200, error: Exception | None = None, **headers: str
) -> httpx.Response:
    """A body sent without Content-Length (chunked), cut by `error` if given."""
    return httpx.Response(status, headers=headers, stream=BrokenStream([content], error))


def test_a_file_of_unknown_size_is_resumed_and_saved(api: Harness, tmp_path: Path) -> None:
    end = len(VIDEO) - 1
    api.gateway.files.queue(
        unsized(VIDEO[:3000], error=httpx.ReadError("reset"), **{"Accept-Ranges": "bytes"}),
        unsized(VIDEO[3000:], status=206, **{"Content-Range": f"bytes 3000-{end}/*"}),
    )
    dest = tmp_path / "v.mp4"
    api.videos.download(completed(), dest)
    assert dest.read_bytes() == VIDEO
    assert [r.headers.get("range") for r in api.gateway.files.requests] == [None, "bytes=3000-"]


def test_a_resumed_range_of_unknown_total_that_runs_over_is_refused_and_started_over(
    api: Harness, tmp_path: Path
) -> None:
    # A 200 without Content-Length is cut; the resumed "bytes 3000-END/*" sends more than
    # that range. Those bytes are never saved: the next try starts the file over.
    end = len(VIDEO) - 1
    api.gateway.files.queue(
        unsized(VIDEO[:3000], error=httpx.ReadError("reset"), **{"Accept-Ranges": "bytes"}),
        unsized(VIDEO[3000:] + b"junk", status=206, **{"Content-Range": f"bytes 3000-{end}/*"}),
        file_reply(),
    )
    dest = tmp_path / "v.mp4"
    api.videos.download(completed(), dest)
    assert dest.read_bytes() == VIDEO
    ranges = [r.headers.get("range") for r in api.gateway.files.requests]
    assert ranges == [None, "bytes=3000-", None]


def test_a_host_that_always_runs_over_its_range_gets_no_file(api: Harness, tmp_path: Path) -> None:
    def host(request: httpx.Request) -> httpx.Response:
        asked = request.headers.get("range")
        if asked is None:  # the file without a length, cut
            reset = httpx.ReadError("reset")
            return unsized(VIDEO[:3000], error=reset, **{"Accept-Ranges": "bytes"})
        start = int(asked.removeprefix("bytes=").removesuffix("-"))
        span = f"bytes {start}-{len(VIDEO) - 1}/*"
        return unsized(VIDEO[start:] + b"junk", status=206, **{"Content-Range": span})

    api.gateway.files.queue(*[host] * 10)
    with pytest.raises(APIConnectionError, match="not the size the host announced"):
        api.videos.download(completed(), tmp_path / "v.mp4")
    assert leftovers(tmp_path) == []
    # Each resumed range ran over, so the try after it started over.
    ranges = [r.headers.get("range") for r in api.gateway.files.requests]
    assert ranges == [None, "bytes=3000-", None, "bytes=3000-"]


def test_a_flaky_link_that_delivers_more_each_try_finishes(api: Harness, tmp_path: Path) -> None:
    # Ten cuts with max_retries=3: each try got further, so each one renewed the budget.
    client = api.make_client(max_retries=3)
    step = 1000
    api.gateway.files.queue(*[ranged_file(cut_at=step * (i + 1)) for i in range(10)], ranged_file())
    dest = tmp_path / "v.mp4"
    api.videos_of(client).download(completed(), dest)
    assert dest.read_bytes() == VIDEO
    assert api.gateway.files.count == 11
    assert leftovers(tmp_path, dest) == []


def test_tries_that_deliver_nothing_new_are_bounded_by_max_retries(
    api: Harness, tmp_path: Path
) -> None:
    client = api.make_client(max_retries=3)
    # Progress up to 2000 bytes, then every try fails before sending a byte.
    api.gateway.files.queue(
        ranged_file(cut_at=1000), ranged_file(cut_at=2000), *[error_reply(503)] * 5
    )
    with pytest.raises(InternalServerError):
        api.videos_of(client).download(completed(), tmp_path / "v.mp4")
    # 1000 and 2000 got further (each renews the budget), then three 503s: the third
    # failure without progress is one more than max_retries allows after the last renewal.
    assert api.gateway.files.count == 5
    assert leftovers(tmp_path) == []


def test_progress_cannot_renew_the_budget_forever(
    api: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_download, "MAX_FAILED_TRIES", 5)
    client = api.make_client(max_retries=3)
    api.gateway.files.queue(*[ranged_file(cut_at=100 * (i + 1)) for i in range(10)])
    with pytest.raises(APIConnectionError):
        api.videos_of(client).download(completed(), tmp_path / "v.mp4")
    assert api.gateway.files.count == 5
    assert leftovers(tmp_path) == []


def test_a_5xx_from_the_file_host_is_retried_with_retry_after(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(error_reply(503, headers={"Retry-After": "3"}), file_reply())
    api.videos.download(completed(), tmp_path / "v.mp4")
    assert api.clock.sleeps == [3.0]


def test_a_429_from_the_file_host_is_retried(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(error_reply(429), file_reply())
    api.videos.download(completed(), tmp_path / "v.mp4")
    assert api.gateway.files.count == 2


# --------------------------------------------------------------------------- expired URLs


@pytest.mark.parametrize("status", [403, 404])
def test_an_expired_url_is_refreshed_once(api: Harness, tmp_path: Path, status: int) -> None:
    api.gateway.files.queue(error_reply(status, "Signature expired"), file_reply())
    api.gateway.query.queue(done_reply(url=FRESH_URL))
    dest = tmp_path / "v.mp4"
    api.videos.download(completed(), dest)
    assert dest.read_bytes() == VIDEO
    assert [str(r.url) for r in api.gateway.files.requests] == [VIDEO_URL, FRESH_URL]
    assert api.gateway.query.count == 1
    assert api.gateway.query.requests[0].url.params["id"] == TASK_ID


@pytest.mark.parametrize(("status", "cls"), [(403, PermissionDeniedError), (404, NotFoundError)])
def test_an_url_that_expires_again_is_an_error(
    api: Harness, tmp_path: Path, status: int, cls: type[Exception]
) -> None:
    api.gateway.files.always(error_reply(status, "Signature expired"))
    api.gateway.query.always(done_reply(url=FRESH_URL))
    with pytest.raises(cls, match="Signature expired"):
        api.videos.download(completed(), tmp_path / "v.mp4")
    assert api.gateway.query.count == 1
    assert api.gateway.files.count == 2
    assert leftovers(tmp_path) == []


def test_an_expired_url_after_a_partial_download_keeps_the_bytes(
    api: Harness, tmp_path: Path
) -> None:
    api.gateway.files.queue(ranged_file(cut_at=6000), error_reply(403, "expired"), ranged_file())
    api.gateway.query.queue(done_reply(url=FRESH_URL))
    dest = tmp_path / "v.mp4"
    api.videos.download(completed(), dest)
    assert dest.read_bytes() == VIDEO
    assert api.gateway.files.requests[2].headers["range"] == "bytes=6000-"
    assert str(api.gateway.files.requests[2].url) == FRESH_URL


def test_a_refresh_that_finds_no_url_is_an_error(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.queue(error_reply(403, "expired"))
    api.gateway.query.queue(task_reply("completed"))
    with pytest.raises(AnyAPIError, match="no video URL"):
        api.videos.download(completed(), tmp_path / "v.mp4")
    assert leftovers(tmp_path) == []


def test_a_refresh_that_fails_reports_the_lookups_error(api: Harness, tmp_path: Path) -> None:
    api.gateway.files.always(error_reply(403, "expired"))
    api.gateway.query.always(error_reply(502, "gateway down"))
    with pytest.raises(InternalServerError, match="gateway down"):
        api.videos.download(completed(), tmp_path / "v.mp4")
    # The lookup had its own retries; the expired URL was not fetched again.
    assert api.gateway.query.count == 3
    assert api.gateway.files.count == 1
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- logging


def test_logs_leave_out_the_url_signature(
    api: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.gateway.files.queue(
        file_reply(cut_at=100, error=httpx.ReadError("reset")), error_reply(403), file_reply()
    )
    api.gateway.query.queue(done_reply(url=FRESH_URL))
    api.videos.download(completed(), tmp_path / "v.mp4")
    messages = "\n".join(r.getMessage() for r in caplog.records if r.name == "anyapi_sora")
    assert f"{FILE_HOST}/v/" in messages
    assert f"{FILE_HOST}/v/{BARE_ID}.mp4 -> 403 Forbidden" in messages
    assert f"{FILE_HOST}/v/{BARE_ID}.mp4 -> 200 OK" in messages
    assert "SIGNED" not in messages
    assert "saved" in messages


def test_a_failed_try_and_a_fresh_url_are_logged(
    api: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="anyapi_sora")
    api.gateway.files.queue(
        file_reply(cut_at=100, error=httpx.ReadError("reset")), error_reply(403), file_reply()
    )
    api.gateway.query.queue(done_reply(url=FRESH_URL))
    api.videos.download(completed(), tmp_path / "v.mp4")
    messages = [(r.levelno, r.getMessage()) for r in caplog.records]
    shown = f"GET {FILE_HOST}/v/{BARE_ID}.mp4"
    assert (
        logging.WARNING,
        f"downloading task {TASK_ID} failed at 100 bytes (Connection error: {shown}: "
        "ReadError: reset); attempt 1/2",
    ) in messages
    assert (
        logging.INFO,
        f"task {TASK_ID}: video URL expired; asking for a fresh one",
    ) in messages


def test_a_download_uses_the_clients_timeout_and_its_errors_keep_the_request(
    api: Harness, tmp_path: Path
) -> None:
    client = api.make_client(max_retries=0, timeout=17.0)
    api.gateway.files.queue(httpx.ReadError("reset"))
    with pytest.raises(APIConnectionError) as info:
        api.videos_of(client).download(completed(), tmp_path / "v.mp4")
    (request,) = api.gateway.files.requests
    # The client's timeout (its connect phase capped at 10 s), not httpx's default of 5 s.
    assert request.extensions["timeout"] == {
        "connect": 10.0,
        "read": 17.0,
        "write": 17.0,
        "pool": 17.0,
    }
    assert info.value.request is request


def test_a_failure_message_leaves_out_the_url_signature(api: Harness, tmp_path: Path) -> None:
    client = api.make_client(max_retries=0)
    api.gateway.files.always(httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as info:
        api.videos_of(client).download(completed(), tmp_path / "v.mp4")
    assert "refused" in str(info.value)
    assert "SIGNED" not in str(info.value)
    assert "SIGNED" not in repr(info.value)


def test_json_reply_helper_is_a_fresh_response_each_time() -> None:
    assert json_reply({}) is not json_reply({})


# --------------------------------------------------------------------------- a full disk


class FullDisk:
    """A temp file on a disk that fills up: writes past `room` bytes fail, and so does every
    flush after that (closing flushes), as on a real full file system."""

    def __init__(self, real: Any, room: int) -> None:
        self.real = real
        self.room = room
        self.full = False
        self.first: OSError | None = None

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.full = True
            self.first = OSError(errno.ENOSPC, "No space left on device (first)")
            raise self.first
        self.room -= len(data)
        return self.real.write(data)

    def flush(self) -> None:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device (again)")
        self.real.flush()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.real.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.mark.parametrize("room", [0, 3000], ids=["empty", "part-written"])
def test_a_full_disk_leaves_no_temp_file_and_raises_the_first_error(
    api: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: int
) -> None:
    disks: list[FullDisk] = []

    def open_on_a_full_disk(target: Path) -> tuple[Any, Path]:
        real, temp = _download.open_temp_beside(target)
        disks.append(FullDisk(real, room))
        return disks[-1], temp

    for module in (_videos_sync, _videos_async):
        monkeypatch.setattr(module, "open_temp_beside", open_on_a_full_disk)
    api.gateway.files.queue(ranged_file())
    dest = tmp_path / "v.mp4"
    with pytest.raises(OSError, match="first") as info:
        api.videos.download(completed(), dest)
    assert info.value is disks[0].first
    assert not dest.exists()
    assert leftovers(tmp_path) == []


def test_a_flush_that_fails_at_commit_leaves_no_temp_file(
    api: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The writes fit in the buffer; the disk fills when commit flushes them.
    disks: list[FullDisk] = []

    def open_on_a_full_disk(target: Path) -> tuple[Any, Path]:
        real, temp = _download.open_temp_beside(target)
        disks.append(FullDisk(real, len(VIDEO)))
        return disks[-1], temp

    def flush_fails(self: FullDisk) -> None:
        self.full = True
        raise OSError(errno.ENOSPC, "No space left on device")

    for module in (_videos_sync, _videos_async):
        monkeypatch.setattr(module, "open_temp_beside", open_on_a_full_disk)
    monkeypatch.setattr(FullDisk, "flush", flush_fails)
    api.gateway.files.queue(file_reply())
    with pytest.raises(OSError, match="No space left"):
        api.videos.download(completed(), tmp_path / "v.mp4")
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- only regular files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
@pytest.mark.parametrize("overwrite", [False, True])
def test_a_fifo_is_never_replaced(api: Harness, tmp_path: Path, overwrite: bool) -> None:
    fifo = tmp_path / "v.mp4"
    os.mkfifo(fifo)
    with pytest.raises(FileExistsError, match="FIFO"):
        api.videos.download(completed(), fifo, overwrite=overwrite)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert api.gateway.files.count == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_a_fifo_that_appears_during_the_download_is_not_replaced(
    api: Harness, tmp_path: Path
) -> None:
    dest = tmp_path / "v.mp4"

    def make_fifo(done: int, total: int | None) -> None:
        if done == total:
            os.mkfifo(dest)

    api.gateway.files.queue(file_reply())
    with pytest.raises(FileExistsError, match="FIFO"):
        api.videos.download(completed(), dest, overwrite=True, on_progress=make_fifo)
    assert stat.S_ISFIFO(dest.stat().st_mode)
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- out, before create


def _deny_writing_in(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """What a read-only folder looks like, even to root (who may write anywhere)."""
    real_access = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        if Path(path) == folder and mode & os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)


def test_out_under_a_regular_file_is_refused_before_create(api: Harness, tmp_path: Path) -> None:
    (tmp_path / "afile.txt").write_text("notes")
    with pytest.raises(NotADirectoryError) as info:
        api.videos.generate("a corgi", out=tmp_path / "afile.txt" / "out.mp4")
    assert info.value.filename == str(tmp_path / "afile.txt")
    assert api.gateway.create.count == 0


def test_out_in_a_folder_we_cannot_write_is_refused_before_create(
    api: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deny_writing_in(monkeypatch, tmp_path)
    for out in (tmp_path / "v.mp4", tmp_path / "new" / "v.mp4", f"{tmp_path}/new/", tmp_path):
        with pytest.raises(PermissionError):
            api.videos.generate("a corgi", out=out)
    assert api.gateway.create.count == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_out_that_is_a_fifo_is_refused_before_create(api: Harness, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "v.mp4")
    with pytest.raises(FileExistsError, match="FIFO"):
        api.videos.generate("a corgi", out=tmp_path / "v.mp4")
    assert api.gateway.create.count == 0


def test_out_with_a_trailing_slash_is_a_new_folder(api: Harness, tmp_path: Path) -> None:
    api.gateway.create.queue(task_reply())
    api.gateway.query.queue(done_reply())
    api.gateway.files.queue(file_reply())
    api.videos.generate("a corgi", out=f"{tmp_path}/renders/", poll_interval=1)
    assert (tmp_path / "renders" / filename_for(TASK_ID)).read_bytes() == VIDEO


# --------------------------------------------------------------------------- async: off the loop


def test_the_async_fsync_and_rename_run_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Harness("async")
    seen: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        seen.append(f"fsync in {threading.current_thread().name}")
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        seen.append(f"replace in {threading.current_thread().name}")
        real_replace(src, dst)

    monkeypatch.setattr(_download.os, "fsync", fsync)
    monkeypatch.setattr(_download.os, "replace", replace)
    try:
        api.gateway.files.queue(file_reply())
        api.videos.download(completed(), tmp_path / "v.mp4")
    finally:
        api.close()
    loop_thread = threading.current_thread().name
    # The file's fsync, the rename, the folder's fsync
    assert [entry.split()[0] for entry in seen] == ["fsync", "replace", "fsync"]
    assert all(not entry.endswith(f" in {loop_thread}") for entry in seen), seen
