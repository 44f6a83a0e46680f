"""What gets published: the sdist and the wheel built from it, and the README as PyPI shows it.

The build needs `build` and `twine`, which the `test` group does not install: `nox -s package`
(a default session, so CI runs it) installs them and sets ANYAPI_SORA_PACKAGE_CHECK=1, which
turns a missing tool into a failure instead of a skip.
"""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "https://github.com/anyapi-sora/anyapi-sora"
REQUIRED = os.environ.get("ANYAPI_SORA_PACKAGE_CHECK") == "1"


def _tool(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        if REQUIRED:
            raise
        pytest.skip(f"{module} is not installed (nox -s package installs it)")


def _source_version() -> str:
    text = (ROOT / "wrapper" / "anyapi_sora" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    assert match, "no __version__ in _version.py"
    return match.group(1)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build`: the sdist, then the wheel built from that sdist."""
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("not run from a source tree")
    _tool("build")
    _tool("twine")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def test_twine_check_strict_passes(dist: Path) -> None:
    files = sorted(str(p) for p in dist.iterdir())
    assert len(files) == 2, files
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_licence_is_in_the_wheel_and_the_sdist(dist: Path) -> None:
    version = _source_version()
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert f"anyapi_sora-{version}.dist-info/licenses/LICENSE" in names
        metadata = archive.read(f"anyapi_sora-{version}.dist-info/METADATA").decode()
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    for name in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml"):
        assert f"anyapi_sora-{version}/{name}" in members, name
    fields = email.parser.Parser().parsestr(metadata)
    assert fields["Version"] == version
    assert fields["License-Expression"] == "MIT"
    assert fields.get_all("License-File") == ["LICENSE"]
    urls = dict(url.split(", ", 1) for url in fields.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Changelog", "Issues"} <= set(urls)
    assert all(url.startswith(REPOSITORY) for url in urls.values())
    classifiers = fields.get_all("Classifier") or []
    assert "Framework :: Trio" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]


def test_the_readme_links_work_on_pypi() -> None:
    # PyPI shows the README without the repository around it: a relative link is dead there.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert targets, "no links found: the pattern is wrong"
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#", "mailto:"))]
    assert relative == []


def test_the_readme_starts_with_the_install_line() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```", 2)[1]
    assert "pip install anyapi-sora" in first_block
    head = readme[: readme.index("## ", readme.index("pip install anyapi-sora"))]
    assert "clone" not in head  # a clone is for contributors, further down
