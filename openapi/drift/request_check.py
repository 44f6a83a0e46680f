"""Does one request, as the wrapper sent it, satisfy an operation of a spec?

Checked: method and path, each parameter (present when required, valid against its
schema once its text is read as the schema's type), the body's media type and JSON
against its schema, and the security requirement. Header parameters that OpenAPI says to
ignore are skipped, as everywhere in drift.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from drift import contract, schemas
from drift.wrapper import path_match

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx


def satisfies(descriptor: str, request: httpx.Request) -> bool:
    """Whether the request carries what one security scheme asks for."""
    kind, _, rest = descriptor.partition(" ")
    authorization = request.headers.get("authorization", "")
    if kind == "http":
        return authorization.lower().startswith(f"{rest.lower()} ")
    if kind == "apiKey":
        where, _, name = rest.partition(" ")
        if where == "header":
            return name in request.headers
        if where == "query":
            return name in request.url.params
        if where == "cookie":
            return f"{name}=" in request.headers.get("cookie", "")
        return False
    if kind in ("oauth2", "openIdConnect"):
        return authorization.lower().startswith("bearer ")
    return False


def satisfied(requirements: frozenset[frozenset[str]] | None, request: httpx.Request) -> bool:
    if not requirements:
        return True  # nothing declared, or an empty list: no auth asked for
    return any(all(satisfies(d, request) for d in alternative) for alternative in requirements)


def _coerce(text: str, names: frozenset[str]) -> Any:
    """A parameter's text read as its schema's type, when it reads as one."""
    if "integer" in names or "number" in names:
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return text
    if "boolean" in names and text in ("true", "false"):
        return text == "true"
    return text


def _parameter_value(spec: Mapping[str, Any], param: Mapping[str, Any], texts: list[str]) -> Any:
    schema = param.get("schema", {})
    names = schemas.types(spec, schema)
    if "array" in names:
        items = schemas.merged(spec, schema).get("items", {})
        item_names = schemas.types(spec, items)
        parts = texts if len(texts) > 1 else texts[0].split(",")
        return [_coerce(p, item_names) for p in parts]
    return _coerce(texts[0], names)


def problems(spec: Mapping[str, Any], key: str, request: httpx.Request) -> list[str]:
    """What is wrong with ``request`` for the operation ``key`` of ``spec``; [] if nothing."""
    method, _, template = key.partition(" ")
    found = [(item, op) for k, _p, item, op in contract.operations(spec) if k == key]
    if not found:
        return [f"the spec has no operation {key}"]
    item, op = found[0]
    wrong: list[str] = []
    path_values = path_match(template, request.url.path)
    if request.method != method or path_values is None:
        wrong.append(f"sent {request.method} {request.url.path}, not {key}")
        path_values = {}
    for param in contract.parameters(spec, item, op):
        where, name = str(param.get("in", "?")), param["name"]
        if (where == "header" and name.lower() in contract.IGNORED_HEADERS) or where == "cookie":
            continue
        if where == "query":
            texts = request.url.params.get_list(name)
        elif where == "header":
            texts = request.headers.get_list(name)
        elif where == "path":
            texts = [path_values[name]] if name in path_values else []
        else:
            continue
        label = contract.parameter_key(where, name)
        if not texts:
            if param.get("required") is True:
                wrong.append(f"{label}: required, but the request does not send it")
            continue
        value = _parameter_value(spec, param, texts)
        for failure in schemas.value_failures(spec, param.get("schema", {}), value):
            wrong.append(f"{label}: {failure.partition(': ')[2]}")
    wrong += _body_problems(spec, method, op, request)
    requirements = contract.security(spec, op)
    if not satisfied(requirements, request):
        wrong.append(
            f"security: the spec asks for {contract.show_security(requirements)}; "
            "the request carries none of it"
        )
    return wrong


def _body_problems(
    spec: Mapping[str, Any], method: str, op: Mapping[str, Any], request: httpx.Request
) -> list[str]:
    body = schemas.deref(spec, op.get("requestBody"))
    if not isinstance(body, dict) or method in contract.BODYLESS_METHODS:
        return []
    content = body.get("content") if isinstance(body.get("content"), dict) else {}
    if not request.content:
        return ["body: required, but the request has none"] if body.get("required") is True else []
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    accepted = [str(m).lower() for m in content]
    wildcards = {"*/*", media.partition("/")[0] + "/*"}
    if content and media not in accepted and not wildcards & set(accepted):
        return [f"body: sent as {media or 'no media type'}, the spec takes {', '.join(accepted)}"]
    entry = content.get(media) or content.get("application/json")
    if "json" not in media or not isinstance(entry, dict) or "schema" not in entry:
        return []
    try:
        value = json.loads(request.content)
    except ValueError:
        return ["body: not JSON"]
    return [
        f"body.{failure}" if not failure.startswith("value:") else f"body:{failure[6:]}"
        for failure in schemas.value_failures(spec, entry["schema"], value)
    ]
