"""Fixtures for the client tests: `api` runs a test on AnyAPI and again on AsyncAnyAPI."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import child_processes
import pytest
from client_harness import Harness

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> Iterator[Harness]:
    harness = Harness(request.param)
    yield harness
    harness.close()


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither ANYAPI_API_KEY nor ANYAPI_BASE_URL set, whatever the developer's shell has."""
    monkeypatch.delenv("ANYAPI_API_KEY", raising=False)
    monkeypatch.delenv("ANYAPI_BASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _reap_child_processes() -> Iterator[None]:
    """Kill and reap the children a test started (`child_processes.start`), pass or fail."""
    yield
    child_processes.reap_all()


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt during the test, even in a run started with SIGINT
    ignored (`trap '' INT`, nohup, a background job), as a test that sends it expects."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
