"""Recorded vendor response bodies (tests/fixtures/), importable from any test module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    """The parsed JSON body of tests/fixtures/<name>."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_names(prefix: str = "") -> list[str]:
    return sorted(p.name for p in FIXTURES.glob(f"{prefix}*.json"))
