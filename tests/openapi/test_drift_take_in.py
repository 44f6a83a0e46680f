"""The README's "Taking in a new vendor spec", done on a copy of the project, four times.

For a new required field, a new optional field, a new enum and a closed gap, each test
runs the steps a maintainer runs, as they run them: `python openapi/drift --upstream NEW`,
save NEW over the stored spec, `python openapi/regen.py write` (what `nox -s regen` runs),
`python openapi/drift`. The copy's own wrapper/ and generated/ are imported
(PYTHONPATH), so the regenerated client is what the wrapper is checked against. Each test
checks what the user sees: the report in plain words, and a next step for every problem.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from drift import registry
from drift.workspace import Workspace, resolve_object
from drift_testing import ROOT, create_body

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

COPIED = ("openapi", "generated", "wrapper", "tests/fixtures")
# Each test regenerates the client and runs drift in subprocesses.
pytestmark = pytest.mark.timeout(600)
CREATE_SPEC = "openapi/create-video.yaml"


@dataclass
class Run:
    code: int
    out: str

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.out)


class Project:
    """A copy of the project to take a spec into."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for name in COPIED:
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("ANYAPI_", "PYTHONPATH"))
        }
        self.env["PYTHONPATH"] = os.pathsep.join([str(root / "wrapper"), str(root / "generated")])

    def run(self, *args: str) -> Run:
        result = subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return Run(result.returncode, result.stdout + result.stderr)

    def drift(self, *args: str) -> Run:
        return self.run("openapi/drift", *args)

    def spec(self) -> dict[str, Any]:
        return yaml.safe_load((self.root / CREATE_SPEC).read_text(encoding="utf-8"))

    def new_spec(self, change: Callable[[dict[str, Any]], None]) -> str:
        """The vendor's new spec, saved outside openapi/ (as if fetched)."""
        document = self.spec()
        change(document)
        path = self.root / "vendor-new.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
        return str(path)

    def take_in(self, new: str) -> Run:
        """Steps 1-3: save it over the stored spec, regenerate, run drift."""
        shutil.copyfile(new, self.root / CREATE_SPEC)
        regen = self.run("openapi/regen.py", "write")
        assert regen.code == 0, regen.out
        return self.drift()


def every_problem_has_a_next_step(report: str) -> list[str]:
    """The problems listed at the end of a Markdown report, each checked for its next step."""
    lines = report.splitlines()
    start = lines.index("## Problems and what to do")
    problems = [i for i, line in enumerate(lines[start:], start) if line.startswith("- ")]
    for index in problems:
        assert lines[index + 1].startswith("  - next: "), lines[index]
    return [lines[i][2:] for i in problems]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "project")


def _new_required(spec: dict[str, Any]) -> None:
    create_body(spec)["properties"]["drift_new_required"] = {"type": "string"}
    create_body(spec)["required"].append("drift_new_required")


def _new_optional(spec: dict[str, Any]) -> None:
    create_body(spec)["properties"]["drift_new_optional"] = {"type": "string"}


def test_take_in_a_new_required_field(project: Project) -> None:
    new = project.new_spec(_new_required)
    preview = project.drift("--upstream", new)
    assert preview.code == 1
    assert (
        "| POST /v1/video/create | request | body.drift_new_required | added, required |"
    ) in preview.out
    assert "requests without it fail and AnyAPI.videos.create does not send it" in preview.out

    report = project.take_in(new)
    assert report.code == 1
    assert report.out.startswith("# Contract drift: FAILED")
    problems = every_problem_has_a_next_step(report.out)
    assert problems[0].endswith(
        "The generated request model now requires 'drift_new_required', which the wrapper "
        "does not pass"
    )
    assert (
        "  - next: add a parameter with a default for 'drift_new_required' to Videos.create, "
        "AsyncVideos.create and pass it on"
    ) in report.out


def test_take_in_a_new_optional_field(project: Project) -> None:
    new = project.new_spec(_new_optional)
    preview = project.drift("--upstream", new)
    assert preview.code == 0
    assert (
        "| POST /v1/video/create | request | body.drift_new_optional | added, optional |"
        in preview.out
    )
    assert "non-breaking | callers can pass it with extra_body |" in preview.out

    report = project.take_in(new)
    assert report.code == 1
    problems = every_problem_has_a_next_step(report.out)
    assert problems == [
        "POST /v1/video/create: body property 'drift_new_optional' is never sent by "
        "AnyAPI.videos.create"
    ]
    assert (
        "  - next: add a parameter for it to Videos.create, AsyncVideos.create, or list it "
        "under passed_through in openapi/known-gaps.yaml with the reason"
    ) in report.out

    # Doing what it says is enough.
    registry_path = project.root / "openapi" / "known-gaps.yaml"
    data = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    data["operations"]["POST /v1/video/create"].setdefault("passed_through", {})[
        "drift_new_optional"
    ] = "callers pass it with extra_body"
    registry_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    again = project.drift()
    assert again.code == 0, again.out
    assert again.out.startswith("# Contract drift: OK")


