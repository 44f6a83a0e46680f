"""`client.videos`: create, retrieve, wait, download and generate, sync and async."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import httpx

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
from ._exceptions import (
    AnyAPIError,
    InvalidParameterError,
    VideoGenerationError,
    WaitTimeoutError,
    make_status_error,
)
from ._http import RequestSettings, connection_error
from ._models import VideoTask
from ._params import CREATE_OPTIONS, build_create_body, reject_unknown_options
from ._polling import ProgressCallback, WaitState, check_wait_options
from ._retry import is_transient

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from anyapi_sora_api.models import CreateVideoBody

    from ._client import AnyAPI, AsyncAnyAPI

logger = logging.getLogger("anyapi_sora")

TaskRef = VideoTask | str
PathLike = str | os.PathLike[str]


# The generated request builders are imported on first use, not at `import anyapi_sora`:
# with the models they pull in they cost ~10 ms of start-up for every program importing us.


def create_request(body: CreateVideoBody) -> dict[str, Any]:
    """The create request, as the generated client's builder describes it."""
    from anyapi_sora_api.api.video import create_video

    return create_video._get_kwargs(body=body)


def query_request(task_id: str) -> dict[str, Any]:
    """The query request for one task, as the generated client's builder describes it."""
    from anyapi_sora_api.api.video import query_task

    return query_task._get_kwargs(id=task_id)


def task_id_of(task_or_id: object) -> str:
    if isinstance(task_or_id, VideoTask):
        return task_or_id.id
    if isinstance(task_or_id, str) and task_or_id.strip():
        return task_or_id.strip()
    raise InvalidParameterError(
        "task_id", f"expected a task id string or a VideoTask, got {task_or_id!r}"
    )


def parse_created(body: object, status: int) -> VideoTask:
    # Gap 1: the spec's create 200 schema is a chat completion; the real body is a task.
    try:
        task = VideoTask.from_json(body, http_status=status)
    except AnyAPIError as exc:
        exc.note = "the task may have been created and billed; check your recent tasks"
        raise
    logger.info("created task %s (%s)", task.id, task.status.value)
    return task


def parse_queried(body: object, status: int, task_id: str) -> VideoTask:
    # Gap 2: the query schema requires fields that pending tasks lack and misses many
    # real ones; VideoTask parses the real shapes. The id stays the one we were given.
    return VideoTask.from_json(body, task_id=task_id, http_status=status)


def check_out(out: PathLike | None) -> None:
    """Refuse a taken output file before create spends money on it."""
    if out is not None and not Path(out).is_dir():
        resolve_destination(out, "unused", overwrite=False)


@contextlib.contextmanager
def naming_the_task(task_id: str) -> Iterator[None]:
    """Make sure an error after create tells the caller which (billed) task it concerns."""
    try:
        yield
    except (VideoGenerationError, WaitTimeoutError):
        raise  # their messages already name the task
    except AnyAPIError as exc:
        hint = f"task {task_id} was created (and billed); resume with wait({task_id!r})"
        if task_id not in str(exc):
            exc.note = f"{exc.note}; {hint}" if exc.note else hint
        raise


def ready_for_download(task: VideoTask) -> str | None:
    if task.succeeded and task.video_url:
        return task.video_url
    return None


def strip_query(url: str) -> str:
    # Signed URLs carry their signature in the query; keep it out of logs.
    return str(httpx.URL(url).copy_with(query=None))


def failed_attempt(
    state: DownloadState, exc: BaseException, settings: RequestSettings, attempt: int
) -> float:
    """Seconds to wait before the next download attempt, or re-raise the failure."""
    if not is_transient(exc) or attempt > settings.retry.max_retries:
        raise exc
    logger.warning(
        "downloading task %s failed at %d bytes (%s); attempt %d/%d",
        state.task_id,
        state.written,
        exc,
        attempt,
        settings.retry.max_retries,
    )
    return settings.retry.delay(exc, attempt)


