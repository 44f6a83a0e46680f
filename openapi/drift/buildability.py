"""Can the wrapper still build every request, and does each one satisfy the stored spec?

The requests come from :mod:`drift.wrapper` (the wrapper called over a recording
transport). A call that fails before its request leaves is diagnosed: when the generated
model now wants an enum where the wrapper passes a string, or a field the wrapper does not
pass, the finding names the field and the fix.
"""

from __future__ import annotations

import enum
import importlib
import re
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from drift import request_check
from drift.report import Finding

if TYPE_CHECKING:
    import types
    from collections.abc import Iterator

    from drift.registry import Registry
    from drift.workspace import Document, Workspace
    from drift.wrapper import Attempt, OperationFacts, WrapperFacts

SECTION = "request build"
REGISTRY_FIX = "fix `wrapper.client` or the operation's `call` in openapi/known-gaps.yaml"


def _frames(exc: BaseException) -> Iterator[types.FrameType]:
    tb = exc.__traceback__
    while tb is not None:
        yield tb.tb_frame
        tb = tb.tb_next


def _enum_classes(hint: Any) -> list[type[enum.Enum]]:
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return [hint]
    return [c for arg in typing.get_args(hint) for c in _enum_classes(arg)]


def mistyped_enum_fields(exc: BaseException) -> list[tuple[type, str, type[enum.Enum], Any]]:
    """Generated models in the traceback holding a plain value where they declare an enum."""
    found = []
    for frame in _frames(exc):
        model = frame.f_locals.get("self")
        if model is None or not attrs.has(type(model)):
            continue
        try:
            hints = typing.get_type_hints(type(model))
        except Exception:  # generated annotations may not resolve here; nothing to say
            continue
        for attribute in attrs.fields(type(model)):
            classes = _enum_classes(hints.get(attribute.name))
            value = getattr(model, attribute.name, None)
            if (
                classes
                and isinstance(value, (str, int, float))
                and not isinstance(value, enum.Enum)
            ):
                found.append((type(model), attribute.name, classes[0], value))
    return found


def missing_fields(exc: BaseException) -> list[str]:
    """Field names a generated model asked for and did not get (TypeError or KeyError)."""
    if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str):
        return [exc.args[0]]
    if isinstance(exc, TypeError):
        match = re.search(r"missing \d+ required (?:\w+ )?arguments?: (.*)", str(exc))
        if match:
            return re.findall(r"'([^']+)'", match.group(1))
    return []


def construction_sites(class_name: str, facts: OperationFacts, ws: Workspace) -> list[str]:
    """``file:line`` of each place in the wrapper's package that builds ``class_name``."""
    try:
        package = Path(importlib.import_module(facts.package).__file__ or "").parent
    except Exception:
        return []
    pattern = re.compile(rf"\b{re.escape(class_name)}(?:\.from_dict)?\(")
    sites = []
    for source in sorted(package.rglob("*.py")):
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, start=1):
            if pattern.search(line) and not line.lstrip().startswith(("#", "def ", "class ")):
                try:
                    shown = source.resolve().relative_to(ws.root)
                except ValueError:
                    shown = source
                sites.append(f"{shown}:{number}")
    return sites


def diagnose(attempts: list[Attempt], facts: OperationFacts, ws: Workspace) -> Finding:
    """One finding for calls that failed the same way, naming the field and the fix."""
    attempt = attempts[0]
    exc = attempt.error
    assert exc is not None
    calls = ", ".join(a.label for a in attempts)
    head = (
        f"{facts.operation}: {facts.target} cannot build its request ({calls}): "
        f"{type(exc).__name__}: {exc}"
    )
    if mistyped := mistyped_enum_fields(exc):
        model, name, enum_class, value = mistyped[0]
        allowed = ", ".join(str(m.value) for m in enum_class)
        sites = construction_sites(model.__name__, facts, ws)
        where = f" at {', '.join(sites)}" if sites else ""
        detail = (
            f"{head}. The generated {model.__name__}.{name} is now the enum "
            f"{enum_class.__name__} ({allowed}); the wrapper sets it to the str {value!r}{where}"
        )
        step = (
            f"build the model with {model.__name__}.from_dict({{...}}) from plain values "
            f"(it turns {value!r} into {enum_class.__name__}), or pass "
            f"{enum_class.__name__}(value) for {name!r}"
        )
        return Finding(SECTION, facts.operation, "builds", False, detail, step)
    if missing := missing_fields(exc):
        names = ", ".join(repr(n) for n in missing)
        detail = (
            f"{head}. The generated request model now requires {names}, which the wrapper "
            "does not pass"
        )
        step = (
            f"add a parameter with a default for {names} to "
            f"{', '.join(t.partition(':')[2] for t in facts.binding.wrappers)} and pass it on"
        )
        return Finding(SECTION, facts.operation, "builds", False, detail, step)
    step = "make the wrapper build this request again (the error above says where it fails)"
    return Finding(SECTION, facts.operation, "builds", False, head, step)


