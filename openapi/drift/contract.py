"""A spec reduced to what a client depends on, flat enough for deepdiff to compare.

    {"POST /v1/video/create": {
        "request": {"body": {...}, "body.prompt": {"required": True, "type": "string"}},
        "response 200": {"body": {...}, "body.choices[].index": {...}}}}

Every field carries ``required``, ``type`` and, when declared, ``enum`` (a dict keyed by the
JSON of each value, so deepdiff reports each added or removed value on its own). Names,
summaries, examples and vendor extensions are left out: they change nothing on the wire.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from drift.workspace import operations

if TYPE_CHECKING:
    from collections.abc import Mapping

    from drift.workspace import Document

Field = dict[str, Any]
Contract = dict[str, dict[str, dict[str, Field]]]

REQUEST = "request"
BODY = "body"
# OpenAPI 3.0 says consumers SHALL ignore these header parameters (gap 4) ...
IGNORED_HEADERS = frozenset({"content-type", "accept", "authorization"})
# ... and a request body where HTTP gives it no defined meaning (gap 3).
BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE"})
_MAX_DEPTH = 32


def _deref(spec: Mapping[str, Any], node: Any, seen: frozenset[str] = frozenset()) -> Any:
    """Follow local ``$ref``s; a cycle or a foreign ref stays as it is."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return node
        seen |= {ref}
        target: Any = spec
        for raw in ref[2:].split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or key not in target:
                return node
            target = target[key]
        node = target
    return node


def _merged(spec: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    """The schema with its ``allOf`` parts folded in (properties and required unioned)."""
    schema = _deref(spec, schema)
    if not isinstance(schema, dict):
        return {}
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf") or []:
        part = _merged(spec, part)
        merged.setdefault("type", part.get("type"))
        merged["properties"] = {**(part.get("properties") or {}), **merged.get("properties", {})}
        merged["required"] = [*merged.get("required", []), *part.get("required", [])]
    return merged


def _type(schema: Mapping[str, Any]) -> str:
    name = schema.get("type")
    if not isinstance(name, str):
        if "properties" in schema:
            name = "object"
        elif "items" in schema:
            name = "array"
        else:
            # oneOf/anyOf are compared as a whole: a change inside shows as no change.
            name = next((k for k in ("oneOf", "anyOf") if k in schema), "any")
    return f"{name}, nullable" if schema.get("nullable") else name


def _field(schema: Mapping[str, Any], required: bool) -> Field:
    field: Field = {"required": required, "type": _type(schema)}
    if isinstance(schema.get("enum"), list):
        field["enum"] = {json.dumps(v, sort_keys=True): True for v in schema["enum"]}
    return field


def _flatten(
    spec: Mapping[str, Any],
    schema: Any,
    name: str,
    required: bool,
    out: dict[str, Field],
    depth: int = 0,
) -> None:
    schema = _merged(spec, schema)
    out[name] = _field(schema, required)
    if depth >= _MAX_DEPTH:
        return
    required_names = set(schema.get("required") or [])
    for prop, sub in (schema.get("properties") or {}).items():
        _flatten(spec, sub, f"{name}.{prop}", prop in required_names, out, depth + 1)
    if "items" in schema:
        _flatten(spec, schema["items"], f"{name}[]", True, out, depth + 1)


def _media_schema(content: Mapping[str, Any]) -> tuple[str, Any] | None:
    media = "application/json" if "application/json" in content else next(iter(content), None)
    if media is None:
        return None
    return media, (content.get(media) or {}).get("schema", {})


def parameter_key(where: str, name: str) -> str:
    return f"{where} {name}"


def _request(spec: Mapping[str, Any], method: str, op: Mapping[str, Any]) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for raw in op.get("parameters") or []:
        param = _deref(spec, raw)
        if not isinstance(param, dict) or "name" not in param:
            continue
        where, name = param.get("in", "?"), str(param["name"])
        if where == "header" and name.lower() in IGNORED_HEADERS:
            continue
        field = _field(_merged(spec, param.get("schema", {})), bool(param.get("required")))
        fields[parameter_key(where, name)] = field
    body = _deref(spec, op.get("requestBody"))
    if isinstance(body, dict) and method not in BODYLESS_METHODS:
        found = _media_schema(body.get("content") or {})
        if found is not None:
            media, schema = found
            _flatten(spec, schema, BODY, bool(body.get("required")), fields)
            # The media type is the body's type on the wire: multipart instead of JSON breaks.
            fields[BODY]["type"] = f"{media}: {fields[BODY]['type']}"
    return fields


def build(spec: Document) -> Contract:
    contract: Contract = {}
    for key, op in operations(spec):
        method = key.partition(" ")[0]
        locations = {REQUEST: _request(spec, method, op)}
        for status, raw in (op.get("responses") or {}).items():
            response = _deref(spec, raw)
            fields: dict[str, Field] = {}
            found = _media_schema((response or {}).get("content") or {})
            if found is not None:
                _flatten(spec, found[1], BODY, True, fields)
            locations[f"response {status}"] = fields
        contract[key] = locations
    return contract


def spec_name(field: str) -> str | None:
    """The name a wrapper parameter would carry: top-level body property or parameter."""
    if field.startswith(f"{BODY}."):
        name = field[len(BODY) + 1 :]
        return None if "." in name or "[]" in name else name
    where, _, name = field.partition(" ")
    return name if name and where in ("query", "path", "header", "cookie") else None


def ancestors(field: str) -> list[str]:
    """``body.a[].b`` → ``body.a[]``, ``body.a``, ``body``: the fields that contain it."""
    found: list[str] = []
    while True:
        cut = max(field.rfind("."), field.rfind("[]"))
        if cut <= 0:
            return found
        field = field[:cut]
        found.append(field)