class Videos:
    """Video tasks on a synchronous `AnyAPI` client."""

    def __init__(self, client: AnyAPI) -> None:
        self._client = client

    def create(
        self,
        prompt: str,
        *,
        model: str = "sora-2",
        orientation: str = "portrait",
        size: str = "small",
        duration: int = 10,
        images: Sequence[str] = (),
        watermark: bool = True,
        private: bool = False,
        extra_body: dict[str, object] | None = None,
        **unknown: object,
    ) -> VideoTask:
        """Start a video task (billed once accepted) and return it, status pending."""
        reject_unknown_options(unknown, CREATE_OPTIONS)
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
        data, status = self._client._sender.request_json(create_request(body), idempotent=False)
        return parse_created(data, status)

    def retrieve(self, task_id: TaskRef) -> VideoTask:
        """The task's current state."""
        tid = task_id_of(task_id)
        data, status = self._client._sender.request_json(query_request(tid), idempotent=True)
        return parse_queried(data, status, tid)

    def wait(
        self,
        task_or_id: TaskRef,
        *,
        timeout: float | None = 1800.0,
        poll_interval: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> VideoTask:
        """Poll until the task completes; VideoGenerationError if it fails."""
        tid = task_id_of(task_or_id)
        check_wait_options(timeout, poll_interval)
        clock = self._client._settings.clock
        state = WaitState(tid, timeout, clock.monotonic(), poll_interval, on_progress)
        if isinstance(task_or_id, VideoTask) and (done := state.observe(task_or_id)):
            return done
        if state.last is not None:
            clock.sleep(state.next_sleep(clock.monotonic()))
        while True:
            try:
                data, status = self._client._sender.send_single(
                    query_request(tid), time_left=state.deadline - clock.monotonic()
                )
                task = parse_queried(data, status, tid)
            except AnyAPIError as exc:
                state.observe_error(exc)
            else:
                if done := state.observe(task):
                    return done
            clock.sleep(state.next_sleep(clock.monotonic()))

    def download(
        self,
        task_or_id: TaskRef,
        dest: PathLike,
        *,
        overwrite: bool = False,
        on_progress: DownloadProgress | None = None,
    ) -> Path:
        """Save the task's video to `dest` (a file, or a folder to name it in)."""
        tid = task_id_of(task_or_id)
        target = resolve_destination(dest, tid, overwrite=overwrite)
        task = task_or_id if isinstance(task_or_id, VideoTask) else None
        if task is None or not ready_for_download(task):
            task = self.retrieve(tid)
        url = ready_for_download(task)
        if url is None:
            raise nothing_to_download(task)
        state = DownloadState(tid, url, on_progress)
        file, temp = open_temp_beside(target)
        try:
            self._fetch(state, file)
            commit(file, temp, target, overwrite=overwrite)
        except BaseException as exc:
            discard(file, temp)
            add_resume_note(exc, tid)
            raise
        logger.info("task %s: saved %d bytes to %s", tid, state.written, target)
        return target

    def _fetch(self, state: DownloadState, file: BinaryIO) -> None:
        settings = self._client._settings
        attempt = 0
        while True:
            try:
                if self._fetch_once(state, file):
                    return
            except AnyAPIError as exc:
                attempt += 1
                settings.clock.sleep(failed_attempt(state, exc, settings, attempt))
            else:
                # Outside the try: a failed re-query (already retried by retrieve) is the
                # error to report, not a download attempt that failed.
                state.url = self._fresh_url(state)

    def _fetch_once(self, state: DownloadState, file: BinaryIO) -> bool:
        """One GET of the file; False when the signed URL has expired and needs refreshing."""
        http = self._client._http
        logger.debug("GET %s %s", strip_query(state.url), state.request_headers().get("Range", ""))
        try:
            # No Authorization: the file host is another domain and needs no key.
            with http.stream(
                "GET",
                state.url,
                headers=state.request_headers(),
                timeout=self._client._settings.timeout,
                follow_redirects=True,
            ) as response:
                logger.debug(
                    "GET %s -> %d %s",
                    strip_query(state.url),
                    response.status_code,
                    response.reason_phrase,
                )
                if state.is_expired_url(response):
                    return False
                if not response.is_success:
                    response.read()
                    raise make_status_error(response)
                state.start(response, file)
                # Chunks as they arrive: a dropped connection loses nothing already received,
                # and memory stays at one network read.
                for chunk in response.iter_bytes():
                    file.write(chunk)
                    state.wrote(len(chunk))
                state.finish()
                return True
        except httpx.RequestError as exc:
            raise connection_error(
                exc, exc.request, idempotent=True, shown=f"GET {strip_query(state.url)}"
            ) from exc

    def _fresh_url(self, state: DownloadState) -> str:
        logger.info("task %s: video URL expired; asking for a fresh one", state.task_id)
        state.url_refreshed = True
        task = self.retrieve(state.task_id)
        url = ready_for_download(task)
        if url is None:
            raise nothing_to_download(task)
        return url

    def generate(
        self,
        prompt: str,
        *,
        out: PathLike | None = None,
        timeout: float | None = 1800.0,
        poll_interval: float | None = None,
        on_progress: ProgressCallback | None = None,
        **create_options: object,
    ) -> VideoTask:
        """create + wait (+ download to `out`, a file or a folder) in one call."""
        check_wait_options(timeout, poll_interval)
        check_out(out)
        task = self.create(prompt, **create_options)  # type: ignore[arg-type]
        with naming_the_task(task.id):
            task = self.wait(
                task, timeout=timeout, poll_interval=poll_interval, on_progress=on_progress
            )
            if out is not None:
                self.download(task, out)
        return task


class AsyncVideos:
    """Video tasks on an `AsyncAnyAPI` client; the same methods as `Videos`, awaited."""

    def __init__(self, client: AsyncAnyAPI) -> None:
        self._client = client

    async def create(
        self,
        prompt: str,
        *,
        model: str = "sora-2",
        orientation: str = "portrait",
        size: str = "small",
        duration: int = 10,
        images: Sequence[str] = (),
        watermark: bool = True,
        private: bool = False,
        extra_body: dict[str, object] | None = None,
        **unknown: object,
    ) -> VideoTask:
        """Start a video task (billed once accepted) and return it, status pending."""
        reject_unknown_options(unknown, CREATE_OPTIONS)
        # Gap 6: see Videos.create.
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
        data, status = await self._client._sender.request_json(
            create_request(body), idempotent=False
        )
        return parse_created(data, status)

    async def retrieve(self, task_id: TaskRef) -> VideoTask:
        """The task's current state."""
        tid = task_id_of(task_id)
        data, status = await self._client._sender.request_json(query_request(tid), idempotent=True)
        return parse_queried(data, status, tid)

    async def wait(
        self,
        task_or_id: TaskRef,
        *,
        timeout: float | None = 1800.0,
        poll_interval: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> VideoTask:
        """Poll until the task completes; VideoGenerationError if it fails."""
        tid = task_id_of(task_or_id)
        check_wait_options(timeout, poll_interval)
        clock = self._client._settings.clock
        state = WaitState(tid, timeout, clock.monotonic(), poll_interval, on_progress)
        if isinstance(task_or_id, VideoTask) and (done := state.observe(task_or_id)):
            return done
        if state.last is not None:
            await clock.asleep(state.next_sleep(clock.monotonic()))
        while True:
            try:
                data, status = await self._client._sender.send_single(
                    query_request(tid), time_left=state.deadline - clock.monotonic()
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
    ) -> Path:
        """Save the task's video to `dest` (a file, or a folder to name it in)."""
        tid = task_id_of(task_or_id)
        target = resolve_destination(dest, tid, overwrite=overwrite)
        task = task_or_id if isinstance(task_or_id, VideoTask) else None
        if task is None or not ready_for_download(task):
            task = await self.retrieve(tid)
        url = ready_for_download(task)
        if url is None:
            raise nothing_to_download(task)
        state = DownloadState(tid, url, on_progress)
        file, temp = open_temp_beside(target)
        try:
            await self._fetch(state, file)
            commit(file, temp, target, overwrite=overwrite)
        except BaseException as exc:
            discard(file, temp)
            add_resume_note(exc, tid)
            raise
        logger.info("task %s: saved %d bytes to %s", tid, state.written, target)
        return target

    async def _fetch(self, state: DownloadState, file: BinaryIO) -> None:
        settings = self._client._settings
        attempt = 0
        while True:
            try:
                if await self._fetch_once(state, file):
                    return
            except AnyAPIError as exc:
                attempt += 1
                await settings.clock.asleep(failed_attempt(state, exc, settings, attempt))
            else:
                # Outside the try: a failed re-query (already retried by retrieve) is the
                # error to report, not a download attempt that failed.
                state.url = await self._fresh_url(state)

    async def _fetch_once(self, state: DownloadState, file: BinaryIO) -> bool:
        """One GET of the file; False when the signed URL has expired and needs refreshing."""
        http = self._client._http
        logger.debug("GET %s %s", strip_query(state.url), state.request_headers().get("Range", ""))
        try:
            # No Authorization: the file host is another domain and needs no key.
            async with http.stream(
                "GET",
                state.url,
                headers=state.request_headers(),
                timeout=self._client._settings.timeout,
                follow_redirects=True,
            ) as response:
                logger.debug(
                    "GET %s -> %d %s",
                    strip_query(state.url),
                    response.status_code,
                    response.reason_phrase,
                )
                if state.is_expired_url(response):
                    return False
                if not response.is_success:
                    await response.aread()
                    raise make_status_error(response)
                state.start(response, file)
                # As in Videos._fetch_once. Disk writes of one network read are short; a
                # thread hop per chunk would cost more than the write.
                async for chunk in response.aiter_bytes():
                    file.write(chunk)
                    state.wrote(len(chunk))
                state.finish()
                return True
        except httpx.RequestError as exc:
            raise connection_error(
                exc, exc.request, idempotent=True, shown=f"GET {strip_query(state.url)}"
            ) from exc

    async def _fresh_url(self, state: DownloadState) -> str:
        logger.info("task %s: video URL expired; asking for a fresh one", state.task_id)
        state.url_refreshed = True
        task = await self.retrieve(state.task_id)
        url = ready_for_download(task)
        if url is None:
            raise nothing_to_download(task)
        return url

    async def generate(
        self,
        prompt: str,
        *,
        out: PathLike | None = None,
        timeout: float | None = 1800.0,
        poll_interval: float | None = None,
        on_progress: ProgressCallback | None = None,
        **create_options: object,
    ) -> VideoTask:
        """create + wait (+ download to `out`, a file or a folder) in one call."""
        check_wait_options(timeout, poll_interval)
        check_out(out)
        task = await self.create(prompt, **create_options)  # type: ignore[arg-type]
        with naming_the_task(task.id):
            task = await self.wait(
                task, timeout=timeout, poll_interval=poll_interval, on_progress=on_progress
            )
            if out is not None:
                await self.download(task, out)
        return task
