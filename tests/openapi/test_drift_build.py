"""The request build check: the wrapper's real requests, with its defaults and every option."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from drift import buildability, coverage, registry, wrapper
from drift.workspace import Workspace
from drift_testing import CREATE, FIXTURE_PROJECT, QUERY, create_body

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]


def build_findings(root: Path = FIXTURE_PROJECT) -> list[Any]:
    ws = Workspace(root)
    known = registry.load(ws)
    spec = coverage.transformed_spec(ws)
    return buildability.check_build(known, spec, wrapper.gather(known, spec), ws)


def use_client(edit_yaml: Edit, name: str) -> None:
    def change(data: dict[str, Any]) -> None:
        data["wrapper"]["client"] = f"drift_standin.client:{name}"

    edit_yaml("openapi/known-gaps.yaml", change)


def test_every_option_is_built_and_checked() -> None:
    found = {f.subject: f for f in build_findings()}
    assert found[CREATE].ok
    assert found[CREATE].detail == (
        "8 request(s) built by Client.videos.create pass the stored spec (defaults, "
        "orientation='landscape', size='large', duration=15, "
        "images=['https://example.com/reference.png'], watermark=False, private=True, "
        "extra_body={'style': 'anime'})"
    )
    assert found[QUERY].detail == (
        "1 request(s) built by Client.videos.retrieve pass the stored spec (defaults)"
    )


def test_a_request_the_spec_refuses_is_named(tree: Path, edit_yaml: Edit) -> None:
    use_client(edit_yaml, "WrongClient")
    (finding, *_) = [f for f in build_findings(tree) if not f.ok]
    assert finding.detail.startswith(
        "POST /v1/video/create: WrongClient.videos.create(defaults) sends a request the "
        "stored spec refuses: body.duration: '10' is not of type 'integer'"
    )


def test_a_string_where_the_generated_model_wants_an_enum_names_the_field_and_fix(
    tree: Path, edit_yaml: Edit
) -> None:
    use_client(edit_yaml, "EnumModelClient")
    (finding,) = [f for f in build_findings(tree) if not f.ok and f.subject == CREATE]
    assert finding.detail.startswith(
        "POST /v1/video/create: EnumModelClient.videos.create cannot build its request "
        "(defaults): AttributeError: 'str' object has no attribute 'value'."
    )
    assert "AttributeError: 'str' object has no attribute 'value'" in finding.detail
    assert (
        "The generated Body.orientation is now the enum Orientation (landscape, portrait); "
        "the wrapper sets it to the str 'portrait' at "
    ) in finding.detail
    assert "drift_standin/client.py:" in finding.detail
    assert finding.next_step.startswith("build the model with Body.from_dict({...})")


def test_a_field_the_generated_model_now_requires_is_named(tree: Path, edit_yaml: Edit) -> None:
    use_client(edit_yaml, "SeedModelClient")
    (finding,) = [f for f in build_findings(tree) if not f.ok and f.subject == CREATE]
    assert "The generated request model now requires 'seed'" in finding.detail
    assert finding.next_step == (
        "add a parameter with a default for 'seed' to Videos.create and pass it on"
    )


def test_a_value_outside_the_known_list_must_not_fail_deep_inside(
    tree: Path, edit_yaml: Edit
) -> None:
    use_client(edit_yaml, "DeepFailureClient")
    problems = [f for f in build_findings(tree) if not f.ok]
    assert [f.check for f in problems] == ["unknown values", "unknown values"]
    assert problems[0].detail == (
        "POST /v1/video/create: DeepFailureClient.videos.create("
        "orientation='drift-unknown-value'), a value outside the wrapper's list "
        "['portrait', 'landscape'], fails inside drift_standin_enum: ValueError: "
        "'drift-unknown-value' is not a valid Orientation"
    )
    assert problems[0].next_step.startswith("refuse such a value in the wrapper")


@pytest.mark.parametrize(("client", "closed"), [("Client", True), ("HintClient", False)])
def test_drift_learns_whether_a_value_list_is_closed_or_a_hint(
    tree: Path, edit_yaml: Edit, client: str, closed: bool
) -> None:
    use_client(edit_yaml, client)
    ws = Workspace(tree)
    known = registry.load(ws)
    facts = wrapper.gather(known, coverage.transformed_spec(ws))
    create = facts.operations[CREATE]
    assert create.known["body.orientation"].closed is closed
    assert create.open_values("body.orientation") is not closed
    assert [f for f in build_findings(tree) if not f.ok] == []


def test_a_spec_enum_value_the_wrapper_refuses_is_a_note(tree: Path, edit_yaml: Edit) -> None:
    def allow_square(spec: dict[str, Any]) -> None:
        create_body(spec)["properties"]["orientation"]["enum"] = ["portrait", "landscape", "square"]

    edit_yaml("openapi/create-video.yaml", allow_square)
    (finding,) = [f for f in build_findings(tree) if f.subject == CREATE]
    assert finding.ok
    assert "note: the spec allows orientation='square' but the wrapper refuses it" in finding.detail


def test_a_registry_that_names_no_client_is_reported(tree: Path, edit_yaml: Edit) -> None:
    use_client(edit_yaml, "NoSuchClient")
    found = [f for f in build_findings(tree) if not f.ok]
    assert {f.subject for f in found} == {CREATE, QUERY}
    assert "cannot find drift_standin.client:NoSuchClient" in found[0].detail
    assert found[0].next_step.startswith("fix `wrapper.client`")


def test_a_value_list_the_registry_cannot_find_is_named(tree: Path, edit_yaml: Edit) -> None:
    # The coupling to the wrapper's lists is one name per field in the registry: when the
    # wrapper renames a list, drift says which entry to update.
    def renamed(data: dict[str, Any]) -> None:
        data["operations"][CREATE]["known_values"]["body.size"] = "drift_standin.client:KNOWN_SIZES"

    edit_yaml("openapi/known-gaps.yaml", renamed)
    (finding,) = [f for f in build_findings(tree) if not f.ok]
    assert finding.detail.startswith(
        "POST /v1/video/create: cannot find drift_standin.client:KNOWN_SIZES: AttributeError"
    )
    assert finding.next_step == (
        "point known_values.body.size in openapi/known-gaps.yaml at the wrapper's list"
    )


@pytest.mark.parametrize(
    "shape",
    [
        ("small", "large"),
        ["small", "large"],
        {"small": "720p", "large": "1080p"},
        frozenset({"large", "small"}),
    ],
)
def test_a_value_list_may_be_any_collection_of_values(
    shape: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import drift_standin.client

    monkeypatch.setattr(drift_standin.client, "SIZES", shape)
    found = wrapper._known_values("drift_standin.client:SIZES")
    assert (found.error, sorted(found.values)) == (None, ["large", "small"])
