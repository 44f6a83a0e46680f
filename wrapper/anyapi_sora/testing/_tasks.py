"""Mock video tasks: their ids, their timeline, and the store that holds them."""

from __future__ import annotations

import dataclasses
import random
import re
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ._ids import mint_upstream_id

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

TaskStatus = Literal["pending", "processing", "completed", "failed"]
"""A mock task's status on its timeline (the dialects spell it their own way on the wire)."""

MODERATION_FAILURE = "This content may violate our content policies."

# (short side, long side) of the named sizes gateways take.
_NAMED_SIZES = {"small": (720, 1280), "medium": (1024, 1792), "large": (1080, 1920)}
_WXH = re.compile(r"^(\d{2,5})x(\d{2,5})$")
# Task records number their rows; a real-looking start keeps them from looking like indexes.
_FIRST_ROW_ID = 8_919_289


@dataclass(frozen=True, slots=True)
class TaskIds:
    """How a dialect names a task."""

    id: str
    """What create returns, and what a client must keep using."""
    query_ids: tuple[str, ...]
    """Every id the query route finds the task by (`id` among them)."""
    reported_id: str | None = None
    """The id query bodies carry when the gateway reports another one than `id`."""


class IdScheme(Protocol):
    """The part of a dialect that the store needs: its name and its ids."""

    @property
    def name(self) -> str: ...

    def mint_ids(
        self, model: str, upstream_id: str, unix_ms: int, rng: random.Random
    ) -> TaskIds: ...


@dataclass(frozen=True, slots=True)
class TaskState:
    """Where a task is on its timeline at one moment."""

    status: TaskStatus
    """Its status."""
    progress: int
    """0 to 100."""
    changed_at: float
    """Server-clock seconds when `status` last changed."""


@dataclass(frozen=True, slots=True)
class MockTask:
    """A created task. Times are in server-clock seconds (see `MockServer.now`)."""

    id: str
    """The id create returned, in its dialect's format (`<model>:task_...` in `anyapi`)."""
    upstream_id: str
    """The mock's own `task_<ulid>` name for the task; its files are named after it."""
    index: int
    """0 for the first task made by this server, and so on."""
    dialect: str
    """The gateway dialect this task is answered in (see `DIALECTS`)."""
    variant: int
    """0 for the first task of its dialect, and so on (picks a dialect's body variant)."""
    query_ids: tuple[str, ...]
    """Every id the query route finds this task by."""
    reported_id: str | None
    """The other id this dialect's query bodies carry, if it reports one."""
    row_id: int
    """A task record's numeric row id (only the `newapi-task` dialect shows it)."""
    model: str
    """The `model` of the create body."""
    prompt: str
    """The `prompt` of the create body."""
    orientation: str
    """The `orientation` of the create body."""
    size: str
    """The `size` of the create body."""
    duration: int
    """The `duration` of the create body, in seconds."""
    images: tuple[str, ...]
    """The `images` of the create body."""
    watermark: bool | None
    """The `watermark` of the create body (None when it had none)."""
    private: bool | None
    """The `private` of the create body (None when it had none)."""
    extra: Mapping[str, Any]
    """Body fields the mock doesn't know, such as `style` or `storyboard`, as sent."""
    created_at: float
    """When it was created."""
    processing_at: float
    """When it starts processing."""
    done_at: float
    """When it completes (or fails)."""
    failure_reason: str | None
    """Set when the task ends as failed rather than completed."""

    @property
    def width(self) -> int:
        """The video's width in pixels (see `dimensions`)."""
        return self.dimensions[0]

    @property
    def height(self) -> int:
        """The video's height in pixels (see `dimensions`)."""
        return self.dimensions[1]

    @property
    def dimensions(self) -> tuple[int, int]:
        """(width, height): a `WxH` size as given, a named one turned by `orientation`."""
        match = _WXH.match(self.size)
        if match:
            return int(match.group(1)), int(match.group(2))
        short, long = _NAMED_SIZES.get(self.size, _NAMED_SIZES["small"])
        return (long, short) if self.orientation == "landscape" else (short, long)

    def initial_state(self) -> TaskState:
        """The state create reports, however short the timeline."""
        return TaskState("pending", 0, self.created_at)

    def state_at(self, now: float) -> TaskState:
        """Where the task is on its timeline at `now`.

        Args:
            now: A time on the server's clock (see `MockServer.now`).

        Returns:
            Its status, progress (0-99 while processing, 100 once ended) and when the
            status last changed.
        """
        if now >= self.done_at:
            status: TaskStatus = "failed" if self.failure_reason else "completed"
            return TaskState(status, 100, self.done_at)
        if now >= self.processing_at:
            span = self.done_at - self.processing_at
            # Never 100 while still processing: clients treat 100 as "about to finish".
            # The epsilon keeps float noise (0.8999…) from costing a whole percent.
            progress = min(99, int(100 * (now - self.processing_at) / span + 1e-6))
            return TaskState("processing", progress, self.processing_at)
        return TaskState("pending", 0, self.created_at)


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """The validated fields of a create body."""

    model: str
    prompt: str
    orientation: str
    size: str
    duration: int
    images: tuple[str, ...]
    watermark: bool | None
    private: bool | None
    extra: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FailurePolicy:
    """Which new tasks end as failed."""

    trigger: str | None = "FAIL"
    """A prompt containing this text (case-sensitive) fails; None turns it off."""
    rate: float = 0.0
    """The fraction of other tasks that fail, drawn from the seeded RNG."""
    reason: str = MODERATION_FAILURE


