"""`anyapi_sora.__all__` stays sorted and in step with the package's public names."""

from __future__ import annotations

import types
from importlib import metadata

import anyapi_sora
from anyapi_sora._http import USER_AGENT

# The names issue 4 fixes: users and outside tests import them.
PROMISED = {
    "AnyAPI",
    "AsyncAnyAPI",
    "VideoTask",
    "TaskStatus",
    "AnyAPIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RateLimitError",
    "InternalServerError",
    "ResponseShapeError",
    "VideoGenerationError",
    "WaitTimeoutError",
    # Issue 10: a create answered "no task exists" (a RateLimitError: retried, not billed).
    "TaskNotCreatedError",
}


def test_all_is_sorted() -> None:
    assert anyapi_sora.__all__ == sorted(anyapi_sora.__all__)


def test_all_has_no_duplicates() -> None:
    assert len(anyapi_sora.__all__) == len(set(anyapi_sora.__all__))


def test_all_imports_are_exported() -> None:
    # Subpackages (testing, cli) become attributes once imported; they are not re-exports.
    public = {
        name
        for name, value in vars(anyapi_sora).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(anyapi_sora.__all__) == public


def test_every_promised_name_is_exported() -> None:
    assert set(anyapi_sora.__all__) >= PROMISED


def test_exported_names_belong_to_the_package() -> None:
    for name in anyapi_sora.__all__:
        member = getattr(anyapi_sora, name)
        assert member.__module__.startswith("anyapi_sora."), name


def test_the_version_is_the_installed_one_and_the_user_agent_says_it() -> None:
    # Three places carry the version: the package metadata, __version__ and User-Agent.
    assert anyapi_sora.__version__ == metadata.version("anyapi-sora")
    assert f"anyapi-sora/{anyapi_sora.__version__}" == USER_AGENT
