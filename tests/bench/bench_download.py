"""Download: `videos.download()` against raw httpx streaming to disk, 64 MB and 256 MB.

The MockServer (in a process of its own) serves a generated video of the given size. Each
download runs in a fresh child process (`bench_download.py child ...`), so its peak RSS is
its own: the child resets its peak-RSS mark (Linux `/proc/self/clear_refs`), downloads,
and reports peak RSS minus the RSS it had before, together with the time taken.
Both sides first fetch the task (untimed), as `download()` needs its URL.

`download()` fsyncs the file before renaming it into place (a crash must not leave a
truncated video under the final name); a plain streaming loop does not. So a third side,
raw httpx plus one fsync at the end, shows how much of the difference is that fsync.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from benchlib import RemoteServer, Row, median, spread

MB = 1024 * 1024
RSS_GOAL_MB = 32
TMPFS = "/dev/shm"
THROUGHPUT_GOAL = 0.9


def _status_kb(field: str) -> int | None:
    """A `VmRSS`/`VmHWM` figure of this process in KiB, where /proc has it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")  # 5: reset the peak RSS (VmHWM) to the current RSS
    except OSError:
        return False
    return True


def _peak_kb() -> int:
    import resource

    peak = _status_kb("VmHWM")
    # ru_maxrss is KiB on Linux; it is the lifetime peak, so an upper bound of the growth.
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(side: str, base_url: str, api_key: str, task_id: str, dest: str) -> None:
    """One download in this (fresh) process; prints seconds, bytes and RSS growth as JSON."""
    if side == "library":
        from anyapi_sora import AnyAPI

        with AnyAPI(api_key=api_key, base_url=base_url) as client:
            task = client.videos.retrieve(task_id)
            before, exact = _status_kb("VmRSS") or _peak_kb(), _reset_peak()
            started = time.perf_counter()
            client.videos.download(task, dest)
            elapsed = time.perf_counter() - started
            peak = _peak_kb()
    else:
        headers = {"Authorization": f"Bearer {api_key}"}
        with httpx.Client() as http:
            query = http.get(f"{base_url}/v1/video/query", params={"id": task_id}, headers=headers)
            url = query.raise_for_status().json()["video_url"]
            before, exact = _status_kb("VmRSS") or _peak_kb(), _reset_peak()
            started = time.perf_counter()
            with http.stream("GET", url) as response, open(dest, "wb") as file:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    file.write(chunk)
                if side == "baseline+fsync":
                    file.flush()
                    os.fsync(file.fileno())
            elapsed = time.perf_counter() - started
            peak = _peak_kb()
    report = {
        "seconds": elapsed,
        "bytes": os.path.getsize(dest),
        "rss_growth_kb": peak - before,
        "exact_peak": exact,
    }
    print(json.dumps(report))


def one_download(
    side: str, server: RemoteServer, task_id: str, folder: Path
) -> dict[str, float | int | bool]:
    dest = folder / f"{side.replace('+', '-')}.mp4"
    command = [sys.executable, __file__, "child", side, server.base_url, server.api_key]
    try:
        output = subprocess.run(
            [*command, task_id, str(dest)],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        ).stdout
    finally:
        dest.unlink(missing_ok=True)
    result: dict[str, float | int | bool] = json.loads(output)
    return result


Result = dict[str, float | int | bool]
SIDES = ("library", "baseline", "baseline+fsync")


def measure(size: int, rounds: int, under: str | None = None) -> dict[str, list[Result]]:
    """Every side's results for `rounds` downloads of `size` bytes into a folder in `under`."""
    with (
        RemoteServer(queue_seconds=0, processing_seconds=0, large_video_bytes=size) as server,
        tempfile.TemporaryDirectory(prefix="anyapi-bench-", dir=under) as folder,
    ):
        with httpx.Client(headers={"Authorization": f"Bearer {server.api_key}"}) as http:
            body = {"prompt": "a long take", "model": "sora-2", "orientation": "portrait"}
            body |= {"size": "small", "duration": 10, "images": [], "watermark": True}
            created = http.post(f"{server.base_url}/v1/video/create", json={**body})
            task_id = created.raise_for_status().json()["id"]
        results: dict[str, list[Result]] = {side: [] for side in SIDES}
        for n in range(rounds):
            # Rotate the order, so no side always follows the same one.
            for side in SIDES[n % 3 :] + SIDES[: n % 3]:
                result = one_download(side, server, task_id, Path(folder))
                if result["bytes"] != size:
                    raise AssertionError(f"{side} saved {result['bytes']} of {size} bytes")
                results[side].append(result)
        assert server.stats().internal_errors == 0
    return results


def run(*, quick: bool = False) -> list[Row]:
    sizes, rounds = ((16 * MB, 64 * MB), 2) if quick else ((64 * MB, 256 * MB), 5)
    rows = []
    for size in sizes:
        results = measure(size, rounds)
        speed = {side: [size / MB / float(r["seconds"]) for r in results[side]] for side in SIDES}
        ours, theirs, synced = (median(speed[side]) for side in SIDES)
        growth_ours = max(int(r["rss_growth_kb"]) for r in results["library"]) / 1024
        growth_theirs = max(int(r["rss_growth_kb"]) for r in results["baseline"]) / 1024
        exact = all(r["exact_peak"] for side in SIDES for r in results[side])
        label = f"{size // MB} MB"
        rows.append(
            Row(
                name=f"3. download {label}: throughput ({rounds} rounds)",
                wrapper=f"{ours:.0f} MB/s",
                baseline=f"{theirs:.0f} MB/s",
                ratio=ours / theirs,
                goal=f">= {THROUGHPUT_GOAL}",
                met=ours / theirs >= THROUGHPUT_GOAL,
                notes=[
                    f"{label}: MB/s library {spread(speed['library'])}, "
                    f"raw {spread(speed['baseline'])}, "
                    f"raw+fsync {spread(speed['baseline+fsync'])}",
                ],
            )
        )
        rows.append(
            Row(
                name=f"3. download {label}: vs raw + fsync",
                wrapper=f"{ours:.0f} MB/s",
                baseline=f"{synced:.0f} MB/s",
                ratio=ours / synced,
                goal="(like for like)",
                met=None,
            )
        )
        rows.append(
            Row(
                name=f"3. download {label}: peak RSS growth",
                wrapper=f"{growth_ours:.1f} MB",
                baseline=f"{growth_theirs:.1f} MB",
                ratio=None,
                goal=f"<= {RSS_GOAL_MB} MB",
                met=growth_ours <= RSS_GOAL_MB,
                notes=[]
                if exact
                else [f"{label}: peak RSS could not be reset; growth is an upper bound"],
            )
        )
    if os.access(TMPFS, os.W_OK):
        size = sizes[-1]
        results = measure(size, rounds, TMPFS)
        ours, theirs, _ = (
            median([size / MB / float(r["seconds"]) for r in results[side]]) for side in SIDES
        )
        rows.append(
            Row(
                name=f"3. download {size // MB} MB to tmpfs (no disk)",
                wrapper=f"{ours:.0f} MB/s",
                baseline=f"{theirs:.0f} MB/s",
                ratio=ours / theirs,
                goal="(CPU only)",
                met=None,
                notes=[
                    f"tmpfs ({TMPFS}): no disk and a free fsync, so this compares only what "
                    "each side does per byte"
                ],
            )
        )
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(*sys.argv[2:7])
    else:
        from benchlib import render

        print(render(run()))
