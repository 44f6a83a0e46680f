"""OpenAI's video object, as resellers and new-api send it from the unified routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ._dialect_base import Dialect
from ._dialect_errors import ErrorShapes, OpenAIErrorShapes
from ._ids import mint_token, mint_uuid
from ._tasks import TaskIds

if TYPE_CHECKING:
    import random

    from ._dialect_base import RenderContext
    from ._tasks import MockTask, TaskState


class OpenAIVideo(Dialect):
    """A reseller that answers create with OpenAI's video object (dialects/
    openai-video-*.json): id `video_<uuid>`, queued → in_progress → completed, an int
    `progress`, `size` as `WxH`, `seconds` as a string, `created_at`/`completed_at` in
    seconds, the video at the top-level `video_url`, a failure as `error: {message, code}`."""

    name: ClassVar[str] = "openai-video"
    errors: ClassVar[ErrorShapes] = OpenAIErrorShapes()
    _WORDS: ClassVar[dict[str, str]] = {
        "pending": "queued",
        "processing": "in_progress",
        "completed": "completed",
        "failed": "failed",
    }

    def mint_ids(self, model: str, upstream_id: str, unix_ms: int, rng: random.Random) -> TaskIds:
        video_id = f"video_{mint_uuid(rng)}"
        return TaskIds(id=video_id, query_ids=(video_id,))

    def create_body(self, task: MockTask, context: RenderContext) -> dict[str, Any]:
        return self._object(task, task.initial_state(), context)

    def query_body(
        self, task: MockTask, state: TaskState, context: RenderContext
    ) -> dict[str, Any]:
        return self._object(task, state, context)

    def _object(self, task: MockTask, state: TaskState, context: RenderContext) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": task.id,
            "object": "video",
            "model": task.model,
            "status": self._WORDS[state.status],
            "progress": state.progress,
            "created_at": context.unix_seconds(task.created_at),
            "seconds": str(task.duration),
            "size": f"{task.width}x{task.height}",
        }
        if state.status == "completed":
            body["completed_at"] = context.unix_seconds(task.done_at)
            body["video_url"] = context.sign().video
        elif state.status == "failed":
            body["progress"] = 0
            body["error"] = {"message": task.failure_reason, "code": "task_failed"}
        return body


class NewApiVideo(Dialect):
    """new-api's own OpenAI-style video object (dialects/newapi-video-*.json): id
    `task_<32 letters and digits>` repeated in `task_id`, "unknown" while the task is
    waiting, then in_progress → completed with the video at `metadata.url`, a failure as
    `error: {message, code}`."""

    name: ClassVar[str] = "newapi-video"
    errors: ClassVar[ErrorShapes] = OpenAIErrorShapes()
    _WORDS: ClassVar[dict[str, str]] = {
        "pending": "unknown",
        "processing": "in_progress",
        "completed": "completed",
        "failed": "failed",
    }

    def mint_ids(self, model: str, upstream_id: str, unix_ms: int, rng: random.Random) -> TaskIds:
        public_id = f"task_{mint_token(rng, 32)}"
        return TaskIds(id=public_id, query_ids=(public_id,))

    def create_body(self, task: MockTask, context: RenderContext) -> dict[str, Any]:
        body = self._object(task, task.initial_state(), context)
        body["status"] = "queued"
        return body

    def query_body(
        self, task: MockTask, state: TaskState, context: RenderContext
    ) -> dict[str, Any]:
        return self._object(task, state, context)

    def _object(self, task: MockTask, state: TaskState, context: RenderContext) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": task.id,
            "task_id": task.id,
            "object": "video",
            "model": task.model,
            "status": self._WORDS[state.status],
            "progress": state.progress,
            "created_at": context.unix_seconds(task.created_at),
        }
        if state.status == "completed":
            body["completed_at"] = context.unix_seconds(task.done_at)
            body["metadata"] = {"url": context.sign().video}
        elif state.status == "failed":
            body["progress"] = 0
            body["error"] = {"message": task.failure_reason, "code": "task_failed"}
        return body
