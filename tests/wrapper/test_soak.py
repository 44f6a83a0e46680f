"""A short soak: 50 `AsyncAnyAPI.videos.generate` calls through seeded faults on every route.

The 500-call version runs in `nox -s soak` (tests/soak/soak_generate.py); see
tests/soak/harness.py for the faults and the promises checked. Nothing here depends on
how fast the machine is: only on what ended how, and what the server and the disk saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from soak.harness import run_soak

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.timeout(120)
def test_every_call_completes_or_fails_typed_and_nothing_is_billed_twice(tmp_path: Path) -> None:
    report = run_soak(50, tmp_path)
    print(report.render())

    assert report.problems() == []
    # The faults did happen: otherwise this would only show that the happy path works.
    assert report.faults["query 500"] + report.faults["query 502 (HTML)"] > 0
    assert sum(report.faults.values()) >= 10
    # Most calls get through: query faults are retried, and only create faults are final.
    assert report.completed >= 40
