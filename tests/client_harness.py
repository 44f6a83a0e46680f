"""One facade over `AnyAPI` and `AsyncAnyAPI`, a fake gateway on httpx.MockTransport, a fake clock.

A behaviour test asks for the `api` fixture (tests/wrapper/conftest.py) and runs twice: once
on the sync client and once on the async one. `api.videos.create(...)` returns the result in
both cases; for the async client each coroutine runs on one event loop kept for the test.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import httpx
from anyapi_sora import AnyAPI, AsyncAnyAPI

API_KEY = "sk-test-SECRET-0123456789abcdef"
BASE_URL = "https://gw.test"
FILE_HOST = "https://files.test"
TASK_ID = "sora-2:task_01k9008rhbefnt3rb1g9szxdwr"
BARE_ID = "task_01k9008rhbefnt3rb1g9szxdwr"
VIDEO_URL = f"{FILE_HOST}/v/{BARE_ID}.mp4?se=2025-10-12&sig=SIGNED-abc"
FRESH_URL = f"{FILE_HOST}/v/{BARE_ID}.mp4?se=2025-10-19&sig=SIGNED-fresh"
VIDEO = bytes(range(256)) * 40  # 10 240 bytes, no two neighbours alike

Reply = httpx.Response | BaseException | Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """Monotonic time that only moves when the client sleeps (or a test says so)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --------------------------------------------------------------------------- bodies


def task_body(status: str = "pending", *, task_id: str = TASK_ID, **fields: Any) -> dict[str, Any]:
    return {"id": task_id, "status": status, "status_update_time": 1762010621323, **fields}


def json_reply(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def task_reply(status: str = "pending", **fields: Any) -> httpx.Response:
    return json_reply(task_body(status, **fields))


def done_reply(url: str = VIDEO_URL, **fields: Any) -> httpx.Response:
    return task_reply("completed", video_url=url, **fields)


def error_reply(
    status: int, message: str = "boom", headers: dict[str, str] | None = None
) -> httpx.Response:
    return json_reply({"code": "upstream_error", "message": message, "data": None}, status, headers)


class BrokenStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that yields `chunks`, then fails the way a dropped connection does."""

    def __init__(self, chunks: Iterable[bytes], error: Exception | None) -> None:
        self.chunks = list(chunks)
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.error is not None:
            raise self.error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.error is not None:
            raise self.error


def file_reply(
    content: bytes = VIDEO,
    *,
    status: int = 200,
    cut_at: int | None = None,
    error: Exception | None = None,
    length: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The file, or its first `cut_at` bytes followed by `error` (None: a clean early end)."""
    sent = content if cut_at is None else content[:cut_at]
    all_headers = {"Content-Length": str(len(content) if length is None else length)}
    all_headers.update(headers or {})
    return httpx.Response(status, headers=all_headers, stream=BrokenStream([sent], error))


def ranged_file(
    content: bytes = VIDEO, *, cut_at: int | None = None, error: Exception | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """A file host that honours `Range: bytes=N-`; `cut_at` (absolute) drops the connection."""

    def reply(request: httpx.Request) -> httpx.Response:
        start = 0
        header = request.headers.get("range")
        if header is not None:
            assert header.startswith("bytes="), header
            assert header.endswith("-"), header
            start = int(header[len("bytes=") : -1])
        end = len(content) if cut_at is None or cut_at <= start else cut_at
        body = content[start:end]
        headers = {"Accept-Ranges": "bytes", "Content-Length": str(len(content) - start)}
        status = 200
        if header is not None:
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(content) - 1}/{len(content)}"
        broken = end < len(content)
        return httpx.Response(
            status,
            headers=headers,
            stream=BrokenStream([body], (error or httpx.ReadError("reset")) if broken else None),
        )

    return reply


# --------------------------------------------------------------------------- the gateway


class Route:
    """Replies served in order; once they run out, `default` (if set) answers every call."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.replies: deque[Reply] = deque()
        self.default: Reply | None = None
        self.requests: list[httpx.Request] = []

    def queue(self, *replies: Reply) -> Route:
        self.replies.extend(replies)
        return self

    def always(self, reply: Reply) -> Route:
        self.default = reply
        return self

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.replies:
            reply = self.replies.popleft()
        elif self.default is not None:
            reply = self.default
        else:
            raise AssertionError(f"unexpected request #{len(self.requests)} to {self.name}")
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    @property
    def count(self) -> int:
        return len(self.requests)


class FakeGateway:
    """The API routes under BASE_URL and a file host at FILE_HOST, each with its own queue."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.create = Route("create")
        self.query = Route("query")
        self.files = Route("files")
        self.requests: list[httpx.Request] = []
        # Fake seconds each request takes, to show that deadlines count request time.
        self.latency = 0.0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.clock.advance(self.latency)
        url = request.url
        if f"{url.scheme}://{url.host}" == FILE_HOST:
            return self.files.answer(request)
        if url.path.endswith("/v1/video/create"):
            return self.create.answer(request)
        if url.path.endswith("/v1/video/query"):
            return self.query.answer(request)
        raise AssertionError(f"no route for {request.method} {url}")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def create_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.create.requests]


