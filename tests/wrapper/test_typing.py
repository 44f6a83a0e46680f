"""What a type checker tells a user of the library: mistakes flagged, correct code clean.

`typing_samples/mistakes.py` marks each line that must be flagged with `# E: <message>` on
the line above it;
`typing_samples/correct_usage.py` must pass `mypy --strict` without a word. Both are user
scripts: they import the installed `anyapi_sora`, as a user's project would.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is in the `test` dependency group")

pytestmark = pytest.mark.slow  # child processes (tests/conftest.py)

SAMPLES = Path(__file__).parent / "typing_samples"
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*)$")


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], str]:
    """`mypy --strict` on both samples in one run: {(file name, line): messages}."""
    cache = tmp_path_factory.mktemp("mypy-cache")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), str(SAMPLES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    errors: dict[tuple[str, int], str] = {}
    for line in result.stdout.splitlines():
        if match := ERROR.match(line):
            key = (Path(match["file"]).name, int(match["line"]))
            errors[key] = errors.get(key, "") + match["message"]
    return errors


def expected_errors() -> dict[int, str]:
    lines = (SAMPLES / "mistakes.py").read_text().splitlines()
    return {
        n + 1: line.split("# E: ", 1)[1]
        for n, line in enumerate(lines, 1)
        if line.lstrip().startswith("# E: ")
    }


def test_the_samples_mark_the_mistakes_the_issue_names() -> None:
    marked = "\n".join(expected_errors().values())
    for mistake in ('"modle"', '"duration"', "Literal['sideways']"):
        assert mistake in marked


@pytest.mark.parametrize(("line", "message"), sorted(expected_errors().items()))
def test_mypy_strict_flags_each_mistake(
    mypy_errors: dict[tuple[str, int], str], line: int, message: str
) -> None:
    assert message in mypy_errors.get(("mistakes.py", line), "<no error>")


def test_mypy_flags_nothing_else(mypy_errors: dict[tuple[str, int], str]) -> None:
    flagged = {line for name, line in mypy_errors if name == "mistakes.py"}
    assert flagged == set(expected_errors())


def test_correct_usage_passes_mypy_strict(mypy_errors: dict[tuple[str, int], str]) -> None:
    assert {k: v for k, v in mypy_errors.items() if k[0] == "correct_usage.py"} == {}
