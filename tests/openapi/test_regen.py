"""The freshness check that `nox -s drift` runs (it calls the pinned generator)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import regen
import yaml

ROOT = Path(regen.__file__).resolve().parents[1]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the parts of the project that generation reads and writes."""
    for name in ("openapi", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_committed_output_is_fresh(checkout: Path) -> None:
    assert regen.stale_files(checkout) == []


def test_a_new_body_property_without_regen_is_reported(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec_path = checkout / "openapi" / "create-video.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    body = spec["paths"]["/v1/video/create"]["post"]["requestBody"]["content"]
    body["application/json"]["schema"]["properties"]["seed"] = {"type": "integer"}
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")

    assert regen.main(["check", "--root", str(checkout)]) == 1

    err = capsys.readouterr().err
    assert "generated/ is stale: run nox -s regen" in err
    assert "generated/anyapi_sora_api/models/create_video_body.py" in err
    assert "openapi/anyapi.openapi.yaml" in err


def test_a_hand_edit_in_generated_is_reported(checkout: Path) -> None:
    edited = checkout / "generated" / "anyapi_sora_api" / "errors.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# hand edit\n", encoding="utf-8")
    extra = checkout / "generated" / "anyapi_sora_api" / "extra.py"
    extra.write_text("", encoding="utf-8")
    assert regen.stale_files(checkout) == [
        "generated/anyapi_sora_api/errors.py",
        "generated/anyapi_sora_api/extra.py",
    ]


def test_write_then_check_is_clean_and_byte_stable(checkout: Path) -> None:
    package = checkout / "generated" / "anyapi_sora_api"
    before = {p: p.read_bytes() for p in package.rglob("*") if p.is_file()}
    assert regen.main(["write", "--root", str(checkout)]) == 0
    after = {p: p.read_bytes() for p in package.rglob("*") if p.is_file()}
    assert after == before
