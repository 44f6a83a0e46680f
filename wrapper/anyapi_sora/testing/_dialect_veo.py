"""Veo on a unified-format gateway: generation, then upsampling, each with its own words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ._dialect_base import Dialect
from ._dialect_errors import ErrorShapes, VectorEngineErrorShapes
from ._ids import veo_task_id
from ._task_bodies import enhanced_prompt
from ._tasks import TaskIds

if TYPE_CHECKING:
    import random

    from ._dialect_base import FileUrls, RenderContext
    from ._tasks import MockTask, TaskState

FINAL = "video_upsampling_completed"
FAILED = "video_generation_failed"
# (word, share of the processing span where it starts); image_downloading only with images.
_PHASES = (
    ("image_downloading", 0.0),
    ("video_generating", 0.1),
    ("video_generation_completed", 0.6),
    ("video_upsampling", 0.7),
)
# A completed body still carries an error from a retried attempt, as the vendor's example
# does: the status, not the presence of an error, says how a task ended.
_STALE_ERROR = "[403] Request failed with status code 403 | Message: reCAPTCHA evaluation failed"


class VeoUpsample(Dialect):
    """A Veo task on a unified gateway (vectorengine's published Veo pages).

    Ids `<model>:<unix seconds>-<10 letters and digits>`, found only whole. pending →
    image_downloading (only with images) → video_generating → video_generation_completed
    (not final: upsampling follows) → video_upsampling → video_upsampling_completed
    (final). No progress anywhere. Top-level `video_url` is null until the end; the
    not-yet-upsampled video sits at `detail.video_url` from video_generation_completed on.
    Times under `detail` are in milliseconds. A failure is video_generation_failed with the
    reason in `detail.video_generation_error`. A rate-limited create is refused with an
    empty `id` and status "error".
    """

    name: ClassVar[str] = "veo-upsample"
    errors: ClassVar[ErrorShapes] = VectorEngineErrorShapes()

    def mint_ids(self, model: str, upstream_id: str, unix_ms: int, rng: random.Random) -> TaskIds:
        task_id = veo_task_id(model, unix_ms, rng)
        return TaskIds(id=task_id, query_ids=(task_id,))

    def query_body(
        self, task: MockTask, state: TaskState, context: RenderContext
    ) -> dict[str, Any]:
        word, since = self.phase(task, state)
        detail: dict[str, Any] = {
            "id": task.id,
            "req": self._request(task),
            "status": word,
            "running": state.status in ("pending", "processing"),
            "created_at": context.unix_ms(task.created_at),
            "status_update_time": context.unix_ms(since),
        }
        body: dict[str, Any] = {
            "id": task.id,
            "status": word,
            "video_url": None,
            "enhanced_prompt": "",
            "status_update_time": context.unix_ms(since),
            "detail": detail,
        }
        if state.status == "failed":
            detail |= {
                "video_generation_status": "MEDIA_GENERATION_STATUS_FAILED",
                "video_generation_error": task.failure_reason,
                "error_message": task.failure_reason,
                "completed_at": context.unix_ms(task.done_at),
            }
            return body
        if state.status == "pending":
            return body
        body["enhanced_prompt"] = detail["enhanced_prompt"] = enhanced_prompt(task)
        generated = word not in ("image_downloading", "video_generating")
        detail["video_generation_status"] = (
            "MEDIA_GENERATION_STATUS_SUCCESSFUL" if generated else "MEDIA_GENERATION_STATUS_ACTIVE"
        )
        if generated:
            urls = context.sign()
            detail["video_url"] = urls.draft
            self._add_upsampling(body, detail, word, urls, task, context)
        return body

    def _add_upsampling(
        self,
        body: dict[str, Any],
        detail: dict[str, Any],
        word: str,
        urls: FileUrls,
        task: MockTask,
        context: RenderContext,
    ) -> None:
        if word == "video_upsampling":
            detail["upsample_status"] = "MEDIA_GENERATION_STATUS_ACTIVE"
        elif word == FINAL:
            body["video_url"] = urls.video
            detail |= {
                "upsample_status": "MEDIA_GENERATION_STATUS_SUCCESSFUL",
                "upsample_video_url": urls.video,
                "completed_at": context.unix_ms(task.done_at),
                "error_message": _STALE_ERROR,
                "retry_count": 1,
            }

    @staticmethod
    def phase(task: MockTask, state: TaskState) -> tuple[str, float]:
        """The status word for `state`, and the server-clock moment it began."""
        if state.status == "pending":
            return "pending", task.created_at
        if state.status == "completed":
            return FINAL, task.done_at
        if state.status == "failed":
            return FAILED, task.done_at
        phases = _PHASES if task.images else (("video_generating", 0.0), *_PHASES[2:])
        span = task.done_at - task.processing_at
        word, since = phases[0][0], task.processing_at
        for candidate, share in phases:
            if state.progress >= share * 100:
                word, since = candidate, task.processing_at + share * span
        return word, since

    @staticmethod
    def _request(task: MockTask) -> dict[str, Any]:
        return {
            "model": task.model,
            "images": list(task.images),
            "prompt": task.prompt,
            "aspect_ratio": "16:9" if task.width > task.height else "9:16",
            "enhance_prompt": True,
            "enable_upsample": True,
            **task.extra,
        }
