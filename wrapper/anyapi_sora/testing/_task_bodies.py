"""The unified format's query bodies (AnyAPI's), in the variants its gateways send
(see tests/fixtures/query-*.json)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._dialect_base import FileUrls, RenderContext
    from ._tasks import MockTask, TaskState


class ResponseStyle(enum.Enum):
    """Which variant of the unified body the `anyapi` dialect's tasks are answered in."""

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
    return _ROTATION[task.variant % len(_ROTATION)] if style is ResponseStyle.MIXED else style


def enhanced_prompt(task: MockTask) -> str:
    return f"{task.prompt.rstrip('.')}. Cinematic lighting, smooth camera motion."


def render_query(task: MockTask, state: TaskState, context: RenderContext) -> dict[str, Any]:
    """The query body for `task` in `state`, in the variant `context.style` picks."""
    style = style_for(task, context.style)
    body: dict[str, Any] = {"id": task.id, "status": state.status}
    if style is ResponseStyle.OPENAI:
        body |= {
            "object": "video",
            "model": task.model,
            "created_at": context.unix_seconds(task.created_at),
            "size": task.size,
        }
    body["status_update_time"] = context.unix_ms(state.changed_at)

    if state.status == "failed":
        body["detail"] = failed_detail(task)
        if style is ResponseStyle.OPENAI:
            body["error"] = {"code": "moderation_blocked", "message": task.failure_reason}
        return body

    progress: int | str = str(state.progress) if style is ResponseStyle.OPENAI else state.progress
    body["progress"] = progress
    if state.status == "completed":
        urls = context.sign()
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
            detail["input"] = task_input(task)
            detail["draft_info"] = draft_info(task, urls, context)
        body["detail"] = detail
        return body

    if style is ResponseStyle.MINIMAL:
        body |= {"video_url": None, "enhanced_prompt": ""}
    elif style is ResponseStyle.DETAIL:
        body["detail"] = {
            "id": task.upstream_id,
            "status": state.status,
            "input": task_input(task),
            "pending_info": pending_info(task, state, context),
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


def task_input(task: MockTask) -> dict[str, Any]:
    return {
        "size": task.size,
        "model": task.model,
        "images": list(task.images),
        "prompt": task.prompt,
        "orientation": task.orientation,
        **task.extra,
    }


def pending_info(task: MockTask, state: TaskState, context: RenderContext) -> Any:
    return {
        "id": task.upstream_id,
        "type": "video_gen",
        "status": "processing" if state.status == "processing" else "queued",
        "width": task.width,
        "height": task.height,
        "n_frames": task.duration * 30,
        "prompt": task.prompt,
        "created_at": context.iso(task.created_at),
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


def draft_info(task: MockTask, urls: FileUrls, context: RenderContext) -> Any:
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
        "created_at": context.to_unix(task.done_at),
    }


def failed_detail(task: MockTask) -> Any:
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
