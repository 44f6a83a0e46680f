"""Upstream comparison: the rules, the wrapper's side in each verdict, fetching, matching."""

from __future__ import annotations

import copy
import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from drift import cli, registry, upstream, wrapper
from drift.registry import Binding, Registry, WrapperPointers
from drift.workspace import Workspace
from drift_testing import (
    CREATE,
    FIXTURE_PROJECT,
    QUERY,
    create_body,
    fixture_spec,
    query_parameters,
    query_response,
    write_yaml,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

# --- the rules, on small specs, with a small client (drift_standin/small.py) ---

SMALL = Registry(
    gaps=(),
    violations=(),
    bindings=(
        Binding(
            CREATE,
            ("drift_standin.small:Videos.create",),
            call="videos.create",
            known_values={"body.size": "drift_standin.small:SIZES"},
        ),
    ),
    wrapper=WrapperPointers("drift_standin.small:Client", "drift_standin.small:BASE_URL"),
)
STRING = {"type": "string"}


def spec(
    body: Mapping[str, Any] | None = None,
    required: tuple[str, ...] = ("prompt",),
    response: Mapping[str, Any] | None = None,
    response_required: tuple[str, ...] = (),
    parameters: tuple[dict[str, Any], ...] = (),
    **top: Any,
) -> dict[str, Any]:
    """A one-operation spec (POST /v1/video/create) with the given body and 200 response."""
    operation: dict[str, Any] = {
        "parameters": list(parameters),
        "responses": {
            "200": {
                "description": "",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": dict(response or {"id": STRING}),
                            "required": list(response_required),
                        }
                    }
                },
            }
        },
    }
    properties = dict(body or {"prompt": STRING, "size": STRING, "seed": {"type": "integer"}})
    operation["requestBody"] = {
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": properties, "required": list(required)}
            }
        }
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {"/v1/video/create": {"post": operation}},
        **top,
    }


BASE = {"prompt": STRING, "size": STRING, "seed": {"type": "integer"}}


def with_field(
    name: str, schema: Mapping[str, Any], body: Mapping[str, Any] = BASE
) -> dict[str, Any]:
    return {**body, name: dict(schema)}


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    facts = wrapper.gather(SMALL, before)
    found = upstream.classified(before, after, SMALL, facts)
    return [(c.location, c.field, c.change, c.breaking) for c in found]


