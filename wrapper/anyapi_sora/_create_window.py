"""How many of a client's tasks may run at once: learnt from the gateway's refusals.

An upstream runs only so many tasks at once; a create beyond that is refused (429, or a
body with no task). Retrying such creates on a timer costs a refusal each time a slot is
still busy. The create window instead counts the client's running tasks (created by it,
or being waited for by it, until a wait sees them end) and its creates in flight, and
holds a create while they fill the window:

- the window is open (unlimited) until the first refusal, which sets it to the tasks then
  running: that is what the gateway had room for;
- each create that succeeds near the window's edge widens it by 1/(2W), so one create in
  every 2W probes for room that other users may have freed; a refused probe narrows it
  back (TCP's additive increase, multiplicative decrease, on a window of tasks);
- until the first refusal, creates in flight start at a few and grow by one per success
  (slow start), so that a fan-out of hundreds does not meet a full gateway all at once;
- a create is held only while something in flight or a wait on this client will free
  room; otherwise it goes (a probe), so nothing can wait forever on tasks nobody watches.

`max_active_tasks` caps the window from the start. The waiting is the only part that is
not plain arithmetic: a thread waits on a `threading.Event`, a task on an `anyio.Event`
(asyncio or trio); each is woken in turn, its slot handed over, as room appears.
"""

from __future__ import annotations

import contextvars
import math
import threading
from collections import deque
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

# Creates in flight before the gateway has said anything about its room.
INITIAL_CREATES_IN_FLIGHT = 4
# Ids of tasks created here and never waited for are forgotten past this many.
MAX_REMEMBERED = 10_000


class _Waker(Protocol):
    def set(self) -> None: ...


class Ticket:
    """One create's claim on the window, from its send to its outcome."""

    __slots__ = ("generation", "settled")

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.settled = False


class _Reservation:
    """A slot taken before a create is called (see `CreateWindow.reserve`)."""

    __slots__ = ("ticket", "used", "window")

    def __init__(self, window: CreateWindow, ticket: Ticket) -> None:
        self.window = window
        self.ticket = ticket
        self.used = False


_RESERVED: contextvars.ContextVar[_Reservation | None] = contextvars.ContextVar(
    "anyapi_sora_reserved_create", default=None
)


