"""The generate soak: many `AsyncAnyAPI.videos.generate` calls against a faulty MockServer.

Used by `tests/wrapper/test_soak.py` (50 tasks, in every `nox -s tests` run) and by
`tests/soak/soak_generate.py` (500 tasks, `nox -s soak`). Faults are drawn at seeded rates:

- create: 2 % connection resets, 1 % malformed JSON, 2 % answers slower than the client's
  timeout. All of them after the task was made, so each is billed: the client must not
  create it again, and the server's create count must equal the number of calls.
- query: 10 % 5xx (half an HTML 502, half a JSON 500), 5 % 429, 2 % resets, 1 % malformed
  JSON, 2 % slower than the client's timeout.
- download: 2 % resets, 2 % slower than the timeout, 2 % bodies cut short.

Every call must end with the task completed and its video on disk, or with a typed
`AnyAPIError`; nothing else may escape, and no partial file may be left behind.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from anyapi_sora import AnyAPIError, APIConnectionError, AsyncAnyAPI, ResponseShapeError, VideoTask
from anyapi_sora.testing import Fault, FaultRule, MockServer

if TYPE_CHECKING:
    from pathlib import Path

    from anyapi_sora.testing import Route

CONCURRENCY = 64  # bounded, as a real batch would be
CLIENT_TIMEOUT = 1.0
HANG_SECONDS = 2.5  # longer than CLIENT_TIMEOUT
POLL_INTERVAL = 0.1
WAIT_TIMEOUT = 300.0

# (route, label, fault, share of that route's requests)
FAULTS: list[tuple[Route, str, Fault, float]] = [
    ("create", "create reset", Fault.disconnect(after_create=True), 0.02),
    ("create", "create malformed JSON", Fault.malformed_json(after_create=True), 0.01),
    ("create", "create slow", Fault.hang(HANG_SECONDS, after_create=True), 0.02),
    ("query", "query 502 (HTML)", Fault.server_error(502, html=True), 0.05),
    ("query", "query 500", Fault.server_error(500), 0.05),
    ("query", "query 429", Fault.rate_limited(), 0.05),
    ("query", "query reset", Fault.disconnect(), 0.02),
    ("query", "query malformed JSON", Fault.malformed_json(), 0.01),
    ("query", "query slow", Fault.hang(HANG_SECONDS), 0.02),
    ("download", "download reset", Fault.disconnect(), 0.02),
    ("download", "download slow", Fault.hang(HANG_SECONDS), 0.02),
    ("download", "download cut short", Fault.truncated_body(), 0.02),
]
# What the faults above may cause a call to end with (APITimeoutError is a connection error).
EXPECTED_ERRORS = (APIConnectionError, ResponseShapeError)


@dataclass
class SoakReport:
    tasks: int
    completed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    unexpected: list[BaseException] = field(default_factory=list)
    """Outcomes that are neither a completed task nor an expected AnyAPIError."""
    loop_errors: list[str] = field(default_factory=list)
    """What reached the event loop's exception handler (e.g. a task's error left unread)."""
    create_count: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    faults: dict[str, int] = field(default_factory=dict)
    server_errors: list[BaseException] = field(default_factory=list)
    files: int = 0
    bad_files: list[str] = field(default_factory=list)
    """Leftover temp files, and files that are not exactly the served video."""
    wall_seconds: float = 0.0

    def problems(self) -> list[str]:
        """Every broken promise; empty when the soak passed."""
        found = [f"unexpected outcome: {exc!r}" for exc in self.unexpected]
        found += [f"event loop: {message}" for message in self.loop_errors]
        found += [f"mock server bug: {exc!r}" for exc in self.server_errors]
        found += [f"bad file on disk: {name}" for name in self.bad_files]
        if self.create_count != self.tasks:
            found.append(f"server created {self.create_count} tasks for {self.tasks} calls")
        if self.requests["create"] != self.tasks:
            found.append(f"{self.requests['create']} create requests for {self.tasks} calls")
        if self.files != self.completed:
            found.append(f"{self.files} videos on disk for {self.completed} completed tasks")
        if self.completed + sum(self.errors.values()) + len(self.unexpected) != self.tasks:
            found.append("some calls have no outcome")
        return found

    def render(self) -> str:
        errors = ", ".join(f"{name} {n}" for name, n in self.errors.most_common()) or "none"
        requests = ", ".join(f"{route} {n}" for route, n in sorted(self.requests.items()))
        faults = ", ".join(f"{label} {n}" for label, n in self.faults.items())
        return "\n".join(
            [
                f"soak: {self.tasks} generate() calls, {CONCURRENCY} at a time, "
                f"client timeout {CLIENT_TIMEOUT:g} s, in {self.wall_seconds:.1f} s",
                f"  completed (video on disk): {self.completed}",
                f"  typed errors: {sum(self.errors.values())} ({errors})",
                f"  unexpected outcomes: {len(self.unexpected)}; "
                f"event loop errors: {len(self.loop_errors)}",
                f"  server: {self.create_count} tasks created; requests: {requests} "
                f"(total {sum(self.requests.values())})",
                f"  faults fired: {sum(self.faults.values())} ({faults})",
                f"  files: {self.files} complete videos, {len(self.bad_files)} bad or partial",
            ]
        )


def inject_faults(server: MockServer) -> dict[str, FaultRule]:
    """Add FAULTS to `server`. Rules are tried in order and the first that fires wins, so
    each rate is raised to keep its share of all the route's requests as listed."""
    rules: dict[str, FaultRule] = {}
    taken: Counter[str] = Counter()
    for route, label, fault, share in FAULTS:
        rate = share / (1.0 - taken[route])
        rules[label] = server.inject(route, fault, rate=rate)
        taken[route] += share
    return rules


