"""Downloading a finished video safely: a temp file, resume, length checks, atomic rename.

`DownloadState` makes every decision (which Range to ask for, whether a response can be
appended, whether the body was complete) so that the sync and async loops stay thin.
"""

from __future__ import annotations

import enum
import errno
import logging
import os
import re
import secrets
import stat
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
"""`on_progress` of `download()`: called with the bytes written and the total (or None)."""

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.I)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# The file host answers these once the signed URL has expired.
EXPIRED_URL_STATUSES = (403, 404, 410)


def filename_for(task_id: str) -> str:
    """A portable file name for a task id (ids contain ':', which Windows refuses)."""
    return (_UNSAFE.sub("_", task_id).strip("._") or "video") + ".mp4"


def wants_folder(dest: str | os.PathLike[str]) -> bool:
    """A trailing slash says "a folder", even one that does not exist yet."""
    text = os.fspath(dest)
    return text.endswith(("/", os.sep) + ((os.altsep,) if os.altsep else ()))


class ProblemKind(enum.Enum):
    """Why a path cannot take the video."""

    EXISTS = "exists"
    """A regular file is there and overwriting was not asked for."""
    NOT_REGULAR = "not_regular"
    """A FIFO, device, socket...: never replaced, whatever the overwrite setting."""
    IS_FOLDER = "is_folder"
    UNDER_A_FILE = "under_a_file"
    """A parent of the path is a file (`notes.txt/out.mp4`)."""
    NOT_WRITABLE = "not_writable"
    """The folder (or the nearest existing parent, to be created in) is not writable."""


@attrs.frozen
class OutputProblem:
    """What is wrong with an output path; `path` is the file or folder at fault."""

    kind: ProblemKind
    path: Path
    #: For NOT_REGULAR: what is there instead ("a FIFO (named pipe)").
    what: str = ""

    def error(self) -> OSError:
        """The OSError the library raises for it (an errno a caller can match on)."""
        path = str(self.path)
        if self.kind is ProblemKind.EXISTS:
            return FileExistsError(
                errno.EEXIST, "file exists; pass overwrite=True to replace it", path
            )
        if self.kind is ProblemKind.NOT_REGULAR:
            return FileExistsError(
                errno.EEXIST,
                f"{self.what} is there, not a regular file; it is never replaced",
                path,
            )
        if self.kind is ProblemKind.IS_FOLDER:
            return IsADirectoryError(errno.EISDIR, "download target is a folder", path)
        if self.kind is ProblemKind.UNDER_A_FILE:
            return NotADirectoryError(
                errno.ENOTDIR, "is a file, so nothing can be saved under it", path
            )
        return PermissionError(errno.EACCES, "no permission to write in this folder", path)


_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind_of(mode: int) -> str:
    for test, name in _FILE_KINDS:
        if test(mode):
            return name
    return "something other than a file"


def _folder_problem(folder: Path) -> OutputProblem | None:
    """Can files be made in `folder` (created first if missing)?"""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return OutputProblem(ProblemKind.UNDER_A_FILE, existing)
    # W_OK: create the temp file; X_OK: reach into the folder. access() also says no on a
    # read-only file system, even to root.
    if not os.access(existing, os.W_OK | os.X_OK):
        return OutputProblem(ProblemKind.NOT_WRITABLE, existing)
    return None


def _file_problem(path: Path, *, overwrite: bool) -> OutputProblem | None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return OutputProblem(ProblemKind.UNDER_A_FILE, path.parent)
    if stat.S_ISDIR(mode):
        return OutputProblem(ProblemKind.IS_FOLDER, path)
    if not stat.S_ISREG(mode):
        # os.replace would swap a device node or a FIFO for our file: never do that.
        return OutputProblem(ProblemKind.NOT_REGULAR, path, _kind_of(mode))
    if not overwrite:
        return OutputProblem(ProblemKind.EXISTS, path)
    return None


def destination_problem(
    dest: str | os.PathLike[str], task_id: str | None, *, overwrite: bool
) -> tuple[Path | None, OutputProblem | None]:
    """The file `dest` names, and what stops the video being saved there (or None).

    `dest` is a file, or a folder to name the file in after the task: an existing folder, or
    any path ending in a slash. Without `task_id` (before create) a folder's file name is
    not known yet, so the path is None and only the folder is checked.
    """
    path = Path(dest).expanduser()
    if wants_folder(dest) or path.is_dir():
        problem = _file_problem(path, overwrite=True) if path.exists() else None
        if problem is not None and problem.kind is not ProblemKind.IS_FOLDER:
            # "videos/" names a folder, but a file or a FIFO is there.
            return None, OutputProblem(ProblemKind.UNDER_A_FILE, path)
        problem = _folder_problem(path)
        if problem is not None or task_id is None:
            return None, problem
        path = path / filename_for(task_id)
    else:
        problem = _folder_problem(path.parent)
        if problem is not None:
            return path, problem
    return path, _file_problem(path, overwrite=overwrite)


