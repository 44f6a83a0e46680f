"""`anyapi_sora.testing.__all__` is sorted and names exactly the public members."""

from __future__ import annotations

import anyapi_sora.testing as testing


def test_all_is_sorted() -> None:
    assert testing.__all__ == sorted(testing.__all__)


def test_all_matches_the_public_names() -> None:
    # "@py_*" names are pytest's assertion rewriting, which covers plugin packages.
    public = {
        name
        for name in vars(testing)
        if not name.startswith(("_", "@")) and name != "pytest_plugin"
    }
    assert set(testing.__all__) == public


def test_the_package_imports_nothing_from_the_rest_of_the_library() -> None:
    # The mock must run against any client, including a broken one under test.
    import ast
    from pathlib import Path

    for path in Path(testing.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("anyapi_sora"), f"{path.name}: {node.module}"
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                raise AssertionError(f"{path.name} imports from outside anyapi_sora.testing")
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("anyapi_sora") for a in node.names), path.name