def reasons(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    facts = wrapper.gather(SMALL, before)
    return [c.reason for c in upstream.classified(before, after, SMALL, facts)]


def test_the_same_spec_has_no_changes() -> None:
    assert changes(spec(), spec()) == []


def test_a_removed_response_field_is_breaking() -> None:
    before = spec(response={"id": STRING, "status": STRING})
    assert changes(before, spec(response={"id": STRING})) == [
        ("response 200", "body.status", "removed", True)
    ]


def test_an_added_response_field_is_not_breaking() -> None:
    after = spec(
        response={"id": STRING, "progress": {"type": "integer"}}, response_required=("progress",)
    )
    assert changes(spec(), after) == [("response 200", "body.progress", "added", False)]


def test_a_new_optional_request_property_is_not_breaking() -> None:
    assert changes(spec(), spec(with_field("style", STRING))) == [
        ("request", "body.style", "added, optional", False)
    ]


def test_a_new_required_request_property_breaks_unless_the_wrapper_sends_it() -> None:
    assert changes(spec(), spec(with_field("style", STRING), ("prompt", "style"))) == [
        ("request", "body.style", "added, required", True)
    ]
    # seed is in every request the client sends, so making it required breaks nothing.
    assert changes(spec(), spec(required=("prompt", "seed"))) == [
        ("request", "body.seed", "became required", False)
    ]


def test_type_changes_are_breaking_on_both_sides() -> None:
    before = spec(response={"id": STRING})
    after = spec(with_field("prompt", {"type": "array"}), response={"id": {"type": "integer"}})
    assert changes(before, after) == [
        ("request", "body.prompt", "type changed", True),
        ("response 200", "body.id", "type changed", True),
    ]


def test_widening_a_request_field_is_not_breaking() -> None:
    # Was "type changed: breaking": a nullable field and a type widened to a oneOf.
    after = spec(
        with_field(
            "seed",
            {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            with_field("size", {"type": "string", "nullable": True}),
        )
    )
    assert changes(spec(), after) == [
        ("request", "body.seed", "type widened", False),
        ("request", "body.size", "type widened", False),
    ]


def test_widening_a_response_field_may_break() -> None:
    after = spec(response={"id": {"type": "string", "nullable": True}})
    assert changes(spec(), after) == [("response 200", "body.id", "type widened", True)]
    assert changes(after, spec()) == [("response 200", "body.id", "type narrowed", False)]


def test_openapi_31_type_lists_equal_30_nullable() -> None:
    nullable = spec(with_field("size", {"type": "string", "nullable": True}))
    listed = spec(with_field("size", {"type": ["string", "null"]}))
    listed["openapi"] = "3.1.0"
    assert changes(nullable, listed) == []
    assert changes(spec(), listed) == [("request", "body.size", "type widened", False)]


def test_enum_changes_follow_the_side_and_name_the_wrappers_list() -> None:
    small_large = {"type": "string", "enum": ["small", "large"]}
    small = {"type": "string", "enum": ["small"]}
    medium = {"type": "string", "enum": ["small", "large", "medium"]}
    # "large" is in the client's own list: refusing it breaks callers who pass it.
    assert changes(spec(with_field("size", small_large)), spec(with_field("size", small))) == [
        ("request", "body.size", "enum values removed", True)
    ]
    (why,) = reasons(spec(with_field("size", small_large)), spec(with_field("size", small)))
    assert "'large', in the wrapper's own list (drift_standin.small:SIZES)" in why
    # A newly allowed value is still refused by the client's own list: say so.
    (change,) = upstream.classified(
        spec(with_field("size", small_large)),
        spec(with_field("size", medium)),
        SMALL,
        wrapper.gather(SMALL, spec()),
    )
    assert (change.change, change.breaking) == ("enum values added", False)
    assert "still refuses 'medium'" in change.reason
    assert change.next_step == "add 'medium' to drift_standin.small:SIZES to let callers use it"
    # An enum over the values the client can send breaks nothing: its list is closed.
    assert changes(spec(), spec(with_field("size", small_large))) == [
        ("request", "body.size", "enum added", False)
    ]
    assert changes(spec(response={"s": small}), spec(response={"s": small_large})) == [
        ("response 200", "body.s", "enum values added", True)
    ]
    assert changes(spec(response={"s": small_large}), spec(response={"s": small})) == [
        ("response 200", "body.s", "enum values removed", False)
    ]


def test_removing_the_wrappers_default_from_an_enum_says_so() -> None:
    after = spec(with_field("size", {"type": "string", "enum": ["large"]}))
    (why,) = reasons(spec(), after)
    assert "'small', the wrapper's default for size" in why
    assert changes(spec(), after) == [("request", "body.size", "enum added", True)]


@pytest.mark.parametrize(
    ("field", "constraint", "breaking", "change"),
    [
        ("prompt", {"maxLength": 1000}, True, "maxLength added"),
        ("prompt", {"pattern": "^[a-z ]+$"}, True, "pattern added"),
        ("seed", {"minimum": 1}, True, "minimum added"),
        ("seed", {"maximum": 100}, True, "maximum added"),
        ("seed", {"maximum": 100, "exclusiveMaximum": True}, True, "maximum added"),
        # size is a closed list whose values all pass: nothing the wrapper sends is refused.
        ("size", {"minLength": 1}, False, "minLength added"),
    ],
)
def test_a_new_request_constraint_breaks_when_callers_values_pass_unchecked(
    field: str, constraint: dict[str, Any], breaking: bool, change: str
) -> None:
    schema = {**BASE[field], **constraint}
    found = upstream.classified(
        spec(), spec(with_field(field, schema)), SMALL, wrapper.gather(SMALL, spec())
    )
    assert [(c.field, c.change, c.breaking) for c in found] == [(f"body.{field}", change, breaking)]


def test_a_constraint_the_wrappers_values_fail_names_them() -> None:
    after = spec(with_field("seed", {"type": "integer", "minimum": 1}))
    (why,) = reasons(spec(), after)
    assert "0, the wrapper's default for seed" in why


def test_constraints_compare_by_direction() -> None:
    short = spec(with_field("prompt", {"type": "string", "maxLength": 100}))
    long = spec(with_field("prompt", {"type": "string", "maxLength": 4000}))
    assert changes(short, long) == [("request", "body.prompt", "maxLength raised", False)]
    assert changes(long, short) == [("request", "body.prompt", "maxLength lowered", True)]
    # OpenAPI 3.1 writes an exclusive bound as a number: the same bound is no change.
    inclusive = spec(
        with_field("seed", {"type": "integer", "maximum": 10, "exclusiveMaximum": True})
    )
    numeric = spec(with_field("seed", {"type": "integer", "exclusiveMaximum": 10}))
    numeric["openapi"] = "3.1.0"
    assert changes(inclusive, numeric) == []
    # A response may now hold longer values: nothing the wrapper checks.
    assert changes(spec(response={"id": {"type": "string", "maxLength": 10}}), spec()) == [
        ("response 200", "body.id", "maxLength removed", False)
    ]


def test_a_closed_request_body_breaks_extra_fields() -> None:
    after = spec()
    create_body(after)["additionalProperties"] = False
    assert changes(spec(), after) == [
        ("request", "body", "additionalProperties: false added", True)
    ]


def test_required_flags_follow_the_side() -> None:
    assert changes(
        spec(with_field("style", STRING)), spec(with_field("style", STRING), ("prompt", "style"))
    ) == [("request", "body.style", "became required", True)]
    assert changes(spec(required=("prompt", "size")), spec()) == [
        ("request", "body.size", "became optional", False)
    ]
    response = {"id": STRING}
    assert changes(spec(response=response, response_required=("id",)), spec(response=response)) == [
        ("response 200", "body.id", "became optional", True)
    ]


def test_a_removed_request_field_breaks_only_if_the_wrapper_sends_it() -> None:
    before = spec(with_field("style", STRING))
    assert changes(before, spec({"prompt": STRING, "seed": {"type": "integer"}})) == [
        ("request", "body.size", "removed", True),
        ("request", "body.style", "removed", False),
    ]


def test_a_new_object_is_reported_once_not_field_by_field() -> None:
    storyboard = {"type": "object", "properties": {"scenes": {"type": "array", "items": STRING}}}
    assert changes(spec(), spec(with_field("storyboard", storyboard))) == [
        ("request", "body.storyboard", "added, optional", False)
    ]


def test_headers_that_openapi_ignores_are_not_compared() -> None:
    auth = {"name": "Authorization", "in": "header", "required": True, "schema": STRING}
    assert changes(spec(parameters=(auth,)), spec()) == []


def test_moving_a_schema_into_components_is_no_change() -> None:
    before = spec()
    after = copy.deepcopy(before)
    body = after["paths"]["/v1/video/create"]["post"]["requestBody"]["content"]
    after["components"] = {"schemas": {"Body": body["application/json"]["schema"]}}
    body["application/json"]["schema"] = {"$ref": "#/components/schemas/Body"}
    assert changes(before, after) == []


# --- servers and security, with the wrapper's side ---


def test_the_wrappers_default_base_url_leaving_the_servers_is_breaking() -> None:
    before = spec(servers=[{"url": "https://api.example.com"}])
    after = spec(servers=[{"url": "https://api.example.org/"}])
    found = upstream.classified(before, after, SMALL, wrapper.gather(SMALL, before))
    assert [(c.location, c.change, c.breaking) for c in found] == [
        ("servers", "server removed", True),
        ("servers", "server added", False),
    ]
    assert "wrapper's default base URL (drift_standin.small:BASE_URL)" in found[0].reason
    assert found[0].next_step.startswith(
        "change drift_standin.small:BASE_URL to https://api.example.org"
    )
    # Another server beside the default breaks nothing; case and a trailing slash are no change.
    more = spec(servers=[{"url": "HTTPS://API.example.com/"}, {"url": "https://eu.example.com"}])
    assert changes(before, more) == [("servers", "https://eu.example.com", "server added", False)]


BEARER = {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
API_KEY = {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}}


def test_security_changes_are_judged_by_what_the_wrapper_sends() -> None:
    before = spec(components=BEARER, security=[{"bearer": []}])
    after = spec(components=API_KEY, security=[{"key": []}])
    found = upstream.classified(before, after, SMALL, wrapper.gather(SMALL, before))
    assert [(c.location, c.before, c.after, c.breaking) for c in found] == [
        ("security", "http bearer", "apiKey header X-API-Key", True)
    ]
    assert "Authorization: Bearer <key>" in found[0].reason
    # Renaming the scheme, or adding an alternative the wrapper meets, breaks nothing.
    renamed = spec(
        components={"securitySchemes": {"auth": BEARER["securitySchemes"]["bearer"]}},
        security=[{"auth": []}],
    )
    assert changes(before, renamed) == []
    either = spec(
        components={"securitySchemes": {**BEARER["securitySchemes"], **API_KEY["securitySchemes"]}},
        security=[{"key": []}, {"bearer": []}],
    )
    assert changes(before, either) == [("security", "", "security changed", False)]


def test_every_change_kind_gets_a_verdict_without_a_wrapper() -> None:
    # When the wrapper cannot be called at all, verdicts err on the side of breaking.
    before, after = spec(), spec(with_field("style", STRING), ("prompt", "style"))
    (change,) = upstream.classified(before, after, SMALL, None)
    assert change.breaking
    assert "cannot tell what the wrapper sends" in change.reason


# --- against the fixture project, from files and over loopback HTTP ---


def stored(name: str) -> dict[str, Any]:
    return fixture_spec(name)


def run(*args: str) -> int:
    return cli.main(["--root", str(FIXTURE_PROJECT), *args])


def without_status_update_time(document: dict[str, Any]) -> dict[str, Any]:
    schema = query_response(document)
    del schema["properties"]["status_update_time"]
    schema["required"].remove("status_update_time")
    return document


def with_optional_seed(document: dict[str, Any]) -> dict[str, Any]:
    create_body(document)["properties"]["seed"] = {"type": "integer"}
    return document


def test_a_breaking_upstream_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_yaml(
        tmp_path / "query.yaml", without_status_update_time(stored("query-task.yaml"))
    )
    assert run("--upstream", source) == 1
    out = capsys.readouterr().out
    assert f"## Upstream: {source} vs openapi/query-task.yaml" in out
    assert (
        "| GET /v1/video/query | response 200 | body.status_update_time | removed | "
        "required integer |   | BREAKING | callers may read it |"
    ) in out
    assert f"- upstream {source}: breaking: GET /v1/video/query response 200 " in out


def test_a_non_breaking_upstream_file_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_yaml(tmp_path / "create.yaml", with_optional_seed(stored("create-video.yaml")))
    assert run("--upstream", source) == 0
    out = capsys.readouterr().out
    assert "| POST /v1/video/create | request | body.seed | added, optional |" in out
    assert "# Contract drift: OK" in out


def test_an_unchanged_json_upstream_has_no_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "create.json"
    source.write_text(json.dumps(stored("create-video.yaml")), encoding="utf-8")
    assert run("--upstream", str(source)) == 0
    assert "No semantic change." in capsys.readouterr().out


def test_one_merged_upstream_spec_compares_against_both_stored_specs(tmp_path: Path) -> None:
    ws = Workspace(FIXTURE_PROJECT)
    merged = stored("anyapi.openapi.yaml")  # both routes in one document
    result = upstream.compare(
        write_yaml(tmp_path / "merged.yaml", merged), ws, registry.load(ws), None
    )
    assert result.stored == ("create-video.yaml", "query-task.yaml")
    assert (result.error, result.violations) == (None, ())
    # The overlay's renames and removals are not changes a client notices.
    assert result.changes == ()


def test_an_upstream_spec_for_other_routes_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {"/v1/chat": {}}}
    source = write_yaml(tmp_path / "chat.yaml", chat)
    assert run("--upstream", source) == 1
    out = capsys.readouterr().out
    assert "shares no path or operation with the stored specs" in out
    assert f"--upstream create-video.yaml={source}" in out


def test_naming_the_stored_spec_compares_any_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {"/v1/chat": {"get": {"responses": {"200": {"description": ""}}}}},
    }
    source = write_yaml(tmp_path / "chat.yaml", chat)
    assert run("--json", "--upstream", f"query-task.yaml={source}") == 1
    (result,) = json.loads(capsys.readouterr().out)["upstream"]
    assert result["stored"] == ["query-task.yaml"]
    assert [(c["operation"], c["change"], c["breaking"]) for c in result["changes"]] == [
        ("GET /v1/chat", "added", False),
        (QUERY, "removed", True),
    ]


