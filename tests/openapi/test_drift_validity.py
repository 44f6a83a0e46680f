"""Spec validity: the known violation is accepted, a new one fails, a fixed one is noticed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drift import registry, validity
from drift.workspace import Workspace
from drift_testing import FIXTURE_PROJECT

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]

SPECS = ["create-video.yaml", "query-task.yaml", "anyapi.openapi.yaml"]
VIDEO_URL_TYPE = (
    "$.paths['/v1/video/query'].get.responses['200'].content['application/json']"
    ".schema.properties.video_url.type"
)


def check(root: Path | None = None) -> dict[str, list[Any]]:
    ws = Workspace(root or FIXTURE_PROJECT)
    by_subject: dict[str, list[Any]] = {}
    for finding in validity.check_validity(registry.load(ws), ws, SPECS):
        by_subject.setdefault(finding.subject, []).append(finding)
    return by_subject


def create_body(spec: dict[str, Any]) -> dict[str, Any]:
    content = spec["paths"]["/v1/video/create"]["post"]["requestBody"]["content"]
    return content["application/json"]["schema"]


def test_the_stored_specs_have_only_the_known_violation() -> None:
    found = check()
    assert [f.ok for subject in SPECS for f in found[subject]] == [True, True, True]
    assert found["query-task.yaml"][0].detail == "valid, apart from 1 known violation(s)"
    assert found["create-video.yaml"][0].detail == "valid"
    (violation,) = validity.violations(
        Workspace(FIXTURE_PROJECT).spec("query-task.yaml"), "query-task.yaml"
    )
    assert violation.at == VIDEO_URL_TYPE
    assert "'null' is not one of" in violation.message


def test_a_new_violation_fails(tree: Path, edit_yaml: Edit) -> None:
    def add_null_typed_property(spec: dict[str, Any]) -> None:
        create_body(spec)["properties"]["seed"] = {"type": "null"}

    edit_yaml("openapi/create-video.yaml", add_null_typed_property)
    (finding,) = check(tree)["create-video.yaml"]
    assert not finding.ok
    assert finding.detail.startswith(
        "new spec violation in create-video.yaml at $.paths['/v1/video/create'].post"
        ".requestBody.content['application/json'].schema.properties.seed.type: "
    )


def test_the_known_violation_elsewhere_is_still_new(tree: Path, edit_yaml: Edit) -> None:
    # The registry accepts `type: 'null'` at video_url in the query spec, nowhere else.
    def null_typed_field_in_query(spec: dict[str, Any]) -> None:
        schema = spec["paths"]["/v1/video/query"]["get"]["responses"]["200"]["content"]
        schema["application/json"]["schema"]["properties"]["thumbnail_url"] = {"type": "null"}

    edit_yaml("openapi/query-task.yaml", null_typed_field_in_query)
    (finding,) = check(tree)["query-task.yaml"]
    assert not finding.ok
    assert "properties.thumbnail_url.type" in finding.detail
    assert "video_url" not in finding.detail


def test_a_parameter_without_location_fails(tree: Path, edit_yaml: Edit) -> None:
    def broken_parameter(spec: dict[str, Any]) -> None:
        spec["paths"]["/v1/video/query"]["get"]["parameters"].append({"name": "page"})

    edit_yaml("openapi/query-task.yaml", broken_parameter)
    (finding,) = check(tree)["query-task.yaml"]
    assert not finding.ok
    assert "new spec violation in query-task.yaml at $.paths['/v1/video/query'].get" in (
        finding.detail
    )


def test_a_fixed_known_violation_must_leave_the_registry(tree: Path, edit_yaml: Edit) -> None:
    def fix_video_url(spec: dict[str, Any]) -> None:
        schema = spec["paths"]["/v1/video/query"]["get"]["responses"]["200"]["content"]
        schema["application/json"]["schema"]["properties"]["video_url"] = {"type": "string"}

    edit_yaml("openapi/query-task.yaml", fix_video_url)
    found = check(tree)
    valid, stale = found["query-task.yaml"]
    assert (valid.check, valid.ok) == ("valid OpenAPI", True)
    # anyapi.openapi.yaml was not regenerated in the copy, so it still has the violation.
    assert [f.ok for f in found["anyapi.openapi.yaml"]] == [True]
    assert stale.check == "known violation"
    assert not stale.ok
    assert stale.detail == (
        f"known violation at {VIDEO_URL_TYPE} is no longer found in query-task.yaml: "
        "remove it from openapi/known-gaps.yaml and check gap 2b"
    )


def test_a_spec_that_is_not_openapi_fails(tree: Path) -> None:
    (tree / "openapi" / "create-video.yaml").write_text("info: {}\n", encoding="utf-8")
    (finding,) = check(tree)["create-video.yaml"]
    assert not finding.ok
    assert finding.detail.startswith("new spec violation in create-video.yaml at $:")
