"""Downloading a finished video safely: a temp file, resume, length checks, atomic rename.

`DownloadState` makes every decision (which Range to ask for, whether a response can be
appended, whether the body was complete) so that the sync and async loops stay thin.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import attrs

from ._exceptions import AnyAPIError, APIConnectionError, APIStatusError, VideoGenerationError

if TYPE_CHECKING:
    import httpx

    from ._models import VideoTask

logger = logging.getLogger("anyapi_sora")

DownloadProgress = Callable[[int, "int | None"], object]

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.I)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# The file host answers these once the signed URL has expired.
EXPIRED_URL_STATUSES = (403, 404, 410)


def filename_for(task_id: str) -> str:
    """A portable file name for a task id (ids contain ':', which Windows refuses)."""
    return (_UNSAFE.sub("_", task_id).strip("._") or "video") + ".mp4"


def resolve_destination(dest: str | os.PathLike[str], task_id: str, *, overwrite: bool) -> Path:
    """The file to write: `dest` itself, or a file named after the task inside folder `dest`."""
    path = Path(dest).expanduser()
    if path.is_dir() or str(dest).endswith(("/", os.sep)):
        path = path / filename_for(task_id)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "download target is a folder", str(path))
    if path.exists() and not overwrite:
        raise FileExistsError(
            errno.EEXIST, "file exists; pass overwrite=True to replace it", str(path)
        )
    return path


class IncompleteDownload(APIConnectionError):
    """The connection ended before the whole body arrived."""


@attrs.define
class DownloadState:
    """Bytes written so far, the expected total, and whether the host can resume."""

    task_id: str
    url: str
    on_progress: DownloadProgress | None = None
    written: int = 0
    total: int | None = None
    resumable: bool = False
    url_refreshed: bool = False
    _expected_from_response: int | None = None
    _received_from_response: int = 0

    def request_headers(self) -> dict[str, str]:
        # identity: the byte counts must match what lands on disk.
        headers = {"Accept-Encoding": "identity"}
        if self.written and self.resumable:
            headers["Range"] = f"bytes={self.written}-"
        return headers

    def is_expired_url(self, response: httpx.Response) -> bool:
        return response.status_code in EXPIRED_URL_STATUSES and not self.url_refreshed

    def start(self, response: httpx.Response, file: BinaryIO) -> None:
        """Check a 2xx response and position `file` to receive its body."""
        # The host may ignore our Accept-Encoding: identity. httpx then decodes the body, so
        # Content-Length and byte ranges count encoded bytes, not the ones we write.
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        identity = encoding in ("", "identity")
        length = _int_header(response, "content-length") if identity else None
        if response.status_code == 206:
            content_range = response.headers.get("content-range", "")
            match = _CONTENT_RANGE.match(content_range)
            if match is None or int(match.group(1)) != self.written:
                raise IncompleteDownload(
                    f"file host sent an unexpected range ({content_range!r}) "
                    f"for a download resumed at byte {self.written}"
                )
            if match.group(3) != "*":
                self.total = int(match.group(3))
            self.resumable = True
        else:
            # A 200 is the whole file again: start over.
            if self.written:
                logger.info("task %s: host cannot resume, restarting download", self.task_id)
            file.seek(0)
            file.truncate()
            self.written = 0
            self.total = length
            self.resumable = (
                identity and response.headers.get("accept-ranges", "").strip().lower() == "bytes"
            )
        self._expected_from_response = length
        self._received_from_response = 0

    def wrote(self, size: int) -> None:
        self.written += size
        self._received_from_response += size
        if self.on_progress is not None:
            self.on_progress(self.written, self.total)

    def finish(self) -> None:
        """Raise IncompleteDownload when the body was cut short."""
        expected = self._expected_from_response
        if (expected is not None and self._received_from_response != expected) or (
            self.total is not None and self.written != self.total
        ):
            raise IncompleteDownload(
                f"download of task {self.task_id} is not the size the host announced: "
                f"{self.written} of {self.total if self.total is not None else '?'} bytes"
            )


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def open_temp_beside(target: Path) -> tuple[BinaryIO, Path]:
    """A new temp file in the target's folder, so the final rename is atomic."""
    target.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
        try:
            # 0o666 less the umask, like any file the user saves (mkstemp would make it 0600).
            fd = os.open(temp, flags, 0o666)
        except FileExistsError:
            continue
        return os.fdopen(fd, "wb"), temp


def commit(file: BinaryIO, temp: Path, target: Path, *, overwrite: bool) -> None:
    file.flush()
    os.fsync(file.fileno())
    file.close()
    if not overwrite and target.exists():
        raise FileExistsError(errno.EEXIST, "file appeared during the download", str(target))
    os.replace(temp, target)


def discard(file: BinaryIO, temp: Path) -> None:
    file.close()
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()


def nothing_to_download(task: VideoTask) -> AnyAPIError:
    """The error for a task that has no video URL, saying why."""
    if task.failed:
        return VideoGenerationError(task)
    if task.succeeded:
        return AnyAPIError(
            f"task {task.id} is completed but the server sent no video URL; "
            "try the download again later"
        )
    return AnyAPIError(
        f"task {task.id} has no video to download yet (status: {task.status.value}); "
        "wait for it with wait() first"
    )


def add_resume_note(exc: BaseException, task_id: str) -> None:
    if isinstance(exc, (APIConnectionError, APIStatusError)) and not exc.note:
        exc.note = f"task {task_id} is done; download it again with download({task_id!r}, ...)"
