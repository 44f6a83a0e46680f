"""Virtual time for fleets of async workers that talk to a real MockServer over loopback.

`VirtualClock` is the client's clock (`clock=`) and the server's (`MockServer(clock=)`).
Its time moves only when every worker is idle: asleep on this clock, or waiting for a slot
of the client's create window. A request in flight keeps time still, so a burst of requests
reaches the server at one instant, as it would in real time, and the run is deterministic
whatever the machine's load. Only asyncio.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine


class VirtualClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        # Kept as counts, not recounted: `run` asks after every turn of the loop, and a
        # fleet has hundreds of workers.
        self._asleep = 0

    def monotonic(self) -> float:
        return self.now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        raise RuntimeError("VirtualClock drives async workers only")

    async def asleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.now + max(0.0, seconds), next(self._order), future)
        heapq.heappush(self._sleepers, entry)
        self._asleep += 1
        future.add_done_callback(self._woken)
        await future

    def _woken(self, _: asyncio.Future[None]) -> None:
        self._asleep -= 1

    def _asleep_count(self) -> int:
        return self._asleep

    def _advance(self) -> None:
        while self._sleepers and self._sleepers[0][2].done():  # cancelled sleepers
            heapq.heappop(self._sleepers)
        if not self._sleepers:
            return
        earliest = self._sleepers[0][0]
        self.now = max(self.now, earliest)
        while self._sleepers and self._sleepers[0][0] <= earliest:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    async def run(
        self,
        workers: list[Coroutine[Any, Any, Any]],
        *,
        also_idle: Callable[[], int] = lambda: 0,
    ) -> list[Any]:
        """Run `workers` to their end; results (or exceptions) in their order.

        `also_idle`: how many workers wait on something else that only time frees (the
        create window's waiters).
        """
        tasks = [asyncio.ensure_future(worker) for worker in workers]
        running = len(tasks)

        def ended(_: asyncio.Future[Any]) -> None:
            nonlocal running
            running -= 1

        for task in tasks:
            task.add_done_callback(ended)
        quiet = 0
        while running:
            await asyncio.sleep(0.0002)  # real time: sockets and the server move on
            idle = self._asleep_count() + also_idle()
            # Twice in a row, so that a worker just woken has had its turn to run.
            quiet = quiet + 1 if idle >= running else 0
            if quiet >= 2:
                self._advance()
                quiet = 0
        return [task.exception() or task.result() for task in tasks]
