"""Request coverage: every request field of the stored specs reaches the wire."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import pytest
from drift import coverage, registry
from drift.registry import Binding, Registry
from drift.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]

CREATE = "POST /v1/video/create"
QUERY = "GET /v1/video/query"


def problems(root: Path | None = None) -> list[str]:
    ws = Workspace(root) if root else Workspace()
    findings = coverage.check_coverage(registry.load(ws), coverage.transformed_spec(ws))
    return [f.detail for f in findings if not f.ok]


def create_body(spec: dict[str, Any]) -> dict[str, Any]:
    content = spec["paths"]["/v1/video/create"]["post"]["requestBody"]["content"]
    return content["application/json"]["schema"]


def query_parameters(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["paths"]["/v1/video/query"]["get"]["parameters"]


def test_the_stored_requests_are_covered_by_the_wrapper() -> None:
    ws = Workspace()
    findings = coverage.check_coverage(registry.load(ws), coverage.transformed_spec(ws))
    assert {f.subject: (f.ok, f.detail) for f in findings} == {
        CREATE: (True, "8 field(s) covered by Videos.create, AsyncVideos.create"),
        QUERY: (
            True,
            "2 field(s) covered by Videos.retrieve, AsyncVideos.retrieve "
            "(X-Forwarded-Host passed through)",
        ),
    }


def test_the_ignored_headers_and_the_get_body_are_not_request_fields() -> None:
    fields = coverage.request_fields(Workspace().spec("query-task.yaml"))
    assert [(f.name, f.where, f.required) for f in fields[QUERY]] == [
        ("id", "query parameter", True),
        ("X-Forwarded-Host", "header parameter", False),
    ]


def test_a_new_required_body_field_fails_naming_it(tree: Path, edit_yaml: Edit) -> None:
    def require_seed(spec: dict[str, Any]) -> None:
        create_body(spec)["properties"]["seed"] = {"type": "integer"}
        create_body(spec)["required"].append("seed")

    edit_yaml("openapi/create-video.yaml", require_seed)
    assert problems(tree) == [
        "POST /v1/video/create: required body property 'seed' is not a parameter of "
        "Videos.create, AsyncVideos.create and has no wrapper default: requests can lack it"
    ]


def test_a_new_optional_body_field_must_be_a_parameter_or_passed_through(
    tree: Path, edit_yaml: Edit
) -> None:
    def add_style(spec: dict[str, Any]) -> None:
        create_body(spec)["properties"]["style"] = {"type": "string"}

    edit_yaml("openapi/create-video.yaml", add_style)
    assert problems(tree) == [
        "POST /v1/video/create: body property 'style' is not a parameter of Videos.create, "
        "AsyncVideos.create: add one, or list it under passed_through in "
        "openapi/known-gaps.yaml"
    ]

    def pass_style_through(data: dict[str, Any]) -> None:
        data["operations"][CREATE]["passed_through"] = {"style": "callers use extra_body"}

    edit_yaml("openapi/known-gaps.yaml", pass_style_through)
    assert problems(tree) == []


def test_a_required_field_that_is_only_passed_through_fails(tree: Path, edit_yaml: Edit) -> None:
    def require_forwarded_host(spec: dict[str, Any]) -> None:
        for parameter in query_parameters(spec):
            if parameter["name"] == "X-Forwarded-Host":
                parameter["required"] = True

    edit_yaml("openapi/query-task.yaml", require_forwarded_host)
    (problem,) = problems(tree)
    assert problem.startswith(
        "GET /v1/video/query: required header parameter 'X-Forwarded-Host' is only passed through"
    )
    assert "has no wrapper default" in problem


def test_a_wrapper_parameter_without_a_spec_field_fails(tree: Path, edit_yaml: Edit) -> None:
    def drop_private(spec: dict[str, Any]) -> None:
        del create_body(spec)["properties"]["private"]
        create_body(spec)["required"].remove("private")

    edit_yaml("openapi/create-video.yaml", drop_private)
    assert problems(tree) == [
        f"POST /v1/video/create: {method} parameter 'private' maps to no request field "
        "(gone from the spec?); list it under wrapper_only if it is the wrapper's own"
        for method in ("Videos.create", "AsyncVideos.create")
    ]


def test_a_stale_passed_through_entry_fails(tree: Path, edit_yaml: Edit) -> None:
    def drop_forwarded_host(spec: dict[str, Any]) -> None:
        parameters = query_parameters(spec)
        parameters[:] = [p for p in parameters if p["name"] != "X-Forwarded-Host"]

    edit_yaml("openapi/query-task.yaml", drop_forwarded_host)
    assert problems(tree) == [
        "GET /v1/video/query: passed_through 'X-Forwarded-Host' is no request field: remove it"
    ]


def test_a_stale_wrapper_only_entry_fails(tree: Path, edit_yaml: Edit) -> None:
    def list_gone_parameter(data: dict[str, Any]) -> None:
        data["operations"][QUERY]["wrapper_only"] = {"timeout": "per-request timeout"}

    edit_yaml("openapi/known-gaps.yaml", list_gone_parameter)
    assert problems(tree) == [
        "GET /v1/video/query: wrapper_only 'timeout' is no wrapper parameter: remove it"
    ]


def test_an_operation_without_wrapper_methods_fails(tree: Path, edit_yaml: Edit) -> None:
    def add_route(spec: dict[str, Any]) -> None:
        spec["paths"]["/v1/video/remix"] = {"post": {"responses": {"200": {"description": ""}}}}

    edit_yaml("openapi/create-video.yaml", add_route)
    assert problems(tree) == [
        "POST /v1/video/remix has no wrapper method in openapi/known-gaps.yaml"
    ]


def test_a_required_field_defaulting_to_none_fails() -> None:
    def create(prompt: str, *, seed: int | None = None, model: str = "m") -> None: ...

    spec = {
        "openapi": "3.0.1",
        "paths": {
            "/v1/video/create": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "prompt": {"type": "string"},
                                        "seed": {"type": "integer"},
                                        "model": {"type": "string"},
                                    },
                                    "required": ["prompt", "seed", "model"],
                                }
                            }
                        }
                    },
                    "responses": {},
                }
            }
        },
    }
    binding = Binding(CREATE, ("m:create",))
    methods = coverage.WrapperMethods(binding, {"m:create": inspect.signature(create)})
    findings = coverage.check_coverage(Registry((), (), (binding,)), spec, {CREATE: methods})
    # prompt has no default, so every caller passes it; model has a real default.
    assert [f.detail for f in findings if not f.ok] == [
        "POST /v1/video/create: required body property 'seed' defaults to None in create and "
        "has no wrapper default: requests can lack it"
    ]
    assert methods.supplies("prompt")
    assert methods.supplies("model")
    assert not methods.supplies("seed")
    assert methods.sends("seed")


@pytest.mark.parametrize(
    ("spec_name", "python_name"),
    [("X-Forwarded-Host", "x_forwarded_host"), ("id", "id"), ("page.size", "page_size")],
)
def test_python_name(spec_name: str, python_name: str) -> None:
    assert coverage.python_name(spec_name) == python_name
