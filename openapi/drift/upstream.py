"""Compare the vendor's current spec with the stored one, change by change, for this client.

The new spec is validated first; an invalid one is reported with its violations and not
compared. Both specs are reduced to a contract (:mod:`drift.contract`), diffed
(:mod:`drift.diff`), and each difference is classified by one idea: a request may not ask
more of us than the wrapper sends, and a response may not promise less, nor return values
the wrapper cannot read (:mod:`drift.classify`).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import transform

from drift import contract, validity
from drift.classify import classified
from drift.gaps import closing_gaps
from drift.report import UpstreamResult
from drift.workspace import DriftError, parse_document

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from drift.registry import Registry
    from drift.workspace import Document, Workspace
    from drift.wrapper import WrapperFacts

FETCH_TIMEOUT = 30.0


class Unreachable(DriftError):
    """The spec could not be fetched or read: nothing can be said about it."""


def fetch(source: str) -> Document:
    """A spec from an http(s) URL (with httpx) or a file path, as YAML or JSON."""
    if source.startswith(("http://", "https://")):
        try:
            with httpx.Client(follow_redirects=True, timeout=FETCH_TIMEOUT) as client:
                response = client.get(source)
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise Unreachable(f"cannot fetch: {exc}") from None
        text = response.text
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise Unreachable(f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_document(text, source)


def _identities(spec: Mapping[str, Any]) -> set[tuple[str, str]]:
    found = set()
    for key, _path, _item, op in contract.operations(spec):
        method = key.partition(" ")[0]
        for name in ("operationId", "summary"):
            if isinstance(op.get(name), str) and op[name].strip():
                found.add((method, f"{name}={op[name].strip()}"))
    return found


def matching_specs(
    upstream: Document, stored: Mapping[str, Document], source: str = ""
) -> list[str]:
    """The stored specs ``upstream`` replaces: those sharing a path, else an operation
    (same method and operationId or summary: a renamed route), else its file name."""
    paths = upstream.get("paths")
    paths = set(paths) if isinstance(paths, dict) else set()
    by_path = [n for n, s in stored.items() if paths & set(s.get("paths") or {})]
    if by_path:
        return by_path
    identities = _identities(upstream)
    by_operation = [n for n, s in stored.items() if identities & _identities(s)]
    if by_operation:
        return by_operation
    name = Path(urlsplit(source).path).name
    return [name] if name in stored else []


_OPERATION_PLACE = re.compile(r"^\$\.paths\['(?:[^'\\]|\\.)*'\]\.\w+")


def _loose(at: str) -> str:
    # A known violation stays known when its operation moves (a renamed route, GET → POST):
    # the route change itself is reported as operations removed and added.
    return _OPERATION_PLACE.sub("$.paths[*].*", at)


def _violations(
    upstream: Document, matched: list[str], registry: Registry, label: str
) -> list[str]:
    found = []
    names = matched or [label]
    for violation in validity.violations(upstream, names[0]):
        if any(
            name in known.specs
            and _loose(violation.at) == _loose(known.at)
            and known.message in violation.message
            for name in names
            for known in registry.violations
        ):
            continue
        found.append(f"at {violation.at}: {violation.message}")
    return found


def compare(
    source: str,
    ws: Workspace,
    registry: Registry,
    facts: WrapperFacts | None,
    vendor_specs: Iterable[str] = transform.VENDOR_SPECS,
) -> UpstreamResult:
    name, sep, location = source.partition("=")
    explicit = name if sep and name in set(vendor_specs) else None
    where = location if explicit else source
    try:
        upstream = fetch(where)
    except Unreachable as exc:
        return UpstreamResult(source, error=str(exc), unreachable=True)
    except DriftError as exc:
        return UpstreamResult(source, violations=(str(exc),))
    try:
        stored = {n: ws.spec(n) for n in vendor_specs}
    except DriftError as exc:
        return UpstreamResult(source, error=f"cannot read the stored specs: {exc}")
    matched = [explicit] if explicit else matching_specs(upstream, stored, where)
    if violations := _violations(upstream, matched, registry, Path(where).name):
        return UpstreamResult(source, tuple(matched), violations=tuple(violations))
    if not matched:
        known = ", ".join(sorted({p for s in stored.values() for p in s.get("paths") or {}}))
        names = ", ".join(stored)
        return UpstreamResult(
            source,
            error=(
                f"shares no path or operation with the stored specs ({known}); name the one "
                f"it replaces: --upstream {names.split(', ')[0]}={where}"
            ),
        )
    try:
        baseline = (
            stored[matched[0]]
            if len(matched) == 1
            else transform.merge_specs([copy.deepcopy(stored[n]) for n in matched])
        )
        changes = classified(baseline, upstream, registry, facts)
        notes = closing_gaps(registry, ws.with_overrides(dict.fromkeys(matched, upstream)))
    except (DriftError, transform.TransformError) as exc:
        return UpstreamResult(source, tuple(matched), error=str(exc))
    except Exception as exc:  # a valid but strange spec must still give a report
        return UpstreamResult(
            source, tuple(matched), error=f"could not compare: {type(exc).__name__}: {exc}"
        )
    return UpstreamResult(source, tuple(matched), tuple(changes), tuple(notes))
