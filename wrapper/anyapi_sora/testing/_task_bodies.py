"""Query response bodies in the shapes real gateways send (see tests/fixtures/query-*.json)."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._tasks import MockTask, TaskState


class ResponseStyle(enum.Enum):
    """Which gateway's query body shape to mimic."""

    MIXED = "mixed"
    """Rotate through the others task by task, so one test run meets every shape."""
    MINIMAL = "minimal"
    """Few fields; `progress` a number; `video_url: null` until done."""
    DETAIL = "detail"
    """Adds `detail.pending_info` (with `progress_pct` 0..1) and `detail.draft_info`."""
    OPENAI = "openai"
    """OpenAI-like: `object`, `model`, `created_at` in seconds, `progress` as a string."""


_ROTATION = (ResponseStyle.MINIMAL, ResponseStyle.DETAIL, ResponseStyle.OPENAI)


def style_for(task: MockTask, style: ResponseStyle) -> ResponseStyle:
    return _ROTATION[task.index % len(_ROTATION)] if style is ResponseStyle.MIXED else style


@dataclass(frozen=True, slots=True)
class FileUrls:
    video: str
    thumbnail: str


def enhanced_prompt(task: MockTask) -> str:
    return f"{task.prompt.rstrip('.')}. Cinematic lighting, smooth camera motion."


def render_query(
    task: MockTask,
    state: TaskState,
    *,
    style: ResponseStyle,
    to_unix: Callable[[float], float],
    urls: FileUrls | None,
) -> dict[str, Any]:
    """The query body for `task` in `state`; `urls` are needed once it has completed."""
    style = style_for(task, style)
    body: dict[str, Any] = {"id": task.id, "status": state.status}
    if style is ResponseStyle.OPENAI:
        body |= {
            "object": "video",
            "model": task.model,
            "created_at": int(to_unix(task.created_at)),
            "size": task.size,
        }
    body["status_update_time"] = int(to_unix(state.changed_at) * 1000)

    if state.status == "failed":
        body["detail"] = _failed_detail(task)
        if style is ResponseStyle.OPENAI:
            body["error"] = {"code": "moderation_blocked", "message": task.failure_reason}
        return body

    progress: int | str = str(state.progress) if style is ResponseStyle.OPENAI else state.progress
    body["progress"] = progress
    if state.status == "completed":
        if urls is None:
            raise ValueError("a completed task needs file urls")
        body |= {
            "width": task.width,
            "height": task.height,
            "video_url": urls.video,
            "thumbnail_url": urls.thumbnail,
            "enhanced_prompt": enhanced_prompt(task),
        }
        detail: dict[str, Any] = {
            "id": task.upstream_id,
            "status": "completed",
            "url": urls.video,
            "thumbnail_url": urls.thumbnail,
        }
        if style is ResponseStyle.DETAIL:
            detail["input"] = _input(task)
            detail["draft_info"] = _draft_info(task, urls, to_unix)
        body["detail"] = detail
        return body

    if style is ResponseStyle.MINIMAL:
        body |= {"video_url": None, "enhanced_prompt": ""}
    elif style is ResponseStyle.DETAIL:
        body["detail"] = {
            "id": task.upstream_id,
            "status": state.status,
            "input": _input(task),
            "pending_info": _pending_info(task, state, to_unix),
        }
    else:
        aspect_ratio = "16:9" if task.orientation == "landscape" else "9:16"
        body["detail"] = {
            "input": {
                "prompt": task.prompt,
                "model": task.model,
                "images": list(task.images),
                "aspect_ratio": aspect_ratio,
            }
        }
    return body


def _input(task: MockTask) -> dict[str, Any]:
    return {
        "size": task.size,
        "model": task.model,
        "images": list(task.images),
        "prompt": task.prompt,
        "orientation": task.orientation,
        **task.extra,
    }


def _pending_info(task: MockTask, state: TaskState, to_unix: Callable[[float], float]) -> Any:
    created = datetime.datetime.fromtimestamp(to_unix(task.created_at), datetime.timezone.utc)
    return {
        "id": task.upstream_id,
        "type": "video_gen",
        "status": "processing" if state.status == "processing" else "queued",
        "width": task.width,
        "height": task.height,
        "n_frames": task.duration * 30,
        "prompt": task.prompt,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "progress_pct": state.progress / 100,
        "failure_reason": None,
        "moderation_result": {
            "code": None,
            "type": "passed",
            "task_id": task.upstream_id,
            "is_output_rejection": False,
        },
        "queue_status_message": None,
        "progress_pos_in_queue": None,
        "estimated_queue_wait_time": None,
    }


def _draft_info(task: MockTask, urls: FileUrls, to_unix: Callable[[float], float]) -> Any:
    return {
        "id": "gen_" + task.upstream_id.removeprefix("task_"),
        "kind": "sora_draft",
        "width": task.width,
        "height": task.height,
        "prompt": task.prompt,
        "task_id": task.upstream_id,
        "url": urls.video,
        "downloadable_url": urls.video,
        "encodings": {
            "source": {"path": urls.video},
            "thumbnail": {"path": urls.thumbnail},
        },
        "created_at": to_unix(task.done_at),
    }


def _failed_detail(task: MockTask) -> Any:
    return {
        "id": task.upstream_id,
        "status": "failed",
        "pending_info": {
            "id": task.upstream_id,
            "status": "failed",
            "failure_reason": task.failure_reason,
            "moderation_result": {
                "code": "output_rejected",
                "type": "blocked",
                "is_output_rejection": True,
            },
        },
    }
