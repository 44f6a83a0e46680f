"""Mutation testing of the money and data paths with mutmut: `nox -s mutate` runs this.

mutmut changes the code one small way at a time (a `<` for a `<=`, a word dropped from a
string, an argument replaced by None...) and runs the tests that call the changed function.
A change no test notices (a survivor) is a promise the suite does not check. Which modules
are changed, and which tests run, is set in pyproject.toml's [tool.mutmut].

mutmut expects the package at the top of the tree or under src/, and ours is under
wrapper/, so it runs in a copy of the tree (by default build/mutation/, replaced on each
run) with wrapper/ laid out as src/. The copy stays after the run: `cd build/mutation &&
mutmut show NAME` shows a mutant, `mutmut browse` all of them.

Survivors that no test can or should kill are listed, each with its reason, in
equivalent-mutants.toml beside this file. The run fails when a survivor is not listed
there, or when the listed survivors that are not equivalent pass the goal (5 % of the
mutants made). `python tests/mutation/mutate.py --help` for the options.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib

    def _read_toml(path: Path) -> dict[str, object]:
        return tomllib.loads(path.read_text(encoding="utf-8"))
else:  # mutmut depends on the toml package before 3.11
    import toml

    def _read_toml(path: Path) -> dict[str, object]:
        return toml.loads(path.read_text(encoding="utf-8"))


ROOT = Path(__file__).resolve().parents[2]
ACCEPTED_FILE = Path(__file__).resolve().parent / "equivalent-mutants.toml"
DEFAULT_STAGE = ROOT / "build" / "mutation"
# Non-equivalent survivors, as a share of the mutants made, that the run tolerates.
GOAL = 0.05
# What the suite needs besides tests/wrapper (its helpers and recorded bodies).
_TEST_TREE_SKIPPED = ("openapi", "bench", "soak", "mutation")

# mutmut's result words, sorted into what they mean here.
_KILLED = {"killed", "caught by type check"}
_TIMEOUT = {"timeout"}
_SURVIVED = {"survived", "no tests"}
# Left untested by a run that was stopped, or that was given only some of the mutants.
_NOT_RUN = {"not checked"}


@dataclass(frozen=True)
class Accepted:
    """A survivor accepted after review: equivalent, or not worth a test (with a reason)."""

    function: str
    diff: tuple[str, ...]
    equivalent: bool
    reason: str


@dataclass
class Mutant:
    name: str
    status: str
    diff: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.name.rsplit(".", 1)[0]

    @property
    def function(self) -> str:
        """`module.function` or `module.Class.method`, as written in the accepted list."""
        # mutmut's names: module.x_function__mutmut_3, module.xǁClassǁmethod__mutmut_3
        mangled = self.name.rsplit(".", 1)[1].partition("__mutmut_")[0].removeprefix("x")
        if mangled.startswith("_"):
            return f"{self.module}.{mangled[1:]}"
        return f"{self.module}." + ".".join(part for part in mangled.split("ǁ") if part)


def lay_out(stage: Path) -> None:
    """A fresh copy of the tree as mutmut wants it: the package under src/."""
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    shutil.copytree(ROOT / "wrapper" / "anyapi_sora", stage / "src" / "anyapi_sora", ignore=junk)
    shutil.copytree(
        ROOT / "tests",
        stage / "tests",
        ignore=lambda folder, names: [
            *junk(folder, names),
            *(n for n in names if Path(folder) == ROOT / "tests" and n in _TEST_TREE_SKIPPED),
        ],
    )
    shutil.copy2(ROOT / "pyproject.toml", stage / "pyproject.toml")


def run_mutmut(stage: Path, *arguments: str) -> None:
    command = [sys.executable, "-m", "mutmut", "run", *arguments]
    if subprocess.run(command, cwd=stage, check=False).returncode != 0:
        raise SystemExit(f"{' '.join(command[2:])} failed: see above")


# Reads mutmut's results and the survivors' diffs in one process. `mutmut results` and
# `mutmut show` would do it too, but start mutmut once per survivor (seconds each). The
# functions are mutmut 3.8's own (the version is pinned in pyproject.toml).
_READ_RESULTS = """
import json, sys
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

out = []
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        status = status_by_exit_code[code]
        diff = get_diff_for_mutant(name, path=path) if status in sys.argv[1:] else ""
        out.append([name, status, diff])
