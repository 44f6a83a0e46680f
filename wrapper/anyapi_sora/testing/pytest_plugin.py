"""pytest fixtures for testing code against the mock AnyAPI gateway.

Installed as a pytest plugin (entry point `anyapi_sora`), so these fixtures are available
in any project that has anyapi-sora installed:

- `anyapi_mock`: a running `MockServer`, new for each test, with a zero-length timeline
  (tasks complete on their first query).
- `anyapi_mock_env`: the same server, with `ANYAPI_BASE_URL` and `ANYAPI_API_KEY` set to
  it for the duration of the test.
- `anyapi_mock_options`: the keyword arguments given to `MockServer`. Override this fixture
  to change them for a module or class, or use the marker for one test:

      @pytest.mark.anyapi_mock(processing_seconds=2, url_ttl_seconds=5)
      def test_slow_task(anyapi_mock): ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ._server import MockServer

if TYPE_CHECKING:
    from collections.abc import Iterator

MARKER = "anyapi_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): keyword arguments for the MockServer of the anyapi_mock fixture",
    )


@pytest.fixture
def anyapi_mock_options() -> dict[str, Any]:
    """MockServer keyword arguments for `anyapi_mock`; override to change the defaults."""
    return {"queue_seconds": 0.0, "processing_seconds": 0.0}


@pytest.fixture
def anyapi_mock(
    request: pytest.FixtureRequest, anyapi_mock_options: dict[str, Any]
) -> Iterator[MockServer]:
    """A running mock AnyAPI gateway, stopped after the test."""
    options = dict(anyapi_mock_options)
    # Closest marker wins over the options fixture, so one test can differ from its module.
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        options.update(marker.kwargs)
    with MockServer(**options) as server:
        yield server


@pytest.fixture
def anyapi_mock_env(anyapi_mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> MockServer:
    """`anyapi_mock`, with ANYAPI_BASE_URL and ANYAPI_API_KEY pointing at it."""
    for name, value in anyapi_mock.env.items():
        monkeypatch.setenv(name, value)
    return anyapi_mock
