"""A unified-format gateway whose query bodies are terse and name the task differently."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ._dialect_base import Dialect
from ._ids import mint_uuid
from ._task_bodies import enhanced_prompt
from ._tasks import TaskIds

if TYPE_CHECKING:
    import random

    from ._dialect_base import RenderContext
    from ._tasks import MockTask, TaskState


class Yunwu(Dialect):
    """dialects/yunwu-*.json: create answers `<model>:<uuid>`, but queries answer with
    another id: `video_<uuid>` while running, the bare `<uuid>` once done. Only `id` and
    `status` while running (queued, in_progress); "success" with `video_url`; "failure"
    with the reason in `fail_reason`."""

    name: ClassVar[str] = "yunwu"

    def mint_ids(self, model: str, upstream_id: str, unix_ms: int, rng: random.Random) -> TaskIds:
        own = mint_uuid(rng)
        created = f"{model}:{own}"
        return TaskIds(id=created, query_ids=(created, own), reported_id=mint_uuid(rng))

    def query_body(
        self, task: MockTask, state: TaskState, context: RenderContext
    ) -> dict[str, Any]:
        other_id = task.reported_id or task.upstream_id
        if state.status in ("pending", "processing"):
            word = "queued" if state.status == "pending" else "in_progress"
            return {"id": f"video_{other_id}", "status": word}
        body: dict[str, Any] = {"id": other_id}
        if state.status == "failed":
            body |= {"status": "failure", "fail_reason": task.failure_reason}
        else:
            body |= {
                "status": "success",
                "video_url": context.sign().video,
                "enhanced_prompt": enhanced_prompt(task),
            }
        body["status_update_time"] = context.unix_ms(state.changed_at)
        return body
