"""Request coverage on the wire: every field the stored spec lets a request carry is sent.

Fields are keyed by where they travel and their wire name (``query id``, ``body.size``).
Whether the wrapper sends one is read off the requests it really builds
(:mod:`drift.wrapper`), not guessed from its parameter names: a parameter renamed on the
wire (``id`` → ``task_id``) is reported even though the wrapper's own parameter is called
``task_id``. A required field must be in every request; any other must be sent by some
option, or be listed as passed through in the registry. A wrapper parameter that maps to
no field of the spec must be listed as the wrapper's own.

The request is read from the transformed spec, built fresh from ``openapi/``: that is what
``generated/`` is made from, with the fields OpenAPI says to ignore already removed.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING

import transform

from drift import contract
from drift.report import Finding
from drift.workspace import REGISTRY_NAME, DriftError, parse_document

if TYPE_CHECKING:
    from drift.registry import Binding, Registry
    from drift.workspace import Document, Workspace
    from drift.wrapper import OperationFacts, WrapperFacts

SECTION = "request coverage"
_SKIPPED_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
PASS_THROUGH = f"list it under passed_through in openapi/{REGISTRY_NAME} with the reason"


@dataclass(frozen=True)
class RequestField:
    key: str  # on the wire: "body.prompt", "query id", "header X-Forwarded-Host"
    name: str  # as the spec spells it: "prompt", "id", "X-Forwarded-Host"
    where: str  # "body property", "query parameter", ...
    required: bool


def request_fields(spec: Document) -> dict[str, list[RequestField]]:
    """Per operation, its parameters and top-level body properties."""
    found: dict[str, list[RequestField]] = {}
    for key, operation in contract.build(spec).operations.items():
        fields = []
        for field_key, field in operation.locations[contract.REQUEST].items():
            name = contract.spec_name(field_key)
            if name is None:
                continue
            where = (
                "body property"
                if field_key.startswith(contract.BODY)
                else f"{field_key.partition(' ')[0]} parameter"
            )
            fields.append(RequestField(field_key, name, where, field.required))
        found[key] = fields
    return found


def _methods(binding: Binding) -> str:
    return ", ".join(t.partition(":")[2] or t for t in binding.wrappers)


def _check_operation(
    key: str, fields: list[RequestField], binding: Binding, facts: OperationFacts
) -> list[tuple[str, str]]:
    """(problem, next step) pairs for one operation."""
    problems: list[tuple[str, str]] = []
    methods = _methods(binding)
    sent_by = facts.target
    for field in fields:
        label = f"{key}: {'required ' if field.required else ''}{field.where} {field.name!r}"
        listed = field.name in binding.passed_through
        if field.required and not facts.sent_always(field.key):
            how = "is only passed through" if listed else "is not sent"
            sometimes = " (only with some options)" if facts.sent_ever(field.key) else ""
            problems.append(
                (
                    f"{label} {how} by {sent_by}{sometimes}: requests can lack it",
                    f"make {methods} always send {field.key} (a parameter with a default)",
                )
            )
        elif not field.required and not listed and not facts.sent_ever(field.key):
            problems.append(
                (
                    f"{label} is never sent by {sent_by}",
                    f"add a parameter for it to {methods}, or {PASS_THROUGH}",
                )
            )
    signature = facts.signature
    # Wrapper parameters named after a field (or aliased to one), as drift called them.
    mapped = set(facts.field_params.values())
    if signature is not None:
        for name, param in signature.parameters.items():
            if param.kind in _SKIPPED_KINDS or name in binding.wrapper_only:
                continue
            if name not in mapped:
                problems.append(
                    (
                        f"{key}: {sent_by} parameter {name!r} maps to no request field "
                        "(gone from the spec?)",
                        f"remove it, or list it under wrapper_only in openapi/{REGISTRY_NAME} "
                        "if it is the wrapper's own",
                    )
                )
        for name in binding.wrapper_only:
            if name not in signature.parameters:
                problems.append(
                    (
                        f"{key}: wrapper_only {name!r} is no wrapper parameter",
                        f"remove it from openapi/{REGISTRY_NAME}",
                    )
                )
    names = {f.name for f in fields}
    for name in binding.passed_through:
        if name not in names:
            problems.append(
                (
                    f"{key}: passed_through {name!r} is no request field",
                    f"remove it from openapi/{REGISTRY_NAME}",
                )
            )
    return problems


def check_coverage(registry: Registry, spec: Document, facts: WrapperFacts) -> list[Finding]:
    """Findings for each operation of ``spec``."""
    findings = []
    fields = request_fields(spec)
    bound = {b.operation: b for b in registry.bindings}
    for key in sorted(set(fields) | set(bound)):
        if key not in bound:
            findings.append(
                Finding(
                    SECTION,
                    key,
                    "wrapper methods",
                    False,
                    f"{key} has no wrapper method in openapi/{REGISTRY_NAME}",
                    f"bind it under operations in openapi/{REGISTRY_NAME}, or drop it with "
                    "an overlay action if this library will not call it",
                )
            )
            continue
        if key not in fields:
            findings.append(
                Finding(
                    SECTION,
                    key,
                    "wrapper methods",
                    False,
                    f"{key} is bound in openapi/{REGISTRY_NAME} but gone from the spec",
                    "point the wrapper at the operation that replaced it, and update the "
                    f"binding in openapi/{REGISTRY_NAME}",
                )
            )
            continue
        operation_facts = facts.get(key)
        if operation_facts is None or not operation_facts.can_tell():
            why = (
                operation_facts.error
                if operation_facts and operation_facts.error
                else ("the wrapper could not build a request with its defaults (see request build)")
            )
            findings.append(
                Finding(
                    SECTION,
                    key,
                    "request fields",
                    False,
                    f"{key}: cannot tell which fields the wrapper sends: {why}",
                    "fix the request build first",
                )
            )
            continue
        problems = _check_operation(key, fields[key], bound[key], operation_facts)
        findings += [Finding(SECTION, key, "request fields", False, p, s) for p, s in problems]
        if not problems:
            passed = [f.name for f in fields[key] if f.name in bound[key].passed_through]
            detail = f"{len(fields[key])} field(s) sent by {operation_facts.target}" + (
                f" ({', '.join(passed)} passed through)" if passed else ""
            )
            findings.append(Finding(SECTION, key, "request fields", True, detail))
    return findings


def transformed_spec(ws: Workspace) -> Document:
    """The spec generation reads, built from the files in the workspace's ``openapi/``."""
    try:
        return parse_document(transform.build(ws.openapi_dir), "the transformed spec")
    except transform.TransformError as exc:
        raise DriftError(f"cannot build the transformed spec: {exc}") from None
    except Exception as exc:  # a junk vendor spec can break the overlay's JSONPath engine
        raise DriftError(
            f"cannot build the transformed spec: {type(exc).__name__}: {exc}"
        ) from None