print(json.dumps(out))
"""


def read_results(stage: Path) -> list[Mutant]:
    completed = subprocess.run(
        [sys.executable, "-c", _READ_RESULTS, *_SURVIVED],
        cwd=stage,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    return [
        Mutant(name, status, _normalise(diff.splitlines()) if diff else ())
        for name, status, diff in json.loads(completed.stdout)
    ]


def _normalise(lines: list[str]) -> tuple[str, ...]:
    """Changed lines as `- old` / `+ new`, blanks around the code removed."""
    out = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        line = line.strip()
        if line[:1] in ("-", "+") and line[1:].strip():
            out.append(f"{line[0]} {line[1:].strip()}")
    return tuple(out)


def load_accepted(path: Path = ACCEPTED_FILE) -> list[Accepted]:
    entries = _read_toml(path).get("mutant", [])
    assert isinstance(entries, list), f"{path}: expected [[mutant]] tables"
    accepted = []
    for entry in entries:
        diff = _normalise(str(entry["diff"]).splitlines())
        assert diff, f"{path}: {entry['function']} has an empty diff"
        assert str(entry.get("reason", "")).strip(), f"{path}: {entry['function']} needs a reason"
        accepted.append(
            Accepted(entry["function"], diff, bool(entry["equivalent"]), entry["reason"])
        )
    return accepted


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def report(mutants: list[Mutant], accepted: list[Accepted]) -> int:
    """Print the figures per module and the survivors; the exit status of the run."""
    index = {(a.function, a.diff): a for a in accepted}
    used: set[tuple[str, tuple[str, ...]]] = set()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    unexplained: list[Mutant] = []
    for mutant in mutants:
        count = counts[mutant.module]
        count["generated"] += 1
        if mutant.status in _KILLED:
            count["killed"] += 1
        elif mutant.status in _TIMEOUT:
            count["timeout"] += 1
        elif mutant.status in _NOT_RUN:
            count["not run"] += 1
        elif mutant.status in _SURVIVED:
            count["survived"] += 1
            match = index.get((mutant.function, mutant.diff))
            if match is None:
                count["unexplained"] += 1
                unexplained.append(mutant)
            else:
                used.add((match.function, match.diff))
                count["equivalent" if match.equivalent else "accepted"] += 1
        else:  # suspicious, segfault: the run itself went wrong
            count["other"] += 1
            unexplained.append(mutant)

    columns = ["generated", "killed", "timeout", "survived", "equivalent", "accepted"]
    columns += ["unexplained", "other", "not run"]
    total: Counter[str] = sum(counts.values(), Counter())
    rows = [["module", *columns]]
    rows += [[m, *(str(c[k]) for k in columns)] for m, c in sorted(counts.items())]
    rows += [["total", *(str(total[k]) for k in columns)]]
    print(_table(rows))

    not_equivalent = total["survived"] - total["equivalent"]
    share = not_equivalent / total["generated"] if total["generated"] else 0.0
    print(
        f"\nnon-equivalent survivors: {not_equivalent} of {total['generated']} "
        f"({share:.1%}; goal <= {GOAL:.0%})"
    )
    if total["not run"]:
        # The share above counts them as killed; only a complete run measures the goal.
        print(
            f"incomplete: {total['not run']} mutant(s) not run; of the "
            f"{total['generated'] - total['not run']} run, {not_equivalent} survived "
            "and are not equivalent"
        )
    for mutant in unexplained:
        print(f"\n{mutant.status.upper()}: {mutant.function}  ({mutant.name})")
        for line in mutant.diff:
            print(f"    {line}")
    if unexplained:
        print(
            f"\n{len(unexplained)} mutant(s) above are not explained: kill them with a test, or "
            f"list them in {ACCEPTED_FILE.relative_to(ROOT)} with the reason."
        )
    # Only a function whose every mutant was run can show that an entry no longer survives:
    # a run of named mutants, or a stopped one, says nothing about the other functions.
    not_run = {m.function for m in mutants if m.status in _NOT_RUN}
    tried = {m.function for m in mutants} - not_run
    stale = [a for a in accepted if a.function in tried and (a.function, a.diff) not in used]
    for entry in stale:
        print(f"\nnote: accepted mutant no longer survives (remove it?): {entry.function}")
        for line in entry.diff:
            print(f"    {line}")
    return 1 if unexplained or share > GOAL or total["not run"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", help="only these mutants (globs, e.g. 'anyapi_sora._retry.*')"
    )
    parser.add_argument("--workers", type=int, default=2, help="mutants tested at once (2)")
    parser.add_argument("--stage", type=Path, default=DEFAULT_STAGE, help="the copy to run in")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the copy and mutmut's results from the last run (after changing only tests: "
        "copy them in yourself); the names given are tested again",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: report the results the copy holds (of the named mutants, if any)",
    )
    options = parser.parse_args(argv)
    stage: Path = options.stage.resolve()
    if options.report_only:
        if not stage.exists():
            raise SystemExit(f"no earlier run in {stage}")
    else:
        if not (options.reuse and stage.exists()):
            lay_out(stage)
        started = time.monotonic()
        run_mutmut(stage, "--max-children", str(options.workers), *options.names)
        elapsed = time.monotonic() - started
    mutants = read_results(stage)
    if options.names:
        patterns = [re.compile(re.escape(n).replace(r"\*", ".*")) for n in options.names]
        mutants = [m for m in mutants if any(p.fullmatch(m.name) for p in patterns)]
    how = "" if options.report_only else f"{options.workers} worker(s), {elapsed / 60:.1f} min: "
    print(
        f"\nmutmut {metadata.version('mutmut')} on Python {sys.version.split()[0]}, "
        f"{how}{len(mutants)} mutants (copy in {stage})\n"
    )
    return report(mutants, load_accepted())


if __name__ == "__main__":
    sys.exit(main())
