"""Models of what the video routes really return, parsed tolerantly.

The published schema does not match the wire (see the vendor notes), and every gateway
that serves these routes has its own dialect: fields move between the top level,
``detail`` and ``data``, progress comes in several forms, statuses in dozens of
spellings. The rules that read them live in their own modules (``_status``,
``_video_url``, ``_dialects``); this one assembles a :class:`VideoTask` from them.

Parsing is total: any JSON value either becomes a :class:`VideoTask` or raises
:class:`ResponseShapeError`; no ``KeyError``/``TypeError`` escapes from a surprising body.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from . import _dialects
from ._exceptions import ResponseShapeError
from ._json_readers import Path, at, first_moment, first_text, mapping, moment
from ._status import StatusWord, TaskStatus, read_status_word, report_status_word
from ._video_url import THUMBNAIL_URL_PATHS, VIDEO_URL_PATHS, search_video_url, url_at_paths

if TYPE_CHECKING:
    from datetime import datetime

# The keys of the unified format's plain task body (the official gateway's query answer).
_PLAIN_KEYS = frozenset({"id", "status", "progress", "status_update_time", "video_url"})
_PLAIN_VIDEO_URL_PATHS = (("video_url",),)

__all__ = ["TaskStatus", "VideoTask"]


@attrs.frozen(kw_only=True)
class VideoTask:
    """One snapshot of a video task, as a create or a query returned it.

    Immutable; the client builds it with `from_json` from whatever dialect the gateway
    speaks. Every field but `id` and `status` may be None, because gateways leave fields
    out freely; `raw` keeps the whole body, fields this library does not read included.
    Two snapshots are equal when their fields other than `raw` are.

    Example:
        ```python
        task = client.videos.retrieve("sora-2:task_01k9...")
        if task.succeeded:
            print(task.video_url)
        elif not task.done:
            print(task.status, task.progress)
        ```
    """

    id: str
    """The id create returned, e.g. `"sora-2:task_01k9..."`: keep it to query, wait for
    or download the task. The client keeps it as create returned it, whatever later
    queries answer (some gateways drop its `model:` prefix or report another id)."""
    status: TaskStatus
    """Where the task is, read from the gateway's own word (see `raw_status`)."""
    progress: float | None = None
    """Percent done, 0 to 100, from whichever form the gateway sends (`45`, `"45%"`, a 0-1
    fraction); None when it sends none."""
    video_url: str | None = None
    """Where to download the video, once completed. Signed and expiring (1 hour to 6 days
    depending on the gateway): download it promptly (`download()` asks for a fresh one
    when it has expired)."""
    thumbnail_url: str | None = None
    """A still image of the video, when the gateway sends one."""
    enhanced_prompt: str | None = None
    """The prompt as the provider rewrote it, when the gateway sends it."""
    failure_reason: str | None = None
    """Why the task failed or was cancelled, in the gateway's words."""
    width: int | None = None
    """The video's width in pixels, when the gateway says."""
    height: int | None = None
    """The video's height in pixels, when the gateway says."""
    updated_at: datetime | None = None
    """When the status last changed (UTC)."""
    created_at: datetime | None = None
    """When the task was created (UTC)."""
    model: str | None = None
    """The model that makes the video, from the body or the id's `model:` prefix."""
    raw_status: str | None = None
    """The status word exactly as the gateway sent it (`"SUCCESS"`, `"in_progress"`)."""
    moderation_blocked: bool = False
    """True when the provider's moderation blocked the prompt or the output."""
    # Excluded from eq/hash (dicts are unhashable) and from repr (it can be kilobytes of URLs).
    raw: Mapping[str, Any] = attrs.field(factory=lambda: MappingProxyType({}), eq=False, repr=False)
    """The whole JSON body the gateway answered with (read-only)."""

    @property
    def done(self) -> bool:
        """True once the task can no longer change: completed, failed or cancelled."""
        return self.status.is_terminal

    @property
    def succeeded(self) -> bool:
        """True when the video is ready."""
        return self.status is TaskStatus.COMPLETED

    @property
    def failed(self) -> bool:
        """True when the task ended without a video (failed or cancelled)."""
        return self.status in (TaskStatus.FAILED, TaskStatus.CANCELLED)

    @classmethod
    def from_json(
        cls, body: object, *, task_id: str | None = None, http_status: int | None = None
    ) -> VideoTask:
        """Build a task from a create or query response body, in any known dialect.

        Parsing is total: any JSON value either becomes a `VideoTask` or raises
        `ResponseShapeError`. A status word no rule reads gives `TaskStatus.UNKNOWN`
        (logged once as a WARNING), never an error.

        Args:
            body: The parsed JSON body of the response.
            task_id: The id create returned, for a query's body: it becomes `id`, whatever
                the body says (query answers may drop the id's `model:` prefix or carry
                another id altogether). Given it, the body need not carry an id.
            http_status: The response's HTTP status, shown in the error only.

        Returns:
            The task the body describes.

        Raises:
            ResponseShapeError: `body` is not an object with a string `status` and an id
                (unless `task_id` is given), or it says that no task exists (no id,
                status "error"). Nothing else is raised.

        Example:
            ```python
            task = VideoTask.from_json({"id": "sora-2:task_01", "status": "pending"})
            assert task.status is TaskStatus.PENDING
            ```
        """
        if not isinstance(body, Mapping):
            raise ResponseShapeError.for_body(
                "expected a JSON object describing a video task", body, status_code=http_status
            )
        task = _dialects.task_object(body)
        raw_status = _dialects.status_text(task)
        if raw_status is None:
            raise ResponseShapeError.for_body(
                "video task response has no 'status' string", body, status_code=http_status
            )
        if _dialects.names_no_task(task):
            # Read as a failed task, a saturated gateway's refusal would end a wait on a
            # task that is fine; it describes the request, not the task.
            raise ResponseShapeError.for_body(
                "the answer names no task (no id, status 'error')", body, status_code=http_status
            )
        resolved_id = task_id if task_id else _dialects.task_id_in(task)
        if resolved_id is None:
            raise ResponseShapeError.for_body(
                "video task response has no 'id'", body, status_code=http_status
            )

        if type(body) is dict and body.keys() <= _PLAIN_KEYS:
            return cls._from_plain(body, resolved_id, raw_status)
        return cls._from_any(body, task, resolved_id, raw_status)

    @classmethod
    def _from_plain(cls, body: dict[str, Any], task_id: str, raw_status: str) -> VideoTask:
        """`_from_any` for a body with no keys but `_PLAIN_KEYS` (a poll's common case).

        The rules that read other keys would all find nothing, so they are not run.
        """
        word = read_status_word(raw_status)
        # No nested status to advance the word's.
        status, video_url = _settled(body, word, word.status, _PLAIN_VIDEO_URL_PATHS)
        report_status_word(raw_status, word, status)
        failed = status in (TaskStatus.FAILED, TaskStatus.CANCELLED)
        return cls(
            id=task_id,
            status=status,
            progress=_dialects.progress(body, status),
            video_url=video_url,
            failure_reason=_dialects.failure_reason(body, status, None) if failed else None,
            updated_at=moment(body.get("status_update_time")),
            model=_dialects.model_name(body, task_id),
            raw_status=raw_status,
            raw=MappingProxyType(dict(body)),
        )

    @classmethod
    def _from_any(
        cls, body: Mapping[str, Any], task: Mapping[str, Any], resolved_id: str, raw_status: str
    ) -> VideoTask:
        """The task in any dialect: every rule runs."""
        word = read_status_word(raw_status)
        status, video_url = _settled(
            task, word, _dialects.advanced_status(task, word), VIDEO_URL_PATHS
        )
        report_status_word(raw_status, word, status)

        moderation = _dialects.moderation_code(task)
        width, height = _dialects.dimensions(task)
        detail = mapping(task.get("detail"))
        return cls(
            id=resolved_id,
            status=status,
            progress=_dialects.progress(task, status),
            video_url=video_url,
            thumbnail_url=url_at_paths(task, THUMBNAIL_URL_PATHS),
            enhanced_prompt=first_text(
                task.get("enhanced_prompt"), at(task, ("data", "enhanced_prompt"))
            ),
            failure_reason=_dialects.failure_reason(task, status, moderation),
            width=width,
            height=height,
            updated_at=first_moment(task.get("status_update_time"), task.get("updated_at")),
            created_at=first_moment(
                task.get("created_at"),
                detail.get("created_at"),
                at(detail, ("pending_info", "created_at")),
                at(task, ("data", "created_at")),
                task.get("submit_time"),
            ),
            model=_dialects.model_name(task, resolved_id),
            raw_status=raw_status,
            moderation_blocked=moderation is not None,
            raw=MappingProxyType(dict(body)),
        )


def _settled(
    task: Mapping[str, Any],
    word: StatusWord,
    status: TaskStatus,
    video_paths: tuple[Path, ...],
) -> tuple[TaskStatus, str | None]:
    """The status and video URL once the video is looked for.

    A completed task without a video at the known paths is searched for one; a stage word
    ("generation_completed") with no video yet means a step ended, not the task.
    """
    video_url = url_at_paths(task, video_paths, video=True)
    if video_url is None and status is TaskStatus.COMPLETED:
        video_url = search_video_url(task)
    if word.how == "stage" and video_url is None:
        status = TaskStatus.UNKNOWN
    return status, video_url
