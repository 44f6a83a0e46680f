"""What the commands print: JSON objects for --json, short text for people."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from .._models import VideoTask


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def task_json(task: VideoTask, *, path: Path | None = None) -> dict[str, Any]:
    """The JSON object describing a task (and where its video was saved, if it was)."""
    data: dict[str, Any] = {
        "id": task.id,
        "status": task.status.value,
        "progress": task.progress,
        "video_url": task.video_url,
        "thumbnail_url": task.thumbnail_url,
        "enhanced_prompt": task.enhanced_prompt,
        "failure_reason": task.failure_reason,
        "width": task.width,
        "height": task.height,
        "model": task.model,
        "updated_at": _iso(task.updated_at),
    }
    if path is not None:
        data["path"] = str(path)
    return data


def error_json(
    exc: BaseException,
    message: str,
    exit_code: int,
    *,
    task_id: str | None = None,
    task: VideoTask | None = None,
) -> dict[str, Any]:
    """The JSON object a command prints instead of its result when it fails."""
    return {
        "error": {"type": error_type(exc), "message": message, "exit_code": exit_code},
        "id": task_id if task_id is not None else (task.id if task is not None else None),
        "task": task_json(task) if task is not None else None,
    }


def error_type(exc: BaseException) -> str:
    """The error's name for JSON: the library's class name, or a generic one for ours."""
    import click

    from ._exit_codes import CommandError, UsageProblem

    if isinstance(exc, (UsageProblem, click.UsageError)):
        return "UsageError"
    if isinstance(exc, CommandError):
        return "CommandError"
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted"
    return type(exc).__name__


def print_json(data: object) -> None:
    """One JSON document on one line of stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, separators=(", ", ": ")) + "\n")
    sys.stdout.flush()


def print_text(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def describe_status(task: VideoTask) -> str:
    """The status with its percentage while running, such as "processing 45%"."""
    text = task.status.value
    if task.progress is not None and not task.done:
        text += f" {task.progress:.0f}%"
    return text


def task_text(task: VideoTask) -> str:
    """The `status` command's human output."""
    rows: list[tuple[str, str | None]] = [
        ("id", task.id),
        ("status", describe_status(task)),
        ("model", task.model),
        (
            "size",
            f"{task.width}x{task.height}" if task.width and task.height else None,
        ),
        ("video_url", task.video_url),
        ("thumbnail_url", task.thumbnail_url),
        ("failure_reason", task.failure_reason),
        ("updated_at", _iso(task.updated_at)),
    ]
    return "\n".join(f"{name + ':':<15} {value}" for name, value in rows if value is not None)
