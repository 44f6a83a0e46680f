"""The mutation report (mutate.py) and the list of accepted survivors it reads."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

if sys.version_info < (3, 11):
    pytest.importorskip("toml", reason="mutate.py reads TOML with the toml package before 3.11")

_spec = importlib.util.spec_from_file_location("mutate", Path(__file__).with_name("mutate.py"))
assert _spec is not None
assert _spec.loader is not None
mutate = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("mutate", mutate)  # its dataclasses look their module up there
_spec.loader.exec_module(mutate)

WRAPPER = mutate.ROOT / "wrapper"


@pytest.mark.parametrize(
    ("name", "module", "function"),
    [
        (
            "anyapi_sora._retry.x_retry_after_hint__mutmut_8",
            "anyapi_sora._retry",
            "retry_after_hint",
        ),
        ("anyapi_sora._status.x__read_stems__mutmut_1", "anyapi_sora._status", "_read_stems"),
        (
            "anyapi_sora._retry.xǁRetryPolicyǁbackoff__mutmut_13",
            "anyapi_sora._retry",
            "RetryPolicy.backoff",
        ),
        (
            "anyapi_sora._download.xǁDownloadStateǁ_x__mutmut_2",
            "anyapi_sora._download",
            "DownloadState._x",
        ),
    ],
)
def test_mutmut_names_are_read_as_module_and_function(
    name: str, module: str, function: str
) -> None:
    mutant = mutate.Mutant(name, "survived")
    assert mutant.module == module
    assert mutant.function == f"{module}.{function}"


def test_a_diff_is_compared_by_its_changed_lines_only() -> None:
    shown = [
        "--- src/anyapi_sora/_retry.py",
        "+++ src/anyapi_sora/_retry.py",
        "@@ -3,5 +3,5 @@",
        "     if x:",
        "-        return a",
        "+        return  b",
        "",
    ]
    assert mutate._normalise(shown) == ("- return a", "+ return  b")
    assert mutate._normalise(["  - return a", "+ return  b  "]) == ("- return a", "+ return  b")


def _mutants(*statuses: str) -> list[object]:
    return [
        mutate.Mutant(f"anyapi_sora._retry.x_f__mutmut_{i}", status, ("- a", f"+ b{i}"))
        for i, status in enumerate(statuses)
    ]


def test_the_run_fails_on_a_survivor_nobody_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    mutants = _mutants(*["killed"] * 98, "timeout", "survived")
    assert mutate.report(mutants, []) == 1
    out = capsys.readouterr().out
    assert "SURVIVED: anyapi_sora._retry.f" in out
    assert "    + b99" in out


def test_accepted_survivors_pass_and_count_against_the_goal_unless_equivalent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    mutants = _mutants(*["killed"] * 90, *["survived"] * 10)
    equivalent = [
        mutate.Accepted("anyapi_sora._retry.f", ("- a", f"+ b{i}"), True, "same")
        for i in range(90, 96)
    ]
    not_equivalent = [
        mutate.Accepted("anyapi_sora._retry.f", ("- a", f"+ b{i}"), False, "log only")
        for i in range(96, 100)
    ]
    assert mutate.report(mutants, equivalent + not_equivalent) == 0  # 4 of 100: within 5 %
    assert "non-equivalent survivors: 4 of 100 (4.0%" in capsys.readouterr().out
    many = _mutants(*["killed"] * 90, *["survived"] * 10)
    all_accepted = [
        mutate.Accepted("anyapi_sora._retry.f", ("- a", f"+ b{i}"), False, "log only")
        for i in range(90, 100)
    ]
    assert mutate.report(many, all_accepted) == 1  # 10 %: past the goal


def test_a_run_that_went_wrong_is_not_a_pass() -> None:
    assert mutate.report(_mutants("killed", "suspicious"), []) == 1


def test_an_accepted_mutant_is_called_stale_only_when_its_function_was_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    gone = mutate.Accepted("anyapi_sora._retry.f", ("- a", "+ killed now"), True, "same")
    elsewhere = mutate.Accepted("anyapi_sora._retry.g", ("- a", "+ b"), True, "same")
    assert mutate.report(_mutants(*["killed"] * 10), [gone, elsewhere]) == 0
    out = capsys.readouterr().out
    assert out.count("no longer survives") == 1
    assert "(remove it?): anyapi_sora._retry.f\n    - a\n    + killed now" in out
    # A function with a mutant not run yet may still have the entry's survivor among them.
    mutate.report(_mutants(*["killed"] * 9, "not checked"), [gone])
    assert "no longer survives" not in capsys.readouterr().out


def test_mutants_not_run_are_counted_apart_and_fail_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A stopped run measured nothing about the mutants it did not reach.
    assert mutate.report(_mutants(*["killed"] * 97, *["not checked"] * 3), []) == 1
    out = capsys.readouterr().out
    assert "incomplete: 3 mutant(s) not run; of the 97 run, 0 survived" in out
    assert "NOT CHECKED" not in out  # counted, not listed one by one
    header, row = out.splitlines()[:2]
    assert header.split()[-2:] == ["not", "run"]
    assert row.split()[-1] == "3"


def test_every_accepted_survivor_is_still_in_the_code() -> None:
    # An entry whose lines the code no longer has would hide nothing: it is stale.
    for entry in mutate.load_accepted():
        module = entry.function.split(".")[1]
        source = (WRAPPER / "anyapi_sora" / f"{module}.py").read_text(encoding="utf-8")
        code = {line.strip() for line in source.splitlines()}
        removed = [line[2:] for line in entry.diff if line.startswith("- ")]
        assert removed, entry
        for line in removed:
            assert line in code, (entry.function, line)
        assert entry.reason.strip()
