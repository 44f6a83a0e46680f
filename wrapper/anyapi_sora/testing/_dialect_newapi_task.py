"""new-api's own task record, which some of its forks send from the unified routes."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from ._dialect_base import Dialect
from ._dialect_errors import ErrorShapes, TaskRecordErrorShapes
from ._ids import mint_uuid
from ._tasks import TaskIds

if TYPE_CHECKING:
    import random

    from ._dialect_base import RenderContext
    from ._tasks import MockTask, TaskState

_WORDS = {
    "pending": "NOT_START",
    "processing": "IN_PROGRESS",
    "completed": "SUCCESS",
    "failed": "FAILURE",
}


class NewApiTask(Dialect):
    """The task record (dialects/newapi-task-success.json, t8star-failure.json).

    A numeric row `id` beside the real id in `task_id`, which is the only id the query
    route knows; NOT_START → IN_PROGRESS → SUCCESS/FAILURE; `progress` as "45%"; times in
    seconds; the video only at `data.video_url` (`data` holds the upstream's own object,
    null before it starts and after a failure); the reason in `fail_reason`. Create answers
    the record too. Every error is `{code, message, data: null}`.
    """

    name: ClassVar[str] = "newapi-task"
    errors: ClassVar[ErrorShapes] = TaskRecordErrorShapes()

    def mint_ids(self, model: str, upstream_id: str, unix_ms: int, rng: random.Random) -> TaskIds:
        task_id = f"video_{mint_uuid(rng)}"
        return TaskIds(id=task_id, query_ids=(task_id,))

    def create_body(self, task: MockTask, context: RenderContext) -> dict[str, Any]:
        return self._record(task, task.initial_state(), context)

    def query_body(
        self, task: MockTask, state: TaskState, context: RenderContext
    ) -> dict[str, Any]:
        return self._record(task, state, context)

    def _record(self, task: MockTask, state: TaskState, context: RenderContext) -> dict[str, Any]:
        started = state.status != "pending"
        ended = state.status in ("completed", "failed")
        submitted = context.unix_seconds(task.created_at)
        return {
            "id": task.row_id,
            "created_at": submitted,
            "updated_at": context.unix_seconds(state.changed_at),
            "task_id": task.id,
            "platform": task.model,
            "user_id": 112639,
            "channel_id": 0,
            "token_id": 231436,
            "token_group": "default",
            "quota": 60000,
            "action": f"video_create_{task.model}",
            "status": _WORDS[state.status],
            "fail_reason": task.failure_reason if state.status == "failed" else "",
            "submit_time": submitted,
            "start_time": context.unix_seconds(task.processing_at) if started else 0,
            "finish_time": context.unix_seconds(task.done_at) if ended else 0,
            "progress": f"{100 if ended else state.progress}%",
            "properties": {"input": ""},
            "data": self._upstream(task, state, context),
            "timestamp2string": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(submitted)),
            "key": str(task.row_id),
        }

    def _upstream(self, task: MockTask, state: TaskState, context: RenderContext) -> Any:
        if state.status in ("pending", "failed"):
            return None
        upstream: dict[str, Any] = {
            "id": task.id,
            "size": f"{task.width}x{task.height}",
            "model": task.model,
            "detail": {},
            "object": "video",
            "status": "in_progress" if state.status == "processing" else "completed",
            "progress": state.progress,
            "created_at": context.unix_seconds(task.created_at),
        }
        if state.status == "completed":
            upstream["video_url"] = context.sign().video
            upstream["completed_at"] = context.unix_seconds(task.done_at)
        return upstream
