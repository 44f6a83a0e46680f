"""Upstream comparison: the breaking/non-breaking rules, and fetching from files and HTTP."""

from __future__ import annotations

import copy
import functools
import inspect
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from drift import cli, contract, coverage, registry, upstream
from drift.coverage import WrapperMethods
from drift.registry import Binding
from drift.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

CREATE = "POST /v1/video/create"
QUERY = "GET /v1/video/query"


# --- the rules, on small specs ---


def spec(
    body: Mapping[str, Any] | None = None,
    required: tuple[str, ...] = (),
    response: Mapping[str, Any] | None = None,
    response_required: tuple[str, ...] = (),
    parameters: tuple[dict[str, Any], ...] = (),
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
                            "properties": dict(response or {"id": {"type": "string"}}),
                            "required": list(response_required),
                        }
                    }
                },
            }
        },
    }
    if body is not None:
        operation["requestBody"] = {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": dict(body),
                        "required": list(required),
                    }
                }
            }
        }
    return {"openapi": "3.0.1", "paths": {"/v1/video/create": {"post": operation}}}


STRING = {"type": "string"}


def _create(prompt: str, *, size: str = "small", seed: int = 0) -> None: ...


# The wrapper of these tests: prompt (caller must pass it), size and seed with defaults.
SUPPORT = {
    CREATE: WrapperMethods(Binding(CREATE, ("m:create",)), {"m:create": inspect.signature(_create)})
}


def changes(
    before: dict[str, Any], after: dict[str, Any], support: Mapping[str, WrapperMethods] = SUPPORT
) -> list[tuple[str, str, str, bool]]:
    found = upstream.diff(contract.build(before), contract.build(after), support)
    return [(c.location, c.field, c.change, c.breaking) for c in found]


def test_the_same_spec_has_no_changes() -> None:
    assert changes(spec({"prompt": STRING}), spec({"prompt": STRING})) == []


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
    after = spec({"prompt": STRING, "style": STRING})
    assert changes(spec({"prompt": STRING}), after) == [
        ("request", "body.style", "added, optional", False)
    ]


def test_a_new_required_request_property_breaks_unless_the_wrapper_supplies_it() -> None:
    before = spec({"prompt": STRING})
    assert changes(before, spec({"prompt": STRING, "style": STRING}, ("style",))) == [
        ("request", "body.style", "added, required", True)
    ]
    # The wrapper already has `seed` with a default, so every request carries it.
    assert changes(before, spec({"prompt": STRING, "seed": STRING}, ("seed",))) == [
        ("request", "body.seed", "added, required", False)
    ]


def test_type_changes_are_breaking_on_both_sides() -> None:
    before = spec({"prompt": STRING}, response={"id": STRING})
    after = spec({"prompt": {"type": "array"}}, response={"id": {"type": "integer"}})
    assert changes(before, after) == [
        ("request", "body.prompt", "type changed", True),
        ("response 200", "body.id", "type changed", True),
    ]


def test_nullable_counts_as_a_type_change() -> None:
    before = spec(response={"id": STRING})
    after = spec(response={"id": {"type": "string", "nullable": True}})
    assert changes(before, after) == [("response 200", "body.id", "type changed", True)]


def test_enum_changes_follow_the_side() -> None:
    small_large = {"type": "string", "enum": ["small", "large"]}
    small = {"type": "string", "enum": ["small"]}
    assert changes(spec({"size": small_large}), spec({"size": small})) == [
        ("request", "body.size", "enum values removed", True)
    ]
    assert changes(spec({"size": small}), spec({"size": small_large})) == [
        ("request", "body.size", "enum values added", False)
    ]
    assert changes(spec({"size": STRING}), spec({"size": small})) == [
        ("request", "body.size", "enum added", True)
    ]
    assert changes(spec(response={"s": small}), spec(response={"s": small_large})) == [
        ("response 200", "body.s", "enum values added", True)
    ]
    assert changes(spec(response={"s": small_large}), spec(response={"s": small})) == [
        ("response 200", "body.s", "enum values removed", False)
    ]


