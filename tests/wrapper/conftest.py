"""Fixtures for the client tests: `api` runs a test on AnyAPI and again on AsyncAnyAPI."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
