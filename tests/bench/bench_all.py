"""Run the benchmarks and print one table: `nox -s bench` (see BENCHMARKS.md).

    python tests/bench/bench_all.py [--quick] [--only overhead,...,fleet] [--skip fleet]

Each row compares anyapi_sora with what a user could write by hand with httpx, in the same
run, against the bundled MockServer on 127.0.0.1. Times are medians of alternating rounds.
The exit code is 0 even when a goal is missed (`--strict` makes it 1): numbers from a
shared machine are noisy, and the table says which goals were met.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

import bench_download
import bench_fanout
import bench_fleet
import bench_import
import bench_overhead
import bench_polling
import bench_strict
from benchlib import Row, machine, render

if TYPE_CHECKING:
    from collections.abc import Callable

BENCHMARKS: dict[str, Callable[..., list[Row]]] = {
    "overhead": bench_overhead.run,
    "fanout": bench_fanout.run,
    "download": bench_download.run,
    "import": bench_import.run,
    "polling": bench_polling.run,
    "strict": bench_strict.run,
    "fleet": bench_fleet.run,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds; noisier")
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help="comma-separated: " + ", ".join(BENCHMARKS)
    )
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    options = parser.parse_args()
    skipped = {name.strip() for name in options.skip.split(",") if name.strip()}
    names = [n.strip() for n in options.only.split(",") if n.strip() and n.strip() not in skipped]
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    print("\n".join(machine()))
    print(time.strftime("run:     %Y-%m-%d %H:%M:%S %Z") + (" (quick)" if options.quick else ""))
    print(flush=True)
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        found = BENCHMARKS[name](quick=options.quick)
        rows += found
        print(f"[{name}: {time.perf_counter() - started:.0f} s]", flush=True)
        print(render(found), end="\n\n", flush=True)
    print("=" * 30, "summary", "=" * 30)
    print(render(rows))
    missed = [row.name for row in rows if row.met is False]
    if missed:
        print(f"\nmissed goals: {len(missed)} (see BENCHMARKS.md for why)")
    return 1 if missed and options.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
