"""For each registered gap: (a) does it still exist? (b) does the wrapper still handle it?

Evidence is checked part by part: each expected failure of a recorded body, each
undeclared field, each header a spec still declares is one part. A gap is closed only when
every part of its evidence is gone; when some are, it is "partly closed" and the finding
says which parts changed and which remain. A check that cannot run (a missing fixture, an
operation the spec no longer has, a schema the validator cannot use) says "cannot tell",
never "closed". Several gaps can share one workaround (gaps 2a-2c): a closed gap whose
workaround still serves an open one says to keep it.

Response bodies are validated against the stored schema in place (so ``$ref`` resolves
within the spec). The wrapper and the generated package are imported from the
environment, as the nox session installs them (``pip install -e .``).
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drift import schemas
from drift.report import Finding
from drift.workspace import (
    DriftError,
    operation,
    query,
    resolve_object,
    resolve_pointer,
    response_schema_pointer,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from jsonschema.exceptions import ValidationError

    from drift.registry import Gap, Registry
    from drift.workspace import Document, Workspace

SECTION = "gaps"
RETIRE = "follow 'Retiring a gap' in the README"


@dataclass(frozen=True)
class Part:
    holds: bool
    detail: str


@dataclass(frozen=True)
class Outcome:
    """A check's result, part by part; ``error`` when it could not run at all."""

    parts: tuple[Part, ...] = ()
    error: str | None = None

    @property
    def holds(self) -> bool:
        return self.error is None and all(p.holds for p in self.parts)

    @property
    def detail(self) -> str:
        return self.error or "; ".join(p.detail for p in self.parts)


def _one(holds: bool, detail: str) -> Outcome:
    return Outcome((Part(holds, detail),))


def resolve_callable(target: str) -> Callable[..., Any]:
    """``"package.module:Class.attr"`` → the callable, imported from the environment."""
    obj = resolve_object(target)
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
    try:
        return {t for error in schemas.iter_errors(spec, pointer, body) for t in _tokens(error)}
    except Exception as exc:  # a junk schema can break the validator in many ways
        raise DriftError(
            f"the schema at {pointer} cannot be used: {type(exc).__name__}: {exc}"
        ) from None


def _normal(token: str) -> str:
    keyword, _, where = token.partition(":")
    return f"{keyword.strip()}: {where.strip()}"


def _evidence_name(check: Mapping[str, Any]) -> str:
    return str(check.get("fixture", "the inline body"))


