"""Request coverage: every request field of the stored specs reaches the wire, by wire name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from drift import coverage, registry, wrapper
from drift.workspace import Workspace
from drift_testing import CREATE, FIXTURE_PROJECT, QUERY, create_body, query_parameters

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]


def findings(root: Path = FIXTURE_PROJECT) -> list[Any]:
    ws = Workspace(root)
    known = registry.load(ws)
    spec = coverage.transformed_spec(ws)
    return coverage.check_coverage(known, spec, wrapper.gather(known, spec))


def problems(root: Path = FIXTURE_PROJECT) -> list[str]:
    return [f.detail for f in findings(root) if not f.ok]


def test_the_fixture_requests_are_covered_by_the_stand_in() -> None:
    assert {f.subject: (f.ok, f.detail) for f in findings()} == {
        CREATE: (True, "8 field(s) sent by Client.videos.create"),
        QUERY: (
            True,
            "2 field(s) sent by Client.videos.retrieve (X-Forwarded-Host passed through)",
        ),
    }


def test_the_ignored_headers_and_the_get_body_are_not_request_fields() -> None:
    fields = coverage.request_fields(Workspace(FIXTURE_PROJECT).spec("query-task.yaml"))
    assert [(f.key, f.where, f.required) for f in fields[QUERY]] == [
        ("query id", "query parameter", True),
        ("header X-Forwarded-Host", "header parameter", False),
    ]


def test_a_new_required_body_field_fails_naming_it(tree: Path, edit_yaml: Edit) -> None:
    def require_seed(spec: dict[str, Any]) -> None:
        create_body(spec)["properties"]["seed"] = {"type": "integer"}
        create_body(spec)["required"].append("seed")

    edit_yaml("openapi/create-video.yaml", require_seed)
    (finding,) = [f for f in findings(tree) if not f.ok]
    assert finding.detail == (
        "POST /v1/video/create: required body property 'seed' is not sent by "
        "Client.videos.create: requests can lack it"
    )
    assert finding.next_step == (
        "make Videos.create always send body.seed (a parameter with a default)"
    )


def test_a_new_optional_body_field_must_be_sent_or_passed_through(
    tree: Path, edit_yaml: Edit
) -> None:
    def add_aspect_ratio(spec: dict[str, Any]) -> None:
        create_body(spec)["properties"]["aspect_ratio"] = {"type": "string"}

    edit_yaml("openapi/create-video.yaml", add_aspect_ratio)
    (finding,) = [f for f in findings(tree) if not f.ok]
    assert finding.detail == (
        "POST /v1/video/create: body property 'aspect_ratio' is never sent by Client.videos.create"
    )
    assert finding.next_step == (
        "add a parameter for it to Videos.create, or list it under passed_through in "
        "openapi/known-gaps.yaml with the reason"
    )

    def pass_it_through(data: dict[str, Any]) -> None:
        data["operations"][CREATE]["passed_through"] = {"aspect_ratio": "callers use extra_body"}

    edit_yaml("openapi/known-gaps.yaml", pass_it_through)
    assert problems(tree) == []


def test_a_field_sent_through_extra_body_is_on_the_wire(tree: Path, edit_yaml: Edit) -> None:
    # The registry's sample extra_body={"style": "anime"} puts style on the wire.
    def add_style(spec: dict[str, Any]) -> None:
        create_body(spec)["properties"]["style"] = {"type": "string"}

    edit_yaml("openapi/create-video.yaml", add_style)
    assert problems(tree) == []


def test_a_field_the_wrapper_sends_under_another_wire_name_is_not_covered(
    tree: Path, edit_yaml: Edit
) -> None:
    # The client's parameter is called task_id, and so is the query parameter it now sends;
    # the spec asks for `id`. Names in signatures would call that covered; the wire does not.
    def renamed_client(data: dict[str, Any]) -> None:
        data["wrapper"]["client"] = "drift_standin.client:RenamedQueryClient"

    edit_yaml("openapi/known-gaps.yaml", renamed_client)
    assert problems(tree) == [
        "GET /v1/video/query: required query parameter 'id' is not sent by "
        "RenamedQueryClient.videos.retrieve: requests can lack it"
    ]


def test_a_required_field_that_is_only_passed_through_fails(tree: Path, edit_yaml: Edit) -> None:
    def require_forwarded_host(spec: dict[str, Any]) -> None:
        for parameter in query_parameters(spec):
            if parameter["name"] == "X-Forwarded-Host":
                parameter["required"] = True

    edit_yaml("openapi/query-task.yaml", require_forwarded_host)
    assert problems(tree) == [
        "GET /v1/video/query: required header parameter 'X-Forwarded-Host' is only passed "
        "through by Client.videos.retrieve: requests can lack it"
    ]


def test_a_wrapper_parameter_without_a_spec_field_fails(tree: Path, edit_yaml: Edit) -> None:
    def drop_private(spec: dict[str, Any]) -> None:
        del create_body(spec)["properties"]["private"]
        create_body(spec)["required"].remove("private")

    edit_yaml("openapi/create-video.yaml", drop_private)
    assert problems(tree) == [
        "POST /v1/video/create: Client.videos.create parameter 'private' maps to no request "
        "field (gone from the spec?)"
    ]


def test_a_stale_passed_through_entry_fails(tree: Path, edit_yaml: Edit) -> None:
    def drop_forwarded_host(spec: dict[str, Any]) -> None:
        parameters = query_parameters(spec)
        parameters[:] = [p for p in parameters if p["name"] != "X-Forwarded-Host"]

    edit_yaml("openapi/query-task.yaml", drop_forwarded_host)
    assert problems(tree) == [
        "GET /v1/video/query: passed_through 'X-Forwarded-Host' is no request field"
    ]


def test_a_stale_wrapper_only_entry_fails(tree: Path, edit_yaml: Edit) -> None:
    def list_gone_parameter(data: dict[str, Any]) -> None:
        data["operations"][QUERY]["wrapper_only"] = {"timeout": "per-request timeout"}

    edit_yaml("openapi/known-gaps.yaml", list_gone_parameter)
    assert problems(tree) == ["GET /v1/video/query: wrapper_only 'timeout' is no wrapper parameter"]


def test_an_operation_without_wrapper_methods_fails(tree: Path, edit_yaml: Edit) -> None:
    def add_route(spec: dict[str, Any]) -> None:
        spec["paths"]["/v1/video/remix"] = {"post": {"responses": {"200": {"description": ""}}}}

    edit_yaml("openapi/create-video.yaml", add_route)
    assert problems(tree) == [
        "POST /v1/video/remix has no wrapper method in openapi/known-gaps.yaml"
    ]


@pytest.mark.parametrize(
    ("spec_name", "python_name"),
    [("X-Forwarded-Host", "x_forwarded_host"), ("id", "id"), ("page.size", "page_size")],
)
def test_python_name(spec_name: str, python_name: str) -> None:
    assert wrapper.python_name(spec_name) == python_name
