"""The network half of a download: GETs of the signed URL, retried, resumed and refreshed.

`_download.DownloadState` decides what each response means; these loops only move bytes.
They take the `Videos` / `AsyncVideos` they serve, for its HTTP client, settings and
`retrieve` (a fresh signed URL comes from a fresh look at the task).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, BinaryIO

import httpx

from ._download import DownloadState, RetryBudget, nothing_to_download
from ._exceptions import AnyAPIError, make_status_error
from ._http import RequestSettings, connection_error
from ._options import NO_OPTIONS
from ._retry import is_transient

if TYPE_CHECKING:
    from ._models import VideoTask
    from ._options import CallOptions
    from ._videos_async import AsyncVideos
    from ._videos_sync import Videos

logger = logging.getLogger("anyapi_sora")


def ready_for_download(task: VideoTask) -> str | None:
    if task.succeeded and task.video_url:
        return task.video_url
    return None


def strip_query(url: str) -> str:
    # Signed URLs carry their signature in the query; keep it out of logs.
    return str(httpx.URL(url).copy_with(query=None))


def failed_attempt(
    state: DownloadState, exc: BaseException, settings: RequestSettings, budget: RetryBudget
) -> float:
    """Seconds to wait before the next download attempt, or re-raise the failure."""
    if not budget.failed(state.written) or not is_transient(exc):
        raise exc
    logger.warning(
        "downloading task %s failed at %d bytes (%s); attempt %d/%d",
        state.task_id,
        state.written,
        exc,
        budget.attempt,
        settings.retry.max_retries,
    )
    return settings.retry.delay(exc, budget.attempt)


def fetch(
    videos: Videos, state: DownloadState, file: BinaryIO, options: CallOptions = NO_OPTIONS
) -> None:
    """Fill `file` with the whole video, or raise the failure that ended the tries.

    `options`: the download call's request options (its timeout applies to the file's GETs
    too; its headers and query only to the API queries, never to the file host).
    """
    settings = videos._client._settings
    budget = RetryBudget(settings.retry.max_retries)
    while True:
        try:
            if _fetch_once(videos, state, file, options):
                return
        except AnyAPIError as exc:
            settings.clock.sleep(failed_attempt(state, exc, settings, budget))
        else:
            # Outside the try: a failed re-query (already retried by retrieve) is the
            # error to report, not a download attempt that failed.
            state.url = _fresh_url(videos, state, options)


def _fetch_once(videos: Videos, state: DownloadState, file: BinaryIO, options: CallOptions) -> bool:
    """One GET of the file; False when the signed URL has expired and needs refreshing."""
    http = videos._client._http
    logger.debug("GET %s %s", strip_query(state.url), state.request_headers().get("Range", ""))
    try:
        # No Authorization: the file host is another domain and needs no key.
        with http.stream(
            "GET",
            state.url,
            headers=state.request_headers(),
            timeout=options.timeout_or(videos._client._settings.timeout),
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


def _fresh_url(videos: Videos, state: DownloadState, options: CallOptions) -> str:
    logger.info("task %s: video URL expired; asking for a fresh one", state.task_id)
    state.url_refreshed = True
    task = videos._retrieve(state.task_id, options)
    url = ready_for_download(task)
    if url is None:
        raise nothing_to_download(task)
    return url


async def afetch(
    videos: AsyncVideos,
    state: DownloadState,
    file: BinaryIO,
    options: CallOptions = NO_OPTIONS,
) -> None:
    """`fetch`, awaited."""
    settings = videos._client._settings
    budget = RetryBudget(settings.retry.max_retries)
    while True:
        try:
            if await _afetch_once(videos, state, file, options):
                return
        except AnyAPIError as exc:
            await settings.clock.asleep(failed_attempt(state, exc, settings, budget))
        else:
            state.url = await _afresh_url(videos, state, options)


async def _afetch_once(
    videos: AsyncVideos, state: DownloadState, file: BinaryIO, options: CallOptions
) -> bool:
    http = videos._client._http
    logger.debug("GET %s %s", strip_query(state.url), state.request_headers().get("Range", ""))
    try:
        async with http.stream(
            "GET",
            state.url,
            headers=state.request_headers(),
            timeout=options.timeout_or(videos._client._settings.timeout),
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
            # Disk writes of one network read are short; a thread hop per chunk would cost
            # more than the write. (The fsync at the end does run in a thread.)
            async for chunk in response.aiter_bytes():
                file.write(chunk)
                state.wrote(len(chunk))
            state.finish()
            return True
    except httpx.RequestError as exc:
        raise connection_error(
            exc, exc.request, idempotent=True, shown=f"GET {strip_query(state.url)}"
        ) from exc


async def _afresh_url(videos: AsyncVideos, state: DownloadState, options: CallOptions) -> str:
    logger.info("task %s: video URL expired; asking for a fresh one", state.task_id)
    state.url_refreshed = True
    task = await videos._retrieve(state.task_id, options)
    url = ready_for_download(task)
    if url is None:
        raise nothing_to_download(task)
    return url