def _schema_rejects(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    spec = ws.spec(check["spec"])
    pointer = response_schema_pointer(spec, check["operation"], check["status"], check["spec"])
    found = schema_failures(spec, pointer, ws.body(check.get("fixture"), check.get("body")))
    where = f"{check['spec']} {check['operation']} {check['status']}"
    name = _evidence_name(check)
    return Outcome(
        tuple(
            Part(True, f"{name} fails {where} with {t}")
            if t in found
            else Part(False, f"{name} no longer fails {where} with {t}")
            for t in (_normal(t) for t in check["expect"])
        )
    )


def _declared_properties(
    spec: Document, schema: Any, seen: frozenset[str] = frozenset()
) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
        return _declared_properties(spec, resolve_pointer(spec, ref[1:]), seen | {ref})
    properties = schema.get("properties")
    names = set(properties) if isinstance(properties, dict) else set()
    for keyword in ("allOf", "oneOf", "anyOf"):
        parts = schema.get(keyword)
        for part in parts if isinstance(parts, list) else []:
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
    return Outcome(
        tuple(
            Part(False, f"{where} now declares {f}")
            if f in declared
            else Part(True, f"{where} does not declare {f}")
            for f in check["fields"]
        )
    )


def _generated_raises(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    func = resolve_callable(check["callable"])
    body = ws.body(check.get("fixture"), check.get("body"))
    expected, match = check["raises"], check.get("match", "")
    try:
        func(body)
    except Exception as exc:
        names = {cls.__name__ for cls in type(exc).__mro__}
        if expected in names and match in str(exc):
            return _one(True, f"{check['callable']} raises {expected}: {exc}")
        return _one(
            False,
            f"{check['callable']} now raises {type(exc).__name__}: {exc}, not {expected}",
        )
    return _one(False, f"{check['callable']} now accepts {_evidence_name(check)}")


def _same(left: object, right: object) -> bool:
    # JSON equality: keeps true apart from 1 and the string "null" apart from null.
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


_OPERATION_IN_PATH = re.compile(r"^\$\.paths\['((?:[^'\\]|\\.)*)'\]\.(\w+)")


def _spec_query(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    spec = ws.spec(check["spec"])
    read = _OPERATION_IN_PATH.match(check["path"])
    if read is not None:
        # A query of a named operation selects nothing once the operation has moved; that
        # says nothing about the gap, so it must not count as "closed".
        key = f"{read.group(2).upper()} {read.group(1)}"
        operation(spec, key, check["spec"])
    values = query(spec, check["path"])
    where = f"{check['spec']} {check['path']}"
    shown = _show(values)
    if "includes" in check:
        return Outcome(
            tuple(
                Part(True, f"{where} includes {_show(e)}")
                if any(_same(v, e) for v in values)
                else Part(False, f"{where} no longer includes {_show(e)}")
                for e in check["includes"]
            )
        )
    if "excludes" in check:
        return Outcome(
            tuple(
                Part(False, f"{where} now includes {_show(e)}")
                if any(_same(v, e) for v in values)
                else Part(True, f"{where} excludes {_show(e)}")
                for e in check["excludes"]
            )
        )
    if check.get("present"):
        holds, want = bool(values), "to select something"
    elif check.get("absent"):
        holds, want = not values, "to select nothing"
    elif "equals" in check:
        holds = bool(values) and all(_same(v, check["equals"]) for v in values)
        want = f"to equal {_show(check['equals'])}"
    else:
        holds = any(isinstance(v, str) and not v.isascii() for v in values)
        want = "to hold a non-ASCII text"
    if holds:
        return _one(True, f"{where} = {shown}")
    return _one(False, f"{where} = {shown}, expected {want}")


def _wrapper_parses(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    target = check.get("callable", "anyapi_sora:VideoTask.from_json")
    parse = resolve_callable(target)
    name = _evidence_name(check)
    try:
        task = parse(ws.body(check.get("fixture"), check.get("body")))
    except Exception as exc:
        return _one(False, f"{target}({name}) raised {type(exc).__name__}: {exc}")
    wrong = [
        f"{attr}={getattr(task, attr, None)!r}, expected {value!r}"
        for attr, value in (check.get("expect") or {}).items()
        if getattr(task, attr, None) != value
    ]
    if wrong:
        return _one(False, f"{target}({name}): {'; '.join(wrong)}")
    return _one(True, f"{target}({name}) parses it")


def _signature(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    target = check["callable"]
    try:
        params = inspect.signature(resolve_callable(target)).parameters
    except (TypeError, ValueError) as exc:
        raise DriftError(f"no signature for {target}: {exc}") from None
    parts = [
        Part(n not in params, f"{target} {'has' if n in params else 'lacks'} parameter {n!r}")
        for n in check.get("lacks", [])
    ]
    for name, value in (check.get("defaults") or {}).items():
        param = params.get(name)
        if param is None:
            parts.append(Part(False, f"{target} has no parameter {name!r}"))
        elif param.default is inspect.Parameter.empty:
            parts.append(Part(False, f"{target} {name!r} has no default"))
        elif param.default != value:
            parts.append(
                Part(False, f"{target} {name!r} defaults to {param.default!r}, expected {value!r}")
            )
        else:
            parts.append(Part(True, f"{target} {name!r} defaults to {value!r}"))
    return Outcome(tuple(parts))


def _source_contains(check: Mapping[str, Any], ws: Workspace) -> Outcome:
    if check["text"] in ws.read_text(check["file"]):
        return _one(True, f"{check['file']} contains {check['text']!r}")
    return _one(False, f"{check['file']} no longer contains {check['text']!r}")


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
        return Outcome(error=f"{check['kind']}: {exc}")
    except Exception as exc:  # a junk spec can break a check in many ways: say so
        return Outcome(error=f"{check['kind']}: {type(exc).__name__}: {exc}")


# --- whether a gap still exists ---


@dataclass(frozen=True)
class Status:
    """``open``, ``closed``, ``partly closed`` or ``cannot tell``, with the parts."""

    state: str
    gone: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def status(outcomes: Iterable[Outcome]) -> Status:
    outcomes = list(outcomes)
    errors = tuple(o.error for o in outcomes if o.error)
    gone = tuple(p.detail for o in outcomes for p in o.parts if not p.holds)
    kept = tuple(p.detail for o in outcomes for p in o.parts if p.holds)
    if errors:
        state = "cannot tell"
    elif not gone:
        state = "open"
    else:
        state = "closed" if not kept else "partly closed"
    return Status(state, gone, kept, errors)


def gap_status(gap: Gap, ws: Workspace) -> Status:
    return status(run_check(check, ws) for check in gap.evidence)


def _sharing(gap: Gap, registry: Registry | None) -> list[Gap]:
    if registry is None:
        return []
    same = (gap.workaround.file, gap.workaround.marker.lower())
    return [
        g
        for g in registry.gaps
        if g.id != gap.id and (g.workaround.file, g.workaround.marker.lower()) == same
    ]


def closed_advice(gap: Gap, open_siblings: list[str]) -> tuple[str, str]:
    """What a closed gap means for its workaround: (where, next step)."""
    where = f"the workaround ({gap.workaround.marker!r} in {gap.workaround.file})"
    if open_siblings:
        others = ", ".join(open_siblings)
        return (
            f"{where} also handles gap(s) {others}, which are still open: keep it",
            f"remove only what gap {gap.id} needed from {gap.workaround.file}, keep the "
            f"code for gap(s) {others}, and delete gap {gap.id} from openapi/known-gaps.yaml",
        )
    return (
        f"remove the workaround in {gap.workaround.file}",
        f"remove {where}, delete gap {gap.id} from openapi/known-gaps.yaml; {RETIRE}",
    )


def _exists_finding(gap: Gap, found: Status, siblings: list[str]) -> Finding:
    subject = f"gap {gap.id}"
    if found.state == "open":
        return Finding(SECTION, subject, "still exists", True, gap.title)
    if found.state == "cannot tell":
        detail = f"gap {gap.id}: cannot tell whether it still exists: {'; '.join(found.errors)}"
        if found.gone:
            detail += f" (meanwhile: {'; '.join(found.gone)})"
        step = "fix what stops the check (a fixture, the registry entry, the spec it reads)"
        return Finding(SECTION, subject, "still exists", False, detail, step)
    if found.state == "closed":
        where, step = closed_advice(gap, siblings)
        detail = f"gap {gap.id} is closed: {where} ({'; '.join(found.gone)})"
        return Finding(SECTION, subject, "still exists", False, detail, step)
    detail = (
        f"gap {gap.id} is partly closed: {'; '.join(found.gone)}; still holds: "
        f"{'; '.join(found.kept)}"
    )
    step = (
        f"keep the workaround in {gap.workaround.file}; drop from gap {gap.id}'s evidence "
        "in openapi/known-gaps.yaml what changed, and check whether the workaround needs "
        "that part any more"
    )
    return Finding(SECTION, subject, "still exists", False, detail, step)


def _workaround_outcomes(gap: Gap, ws: Workspace) -> list[Outcome]:
    marker = gap.workaround.marker
    try:
        text = ws.read_text(gap.workaround.file)
    except DriftError as exc:
        return [Outcome(error=str(exc))]
    # Word boundaries: the marker "Gap 1" must not be satisfied by "Gap 12".
    found = re.search(rf"(?<!\w){re.escape(marker)}(?!\w)", text, re.IGNORECASE)
    outcomes = [
        _one(bool(found), f"{gap.workaround.file} {'has' if found else 'lacks'} {marker!r}")
    ]
    if gap.workaround.symbol:
        try:
            resolve_object(gap.workaround.symbol)
            outcomes.append(_one(True, f"{gap.workaround.symbol} exists"))
        except DriftError as exc:
            outcomes.append(_one(False, str(exc)))
    return outcomes


def _handled_finding(gap: Gap, ws: Workspace) -> Finding:
    subject = f"gap {gap.id}"
    outcomes = _workaround_outcomes(gap, ws) + [run_check(c, ws) for c in gap.handled]
    if errors := [o.error for o in outcomes if o.error]:
        detail = f"gap {gap.id}: cannot check: {'; '.join(e for e in errors if e)}"
        step = "fix what stops the check (a fixture, the registry entry, an import)"
        return Finding(SECTION, subject, "handled", False, detail, step)
    if broken := [p.detail for o in outcomes for p in o.parts if not p.holds]:
        detail = f"gap {gap.id} is no longer handled: {'; '.join(broken)}"
        step = (
            f"restore the workaround for gap {gap.id} (marked {gap.workaround.marker!r} in "
            f"{gap.workaround.file}) or update its handled checks in openapi/known-gaps.yaml"
        )
        return Finding(SECTION, subject, "handled", False, detail, step)
    where = gap.workaround.symbol or gap.workaround.file
    return Finding(SECTION, subject, "handled", True, f"by {where}")


def check_gap(gap: Gap, ws: Workspace, registry: Registry | None = None) -> list[Finding]:
    """Two findings: does the gap still exist, and is it still handled."""
    found = gap_status(gap, ws)
    siblings = []
    if found.state == "closed":
        siblings = [g.id for g in _sharing(gap, registry) if gap_status(g, ws).state != "closed"]
    return [_exists_finding(gap, found, siblings), _handled_finding(gap, ws)]


def check_gaps(registry: Registry, ws: Workspace) -> list[Finding]:
    return [finding for gap in registry.gaps for finding in check_gap(gap, ws, registry)]


def closing_gaps(registry: Registry, ws: Workspace) -> list[str]:
    """What ``ws.overrides`` (the vendor's new specs) would do to each gap.

    Only evidence read from a spec counts: checks of generated code or recorded bodies
    change only after regeneration, which drift confirms then.
    """
    notes = []
    statuses: dict[str, Status] = {}
    for gap in registry.gaps:
        spec_checks = [c for c in gap.evidence if "spec" in c]
        if not any(c.get("spec") in ws.overrides for c in spec_checks):
            continue
        statuses[gap.id] = status(run_check(c, ws) for c in spec_checks)
    for gap in registry.gaps:
        found = statuses.get(gap.id)
        if found is None or found.state == "open":
            continue
        if found.state == "cannot tell":
            notes.append(
                f"gap {gap.id}: cannot tell whether this spec closes it: {'; '.join(found.errors)}"
            )
        elif found.state == "partly closed":
            notes.append(
                f"gap {gap.id} would partly close: {'; '.join(found.gone)}; still holds: "
                f"{'; '.join(found.kept)}. Keep its workaround in {gap.workaround.file}"
            )
        else:
            siblings = [
                g.id
                for g in _sharing(gap, registry)
                if statuses.get(g.id, Status("open")).state != "closed"
            ]
            where, _ = closed_advice(gap, siblings)
            notes.append(
                f"gap {gap.id} would close: {where} after taking in this spec "
                f"({'; '.join(found.gone)})"
            )
    return notes
