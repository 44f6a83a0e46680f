"""The batch journal: an append-only, fsync'd JSON Lines file in the output folder.

Every change of a prompt's state is one line, written and fsync'd before the batch acts
on it. In particular "creating" is on disk before the create request is sent, so after a
crash a prompt is in one of three places:

- it has a task id: never create it again, just wait for it and download it;
- it has "creating" but no task id: the process died during the request, and whether a
  (billed) task exists is unknown. Such prompts are listed, and created again only when
  asked to (--resubmit-unknown);
- it has nothing, or a create that certainly made no task: create it.

One line looks like:
    {"v": 1, "ts": "2025-01-01T12:00:00Z", "event": "created", "key": "3f2a...", "task_id": "..."}

Events: creating (line, prompt, file, options, origin, base_url), created (task_id, origin,
base_url), create_failed (reason; no task was made), create_unknown (reason; a task may
exist), create_again (reason: the run was asked to create this prompt again, with
--retry-failed or --resubmit-unknown; a rerun finishes that), completed (video_url,
thumbnail_url), failed (reason), wait_failed (reason; the task runs on), downloaded (path,
bytes, thumbnail), download_failed (reason). A torn last line (a crash mid-write) is
ignored. "origin" (scheme://host:port of the gateway, or "mock") says where a task lives: a
rerun against another gateway is refused rather than asking it about tasks it never made.

One more event is about the whole batch, with an empty key: settings (settings: the options
the batch runs with; see _batch_settings). The last one wins. Journals written before it
existed have none, and are read as before.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

from ._exit_codes import UsageProblem

if TYPE_CHECKING:
    from pathlib import Path

    from filelock import BaseFileLock

JOURNAL_NAME = "journal.jsonl"
#: Held by the batch that has the folder; never deleted on POSIX, so that every batch
#: locks the same file (see filelock).
LOCK_NAME = ".journal.lock"
FORMAT_VERSION = 1
#: The key of events about the whole batch rather than one prompt.
BATCH_KEY = ""


class State(str, enum.Enum):
    """Where one prompt of the batch stands."""

    NEW = "new"
    CREATING = "creating"
    NOT_CREATED = "not_created"
    CREATED = "created"
    COMPLETED = "completed"
    DOWNLOADED = "downloaded"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


@attrs.define
class Record:
    """Everything the journal says about one prompt, folded from its events."""

    key: str
    line: int | None = None
    prompt: str | None = None
    file: str | None = None
    state: State = State.NEW
    task_id: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    thumbnail: str | None = None
    path: str | None = None
    failure_reason: str | None = None
    #: The last problem that did not change the state (a wait or download that failed).
    error: str | None = None
    attempts: int = 0
    #: Where the task was (or is being) made: scheme://host:port, or "mock". None in
    #: journals written before origins were recorded.
    origin: str | None = None
    #: The base URL the task was made on (for the hint that points a rerun back at it).
    base_url: str | None = None
    #: A run was asked to create this prompt again and has not started the create yet.
    create_again: bool = False

    @property
    def outcome_unknown(self) -> bool:
        """The process died during the create request: a task may or may not exist."""
        return self.state is State.CREATING

    def apply(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "creating":
            self.state = State.CREATING
            self.create_again = False
            self.attempts += 1
            self.task_id = self.video_url = self.thumbnail_url = None
            self.failure_reason = self.error = self.path = self.thumbnail = None
            self.line = _int(event.get("line"), self.line)
            self.prompt = _str(event.get("prompt")) or self.prompt
            self.file = _str(event.get("file")) or self.file
            self.origin = _str(event.get("origin"))
            self.base_url = _str(event.get("base_url"))
        elif kind == "created":
            self.state = State.CREATED
            self.task_id = _str(event.get("task_id"))
            self.origin = _str(event.get("origin")) or self.origin
            self.base_url = _str(event.get("base_url")) or self.base_url
            self.error = None
        elif kind == "create_failed":
            self.state = State.NOT_CREATED
            self.error = _str(event.get("reason"))
        elif kind == "create_unknown":
            self.error = _str(event.get("reason"))
        elif kind == "completed":
            self.state = State.COMPLETED
            self.video_url = _str(event.get("video_url"))
            self.thumbnail_url = _str(event.get("thumbnail_url"))
            self.error = None
        elif kind == "failed":
            self.state = State.FAILED
            self.failure_reason = _str(event.get("reason"))
        elif kind == "downloaded":
            self.state = State.DOWNLOADED
            self.path = _str(event.get("path"))
            self.thumbnail = _str(event.get("thumbnail"))
            self.error = None
        elif kind in ("wait_failed", "download_failed"):
            self.error = _str(event.get("reason"))
        elif kind == "create_again":
            self.create_again = True
        # Other events come from a newer version: ignored, so old and new can share a folder.


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _lock_folder(folder: Path) -> BaseFileLock:
    """One batch per folder at a time: two would both create (and bill) the same prompts.

    The lock is filelock's (flock on POSIX, msvcrt.locking on Windows) on a file of its own:
    a lock on the journal itself would be mandatory on Windows and stop its own reads. The
    OS lets go of it when the process ends, so a crashed batch never leaves the folder locked.
    """
    try:
        # Here rather than at the top: only `batch` needs it, so other commands start faster.
        from filelock import FileLock, Timeout
    except ImportError:
        raise UsageProblem(
            "anyapi-sora batch needs filelock, part of the cli extra: "
            "pip install 'anyapi-sora[cli]'"
        ) from None
    lock = FileLock(folder / LOCK_NAME, timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise UsageProblem(
            f"another anyapi-sora batch is running in {folder}; wait for it or stop it first"
        ) from None
    return lock


def _fsync_folder(folder: Path) -> None:
    # A new file's name is only durable once its folder is synced (POSIX).
    if sys.platform == "win32":  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The journal of one output folder, opened (and locked) for appending."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / JOURNAL_NAME
        self.records: dict[str, Record] = {}
        #: The batch's recorded settings (the last "settings" event), or None.
        self.settings: dict[str, Any] | None = None
        #: Lines that could not be read (besides a torn last line): shown to the user.
        self.skipped: list[int] = []
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_folder(folder)
        try:
            existed = self.path.exists()
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except BaseException:
            self._lock.release()
            raise
        try:
            if not existed:
                _fsync_folder(folder)
            self._needs_newline = self._load()
        except BaseException:
            self.close()
            raise

    def _load(self) -> bool:
        """Fold the existing lines; True when the file ends in a torn line."""
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        torn = bool(lines and lines[-1])
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
                if not isinstance(event, dict) or not isinstance(event.get("key"), str):
                    raise ValueError("not a journal event")
            except ValueError:
                if not (torn and number == len(lines)):
                    self.skipped.append(number)
                continue
            self._fold(event)
        return torn

    def _fold(self, event: dict[str, Any]) -> None:
        key = event["key"]
        if key == BATCH_KEY:
            if event.get("event") == "settings" and isinstance(event.get("settings"), dict):
                self.settings = dict(event["settings"])
            return
        record = self.records.get(key)
        if record is None:
            record = self.records[key] = Record(key)
        record.apply(event)

    def record(self, key: str) -> Record:
        if key not in self.records:
            self.records[key] = Record(key)
        return self.records[key]

    def append(self, event: str, key: str, **fields: Any) -> Record:
        """Write one event durably (fsync'd), then apply it; returns the prompt's record."""
        self._write(event, key, fields)
        return self.record(key)

    def append_batch(self, event: str, **fields: Any) -> None:
        """Write an event about the whole batch (such as its settings)."""
        self._write(event, BATCH_KEY, fields)

    def _write(self, event: str, key: str, fields: dict[str, Any]) -> None:
        data: dict[str, Any] = {"v": FORMAT_VERSION, "ts": _now(), "event": event, "key": key}
        data.update({name: value for name, value in fields.items() if value is not None})
        line = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        payload = line.encode()
        if self._needs_newline:
            # The last run died mid-line: end that line so this event stands alone.
            payload = b"\n" + payload
            self._needs_newline = False
        view = memoryview(payload)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self._fold(data)

    def close(self) -> None:
        """Close the journal, then let the next batch have the folder."""
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._lock.release()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
