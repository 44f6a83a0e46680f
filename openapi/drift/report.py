"""What the checks found, as Markdown for people and JSON for tools, and the exit code."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

SECTIONS = ("spec validity", "gaps", "request build", "request coverage")

EXIT_OK = 0
EXIT_PROBLEM = 1  # drift: a breaking change, a closed gap, an uncovered field, ...
EXIT_USAGE = 2
EXIT_INVALID_UPSTREAM = 3  # an --upstream spec is not valid OpenAPI: nothing was compared
EXIT_CANNOT_CHECK = 4  # a spec could not be fetched or the live API not reached

EXIT_CODES = {
    EXIT_OK: "no problem",
    EXIT_PROBLEM: (
        "drift: a breaking upstream or live change, a new spec violation, a closed or "
        "unhandled gap, an uncovered request field, a request the wrapper cannot build, or "
        "a check that could not run on the project itself"
    ),
    EXIT_USAGE: "usage error (a bad option; --live without ANYAPI_API_KEY)",
    EXIT_INVALID_UPSTREAM: "an --upstream spec is not valid OpenAPI (the violations are listed)",
    EXIT_CANNOT_CHECK: (
        "nothing else was wrong, but an --upstream spec could not be fetched or the live "
        "API could not be reached: cannot tell"
    ),
}


@dataclass(frozen=True)
class Finding:
    """One check's result; ``detail`` says what was seen, ``next_step`` what to do about it."""

    section: str
    subject: str
    check: str
    ok: bool
    detail: str
    next_step: str = ""


@dataclass(frozen=True)
class Change:
    """One difference between a stored spec and the vendor's current one, for this client."""

    operation: str
    location: str  # "request", "response <status>", "servers", "security"; "" for an operation
    field: str
    change: str
    before: str
    after: str
    breaking: bool
    reason: str
    next_step: str = ""


@dataclass(frozen=True)
class UpstreamResult:
    source: str
    stored: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    # What the new spec would do to each known gap: close it, partly, or cannot tell.
    gap_notes: tuple[str, ...] = ()
    error: str | None = None
    violations: tuple[str, ...] = ()  # the spec is invalid: nothing was compared
    unreachable: bool = False  # the error is a fetch failure: cannot tell

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.changes)

    @property
    def invalid(self) -> bool:
        return bool(self.violations)


@dataclass(frozen=True)
class LiveCheck:
    name: str
    ok: bool
    detail: str
    next_step: str = ""


