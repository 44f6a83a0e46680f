"""Marks shared by the whole suite.

`slow` marks the tests that start a Python child process (the command itself, the mock
server's module, a nested pytest, mypy) or run a fleet of hundreds of tasks: they take
most of the suite's time. `nox -s tests` runs them on the oldest and the newest Python it
finds, and the rest on every one (see the noxfile); `pytest -m "not slow"` is the quick
run by hand.
"""

from __future__ import annotations

import gc

import pytest

# Every test that asks for one of these runs the `anyapi-sora` command in a subprocess.
_COMMAND_FIXTURES = frozenset({"cli", "slow_cli", "make_cli"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _COMMAND_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session: pytest.Session) -> None:
    # Each async test's teardown runs gc.collect() (tests/client_harness.py) to finalise
    # httpx's suspended body generators while their loop still runs. Without this, every
    # one of those collections would scan again the modules and test items loaded by now,
    # none of which can become garbage: ~0.1 s each, hundreds of times.
    gc.collect()
    gc.freeze()
