"""The create window: how many tasks a client runs at once, learnt from refused creates."""

from __future__ import annotations

import threading

import anyio
import pytest
from anyapi_sora._create_window import INITIAL_CREATES_IN_FLIGHT, CreateWindow, Ticket


def make_running(window: CreateWindow, count: int, prefix: str = "t") -> list[str]:
    """`count` tasks created and waited for: the window counts them as running."""
    ids = []
    for n in range(count):
        task_id = f"{prefix}{n}"
        window.created(window.acquire(), task_id)
        window.watch(task_id)
        ids.append(task_id)
    return ids


def test_open_until_the_gateway_refuses() -> None:
    window = CreateWindow()
    make_running(window, 50)
    assert window.limit == float("inf")
    assert window.running == 50


def test_slow_start_limits_the_creates_in_flight() -> None:
    window = CreateWindow()
    tickets = [window.acquire() for _ in range(INITIAL_CREATES_IN_FLIGHT)]
    got: list[Ticket] = []
    waiter = threading.Thread(target=lambda: got.append(window.acquire()))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()  # a fifth create waits while four are in flight
    window.created(tickets[0], "a")  # one answered: room again, and one more in flight
    waiter.join(5)
    assert got
    assert not waiter.is_alive()


def test_a_refusal_sets_the_window_to_the_tasks_running() -> None:
    window = CreateWindow()
    make_running(window, 3)
    window.refuse(window.acquire())
    assert window.limit == 3
    assert window.refused == 1


def test_a_create_waits_while_the_window_is_full_and_a_task_ending_lets_it_go() -> None:
    window = CreateWindow()
    running = make_running(window, 3)
    window.refuse(window.acquire())
    got: list[Ticket] = []
    waiter = threading.Thread(target=lambda: got.append(window.acquire()))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()
    window.unwatch(running[0])  # its wait saw it end
    waiter.join(5)
    assert got


def test_refusals_of_creates_sent_before_a_cut_do_not_cut_again() -> None:
    window = CreateWindow()
    running = make_running(window, 2)
    burst = [window.acquire() for _ in range(3)]
    window.refuse(burst[0])
    window.unwatch(running[0])  # meanwhile a task ended: one running
    window.refuse(burst[1])
    window.refuse(burst[2])
    assert window.limit == 2  # set by the first refusal of the burst only
    assert window.refused == 3


def test_successes_near_the_edge_widen_the_window_slowly() -> None:
    window = CreateWindow()
    running = make_running(window, 4)
    window.refuse(window.acquire())
    assert window.limit == 4
    for n in range(8):  # one task ends, another takes its place: 2W of them
        window.unwatch(running.pop(0))
        task_id = f"next{n}"
        window.created(window.acquire(), task_id)
        window.watch(task_id)
        running.append(task_id)
    assert 4.9 < window.limit < 5.1


def test_a_create_is_not_held_when_nothing_could_free_room() -> None:
    window = CreateWindow()
    for n in range(3):  # created, never waited for on this client
        window.created(window.acquire(), f"t{n}")
    window.refuse(window.acquire())
    assert window.limit == 3
    ticket = window.acquire()  # nothing in flight, nobody waiting: a probe goes
    assert isinstance(ticket, Ticket)


def test_max_active_tasks_caps_the_window_from_the_start() -> None:
    window = CreateWindow(max_active_tasks=2)
    make_running(window, 2)
    got: list[Ticket] = []
    waiter = threading.Thread(target=lambda: got.append(window.acquire()))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()
    window.unwatch("t1")
    waiter.join(5)
    assert got


def test_release_and_settled_tickets_count_once() -> None:
    window = CreateWindow()
    ticket = window.acquire()
    window.release(ticket)
    window.release(ticket)
    window.refuse(ticket)
    assert window.refused == 0
    assert window._in_flight == 0


@pytest.mark.timeout(10)
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_async_waiters_are_woken_in_turn_and_a_cancelled_one_leaves_the_queue(
    backend: str,
) -> None:
    window = CreateWindow()
    running = make_running(window, 2)
    window.refuse(window.acquire())
    order: list[str] = []

    async def create(name: str) -> None:
        ticket = await window.aacquire()
        order.append(name)
        window.created(ticket, name)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(create, "first")
            await anyio.sleep(0.01)
            with anyio.move_on_after(0.01):
                await create("cancelled")
            group.start_soon(create, "third")
            await anyio.sleep(0.01)
            assert order == []
            assert len(window._waiters) == 2
            window.unwatch(running[0])
            await anyio.sleep(0.01)
            assert order == ["first"]
            window.unwatch(running[1])

    anyio.run(main, backend=backend)
    assert order == ["first", "third"]
    assert window._in_flight == 0


@pytest.mark.timeout(10)
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_cancelled_waiter_gives_back_a_slot_it_was_handed(backend: str) -> None:
    window = CreateWindow()
    running = make_running(window, 1)
    window.refuse(window.acquire())

    async def create() -> None:  # as the sender does: a slot it holds is freed on any error
        ticket = await window.aacquire()
        try:
            await anyio.sleep(1)
        except BaseException:
            window.release(ticket)
            raise

    async def main() -> None:
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as group:
                group.start_soon(create)
                await anyio.sleep(0.01)
                window.unwatch(running[0])  # the waiter is handed the slot...
                assert window._in_flight == 1
                scope.cancel()  # ...and cancelled before it could run

    anyio.run(main, backend=backend)
    assert window._in_flight == 0
    assert not window._waiters


def test_a_reservation_is_used_by_the_next_create_in_its_context() -> None:
    window = CreateWindow()
    make_running(window, 1)
    window.refuse(window.acquire())  # limit 1, full

    async def main() -> None:
        window.unwatch("t0")
        async with window.reserve():
            assert window._in_flight == 1
            ticket = await window.aacquire()  # the reserved slot, no second one
            assert window._in_flight == 1
            window.created(ticket, "new")
        async with window.reserve():  # unused: given back on the way out
            pass
        assert window._in_flight == 0

    anyio.run(main, backend="asyncio")
