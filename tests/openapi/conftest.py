"""openapi/ holds scripts, not an installed package: make them importable here.

drift's own tests run on a fixture project (tests/openapi/fixtures/project): copies of the
vendor specs as they were stored when the tests were written, and a registry whose code
pointers name stand-ins (``drift_standin``) instead of the wrapper and the generated
client. So taking in a new vendor spec, regenerating and changing the wrapper never
changes what these tests see; the drift report itself checks the real project.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

if TYPE_CHECKING:
    from collections.abc import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drift_testing import FIXTURE_PROJECT, OPENAPI_DIR, write_yaml

sys.path.insert(0, str(OPENAPI_DIR))
sys.path.insert(0, str(FIXTURE_PROJECT))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the fixture project, to change one file of at a time."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def edit_yaml(tree: Path) -> Callable[[str, Callable[[dict[str, Any]], None]], None]:
    """Edit a YAML file of the copied tree (path relative to it) in place."""

    def edit(relative: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = tree / relative
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        write_yaml(path, data)

    return edit
