"""The whole flow over real loopback HTTP against the bundled MockServer, sync and async,
with every fault the server can inject."""

from __future__ import annotations

import hashlib
import socket
from typing import TYPE_CHECKING, Any

import pytest
from anyapi_sora import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    PermissionDeniedError,
    TaskStatus,
    VideoGenerationError,
    VideoTask,
    WaitTimeoutError,
    set_testing,
)
from anyapi_sora._clock import SystemClock
from anyapi_sora.testing import Fault, MockServer, SyntheticVideo

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from client_harness import Harness

# Tasks take a moment, so waits really poll several times.
pytestmark = pytest.mark.anyapi_mock(queue_seconds=0.05, processing_seconds=0.15)


@pytest.fixture(autouse=True)
def fast_sleeps() -> Iterator[None]:
    # Real clock, but every chosen poll interval and backoff is capped at 10 ms.
    set_testing(True)
    yield
    set_testing(False)


def videos_on(api: Harness, server: MockServer, **options: Any) -> Any:
    kwargs: dict[str, Any] = {
        "api_key": server.api_key,
        "base_url": server.base_url,
        "http_client": None,
        "clock": SystemClock(),
    }
    kwargs.update(options)
    return api.videos_of(api.make_client(**kwargs))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generate_end_to_end(api: Harness, anyapi_mock: MockServer, tmp_path: Path) -> None:
    seen: list[tuple[TaskStatus, float | None]] = []
    videos = videos_on(api, anyapi_mock)

    task = videos.generate(
        "a corgi surfing",
        out=tmp_path,
        on_progress=lambda t: seen.append((t.status, t.progress)),
        extra_body={"style": "anime"},
    )

    assert task.succeeded
    assert task.id in anyapi_mock.tasks
    saved = tmp_path / (task.id.replace(":", "_") + ".mp4")
    assert saved.read_bytes() == anyapi_mock.video.data
    assert anyapi_mock.create_count == 1
    assert seen[-1][0] is TaskStatus.COMPLETED
    assert TaskStatus.PROCESSING in {status for status, _ in seen}
    (create,) = anyapi_mock.requests_to("create")
    assert create.json["style"] == "anime"
    assert create.json["watermark"] is True
    assert [p.name for p in tmp_path.iterdir()] == [saved.name]
    assert anyapi_mock.internal_errors == []


def test_create_retrieve_wait_download_separately(
    api: Harness, anyapi_mock: MockServer, tmp_path: Path
) -> None:
    videos = videos_on(api, anyapi_mock)
    created = videos.create("a cat", model="sora-2-pro", size="large", duration=15)
    assert created.status is TaskStatus.PENDING
    assert created.id.startswith("sora-2-pro:")

    done = videos.wait(created.id, poll_interval=0.02)
    again = videos.retrieve(created.id)
    path = videos.download(created.id, tmp_path / "cat.mp4")

    assert done.id == again.id == created.id
    assert again.video_url
    assert again.width
    assert again.height
    assert path.read_bytes() == anyapi_mock.video.data


def test_failed_task_raises_with_the_reason(api: Harness, anyapi_mock: MockServer) -> None:
    videos = videos_on(api, anyapi_mock)
    with pytest.raises(VideoGenerationError) as info:
        videos.generate("please FAIL this")
    assert info.value.task.failed
    assert "content policies" in str(info.value)
    assert anyapi_mock.create_count == 1


def test_wrong_key_is_an_authentication_error_without_the_key(
    api: Harness, anyapi_mock: MockServer
) -> None:
    videos = videos_on(api, anyapi_mock, api_key="sk-wrong-secret-key")
    with pytest.raises(AuthenticationError) as info:
        videos.create("a dog")
    assert "无效的令牌" in str(info.value)
    assert "sk-wrong-secret-key" not in str(info.value) + repr(info.value)
    assert anyapi_mock.create_count == 0


def test_prompt_rejected_at_submit(api: Harness, anyapi_mock: MockServer) -> None:
    with pytest.raises(BadRequestError) as info:
        videos_on(api, anyapi_mock).create("REJECT me")
    assert info.value.code == "sentinel_block"
    assert anyapi_mock.create_count == 0


def test_unknown_task_id(api: Harness, anyapi_mock: MockServer) -> None:
    with pytest.raises(BadRequestError) as info:
        videos_on(api, anyapi_mock).retrieve("sora-2:task_doesnotexist")
    assert info.value.code == "task_not_exist"


def test_quota_exhausted_is_permission_denied(api: Harness, anyapi_mock: MockServer) -> None:
    anyapi_mock.inject("create", Fault.insufficient_quota())
    with pytest.raises(PermissionDeniedError, match=r"insufficient_user_quota|额度"):
        videos_on(api, anyapi_mock).create("a dog")
    assert anyapi_mock.create_count == 0


@pytest.mark.parametrize(
    "fault",
    [
        Fault.rate_limited(),
        Fault.rate_limited(retry_after=1),
        Fault.server_error(500, html=True),
        Fault.server_error(502),
        Fault.server_error(503, html=True),
        Fault.hang(5.0),
        Fault.disconnect(),
        Fault.truncated_body(10),
        Fault.malformed_json(),
    ],
    ids=lambda f: f"{f.kind.value}-{f.status}-{f.retry_after}-{f.html}",
)
def test_query_faults_do_not_end_the_wait(
    api: Harness, anyapi_mock: MockServer, tmp_path: Path, fault: Fault
) -> None:
    rule = anyapi_mock.inject("query", fault, times=2)
    videos = videos_on(api, anyapi_mock, timeout=0.5)

    task = videos.generate("a corgi", out=tmp_path / "out.mp4")

    assert task.succeeded
    assert rule.fired == 2
    assert anyapi_mock.create_count == 1
    assert (tmp_path / "out.mp4").read_bytes() == anyapi_mock.video.data


