"""A gateway in trouble: the circuit breaker, and what is said about unknown outcomes."""

from __future__ import annotations

import asyncio
import shlex

from anyapi_sora.cli._batch_breaker import CreateBreaker, UnknownCreatesError
from anyapi_sora.testing import Fault

BILLED_500 = Fault.server_error(500, after_create=True)


def write_prompts(folder, count):
    lines = [f"prompt {n}: a corgi doing trick {n}" for n in range(count)]
    (folder / "prompts.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_an_outage_that_bills_failed_creates_costs_at_most_three_tasks(cli, server):
    write_prompts(cli.cwd, 20)
    server.inject("create", BILLED_500, rate=1.0)  # every create makes a task, then says 500

    result = cli("batch", "prompts.txt", "--out-dir", "out", "--concurrency", "8")

    assert result.code == 1, result
    assert server.create_count <= 3
    assert len(server.requests_to("create")) == server.create_count
    assert "stopped creating tasks: 3 creates in a row failed" in result.stderr
    assert "gateway seems to be in trouble" in result.stderr
    assert "500" in result.stderr  # the gateway's own words
    assert "17 pending, 3 unknown" in result.stderr
    assert "Traceback" not in result.stderr


def test_when_only_unknown_outcomes_remain_the_command_to_resubmit_is_printed_once(inproc, server):
    write_prompts(inproc.cwd, 2)
    server.inject("create", BILLED_500, rate=1.0)

    first = inproc("batch", "prompts.txt", "-d", "out")

    assert first.code == 1, first
    assert server.create_count == 2
    assert "Rerun to finish" not in first.stderr
    assert first.stderr.count("have an unknown create outcome") == 1
    assert first.stderr.count("  line 1: prompt 0") == 1
    command = next(
        line.split("billed twice):", 1)[1].strip()
        for line in first.stderr.splitlines()
        if "--resubmit-unknown" in line
    )
    assert shlex.split(command)[-1] == "--resubmit-unknown"
    assert "batch prompts.txt --out-dir out" in command

    again = inproc("batch", "prompts.txt", "-d", "out")  # without the flag: nothing created

    assert again.code == 1, again
    assert server.create_count == 2
    assert "Rerun to finish" not in again.stderr
    assert again.stderr.count("  line 1: prompt 0") == 1  # listed once, not at start and end

    server.clear_faults()
    # The printed command as is (the key comes from the environment, never from a hint).
    resubmitted = inproc("--api-key", server.api_key, *shlex.split(command)[1:], connect=False)

    assert resubmitted.code == 0, resubmitted
    assert server.create_count == 4


def test_max_unknown_creates_sets_the_limit(inproc, server):
    write_prompts(inproc.cwd, 6)
    server.inject("create", BILLED_500, rate=1.0)

    result = inproc("batch", "prompts.txt", "-d", "out", "--max-unknown-creates", "1")

    assert result.code == 1, result
    assert server.create_count == 1


def test_the_breaker_counts_creates_in_flight_and_resets_on_success():
    async def scenario():
        breaker = CreateBreaker(3)
        assert [await breaker.acquire() for _ in range(3)] == [True] * 3
        waiting = asyncio.ensure_future(breaker.acquire())
        await asyncio.sleep(0)
        assert not waiting.done()  # three in flight: a fourth could be a fourth bill
        breaker.release(created=True, unknown=False)
        assert await waiting is True  # a success resets the count
        for _ in range(3):
            breaker.release(created=False, unknown=True, reason="500")
        assert isinstance(breaker.stopped, UnknownCreatesError)
        assert await breaker.acquire() is False

    asyncio.run(scenario())


def test_a_refused_create_neither_counts_nor_resets():
    async def scenario():
        breaker = CreateBreaker(2)
        await breaker.acquire()
        breaker.release(created=False, unknown=True, reason="500")
        await breaker.acquire()
        breaker.release(created=False, unknown=False)  # 4xx: certainly not billed
        await breaker.acquire()
        breaker.release(created=False, unknown=True, reason="500")
        assert breaker.stopped is not None

    asyncio.run(scenario())
