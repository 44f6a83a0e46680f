"""A create the gateway answered with "no task" (empty id, status "error") created nothing.

Whatever its HTTP status (500 here), the command must say so: nothing was billed, a batch
counts it as not created (not an unknown outcome), it does not stop the batch like an
outage that may bill, and a plain rerun creates the prompt.
"""

from __future__ import annotations

import pytest
from anyapi_sora.testing import Fault

SATURATED = Fault.saturated(status=500)
MAYBE_BILLED = "may have been created"


def write_prompts(folder, count):
    lines = [f"prompt {n}: a heron fishing, take {n}" for n in range(count)]
    (folder / "prompts.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("command", ["generate", "create"])
def test_generate_and_create_say_nothing_was_created(cli, server, command):
    server.inject("create", SATURATED, rate=1.0)

    result = cli(command, "a heron", "--json")

    assert result.code == 1, result  # an API error; 2 stays for usage errors
    assert server.create_count == 0
    assert len(server.requests_to("create")) == 3  # retried like a 429 (max_retries=2)
    error = result.json()["error"]
    assert error["type"] == "TaskNotCreatedError"
    assert error["exit_code"] == 1
    assert "no task was created (nothing was billed)" in error["message"]
    assert "no task was created (nothing was billed)" in result.stderr
    assert MAYBE_BILLED not in result.stderr
    assert "Check your recent tasks" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_batch_counts_them_as_not_created_and_a_rerun_creates_them(cli, server):
    write_prompts(cli.cwd, 5)
    server.inject("create", SATURATED, rate=1.0)

    first = cli("batch", "prompts.txt", "-d", "out", "--max-unknown-creates", "1")

    assert first.code == 1, first
    assert server.create_count == 0
    # Every prompt was tried: refusals that made nothing do not trip the outage breaker.
    assert len(server.requests_to("create")) == 5 * 3
    assert "stopped creating tasks" not in first.stderr
    assert "unknown create outcome" not in first.stderr
    assert "--resubmit-unknown" not in first.stderr
    assert "5 not_created" in first.stderr
    assert "Rerun to finish:" in first.stderr

    server.clear_faults()
    again = cli("batch", "prompts.txt", "-d", "out")  # no --resubmit-unknown needed

    assert again.code == 0, again
    assert server.create_count == 5
    assert len(list((cli.cwd / "out").glob("*.mp4"))) == 5


def test_refusals_between_billed_failures_do_not_hide_an_outage(cli, server):
    # A refusal is no success: it must not reset the count of creates that may have billed.
    write_prompts(cli.cwd, 6)
    billed_500 = Fault.server_error(500, after_create=True)
    for fault in (billed_500, SATURATED, SATURATED, SATURATED, billed_500):
        server.inject("create", fault)

    result = cli("batch", "prompts.txt", "-d", "out", "-c", "1", "--max-unknown-creates", "2")

    assert result.code == 1, result
    assert "stopped creating tasks: 2 creates in a row failed" in result.stderr
    assert server.create_count == 2  # the two that failed after making their task