def resolve_destination(dest: str | os.PathLike[str], task_id: str, *, overwrite: bool) -> Path:
    """The file to write: `dest` itself, or a file named after the task inside folder `dest`."""
    path, problem = destination_problem(dest, task_id, overwrite=overwrite)
    if problem is not None:
        raise problem.error()
    assert path is not None  # a task id always gives a file name
    return path


def check_out(out: str | os.PathLike[str] | None, *, overwrite: bool = False) -> None:
    """Everything about `out` that can be checked before create spends money on it.

    A folder that does not exist yet is fine if it can be made; a file must be absent (or,
    with `overwrite`, a regular file) in a folder we may write in. Raises the OSError
    `download` would raise later.
    """
    if out is None:
        return
    _, problem = destination_problem(out, None, overwrite=overwrite)
    if problem is not None:
        raise problem.error()


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
            first, last = (int(match[1]), int(match[2])) if match else (-1, -1)
            if match is None or first != self.written or last < first:
                raise IncompleteDownload(
                    f"file host sent an unexpected range ({content_range!r}) "
                    f"for a download resumed at byte {self.written}"
                )
            if match.group(3) != "*":
                self.total = int(match.group(3))
            self.resumable = True
            # The range says how many bytes follow, even in a body sent without a length
            # ("bytes 40-99/*", chunked): more or fewer is a broken resume.
            if identity:
                length = last - first + 1
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
            if (expected is not None and self._received_from_response > expected) or (
                self.total is not None and self.written > self.total
            ):
                # Bytes that were never announced are on disk: resuming after them would
                # build on garbage, so the next try starts over.
                self.resumable = False
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
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        while True:
            temp = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
            try:
                # 0o666 less the umask, like any file the user saves (mkstemp: 0600).
                fd = os.open(temp, flags, 0o666)
            except FileExistsError:
                continue
            return os.fdopen(fd, "wb"), temp
    except OSError as exc:
        # Named after the folder: the temp file's random name would mean nothing to anyone.
        raise OSError(
            exc.errno, f"cannot create the file in this folder ({exc.strerror})", str(target.parent)
        ) from exc


def commit(file: BinaryIO, temp: Path, target: Path, *, overwrite: bool) -> None:
    """Make the finished temp file the target: flushed, fsync'd, renamed over it, durably.

    Blocking (fsync can take a second on a large file): async code runs it in a thread.
    """
    file.flush()
    os.fsync(file.fileno())
    file.close()
    problem = _file_problem(target, overwrite=overwrite)
    if problem is not None and problem.kind is ProblemKind.EXISTS:
        raise FileExistsError(errno.EEXIST, "file appeared during the download", str(target))
    if problem is not None:
        raise problem.error()
    os.replace(temp, target)
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    # On POSIX a file's name lives in its folder: until the folder is synced, a crash can
    # undo the rename, leaving no video (or the old one) after download() returned.
    if os.name == "nt":  # a folder cannot be opened there; NTFS journals the rename
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        # Some network and FUSE file systems refuse this; the file itself is complete.
        logger.debug("could not sync the folder %s: %s", folder, exc)


def discard(file: BinaryIO, temp: Path) -> None:
    """Close and delete the temp file whatever fails; called while an error is raised.

    Closing flushes, and on a full disk fails again: that second error is logged, not
    raised, so the caller's first error is the one reported, and the unlink always runs.
    """
    try:
        file.close()
    except Exception as exc:
        logger.debug("closing the temp file %s failed too: %s", temp, exc)
    finally:
        try:
            temp.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("could not remove the temp file %s: %s", temp, exc)


#: However much each try delivers, a download gives up after this many failed tries.
MAX_FAILED_TRIES = 100


@attrs.define
class RetryBudget:
    """Failed tries left for one download.

    `max_retries` failures in a row end it, but a try that got further into the file than
    any before starts the count again: a flaky link that delivers more each time gets the
    whole file. MAX_FAILED_TRIES failures in all end it regardless.
    """

    max_retries: int
    #: Failures since the download last got further; the backoff grows with it.
    attempt: int = 0
    failures: int = 0
    furthest: int = 0

    def failed(self, written: int) -> bool:
        """Count a failed try that left `written` bytes on disk; False: give up."""
        self.failures += 1
        if written > self.furthest:
            self.furthest = written
            self.attempt = 0
        self.attempt += 1
        return self.attempt <= self.max_retries and self.failures < max(
            MAX_FAILED_TRIES, self.max_retries + 1
        )


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
        "wait for it to finish first"
    )


def add_resume_note(exc: BaseException, task_id: str) -> None:
    if isinstance(exc, (APIConnectionError, APIStatusError)) and not exc.note:
        exc.note = f"task {task_id} is done; download it again with download({task_id!r}, ...)"
