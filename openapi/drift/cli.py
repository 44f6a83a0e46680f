"""``python openapi/drift [--upstream [NAME=]URL|PATH ...] [--live [--task ID] [--record DIR]]
[--json] [--root DIR]``.

Prints a Markdown report (or JSON with ``--json``): the upstream diff and the live checks
first, then the checks of the stored specs, then every problem with its next step.

Exit codes:
  0  no problem
  1  drift: a breaking upstream or live change, a new spec violation, a closed or unhandled
     gap, an uncovered request field, a request the wrapper cannot build, or a check that
     could not run on the project itself
  2  usage error (a bad option; --live without ANYAPI_API_KEY)
  3  an --upstream spec is not valid OpenAPI (its violations are listed); nothing compared
  4  nothing else was wrong, but an --upstream spec could not be fetched or the live API
     could not be reached: cannot tell
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import transform

from drift import buildability, coverage, gaps, live, registry, upstream, validity, wrapper
from drift.report import EXIT_CODES, EXIT_USAGE, Finding, Report
from drift.workspace import (
    REGISTRY_NAME,
    ROOT,
    TRANSFORMED_SPEC,
    DriftError,
    Workspace,
    resolve_object,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from drift.registry import Registry
    from drift.workspace import Document
    from drift.wrapper import WrapperFacts

API_KEY_ENV = "ANYAPI_API_KEY"
BASE_URL_ENV = "ANYAPI_BASE_URL"


def _guarded(report: Report, section: str, subject: str, run: Callable[[], list[Finding]]) -> None:
    """Run one check; whatever goes wrong becomes a finding, never a traceback."""
    try:
        report.findings += run()
    except DriftError as exc:
        report.findings.append(
            Finding(section, subject, "ran", False, str(exc), "fix what it names")
        )
    except Exception as exc:  # any input must give a report
        detail = f"drift could not run the {section} check: {type(exc).__name__}: {exc}"
        report.findings.append(Finding(section, subject, "ran", False, detail, "fix what it names"))


def _fresh(ws: Workspace) -> list[Finding]:
    committed = ws.read_text(f"openapi/{TRANSFORMED_SPEC}")
    if committed == transform.build(ws.openapi_dir):
        return []
    return [
        Finding(
            validity.SECTION,
            TRANSFORMED_SPEC,
            "follows from openapi/",
            False,
            f"openapi/{TRANSFORMED_SPEC} does not follow from the vendor specs and the overlay",
            "run nox -s regen, then nox -s drift again",
        )
    ]


def run(
    root: Path = ROOT,
    upstream_sources: list[str] | None = None,
    live_options: dict[str, object] | None = None,
) -> Report:
    """Every check on the project tree at ``root``."""
    ws = Workspace(root)
    report = Report()
    try:
        known = registry.load(ws)
    except DriftError as exc:
        # Without the registry no check can tell a known gap from a new one.
        step = f"fix openapi/{REGISTRY_NAME} where the message points"
        report.findings.append(Finding("gaps", REGISTRY_NAME, "readable", False, str(exc), step))
        return report
    spec_names = validity.stored_spec_names(transform.VENDOR_SPECS)
    _guarded(
        report, validity.SECTION, "openapi/", lambda: validity.check_validity(known, ws, spec_names)
    )
    _guarded(report, validity.SECTION, TRANSFORMED_SPEC, lambda: _fresh(ws))
    _guarded(report, gaps.SECTION, "gaps", lambda: gaps.check_gaps(known, ws))
    facts: WrapperFacts | None = None
    spec: Document | None = None
    try:
        spec = coverage.transformed_spec(ws)
        facts = wrapper.gather(known, spec)
    except DriftError as exc:
        step = "fix the vendor specs or the overlay where the message points"
        report.findings.append(
            Finding(coverage.SECTION, "openapi/", "built", False, str(exc), step)
        )
    except Exception as exc:
        detail = f"drift could not call the wrapper: {type(exc).__name__}: {exc}"
        report.findings.append(Finding(buildability.SECTION, "wrapper", "ran", False, detail))
    if spec is not None and facts is not None:
        built_spec, built_facts = spec, facts
        _guarded(
            report,
            buildability.SECTION,
            "wrapper",
            lambda: buildability.check_build(known, built_spec, built_facts, ws),
        )
        _guarded(
            report,
            coverage.SECTION,
            "wrapper",
            lambda: coverage.check_coverage(known, built_spec, built_facts),
        )
    for source in upstream_sources or []:
        report.upstream.append(upstream.compare(source, ws, known, facts))
    if live_options is not None:
        report.live = _live(ws, known, live_options)
    return report


def _live(ws: Workspace, known: Registry, options: dict[str, object]) -> live.LiveResult:
    base_url = str(options.get("base_url") or "")
    if not base_url and known.wrapper.base_url:
        base_url = str(resolve_object(known.wrapper.base_url))
    record = options.get("record")
    return live.run(
        ws,
        known,
        base_url,
        str(options["api_key"]),
        task_id=str(options["task"]) if options.get("task") else None,
        record=record if isinstance(record, Path) else None,
    )


def _epilog() -> str:
    lines = ["exit codes:"] + [f"  {code}  {text}" for code, text in EXIT_CODES.items()]
    lines += [
        "",
        f"--live reads the key from {API_KEY_ENV} and the gateway from {BASE_URL_ENV} "
        "(default: the wrapper's base URL); it only queries, so it costs nothing.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python openapi/drift",
        description="Check that the vendor's specs, our workarounds and the wrapper agree.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="[NAME=]URL|PATH",
        help="the vendor's current spec (one per stored spec; repeatable): validate it, "
        "diff it against the stored one and fail on a breaking change. NAME= (e.g. "
        "query-task.yaml=URL) says which stored spec it replaces when drift cannot tell",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help=f"ask the live API questions that cost nothing (needs {API_KEY_ENV}; "
        f"honours {BASE_URL_ENV})",
    )
    parser.add_argument("--task", metavar="ID", help="with --live: also query this task of yours")
    parser.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help="with --live: save the bodies (key and URL signatures stripped) as fixtures",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--root", type=Path, default=ROOT, help="the project root to check")
    args = parser.parse_args(argv)
    live_options = None
    if (args.task or args.record) and not args.live:
        parser.error("--task and --record go with --live")
    if args.live:
        key = os.environ.get(API_KEY_ENV, "").strip()
        if not key:
            print(f"drift: --live needs the API key in {API_KEY_ENV}", file=sys.stderr)
            return EXIT_USAGE
        live_options = {
            "api_key": key,
            "base_url": os.environ.get(BASE_URL_ENV, "").strip(),
            "task": args.task,
            "record": args.record,
        }
    report = run(args.root, args.upstream, live_options)
    print(report.to_json() if args.json else report.to_markdown())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