def test_an_upstream_that_closes_a_gap_says_so(tmp_path: Path) -> None:
    fixed = stored("create-video.yaml")
    response = fixed["paths"]["/v1/video/create"]["post"]["responses"]["200"]
    response["content"]["application/json"]["schema"] = {
        "type": "object",
        "properties": {"id": STRING, "status": STRING, "status_update_time": {"type": "integer"}},
        "required": ["id", "status"],
    }
    ws = Workspace(FIXTURE_PROJECT)
    result = upstream.compare(
        write_yaml(tmp_path / "create.yaml", fixed), ws, registry.load(ws), None
    )
    assert result.gap_notes[0].startswith(
        "gap 1 would close: remove the workaround in drift_standin/client.py after taking in"
    )
    assert len(result.gap_notes) == 1


# --- the kinds of change the diff used to miss or get wrong ---


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = run("--json", *args)
    return code, json.loads(capsys.readouterr().out)


def test_a_changed_default_server_is_breaking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = stored("create-video.yaml")
    moved["servers"] = [{"url": "https://api.anyapi.example"}]
    code, data = _cli_json(capsys, "--upstream", write_yaml(tmp_path / "c.yaml", moved))
    assert (code, data["breaking"], data["exit_code"]) == (1, True, 1)
    rows = [(c["field"], c["change"], c["breaking"]) for c in data["upstream"][0]["changes"]]
    assert ("https://www.anyapi.vip", "server removed", True) in rows
    assert ("https://api.anyapi.example", "server added", False) in rows


