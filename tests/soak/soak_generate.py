"""The full generate soak: 500 calls through seeded faults (`nox -s soak`).

Named soak_*.py so that the default `tests` session does not collect it; the 50-call
version in tests/wrapper/test_soak.py runs there instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from soak.harness import run_soak

if TYPE_CHECKING:
    from pathlib import Path

TASKS = 500


@pytest.mark.timeout(900)
def test_500_calls_complete_or_fail_typed_and_nothing_is_billed_twice(tmp_path: Path) -> None:
    report = run_soak(TASKS, tmp_path)
    print()
    print(report.render())

    assert report.problems() == []
    assert report.create_count == TASKS
    for label, fired in report.faults.items():
        assert fired > 0, f"fault {label!r} never fired"
    assert report.completed >= TASKS * 0.9
