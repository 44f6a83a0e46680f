"""`client.videos` on the synchronous `AnyAPI`: create, retrieve, wait, download, generate."""

from __future__ import annotations

import logging
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
from ._download_http import fetch
from ._exceptions import AnyAPIError
from ._inflight import run_sync_create
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

    from ._client import AnyAPI
    from ._inflight import SendTracker

logger = logging.getLogger("anyapi_sora")


class Videos:
    """Video tasks on a synchronous `AnyAPI` client, reached as `client.videos`.

    `generate()` goes from a prompt to a saved video in one call; `create()`, `wait()`,
    `download()` and `retrieve()` are its steps, for callers who keep the task id
    themselves. Every method takes the request options `extra_headers`, `extra_query`
    and `request_timeout`, which apply to that call only.
    """

    def __init__(self, client: AnyAPI) -> None:
        """Made by the client itself, as `client.videos`.

        Args:
            client: The client whose settings and connections the calls use.
        """
        self._client = client

    def create(
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
        """Start a video task; the gateway bills it once it accepts the request.

        Every argument is checked before the request, so bad input raises
        `InvalidParameterError` and costs nothing. The task comes back pending: follow it
        with `wait()`, or use `generate()` for every step in one call. Keep its `id`: it
        is how the task is found again, and the library keeps it exactly as create
        returned it, whatever later queries answer.

        A create interrupted by `KeyboardInterrupt` or `SystemExit` after its request left
        carries a note (and logs a WARNING) saying that a task may have been created and
        billed, and when the request was sent: check the gateway's recent tasks before
        creating it again.

        Args:
            prompt: What the video shows: a non-empty string.
            model: The model, "sora-2" by default. Documented: "sora-2" (size "small",
                about 720p) and "sora-2-pro" (size "large", 1080p); gateways add their own
                ("sora-2-all", "veo3", ...), sent as given with one WARNING naming the
                documented ones.
            orientation: "portrait" (the default) or "landscape".
            size: "small" (the default) or "large"; another value your gateway takes
                ("medium", "1280x720") is sent as given, with one WARNING.
            duration: Seconds of video (default 10), a positive whole number. Which
                durations a model takes is the gateway's call (sora-2: 10, and 15 on some
                gateways; sora-2-pro: 15 or 25).
            images: Reference images: http(s) URLs or `data:image/...` URLs, in a list.
            watermark: True (the default) prefers a video without a watermark and falls back to
                one; False forces none, which the provider may retry for a long time.
            private: True keeps the video unpublished, and it cannot be remixed.
            extra_body: Body fields this library does not know (`style`, `storyboard`,
                `character_url`, ...), sent as they are. They must be JSON values, and may not
                repeat a named argument.
            extra_headers: Headers for this request, on top of the client's (`Authorization` is
                refused: the key comes from `api_key`).
            extra_query: Query parameters for this request, on top of the client's (`id` is
                refused).
            request_timeout: The request timeout of this request, instead of the client's
                `timeout`: seconds or an `httpx.Timeout`.

        Returns:
            The new task, usually pending, with the `id` to keep.

        Raises:
            InvalidParameterError: A bad argument, or one this method does not know
                (pass such body fields in `extra_body`); nothing was sent.
            BadRequestError: The gateway refused the request (400); with code
                `sentinel_block` the prompt was refused, and nothing was billed.
            AuthenticationError: The key was refused (401).
            PermissionDeniedError: Not allowed (403): on AnyAPI, usually no quota left.
            RateLimitError: Still rate limited (429) after `max_retries` retries; nothing
                was created. `TaskNotCreatedError`, a subclass, when the answer named no
                task.
            InternalServerError: A 5xx. Not retried, since the gateway may have started
                (and billed) the task; the error's note says so.
            APITimeoutError: The request timed out. When it may have reached the gateway
                it is not retried, and its note says a task may have been billed; one
                that never connected is retried and billed nothing.
            APIConnectionError: The connection failed or dropped, with the same rule as
                `APITimeoutError`.
            ResponseShapeError: A 2xx answer that is not a task; the task may have been
                created and billed (the note says so).
            APIStatusError: Any other non-2xx answer.
            ClientClosedError: The client, or the `http_client` given to it, is closed.

        Example:
            ```python
            task = client.videos.create(
                "a corgi surfing", model="sora-2", duration=10, extra_body={"style": "anime"}
            )
            save_somewhere(task.id)  # "sora-2:task_01k9...": the task is billed
            ```
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

        def send(tracker: SendTracker) -> VideoTask:
            task = None
            try:
                data, status = sender.request_json(
                    create_request(body), idempotent=False, tracker=tracker, options=options
                )
                task = parse_created(data, status)
                return task
            finally:
                sender.settle_create(tracker, task)

        return run_sync_create(send)

    def retrieve(
        self,
        task_id: TaskRef,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        request_timeout: RequestTimeout | None = None,
        **unknown: Never,
    ) -> VideoTask:
        """Return the task's current state: one query, no waiting.

        Failed queries that may succeed on a second try (connection errors, timeouts,
        429, 5xx) are retried up to the client's `max_retries` times. The returned task
        keeps the id given here, even when the gateway answers with another one.

        Args:
            task_id: The task, or its id as create returned it.
            extra_headers: Headers for this request, on top of the client's (`Authorization` is
                refused: the key comes from `api_key`).
            extra_query: Query parameters for this request, on top of the client's (`id` is
                refused).
            request_timeout: The request timeout of this request, instead of the client's
                `timeout`: seconds or an `httpx.Timeout`.

        Returns:
            A fresh snapshot of the task (check `status`, `progress`, `video_url`).

        Raises:
            InvalidParameterError: `task_id` is neither a non-empty string nor a
                `VideoTask`, or a request option is bad; nothing was sent.
            BadRequestError: The gateway refused the query (400); code `task_not_exist`
                for an id it does not know.
            AuthenticationError: The key was refused (401).
            PermissionDeniedError: Not allowed (403).
            NotFoundError: 404, often a base URL ending in `/v1`.
            RateLimitError: Still rate limited after the retries.
            InternalServerError: Still a 5xx after the retries.
            APIConnectionError: Still no answer after the retries (`APITimeoutError`
                when it timed out).
            ResponseShapeError: A 2xx answer that is not a task.
            APIStatusError: Any other non-2xx answer.
            ClientClosedError: The client, or the `http_client` given to it, is closed.
        """
        tid = task_id_of(task_id)
        refuse_unknown("retrieve", unknown, REQUEST_OPTIONS)
        return self._retrieve(tid, call_options(request_timeout, extra_headers, extra_query))

    def _retrieve(self, tid: str, options: CallOptions) -> VideoTask:
        data, status = self._client._sender.request_json(
            query_request(tid), idempotent=True, options=options
        )
        return parse_queried(data, status, tid)

    def wait(
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
        """Poll the task until it completes, and return it.

        Given an id, the first poll is made at once. After the first state seen (the
        task passed in, or the first answer) the next poll comes about 5 s later, then
        about every 10 s with jitter (sooner, once, when the task's progress says it
        ends sooner), or every `poll_interval` seconds. A poll that
        fails for a reason that may pass (a connection error, a timeout, 429, 5xx, a
        garbled body) is logged as a WARNING and polling goes on after a backoff (1-2 s,
        doubling up to the normal interval; a `Retry-After` up to 60 s sets the pace
        instead). Given a task that is already complete, it returns that task without a
        request.

        Args:
            task_or_id: The task, or its id as create returned it.
            timeout: The deadline of the whole wait in seconds (default 1800): polls,
                sleeps and slow response bodies included, by the client's clock. Each
                poll's request timeout is cut to the time left. None waits for as long as
                it takes. This is not the request timeout (`request_timeout`, or the
                client's `timeout`).
            poll_interval: Seconds between polls, instead of the defaults. A failed
                poll is still followed by the backoff, however small this is.
            on_progress: Called with the task at the first state seen, then whenever its
                status or progress changes. An exception it raises ends the wait.
            extra_headers: Headers for every poll, on top of the client's (`Authorization` is
                refused: the key comes from `api_key`).
            extra_query: Query parameters for every poll, on top of the client's (`id` is
                refused).
            request_timeout: The request timeout of each poll, instead of the client's
                `timeout`: seconds or an `httpx.Timeout`. It is cut shorter near the deadline.

        Returns:
            The completed task, with its `video_url`.

        Raises:
            VideoGenerationError: The task failed or was cancelled (`.reason` says why);
                a failed task is not resumable.
            WaitTimeoutError: The deadline passed; the task keeps running on the server
                (`.task` is the last state seen): call `wait()` again to resume.
            InvalidParameterError: A bad `timeout`, `poll_interval`, task id or request
                option; nothing was sent.
            APIStatusError: A poll answered with an error that will not pass by
                polling: `AuthenticationError`, `PermissionDeniedError`,
                `BadRequestError` (such as `task_not_exist`), `NotFoundError` or another
                4xx. The task, if it exists, keeps running.
            ClientClosedError: The client, or the `http_client` given to it, is closed.

        Example:
            ```python
            task = client.videos.wait(task.id, timeout=900, request_timeout=20)
            ```
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
                clock.sleep(state.next_sleep(clock.monotonic()))
            while True:
                if (turn := pacing.turn(state, clock.monotonic())) > 0:
                    clock.sleep(turn)
                try:
                    data, status = self._client._sender.send_single(
                        query_request(tid), deadline=state.deadline, options=options
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
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        request_timeout: RequestTimeout | None = None,
        **unknown: Never,
    ) -> Path:
        """Save the task's video to a file, and return its path.

        When the task passed in is not known to be complete with a video URL, it is
        queried first; a task still running is not waited for (see `wait()`). The video
        is streamed to a temporary file beside the target, and renamed into place only
        when its length checks out, so a half-written file is never left behind. After a
        dropped connection it resumes with `Range` (or starts over); when the signed URL
        has expired (403, 404 or 410) it asks the task for a fresh one, once. A try that
        got further into the file renews the `max_retries` budget (at most 100 failed
        tries in all). Whatever fails, the temporary file is removed and the first error
        raised.

        Args:
            task_or_id: The task, or its id as create returned it.
            dest: The file to write, or a folder to name it in after the task id: an
                existing folder, or any path ending in `/` (made if missing).
            overwrite: Replace an existing regular file at the target. Something that is
                not a regular file (a FIFO, a device) is never replaced.
            on_progress: Called as `on_progress(written, total)` after each chunk:
                bytes written so far, and the file's size when the host announced it
                (else None).
            extra_headers: Headers for the API queries this call makes (never the file host,
                whose signed URL is fetched as given), on top of the client's (`Authorization`
                is refused: the key comes from `api_key`).
            extra_query: Query parameters for the API queries this call makes (never the file
                host, whose signed URL is fetched as given), on top of the client's (`id` is
                refused).
            request_timeout: The request timeout of each request, the file's included (httpx
                times each network read, so a large file that keeps arriving is never cut off),
                instead of the client's `timeout`: seconds or an `httpx.Timeout`.

        Returns:
            The path of the saved file.

        Raises:
            FileExistsError: A file is at the target and `overwrite` is false, or
                something other than a regular file is there.
            IsADirectoryError: The target is a folder (a file name was expected).
            NotADirectoryError: A part of the path is a file.
            PermissionError: The folder is not writable.
            OSError: Writing failed (a full disk, ...).
            VideoGenerationError: The task failed or was cancelled: there is no video.
            AnyAPIError: The task has no video yet (still running), or is complete but
                the gateway sent no video URL.
            APIStatusError: The file host or the API answered with an error that was not
                retried away; its note says how to download again.
            APIConnectionError: The download kept failing (a connection error, a
                timeout, a body cut short) until the retries ran out; the note says how
                to download again.
            InvalidParameterError: A bad task id or request option.
            ClientClosedError: The client, or the `http_client` given to it, is closed.

        Example:
            ```python
            path = client.videos.download(task, "videos/", request_timeout=300)
            ```
        """
        tid = task_id_of(task_or_id)
        refuse_unknown("download", unknown, ("overwrite", "on_progress", *REQUEST_OPTIONS))
        options = call_options(request_timeout, extra_headers, extra_query)
        target = resolve_destination(dest, tid, overwrite=overwrite)
        task = task_or_id if isinstance(task_or_id, VideoTask) else None
        if task is None or not ready_for_download(task):
            task = self._retrieve(tid, options)
        url = ready_for_download(task)
        if url is None:
            raise nothing_to_download(task)
        state = DownloadState(tid, url, on_progress)
        file, temp = open_temp_beside(target)
        try:
            fetch(self, state, file, options)
            commit(file, temp, target, overwrite=overwrite)
        except BaseException as exc:
            discard(file, temp)
            add_resume_note(exc, tid)
            raise
        logger.info("task %s: saved %d bytes to %s", tid, state.written, target)
        return target

    def generate(
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
        """Create a video task, wait for it, and save the video: a prompt to an MP4 in one call.

        `create()`, then `wait()`, then `download()` when `out` is given. Everything that
        can be checked before the (billed) create is: the arguments, and `out` (a
        writable folder, nothing in the way; a trailing `/` for a folder to be made).
        Once the task exists, any exception leaving this call names it and the call that
        resumes it: in the message of this library's errors, and in a note on any other
        exception (a bug in `on_progress`, `KeyboardInterrupt`, a full disk), also
        logged as a WARNING since Python 3.10 prints no notes.

        Args:
            prompt: What the video shows: a non-empty string.
            model: The model, "sora-2" by default. Documented: "sora-2" (size "small",
                about 720p) and "sora-2-pro" (size "large", 1080p); gateways add their own
                ("sora-2-all", "veo3", ...), sent as given with one WARNING naming the
                documented ones.
            orientation: "portrait" (the default) or "landscape".
            size: "small" (the default) or "large"; another value your gateway takes
                ("medium", "1280x720") is sent as given, with one WARNING.
            duration: Seconds of video (default 10), a positive whole number. Which
                durations a model takes is the gateway's call (sora-2: 10, and 15 on some
                gateways; sora-2-pro: 15 or 25).
            images: Reference images: http(s) URLs or `data:image/...` URLs, in a list.
            watermark: True (the default) prefers a video without a watermark and falls back to
                one; False forces none, which the provider may retry for a long time.
            private: True keeps the video unpublished, and it cannot be remixed.
            extra_body: Body fields this library does not know (`style`, `storyboard`,
                `character_url`, ...), sent as they are. They must be JSON values, and may not
                repeat a named argument.
            extra_headers: Headers for every request of the call, on top of the client's
                (`Authorization` is refused: the key comes from `api_key`).
            extra_query: Query parameters for every request of the call, on top of the client's
                (`id` is refused).
            request_timeout: The request timeout of each request of the call, instead of the
                client's `timeout`: seconds or an `httpx.Timeout`.
            out: Where to save the video: a file, or a folder to name it in after the task
                id. None (the default) saves nothing; the task's `video_url` expires, so
                download it promptly.
            timeout: The deadline of the wait in seconds (default 1800), as in `wait()`;
                not a request timeout.
            poll_interval: Seconds between polls, as in `wait()`.
            on_progress: Called with the task whenever its status or progress changes,
                as in `wait()`.

        Returns:
            The completed task.

        Raises:
            InvalidParameterError: A bad argument, caught before the create: nothing was
                billed.
            OSError: `out` cannot take the video (`FileExistsError`, `NotADirectoryError`,
                `PermissionError`, ...), caught before the create; or saving failed.
            VideoGenerationError: The task failed or was cancelled.
            WaitTimeoutError: The deadline passed; the task keeps running (resume with
                `wait()`, then `download()`).
            AnyAPIError: Any error of `create()`, `wait()` or `download()`: see those.

        Example:
            ```python
            task = client.videos.generate(
                "a corgi surfing at sunset",
                orientation="landscape",
                out="videos/",
                on_progress=lambda t: print(t.status, t.progress),
            )
            ```
        """
        check_wait_options(timeout, poll_interval)
        check_out(out)
        task = self.create(
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
            task = self.wait(
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
                self.download(
                    task,
                    out,
                    extra_headers=extra_headers,
                    extra_query=extra_query,
                    request_timeout=request_timeout,
                )
        return task