@dataclass
class LiveResult:
    base_url: str
    checks: list[LiveCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unreachable: str | None = None  # why the API could not be reached
    recorded: list[str] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return any(not c.ok for c in self.checks)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    upstream: list[UpstreamResult] = field(default_factory=list)
    live: LiveResult | None = None

    @property
    def problems(self) -> list[str]:
        found = [f.detail for f in self.findings if not f.ok]
        for result in self.upstream:
            if result.violations:
                found.append(_invalid(result))
            elif result.error and not result.unreachable:
                found.append(f"upstream {result.source}: {result.error}")
            found += [
                f"upstream {result.source}: breaking: {_describe(c)}"
                for c in result.changes
                if c.breaking
            ]
        if self.live is not None:
            found += [
                f"live {self.live.base_url}: {c.detail}" for c in self.live.checks if not c.ok
            ]
        return found

    @property
    def unchecked(self) -> list[str]:
        found = [f"upstream {r.source}: {r.error}" for r in self.upstream if r.unreachable]
        if self.live is not None and self.live.unreachable:
            found.append(f"live {self.live.base_url}: {self.live.unreachable}")
        return found

    @property
    def breaking(self) -> bool:
        """A change to the vendor's contract breaks this client (upstream or live)."""
        upstream = any(r.breaking for r in self.upstream)
        return upstream or (self.live is not None and self.live.breaking)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unchecked

    @property
    def exit_code(self) -> int:
        if any(r.invalid for r in self.upstream):
            return EXIT_INVALID_UPSTREAM
        if self.problems:
            return EXIT_PROBLEM
        return EXIT_CANNOT_CHECK if self.unchecked else EXIT_OK

    def to_json(self) -> str:
        data = {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "breaking": self.breaking,
            "problems": self.problems,
            "cannot_tell": self.unchecked,
            "findings": [asdict(f) for f in self.findings],
            "upstream": [
                {
                    **asdict(r),
                    "breaking": r.breaking,
                    "invalid": r.invalid,
                    "changes": [asdict(c) for c in r.changes],
                }
                for r in self.upstream
            ],
            "live": None
            if self.live is None
            else {**asdict(self.live), "ok": not self.live.breaking},
        }
        return json.dumps(data, indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        problems = self.problems
        if self.ok:
            verdict = "OK"
        elif problems:
            verdict = f"FAILED ({len(problems)} problem(s))"
        else:
            verdict = "CANNOT TELL"
        lines = [f"# Contract drift: {verdict}", ""]
        for result in self.upstream:
            lines += _upstream_markdown(result)
        if self.live is not None:
            lines += _live_markdown(self.live)
        for section in SECTIONS:
            rows = [f for f in self.findings if f.section == section]
            if not rows:
                continue
            lines += [f"## {section.capitalize()}", ""]
            lines += _table(
                ["subject", "check", "result", "detail"],
                [[f.subject, f.check, "ok" if f.ok else "FAIL", f.detail] for f in rows],
            )
        steps = self._next_steps()
        if problems or self.unchecked:
            lines += ["## Problems and what to do", ""]
            for problem in problems + self.unchecked:
                lines.append(f"- {problem}")
                if steps.get(problem):
                    lines.append(f"  - next: {steps[problem]}")
            lines.append("")
        return "\n".join(lines)

    def _next_steps(self) -> dict[str, str]:
        steps = {f.detail: f.next_step for f in self.findings if not f.ok and f.next_step}
        for result in self.upstream:
            if result.violations:
                steps[_invalid(result)] = INVALID_STEP
            for change in result.changes:
                if change.breaking and change.next_step:
                    steps[f"upstream {result.source}: breaking: {_describe(change)}"] = (
                        change.next_step
                    )
            if result.unreachable:
                steps[f"upstream {result.source}: {result.error}"] = (
                    "check the URL or the network and run again: nothing was compared"
                )
        if self.live is not None:
            for check in self.live.checks:
                if not check.ok and check.next_step:
                    steps[f"live {self.live.base_url}: {check.detail}"] = check.next_step
            if self.live.unreachable:
                steps[f"live {self.live.base_url}: {self.live.unreachable}"] = (
                    "check ANYAPI_BASE_URL and the network, and run again"
                )
        return steps


INVALID_STEP = (
    "do not take this spec in as it is: tell the vendor what is wrong. To take it in "
    "anyway, save it, run nox -s drift, and list each violation you accept under "
    "spec_violations in openapi/known-gaps.yaml"
)


def _invalid(result: UpstreamResult) -> str:
    return (
        f"upstream {result.source} is not valid OpenAPI ({len(result.violations)} "
        "violation(s)); nothing was compared"
    )


def _describe(change: Change) -> str:
    where = " ".join(p for p in (change.operation, change.location, change.field) if p)
    return f"{where}: {change.change} ({change.reason})"


def _upstream_markdown(result: UpstreamResult) -> list[str]:
    against = ", ".join(f"openapi/{name}" for name in result.stored) or "no stored spec"
    lines = [f"## Upstream: {result.source} vs {against}", ""]
    if result.violations:
        lines += ["Not valid OpenAPI, so nothing was compared:", ""]
        return [*lines, *[f"- {v}" for v in result.violations], ""]
    if result.error:
        return [*lines, f"Could not compare: {result.error}", ""]
    if not result.changes:
        lines += ["No semantic change.", ""]
    else:
        lines += _table(
            [
                "operation",
                "where",
                "field",
                "change",
                "before",
                "after",
                "verdict",
                "why",
                "next step",
            ],
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
                    c.next_step,
                ]
                for c in result.changes
            ],
        )
    lines += [f"- {note}" for note in result.gap_notes]
    return [*lines, ""] if result.gap_notes else lines


def _live_markdown(live: LiveResult) -> list[str]:
    lines = [f"## Live: {live.base_url}", ""]
    if live.unreachable:
        lines += [f"Could not reach the API: {live.unreachable}", ""]
    if live.checks:
        lines += _table(
            ["check", "result", "detail"],
            [[c.name, "ok" if c.ok else "FAIL", c.detail] for c in live.checks],
        )
    lines += [f"- {note}" for note in live.notes]
    lines += [f"- recorded {path}" for path in live.recorded]
    return [*lines, ""] if live.notes or live.recorded else lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]