async def _generate_all(
    server: MockServer, tasks: int, out: Path
) -> tuple[list[VideoTask | BaseException], list[str]]:
    loop_errors: list[str] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda loop, context: loop_errors.append(str(context.get("message")))
    )
    limit = asyncio.Semaphore(CONCURRENCY)
    async with AsyncAnyAPI(
        api_key=server.api_key, base_url=server.base_url, timeout=CLIENT_TIMEOUT
    ) as client:

        async def one(n: int) -> VideoTask:
            async with limit:
                return await client.videos.generate(
                    f"soak clip {n}",
                    out=out,
                    timeout=WAIT_TIMEOUT,
                    poll_interval=POLL_INTERVAL,
                )

        outcomes = await asyncio.gather(*(one(n) for n in range(tasks)), return_exceptions=True)
    return outcomes, loop_errors


def run_soak(tasks: int, out: Path, *, seed: int = 7) -> SoakReport:
    """Generate `tasks` videos into the folder `out` through the faults; report what happened."""
    random.seed(seed)  # the client's jitter
    report = SoakReport(tasks=tasks)
    with MockServer(queue_seconds=0.1, processing_seconds=0.3, seed=seed) as server:
        rules = inject_faults(server)
        started = time.perf_counter()
        outcomes, report.loop_errors = asyncio.run(_generate_all(server, tasks, out))
        report.wall_seconds = time.perf_counter() - started
        expected_video = server.video.read()
        report.create_count = server.create_count
        report.requests = Counter(request.route for request in server.requests)
        report.faults = {label: rule.fired for label, rule in rules.items()}
        report.server_errors = server.internal_errors
    for outcome in outcomes:
        if isinstance(outcome, VideoTask) and outcome.succeeded:
            report.completed += 1
        elif isinstance(outcome, AnyAPIError) and isinstance(outcome, EXPECTED_ERRORS):
            report.errors[type(outcome).__name__] += 1
        else:
            report.unexpected.append(outcome)  # type: ignore[arg-type]
    for path in sorted(out.iterdir()):
        # Temp files are hidden ".NAME.XXXX.part" files beside the target.
        complete = path.suffix == ".mp4" and not path.name.startswith(".") and path.is_file()
        if complete and path.read_bytes() == expected_video:
            report.files += 1
        else:
            report.bad_files.append(path.name)
    return report
