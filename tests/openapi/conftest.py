"""openapi/ holds scripts, not an installed package: make them importable here."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

if TYPE_CHECKING:
    from collections.abc import Callable

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"
sys.path.insert(0, str(OPENAPI_DIR))

ROOT = OPENAPI_DIR.parent


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of what the drift checks read: openapi/, the fixtures and the wrapper source.

    The wrapper and generated/ are still imported from the environment; the copied wrapper
    source only serves the checks that look for the gap comments in it.
    """
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("openapi", "tests/fixtures", "wrapper"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    return tmp_path


@pytest.fixture
def edit_yaml(tree: Path) -> Callable[[str, Callable[[dict[str, Any]], None]], None]:
    """Edit a YAML file of the copied tree (path relative to it) in place."""

    def edit(relative: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = tree / relative
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")

    return edit
