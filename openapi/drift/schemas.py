"""JSON schemas inside OpenAPI documents, read tolerantly: any node of a spec may be junk.

A vendor spec can hold anything (``type: strng``, a list where a mapping belongs, a
``$ref`` that points nowhere), and drift must report it rather than crash. Every reader
here takes any value and returns something sensible for it.

Types are compared as sets of JSON type names: OpenAPI 3.0's ``nullable: true`` adds
``null``, 3.1's ``type: [string, 'null']`` lists them, and ``oneOf``/``anyOf`` unions their
alternatives, so ``string, nullable`` (3.0) and ``[string, 'null']`` (3.1) are the same
thing, and ``string`` → ``oneOf: [string, integer]`` is a widening.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import referencing
import referencing.jsonschema
from jsonschema import validators
from openapi_schema_validator import OAS30Validator, OAS31Validator

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from jsonschema.exceptions import ValidationError

ANY = "any"
TYPE_NAMES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})
_MAX_DEPTH = 32
_SPEC_URI = "urn:anyapi-sora:drift:spec"

# OpenAPI 3.0 has no 'null' type: its validator raises UnknownType on the vendor's
# `type: 'null'` instead of reporting the value as invalid. Knowing the name lets the
# validator report "not of type 'null'", the failure a generated client would hit.
OAS30NullValidator = validators.extend(
    OAS30Validator,
    type_checker=OAS30Validator.TYPE_CHECKER.redefine("null", lambda _, value: value is None),
)


def is_31(spec: Mapping[str, Any]) -> bool:
    return str(spec.get("openapi", "")).startswith("3.1")


def deref(spec: Mapping[str, Any], node: Any, seen: frozenset[str] = frozenset()) -> Any:
    """Follow local ``$ref``s; a cycle or a foreign or broken ref stays as it is."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return node
        seen |= {ref}
        target: Any = spec
        for raw in ref[2:].split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and key in target:
                target = target[key]
            elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            else:
                return node
        node = target
    return node


