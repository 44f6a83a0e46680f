"""AnyAPI's unified format: the bodies the vendor's own notes describe, and the detailed body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ._dialect_base import Dialect
from ._task_bodies import (
    draft_info,
    enhanced_prompt,
    failed_detail,
    pending_info,
    render_query,
    task_input,
)

if TYPE_CHECKING:
    from ._dialect_base import RenderContext
    from ._tasks import MockTask, TaskState


class AnyApi(Dialect):
    """`<model>:task_<ulid>` ids; pending → processing → completed/failed; the body
    variant is the server's `response_style` (minimal, detail or OpenAI-like)."""

    name: ClassVar[str] = "anyapi"

    def query_body(
        self, task: MockTask, state: TaskState, context: RenderContext
    ) -> dict[str, Any]:
        return render_query(task, state, context)


class AnyApiDetail(Dialect):
    """The detailed unified body: the top-level `status` stays "pending" while
    `detail.pending_info.status` moves (queued → processing); progress only as
    `detail.pending_info.progress_pct` (0 to 1); once done, the video only at `detail.url`
    and `detail.draft_info` (no top-level `video_url`, no `progress`)."""

    name: ClassVar[str] = "anyapi-detail"

    def query_body(
        self, task: MockTask, state: TaskState, context: RenderContext
    ) -> dict[str, Any]:
        if state.status in ("pending", "processing"):
            return {
                "id": task.id,
                "status": "pending",
                "status_update_time": context.unix_ms(task.created_at),
                "detail": {
                    "id": task.upstream_id,
                    "status": "pending",
                    "input": task_input(task),
                    "pending_info": pending_info(task, state, context),
                },
            }
        body: dict[str, Any] = {
            "id": task.id,
            "status": state.status,
            "status_update_time": context.unix_ms(state.changed_at),
        }
        if state.status == "failed":
            body["detail"] = failed_detail(task)
            return body
        urls = context.sign()
        body |= {
            "width": task.width,
            "height": task.height,
            "thumbnail_url": urls.thumbnail,
            "enhanced_prompt": enhanced_prompt(task),
            "detail": {
                "id": task.upstream_id,
                "status": "completed",
                "url": urls.video,
                "thumbnail_url": urls.thumbnail,
                "input": task_input(task),
                "draft_info": draft_info(task, urls, context),
            },
        }
        return body
