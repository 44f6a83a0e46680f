"""No input spec can give a traceback: mangled specs in upstream mode and taken in."""

from __future__ import annotations

import copy
import json
import shutil
from typing import TYPE_CHECKING, Any

import pytest
from drift import cli, coverage, registry, upstream, wrapper
from drift.report import Report
from drift.workspace import Workspace
from drift_testing import FIXTURE_PROJECT, fixture_spec, query_response, write_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from pathlib import Path

JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["string", "strng", "null", "#/components/x", "$ref", "object"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = (
    "type",
    "properties",
    "required",
    "enum",
    "$ref",
    "items",
    "oneOf",
    "nullable",
    "in",
    "name",
    "servers",
    "security",
    "openapi",
    "paths",
    "maxLength",
    "pattern",
    "minimum",
    "exclusiveMaximum",
)


_WS = Workspace(FIXTURE_PROJECT)
# What the stand-in wrapper sends, gathered once: the verdicts are judged against it.
FACTS = wrapper.gather(registry.load(_WS), coverage.transformed_spec(_WS))


def _nodes(document: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _nodes(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _nodes(value, (*path, index))
    return found


@st.composite
def mangled(draw: st.DrawFn, name: str) -> dict[str, Any]:
    document = fixture_spec(name)
    for _ in range(draw(st.integers(1, 4))):
        nodes = _nodes(document)
        path = draw(st.sampled_from(nodes[1:]))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent[path[-1]], dict):
            parent[path[-1]][draw(st.sampled_from(KEYS))] = draw(JUNK)
        else:
            parent[path[-1]] = draw(JUNK)
    if draw(st.booleans()):
        document["openapi"] = "3.1.0"
    return document


SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.timeout(900)  # many drift runs; a loaded machine must not fail them
@SETTINGS
@given(document=st.one_of(mangled("create-video.yaml"), mangled("query-task.yaml")))
def test_a_mangled_upstream_spec_gives_a_report(tmp_path: Path, document: dict[str, Any]) -> None:
    # The part of a run the upstream spec feeds: validation, matching, diff, gap notes.
    ws = Workspace(FIXTURE_PROJECT)
    known = registry.load(ws)
    result = upstream.compare(write_yaml(tmp_path / "upstream.yaml", document), ws, known, FACTS)
    report = Report(upstream=[result])
    data = json.loads(report.to_json())
    assert report.to_markdown().startswith("# Contract drift: ")
    assert data["exit_code"] in (0, 1, 3)
    # Breaking whenever the exit code says a change breaks; invalid specs are not compared.
    assert data["breaking"] == any(c["breaking"] for c in data["upstream"][0]["changes"])
    if result.invalid:
        assert (data["exit_code"], result.changes) == (3, ())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    document=st.one_of(mangled("create-video.yaml"), mangled("query-task.yaml")),
    name=st.sampled_from(["create-video.yaml", "query-task.yaml"]),
)
def test_a_mangled_spec_taken_in_gives_a_report(
    tmp_path: Path, document: dict[str, Any], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    if not root.exists():
        shutil.copytree(FIXTURE_PROJECT, root, ignore=shutil.ignore_patterns("__pycache__"))
    original = (FIXTURE_PROJECT / "openapi" / name).read_text(encoding="utf-8")
    try:
        write_yaml(root / "openapi" / name, document)
        code = cli.main(["--root", str(root), "--json"])
    finally:
        (root / "openapi" / name).write_text(original, encoding="utf-8")
    data = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert data["exit_code"] == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        "openapi: 3.0.1\npaths: []\n",
        "{{{",
        "openapi: 3.1.0\npaths:\n  /v1/video/create: 7\n",
        "\x00\x01",
    ],
)
def test_upstream_text_that_is_no_spec_is_invalid_not_a_crash(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "upstream.yaml"
    source.write_text(text, encoding="utf-8")
    code = cli.main(["--root", str(FIXTURE_PROJECT), "--upstream", str(source)])
    out = capsys.readouterr().out
    assert code == 3, out
    assert "nothing was compared" in out


def test_an_openapi_31_type_list_taken_in_gives_no_traceback(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Used to raise TypeError: unhashable type: 'list' in the gap checks.
    spec = fixture_spec("query-task.yaml")
    spec["openapi"] = "3.1.0"
    schema = query_response(spec)
    schema["properties"]["video_url"]["type"] = ["string", "null"]
    write_yaml(tree / "openapi" / "query-task.yaml", copy.deepcopy(spec))
    code = cli.main(["--root", str(tree)])
    out = capsys.readouterr().out
    assert code == 1
    # video_url may now be a string: gap 2b's evidence is gone, while 2a and 2c stay.
    assert "gap 2b is closed: the workaround ('Gap 2' in drift_standin/client.py)" in out
    source = write_yaml(tree / "upstream.yaml", spec)
    assert cli.main(["--root", str(FIXTURE_PROJECT), "--upstream", source]) in (0, 1)
    assert "Traceback" not in capsys.readouterr().out
