"""For each registered gap: (a) does it still exist? (b) does the wrapper still handle it?

A gap whose evidence no longer holds has been closed by the vendor, and its workaround
must go: drift fails with ``gap <id> is closed: remove the workaround in <file>``.

Response bodies are validated with openapi-schema-validator, the OpenAPI 3.0 flavour of
jsonschema, against the stored schema in place (so ``$ref`` resolves within the spec).
The wrapper and the generated package are imported from the environment, as the nox
session installs them (``pip install -e .``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import referencing
import referencing.jsonschema
from jsonschema import validators
from openapi_schema_validator import OAS30Validator

from drift.report import Finding
from drift.workspace import DriftError, query, resolve_pointer, response_schema_pointer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from jsonschema.exceptions import ValidationError

    from drift.registry import Gap, Registry
    from drift.workspace import Document, Workspace

SECTION = "gaps"
_SPEC_URI = "urn:anyapi-sora:drift:spec"

# OpenAPI 3.0 has no 'null' type: its validator raises UnknownType on the vendor's
# `type: 'null'` instead of reporting the value as invalid. Knowing the name lets the
# validator report "not of type 'null'", the failure a generated client would hit.
_Validator = validators.extend(
    OAS30Validator,
    type_checker=OAS30Validator.TYPE_CHECKER.redefine("null", lambda _, value: value is None),
)


@dataclass(frozen=True)
class Outcome:
    """A check's result: it holds or not, or it could not run (``error``)."""

    holds: bool
    detail: str
    error: bool = False


def resolve_callable(target: str) -> Callable[..., Any]:
    """``"package.module:Class.attr"`` → the object, imported from the environment."""
    module_name, _, qualname = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except Exception as exc:  # importing project code can fail any way; report, not crash
        raise DriftError(f"cannot find {target}: {type(exc).__name__}: {exc}") from None
    if not callable(obj):
        raise DriftError(f"{target} is not callable")
    return obj  # type: ignore[no-any-return]


