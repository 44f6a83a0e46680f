"""`AsyncAnyAPI` under both event loops httpx supports: asyncio and trio.

Each test runs once per backend, with `anyio.run`. (Not with anyio's pytest plugin: this
project runs pytest-asyncio in auto mode, which claims every coroutine test and would run
the trio ones on asyncio without a word; `run` checks that the intended loop runs.)

A create cut off by its caller is never lost on either loop, but the two differ: under
asyncio it finishes in the background; under trio (no background without a nursery) the
caller's cancellation waits for its answer.
"""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
import time
import warnings
from typing import TYPE_CHECKING

import anyio
import httpx
import pytest
import sniffio
from anyapi_sora import AsyncAnyAPI, AuthenticationError, VideoTask, WaitTimeoutError
from anyapi_sora.testing import Fault, MockServer
from client_harness import API_KEY, task_reply

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("no_env")

SENT = ("connection.connect_tcp.started", "http11.send_request_headers.started")
CONNECTING = ("connection.connect_tcp.started",)


@pytest.fixture(params=["asyncio", "trio"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(backend: str, main: Callable[[], Awaitable[None]]) -> None:
    async def checked() -> None:
        assert sniffio.current_async_library() == backend
        await main()

    anyio.run(checked, backend=backend)


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer(queue_seconds=0, processing_seconds=0) as running:
        yield running


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "anyapi_sora" and r.levelno == logging.WARNING
    ]


class StagedTransport(httpx.AsyncBaseTransport):
    """Reports the trace `events` of a real transport, then answers `seconds` later.

    It sleeps through anyio, so it runs on either backend.
    """

    def __init__(
        self,
        events: tuple[str, ...],
        seconds: float,
        reply: Callable[[], httpx.Response] = task_reply,
    ) -> None:
        self.events = events
        self.seconds = seconds
        self.reply = reply
        self.started = 0
        self.answered = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.started += 1
        for event in self.events:
            await request.extensions["trace"](event, {})
        await anyio.sleep(self.seconds)
        self.answered += 1
        return self.reply()


def staged_client(transport: StagedTransport, **options: object) -> AsyncAnyAPI:
    http = httpx.AsyncClient(transport=transport)
    return AsyncAnyAPI(API_KEY, base_url="https://gw.test", http_client=http, **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the whole flow


def test_generate_completes_with_a_download(
    backend: str, server: MockServer, tmp_path: Path
) -> None:
    async def main() -> None:
        async with AsyncAnyAPI(server.api_key, base_url=server.base_url) as client:
            task = await client.videos.generate(
                "a corgi surfing", out=tmp_path / "corgi.mp4", poll_interval=0.05
            )
        assert task.succeeded

    run(backend, main)
    assert (tmp_path / "corgi.mp4").stat().st_size > 0
    assert server.create_count == 1


def test_wait_sleeps_between_polls_and_keeps_its_deadline(backend: str) -> None:
    async def main() -> None:
        async with AsyncAnyAPI(server.api_key, base_url=server.base_url) as client:
            task = await client.videos.create("a corgi")
            with pytest.raises(WaitTimeoutError):
                await client.videos.wait(task, timeout=0.5, poll_interval=0.1)

    with MockServer(queue_seconds=0, processing_seconds=3600) as server:
        run(backend, main)
        queries = server.requests_to("query")
    assert 2 <= len(queries) <= 8  # polled on and off, not in a busy loop


def test_a_body_cut_off_at_the_deadline_leaves_nothing_unfinished(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The last poll of a wait goes out at its deadline, so its body is cut off. Left half-way,
    # httpx's body generators stay suspended, and trio reports each as a ResourceWarning when
    # it is collected: with warnings as errors (this suite's setting), a failed test.
    # pytest's log capture would keep the failed polls' errors (and so the generators)
    # alive until trio closes them quietly at its end: keep the records away from it.
    monkeypatch.setattr(logging.getLogger("anyapi_sora"), "propagate", False)

    async def main() -> None:
        async with AsyncAnyAPI(server.api_key, base_url=server.base_url) as client:
            task = await client.videos.create("a corgi")
            for _ in range(3):
                with pytest.raises(WaitTimeoutError):
                    await client.videos.wait(task, timeout=0.3, poll_interval=0.1)
                gc.collect()  # while the loop runs, whose hooks see what was left unfinished
                await anyio.sleep(0.01)

    with (
        MockServer(queue_seconds=0, processing_seconds=3600) as server,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", ResourceWarning)
        run(backend, main)
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


# --------------------------------------------------------------------------- cut-off creates


def test_a_cut_off_create_on_a_real_socket_is_reported(
    backend: str, server: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.inject("create", Fault.hang(0.5, after_create=True))
    seen: list[VideoTask] = []
    orphaned: list[VideoTask] = []

    async def main() -> None:
        client = AsyncAnyAPI(
            server.api_key, base_url=server.base_url, timeout=10, on_orphaned_task=seen.append
        )
        with anyio.move_on_after(0.1) as scope:
            await client.videos.create("a corgi")
        assert scope.cancelled_caught
        await client.close()
        orphaned.extend(client.orphaned_tasks)

    run(backend, main)
    (billed,) = server.tasks
    assert [task.id for task in orphaned] == [billed]
    assert seen == orphaned
    assert any(billed in m and "wait(" in m for m in warnings_of(caplog))


def test_under_trio_the_cancellation_waits_for_the_answer(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    transport = StagedTransport(SENT, seconds=0.3)

    async def main() -> None:
        client = staged_client(transport)
        with anyio.move_on_after(0.05) as scope:
            await client.videos.create("a corgi")
        assert scope.cancelled_caught
        if backend == "trio":
            # Already answered and reported when the cancellation goes on.
            assert transport.answered == 1
            assert len(client.orphaned_tasks) == 1
            assert any("waiting up to" in m for m in warnings_of(caplog))
        else:
            assert transport.answered == 0  # still going on in the background
        await client.close()
        assert len(client.orphaned_tasks) == 1

    run(backend, main)
    assert transport.answered == 1


def test_a_create_still_connecting_is_simply_cancelled(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    transport = StagedTransport(CONNECTING, seconds=0.3)

    async def main() -> None:
        client = staged_client(transport)
        started = time.monotonic()
        with anyio.move_on_after(0.05):
            await client.videos.create("a corgi")
        assert time.monotonic() - started < 0.25  # nothing reached the gateway: no waiting
        await client.close()
        await anyio.sleep(0.4)
        assert client.orphaned_tasks == []

    run(backend, main)
    assert transport.answered == 0
    assert warnings_of(caplog) == []


def test_a_cut_off_create_is_not_retried_after_a_429(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    transport = StagedTransport(SENT, seconds=0.2, reply=lambda: httpx.Response(429))

    async def main() -> None:
        client = staged_client(transport)
        with anyio.move_on_after(0.05):
            await client.videos.create("a corgi")
        await client.close()
        assert client.orphaned_tasks == []

    run(backend, main)
    assert transport.started == 1  # nobody waits for it: no task is made after all
    assert any("not retried" in m for m in warnings_of(caplog))


def test_the_wait_for_a_cut_off_create_is_bounded_by_the_request_timeout(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    transport = StagedTransport(SENT, seconds=30)

    async def main() -> None:
        client = staged_client(transport, timeout=0.3)
        with anyio.move_on_after(0.05):
            await client.videos.create("a corgi")
        await client.close()

    started = time.monotonic()
    run(backend, main)
    assert time.monotonic() - started < 3  # loosely: 0.05 s, then at most the 0.3 s timeout
    assert transport.answered == 0
    (gave_up,) = [m for m in warnings_of(caplog) if "gave up" in m]
    assert "may have been created and billed" in gave_up


def test_a_cut_off_create_on_a_copy_is_reported_on_the_original(backend: str) -> None:
    transport = StagedTransport(SENT, seconds=0.2)

    async def main() -> None:
        client = staged_client(transport)
        copy = client.with_options(timeout=30)
        with anyio.move_on_after(0.05):
            await copy.videos.create("a corgi")
        await copy.close()
        await client.close()  # waits for the create cut off on the copy
        assert len(client.orphaned_tasks) == 1
        assert copy.orphaned_tasks is client.orphaned_tasks

    run(backend, main)


def test_a_create_that_is_not_cut_off_returns_its_task(backend: str) -> None:
    transport = StagedTransport(SENT, seconds=0.01)

    async def main() -> None:
        async with staged_client(transport) as client:
            task = await client.videos.create("a corgi")
        assert task.id
        assert client.orphaned_tasks == []

    run(backend, main)


def test_an_error_of_a_create_reaches_its_caller_unwrapped(backend: str) -> None:
    transport = StagedTransport(SENT, seconds=0.01, reply=lambda: httpx.Response(401))

    async def main() -> None:
        async with staged_client(transport, max_retries=0) as client:
            with pytest.raises(AuthenticationError):
                await client.videos.create("a corgi")

    run(backend, main)


def test_importing_the_package_loads_no_event_loop_library() -> None:
    # anyio alone costs ~40 ms of start-up: only async code imports it (or asyncio, trio).
    # (httpcore loads anyio and trio, when installed, once an httpx client is made.)
    probe = (
        "import sys, anyapi_sora; "
        "print(sorted(m for m in ('anyio', 'asyncio', 'sniffio', 'trio') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