def test_take_in_a_closed_gap(project: Project) -> None:
    def fix_create_response(spec: dict[str, Any]) -> None:
        response = spec["paths"]["/v1/video/create"]["post"]["responses"]["200"]
        response["content"]["application/json"]["schema"] = {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "status": {"type": "string"},
                "status_update_time": {"type": "integer"},
            },
            "required": ["id", "status"],
        }

    new = project.new_spec(fix_create_response)
    preview = project.drift("--upstream", new)
    assert "- gap 1 would close: remove the workaround in wrapper/anyapi_sora/_videos.py" in (
        preview.out
    )

    report = project.take_in(new)
    assert report.code == 1
    problems = every_problem_has_a_next_step(report.out)
    assert [p.partition(" (")[0] for p in problems] == [
        "gap 1 is closed: remove the workaround in wrapper/anyapi_sora/_videos.py"
    ]
    assert "  - next: remove the workaround ('Gap 1' in wrapper/anyapi_sora/_videos.py)" in (
        report.out
    )


# --- a new enum: the generated client turns a string field into an enum class ---


@pytest.fixture(scope="module")
def enum_taken_in(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Project, Run, Run, list[str]]:
    project = Project(tmp_path_factory.mktemp("enum") / "project")
    ws = Workspace(project.root)
    pointer = registry.load(ws).bindings[0].known_values["body.orientation"]
    values = [str(v) for v in resolve_object(pointer)]

    def add_enum(spec: dict[str, Any]) -> None:
        create_body(spec)["properties"]["orientation"]["enum"] = values

    new = project.new_spec(add_enum)
    preview = project.drift("--upstream", new)
    return project, preview, project.take_in(new), values


def test_take_in_a_new_enum(enum_taken_in: tuple[Project, Run, Run, list[str]]) -> None:
    _, preview, report, values = enum_taken_in
    assert "| POST /v1/video/create | request | body.orientation | enum added |" in preview.out
    assert "regeneration will make it an enum class" in preview.out
    # The wrapper's side: its own values all pass; whether callers' others can reach the
    # server depends on whether its list is closed (refused) or a hint (sent, warned).
    shown = ", ".join(repr(v) for v in values)
    assert (
        f"every value the wrapper can send ({shown}) is allowed" in preview.out
        or f"the wrapper's values ({shown}) pass, but it sends callers' other orientation "
        "values on unchecked"
        in preview.out
    )
    assert report.out.startswith("# Contract drift: ")
    if report.code:
        problems = every_problem_has_a_next_step(report.out)
        assert any("orientation" in p for p in problems), problems


CREATE_ON_MOCK = """
import json
from anyapi_sora import AnyAPI
from anyapi_sora.testing import MockServer

with MockServer(queue_seconds=0, processing_seconds=0) as server:
    client = AnyAPI(api_key=server.api_key, base_url=server.base_url)
    task = client.videos.create("a corgi surfing", orientation="landscape")
    (sent,) = server.requests_to("create")
    print(json.dumps({"id": task.id, "orientation": sent.json["orientation"]}))
"""


def test_the_wrapper_survives_a_string_field_becoming_an_enum(
    enum_taken_in: tuple[Project, Run, Run, list[str]],
) -> None:
    """Either every request still builds and validates and create() works against the mock,
    or drift fails naming the field and the fix: never a silent pass."""
    project, _, report, _ = enum_taken_in
    enum_module = project.root / "generated/anyapi_sora_api/models/create_video_body_orientation.py"
    assert enum_module.is_file(), "regeneration did not make orientation an enum"
    data = project.drift("--json").data
    build = [f for f in data["findings"] if f["section"] == "request build"]
    create = [f for f in build if f["subject"] == "POST /v1/video/create"]
    if all(f["ok"] for f in create):
        created = project.run("-c", CREATE_ON_MOCK)
        assert created.code == 0, created.out
        assert json.loads(created.out.splitlines()[-1])["orientation"] == "landscape"
    else:
        assert report.code == 1
        (failure,) = [f for f in create if not f["ok"]]
        assert (
            "CreateVideoBody.orientation is now the enum CreateVideoBodyOrientation"
            in (failure["detail"])
        )
        assert failure["next_step"].startswith("build the model with CreateVideoBody.from_dict(")


def test_the_drift_session_shows_the_report_before_its_own_tests() -> None:
    source = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    body = source[source.index("def drift(") :]
    body = body[: body.index("\n@nox.session")]
    assert body.index('"openapi/drift"') < body.index('"pytest"')
