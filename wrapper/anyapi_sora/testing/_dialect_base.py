"""What every gateway dialect provides: its ids, its create and query bodies, its errors."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ._dialect_errors import ErrorShapes
from ._tasks import TaskIds

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

    from ._task_bodies import ResponseStyle
    from ._tasks import MockTask, TaskState


@dataclass(frozen=True, slots=True)
class FileUrls:
    """Freshly signed absolute URLs of a task's files."""

    video: str
    """The finished video."""
    thumbnail: str
    draft: str
    """The video before a last pass (Veo's upsampling): the same bytes at another path."""


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a body needs beyond the task: clocks, signed URLs, the anyapi body variant."""

    to_unix: Callable[[float], float]
    """Server-clock seconds to Unix seconds."""
    sign: Callable[[], FileUrls]
    """Signs the task's file URLs anew (only called when a body shows them)."""
    style: ResponseStyle

    def unix_seconds(self, moment: float) -> int:
        return int(self.to_unix(moment))

    def unix_ms(self, moment: float) -> int:
        return int(self.to_unix(moment) * 1000)

    def iso(self, moment: float) -> str:
        when = datetime.datetime.fromtimestamp(self.to_unix(moment), datetime.timezone.utc)
        return when.isoformat().replace("+00:00", "Z")


class Dialect:
    """One gateway's way of answering the two routes. Subclasses override the bodies.

    The base mints AnyAPI's `<model>:task_<ulid>` ids (found with or without the model
    prefix) and answers errors in new-api's two shapes.
    """

    name: ClassVar[str]
    errors: ClassVar[ErrorShapes] = ErrorShapes()

    def mint_ids(self, model: str, upstream_id: str, unix_ms: int, rng: random.Random) -> TaskIds:
        full = f"{model}:{upstream_id}"
        return TaskIds(id=full, query_ids=(full, upstream_id))

    def create_body(self, task: MockTask, context: RenderContext) -> dict[str, Any]:
        """The answer to the create that made `task`."""
        return {
            "id": task.id,
            "status": "pending",
            "status_update_time": context.unix_ms(task.created_at),
        }

    def query_body(
        self, task: MockTask, state: TaskState, context: RenderContext
    ) -> dict[str, Any]:
        """The answer to a query of `task` while it is in `state`."""
        raise NotImplementedError
