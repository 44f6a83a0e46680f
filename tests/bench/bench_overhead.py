"""Per-call overhead: `AnyAPI.videos.retrieve()` against `httpx.Client.get()` plus `.json()`.

Both sides query the same completed task on the same MockServer (in a process of its own),
N calls in a row, over keep-alive connections. Rounds alternate which side goes first; the
ratio is taken of the median per-call times. The client-side cost alone (no server,
`httpx.MockTransport`) is measured the same way and reported as a note: it is what the
library adds.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import httpx
from anyapi_sora import AnyAPI
from benchlib import RemoteServer, Row, median, spread

if TYPE_CHECKING:
    from collections.abc import Callable

QUERY = "/v1/video/query"


def per_call(call: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def alternate(
    wrapper: Callable[[], object], baseline: Callable[[], object], *, calls: int, rounds: int
) -> tuple[list[float], list[float]]:
    for _ in range(max(10, calls // 10)):  # warm up connections and caches
        wrapper()
        baseline()
    ours: list[float] = []
    theirs: list[float] = []
    for n in range(rounds):
        if n % 2:
            theirs.append(per_call(baseline, calls))
            ours.append(per_call(wrapper, calls))
        else:
            ours.append(per_call(wrapper, calls))
            theirs.append(per_call(baseline, calls))
    return ours, theirs


def client_side_only(task_id: str, *, calls: int, rounds: int) -> tuple[float, float]:
    """Median seconds per call with no network: what each side costs in this process."""
    body = json.dumps(
        {"id": task_id, "status": "completed", "progress": 100, "video_url": "https://f.test/v"}
    ).encode()

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    base = "http://127.0.0.1:9"
    with (
        httpx.Client(transport=httpx.MockTransport(answer)) as ours_http,
        httpx.Client(transport=httpx.MockTransport(answer), base_url=base) as raw,
        AnyAPI(api_key="sk-bench", base_url=base, http_client=ours_http) as client,
    ):
        headers = {"Authorization": "Bearer sk-bench"}
        ours, theirs = alternate(
            lambda: client.videos.retrieve(task_id),
            lambda: raw.get(QUERY, params={"id": task_id}, headers=headers).json(),
            calls=calls,
            rounds=rounds,
        )
    return median(ours), median(theirs)


def run(*, quick: bool = False) -> list[Row]:
    calls, rounds = (100, 5) if quick else (300, 15)
    with RemoteServer(queue_seconds=0, processing_seconds=0, max_recorded_requests=100) as server:
        with (
            AnyAPI(api_key=server.api_key, base_url=server.base_url) as client,
            httpx.Client(base_url=server.base_url) as raw,
        ):
            task_id = client.videos.create("a benchmark").id
            headers = {"Authorization": f"Bearer {server.api_key}"}

            def baseline() -> object:
                response = raw.get(QUERY, params={"id": task_id}, headers=headers)
                response.raise_for_status()
                return response.json()

            ours, theirs = alternate(
                lambda: client.videos.retrieve(task_id), baseline, calls=calls, rounds=rounds
            )
        assert server.stats().internal_errors == 0
    local_ours, local_theirs = client_side_only(task_id, calls=calls, rounds=rounds)
    ratio = median(ours) / median(theirs)
    per_round = [a / b for a, b in zip(ours, theirs, strict=True)]
    return [
        Row(
            name=f"1. retrieve() per call ({calls} x {rounds} rounds)",
            wrapper=f"{median(ours) * 1e6:.0f} us",
            baseline=f"{median(theirs) * 1e6:.0f} us",
            ratio=ratio,
            goal="<= 1.10",
            met=ratio <= 1.10,
            notes=[
                f"per-round ratios {spread(per_round)}",
                f"client side alone (httpx.MockTransport, no server): "
                f"{local_ours * 1e6:.0f} us vs {local_theirs * 1e6:.0f} us per call, "
                f"+{(local_ours - local_theirs) * 1e6:.0f} us added by the library",
            ],
        )
    ]


if __name__ == "__main__":
    from benchlib import render

    print(render(run()))
