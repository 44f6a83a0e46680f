"""The gap registry: each gap still exists and is handled, and a closed one fails drift."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from drift import cli, gaps, registry
from drift.registry import Gap, Workaround
from drift.workspace import DriftError, Workspace

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
    (gap,) = [g for g in registry.load(ws).gaps if g.id == gap_id]
    return {f.check: f for f in gaps.check_gap(gap, ws)}


def test_every_vendor_gap_is_registered_exists_and_is_handled() -> None:
    ws = Workspace()
    known = registry.load(ws)
    assert {g.id for g in known.gaps} == VENDOR_GAPS
    findings = gaps.check_gaps(known, ws)
    assert [f.detail for f in findings if not f.ok] == []
    assert len(findings) == 2 * len(VENDOR_GAPS)


def test_every_entry_points_at_real_evidence_and_a_real_workaround() -> None:
    ws = Workspace()
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


def test_a_corrected_create_response_schema_closes_gap_1(tree: Path, edit_yaml: Edit) -> None:
    edit_yaml("openapi/create-video.yaml", _correct_create_response)
    found = findings_for(tree, "1")
    assert not found["still exists"].ok
    assert found["still exists"].detail.startswith(
        "gap 1 is closed: remove the workaround in wrapper/anyapi_sora/_videos.py"
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


def _drop_optional_fields(spec: dict[str, Any]) -> None:
    json_schema(op(spec, QUERY))["required"] = ["id", "status"]


def _drop_get_body(spec: dict[str, Any]) -> None:
    del op(spec, QUERY)["requestBody"]


def _drop_ignored_headers(spec: dict[str, Any]) -> None:
    operation = op(spec, CREATE)
    operation["parameters"] = [p for p in operation["parameters"] if p["in"] != "header"]


def _add_operation_id(spec: dict[str, Any]) -> None:
    op(spec, QUERY)["operationId"] = "queryTask"


def _set_title(spec: dict[str, Any]) -> None:
    spec["info"]["title"] = "AnyAPI"


def _ascii_tag(spec: dict[str, Any]) -> None:
    op(spec, CREATE)["tags"] = ["video"]


def _require_body(spec: dict[str, Any]) -> None:
    op(spec, CREATE)["requestBody"]["required"] = True


@pytest.mark.parametrize(
    ("spec", "change", "gap_id", "workaround"),
    [
        ("query-task.yaml", _drop_optional_fields, "2a", "wrapper/anyapi_sora/_videos.py"),
        ("query-task.yaml", _nullable_video_url, "2b", "wrapper/anyapi_sora/_videos.py"),
        ("query-task.yaml", _declare_progress, "2c", "wrapper/anyapi_sora/_videos.py"),
        ("query-task.yaml", _drop_get_body, "3", "openapi/overlay.yaml"),
        ("create-video.yaml", _drop_ignored_headers, "4", "openapi/overlay.yaml"),
        ("query-task.yaml", _add_operation_id, "5a", "openapi/overlay.yaml"),
        ("create-video.yaml", _set_title, "5b", "openapi/overlay.yaml"),
        ("create-video.yaml", _ascii_tag, "5c", "openapi/overlay.yaml"),
        ("create-video.yaml", _require_body, "6", "wrapper/anyapi_sora/_videos.py"),
    ],
)
def test_a_fixed_spec_closes_its_gap(
    tree: Path,
    edit_yaml: Edit,
    spec: str,
    change: Callable[[dict[str, Any]], None],
    gap_id: str,
    workaround: str,
) -> None:
    assert findings_for(tree, gap_id)["still exists"].ok
    edit_yaml(f"openapi/{spec}", change)
    finding = findings_for(tree, gap_id)["still exists"]
    assert not finding.ok
    assert finding.detail.startswith(
        f"gap {gap_id} is closed: remove the workaround in {workaround}"
    )


def test_the_cli_fails_on_a_closed_gap(
    tree: Path, edit_yaml: Edit, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--root", str(tree)]) == 0
    capsys.readouterr()
    edit_yaml("openapi/create-video.yaml", _correct_create_response)

    assert cli.main(["--root", str(tree)]) == 1
    out = capsys.readouterr().out
    assert "# Contract drift: FAILED" in out
    assert "- gap 1 is closed: remove the workaround in wrapper/anyapi_sora/_videos.py" in out

    assert cli.main(["--root", str(tree), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert any(p.startswith("gap 1 is closed") for p in data["problems"])


# --- the wrapper must keep handling each gap ---


def test_a_workaround_without_its_gap_comment_is_reported(tree: Path) -> None:
    source = tree / "wrapper" / "anyapi_sora" / "_videos.py"
    source.write_text(source.read_text(encoding="utf-8").replace("Gap 6", "Note"), encoding="utf-8")
    finding = findings_for(tree, "6")["handled"]
    assert not finding.ok
    assert finding.detail == (
        "gap 6 is no longer handled: wrapper/anyapi_sora/_videos.py lacks 'Gap 6'"
    )


def test_a_marker_does_not_match_a_longer_gap_number(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_text("# Gap 12: something else\n", encoding="utf-8")
    gap = Gap("1", "t", "d", Workaround("w.py", "Gap 1"), (), ())
    (handled,) = [f for f in gaps.check_gap(gap, Workspace(tmp_path)) if f.check == "handled"]
    assert not handled.ok


def test_wrapper_parses_reports_a_wrong_attribute() -> None:
    check = {
        "kind": "wrapper-parses",
        "fixture": "tests/fixtures/query-completed.json",
        "expect": {"status": "completed", "width": 1},
    }
    outcome = gaps.run_check(check, Workspace())
    assert not outcome.holds
    assert "width=352, expected 1" in outcome.detail


def test_wrapper_parses_reports_a_body_the_wrapper_rejects() -> None:
    check = {"kind": "wrapper-parses", "body": {"id": "x"}}
    outcome = gaps.run_check(check, Workspace())
    assert not outcome.holds
    assert "raised ResponseShapeError" in outcome.detail


def test_generated_raises_holds_only_while_the_generated_parser_fails() -> None:
    check = {
        "kind": "generated-raises",
        "callable": "anyapi_sora_api.models:CreateVideoResponse200.from_dict",
        "fixture": "tests/fixtures/create-200.json",
        "raises": "KeyError",
        "match": "object",
    }
    assert gaps.run_check(check, Workspace()).holds
    # A parser that accepts the body is what a fixed spec would generate.
    accepted = gaps.run_check({**check, "callable": "builtins:dict"}, Workspace())
    assert not accepted.holds
    assert accepted.detail == "builtins:dict now accepts tests/fixtures/create-200.json"


def test_signature_checks_defaults_and_absent_parameters() -> None:
    check = {"kind": "signature", "callable": "json:dumps", "lacks": ["indent", "nope"]}
    check["defaults"] = {"ensure_ascii": False, "sort_keys": False, "missing": 1}
    outcome = gaps.run_check(check, Workspace())
    assert not outcome.holds
    assert outcome.detail == (
        "json:dumps has parameter 'indent'; 'ensure_ascii' defaults to True, expected False; "
        "has no parameter 'missing'"
    )
    assert gaps.run_check({**check, "lacks": ["nope"], "defaults": {}}, Workspace()).holds


def test_an_unreadable_fixture_is_an_error_not_a_closed_gap(tree: Path) -> None:
    (tree / "tests" / "fixtures" / "create-200.json").unlink()
    found = findings_for(tree, "1")
    assert not found["still exists"].ok
    assert found["still exists"].detail.startswith("gap 1: cannot check:")


def test_registry_typos_fail_loudly() -> None:
    data = Workspace().registry()
    data["gaps"][0]["evidence"][0]["kind"] = "schema-reject"
    with pytest.raises(DriftError, match=r"known-gaps.yaml: at \$\.gaps\[0\]\.evidence\[0\]"):
        registry.parse(data)


def test_a_spec_query_must_state_one_expectation() -> None:
    data = Workspace().registry()
    check = {"kind": "spec-query", "spec": "query-task.yaml", "path": "$.info"}
    data["gaps"][0]["evidence"] = [check]
    with pytest.raises(DriftError, match=r"known-gaps\.yaml"):
        registry.parse(data)
    data["gaps"][0]["evidence"] = [{**check, "present": True, "absent": True}]
    with pytest.raises(DriftError, match=r"known-gaps\.yaml"):
        registry.parse(data)
