from __future__ import annotations

import copy
from typing import Any

import pytest
import transform
import yaml
from drift_testing import FIXTURE_PROJECT

# The transform's rules are tested on the fixture project's copy of the vendor specs, so a
# new vendor spec taken into openapi/ does not change them.
OPENAPI_DIR = FIXTURE_PROJECT / "openapi"


@pytest.fixture(scope="module")
def vendor() -> dict[str, dict[str, Any]]:
    return {name: transform.load_yaml(OPENAPI_DIR / name) for name in transform.VENDOR_SPECS}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(transform.build(OPENAPI_DIR))


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": op
        for path, item in document["paths"].items()
        for method, op in item.items()
    }


def test_committed_spec_is_what_the_transform_builds() -> None:
    # Both for the project (regeneration rewrites both files) and for the fixture copy.
    assert transform.OUTPUT.read_text(encoding="utf-8") == transform.build()
    fixture = OPENAPI_DIR / transform.OUTPUT.name
    assert fixture.read_text(encoding="utf-8") == transform.build(OPENAPI_DIR)


def test_merges_both_routes_and_sets_a_title(spec: dict[str, Any]) -> None:
    assert set(spec["paths"]) == {"/v1/video/create", "/v1/video/query"}
    assert spec["info"]["title"] == "AnyAPI unified video format"


def test_names_every_operation_in_ascii(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    assert ops["POST /v1/video/create"]["operationId"] == "create_video"
    assert ops["GET /v1/video/query"]["operationId"] == "query_task"
    for op in ops.values():
        assert op["tags"] == ["video"]


def test_removes_headers_that_openapi_says_to_ignore(spec: dict[str, Any]) -> None:
    for op in operations(spec).values():
        names = {p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"}
        assert names.isdisjoint({"content-type", "accept", "authorization"})
    # Only the three ignored headers go; the optional X-Forwarded-Host stays.
    query = operations(spec)["GET /v1/video/query"]
    assert [p["name"] for p in query["parameters"]] == ["id", "X-Forwarded-Host"]


def test_removes_the_body_declared_on_get(spec: dict[str, Any]) -> None:
    assert "requestBody" not in operations(spec)["GET /v1/video/query"]
    assert "requestBody" in operations(spec)["POST /v1/video/create"]


def test_leaves_schemas_and_everything_else_alone(
    spec: dict[str, Any], vendor: dict[str, dict[str, Any]]
) -> None:
    allowed = {"operationId", "tags", "parameters", "requestBody"}
    for document in vendor.values():
        for key, original in operations(document).items():
            ours = operations(spec)[key]
            assert ours["responses"] == original["responses"]
            for field in set(original) - allowed:
                assert ours[field] == original[field], field
    create = operations(spec)["POST /v1/video/create"]["requestBody"]
    assert create == operations(vendor["create-video.yaml"])["POST /v1/video/create"]["requestBody"]


def test_an_action_that_matches_nothing_fails(vendor: dict[str, dict[str, Any]]) -> None:
    overlay = {"overlay": "1.0.0", "actions": [{"target": "$.paths['/gone'].get", "remove": True}]}
    with pytest.raises(transform.TransformError, match="matches nothing"):
        transform.apply_overlay(vendor["create-video.yaml"], overlay)


def test_update_merges_objects_and_appends_arrays() -> None:
    document = {"a": {"keep": 1, "list": [1]}}
    overlay = {
        "overlay": "1.0.0",
        "actions": [{"target": "$.a", "update": {"new": 2, "list": [2]}}],
    }
    before = copy.deepcopy(document)
    assert transform.apply_overlay(document, overlay) == {
        "a": {"keep": 1, "new": 2, "list": [1, 2]}
    }
    assert document == before


def test_a_path_declared_twice_is_an_error(vendor: dict[str, dict[str, Any]]) -> None:
    create = vendor["create-video.yaml"]
    with pytest.raises(transform.TransformError, match="more than one"):
        transform.merge_specs([create, create])
