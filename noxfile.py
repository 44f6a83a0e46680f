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
    # The regen group too: the freshness check's own tests run the pinned generator.
    _install_group(session, "test", "regen")
    session.install(".")
    # -p no:cacheprovider keeps the fresh clone clean; the run fails on "no tests ran"
    # because pytest exits 5 then, which nox treats as a failure.
    session.run("pytest", "-p", "no:cacheprovider", *session.posargs)


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
    session.install("-e", ".")
    session.run("mypy", "--strict", "wrapper")


@nox.session(python=NEWEST, default=False)
def regen(session: nox.Session) -> None:
    """Transform the vendor specs and regenerate generated/ from them."""
    _install_group(session, "regen")
    session.run("python", "openapi/regen.py", "write")
    session.log("review the change with `git diff openapi/ generated/`")


@nox.session(python=NEWEST)
def drift(session: nox.Session) -> None:
    """Fail when generated/ or the transformed spec no longer follow from openapi/."""
    _install_group(session, "regen")
    session.run("python", "openapi/regen.py", "check")