class TaskStore:
    """All tasks of one server. Thread-safe; hands out immutable snapshots."""

    def __init__(self, *, seed: int, failures: FailurePolicy) -> None:
        self._lock = threading.Lock()
        self._by_upstream_id: dict[str, MockTask] = {}
        self._by_query_id: dict[str, str] = {}
        self._id_rng = random.Random(f"{seed}:ids")
        self._failure_rng = random.Random(f"{seed}:failures")
        self._failures = failures
        self._forced_failures: deque[str] = deque()

    def create(
        self,
        request: TaskRequest,
        *,
        now: float,
        unix_ms: int,
        queue_seconds: float,
        processing_seconds: float,
        pick_dialect: Callable[[int], tuple[IdScheme, int]],
        capacity: int | None = None,
    ) -> MockTask | None:
        """Make a task; `pick_dialect(index)` gives its dialect and variant.

        With a `capacity`, None (and no task) when that many tasks are still running at `now`.
        """
        with self._lock:
            if capacity is not None and self._running_at(now) >= capacity:
                return None
            index = len(self._by_upstream_id)
            dialect, variant = pick_dialect(index)
            upstream_id = mint_upstream_id(unix_ms, self._id_rng)
            ids = dialect.mint_ids(request.model, upstream_id, unix_ms, self._id_rng)
            while upstream_id in self._by_upstream_id or any(
                query_id in self._by_query_id for query_id in ids.query_ids
            ):
                upstream_id = mint_upstream_id(unix_ms, self._id_rng)
                ids = dialect.mint_ids(request.model, upstream_id, unix_ms, self._id_rng)
            task = MockTask(
                id=ids.id,
                upstream_id=upstream_id,
                index=index,
                dialect=dialect.name,
                variant=variant,
                query_ids=ids.query_ids,
                reported_id=ids.reported_id,
                row_id=_FIRST_ROW_ID + index,
                model=request.model,
                prompt=request.prompt,
                orientation=request.orientation,
                size=request.size,
                duration=request.duration,
                images=request.images,
                watermark=request.watermark,
                private=request.private,
                extra=request.extra,
                created_at=now,
                processing_at=now + queue_seconds,
                done_at=now + queue_seconds + processing_seconds,
                failure_reason=self._failure_for(request.prompt),
            )
            self._by_upstream_id[upstream_id] = task
            self._by_query_id.update(dict.fromkeys(ids.query_ids, upstream_id))
            return task

    def _running_at(self, now: float) -> int:
        return sum(1 for task in self._by_upstream_id.values() if task.done_at > now)

    def running_at(self, now: float) -> int:
        """How many tasks have not ended by `now` (each takes a slot of the gateway)."""
        with self._lock:
            return self._running_at(now)

    def _failure_for(self, prompt: str) -> str | None:
        policy = self._failures
        if policy.trigger and policy.trigger in prompt:
            return policy.reason
        if self._forced_failures:
            return self._forced_failures.popleft()
        if policy.rate and self._failure_rng.random() < policy.rate:
            return policy.reason
        return None

    @property
    def failure_reason(self) -> str:
        return self._failures.reason

    def fail_next(self, count: int, reason: str | None) -> None:
        with self._lock:
            self._forced_failures.extend([reason or self._failures.reason] * count)

    def get(self, task_id: str) -> MockTask | None:
        """The task the query route finds by `task_id` (see `MockTask.query_ids`)."""
        with self._lock:
            upstream_id = self._by_query_id.get(task_id)
            return None if upstream_id is None else self._by_upstream_id[upstream_id]

    def find(self, task_id: str) -> MockTask | None:
        """Like `get`, and also by the mock's own `upstream_id`: for tests, not for HTTP."""
        task = self.get(task_id)
        if task is None:
            with self._lock:
                task = self._by_upstream_id.get(task_id)
        return task

    def end_now(self, task_id: str, *, now: float, failure_reason: str | None) -> MockTask:
        """End a running task at `now`: completed, or failed when a reason is given."""
        with self._lock:
            task = self._require(task_id)
            if task.state_at(now).status in ("completed", "failed"):
                raise ValueError(f"task {task_id} has already ended")
            ended = dataclasses.replace(
                task,
                processing_at=min(task.processing_at, now),
                done_at=now,
                failure_reason=failure_reason,
            )
            self._by_upstream_id[task.upstream_id] = ended
            return ended

    def _require(self, task_id: str) -> MockTask:
        upstream_id = self._by_query_id.get(task_id, task_id)
        task = self._by_upstream_id.get(upstream_id)
        if task is None:
            raise KeyError(task_id)
        return task

    def all(self) -> dict[str, MockTask]:
        with self._lock:
            return {task.id: task for task in self._by_upstream_id.values()}

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_upstream_id)