def _dotted(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += "[]" if isinstance(part, int) else ("." if text else "") + part
    return text


def _tokens(error: ValidationError) -> Iterable[str]:
    """An error as ``keyword: field.path`` tokens, one per missing property."""
    where = _dotted(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        prefix = f"{where}." if where else ""
        for name in error.validator_value:
            if name not in error.instance:
                yield f"required: {prefix}{name}"
    else:
        yield f"{error.validator}: {where}"


def schema_failures(spec: Document, pointer: str, body: object) -> set[str]:
    """How ``body`` fails the schema at ``pointer`` in ``spec``, as tokens."""
    resource = referencing.Resource.from_contents(
        spec, default_specification=referencing.jsonschema.DRAFT4
    )
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(_SPEC_URI, resource)
    validator = _Validator({"$ref": f"{_SPEC_URI}#{pointer}"}, registry=registry)
    return {token for error in validator.iter_errors(body) for token in _tokens(error)}


def _normal(token: str) -> str:
    keyword, _, where = token.partition(":")
    return f"{keyword.strip()}: {where.strip()}"


def _evidence_name(check: Mapping[str, Any]) -> str:
    return str(check.get("fixture", "the inline body"))


def _schema_rejects(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    spec = ws.spec(check["spec"])
    pointer = response_schema_pointer(spec, check["operation"], check["status"], check["spec"])
    found = schema_failures(spec, pointer, ws.body(check.get("fixture"), check.get("body")))
    expected = [_normal(t) for t in check["expect"]]
    where = f"{check['spec']} {check['operation']} {check['status']}"
    missing = [t for t in expected if t not in found]
    if missing:
        return Outcome(
            False,
            f"{_evidence_name(check)} no longer fails {where} with {', '.join(missing)}",
        )
    return Outcome(True, f"{_evidence_name(check)} fails {where}: {', '.join(expected)}")


def _declared_properties(
    spec: Document, schema: Any, seen: frozenset[str] = frozenset()
) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
        return _declared_properties(spec, resolve_pointer(spec, ref[1:]), seen | {ref})
    names = set(schema.get("properties") or {})
    for part in schema.get("allOf") or []:
        names |= _declared_properties(spec, part, seen)
    return names


def _schema_lacks_fields(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    spec = ws.spec(check["spec"])
    pointer = response_schema_pointer(spec, check["operation"], check["status"], check["spec"])
    declared = _declared_properties(spec, resolve_pointer(spec, pointer))
    recorded: set[str] = set()
    for fixture in check["fixtures"]:
        body = ws.body(fixture)
        if isinstance(body, dict):
            recorded |= set(body)
    if unrecorded := [f for f in check["fields"] if f not in recorded]:
        # The evidence must show the field, or the entry proves nothing.
        raise DriftError(f"no listed fixture carries {', '.join(unrecorded)}")
    where = f"{check['spec']} {check['operation']} {check['status']}"
    if now_declared := [f for f in check["fields"] if f in declared]:
        return Outcome(False, f"{where} now declares {', '.join(now_declared)}")
    return Outcome(True, f"{where} does not declare {', '.join(check['fields'])}")


def _generated_raises(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    func = resolve_callable(check["callable"])
    body = ws.body(check.get("fixture"), check.get("body"))
    expected, match = check["raises"], check.get("match", "")
    try:
        func(body)
    except Exception as exc:
        names = {cls.__name__ for cls in type(exc).__mro__}
        if expected in names and match in str(exc):
            return Outcome(True, f"{check['callable']} raises {expected}: {exc}")
        return Outcome(
            False,
            f"{check['callable']} now raises {type(exc).__name__}: {exc}, not {expected}",
        )
    return Outcome(False, f"{check['callable']} now accepts {_evidence_name(check)}")


def _same(left: object, right: object) -> bool:
    # JSON equality: keeps true apart from 1 and the string "null" apart from null.
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def _spec_query(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    values = query(ws.spec(check["spec"]), check["path"])
    where = f"{check['spec']} {check['path']}"
    shown = json.dumps(values, ensure_ascii=False)
    if check.get("present"):
        holds, want = bool(values), "to select something"
    elif check.get("absent"):
        holds, want = not values, "to select nothing"
    elif "equals" in check:
        holds = bool(values) and all(_same(v, check["equals"]) for v in values)
        want = f"to equal {json.dumps(check['equals'], ensure_ascii=False)}"
    elif "includes" in check:
        holds = all(any(_same(v, e) for v in values) for e in check["includes"])
        want = f"to include {json.dumps(check['includes'], ensure_ascii=False)}"
    elif "excludes" in check:
        holds = not any(_same(v, e) for v in values for e in check["excludes"])
        want = f"to exclude {json.dumps(check['excludes'], ensure_ascii=False)}"
    else:
        holds = any(isinstance(v, str) and not v.isascii() for v in values)
        want = "to hold a non-ASCII text"
    if holds:
        return Outcome(True, f"{where} = {shown}")
    return Outcome(False, f"{where} = {shown}, expected {want}")


def _wrapper_parses(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    from_json = resolve_callable("anyapi_sora:VideoTask.from_json")
    name = _evidence_name(check)
    try:
        task = from_json(ws.body(check.get("fixture"), check.get("body")))
    except Exception as exc:
        return Outcome(False, f"VideoTask.from_json({name}) raised {type(exc).__name__}: {exc}")
    wrong = [
        f"{attr}={getattr(task, attr, None)!r}, expected {value!r}"
        for attr, value in (check.get("expect") or {}).items()
        if getattr(task, attr, None) != value
    ]
    if wrong:
        return Outcome(False, f"VideoTask.from_json({name}): {'; '.join(wrong)}")
    return Outcome(True, f"VideoTask.from_json({name}) parses it")


def _signature(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    target = check["callable"]
    params = inspect.signature(resolve_callable(target)).parameters
    wrong = [f"has parameter {n!r}" for n in check.get("lacks", []) if n in params]
    for name, value in (check.get("defaults") or {}).items():
        param = params.get(name)
        if param is None:
            wrong.append(f"has no parameter {name!r}")
        elif param.default is inspect.Parameter.empty:
            wrong.append(f"{name!r} has no default")
        elif param.default != value:
            wrong.append(f"{name!r} defaults to {param.default!r}, expected {value!r}")
    if wrong:
        return Outcome(False, f"{target} {'; '.join(wrong)}")
    return Outcome(True, f"{target} has the expected parameters")


def _source_contains(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    if check["text"] in ws.read_text(check["file"]):
        return Outcome(True, f"{check['file']} contains {check['text']!r}")
    return Outcome(False, f"{check['file']} no longer contains {check['text']!r}")


CHECKS: dict[str, Callable[[Mapping[str, Any], Workspace], Outcome]] = {
    "schema-rejects": _schema_rejects,
    "schema-lacks-fields": _schema_lacks_fields,
    "generated-raises": _generated_raises,
    "spec-query": _spec_query,
    "wrapper-parses": _wrapper_parses,
    "signature": _signature,
    "source-contains": _source_contains,
}


def run_check(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    try:
        return CHECKS[check["kind"]](check, ws)
    except DriftError as exc:
        return Outcome(False, f"{check['kind']}: {exc}", error=True)


def _workaround_outcomes(gap: Gap, ws: Workspace) -> list[Outcome]:
    marker = gap.workaround.marker
    try:
        text = ws.read_text(gap.workaround.file)
    except DriftError as exc:
        return [Outcome(False, str(exc), error=True)]
    # Word boundaries: the marker "Gap 1" must not be satisfied by "Gap 12".
    found = re.search(rf"(?<!\w){re.escape(marker)}(?!\w)", text, re.IGNORECASE)
    outcomes = [
        Outcome(bool(found), f"{gap.workaround.file} {'has' if found else 'lacks'} {marker!r}")
    ]
    if gap.workaround.symbol:
        try:
            resolve_callable(gap.workaround.symbol)
            outcomes.append(Outcome(True, f"{gap.workaround.symbol} exists"))
        except DriftError as exc:
            outcomes.append(Outcome(False, str(exc)))
    return outcomes


def _errors(gap: Gap, outcomes: list[Outcome], check: str) -> Finding | None:
    errors = [o.detail for o in outcomes if o.error]
    if not errors:
        return None
    return Finding(
        SECTION, f"gap {gap.id}", check, False, f"gap {gap.id}: cannot check: {'; '.join(errors)}"
    )


def check_gap(gap: Gap, ws: Workspace) -> list[Finding]:
    """Two findings: does the gap still exist, and is it still handled."""
    subject = f"gap {gap.id}"
    evidence = [run_check(check, ws) for check in gap.evidence]
    exists = _errors(gap, evidence, "still exists")
    if exists is None:
        if gone := [o.detail for o in evidence if not o.holds]:
            detail = (
                f"gap {gap.id} is closed: remove the workaround in {gap.workaround.file} "
                f"({'; '.join(gone)})"
            )
            exists = Finding(SECTION, subject, "still exists", False, detail)
        else:
            exists = Finding(SECTION, subject, "still exists", True, gap.title)

    handled_outcomes = _workaround_outcomes(gap, ws) + [run_check(c, ws) for c in gap.handled]
    handled = _errors(gap, handled_outcomes, "handled")
    if handled is None:
        if broken := [o.detail for o in handled_outcomes if not o.holds]:
            detail = f"gap {gap.id} is no longer handled: {'; '.join(broken)}"
            handled = Finding(SECTION, subject, "handled", False, detail)
        else:
            where = gap.workaround.symbol or gap.workaround.file
            handled = Finding(SECTION, subject, "handled", True, f"by {where}")
    return [exists, handled]


def check_gaps(registry: Registry, ws: Workspace) -> list[Finding]:
    return [finding for gap in registry.gaps for finding in check_gap(gap, ws)]


def closing_gaps(registry: Registry, ws: Workspace) -> list[str]:
    """Gaps whose spec evidence no longer holds once ``ws.overrides`` replace stored specs."""
    notes = []
    for gap in registry.gaps:
        touched = [c for c in gap.evidence if c.get("spec") in ws.overrides]
        gone = [o.detail for o in (run_check(c, ws) for c in touched) if not o.holds]
        if gone:
            notes.append(
                f"gap {gap.id} would close: remove the workaround in {gap.workaround.file} "
                f"after taking in this spec ({'; '.join(gone)})"
            )
    return notes