def test_retrieve_retries_then_gives_up(api: Harness, anyapi_mock: MockServer) -> None:
    videos = videos_on(api, anyapi_mock, max_retries=2)
    task = videos.create("a dog")
    anyapi_mock.clear_requests()
    anyapi_mock.inject("query", Fault.server_error(502), times=5)
    with pytest.raises(InternalServerError):
        videos.retrieve(task.id)
    assert len(anyapi_mock.requests_to("query")) == 3


def test_create_is_retried_after_429_and_bills_once(api: Harness, anyapi_mock: MockServer) -> None:
    anyapi_mock.inject("create", Fault.rate_limited(), times=2)
    task = videos_on(api, anyapi_mock).create("a dog")
    assert len(anyapi_mock.requests_to("create")) == 3
    assert anyapi_mock.create_count == 1
    assert anyapi_mock.tasks.keys() == {task.id}


@pytest.mark.parametrize(
    ("fault", "error", "billed"),
    [
        (Fault.server_error(502, after_create=True), InternalServerError, 1),
        (Fault.server_error(500), InternalServerError, 0),
        (Fault.hang(5.0, after_create=True), APITimeoutError, 1),
        (Fault.disconnect(after_create=True), APIConnectionError, 1),
        (Fault.malformed_json(after_create=True), Exception, 1),
    ],
    ids=["5xx-after-create", "5xx", "read-timeout", "disconnect", "malformed"],
)
def test_ambiguous_create_failures_are_never_retried(
    api: Harness, anyapi_mock: MockServer, fault: Fault, error: type[Exception], billed: int
) -> None:
    anyapi_mock.inject("create", fault)
    videos = videos_on(api, anyapi_mock, timeout=0.5, max_retries=3)
    with pytest.raises(error) as info:
        videos.create("a dog")
    assert "may have been created and billed" in str(info.value)
    assert len(anyapi_mock.requests_to("create")) == 1
    assert anyapi_mock.create_count == billed


def test_refused_connection_is_retried_then_reported(api: Harness, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on `port` now.
    client = api.make_client(
        api_key="sk-x", base_url=f"http://127.0.0.1:{port}", http_client=None, max_retries=1
    )
    with pytest.raises(APIConnectionError) as info:
        api.videos_of(client).create("a dog")
    assert "billed" not in str(info.value)


def test_wait_deadline(api: Harness) -> None:
    with MockServer(queue_seconds=0.0, processing_seconds=60.0) as server:
        videos = videos_on(api, server)
        task = videos.create("slow")
        with pytest.raises(WaitTimeoutError) as info:
            videos.wait(task, timeout=0.3)
    assert isinstance(info.value, TimeoutError)
    assert info.value.task is not None
    assert info.value.task.status is TaskStatus.PROCESSING


def test_download_resumes_with_range_after_a_cut(
    api: Harness, anyapi_mock: MockServer, tmp_path: Path
) -> None:
    videos = videos_on(api, anyapi_mock)
    task = videos.wait(videos.create("a dog").id)
    anyapi_mock.inject("download", Fault.truncated_body(1000))
    progress: list[tuple[int, int | None]] = []

    path = videos.download(task, tmp_path, on_progress=lambda d, t: progress.append((d, t)))

    assert path.read_bytes() == anyapi_mock.video.data
    downloads = anyapi_mock.requests_to("download")
    assert [r.headers.get("range") for r in downloads] == [None, "bytes=1000-"]
    assert progress[-1] == (anyapi_mock.video.size, anyapi_mock.video.size)


def test_download_fails_cleanly_when_retries_run_out(
    api: Harness, anyapi_mock: MockServer, tmp_path: Path
) -> None:
    videos = videos_on(api, anyapi_mock, max_retries=1)
    task = videos.wait(videos.create("a dog").id)
    # Dropped before a byte arrives: no progress, so max_retries=1 means two tries. (A cut
    # that delivers more each time would renew the budget and finish.)
    anyapi_mock.inject("download", Fault.disconnect(), times=5)
    with pytest.raises(APIConnectionError) as info:
        videos.download(task, tmp_path / "dog.mp4")
    assert len(anyapi_mock.requests_to("download")) == 2
    assert task.id in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.anyapi_mock(queue_seconds=0, processing_seconds=0, url_ttl_seconds=60)
def test_expired_signed_url_is_refreshed(
    api: Harness, anyapi_mock: MockServer, tmp_path: Path
) -> None:
    videos = videos_on(api, anyapi_mock)
    task: VideoTask = videos.wait(videos.create("a dog").id)
    anyapi_mock.advance(120)

    path = videos.download(task, tmp_path)

    assert path.read_bytes() == anyapi_mock.video.data
    assert len(anyapi_mock.requests_to("download")) == 2


@pytest.mark.anyapi_mock(queue_seconds=0, processing_seconds=0, large_video_bytes=24 << 20)
def test_large_download_is_streamed_and_resumed(
    api: Harness, anyapi_mock: MockServer, tmp_path: Path
) -> None:
    videos = videos_on(api, anyapi_mock)
    task = videos.wait(videos.create("big").id)
    anyapi_mock.inject("download", Fault.truncated_body(5 << 20))
    path = videos.download(task, tmp_path / "big.mp4")
    assert path.stat().st_size == 24 << 20
    assert isinstance(anyapi_mock.video, SyntheticVideo)
    assert sha(path) == anyapi_mock.video.sha256()
