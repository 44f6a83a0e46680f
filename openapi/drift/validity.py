"""The stored specs against openapi-spec-validator; only registered violations may remain.

A violation is identified by the spec, where it is (a JSONPath) and its message. One
validator error can hold several violations (everything wrong inside one response, say),
so each error is split into its leaves, one violation per place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from jsonschema.exceptions import best_match
from openapi_spec_validator.shortcuts import get_validator_cls

from drift.report import Finding
from drift.workspace import REGISTRY_NAME, TRANSFORMED_SPEC, DriftError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from jsonschema.exceptions import ValidationError

    from drift.registry import KnownViolation, Registry
    from drift.workspace import Document, Workspace

SECTION = "spec validity"


@dataclass(frozen=True)
class Violation:
    spec: str
    at: str  # JSONPath into the spec
    message: str

    def matches(self, known: KnownViolation) -> bool:
        return self.spec in known.specs and self.at == known.at and known.message in self.message


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    if not error.context:
        yield error
    for child in error.context or ():
        yield from _leaves(child)


def _is_reference_branch(error: ValidationError) -> bool:
    # OpenAPI 3.0's schema allows "X or a Reference Object" almost everywhere, so every
    # invalid X also fails the Reference branch with "'$ref' is a required property".
    return error.validator == "required" and list(error.validator_value) == ["$ref"]


def _split(error: ValidationError, spec: str) -> list[Violation]:
    leaves = [leaf for leaf in _leaves(error) if not _is_reference_branch(leaf)]
    by_place: dict[str, list[ValidationError]] = {}
    for leaf in leaves or [best_match([error]) or error]:
        by_place.setdefault(leaf.json_path, []).append(leaf)
    return [
        Violation(spec, at, (best_match(group) or group[0]).message)
        for at, group in by_place.items()
    ]


def violations(spec: Document, name: str) -> list[Violation]:
    """openapi-spec-validator's findings for one spec (OpenAPI version detected)."""
    found: list[Violation] = []
    try:
        for error in get_validator_cls(spec)(spec).iter_errors():
            found += _split(error, name)
    except Exception as exc:
        # The validator can crash on what it has just reported (a parameter without `in`)
        # or find no OpenAPI version: keep what it found, and report the crash too.
        found.append(Violation(name, "$", f"the validator stopped: {type(exc).__name__}: {exc}"))
    return found


def check_validity(registry: Registry, ws: Workspace, spec_names: Iterable[str]) -> list[Finding]:
    """A finding per stored spec, and one per registered violation that is gone."""
    findings = []
    checked = list(spec_names)
    seen: set[tuple[str, KnownViolation]] = set()
    for name in checked:
        try:
            found = violations(ws.spec(name), name)
        except DriftError as exc:
            findings.append(Finding(SECTION, name, "valid OpenAPI", False, str(exc)))
            continue
        new = []
        for violation in found:
            accepted = [k for k in registry.violations if violation.matches(k)]
            seen.update((name, k) for k in accepted)
            if not accepted:
                new.append(f"new spec violation in {name} at {violation.at}: {violation.message}")
        if new:
            findings.append(Finding(SECTION, name, "valid OpenAPI", False, "; ".join(new)))
        else:
            detail = f"valid, apart from {len(found)} known violation(s)" if found else "valid"
            findings.append(Finding(SECTION, name, "valid OpenAPI", True, detail))
    for known in registry.violations:
        missing = [s for s in known.specs if s in checked and (s, known) not in seen]
        if missing:
            detail = (
                f"known violation at {known.at} is no longer found in {', '.join(missing)}: "
                f"remove it from openapi/{REGISTRY_NAME}"
                + (f" and check gap {known.gap}" if known.gap else "")
            )
            findings.append(Finding(SECTION, ", ".join(missing), "known violation", False, detail))
    return findings


def stored_spec_names(vendor_specs: Iterable[str]) -> list[str]:
    """The vendor's specs as stored, and the transformed spec generated from them."""
    return [*vendor_specs, TRANSFORMED_SPEC]
