"""Request-side coverage: every field the stored spec lets a request carry is reachable.

Each parameter and top-level body property of an operation must be a parameter of every
wrapper method bound to it in the registry (under its own name in snake_case, or an
alias), or be listed there as passed through. A required field must reach every request:
a wrapper parameter without a default (the caller must pass it) or with a non-None one.
So when the vendor adds a required field, drift names it.

The request is read from the transformed spec, built fresh from ``openapi/``: that is what
``generated/`` is made from, with the fields OpenAPI 3.0 says to ignore already removed.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import transform

from drift import contract
from drift.gaps import resolve_callable
from drift.report import Finding
from drift.workspace import REGISTRY_NAME, DriftError, parse_document

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from drift.registry import Binding, Registry
    from drift.workspace import Document, Workspace

SECTION = "request coverage"
_SKIPPED_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


@dataclass(frozen=True)
class RequestField:
    name: str  # as the spec spells it: "prompt", "id", "X-Forwarded-Host"
    where: str  # "body property", "query parameter", ...
    required: bool


def request_fields(spec: Document) -> dict[str, list[RequestField]]:
    """Per operation, its parameters and top-level body properties."""
    found: dict[str, list[RequestField]] = {}
    for key, locations in contract.build(spec).items():
        fields = []
        for field_key, field in locations[contract.REQUEST].items():
            name = contract.spec_name(field_key)
            if name is None:
                continue
            where = (
                "body property"
                if field_key.startswith(contract.BODY)
                else f"{field_key.partition(' ')[0]} parameter"
            )
            fields.append(RequestField(name, where, bool(field["required"])))
        found[key] = fields
    return found


def python_name(spec_name: str) -> str:
    """How a generated client names a parameter: ``X-Forwarded-Host`` → ``x_forwarded_host``."""
    return re.sub(r"\W+", "_", spec_name).strip("_").lower()


def _short(target: str) -> str:
    return target.partition(":")[2] or target


class WrapperMethods:
    """The signatures of the wrapper methods bound to one operation."""

    def __init__(
        self, binding: Binding, signatures: Mapping[str, inspect.Signature] | None = None
    ) -> None:
        self.binding = binding
        self.signatures = dict(signatures) if signatures is not None else {}
        if signatures is None:
            for target in binding.wrappers:
                try:
                    self.signatures[target] = inspect.signature(resolve_callable(target))
                except (TypeError, ValueError) as exc:
                    raise DriftError(f"no signature for {target}: {exc}") from None

    def parameter_name(self, spec_name: str) -> str:
        return self.binding.aliases.get(spec_name) or python_name(spec_name)

    def parameters(self, target: str) -> dict[str, inspect.Parameter]:
        params = self.signatures[target].parameters
        return {n: p for n, p in params.items() if n != "self" and p.kind not in _SKIPPED_KINDS}

    def sends(self, spec_name: str) -> bool:
        """Some wrapper method has a parameter for the field, so requests may carry it."""
        name = self.parameter_name(spec_name)
        return any(name in self.parameters(t) for t in self.signatures)

    def lacking(self, spec_name: str) -> list[str]:
        """The methods through which a request can leave the field out."""
        name = self.parameter_name(spec_name)
        lacking = []
        for target in self.signatures:
            param = self.parameters(target).get(name)
            # No default means the caller must pass it; a None default usually means "omit".
            if param is None or param.default is None:
                lacking.append(target)
        return lacking

    def supplies(self, spec_name: str) -> bool:
        return bool(self.signatures) and not self.lacking(spec_name)


def _check_operation(key: str, fields: list[RequestField], methods: WrapperMethods) -> list[str]:
    binding = methods.binding
    problems = []
    for field in fields:
        lacking = methods.lacking(field.name)
        absent = [
            _short(t)
            for t in lacking
            if methods.parameter_name(field.name) not in methods.parameters(t)
        ]
        listed = field.name in binding.passed_through
        where = f"{key}: {'required ' if field.required else ''}{field.where} {field.name!r}"
        if field.required and lacking:
            names = ", ".join(_short(t) for t in lacking)
            if not absent:
                how = f"defaults to None in {names}"
            elif listed:
                how = f"is only passed through ({names} lack it)"
            else:
                how = f"is not a parameter of {names}"
            problems.append(f"{where} {how} and has no wrapper default: requests can lack it")
        elif absent and not listed:
            problems.append(
                f"{where} is not a parameter of {', '.join(absent)}: add one, or list it "
                f"under passed_through in openapi/{REGISTRY_NAME}"
            )
    mapped = {methods.parameter_name(f.name) for f in fields}
    for target in methods.signatures:
        for param in methods.parameters(target):
            if param not in mapped and param not in binding.wrapper_only:
                problems.append(
                    f"{key}: {_short(target)} parameter {param!r} maps to no request field "
                    f"(gone from the spec?); list it under wrapper_only if it is the wrapper's own"
                )
    spec_names = {f.name for f in fields}
    for name in binding.passed_through:
        if name not in spec_names:
            problems.append(f"{key}: passed_through {name!r} is no request field: remove it")
    for name in binding.wrapper_only:
        if not any(name in methods.parameters(t) for t in methods.signatures):
            problems.append(f"{key}: wrapper_only {name!r} is no wrapper parameter: remove it")
    return problems


def check_coverage(
    registry: Registry,
    spec: Document,
    methods: Mapping[str, WrapperMethods] | None = None,
) -> list[Finding]:
    """Findings for each operation of ``spec`` (``methods`` default to the registry's)."""
    findings = []
    fields = request_fields(spec)
    bound = {b.operation: b for b in registry.bindings}
    for key in sorted(set(fields) | set(bound)):
        if key not in bound:
            detail = f"{key} has no wrapper method in openapi/{REGISTRY_NAME}"
            findings.append(Finding(SECTION, key, "wrapper methods", False, detail))
            continue
        if key not in fields:
            detail = f"{key} is bound in openapi/{REGISTRY_NAME} but gone from the spec"
            findings.append(Finding(SECTION, key, "wrapper methods", False, detail))
            continue
        try:
            wrapper = methods[key] if methods is not None else WrapperMethods(bound[key])
        except DriftError as exc:
            findings.append(Finding(SECTION, key, "wrapper methods", False, str(exc)))
            continue
        problems = _check_operation(key, fields[key], wrapper)
        findings += [Finding(SECTION, key, "request fields", False, p) for p in problems]
        if not problems:
            targets = ", ".join(_short(t) for t in wrapper.signatures)
            passed = [f.name for f in fields[key] if f.name in bound[key].passed_through]
            detail = f"{len(fields[key])} field(s) covered by {targets}" + (
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


def wrapper_support(bindings: Iterable[Binding]) -> dict[str, WrapperMethods]:
    """The wrapper methods per operation, skipping those that cannot be imported."""
    found = {}
    for binding in bindings:
        try:
            found[binding.operation] = WrapperMethods(binding)
        except DriftError:
            continue
    return found
