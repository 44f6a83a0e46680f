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

- `anyapi_testing_mode`: True by default: while `anyapi_mock` runs, the library is in test
  mode (`anyapi_sora.set_testing(True)`: every poll interval and backoff at most 10 ms), so
  a `generate()` takes milliseconds, not the real ~5 s before the first poll. The previous
  mode is restored after the test. Override the fixture to return False, or mark one test
  `@pytest.mark.anyapi_mock(testing=False)`, to run with the library's real timings.

pytest loads this module in every project that has anyapi-sora installed, whether or not
its tests use the mock, and before coverage measurement starts. So it is a top-level module
that imports pytest only: importing anything from `anyapi_sora` here would run the
package's `__init__` (httpx, ssl, the client) at every pytest start-up, and hide the
package's module-level lines from `pytest --cov`. The mock server is imported by the
fixture that starts it. `-p no:anyapi_sora` turns the plugin off.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from anyapi_sora.testing import MockServer

__all__ = [
    "MARKER",
    "TESTING_OPTION",
    "anyapi_mock",
    "anyapi_mock_env",
    "anyapi_mock_options",
    "anyapi_testing_mode",
    "pytest_configure",
]

MARKER = "anyapi_mock"
"""The marker's name: `@pytest.mark.anyapi_mock(**options)`."""
TESTING_OPTION = "testing"
"""The marker's keyword that is not a MockServer option: `testing=False`."""
_MARKER_LINE = (
    f"{MARKER}(**options): keyword arguments for the MockServer of the anyapi_mock fixture; "
    f"{TESTING_OPTION}=False runs the library with its real timings"
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the `anyapi_mock` marker (pytest's hook; not called by tests)."""
    # Once, even when the plugin is also loaded under its old module path.
    if _MARKER_LINE not in config.getini("markers"):
        config.addinivalue_line("markers", _MARKER_LINE)


@pytest.fixture
def anyapi_mock_options() -> dict[str, Any]:
    """MockServer keyword arguments for `anyapi_mock`; override to change the defaults.

    The default is a zero-length timeline (tasks complete on their first query). A
    `@pytest.mark.anyapi_mock(...)` marker's keywords win over it for one test.

    Example:
        ```python
        @pytest.fixture
        def anyapi_mock_options():
            return {"queue_seconds": 0, "processing_seconds": 0, "dialect": "newapi-task"}
        ```
    """
    return {"queue_seconds": 0.0, "processing_seconds": 0.0}


def _set_testing(enabled: bool) -> bool | None:
    """Put the library in (or out of) test mode; the previous mode, None if unavailable.

    Looked up when a test runs, not imported: the mock itself must keep working against any
    client, including a broken one under test (see `anyapi_sora.testing`).
    """
    try:
        clock = importlib.import_module("anyapi_sora._clock")
        previous = bool(clock.is_testing())
        clock.set_testing(enabled)
    except Exception:
        return None
    return previous


@pytest.fixture
def anyapi_testing_mode() -> bool:
    """Whether `anyapi_mock` puts the library in test mode; override to return False.

    In test mode (`anyapi_sora.set_testing(True)`) every sleep the library chooses lasts
    at most 10 ms. The marker's `testing=False` turns it off for one test.
    """
    return True


@pytest.fixture
def anyapi_mock(
    request: pytest.FixtureRequest, anyapi_mock_options: dict[str, Any], anyapi_testing_mode: bool
) -> Iterator[MockServer]:
    """A running mock AnyAPI gateway, new for each test and stopped after it.

    Made with `anyapi_mock_options`, updated by the closest `anyapi_mock` marker. While it
    runs the library is in test mode (see `anyapi_testing_mode`); the previous mode is
    restored afterwards.

    Example:
        ```python
        @pytest.mark.anyapi_mock(processing_seconds=2, url_ttl_seconds=5)
        def test_slow(anyapi_mock):
            client = AnyAPI(api_key=anyapi_mock.api_key, base_url=anyapi_mock.base_url)
            ...
        ```
    """
    from anyapi_sora.testing import MockServer  # only now: see the module's docstring

    options = dict(anyapi_mock_options)
    # Closest marker wins over the options fixture, so one test can differ from its module.
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        options.update(marker.kwargs)
    testing = bool(options.pop(TESTING_OPTION, anyapi_testing_mode))
    previous = _set_testing(testing)
    try:
        with MockServer(**options) as server:
            yield server
    finally:
        if previous is not None:
            _set_testing(previous)


@pytest.fixture
def anyapi_mock_env(anyapi_mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> MockServer:
    """`anyapi_mock`, with ANYAPI_BASE_URL and ANYAPI_API_KEY pointing at it.

    A plain `AnyAPI()` in the code under test then talks to the mock; the variables are
    restored after the test.

    Example:
        ```python
        def test_generate(anyapi_mock_env, tmp_path):
            AnyAPI().videos.generate("a kite", out=tmp_path / "kite.mp4")
            assert anyapi_mock_env.create_count == 1
        ```
    """
    for name, value in anyapi_mock.env.items():
        monkeypatch.setenv(name, value)
    return anyapi_mock