def _raised_in(exc: BaseException) -> str:
    frames = list(_frames(exc))
    return str(frames[-1].f_globals.get("__name__", "?")) if frames else "?"


def check_operation(facts: OperationFacts, spec: Document, ws: Workspace) -> list[Finding]:
    op = facts.operation
    if facts.error:
        return [
            Finding(
                SECTION,
                op,
                "builds",
                False,
                f"{op}: cannot call the wrapper: {facts.error}",
                REGISTRY_FIX,
            )
        ]
    findings: list[Finding] = []
    notes: list[str] = []
    failed: dict[tuple[str, str], list[Attempt]] = {}
    checked = 0
    for attempt in facts.attempts:
        if attempt.request is None:
            if attempt.refused and attempt.origin == "spec enum":
                notes.append(
                    f"the spec allows {attempt.label} but the wrapper refuses it ({attempt.error})"
                )
            elif attempt.error is not None:
                error = attempt.error
                failed.setdefault((type(error).__name__, str(error)), []).append(attempt)
            continue
        checked += 1
        wrong = request_check.problems(spec, op, attempt.request)
        if wrong:
            detail = (
                f"{op}: {facts.target}({attempt.label}) sends a request the stored spec "
                f"refuses: {'; '.join(wrong)}"
            )
            findings.append(Finding(SECTION, op, "valid", False, detail, _fix(attempt, facts)))
    findings += [diagnose(group, facts, ws) for group in failed.values()]
    for field_key, known in facts.known.items():
        if known.error:
            step = (
                f"point known_values.{field_key} in openapi/known-gaps.yaml at the wrapper's list"
            )
            findings.append(
                Finding(SECTION, op, "known values", False, f"{op}: {known.error}", step)
            )
            continue
        probe = known.probe
        if probe is None or probe.error is None or probe.request is not None:
            continue
        where = _raised_in(probe.error)
        if where.partition(".")[0] != facts.package:
            detail = (
                f"{op}: {facts.target}({probe.label}), a value outside the wrapper's list "
                f"{list(known.values)}, fails inside {where}: "
                f"{type(probe.error).__name__}: {probe.error}"
            )
            step = (
                "refuse such a value in the wrapper before any request, with an error that "
                "names the known values, or send it on as given"
            )
            findings.append(Finding(SECTION, op, "unknown values", False, detail, step))
    if not findings:
        labels = ", ".join(a.label for a in facts.attempts if a.request is not None)
        detail = f"{checked} request(s) built by {facts.target} pass the stored spec ({labels})"
        if notes:
            detail += "; note: " + "; ".join(notes)
        findings.append(Finding(SECTION, op, "builds", True, detail))
    return findings


def _fix(attempt: Attempt, facts: OperationFacts) -> str:
    if attempt.field and attempt.origin == "known value":
        pointer = facts.known[attempt.field].pointer
        return f"drop or change {attempt.value!r} in {pointer}, or check the spec with the vendor"
    if attempt.origin == "defaults":
        return f"change what {facts.target} sends by default so the stored spec accepts it"
    return f"make {facts.target} send what the stored spec asks for this option"


def check_build(
    registry: Registry, spec: Document, facts: WrapperFacts, ws: Workspace
) -> list[Finding]:
    findings = []
    for binding in registry.bindings:
        operation_facts = facts.get(binding.operation)
        if operation_facts is not None:
            findings += check_operation(operation_facts, spec, ws)
    return findings
