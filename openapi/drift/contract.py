"""A spec reduced to what a client depends on, flat enough to compare field by field.

    Contract.operations["POST /v1/video/create"] = Operation(
        locations={"request": {"body": Field(...), "body.prompt": Field(...), "query id": ...},
                   "response 200": {"body": ..., "body.choices[].index": ...}},
        servers=frozenset({"https://www.anyapi.vip"}),
        security=frozenset({frozenset({"http bearer"})}))

Request parameters are keyed by where they travel and their name on the wire
(``query id``, ``header X-Forwarded-Host``), never by a client's name for them. Each field
carries whether it is required, the JSON types it may have, its enum and its value
constraints. Names, summaries, examples and vendor extensions are left out: they change
nothing on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from drift import schemas
from drift.workspace import HTTP_METHODS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from drift.workspace import Document

REQUEST = "request"
BODY = "body"
# OpenAPI 3.x says consumers SHALL ignore these header parameters (gap 4) ...
IGNORED_HEADERS = frozenset({"content-type", "accept", "authorization"})
# ... and a request body where HTTP gives it no defined meaning (gap 3).
BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE"})
PARAMETER_PLACES = ("query", "path", "header", "cookie")
_MAX_DEPTH = 32


@dataclass(frozen=True)
class Field:
    required: bool
    types: frozenset[str]
    enum: frozenset[str] | None = None
    constraints: Mapping[str, Any] = field(default_factory=dict)
    media: str | None = None  # for a whole body: its media type on the wire
    # The merged schema, to check values against; not compared itself.
    schema: Any = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        text = f"{'required' if self.required else 'optional'} {schemas.show_types(self.types)}"
        return f"{self.media}: {text}" if self.media else text


@dataclass(frozen=True)
class Operation:
    locations: dict[str, dict[str, Field]]
    servers: frozenset[str] = frozenset()
    # None: the spec declares no security; a set of alternatives, each a set of schemes.
    security: frozenset[frozenset[str]] | None = None


@dataclass(frozen=True)
class Contract:
    spec: Document
    operations: dict[str, Operation]


def operations(spec: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """``(key, path, path item, operation)`` for every well-formed operation of a spec."""
    found = []
    paths = spec.get("paths")
    for path, raw_item in (paths if isinstance(paths, dict) else {}).items():
        item = schemas.deref(spec, raw_item)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                found.append((f"{method.upper()} {path}", str(path), item, item[method]))
    return found


def parameter_key(where: str, name: str) -> str:
    return f"{where} {name}"


def parameters(
    spec: Mapping[str, Any], item: Mapping[str, Any], op: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The operation's parameters, with those of its path item it does not override."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for source in (item.get("parameters"), op.get("parameters")):
        for raw in source if isinstance(source, list) else []:
            param = schemas.deref(spec, raw)
            if isinstance(param, dict) and isinstance(param.get("name"), str):
                found[(str(param.get("in", "?")), param["name"])] = param
    return list(found.values())


def media_schema(content: Any) -> tuple[str, Any] | None:
    if not isinstance(content, dict) or not content:
        return None
    media = "application/json" if "application/json" in content else str(next(iter(content)))
    entry = content.get(media)
    return media, entry.get("schema", {}) if isinstance(entry, dict) else {}


def make_field(spec: Mapping[str, Any], schema: Any, required: bool) -> Field:
    merged = schemas.merged(spec, schema)
    return Field(
        required=required,
        types=schemas.types(spec, merged),
        enum=schemas.enum_values(merged),
        constraints=schemas.constraints(merged),
        schema=merged,
    )


def _flatten(
    spec: Mapping[str, Any],
    schema: Any,
    name: str,
    required: bool,
    out: dict[str, Field],
    depth: int = 0,
) -> None:
    made = make_field(spec, schema, required)
    out[name] = made
    if depth >= _MAX_DEPTH:
        return
    merged = made.schema
    required_names = set(schemas._names(merged.get("required")))
    properties = merged.get("properties")
    for prop, sub in (properties if isinstance(properties, dict) else {}).items():
        _flatten(spec, sub, f"{name}.{prop}", prop in required_names, out, depth + 1)
    if "items" in merged:
        _flatten(spec, merged["items"], f"{name}[]", True, out, depth + 1)


def _request(
    spec: Mapping[str, Any], method: str, item: Mapping[str, Any], op: Mapping[str, Any]
) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for param in parameters(spec, item, op):
        where, name = str(param.get("in", "?")), param["name"]
        if where == "header" and name.lower() in IGNORED_HEADERS:
            continue
        fields[parameter_key(where, name)] = make_field(
            spec, param.get("schema", {}), param.get("required") is True
        )
    body = schemas.deref(spec, op.get("requestBody"))
    if isinstance(body, dict) and method not in BODYLESS_METHODS:
        found = media_schema(body.get("content"))
        if found is not None:
            media, schema = found
            _flatten(spec, schema, BODY, body.get("required") is True, fields)
            whole = fields[BODY]
            fields[BODY] = Field(
                whole.required, whole.types, whole.enum, whole.constraints, media, whole.schema
            )
    return fields


def _responses(spec: Mapping[str, Any], op: Mapping[str, Any]) -> dict[str, dict[str, Field]]:
    locations: dict[str, dict[str, Field]] = {}
    responses = op.get("responses")
    for status, raw in (responses if isinstance(responses, dict) else {}).items():
        response = schemas.deref(spec, raw)
        fields: dict[str, Field] = {}
        found = media_schema(response.get("content") if isinstance(response, dict) else None)
        if found is not None:
            _flatten(spec, found[1], BODY, True, fields)
            whole = fields[BODY]
            fields[BODY] = Field(
                whole.required, whole.types, whole.enum, whole.constraints, found[0], whole.schema
            )
        locations[f"response {status}"] = fields
    return locations


def server_urls(servers: Any) -> frozenset[str]:
    """Server URLs with their variables at their defaults, compared case-insensitively
    in scheme and host and without a trailing slash."""
    urls = set()
    for server in servers if isinstance(servers, list) else []:
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        variables = server.get("variables")
        for name, variable in (variables if isinstance(variables, dict) else {}).items():
            if isinstance(variable, dict) and "default" in variable:
                url = url.replace("{" + str(name) + "}", str(variable["default"]))
        urls.add(normal_url(url))
    return frozenset(urls)


def normal_url(url: str) -> str:
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        return url.strip().rstrip("/")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")


def scheme_descriptor(spec: Mapping[str, Any], name: str) -> str:
    """A security scheme as what it asks of a request: ``http bearer``, ``apiKey header X``."""
    components = spec.get("components")
    declared = components.get("securitySchemes") if isinstance(components, dict) else None
    scheme = schemas.deref(spec, declared.get(name) if isinstance(declared, dict) else None)
    if not isinstance(scheme, dict):
        return f"undeclared scheme {name!r}"
    kind = str(scheme.get("type", "?"))
    if kind == "http":
        return f"http {str(scheme.get('scheme', '?')).lower()}"
    if kind == "apiKey":
        return f"apiKey {scheme.get('in', '?')} {scheme.get('name', '?')}"
    return kind


def security(spec: Mapping[str, Any], op: Mapping[str, Any]) -> frozenset[frozenset[str]] | None:
    requirements = op["security"] if "security" in op else spec.get("security")
    if not isinstance(requirements, list):
        return None
    alternatives = set()
    for requirement in requirements:
        if isinstance(requirement, dict):
            alternatives.add(frozenset(scheme_descriptor(spec, str(n)) for n in requirement))
    return frozenset(alternatives)


def show_security(value: frozenset[frozenset[str]] | None) -> str:
    if value is None:
        return "none declared"
    texts = sorted(" and ".join(sorted(alt)) or "no auth" for alt in value)
    return " or ".join(texts) or "none"


def build(spec: Document) -> Contract:
    found: dict[str, Operation] = {}
    for key, _path, item, op in operations(spec):
        method = key.partition(" ")[0]
        locations = {REQUEST: _request(spec, method, item, op), **_responses(spec, op)}
        servers = op.get("servers") or item.get("servers") or spec.get("servers")
        found[key] = Operation(locations, server_urls(servers), security(spec, op))
    return Contract(spec, found)


def spec_name(field_key: str) -> str | None:
    """The name on the wire of a top-level body property or a parameter."""
    if field_key.startswith(f"{BODY}."):
        name = field_key[len(BODY) + 1 :]
        return None if "." in name or "[]" in name else name
    where, _, name = field_key.partition(" ")
    return name if name and where in PARAMETER_PLACES else None


def ancestors(field_key: str) -> list[str]:
    """``body.a[].b`` → ``body.a[]``, ``body.a``, ``body``: the fields that contain it."""
    found: list[str] = []
    if not field_key.startswith(BODY):
        return found
    while True:
        cut = max(field_key.rfind("."), field_key.rfind("[]"))
        if cut <= 0:
            return found
        field_key = field_key[:cut]
        found.append(field_key)