# --------------------------------------------------------------------------- the facade


class _Synced:
    """Attribute access on `target`; calls made through it return results, never coroutines."""

    def __init__(self, target: object, run: Callable[[Any], Any]) -> None:
        self._target = target
        self._run = run

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._run(attr(*args, **kwargs))

        return call


class Harness:
    """A client of either kind on the fake gateway, driven through one synchronous facade."""

    def __init__(self, mode: str) -> None:
        assert mode in ("sync", "async")
        self.mode = mode
        self.clock = FakeClock()
        self.gateway = FakeGateway(self.clock)
        self._loop = asyncio.new_event_loop() if mode == "async" else None
        self._clients: list[AnyAPI | AsyncAnyAPI] = []
        self._http: list[httpx.Client | httpx.AsyncClient] = []
        self.client = self.make_client()

    @property
    def is_async(self) -> bool:
        return self._loop is not None

    def run(self, value: Any) -> Any:
        if self._loop is not None and asyncio.iscoroutine(value):
            return self._loop.run_until_complete(value)
        return value

    def http_client(self) -> httpx.Client | httpx.AsyncClient:
        http: httpx.Client | httpx.AsyncClient
        if self.is_async:
            http = httpx.AsyncClient(transport=self.gateway.transport())
        else:
            http = httpx.Client(transport=self.gateway.transport())
        self._http.append(http)
        return http

    def make_client(self, **options: Any) -> AnyAPI | AsyncAnyAPI:
        """A client on the fake gateway; `options` override the constructor's arguments."""
        kwargs: dict[str, Any] = {
            "api_key": API_KEY,
            "base_url": BASE_URL,
            "clock": self.clock,
            "http_client": self.http_client(),
        }
        kwargs.update(options)
        client = AsyncAnyAPI(**kwargs) if self.is_async else AnyAPI(**kwargs)
        self._clients.append(client)
        return client

    @property
    def videos(self) -> Any:
        return self.videos_of(self.client)

    def videos_of(self, client: AnyAPI | AsyncAnyAPI) -> Any:
        return _Synced(client.videos, self.run)

    def close_client(self, client: AnyAPI | AsyncAnyAPI) -> None:
        self.run(client.close())

    def close(self) -> None:
        for client in self._clients:
            self.run(client.close())
        for http in self._http:
            if isinstance(http, httpx.AsyncClient):
                self.run(http.aclose())
            else:
                http.close()
        if self._loop is not None:
            # An interrupted `async for` leaves httpx's body generators suspended; collect
            # them while their loop can still run their finalizers (Python 3.13 complains
            # when that happens after the loop is closed).
            gc.collect()
            # Two turns: one runs the finalizer's callback, the next the aclose() it starts.
            for _ in range(2):
                self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()
