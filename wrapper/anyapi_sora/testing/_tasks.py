"""Mock video tasks: their ids, their timeline, and the store that holds them."""

from __future__ import annotations

import dataclasses
import random
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

TaskStatus = Literal["pending", "processing", "completed", "failed"]

MODERATION_FAILURE = "This content may violate our content policies."

# Crockford base32, lower case: what the real upstream ids (ULIDs) are written in.
_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def mint_upstream_id(unix_ms: int, rng: random.Random) -> str:
    """A ULID-like `task_<26 chars>` id: 48 bits of time, then 80 random bits."""
    value = (unix_ms & (2**48 - 1)) << 80 | rng.getrandbits(80)
    chars = [_ID_ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5)]
    return "task_" + "".join(chars)


@dataclass(frozen=True, slots=True)
class TaskState:
    """Where a task is on its timeline at one moment."""

    status: TaskStatus
    progress: int
    """0 to 100."""
    changed_at: float
    """Server-clock seconds when `status` last changed."""


@dataclass(frozen=True, slots=True)
class MockTask:
    """A created task. Times are in server-clock seconds (see `MockServer.now`)."""

    id: str
    """The id create returned: `<model>:task_...`."""
    upstream_id: str
    """The id without the model prefix."""
    index: int
    """0 for the first task made by this server, and so on."""
    model: str
    prompt: str
    orientation: str
    size: str
    duration: int
    images: tuple[str, ...]
    watermark: bool | None
    private: bool | None
    extra: Mapping[str, Any]
    """Body fields the mock doesn't know, such as `style` or `storyboard`, as sent."""
    created_at: float
    processing_at: float
    done_at: float
    failure_reason: str | None
    """Set when the task ends as failed rather than completed."""

    @property
    def width(self) -> int:
        return self.dimensions[0]

    @property
    def height(self) -> int:
        return self.dimensions[1]

    @property
    def dimensions(self) -> tuple[int, int]:
        short, long = (1080, 1920) if self.size == "large" else (720, 1280)
        return (long, short) if self.orientation == "landscape" else (short, long)

    def state_at(self, now: float) -> TaskState:
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
    ) -> MockTask:
        with self._lock:
            upstream_id = mint_upstream_id(unix_ms, self._id_rng)
            while upstream_id in self._by_upstream_id:
                upstream_id = mint_upstream_id(unix_ms, self._id_rng)
            task = MockTask(
                id=f"{request.model}:{upstream_id}",
                upstream_id=upstream_id,
                index=len(self._by_upstream_id),
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
            return task

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
        """Look up by `<model>:task_...` or by the bare `task_...`, as real gateways do."""
        prefix, _, upstream_id = task_id.rpartition(":")
        with self._lock:
            task = self._by_upstream_id.get(upstream_id)
        if task is None or (prefix and task.model != prefix):
            return None
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
        upstream_id = task_id.rpartition(":")[2]
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
