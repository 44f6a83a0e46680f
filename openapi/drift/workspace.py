"""The files the checks read: stored specs, recorded fixtures and project sources.

Everything is read relative to one project root, so tests can point the checks at a
modified copy of the tree. In upstream mode a spec can be replaced by another document
(``overrides``) to ask "would this gap still exist with the vendor's current spec?".
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonpath
import yaml

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_NAME = "known-gaps.yaml"
TRANSFORMED_SPEC = "anyapi.openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Document = dict[str, Any]


class DriftError(Exception):
    """A check could not run: a missing file, a bad registry entry, an unknown operation."""


def resolve_object(target: str) -> Any:
    """``"package.module:Class.attr"`` → the object, imported from the environment."""
    module_name, _, qualname = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split(".") if qualname else []:
            obj = getattr(obj, part)
    except Exception as exc:  # importing project code can fail any way; report, not crash
        raise DriftError(f"cannot find {target}: {type(exc).__name__}: {exc}") from None
    return obj


def parse_document(text: str, source: str) -> Document:
    """A spec or registry from YAML or JSON text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # YAML 1.1 rejects a few valid JSON documents (tabs, some escapes); try JSON too.
        try:
            data = json.loads(text)
        except ValueError:
            raise DriftError(f"{source}: neither YAML nor JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DriftError(f"{source}: expected a mapping at the top level")
    return data


class Workspace:
    """Reads and caches the files of one project tree."""

    def __init__(self, root: Path = ROOT, overrides: Mapping[str, Document] | None = None) -> None:
        self.root = root.resolve()
        self.openapi_dir = self.root / "openapi"
        self.overrides = dict(overrides or {})
        self._specs: dict[str, Document] = {}

    def with_overrides(self, overrides: Mapping[str, Document]) -> Workspace:
        return Workspace(self.root, {**self.overrides, **overrides})

    def path(self, relative: str) -> Path:
        return self.root / relative

    def read_text(self, relative: str) -> str:
        try:
            return self.path(relative).read_text(encoding="utf-8")
        except OSError as exc:
            raise DriftError(f"cannot read {relative}: {exc.strerror}") from None

    def spec(self, name: str) -> Document:
        """A spec stored in ``openapi/`` (a vendor spec or the transformed one)."""
        if name in self.overrides:
            return self.overrides[name]
        if name not in self._specs:
            self._specs[name] = parse_document(self.read_text(f"openapi/{name}"), name)
        return self._specs[name]

    def registry(self) -> Document:
        return parse_document(self.read_text(f"openapi/{REGISTRY_NAME}"), REGISTRY_NAME)

    def body(self, fixture: str | None, inline: object = None) -> object:
        """Recorded evidence: a JSON fixture file (relative to the root), or an inline body."""
        if fixture is None:
            return inline
        try:
            return json.loads(self.read_text(fixture))
        except ValueError as exc:
            raise DriftError(f"{fixture}: not JSON: {exc}") from None


def operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``("POST /v1/video/create", operation)`` for every operation of a spec."""
    paths = spec.get("paths")
    for path, item in (paths if isinstance(paths, dict) else {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield f"{method.upper()} {path}", item[method]


def operation(spec: Mapping[str, Any], key: str, spec_name: str) -> dict[str, Any]:
    for found, op in operations(spec):
        if found == key:
            return op
    raise DriftError(f"{spec_name} has no operation {key}")


def json_pointer(*segments: str) -> str:
    """An RFC 6901 pointer: a ``/`` inside a path or media type must not split a segment."""
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in segments)


def response_schema_pointer(spec: Mapping[str, Any], key: str, status: str, name: str) -> str:
    """Where the JSON schema of one response sits, as a pointer into the spec."""
    method, _, path = key.partition(" ")
    responses = operation(spec, key, name).get("responses")
    response = responses.get(status) if isinstance(responses, dict) else None
    if not isinstance(response, dict):
        raise DriftError(f"{name}: {key} declares no {status} response")
    content = response.get("content")
    content = content if isinstance(content, dict) else {}
    media = "application/json" if "application/json" in content else next(iter(content), None)
    entry = content.get(media) if media is not None else None
    if not isinstance(entry, dict) or "schema" not in entry:
        raise DriftError(f"{name}: {key} {status} response has no schema")
    return json_pointer(
        "paths", path, method.lower(), "responses", status, "content", media, "schema"
    )


def resolve_pointer(document: Any, pointer: str) -> Any:
    node = document
    for raw in pointer.split("/")[1:]:
        segment = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(segment)]
        elif isinstance(node, dict) and segment in node:
            node = node[segment]
        else:
            raise DriftError(f"pointer {pointer} does not resolve")
    return node


def query(document: Any, expression: str) -> list[Any]:
    """The values an RFC 9535 JSONPath expression selects (as the overlay's targets do)."""
    try:
        return list(jsonpath.findall(expression, document))
    except jsonpath.JSONPathError as exc:
        raise DriftError(f"bad JSONPath {expression!r}: {exc}") from None
