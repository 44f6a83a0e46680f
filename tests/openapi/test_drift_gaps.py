"""The gap registry: each gap still exists and is handled, and a closed one fails drift."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from drift import cli, gaps, registry
from drift.registry import Gap, Workaround
from drift.workspace import DriftError, Workspace
from drift_testing import FIXTURE_PROJECT

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]

CREATE = ("/v1/video/create", "post")
QUERY = ("/v1/video/query", "get")
VENDOR_GAPS = {"1", "2a", "2b", "2c", "3", "4", "5a", "5b", "5c", "6"}


def op(spec: dict[str, Any], route: tuple[str, str]) -> dict[str, Any]:
    return spec["paths"][route[0]][route[1]]


def json_schema(operation: dict[str, Any]) -> dict[str, Any]:
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


def findings_for(root: Path, gap_id: str) -> dict[str, Any]:
    ws = Workspace(root)
    known = registry.load(ws)
    (gap,) = [g for g in known.gaps if g.id == gap_id]
    return {f.check: f for f in gaps.check_gap(gap, ws, known)}


def test_every_vendor_gap_is_registered_exists_and_is_handled() -> None:
    ws = Workspace(FIXTURE_PROJECT)
    known = registry.load(ws)
    assert {g.id for g in known.gaps} == VENDOR_GAPS
    findings = gaps.check_gaps(known, ws)
    assert [f.detail for f in findings if not f.ok] == []
    assert len(findings) == 2 * len(VENDOR_GAPS)


def test_every_entry_points_at_real_evidence_and_a_real_workaround() -> None:
    ws = Workspace(FIXTURE_PROJECT)
    for gap in registry.load(ws).gaps:
        assert ws.path(gap.workaround.file).is_file(), gap.id
        for check in (*gap.evidence, *gap.handled):
            for name in [check.get("fixture"), *check.get("fixtures", [])]:
                assert name is None or ws.path(name).is_file(), (gap.id, name)


# --- a gap the vendor closes fails drift, naming the workaround to remove ---


def _correct_create_response(spec: dict[str, Any]) -> None:
    json_schema(op(spec, CREATE)).clear()
    json_schema(op(spec, CREATE)).update(
        type="object",
        properties={
            "id": {"type": "string"},
            "status": {"type": "string"},
            "status_update_time": {"type": "integer"},
        },
        required=["id", "status"],
    )


def _regenerated(data: dict[str, Any]) -> None:
    # What regeneration does to gap 1's other evidence: the generated parser now reads tasks.
    for check in data["gaps"][0]["evidence"]:
        if check["kind"] == "generated-raises":
            check["callable"] = "drift_standin.generated:task_from_dict"


def test_a_corrected_create_response_schema_closes_gap_1(tree: Path, edit_yaml: Edit) -> None:
    edit_yaml("openapi/create-video.yaml", _correct_create_response)
    # Until the client is regenerated, its parser still fails: the gap is only partly closed.
    found = findings_for(tree, "1")
    assert found["still exists"].detail.startswith("gap 1 is partly closed: ")
    assert "still holds: drift_standin.generated:chat_completion_from_dict raises KeyError" in (
        found["still exists"].detail
    )
    edit_yaml("openapi/known-gaps.yaml", _regenerated)
    found = findings_for(tree, "1")
    assert not found["still exists"].ok
    assert found["still exists"].detail.startswith(
        "gap 1 is closed: remove the workaround in drift_standin/client.py"
    )
    assert found["still exists"].next_step.startswith(
        "remove the workaround ('Gap 1' in drift_standin/client.py), delete gap 1 from "
        "openapi/known-gaps.yaml"
    )
    assert "no longer fails create-video.yaml POST /v1/video/create 200" in (
        found["still exists"].detail
    )
    assert found["handled"].ok
    # The other gaps are untouched by this change.
    assert findings_for(tree, "2a")["still exists"].ok


def _nullable_video_url(spec: dict[str, Any]) -> None:
    json_schema(op(spec, QUERY))["properties"]["video_url"] = {"type": "string", "nullable": True}


def _declare_progress(spec: dict[str, Any]) -> None:
    json_schema(op(spec, QUERY))["properties"]["progress"] = {"type": "integer"}


def _declare_all_real_fields(spec: dict[str, Any]) -> None:
    for name in ("progress", "thumbnail_url", "width", "height", "detail", "object"):
        json_schema(op(spec, QUERY))["properties"][name] = {}
    for name in ("model", "created_at", "size"):
        json_schema(op(spec, QUERY))["properties"][name] = {}


def _drop_optional_fields(spec: dict[str, Any]) -> None:
    json_schema(op(spec, QUERY))["required"] = ["id", "status"]


def _drop_get_body(spec: dict[str, Any]) -> None:
    del op(spec, QUERY)["requestBody"]


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for item in spec["paths"].values() for operation in item.values()]


def _drop_ignored_headers(spec: dict[str, Any]) -> None:
    for operation in _operations(spec):
        operation["parameters"] = [p for p in operation["parameters"] if p["in"] != "header"]


def _add_operation_id(spec: dict[str, Any]) -> None:
    for operation in _operations(spec):
        operation["operationId"] = "an_operation"


def _set_title(spec: dict[str, Any]) -> None:
    spec["info"]["title"] = "AnyAPI"


def _ascii_tag(spec: dict[str, Any]) -> None:
    for operation in _operations(spec):
        operation["tags"] = ["video"]


def _require_body(spec: dict[str, Any]) -> None:
    op(spec, CREATE)["requestBody"]["required"] = True


BOTH = ("create-video.yaml", "query-task.yaml")
HEADERS = "$.paths.*.*.parameters[?@.in == 'header'].name"
KEEP_GAP_2 = (
    "the workaround ('Gap 2' in drift_standin/client.py) also handles gap(s) {}, which are "
    "still open: keep it"
)
KEEP_GAP_5 = (
    "the workaround ('Gap 5' in openapi/overlay.yaml) also handles gap(s) {}, which are "
    "still open: keep it"
)


@pytest.mark.parametrize(
    ("specs", "change", "gap_id", "closed"),
    [
        (("query-task.yaml",), _drop_optional_fields, "2a", KEEP_GAP_2.format("2b, 2c")),
        (("query-task.yaml",), _nullable_video_url, "2b", KEEP_GAP_2.format("2a, 2c")),
        (("query-task.yaml",), _declare_all_real_fields, "2c", KEEP_GAP_2.format("2a, 2b")),
        (
            ("query-task.yaml",),
            _drop_get_body,
            "3",
            "remove the workaround in openapi/overlay.yaml",
        ),
        (BOTH, _drop_ignored_headers, "4", "remove the workaround in openapi/overlay.yaml"),
        (BOTH, _add_operation_id, "5a", KEEP_GAP_5.format("5b, 5c")),
        (BOTH, _set_title, "5b", KEEP_GAP_5.format("5a, 5c")),
        (BOTH, _ascii_tag, "5c", KEEP_GAP_5.format("5a, 5b")),
        (
            ("create-video.yaml",),
            _require_body,
            "6",
            "remove the workaround in drift_standin/client.py",
        ),
    ],
)
def test_a_fixed_spec_closes_its_gap(
    tree: Path,
    edit_yaml: Edit,
    specs: tuple[str, ...],
    change: Callable[[dict[str, Any]], None],
    gap_id: str,
    closed: str,
) -> None:
    assert findings_for(tree, gap_id)["still exists"].ok
    for spec in specs:
        edit_yaml(f"openapi/{spec}", change)
    finding = findings_for(tree, gap_id)["still exists"]
    assert not finding.ok
    assert finding.detail.startswith(f"gap {gap_id} is closed: {closed}")


@pytest.mark.parametrize(
    ("spec", "change", "gap_id", "gone", "kept"),
    [
        (
            "query-task.yaml",
            _declare_progress,
            "2c",
            "query-task.yaml GET /v1/video/query 200 now declares progress",
            "does not declare thumbnail_url",
        ),
        (
            "create-video.yaml",
            _drop_ignored_headers,
            "4",
            f'create-video.yaml {HEADERS} no longer includes "Content-Type"',
            f'query-task.yaml {HEADERS} includes "Content-Type"',
        ),
        (
            "query-task.yaml",
            _add_operation_id,
            "5a",
            'query-task.yaml $.paths.*.*.operationId = ["an_operation"], expected to select '
            "nothing",
            "create-video.yaml $.paths.*.*.operationId = []",
        ),
    ],
)
def test_a_partly_fixed_gap_says_what_changed_and_what_remains(
    tree: Path,
    edit_yaml: Edit,
    spec: str,
    change: Callable[[dict[str, Any]], None],
    gap_id: str,
    gone: str,
    kept: str,
) -> None:
    edit_yaml(f"openapi/{spec}", change)
    finding = findings_for(tree, gap_id)["still exists"]
    assert not finding.ok
    assert finding.detail.startswith(f"gap {gap_id} is partly closed: ")
    assert gone in finding.detail
    assert "still holds: " in finding.detail
    assert kept in finding.detail
    assert "is closed" not in finding.detail
    assert finding.next_step.startswith("keep the workaround in ")


def test_a_gap_is_closed_only_when_its_last_part_goes(tree: Path, edit_yaml: Edit) -> None:
    def drop_one_required(spec: dict[str, Any]) -> None:
        json_schema(op(spec, QUERY))["required"].remove("video_url")

    edit_yaml("openapi/query-task.yaml", drop_one_required)
    finding = findings_for(tree, "2a")["still exists"]
    assert finding.detail.startswith("gap 2a is partly closed:")
    assert "no longer fails query-task.yaml GET /v1/video/query 200 with required: video_url" in (
        finding.detail
    )
    assert "fails query-task.yaml GET /v1/video/query 200 with required: enhanced_prompt" in (
        finding.detail
    )


def test_an_evidence_check_that_errors_says_cannot_tell(tree: Path, edit_yaml: Edit) -> None:
    def query_turns_post(spec: dict[str, Any]) -> None:
        item = spec["paths"]["/v1/video/query"]
        item["post"] = item.pop("get")

    edit_yaml("openapi/query-task.yaml", query_turns_post)
    for gap_id in ("2a", "2b", "2c", "3"):
        finding = findings_for(tree, gap_id)["still exists"]
        assert finding.detail.startswith(f"gap {gap_id}: cannot tell whether it still exists"), (
            gap_id
        )
        assert "has no operation GET /v1/video/query" in finding.detail
        assert "closed" not in finding.detail


def test_a_schema_the_validator_cannot_use_says_cannot_tell(tree: Path, edit_yaml: Edit) -> None:
    def list_type(spec: dict[str, Any]) -> None:
        json_schema(op(spec, QUERY))["properties"]["video_url"]["type"] = [["string"], "null"]

    edit_yaml("openapi/query-task.yaml", list_type)
    finding = findings_for(tree, "2b")["still exists"]
    assert finding.detail.startswith("gap 2b: cannot tell whether it still exists")


def test_the_cli_fails_on_a_closed_gap(
    tree: Path, edit_yaml: Edit, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--root", str(tree)]) == 0
    capsys.readouterr()
    edit_yaml("openapi/create-video.yaml", _correct_create_response)
    edit_yaml("openapi/known-gaps.yaml", _regenerated)

    assert cli.main(["--root", str(tree)]) == 1
    out = capsys.readouterr().out
    assert "# Contract drift: FAILED" in out
    assert "- gap 1 is closed: remove the workaround in drift_standin/client.py" in out
    assert "  - next: remove the workaround ('Gap 1' in drift_standin/client.py)" in out

    assert cli.main(["--root", str(tree), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert any(p.startswith("gap 1 is closed") for p in data["problems"])


# --- the wrapper must keep handling each gap ---


def test_a_workaround_without_its_gap_comment_is_reported(tree: Path) -> None:
    source = tree / "drift_standin" / "client.py"
    source.write_text(source.read_text(encoding="utf-8").replace("Gap 6", "Note"), encoding="utf-8")
    finding = findings_for(tree, "6")["handled"]
    assert not finding.ok
    assert finding.detail == ("gap 6 is no longer handled: drift_standin/client.py lacks 'Gap 6'")


def test_a_marker_does_not_match_a_longer_gap_number(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_text("# Gap 12: something else\n", encoding="utf-8")
    gap = Gap("1", "t", "d", Workaround("w.py", "Gap 1"), (), ())
    (handled,) = [f for f in gaps.check_gap(gap, Workspace(tmp_path)) if f.check == "handled"]
    assert not handled.ok


def test_wrapper_parses_reports_a_wrong_attribute() -> None:
    check = {
        "kind": "wrapper-parses",
        "callable": "drift_standin.parsing:parse_task",
        "fixture": "tests/fixtures/query-completed.json",
        "expect": {"status": "completed", "width": 1},
    }
    outcome = gaps.run_check(check, Workspace(FIXTURE_PROJECT))
    assert not outcome.holds
    assert "width=352, expected 1" in outcome.detail


def test_wrapper_parses_reports_a_body_the_wrapper_rejects() -> None:
    check = {"kind": "wrapper-parses", "callable": "drift_standin.parsing:parse_task"}
    outcome = gaps.run_check({**check, "body": {"id": "x"}}, Workspace(FIXTURE_PROJECT))
    assert not outcome.holds
    assert "raised ValueError: not a task" in outcome.detail


def test_generated_raises_holds_only_while_the_generated_parser_fails() -> None:
    check = {
        "kind": "generated-raises",
        "callable": "drift_standin.generated:chat_completion_from_dict",
        "fixture": "tests/fixtures/create-200.json",
        "raises": "KeyError",
        "match": "object",
    }
    assert gaps.run_check(check, Workspace(FIXTURE_PROJECT)).holds
    # A parser that accepts the body is what a fixed spec would generate.
    accepted = gaps.run_check({**check, "callable": "builtins:dict"}, Workspace(FIXTURE_PROJECT))
    assert not accepted.holds
    assert accepted.detail == "builtins:dict now accepts tests/fixtures/create-200.json"


def test_signature_checks_defaults_and_absent_parameters() -> None:
    check = {"kind": "signature", "callable": "json:dumps", "lacks": ["indent", "nope"]}
    check["defaults"] = {"ensure_ascii": False, "sort_keys": False, "missing": 1}
    outcome = gaps.run_check(check, Workspace(FIXTURE_PROJECT))
    assert not outcome.holds
    assert outcome.detail == (
        "json:dumps has parameter 'indent'; json:dumps lacks parameter 'nope'; "
        "json:dumps 'ensure_ascii' defaults to True, expected False; "
        "json:dumps 'sort_keys' defaults to False; json:dumps has no parameter 'missing'"
    )
    assert gaps.run_check(
        {**check, "lacks": ["nope"], "defaults": {}}, Workspace(FIXTURE_PROJECT)
    ).holds


def test_an_unreadable_fixture_is_an_error_not_a_closed_gap(tree: Path) -> None:
    (tree / "tests" / "fixtures" / "create-200.json").unlink()
    found = findings_for(tree, "1")
    assert not found["still exists"].ok
    assert found["still exists"].detail.startswith("gap 1: cannot tell whether it still exists")


def test_registry_typos_fail_loudly() -> None:
    data = Workspace(FIXTURE_PROJECT).registry()
    data["gaps"][0]["evidence"][0]["kind"] = "schema-reject"
    with pytest.raises(DriftError, match=r"known-gaps.yaml: at \$\.gaps\[0\]\.evidence\[0\]"):
        registry.parse(data)


def test_a_spec_query_must_state_one_expectation() -> None:
    data = Workspace(FIXTURE_PROJECT).registry()
    check = {"kind": "spec-query", "spec": "query-task.yaml", "path": "$.info"}
    data["gaps"][0]["evidence"] = [check]
    with pytest.raises(DriftError, match=r"known-gaps\.yaml"):
        registry.parse(data)
    data["gaps"][0]["evidence"] = [{**check, "present": True, "absent": True}]
    with pytest.raises(DriftError, match=r"known-gaps\.yaml"):
        registry.parse(data)
