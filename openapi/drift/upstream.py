"""Compare the vendor's current spec with the stored one, change by change.

Both specs are reduced to a contract (:mod:`drift.contract`); deepdiff finds what differs;
:data:`RULES` says whether each difference breaks this client. The rules follow one idea:
a request may not ask more of us (new required fields, fewer allowed values, a changed
type), and a response may not promise less (removed fields, more possible values).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import transform
from deepdiff import DeepDiff

from drift import contract
from drift.gaps import closing_gaps
from drift.report import Change, UpstreamResult
from drift.workspace import DriftError, parse_document

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from drift.coverage import WrapperMethods
    from drift.registry import Registry
    from drift.workspace import Document, Workspace

FETCH_TIMEOUT = 30.0

BREAKING = "breaking"
NON_BREAKING = "non-breaking"
# Request changes that break only when the wrapper does not already cope.
UNLESS_SUPPLIED = "breaking unless the wrapper supplies it"
IF_SENT = "breaking if the wrapper sends it"

# (change, side) -> (verdict, why). Side is "request" or "response"; "operation" for a
# whole operation. Kept small on purpose: tests/openapi/test_drift_upstream.py pins each.
RULES: dict[tuple[str, str], tuple[str, str]] = {
    ("added", "operation"): (NON_BREAKING, "nothing calls it yet"),
    ("removed", "operation"): (BREAKING, "the wrapper calls it"),
    ("added", "response"): (NON_BREAKING, "a new response or field is extra data"),
    ("removed", "response"): (BREAKING, "callers may read it"),
    ("added, required", "request"): (UNLESS_SUPPLIED, "requests without it fail"),
    ("added, optional", "request"): (NON_BREAKING, "callers can pass it with extra_body"),
    ("removed", "request"): (IF_SENT, "the server may reject or ignore it"),
    ("became required", "request"): (UNLESS_SUPPLIED, "requests without it fail"),
    ("became required", "response"): (NON_BREAKING, "the response promises more"),
    ("became optional", "request"): (NON_BREAKING, "the request may omit it"),
    ("became optional", "response"): (BREAKING, "callers may rely on it"),
    ("type changed", "request"): (BREAKING, "the wrapper sends the old type"),
    ("type changed", "response"): (BREAKING, "parsers expect the old type"),
    ("enum values added", "request"): (NON_BREAKING, "more values are accepted"),
    ("enum values added", "response"): (BREAKING, "callers may meet values they do not know"),
    ("enum values removed", "request"): (BREAKING, "the wrapper may send a removed value"),
    ("enum values removed", "response"): (NON_BREAKING, "fewer values can come back"),
    ("enum added", "request"): (BREAKING, "values outside the enum are now refused"),
    ("enum added", "response"): (NON_BREAKING, "the response is narrowed"),
    ("enum removed", "request"): (NON_BREAKING, "any value is accepted"),
    ("enum removed", "response"): (BREAKING, "callers may meet values they do not know"),
}


def classify(
    change: str, side: str, operation: str, field: str, support: Mapping[str, WrapperMethods]
) -> tuple[bool, str]:
    """Whether one change breaks this client, and why."""
    verdict, why = RULES[(change, side)]
    if verdict in (BREAKING, NON_BREAKING):
        return verdict == BREAKING, why
    methods = support.get(operation)
    name = contract.spec_name(field)
    if field == contract.BODY:
        # The wrapper builds the whole body itself whenever it sends this operation.
        sends = supplies = methods is not None
    elif methods is None or name is None:
        sends = supplies = False
    else:
        sends, supplies = methods.sends(name), methods.supplies(name)
    if verdict == UNLESS_SUPPLIED:
        if supplies:
            return False, f"{why}, but the wrapper always sends it"
        return True, f"{why} and the wrapper has no parameter or default for it"
    if sends:
        return True, f"{why}, and the wrapper still sends it"
    return False, f"{why}; the wrapper never sends it"


def _side(location: str) -> str:
    return "request" if location == contract.REQUEST else "response"


def _describe(field: Mapping[str, Any]) -> str:
    return f"{'required' if field['required'] else 'optional'} {field['type']}"


def diff(
    before: contract.Contract,
    after: contract.Contract,
    support: Mapping[str, WrapperMethods],
) -> list[Change]:
    """The classified changes from ``before`` to ``after``."""
    # threshold_to_diff_deeper=0: always report keys one by one, never "the whole dict
    # changed", so that every added or removed field and enum value gets its own row.
    found = DeepDiff(before, after, view="tree", threshold_to_diff_deeper=0)
    raw: list[tuple[str, str, str, str, str, str]] = []
    for report_type, levels in found.items():
        for level in levels:
            path = [str(p) for p in level.path(output_format="list")]
            raw.append(_change(report_type, path, level.t1, level.t2, after, before))
    return _classified(raw, support)


def _change(
    report_type: str,
    path: list[str],
    old: Any,
    new: Any,
    after: contract.Contract,
    before: contract.Contract,
) -> tuple[str, str, str, str, str, str]:
    """``(operation, location, field, change, before, after)`` for one deepdiff item."""
    added = report_type.endswith("_added")
    if report_type not in {"dictionary_item_added", "dictionary_item_removed", "values_changed"}:
        raise DriftError(f"unexpected difference {report_type} at {path}")
    op = path[0]
    if len(path) == 1:
        return (op, "", "", "added" if added else "removed", "", "")
    location = path[1]
    if len(path) == 2:
        return (op, location, "", "added" if added else "removed", "", "")
    field = path[2]
    if len(path) == 3:
        if added:
            spec_field = after[op][location][field]
            change = "added"
            if _side(location) == "request":
                change += ", required" if spec_field["required"] else ", optional"
            return (op, location, field, change, "", _describe(spec_field))
        return (op, location, field, "removed", _describe(before[op][location][field]), "")
    attribute = path[3]
    if attribute == "required":
        change = "became required" if new else "became optional"
        words = {True: "required", False: "optional"}
        return (op, location, field, change, words[bool(old)], words[bool(new)])
    if attribute == "type":
        return (op, location, field, "type changed", str(old), str(new))
    if attribute == "enum" and len(path) == 4:
        change = "enum added" if added else "enum removed"
        values = ", ".join((new if added else old) or {})
        return (op, location, field, change, "" if added else values, values if added else "")
    if attribute == "enum":
        change = "enum values added" if added else "enum values removed"
        return (op, location, field, change, "" if added else path[4], path[4] if added else "")
    raise DriftError(f"unexpected difference at {path}")


def _classified(
    raw: list[tuple[str, str, str, str, str, str]], support: Mapping[str, WrapperMethods]
) -> list[Change]:
    # A field added or removed with its parent is reported once, at the parent.
    whole = {(op, loc, field, change) for op, loc, field, change, _, _ in raw}
    grouped: dict[tuple[str, str, str, str], tuple[list[str], list[str]]] = {}
    for op, location, field, change, old, new in raw:
        direction = change.split(",")[0]
        if direction in ("added", "removed") and any(
            (op, location, parent, c) in whole
            for parent in contract.ancestors(field)
            for c in (direction, f"{direction}, required", f"{direction}, optional")
        ):
            continue
        olds, news = grouped.setdefault((op, location, field, change), ([], []))
        olds += [old] if old else []
        news += [new] if new else []
    changes = []
    for (op, location, field, change), (olds, news) in sorted(grouped.items()):
        side = "operation" if not location else _side(location)
        breaking, why = classify(change, side, op, field, support)
        changes.append(
            Change(op, location, field, change, ", ".join(olds), ", ".join(news), breaking, why)
        )
    return changes


def fetch(source: str) -> Document:
    """A spec from an http(s) URL (with httpx) or a file path, as YAML or JSON."""
    if source.startswith(("http://", "https://")):
        try:
            with httpx.Client(follow_redirects=True, timeout=FETCH_TIMEOUT) as client:
                response = client.get(source)
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise DriftError(f"cannot fetch: {exc}") from None
        return parse_document(response.text, source)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise DriftError(f"cannot read: {exc.strerror}") from None
    return parse_document(text, source)


def matching_specs(upstream: Document, stored: Mapping[str, Document]) -> list[str]:
    """The stored specs that share a path with ``upstream``: the ones it replaces."""
    paths = set(upstream.get("paths") or {})
    return [name for name, spec in stored.items() if paths & set(spec.get("paths") or {})]


def compare(
    source: str,
    ws: Workspace,
    registry: Registry,
    support: Mapping[str, WrapperMethods],
    vendor_specs: Iterable[str] = transform.VENDOR_SPECS,
) -> UpstreamResult:
    try:
        upstream = fetch(source)
        stored = {name: ws.spec(name) for name in vendor_specs}
    except DriftError as exc:
        return UpstreamResult(source, error=str(exc))
    matched = matching_specs(upstream, stored)
    if not matched:
        known = ", ".join(sorted({p for s in stored.values() for p in s.get("paths") or {}}))
        return UpstreamResult(source, error=f"shares no path with the stored specs ({known})")
    baseline = (
        stored[matched[0]]
        if len(matched) == 1
        else transform.merge_specs([stored[n] for n in matched])
    )
    try:
        changes = diff(contract.build(baseline), contract.build(upstream), support)
    except DriftError as exc:
        return UpstreamResult(source, tuple(matched), error=str(exc))
    closing = closing_gaps(registry, ws.with_overrides(dict.fromkeys(matched, upstream)))
    return UpstreamResult(source, tuple(matched), tuple(changes), tuple(closing))