class CreateWindow:
    """Running tasks and creates in flight of one client, held within a learnt limit."""

    def __init__(self, max_active_tasks: int | None = None) -> None:
        self.ceiling = math.inf if max_active_tasks is None else float(max_active_tasks)
        self.limit = self.ceiling
        """The window: tasks that may run at once (inf until the gateway refuses one)."""
        self.refused = 0
        self.learnt = self.limit
        """The window set by the last refusal: the tasks the gateway had room for then."""
        self.lowest = self.limit
        self.peak_running = 0
        self._lock = threading.Lock()
        self._generation = 0
        self._in_flight = 0
        self._slow_start = INITIAL_CREATES_IN_FLIGHT
        # Task id -> number of waits on it (0: created here, not waited for yet).
        self._running: dict[str, int] = {}
        self._watching = 0
        self._waiters: deque[tuple[_Waker, list[Ticket]]] = deque()

    @property
    def running(self) -> int:
        return len(self._running)

    # Taking a slot

    def _whole_limit(self) -> float:
        return math.floor(self.limit) if math.isfinite(self.limit) else math.inf

    def _must_wait(self) -> bool:
        if self._in_flight >= self._slow_start:
            return True  # something is in flight, and will make room when it ends
        full = len(self._running) + self._in_flight >= self._whole_limit()
        return full and (self._in_flight > 0 or self._watching > 0)

    def _take(self) -> Ticket:
        self._in_flight += 1
        return Ticket(self._generation)

    def _reserved(self) -> Ticket | None:
        reservation = _RESERVED.get()
        if reservation is not None and reservation.window is self and not reservation.used:
            reservation.used = True
            return reservation.ticket
        return None

    def acquire(self) -> Ticket:
        """A slot for a create, waiting (this thread) for room."""
        ticket = self._reserved()
        if ticket is not None:
            return ticket
        with self._lock:
            if not self._must_wait():
                return self._take()
            event = threading.Event()
            handed: list[Ticket] = []
            self._waiters.append((event, handed))
        try:
            event.wait()
        except BaseException:
            self._give_up(event, handed)
            raise
        return handed[0]

    async def aacquire(self) -> Ticket:
        """A slot for a create, waiting (this task, on asyncio or trio) for room."""
        ticket = self._reserved()
        if ticket is not None:
            return ticket
        with self._lock:
            if not self._must_wait():
                return self._take()
        import anyio

        event = anyio.Event()
        handed: list[Ticket] = []
        with self._lock:
            if not self._must_wait():
                return self._take()
            self._waiters.append((event, handed))
        try:
            await event.wait()
        except BaseException:
            self._give_up(event, handed)
            raise
        return handed[0]

    def _give_up(self, event: _Waker, handed: list[Ticket]) -> None:
        """A waiter was cancelled: its slot, if it had been handed one, goes to the next."""
        with self._lock:
            if handed:
                self._in_flight -= 1
                self._wake()
            else:
                self._waiters.remove((event, handed))

    def _wake(self) -> None:
        while self._waiters and not self._must_wait():
            event, handed = self._waiters.popleft()
            handed.append(self._take())
            event.set()

    @asynccontextmanager
    async def reserve(self) -> AsyncIterator[None]:
        """Take a slot now, for the next create called in this context (its task too).

        The batch takes its slot before it journals a create, so that a create the journal
        calls "being sent" is never one still waiting for room.
        """
        reservation = _Reservation(self, await self.aacquire())
        token = _RESERVED.set(reservation)
        try:
            yield
        finally:
            _RESERVED.reset(token)
            if not reservation.used:
                self.release(reservation.ticket)

    # Outcomes

    def release(self, ticket: Ticket) -> None:
        """The create failed without a refusal (or was never sent): room for the next."""
        with self._lock:
            if ticket.settled:
                return
            ticket.settled = True
            self._in_flight -= 1
            self._wake()

    def refuse(self, ticket: Ticket) -> None:
        """The gateway refused the create for want of room: narrow the window."""
        with self._lock:
            if ticket.settled:
                return
            ticket.settled = True
            self._in_flight -= 1
            self.refused += 1
            if ticket.generation == self._generation:
                # The first refusal of the creates sent since the last cut sets the window.
                self.limit = min(self.ceiling, float(max(1, len(self._running))))
                self.learnt = self.limit
                self.lowest = min(self.lowest, self.limit)
                self._generation += 1
            self._wake()

    def created(self, ticket: Ticket, task_id: str) -> None:
        """The create made `task_id`: it runs until a wait sees it end."""
        with self._lock:
            if ticket.settled:
                return
            ticket.settled = True
            self._in_flight -= 1
            self._slow_start += 1
            if task_id not in self._running:
                if len(self._running) >= MAX_REMEMBERED:
                    self._forget_one()
                self._running[task_id] = 0
            self.peak_running = max(self.peak_running, len(self._running))
            near_edge = len(self._running) + self._in_flight + 1 >= self._whole_limit()
            if math.isfinite(self.limit) and near_edge:
                self.limit = min(self.ceiling, self.limit + 1.0 / (2.0 * self.limit))
            self._wake()

    def _forget_one(self) -> None:
        for task_id, watchers in self._running.items():
            if watchers == 0:
                del self._running[task_id]
                return

    # Waits

    def watch(self, task_id: str) -> None:
        """A wait on `task_id` starts: the task counts as running until `unwatch`."""
        with self._lock:
            self._running[task_id] = self._running.get(task_id, 0) + 1
            self._watching += 1
            self.peak_running = max(self.peak_running, len(self._running))

    def unwatch(self, task_id: str) -> None:
        """The wait ended (the task ended, or nobody will tell us any more when it does)."""
        with self._lock:
            self._watching -= 1
            watchers = self._running.get(task_id, 0) - 1
            if watchers > 0:
                self._running[task_id] = watchers
            else:
                self._running.pop(task_id, None)
            self._wake()
