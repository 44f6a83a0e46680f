"""Helpers for drift's own tests (conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_DIR = ROOT / "openapi"
FIXTURE_PROJECT = Path(__file__).resolve().parent / "fixtures" / "project"

CREATE = "POST /v1/video/create"
QUERY = "GET /v1/video/query"


def fixture_spec(name: str) -> dict[str, Any]:
    """A fresh copy of one of the fixture project's specs."""
    text = (FIXTURE_PROJECT / "openapi" / name).read_text(encoding="utf-8")
    return copy.deepcopy(yaml.safe_load(text))


def create_body(spec: dict[str, Any]) -> dict[str, Any]:
    content = spec["paths"]["/v1/video/create"]["post"]["requestBody"]["content"]
    return content["application/json"]["schema"]


def query_parameters(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["paths"]["/v1/video/query"]["get"]["parameters"]


def query_response(spec: dict[str, Any]) -> dict[str, Any]:
    response = spec["paths"]["/v1/video/query"]["get"]["responses"]["200"]
    return response["content"]["application/json"]["schema"]


def write_yaml(path: Path, document: dict[str, Any]) -> str:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)