def test_bearer_to_an_api_key_header_is_breaking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyed = stored("create-video.yaml")
    keyed["components"]["securitySchemes"] = {
        "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    }
    keyed["security"] = [{"key": []}]
    keyed["paths"]["/v1/video/create"]["post"]["security"] = [{"key": []}]
    code, data = _cli_json(capsys, "--upstream", write_yaml(tmp_path / "c.yaml", keyed))
    (change,) = data["upstream"][0]["changes"]
    assert (code, change["change"], change["breaking"]) == (1, "security changed", True)
    assert change["after"] == "apiKey header X-API-Key"


def test_a_renamed_query_parameter_is_judged_by_wire_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = stored("query-task.yaml")
    query_parameters(renamed)[0]["name"] = "task_id"
    code, data = _cli_json(capsys, "--upstream", write_yaml(tmp_path / "q.yaml", renamed))
    rows = [(c["field"], c["change"], c["breaking"]) for c in data["upstream"][0]["changes"]]
    # The wrapper's own parameter is called task_id, but it sends `id` on the wire.
    assert rows == [("query id", "removed", True), ("query task_id", "added, required", True)]
    assert "renamed?" in data["upstream"][0]["changes"][1]["reason"]
    assert code == 1


def test_a_renamed_route_is_an_operation_removed_and_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = stored("query-task.yaml")
    operation = moved["paths"].pop("/v1/video/query")
    operation["get"]["parameters"][0]["in"] = "path"
    moved["paths"]["/v1/video/query/{id}"] = operation
    code, data = _cli_json(capsys, "--upstream", write_yaml(tmp_path / "q.yaml", moved))
    (result,) = data["upstream"]
    assert result["stored"] == ["query-task.yaml"]
    assert [(c["operation"], c["change"], c["breaking"]) for c in result["changes"]] == [
        (QUERY, "removed", True),
        ("GET /v1/video/query/{id}", "added", False),
    ]
    assert "looks moved to GET /v1/video/query/{id}" in result["changes"][0]["reason"]
    # The JSON says breaking whenever the exit code does.
    assert (code, data["exit_code"], data["breaking"], result["breaking"], data["ok"]) == (
        1,
        1,
        True,
        True,
        False,
    )
    # The gaps read from the moved operation cannot be judged: "cannot tell", never "close".
    assert not any("would close" in note for note in result["gap_notes"])
    assert any(note.startswith("gap 2a: cannot tell") for note in result["gap_notes"])


@pytest.mark.parametrize("change", ["post", "201"])
def test_an_evidence_check_that_cannot_run_is_not_a_closed_gap(
    change: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = stored("create-video.yaml")
    item = moved["paths"]["/v1/video/create"]
    if change == "post":
        item["put"] = item.pop("post")
    else:
        item["post"]["responses"]["201"] = item["post"]["responses"].pop("200")
    _, data = _cli_json(capsys, "--upstream", write_yaml(tmp_path / "c.yaml", moved))
    notes = data["upstream"][0]["gap_notes"]
    assert not any(n.startswith("gap 1 would") for n in notes), notes
    assert any(n.startswith("gap 1: cannot tell whether this spec closes it") for n in notes)


def test_a_partly_closed_gap_says_what_remains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = stored("query-task.yaml")
    query_response(declared)["properties"]["progress"] = {"type": "integer"}
    _, data = _cli_json(capsys, "--upstream", write_yaml(tmp_path / "q.yaml", declared))
    (note,) = data["upstream"][0]["gap_notes"]
    assert note.startswith(
        "gap 2c would partly close: query-task.yaml GET /v1/video/query 200 now declares progress"
    )
    assert (
        "still holds: query-task.yaml GET /v1/video/query 200 does not declare thumbnail_url"
        in note
    )
    assert "Keep its workaround" in note


def test_one_of_gap_4s_headers_going_is_a_partial_close(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fewer = stored("create-video.yaml")
    operation = fewer["paths"]["/v1/video/create"]["post"]
    operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "Accept"]
    _, data = _cli_json(capsys, "--upstream", write_yaml(tmp_path / "c.yaml", fewer))
    (note,) = data["upstream"][0]["gap_notes"]
    assert note.startswith("gap 4 would partly close: create-video.yaml")
    assert 'no longer includes "Accept"' in note


def test_a_gap_sharing_its_workaround_with_open_gaps_keeps_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    relaxed = stored("query-task.yaml")
    query_response(relaxed)["required"] = ["id", "status"]
    _, data = _cli_json(capsys, "--upstream", write_yaml(tmp_path / "q.yaml", relaxed))
    (note,) = data["upstream"][0]["gap_notes"]
    assert note.startswith(
        "gap 2a would close: the workaround ('Gap 2' in drift_standin/client.py)"
    )
    assert "also handles gap(s) 2b, 2c, which are still open: keep it" in note


# --- fetching ---

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1 (a free port), and its base URL."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "served"
    folder.mkdir()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_breaking_change_served_over_http_fails(
    served: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, base = served
    write_yaml(folder / "query-task.yaml", without_status_update_time(stored("query-task.yaml")))
    write_yaml(folder / "create-video.yaml", with_optional_seed(stored("create-video.yaml")))
    urls = [f"{base}/create-video.yaml", f"{base}/query-task.yaml"]
    code, data = _cli_json(capsys, "--upstream", urls[0], "--upstream", urls[1])
    assert code == 1
    create, query = data["upstream"]
    assert (create["source"], create["stored"], create["breaking"]) == (
        urls[0],
        ["create-video.yaml"],
        False,
    )
    assert [(c["field"], c["breaking"]) for c in create["changes"]] == [("body.seed", False)]
    assert (query["stored"], query["breaking"]) == (["query-task.yaml"], True)
    assert data["ok"] is False


def test_an_upstream_url_that_fails_cannot_tell(
    served: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = served
    assert run("--upstream", f"{base}/missing.yaml") == 4
    out = capsys.readouterr().out
    assert "# Contract drift: CANNOT TELL" in out
    assert f"- upstream {base}/missing.yaml: cannot fetch: " in out
    assert "404" in out


# --- an invalid upstream spec is not compared: exit 3, naming the violations ---


def _strng(spec: dict[str, Any]) -> None:
    create_body(spec)["properties"]["duration"]["type"] = "strng"


def _parameter_without_in(spec: dict[str, Any]) -> None:
    spec["paths"]["/v1/video/create"]["post"]["parameters"].append({"name": "page"})


def _no_openapi_key(spec: dict[str, Any]) -> None:
    del spec["openapi"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (_strng, "properties.duration.type: 'strng' is not one of"),
        (_parameter_without_in, "$.paths['/v1/video/create'].post"),
        (_no_openapi_key, "the validator stopped"),
    ],
)
def test_an_invalid_upstream_spec_is_its_own_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any, named: str
) -> None:
    document = stored("create-video.yaml")
    change(document)
    source = write_yaml(tmp_path / "create.yaml", document)
    assert run("--upstream", source) == 3
    out = capsys.readouterr().out
    assert "Not valid OpenAPI, so nothing was compared:" in out
    assert named in out
    assert "  - next: do not take this spec in as it is" in out
    # Before, these showed as ordinary type changes or as no change at all.
    assert "No semantic change." not in out
    assert "type changed" not in out


def test_the_vendors_known_violation_is_not_a_new_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # query-task.yaml's `type: 'null'` is registered: the unchanged spec is valid enough.
    source = write_yaml(tmp_path / "query.yaml", stored("query-task.yaml"))
    assert run("--upstream", source) == 0
    assert "No semantic change." in capsys.readouterr().out


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for code in ("0  no problem", "2  usage error", "3  an --upstream spec is not valid OpenAPI"):
        assert code in out
    assert "4  nothing else was wrong, but an --upstream spec could not be fetched" in out