def test_required_flags_follow_the_side() -> None:
    body = {"prompt": STRING, "style": STRING}
    assert changes(spec(body), spec(body, ("style",))) == [
        ("request", "body.style", "became required", True)
    ]
    assert changes(spec(body, ("style",)), spec(body)) == [
        ("request", "body.style", "became optional", False)
    ]
    response = {"id": STRING}
    assert changes(spec(response=response, response_required=("id",)), spec(response=response)) == [
        ("response 200", "body.id", "became optional", True)
    ]
    assert changes(spec(response=response), spec(response=response, response_required=("id",))) == [
        ("response 200", "body.id", "became required", False)
    ]


def test_a_removed_request_field_breaks_only_if_the_wrapper_sends_it() -> None:
    before = spec({"prompt": STRING, "size": STRING, "style": STRING})
    assert changes(before, spec({"prompt": STRING})) == [
        ("request", "body.size", "removed", True),
        ("request", "body.style", "removed", False),
    ]


def test_operations_added_and_removed() -> None:
    with_query = spec()
    with_query["paths"]["/v1/video/query"] = {"get": {"responses": {}}}
    assert changes(spec(), with_query) == [("", "", "added", False)]
    (added,) = upstream.diff(contract.build(spec()), contract.build(with_query), SUPPORT)
    assert added.operation == QUERY
    assert changes(with_query, spec()) == [("", "", "removed", True)]


def test_a_new_object_is_reported_once_not_field_by_field() -> None:
    storyboard = {"type": "object", "properties": {"scenes": {"type": "array", "items": STRING}}}
    assert changes(
        spec({"prompt": STRING}), spec({"prompt": STRING, "storyboard": storyboard})
    ) == [("request", "body.storyboard", "added, optional", False)]


def test_headers_and_get_bodies_that_openapi_ignores_are_not_compared() -> None:
    auth = {"name": "Authorization", "in": "header", "required": True, "schema": STRING}
    assert changes(spec(parameters=(auth,)), spec()) == []
    before = Workspace().spec("query-task.yaml")
    after = copy.deepcopy(before)
    del after["paths"]["/v1/video/query"]["get"]["requestBody"]
    assert upstream.diff(contract.build(before), contract.build(after), {}) == []


def test_moving_a_schema_into_components_is_no_change() -> None:
    before = spec({"prompt": STRING, "size": STRING}, ("prompt",))
    after = copy.deepcopy(before)
    body = after["paths"]["/v1/video/create"]["post"]["requestBody"]["content"]
    after["components"] = {"schemas": {"Body": body["application/json"]["schema"]}}
    body["application/json"]["schema"] = {"$ref": "#/components/schemas/Body"}
    assert changes(before, after) == []


def test_removing_the_task_id_parameter_breaks_the_real_wrapper() -> None:
    real_support = coverage.wrapper_support(registry.load(Workspace()).bindings)
    before = stored("query-task.yaml")
    after = copy.deepcopy(before)
    parameters = after["paths"]["/v1/video/query"]["get"]["parameters"]
    parameters[:] = [p for p in parameters if p["name"] not in ("id", "X-Forwarded-Host")]
    found = upstream.diff(contract.build(before), contract.build(after), real_support)
    assert [(c.field, c.breaking, c.reason) for c in found] == [
        (
            "header X-Forwarded-Host",
            False,
            "the server may reject or ignore it; the wrapper never sends it",
        ),
        ("query id", True, "the server may reject or ignore it, and the wrapper still sends it"),
    ]


def test_every_rule_has_a_known_verdict() -> None:
    verdicts = {upstream.BREAKING, upstream.NON_BREAKING}
    verdicts |= {upstream.UNLESS_SUPPLIED, upstream.IF_SENT}
    for (change, side), (verdict, why) in upstream.RULES.items():
        assert side in {"operation", "request", "response"}, change
        assert verdict in verdicts, (change, side)
        assert why


# --- against the stored specs, from files and over loopback HTTP ---


def stored(name: str) -> dict[str, Any]:
    return copy.deepcopy(Workspace().spec(name))


def without_status_update_time(document: dict[str, Any]) -> dict[str, Any]:
    response = document["paths"]["/v1/video/query"]["get"]["responses"]["200"]
    schema = response["content"]["application/json"]["schema"]
    del schema["properties"]["status_update_time"]
    schema["required"].remove("status_update_time")
    return document


