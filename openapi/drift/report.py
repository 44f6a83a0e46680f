"""What the checks found, as Markdown for people and JSON for tools."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

SECTIONS = ("spec validity", "gaps", "request coverage")


@dataclass(frozen=True)
class Finding:
    """One check's result; ``detail`` says what was seen, in words a maintainer can act on."""

    section: str
    subject: str
    check: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Change:
    """One semantic difference between a stored spec and the vendor's current one."""

    operation: str
    location: str  # "request" or "response <status>" ("" for a whole operation)
    field: str
    change: str
    before: str
    after: str
    breaking: bool
    reason: str


@dataclass(frozen=True)
class UpstreamResult:
    source: str
    stored: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    # Gaps whose evidence no longer holds against the upstream spec.
    closing_gaps: tuple[str, ...] = ()
    error: str | None = None

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.changes)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    upstream: list[UpstreamResult] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        found = [f.detail for f in self.findings if not f.ok]
        for result in self.upstream:
            if result.error:
                found.append(f"upstream {result.source}: {result.error}")
            found += [
                f"upstream {result.source}: breaking: {_describe(c)}"
                for c in result.changes
                if c.breaking
            ]
        return found

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> str:
        data = {
            "ok": self.ok,
            "problems": self.problems,
            "findings": [asdict(f) for f in self.findings],
            "upstream": [
                {**asdict(r), "breaking": r.breaking, "changes": [asdict(c) for c in r.changes]}
                for r in self.upstream
            ],
        }
        return json.dumps(data, indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        problems = self.problems
        verdict = "OK" if not problems else f"FAILED ({len(problems)} problem(s))"
        lines = [f"# Contract drift: {verdict}", ""]
        for section in SECTIONS:
            rows = [f for f in self.findings if f.section == section]
            if not rows:
                continue
            lines += [f"## {section.capitalize()}", ""]
            lines += _table(
                ["subject", "check", "result", "detail"],
                [[f.subject, f.check, "ok" if f.ok else "FAIL", f.detail] for f in rows],
            )
        for result in self.upstream:
            lines += _upstream_markdown(result)
        if problems:
            lines += ["## Problems", ""] + [f"- {p}" for p in problems] + [""]
        return "\n".join(lines)


def _describe(change: Change) -> str:
    where = " ".join(p for p in (change.operation, change.location, change.field) if p)
    return f"{where}: {change.change} ({change.reason})"


def _upstream_markdown(result: UpstreamResult) -> list[str]:
    against = ", ".join(f"openapi/{name}" for name in result.stored) or "no stored spec"
    lines = [f"## Upstream: {result.source} vs {against}", ""]
    if result.error:
        return [*lines, f"Could not compare: {result.error}", ""]
    if not result.changes:
        lines += ["No semantic change.", ""]
    else:
        lines += _table(
            ["operation", "where", "field", "change", "before", "after", "verdict", "why"],
            [
                [
                    c.operation,
                    c.location,
                    c.field,
                    c.change,
                    c.before,
                    c.after,
                    "BREAKING" if c.breaking else "non-breaking",
                    c.reason,
                ]
                for c in result.changes
            ],
        )
    lines += [f"- {note}" for note in result.closing_gaps]
    return [*lines, ""] if result.closing_gaps else lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]
