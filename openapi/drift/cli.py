"""``python openapi/drift [--upstream URL|PATH ...] [--json] [--root DIR]``.

Prints a Markdown report (or JSON with ``--json``) and exits 1 on any problem: a new spec
violation, a closed or unhandled gap, an uncovered request field, a breaking upstream
change, or a check that could not run. Exit 2 is a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import transform

from drift import coverage, gaps, registry, upstream, validity
from drift.report import Finding, Report
from drift.workspace import REGISTRY_NAME, ROOT, DriftError, Workspace


def run(root: Path = ROOT, upstream_sources: list[str] | None = None) -> Report:
    """Every check on the project tree at ``root``."""
    ws = Workspace(root)
    report = Report()
    try:
        known = registry.load(ws)
    except DriftError as exc:
        # Without the registry no check can tell a known gap from a new one.
        report.findings.append(Finding("gaps", REGISTRY_NAME, "readable", False, str(exc)))
        return report
    spec_names = validity.stored_spec_names(transform.VENDOR_SPECS)
    report.findings += validity.check_validity(known, ws, spec_names)
    report.findings += gaps.check_gaps(known, ws)
    try:
        report.findings += coverage.check_coverage(known, coverage.transformed_spec(ws))
    except DriftError as exc:
        report.findings.append(Finding("request coverage", "openapi/", "built", False, str(exc)))
    if upstream_sources:
        support = coverage.wrapper_support(known.bindings)
        report.upstream += [upstream.compare(s, ws, known, support) for s in upstream_sources]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python openapi/drift",
        description="Check that the vendor's specs, our workarounds and the wrapper agree.",
    )
    parser.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="URL|PATH",
        help="the vendor's current spec (one per stored spec; repeatable): diff it "
        "against the stored one and fail on a breaking change",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--root", type=Path, default=ROOT, help="the project root to check")
    args = parser.parse_args(argv)
    report = run(args.root, args.upstream)
    print(report.to_json() if args.json else report.to_markdown())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
