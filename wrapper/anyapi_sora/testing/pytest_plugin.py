"""The pytest plugin's fixtures under their first import path (`-p` or `pytest_plugins`).

The plugin itself is the top-level module `_anyapi_sora_pytest_plugin` (entry point
`anyapi_sora`), which pytest can load without importing this package: see its docstring for
the fixtures. Loading both is harmless: they are the same fixtures and the same marker.
"""

from _anyapi_sora_pytest_plugin import (
    MARKER,
    TESTING_OPTION,
    anyapi_mock,
    anyapi_mock_env,
    anyapi_mock_options,
    anyapi_testing_mode,
    pytest_configure,
)

__all__ = [
    "MARKER",
    "TESTING_OPTION",
    "anyapi_mock",
    "anyapi_mock_env",
    "anyapi_mock_options",
    "anyapi_testing_mode",
    "pytest_configure",
]
