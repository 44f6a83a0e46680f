"""The gap registry, ``openapi/known-gaps.yaml``: loaded, checked against a schema, typed.

A typo in the registry must fail loudly rather than silently skip a check, so the file is
validated with JSON Schema before anything reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jsonschema
from jsonschema.exceptions import best_match

from drift.workspace import REGISTRY_NAME, DriftError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from drift.workspace import Workspace

_TEXT = {"type": "string", "minLength": 1}
_TEXTS = {"type": "array", "items": _TEXT, "minItems": 1}
_NAMED_REASONS = {"type": "object", "additionalProperties": _TEXT}
_POINTERS = {"type": "object", "additionalProperties": _TEXT}
_OPERATION_KEY = "^(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) /"
# Recorded evidence is a fixture file or an inline body, never both.
_BODY = {"oneOf": [{"required": ["fixture"]}, {"required": ["body"]}]}
_RESPONSE = {
    "spec": _TEXT,
    "operation": {"type": "string", "pattern": _OPERATION_KEY},
    "status": _TEXT,
}
_SPEC_EXPECTATIONS = ("present", "absent", "equals", "includes", "excludes", "non_ascii")

CHECK_KINDS: dict[str, dict[str, Any]] = {
    "schema-rejects": {
        "properties": {**_RESPONSE, "fixture": _TEXT, "body": {}, "expect": _TEXTS},
        "required": ["spec", "operation", "status", "expect"],
        "allOf": [_BODY],
    },
    "schema-lacks-fields": {
        "properties": {**_RESPONSE, "fixtures": _TEXTS, "fields": _TEXTS},
        "required": ["spec", "operation", "status", "fixtures", "fields"],
    },
    "generated-raises": {
        "properties": {
            "callable": _TEXT,
            "fixture": _TEXT,
            "body": {},
            "raises": _TEXT,
            "match": _TEXT,
        },
        "required": ["callable", "raises"],
        "allOf": [_BODY],
    },
    "spec-query": {
        "properties": {
            "spec": _TEXT,
            "path": {"type": "string", "pattern": "^\\$"},
            "present": {"const": True},
            "absent": {"const": True},
            "equals": {},
            "includes": {"type": "array", "minItems": 1},
            "excludes": {"type": "array", "minItems": 1},
            "non_ascii": {"const": True},
        },
        "required": ["spec", "path"],
        # Exactly one expectation, so an entry cannot quietly test nothing.
        "oneOf": [{"required": [name]} for name in _SPEC_EXPECTATIONS],
    },
    "wrapper-parses": {
        "properties": {
            "callable": _TEXT,
            "fixture": _TEXT,
            "body": {},
            "expect": {"type": "object"},
        },
        "required": [],
        "allOf": [_BODY],
    },
    "signature": {
        "properties": {"callable": _TEXT, "lacks": _TEXTS, "defaults": {"type": "object"}},
        "required": ["callable"],
        "anyOf": [{"required": ["lacks"]}, {"required": ["defaults"]}],
    },
    "source-contains": {
        "properties": {"file": _TEXT, "text": _TEXT},
        "required": ["file", "text"],
    },
}


def _check_schema() -> dict[str, Any]:
    kinds: list[dict[str, Any]] = []
    for kind, rule in CHECK_KINDS.items():
        then = {
            **rule,
            "properties": {"kind": {}, **rule["properties"]},
            "additionalProperties": False,
        }
        kinds.append({"if": {"properties": {"kind": {"const": kind}}}, "then": then})
    return {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": list(CHECK_KINDS)}},
        "allOf": kinds,
    }


_CHECKS = {"type": "array", "items": _check_schema(), "minItems": 1}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["wrapper", "operations", "spec_violations", "gaps"],
    "additionalProperties": False,
    "properties": {
        "wrapper": {
            "type": "object",
            "required": ["client"],
            "additionalProperties": False,
            "properties": {"client": _TEXT, "base_url": _TEXT},
        },
        "operations": {
            "type": "object",
            "propertyNames": {"pattern": _OPERATION_KEY},
            "additionalProperties": {
                "type": "object",
                "required": ["wrappers"],
                "additionalProperties": False,
                "properties": {
                    "wrappers": _TEXTS,
                    "call": _TEXT,
                    "aliases": {"type": "object", "additionalProperties": _TEXT},
                    "passed_through": _NAMED_REASONS,
                    "wrapper_only": _NAMED_REASONS,
                    "known_values": _POINTERS,
                    "parsers": _POINTERS,
                    "samples": {"type": "object", "additionalProperties": {"type": "array"}},
                },
            },
        },
        "spec_violations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["specs", "at", "message"],
                "additionalProperties": False,
                "properties": {"specs": _TEXTS, "at": _TEXT, "message": _TEXT, "gap": _TEXT},
            },
        },
        "gaps": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title", "description", "workaround", "evidence", "handled"],
                "additionalProperties": False,
                "properties": {
                    "id": _TEXT,
                    "title": _TEXT,
                    "description": _TEXT,
                    "workaround": {
                        "type": "object",
                        "required": ["file", "marker"],
                        "additionalProperties": False,
                        "properties": {"file": _TEXT, "marker": _TEXT, "symbol": _TEXT},
                    },
                    "evidence": _CHECKS,
                    "handled": _CHECKS,
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Workaround:
    """Where we work around a gap: a file with a marker comment, maybe a named symbol."""

    file: str
    marker: str
    symbol: str | None = None


@dataclass(frozen=True)
class Gap:
    id: str
    title: str
    description: str
    workaround: Workaround
    evidence: tuple[Mapping[str, Any], ...]
    handled: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class KnownViolation:
    """An openapi-spec-validator finding that we accept, found in each of ``specs``."""

    specs: tuple[str, ...]
    at: str
    message: str
    gap: str | None = None


@dataclass(frozen=True)
class Binding:
    """The wrapper methods that send one operation, and how their parameters map to it.

    ``call`` is the attribute path of the method on a client (``videos.create``);
    ``known_values`` and ``parsers`` map wire fields (``body.size``) to the wrapper's own
    value lists and response-value parsers; ``samples`` gives values to try per parameter.
    """

    operation: str
    wrappers: tuple[str, ...]
    call: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)
    passed_through: Mapping[str, str] = field(default_factory=dict)
    wrapper_only: Mapping[str, str] = field(default_factory=dict)
    known_values: Mapping[str, str] = field(default_factory=dict)
    parsers: Mapping[str, str] = field(default_factory=dict)
    samples: Mapping[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class WrapperPointers:
    """Where drift finds the wrapper: the client class, and the base URL it defaults to."""

    client: str
    base_url: str | None = None


@dataclass(frozen=True)
class Registry:
    gaps: tuple[Gap, ...]
    violations: tuple[KnownViolation, ...]
    bindings: tuple[Binding, ...]
    wrapper: WrapperPointers = WrapperPointers("")


def parse(data: Mapping[str, Any]) -> Registry:
    """The registry from its parsed YAML, or DriftError naming the first problem."""
    error = best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    if error is not None:
        raise DriftError(f"{REGISTRY_NAME}: at {error.json_path}: {error.message}")
    ids = [str(gap["id"]) for gap in data["gaps"]]
    if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
        raise DriftError(f"{REGISTRY_NAME}: gap ids listed twice: {', '.join(duplicates)}")
    return Registry(
        gaps=tuple(
            Gap(
                id=str(gap["id"]),
                title=gap["title"],
                description=gap["description"],
                workaround=Workaround(**gap["workaround"]),
                evidence=tuple(gap["evidence"]),
                handled=tuple(gap["handled"]),
            )
            for gap in data["gaps"]
        ),
        violations=tuple(
            KnownViolation(
                specs=tuple(v["specs"]), at=v["at"], message=v["message"], gap=v.get("gap")
            )
            for v in data["spec_violations"]
        ),
        bindings=tuple(
            Binding(
                operation=key,
                wrappers=tuple(b["wrappers"]),
                call=b.get("call", ""),
                aliases=b.get("aliases", {}),
                passed_through=b.get("passed_through", {}),
                wrapper_only=b.get("wrapper_only", {}),
                known_values=b.get("known_values", {}),
                parsers=b.get("parsers", {}),
                samples=b.get("samples", {}),
            )
            for key, b in data["operations"].items()
        ),
        wrapper=WrapperPointers(**data["wrapper"]),
    )


def load(workspace: Workspace) -> Registry:
    return parse(workspace.registry())
