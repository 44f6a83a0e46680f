"""What the benchmarks share: result rows, the table, medians, and the machine's description.

Every benchmark compares the library with a baseline a user could write by hand with httpx,
measured in the same run against the bundled MockServer on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from anyapi_sora.testing import MockServer, RateLimit, ScaledClock


@dataclass
class Row:
    """One line of the table: what was measured, both sides, and the goal."""

    name: str
    wrapper: str
    baseline: str
    ratio: float | None
    goal: str
    met: bool | None
    """None: a figure reported for information, with no goal."""
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.met is None:
            return "info"
        return "met" if self.met else "MISSED"


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    """min..max of a list of ratios or times, to show the noise next to the median."""
    return f"{min(values):.3f}..{max(values):.3f}"


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        cpu = platform.processor() or cpu
    return [
        f"machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), {cpu}",
        f"python:  {sys.version.split()[0]} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}",
        f"httpx:   {httpx.__version__}",
    ]


def render(rows: list[Row]) -> str:
    header = ("benchmark", "anyapi_sora", "baseline", "ratio", "goal", "result")
    table = [header]
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.3f}"
        table.append((row.name, row.wrapper, row.baseline, ratio, row.goal, row.verdict))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = []
    for n, line in enumerate(table):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    notes = [f"  {row.name}: {note}" for row in rows for note in row.notes]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


@dataclass(frozen=True)
class ServerStats:
    routes: Counter[str]
    create_count: int
    internal_errors: int
    refused: int = 0


class RemoteServer:
    """A MockServer in a process of its own, so it does not share the GIL with the client.

    In the client's process the server's request handling (stdlib http.server, in Python)
    would compete with the code being measured and pad both sides' times alike, which
    makes every ratio look closer to 1 than it is. Commands go over the child's stdin and
    answers come back on its stdout, one JSON document a line.
    """

    def __init__(self, **options: Any) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "serve", json.dumps(options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._read()
        self.base_url: str = hello["base_url"]
        self.api_key: str = hello["api_key"]

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the mock server process ended ({self._process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _send(self, command: str) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()

    def stats(self) -> ServerStats:
        self._send("stats")
        answer = self._read()
        return ServerStats(
            Counter(answer["routes"]),
            answer["create_count"],
            answer["internal_errors"],
            answer["refused"],
        )

    def stop(self) -> None:
        if self._process.poll() is None:
            self._send("stop")
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> RemoteServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(options: dict[str, Any]) -> None:
    """The server process of RemoteServer: serve until "stop" or until stdin closes.

    `speed` runs the server on a `ScaledClock` (the client makes its own at the same speed:
    only differences of time matter between them); `rate_limits` are RateLimit arguments.
    """
    if "speed" in options:
        options["clock"] = ScaledClock(options.pop("speed"))
    if "rate_limits" in options:
        options["rate_limits"] = [RateLimit(**limit) for limit in options["rate_limits"]]
    with MockServer(**options) as server:
        print(json.dumps({"base_url": server.base_url, "api_key": server.api_key}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "stop":
                break
            if command == "stats":
                routes = Counter(request.route for request in server.requests)
                answer = {
                    "routes": routes,
                    "create_count": server.create_count,
                    "internal_errors": len(server.internal_errors),
                    "refused": server.refusal_count,
                }
                print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(json.loads(sys.argv[2]))