def with_optional_seed(document: dict[str, Any]) -> dict[str, Any]:
    body = document["paths"]["/v1/video/create"]["post"]["requestBody"]
    body["content"]["application/json"]["schema"]["properties"]["seed"] = {"type": "integer"}
    return document


def write(path: Path, document: dict[str, Any]) -> str:
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_a_breaking_upstream_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "query.yaml", without_status_update_time(stored("query-task.yaml")))
    assert cli.main(["--upstream", source]) == 1
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
    source = write(tmp_path / "create.yaml", with_optional_seed(stored("create-video.yaml")))
    assert cli.main(["--upstream", source]) == 0
    out = capsys.readouterr().out
    assert f"## Upstream: {source} vs openapi/create-video.yaml" in out
    assert "| POST /v1/video/create | request | body.seed | added, optional |" in out
    assert "non-breaking" in out
    assert "# Contract drift: OK" in out


def test_an_unchanged_json_upstream_has_no_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "create.json"
    source.write_text(json.dumps(stored("create-video.yaml")), encoding="utf-8")
    assert cli.main(["--upstream", str(source)]) == 0
    assert "No semantic change." in capsys.readouterr().out


def test_one_merged_upstream_spec_compares_against_both_stored_specs(tmp_path: Path) -> None:
    merged = stored("anyapi.openapi.yaml")  # both routes in one document
    result = upstream.compare(
        write(tmp_path / "merged.yaml", merged), Workspace(), registry.load(Workspace()), SUPPORT
    )
    assert result.stored == ("create-video.yaml", "query-task.yaml")
    assert result.error is None
    # The overlay's renames and removals are not changes a client notices.
    assert result.changes == ()


def test_an_upstream_spec_for_other_routes_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path / "chat.yaml", {"openapi": "3.0.1", "paths": {"/v1/chat": {}}})
    assert cli.main(["--upstream", source]) == 1
    assert "shares no path with the stored specs" in capsys.readouterr().out


def test_an_upstream_that_closes_a_gap_says_so(tmp_path: Path) -> None:
    fixed = stored("create-video.yaml")
    response = fixed["paths"]["/v1/video/create"]["post"]["responses"]["200"]
    response["content"]["application/json"]["schema"] = {
        "type": "object",
        "properties": {"id": STRING, "status": STRING, "status_update_time": {"type": "integer"}},
        "required": ["id", "status"],
    }
    result = upstream.compare(
        write(tmp_path / "create.yaml", fixed), Workspace(), registry.load(Workspace()), SUPPORT
    )
    assert result.closing_gaps[0].startswith(
        "gap 1 would close: remove the workaround in wrapper/anyapi_sora/_videos.py"
    )
    assert len(result.closing_gaps) == 1


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
    # A proxy from the environment must not swallow loopback requests.
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
    write(folder / "query-task.yaml", without_status_update_time(stored("query-task.yaml")))
    write(folder / "create-video.yaml", with_optional_seed(stored("create-video.yaml")))
    urls = [f"{base}/create-video.yaml", f"{base}/query-task.yaml"]

    assert cli.main(["--json", "--upstream", urls[0], "--upstream", urls[1]]) == 1
    data = json.loads(capsys.readouterr().out)
    create, query = data["upstream"]
    assert (create["source"], create["stored"], create["breaking"]) == (
        urls[0],
        ["create-video.yaml"],
        False,
    )
    assert [(c["field"], c["breaking"]) for c in create["changes"]] == [("body.seed", False)]
    assert (query["stored"], query["breaking"]) == (["query-task.yaml"], True)
    assert [(c["field"], c["change"]) for c in query["changes"]] == [
        ("body.status_update_time", "removed")
    ]
    assert data["ok"] is False


def test_a_non_breaking_change_served_over_http_passes(
    served: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, base = served
    write(folder / "create-video.yaml", with_optional_seed(stored("create-video.yaml")))
    assert cli.main(["--upstream", f"{base}/create-video.yaml"]) == 0
    out = capsys.readouterr().out
    assert "| POST /v1/video/create | request | body.seed | added, optional |" in out


def test_an_upstream_url_that_fails_is_reported(
    served: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = served
    assert cli.main(["--upstream", f"{base}/missing.yaml"]) == 1
    out = capsys.readouterr().out
    assert f"- upstream {base}/missing.yaml: cannot fetch: " in out
    assert "404" in out
