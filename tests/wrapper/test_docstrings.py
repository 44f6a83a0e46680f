"""The public API's docstrings: a one-line summary first, and every argument described.

The API reference (`nox -s docs`) is built from these docstrings, so an option added
without a word in its method's `Args:` would be missing from it.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import anyapi_sora
import anyapi_sora.testing
import pytest
from anyapi_sora._videos_async import AsyncVideos
from anyapi_sora._videos_sync import Videos

PACKAGE_DIR = Path(anyapi_sora.__file__).resolve().parent
# Made by the library, not by users: their constructors are documented, not checked here.
EXCEPTIONS = tuple(
    cls for cls in vars(anyapi_sora).values() if inspect.isclass(cls) and issubclass(cls, Exception)
)
CONTEXT_MANAGER = {"__enter__", "__exit__", "__aenter__", "__aexit__"}
# The arguments of __exit__ / __aexit__ are Python's, not ours to describe.
SELF_EXPLAINED = {"self", "cls", "exc_type", "exc", "tb", "traceback"}


def _public_objects() -> list[tuple[str, Any]]:
    objects = [(f"anyapi_sora.{name}", getattr(anyapi_sora, name)) for name in anyapi_sora.__all__]
    objects += [
        (f"anyapi_sora.testing.{name}", getattr(anyapi_sora.testing, name))
        for name in anyapi_sora.testing.__all__
    ]
    objects += [("client.videos (sync)", Videos), ("client.videos (async)", AsyncVideos)]
    return [(name, obj) for name, obj in objects if inspect.isclass(obj) or inspect.isfunction(obj)]


def _ours(function: Any) -> bool:
    """Written in this package (not made by attrs, dataclasses, enum or typing)."""
    code = getattr(inspect.unwrap(function), "__code__", None)
    return code is not None and Path(code.co_filename).resolve().is_relative_to(PACKAGE_DIR)


def _members(cls: type) -> list[tuple[str, Any]]:
    """The methods and properties a class defines itself, by their documented names."""
    found = []
    for name, value in vars(cls).items():
        if name.startswith("_") and name not in CONTEXT_MANAGER:
            continue
        if "ǁ" in name:  # mutmut's copies of a method (`nox -s mutate`), private or not
            continue
        if isinstance(value, (classmethod, staticmethod)):
            value = value.__func__
        if isinstance(value, property):
            found.append((name, value.fget))
        elif inspect.isfunction(value) and _ours(value):
            found.append((name, value))
    return found


def _documented() -> list[tuple[str, Any]]:
    items = []
    for name, obj in _public_objects():
        items.append((name, obj))
        if inspect.isclass(obj):
            items += [(f"{name}.{member}", value) for member, value in _members(obj)]
    return items


DOCUMENTED = _documented()


@pytest.mark.parametrize(("name", "obj"), DOCUMENTED, ids=[name for name, _ in DOCUMENTED])
def test_docstring_starts_with_a_one_line_summary(name: str, obj: object) -> None:
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    lines = doc.splitlines()
    assert lines[0].strip(), f"{name}: the docstring's first line is empty"
    assert len(lines) == 1 or not lines[1].strip(), (
        f"{name}: the summary must be one line, followed by a blank line"
    )


def _args_section(doc: str) -> set[str]:
    """The names an `Args:` section (Google style) describes."""
    match = re.search(r"^Args:\n((?:[ \t]+.*\n?|\n)+)", doc, re.MULTILINE)
    if match is None:
        return set()
    return set(re.findall(r"^ {4}(\*{0,2}\w+)(?: \(.*?\))?:", match.group(1), re.MULTILINE))


def _parameters(function: Any) -> list[str]:
    return [
        parameter.name
        for parameter in inspect.signature(function).parameters.values()
        if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and parameter.name not in SELF_EXPLAINED
    ]


def _callables_with_arguments() -> list[tuple[str, Any, str]]:
    """(name, callable, the docstrings its Args may be in) for each one that takes any."""
    found = []
    for name, obj in DOCUMENTED:
        if inspect.isclass(obj):
            init = vars(obj).get("__init__")
            if init is None or not _ours(init) or issubclass(obj, EXCEPTIONS):
                continue
            docs = (inspect.getdoc(obj) or "") + "\n" + (inspect.getdoc(init) or "")
            found.append((name, init, docs))
        elif callable(obj) and _ours(obj):
            found.append((name, obj, inspect.getdoc(obj) or ""))
    return [(name, f, docs) for name, f, docs in found if _parameters(f)]


CALLABLES = _callables_with_arguments()


@pytest.mark.parametrize(
    ("name", "function", "docs"), CALLABLES, ids=[name for name, _, _ in CALLABLES]
)
def test_every_argument_is_described(name: str, function: Any, docs: str) -> None:
    described = _args_section(docs)
    missing = [param for param in _parameters(function) if param not in described]
    assert not missing, f"{name}: describe {', '.join(missing)} under Args:"
    unknown = described - set(inspect.signature(function).parameters)
    assert not unknown, f"{name}: Args: names {', '.join(sorted(unknown))}, not in the signature"


def test_the_main_api_is_covered() -> None:
    # A change to how members are found must not quietly check nothing.
    names = {name for name, _, _ in CALLABLES}
    for expected in (
        "anyapi_sora.AnyAPI",
        "anyapi_sora.AsyncAnyAPI.with_options",
        "client.videos (sync).create",
        "client.videos (async).generate",
        "anyapi_sora.VideoTask.from_json",
        "anyapi_sora.TaskStatus.parse",
        "anyapi_sora.set_testing",
        "anyapi_sora.testing.MockServer",
        "anyapi_sora.testing.MockServer.inject",
        "anyapi_sora.testing.Fault.server_error",
    ):
        assert expected in names
