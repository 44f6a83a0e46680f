"""`client.videos` on `AsyncAnyAPI`: the methods of `Videos`, awaited."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from ._download import (
    DownloadProgress,
    DownloadState,
    add_resume_note,
    commit,
    discard,
    nothing_to_download,
    open_temp_beside,
    resolve_destination,
)
from ._download_http import afetch
from ._exceptions import AnyAPIError
from ._http import longest_wait
from ._models import VideoTask
from ._notes import naming_the_task
from ._options import (
    REQUEST_OPTIONS,
    CallOptions,
    call_options,
    refuse_a_timeout,
    refuse_unknown,
)
from ._pacer import PollPacing
from ._params import CREATE_OPTIONS, build_create_body, reject_unknown_options
from ._polling import ProgressCallback, WaitState, check_wait_options
from ._types import (
    DEFAULT_DURATION,
    DEFAULT_MODEL,
    DEFAULT_ORIENTATION,
    DEFAULT_SIZE,
    DEFAULT_WAIT_TIMEOUT,
    Headers,
    Orientation,
    Query,
    RequestTimeout,
)
from ._videos import (
    PathLike,
    TaskRef,
    check_out,
    create_request,
    parse_created,
    parse_queried,
    query_request,
    ready_for_download,
    task_id_of,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from typing_extensions import Never

    from ._client import AsyncAnyAPI
    from ._inflight import SendTracker

logger = logging.getLogger("anyapi_sora")


class AsyncVideos:
    """Video tasks on an `AsyncAnyAPI` client; the same methods as `Videos`, awaited."""

    def __init__(self, client: AsyncAnyAPI) -> None:
        self._client = client

    async def create(
        self,
        prompt: str,
        *,
        model: str = DEFAULT_MODEL,
        orientation: Orientation = DEFAULT_ORIENTATION,
        size: str = DEFAULT_SIZE,
        duration: int = DEFAULT_DURATION,
        images: Sequence[str] = (),
        watermark: bool = True,
        private: bool = False,
        extra_body: Mapping[str, object] | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        request_timeout: RequestTimeout | None = None,
        **unknown: Never,
    ) -> VideoTask:
        """Start a video task (billed once the gateway accepts it); it comes back pending.

        `model`: "sora-2" (size "small", about 720p; 10 s, 15 s on some gateways) or
        "sora-2-pro" (size "large", 1080p; 15 or 25 s); gateways add others ("sora-2-all",
        veo...), sent as given. `orientation`: "portrait" or "landscape". `size`: "small"
        or "large". `images`: reference image URLs. `extra_body`: fields this library does
        not know, sent as they are. `extra_headers` / `extra_query`: added to this request
        (`Authorization` is refused: the key comes from `api_key`). `request_timeout`: this
        request's timeout, instead of the client's.

        Cancelled after its request left, the request goes on to its answer (in the
        background under asyncio; under trio the cancellation waits for it): the task it
        makes is logged and lands in `client.orphaned_tasks` (see `AsyncAnyAPI`).
        """
        refuse_a_timeout("create", unknown)
        reject_unknown_options(unknown, CREATE_OPTIONS + REQUEST_OPTIONS)
        options = call_options(request_timeout, extra_headers, extra_query)
        # Gap 6: the body is not marked required, but the gateway needs every field, so
        # we always send all of them with the vendor's documented defaults.
        body = build_create_body(
            prompt,
            model=model,
            orientation=orientation,
            size=size,
            duration=duration,
            images=images,
            watermark=watermark,
            private=private,
            extra_body=extra_body,
        )
        sender = self._client._sender

        async def send(tracker: SendTracker) -> VideoTask:
            task = None
            try:
                data, status = await sender.request_json(
                    create_request(body), idempotent=False, tracker=tracker, options=options
                )
                task = parse_created(data, status)
                return task
            finally:
                sender.settle_create(tracker, task)

        timeout = options.timeout_or(self._client._settings.timeout)
        return await self._client._creates.run(send, bound=longest_wait(timeout))

    async def retrieve(
        self,
        task_id: TaskRef,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        request_timeout: RequestTimeout | None = None,
        **unknown: Never,
    ) -> VideoTask:
        """The task's current state. The request options are create()'s."""
        tid = task_id_of(task_id)
        refuse_unknown("retrieve", unknown, REQUEST_OPTIONS)
        return await self._retrieve(tid, call_options(request_timeout, extra_headers, extra_query))

    async def _retrieve(self, tid: str, options: CallOptions) -> VideoTask:
        data, status = await self._client._sender.request_json(
            query_request(tid), idempotent=True, options=options
        )
        return parse_queried(data, status, tid)

    async def wait(
        self,
        task_or_id: TaskRef,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        on_progress: ProgressCallback | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        request_timeout: RequestTimeout | None = None,
    ) -> VideoTask:
        """Poll until the task completes; VideoGenerationError if it fails.

        `timeout` is the deadline of the whole call, requests included; WaitTimeoutError
        then (the task runs on). `request_timeout` bounds each poll (cut shorter near the
        deadline); the other request options are create()'s, applied to every poll.
        """
        tid = task_id_of(task_or_id)
        check_wait_options(timeout, poll_interval)
        options = call_options(request_timeout, extra_headers, extra_query)
        clock = self._client._settings.clock
        state = WaitState(tid, timeout, clock.monotonic(), poll_interval, on_progress)
        if isinstance(task_or_id, VideoTask) and (done := state.observe(task_or_id)):
            return done
        with PollPacing(self._client._sender.pacer, tid, poll_interval) as pacing:
            if state.last is not None:
                await clock.asleep(state.next_sleep(clock.monotonic()))
            while True:
                if (turn := pacing.turn(state, clock.monotonic())) > 0:
                    await clock.asleep(turn)
                try:
                    data, status = await self._client._sender.send_single(
                        query_request(tid), deadline=state.deadline, options=options
                    )
                    task = parse_queried(data, status, tid)
                except AnyAPIError as exc:
                    state.observe_error(exc)
                else:
                    if done := state.observe(task):
                        return done
                await clock.asleep(state.next_sleep(clock.monotonic()))

    async def download(
        self,
        task_or_id: TaskRef,
        dest: PathLike,
        *,
        overwrite: bool = False,
        on_progress: DownloadProgress | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        request_timeout: RequestTimeout | None = None,
        **unknown: Never,
    ) -> Path:
        """Save the task's video to `dest` (a file, or a folder to name it in).

        `request_timeout` bounds each request, the file's included (httpx times each read,
        so a long download that keeps arriving is never cut off). `extra_headers` and
        `extra_query` go on the API queries it makes (for a task not yet known complete,
        or an expired URL), not to the file host.
        """
        tid = task_id_of(task_or_id)
        refuse_unknown("download", unknown, ("overwrite", "on_progress", *REQUEST_OPTIONS))
        options = call_options(request_timeout, extra_headers, extra_query)
        target = resolve_destination(dest, tid, overwrite=overwrite)
        task = task_or_id if isinstance(task_or_id, VideoTask) else None
        if task is None or not ready_for_download(task):
            task = await self._retrieve(tid, options)
        url = ready_for_download(task)
        if url is None:
            raise nothing_to_download(task)
        state = DownloadState(tid, url, on_progress)
        file, temp = open_temp_beside(target)
        try:
            await afetch(self, state, file, options)
            # fsync and rename off the event loop: fsync of a large file takes a while.
            # anyio, not asyncio: it comes with httpx and works under trio too.
            import anyio.to_thread

            await anyio.to_thread.run_sync(partial(commit, file, temp, target, overwrite=overwrite))
        except BaseException as exc:
            discard(file, temp)
            add_resume_note(exc, tid)
            raise
        logger.info("task %s: saved %d bytes to %s", tid, state.written, target)
        return target

    async def generate(
        self,
        prompt: str,
        *,
        model: str = DEFAULT_MODEL,
        orientation: Orientation = DEFAULT_ORIENTATION,
        size: str = DEFAULT_SIZE,
        duration: int = DEFAULT_DURATION,
        images: Sequence[str] = (),
        watermark: bool = True,
        private: bool = False,
        extra_body: Mapping[str, object] | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        request_timeout: RequestTimeout | None = None,
        out: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        on_progress: ProgressCallback | None = None,
        **unknown: Never,
    ) -> VideoTask:
        """create + wait (+ download to `out`, a file or a folder) in one call.

        The create and request options are create()'s; the request options apply to every
        request of the call, and `timeout` is wait()'s deadline. Once the task exists, any
        exception leaving this call names it and the call that resumes it (in the message
        of this library's errors, in a note on any other exception).
        """
        check_wait_options(timeout, poll_interval)
        check_out(out)
        task = await self.create(
            prompt,
            model=model,
            orientation=orientation,
            size=size,
            duration=duration,
            images=images,
            watermark=watermark,
            private=private,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            request_timeout=request_timeout,
            **unknown,
        )
        with naming_the_task(task.id, out) as created:
            task = await self.wait(
                task,
                timeout=timeout,
                poll_interval=poll_interval,
                on_progress=on_progress,
                extra_headers=extra_headers,
                extra_query=extra_query,
                request_timeout=request_timeout,
            )
            if out is not None:
                created.downloading = True
                await self.download(
                    task,
                    out,
                    extra_headers=extra_headers,
                    extra_query=extra_query,
                    request_timeout=request_timeout,
                )
        return task
