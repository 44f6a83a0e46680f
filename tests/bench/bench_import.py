"""Import time: `import anyapi_sora` against `import httpx`, each in a fresh interpreter.

Each run starts `python -I` and times the import statement alone (interpreter start-up is
the same for both and left out). Runs alternate between the two; the medians are compared.
`-I` ignores PYTHONDONTWRITEBYTECODE, so the warm-up runs write bytecode as a pip install
would have: without it every run would compile the sources and measure that instead.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from benchlib import Row, median, spread

GOAL = 1.5
PROBE = (
    "import time; started = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - started)"
)


def import_seconds(module: str) -> float:
    output = subprocess.run(
        [sys.executable, "-I", "-c", PROBE.format(module=module)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(output)


def heaviest_imports(module: str, top: int = 6) -> list[str]:
    """What `module` loads on top of httpx, by top-level package, from `-X importtime`."""
    stderr = subprocess.run(
        [sys.executable, "-I", "-X", "importtime", "-c", f"import httpx; import {module}"],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    seen_httpx = False
    by_package: Counter[str] = Counter()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        if not own.strip().isdigit():
            continue  # the header line
        if name.strip() == "httpx":
            seen_httpx = True
        elif seen_httpx:
            by_package[name.strip().split(".")[0]] += int(own)
    return [f"{name} {micros / 1000:.1f} ms" for name, micros in by_package.most_common(top)]


def run(*, quick: bool = False) -> list[Row]:
    runs = 7 if quick else 21
    for module in ("httpx", "anyapi_sora"):  # warm-up: writes bytecode, fills the OS cache
        import_seconds(module)
    ours: list[float] = []
    theirs: list[float] = []
    for n in range(runs):
        order = ("httpx", "anyapi_sora") if n % 2 else ("anyapi_sora", "httpx")
        for module in order:
            (ours if module == "anyapi_sora" else theirs).append(import_seconds(module))
    ratio = median(ours) / median(theirs)
    per_run = [a / b for a, b in zip(ours, theirs, strict=True)]
    return [
        Row(
            name=f"4. import time ({runs} fresh interpreters each)",
            wrapper=f"{median(ours) * 1000:.1f} ms",
            baseline=f"{median(theirs) * 1000:.1f} ms",
            ratio=ratio,
            goal=f"<= {GOAL}",
            met=ratio <= GOAL,
            notes=[
                f"per-run ratios {spread(per_run)}; anyapi_sora includes httpx itself",
                "loaded beyond httpx (python -X importtime, one run, instrumented ms): "
                + ", ".join(heaviest_imports("anyapi_sora")),
            ],
        )
    ]


if __name__ == "__main__":
    from benchlib import render

    print(render(run()))
