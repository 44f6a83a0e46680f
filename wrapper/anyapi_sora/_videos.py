"""What `Videos` and `AsyncVideos` share: the requests, parsing the answers, checks.

The classes themselves live in `_videos_sync` and `_videos_async`.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

# Re-exported for both clients' generate() and download().
from ._download import check_out as check_out
from ._download_http import ready_for_download as ready_for_download
from ._exceptions import AnyAPIError, InvalidParameterError
from ._models import VideoTask

if TYPE_CHECKING:
    from anyapi_sora_api.models import CreateVideoBody


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