def _names(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []


def merged(spec: Mapping[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """The schema with ``allOf`` folded in and ``oneOf``/``anyOf`` object alternatives
    unioned: properties from any alternative, required only when every one requires it."""
    schema = deref(spec, schema)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return {}
    result = {k: v for k, v in schema.items() if k != "allOf"}
    properties = dict(result["properties"]) if isinstance(result.get("properties"), dict) else {}
    required = _names(result.get("required"))
    for part in schema.get("allOf") if isinstance(schema.get("allOf"), list) else []:
        part = merged(spec, part, depth + 1)
        if "type" not in result and "type" in part:
            result["type"] = part["type"]
        properties = {**(part.get("properties") or {}), **properties}
        required += _names(part.get("required"))
    for keyword in ("oneOf", "anyOf"):
        alternatives = [merged(spec, a, depth + 1) for a in _list(schema.get(keyword))]
        with_properties = [a for a in alternatives if isinstance(a.get("properties"), dict)]
        if with_properties:
            for alternative in with_properties:
                for name, sub in alternative["properties"].items():
                    properties.setdefault(name, sub)
            common = set.intersection(*(set(_names(a.get("required"))) for a in with_properties))
            if len(with_properties) == len(alternatives):
                required += sorted(common)
    if properties:
        result["properties"] = properties
    if required:
        result["required"] = list(dict.fromkeys(required))
    return result


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def types(spec: Mapping[str, Any], schema: Any, depth: int = 0) -> frozenset[str]:
    """The JSON types a value of this schema may have; ``{"any"}`` when it says nothing."""
    schema = merged(spec, schema)
    declared = schema.get("type")
    names: set[str] = set()
    if isinstance(declared, str):
        names.add(declared)
    elif isinstance(declared, list):
        names.update(t for t in declared if isinstance(t, str))
    alternatives = _list(schema.get("oneOf")) + _list(schema.get("anyOf"))
    if alternatives and depth < _MAX_DEPTH:
        alternative_types = [types(spec, a, depth + 1) for a in alternatives]
        if ANY in set().union(*alternative_types):
            names.add(ANY)
        else:
            names.update(*alternative_types)
    if not names:
        if isinstance(schema.get("properties"), dict):
            names.add("object")
        elif "items" in schema:
            names.add("array")
        elif isinstance(schema.get("enum"), list) and schema["enum"]:
            names.update(json_type(v) for v in schema["enum"])
        else:
            names.add(ANY)
    if schema.get("nullable") is True and ANY not in names:
        names.add("null")
    return frozenset(names)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Every value of a type in ``narrow`` is allowed by ``wide``."""
    if ANY in wide:
        return True
    if ANY in narrow:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def show_types(names: frozenset[str]) -> str:
    return " or ".join(sorted(names))


def enum_values(schema: Mapping[str, Any]) -> frozenset[str] | None:
    """The allowed values as JSON texts (so 1 and true stay apart), or None for no enum."""
    if "const" in schema:
        return frozenset({_json(schema["const"])})
    if isinstance(schema.get("enum"), list):
        return frozenset(_json(v) for v in schema["enum"])
    return None


def _json(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


# Value constraints and which way a change moves them. An upper bound that drops, or a
# lower bound that rises, allows fewer values ("narrowed"); the opposite allows more.
UPPER = ("maxLength", "maxItems", "maxProperties")
LOWER = ("minLength", "minItems", "minProperties")
CHANGEABLE = ("pattern", "format", "multipleOf")
FLAGS = ("uniqueItems", "closed")
CONSTRAINTS = (*UPPER, *LOWER, "maximum", "minimum", *CHANGEABLE, *FLAGS)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _bound(schema: Mapping[str, Any], name: str, exclusive_name: str) -> tuple[float, bool] | None:
    exclusive = schema.get(exclusive_name)
    value = _number(schema.get(name))
    # OpenAPI 3.1 (JSON Schema 2020-12) gives the exclusive bound as a number of its own.
    other = _number(exclusive)
    if other is not None and (
        value is None or (other <= value if name == "maximum" else other >= value)
    ):
        return other, True
    if value is None:
        return None
    return value, exclusive is True


def constraints(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The value constraints a schema declares, normalised across OpenAPI 3.0 and 3.1."""
    found: dict[str, Any] = {}
    for name in (*UPPER, *LOWER):
        number = _number(schema.get(name))
        if number is not None:
            found[name] = number
    for name, exclusive in (("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")):
        bound = _bound(schema, name, exclusive)
        if bound is not None:
            found[name] = bound
    for name in ("pattern", "format"):
        if isinstance(schema.get(name), str):
            found[name] = schema[name]
    if _number(schema.get("multipleOf")) is not None:
        found["multipleOf"] = _number(schema["multipleOf"])
    if schema.get("uniqueItems") is True:
        found["uniqueItems"] = True
    # additionalProperties: false closes an object: fields the spec does not name (those
    # callers pass with extra_body) are refused.
    if schema.get("additionalProperties") is False:
        found["closed"] = True
    return found


def direction(name: str, old: Any, new: Any) -> str | None:
    """``narrowed``, ``widened`` or ``changed`` for one constraint; None if equal."""
    if old == new:
        return None
    if old is None:
        return "narrowed"
    if new is None:
        return "widened"
    if name in UPPER:
        return "narrowed" if new < old else "widened"
    if name in LOWER:
        return "narrowed" if new > old else "widened"
    if name in ("maximum", "minimum"):
        (old_value, _), (new_value, new_exclusive) = old, new
        if old_value == new_value:
            return "narrowed" if new_exclusive else "widened"
        tighter = new_value < old_value if name == "maximum" else new_value > old_value
        return "narrowed" if tighter else "widened"
    return "changed"


def show_constraint(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in ("maximum", "minimum"):
        number, exclusive = value
        sign = ("<" if exclusive else "<=") if name == "maximum" else (">" if exclusive else ">=")
        return f"{sign} {_short_number(number)}"
    if name == "closed":
        return "no other properties"
    if name == "uniqueItems":
        return "unique items"
    if isinstance(value, float):
        return _short_number(value)
    return str(value)


def _short_number(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)


# --- validating values against a schema inside a spec ---


def validator_class(spec: Mapping[str, Any]) -> Any:
    return OAS31Validator if is_31(spec) else OAS30NullValidator


def _registry(spec: Mapping[str, Any]) -> referencing.Registry[Any]:
    default = referencing.jsonschema.DRAFT202012 if is_31(spec) else referencing.jsonschema.DRAFT4
    resource = referencing.Resource.from_contents(spec, default_specification=default)
    return referencing.Registry().with_resource(_SPEC_URI, resource)


def iter_errors(spec: Mapping[str, Any], pointer: str, value: Any) -> Iterator[ValidationError]:
    """How ``value`` fails the schema at ``pointer`` (``$ref``s resolve within ``spec``)."""
    cls = validator_class(spec)
    validator = cls({"$ref": f"{_SPEC_URI}#{pointer}"}, registry=_registry(spec))
    yield from validator.iter_errors(value)


def failures(spec: Mapping[str, Any], pointer: str, value: Any) -> list[str]:
    """Readable reasons ``value`` fails the schema at ``pointer``; [] when it passes.

    A schema the validator cannot use (``type: strng``, a broken pattern) is reported as a
    failure of its own rather than raised.
    """
    try:
        return [_describe(e) for e in iter_errors(spec, pointer, value)]
    except Exception as exc:  # a junk schema can break the validator in many ways
        return [f"value: the schema cannot be used to validate: {type(exc).__name__}: {exc}"]


def _describe(error: ValidationError) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"{where.lstrip('.') or 'value'}: {error.message}"


def value_failures(spec: Mapping[str, Any], schema: Any, value: Any) -> list[str]:
    """How ``value`` fails ``schema``, a schema from ``spec`` whose ``$ref``s resolve there."""
    # The schema is put inside a copy of the document so that `#/components/...` resolves.
    document = {**spec, "x-drift-check": schema}
    return failures(document, "/x-drift-check", value)
