"""`batch` against a gateway that runs only so many tasks at once: it fills the gateway,
keeps within it, and says how it went."""

from __future__ import annotations

import pytest
from anyapi_sora.testing import Fault, MockServer


def write_prompts(folder, count: int) -> None:
    lines = [f"scene number {n}" for n in range(count)]
    (folder / "prompts.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("refuse_with", [Fault.rate_limited(), Fault.saturated(500)])
def test_batch_adapts_its_concurrency_to_a_full_gateway(
    make_cli, tmp_path, refuse_with: Fault
) -> None:
    write_prompts(tmp_path, 12)
    with MockServer(
        queue_seconds=0,
        processing_seconds=0.3,
        max_active_tasks=2,
        refuse_with=refuse_with,
        dialect="anyapi",
    ) as server:
        cli = make_cli(server, tmp_path)
        result = cli(
            "batch",
            "prompts.txt",
            "--out-dir",
            "out",
            "--concurrency",
            "8",
            "--poll-interval",
            "0.05",
            "--json",
        )

    assert result.code == 0, result
    assert [row["state"] for row in result.json_lines()] == ["downloaded"] * 12
    assert server.create_count == 12
    summary = result.json_summary()
    assert summary["concurrency"] == 8
    assert summary["effective_concurrency"] == 2
    refused = server.refusals[("create", "active_tasks")]
    assert refused >= 1  # it did meet the limit...
    assert refused < 12  # ...but not one refusal per slot and retry: 8 slots into 2
    assert summary["refusals"]["create"] == refused
    assert summary["states"] == {"downloaded": 12}
    assert "2 task(s) at once (--concurrency 8)" in result.stderr


def test_the_summary_says_when_nothing_was_refused(cli, server) -> None:
    write_prompts(cli.cwd, 2)
    result = cli("batch", "prompts.txt", "--out-dir", "out", "--json")
    assert result.code == 0, result
    summary = result.json_summary()
    assert summary["refusals"] == {"create": 0, "query": 0}
    assert summary["effective_concurrency"] == summary["concurrency"] == 4
    assert "refused nothing" in result.stderr
