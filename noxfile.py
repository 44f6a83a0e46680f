"""Automation for anyapi-sora: `nox` runs the default sessions that CI runs."""

from __future__ import annotations

from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typecheck", "drift", "tests"]

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)
NEWEST = PYTHONS[-1]


def _install_group(session: nox.Session, *groups: str) -> None:
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against an installed copy of the project."""
    _install_group(session, "test")
    session.install(".[cli]")
    # tests/openapi runs in `drift`: the pinned generator needs Python 3.11+.
    # -p no:cacheprovider keeps the clone clean. pytest exits 5 when no test ran, which
    # nox reports as a failure, so an empty run cannot pass.
    session.run("pytest", "-p", "no:cacheprovider", "--ignore=tests/openapi", *session.posargs)


@nox.session(python=NEWEST)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check on everything but generated/."""
    _install_group(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=NEWEST)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on wrapper/ (the generated package is checked through its imports)."""
    _install_group(session, "typecheck")
    session.install("-e", ".[cli]")
    session.run("mypy", "--strict", "wrapper")


@nox.session(python=NEWEST, default=False)
def regen(session: nox.Session) -> None:
    """Transform the vendor specs and regenerate generated/ from them."""
    _install_group(session, "regen")
    session.run("python", "openapi/regen.py", "write")
    session.log("review the change with `git diff openapi/ generated/`")


@nox.session(python=NEWEST)
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
    session.run("pytest", "-p", "no:cacheprovider", "-p", "no:anyapi_sora", "tests/openapi")


@nox.session(python=NEWEST, default=False)
def bench(session: nox.Session) -> None:
    """Time the library against hand-written httpx code on the mock server; see BENCHMARKS.md.

    `nox -s bench -- --quick` is a faster, noisier run; `-- --only overhead,import` picks rows.
    """
    # The library as a user installs it, without the CLI extra: httpx imports click and rich
    # for its own CLI when they are installed, which would flatter the import ratio. The
    # benchmarks need nothing else (RSS comes from the stdlib's resource module).
    session.install(".")
    session.run("python", "tests/bench/bench_all.py", *session.posargs)


@nox.session(python=NEWEST, default=False)
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
