"""generate, wait and download on every gateway dialect the mock speaks, sync and async,
through faults (a saturated create with an empty id, 429s, 5xx), an expired URL and a cut
download.

Each server reads its clock once per request and the clock moves a fixed step per read, so
every poll sees the task a step further on its timeline however fast or slow the machine
is, and no test waits for real time to pass.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pytest
from anyapi_sora import (
    BadRequestError,
    TaskStatus,
    VideoGenerationError,
    WaitTimeoutError,
    set_testing,
)
from anyapi_sora._clock import SystemClock
from anyapi_sora.testing import DIALECTS, Fault, MockServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from client_harness import Harness


class StepClock:
    """Server time that moves `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self.now += self.step
            return self.now


@pytest.fixture(autouse=True)
def fast_sleeps() -> Iterator[None]:
    # Real clock for the client, but every poll interval and backoff capped at 10 ms.
    set_testing(True)
    yield
    set_testing(False)


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def mock(dialect: str, **options: Any) -> MockServer:
    # 0.25 s a request through a 0.5 s queue and 2 s of processing: about ten polls, and
    # each Veo phase (the shortest lasts 0.2 s of processing) is seen at least once.
    settings: dict[str, Any] = {
        "dialect": dialect,
        "clock": StepClock(0.25),
        "queue_seconds": 0.5,
        "processing_seconds": 2.0,
    }
    settings.update(options)
    return MockServer(**settings)


@pytest.fixture
def server(dialect: str) -> Iterator[MockServer]:
    with mock(dialect) as running:
        yield running


def videos_on(api: Harness, server: MockServer, **options: Any) -> Any:
    kwargs: dict[str, Any] = {
        "api_key": server.api_key,
        "base_url": server.base_url,
        "http_client": None,
        "clock": SystemClock(),
    }
    kwargs.update(options)
    return api.videos_of(api.make_client(**kwargs))


# Ten polls finish a task; a client that misreads a dialect fails in seconds, not hours.
WAIT = 10.0


def downloaded_paths(server: MockServer) -> list[str]:
    return [request.path for request in server.requests_to("download")]


def test_generate_saves_the_mp4_with_one_create(
    api: Harness, server: MockServer, dialect: str, tmp_path: Path
) -> None:
    seen: list[TaskStatus] = []

    task = videos_on(api, server).generate(
        "a corgi surfing", out=tmp_path, on_progress=lambda t: seen.append(t.status), timeout=WAIT
    )

    assert task.succeeded
    assert task.failure_reason is None
    assert server.create_count == 1
    (created,) = server.tasks.values()
    assert created.dialect == dialect
    assert task.id == created.id  # the id create returned, whatever later bodies say
    (saved,) = tmp_path.iterdir()
    assert saved.suffix == ".mp4"
    assert saved.read_bytes() == server.video.read()
    assert saved.read_bytes()[4:8] == b"ftyp"
    assert seen[0] is not TaskStatus.COMPLETED
    assert seen[-1] is TaskStatus.COMPLETED
    # The finished video, never the one before upsampling or a thumbnail.
    assert downloaded_paths(server) == [f"/files/{created.upstream_id}.mp4"]
    assert server.internal_errors == []


def test_create_wait_download_through_faults_and_an_expired_url(
    api: Harness, dialect: str, tmp_path: Path
) -> None:
    with mock(dialect, url_ttl_seconds=60) as server:
        videos = videos_on(api, server)
        server.inject("create", Fault.saturated(status=500))  # empty id: nothing created
        server.inject("create", Fault.rate_limited())
        created = videos.create("a cat", duration=15)
        limited = server.inject("query", Fault.rate_limited())
        failing = server.inject("query", Fault.server_error(502))

        done = videos.wait(created.id, timeout=WAIT)
        server.advance(120)  # the URL `done` holds has expired
        refreshed = videos.download(done, tmp_path / "refreshed.mp4")
        server.inject("download", Fault.truncated_body(1000))
        resumed = videos.download(created.id, tmp_path / "resumed.mp4")

        assert created.id in server.tasks
        assert done.id == created.id
        assert done.succeeded
        assert (limited.fired, failing.fired) == (1, 1)
        assert len(server.requests_to("create")) == 3
        assert server.create_count == 1
        assert refreshed.read_bytes() == resumed.read_bytes() == server.video.read()
        expired, fresh, cut, rest = server.requests_to("download")
        assert expired.query["sig"] != fresh.query["sig"]
        assert (cut.headers.get("range"), rest.headers.get("range")) == (None, "bytes=1000-")


def test_a_refused_prompt_bills_nothing_and_a_failed_task_raises(
    api: Harness, server: MockServer, dialect: str
) -> None:
    videos = videos_on(api, server)
    with pytest.raises(BadRequestError) as refused:
        videos.create("REJECT me")
    assert refused.value.status_code == 400
    assert server.create_count == 0

    with pytest.raises(VideoGenerationError) as failed:
        videos.generate("please FAIL this", timeout=WAIT)

    assert failed.value.task.failed
    assert server.create_count == 1
    # Wherever the dialect puts it (Veo: detail.video_generation_error), found by rule.
    assert failed.value.reason is not None
    assert failed.value.reason.startswith("This content may violate our content policies.")
    assert failed.value.task.failure_reason == failed.value.reason
    assert "content policies" in str(failed.value)


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_veo_video_generation_completed_is_not_the_end(api: Harness, tmp_path: Path) -> None:
    clock = ManualClock()
    with MockServer(
        dialect="veo-upsample", clock=clock, queue_seconds=0, processing_seconds=10
    ) as server:
        videos = videos_on(api, server)
        task = videos.create("a heron")
        clock.now += 6.5  # generated, not yet upsampled

        with pytest.raises(WaitTimeoutError) as info:
            videos.wait(task.id, timeout=0.2)
        assert info.value.task is not None
        assert not info.value.task.done

        clock.now += 10
        done = videos.wait(task.id, timeout=WAIT)
        path = videos.download(done, tmp_path)

    assert done.succeeded
    assert done.raw_status == "video_upsampling_completed"
    # The finished body keeps the error of a retried attempt: not a failure reason.
    assert "reCAPTCHA" in done.raw["detail"]["error_message"]
    assert done.failure_reason is None
    assert path.read_bytes() == server.video.read()
    assert [request.path.endswith(".draft.mp4") for request in server.requests_to("download")] == [
        False
    ]


def test_newapi_task_keeps_the_task_id_not_the_row_number(api: Harness) -> None:
    with MockServer(dialect="newapi-task", queue_seconds=0, processing_seconds=0) as server:
        videos = videos_on(api, server)
        task = videos.create("a lantern")
        again = videos.retrieve(task.id)

    (created,) = server.tasks.values()
    assert task.id == created.id
    assert task.id.startswith("video_")
    assert again.succeeded
    assert again.video_url


def test_anyapi_detail_reads_the_nested_status_and_progress_pct(api: Harness) -> None:
    clock = ManualClock()
    with MockServer(
        dialect="anyapi-detail", clock=clock, queue_seconds=0, processing_seconds=10
    ) as server:
        videos = videos_on(api, server)
        task = videos.create("a kite")
        clock.now += 4.5
        running = videos.retrieve(task.id)

    # The top level still says pending; the nested status is the one that moved.
    assert running.status is TaskStatus.PROCESSING
    assert running.progress == pytest.approx(45)
