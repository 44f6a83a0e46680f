"""`anyapi-sora batch`: many prompts, bounded concurrency, and a journal that survives crashes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from rich.table import Table

from .._exceptions import (
    AnyAPIError,
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InvalidParameterError,
    PermissionDeniedError,
    VideoGenerationError,
    WaitTimeoutError,
)
from .._retry import was_not_sent
from ._async_run import run as run_async
from ._exit_codes import FAILED, INTERRUPTED, OK, TIMEOUT, UsageProblem
from ._gallery import PUBLIC_FILE_MODE, write_gallery
from ._interrupts import WAITING_MESSAGE
from ._journal import Journal, Record, State
from ._progress import BatchProgress
from ._session import MOCK_ORIGIN, PROG_NAME

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._client import AsyncAnyAPI
    from .._models import VideoTask
    from ._batch_input import BatchEntry
    from ._session import Session

logger = logging.getLogger("anyapi_sora")

THUMBNAIL_FOLDER = "thumbnails"
_THUMBNAIL_SUFFIXES = frozenset({".webp", ".jpg", ".jpeg", ".png", ".gif"})
_PROMPT_WIDTH = 48


def certainly_not_created(exc: BaseException) -> bool:
    """True when a failed create cannot have made (and billed) a task."""
    if isinstance(exc, InvalidParameterError):
        return True
    if isinstance(exc, APIStatusError):
        # 4xx: refused (bad input, key, quota, rate limit). 5xx may have started a task.
        return exc.status_code < 500
    return isinstance(exc, APIConnectionError) and was_not_sent(exc)


def shown_state(record: Record, folder: Path) -> str:
    """The state shown to people (table, JSON, gallery) for a prompt's record."""
    if record.state is State.DOWNLOADED:
        return "downloaded" if record.path and (folder / record.path).is_file() else "completed"
    return {
        State.NEW: "pending",
        State.CREATING: "unknown",
        State.NOT_CREATED: "not_created",
        State.CREATED: "running",
        State.COMPLETED: "completed",
        State.FAILED: "failed",
    }[record.state]


def _short(text: str, width: int = _PROMPT_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class BatchRunner:
    """Runs the prompts of one batch file into one folder, resuming from its journal."""

    def __init__(
        self,
        session: Session,
        journal: Journal,
        entries: list[BatchEntry],
        defaults: Mapping[str, Any],
        *,
        source: str,
        concurrency: int,
        timeout: float,
        poll_interval: float | None,
        resubmit_unknown: bool,
        retry_failed: bool,
    ) -> None:
        self.session = session
        self.reporter = session.reporter
        self.journal = journal
        self.folder = journal.folder
        self.entries = entries
        self.defaults = defaults
        self.source = source
        self.concurrency = concurrency
        self.timeout = timeout
        self.poll_interval = session.default_poll_interval(poll_interval)
        self.resubmit_unknown = resubmit_unknown
        self.retry_failed = retry_failed
        self._stop_creating: BaseException | None = None
        self._timed_out: set[str] = set()
        self._thumbnails: httpx.AsyncClient | None = None
        #: Where this run makes tasks (scheme://host:port, or "mock"); set by `run`.
        self.origin = ""
        self._base_url: str | None = None

    # Deciding what to do

    def _file_of(self, entry: BatchEntry) -> str:
        return self.journal.record(entry.key).file or entry.out or entry.default_file_name()

    def _has_video(self, record: Record) -> bool:
        return bool(record.path) and (self.folder / str(record.path)).is_file()

    def _needs_work(self, entry: BatchEntry) -> bool:
        record = self.journal.record(entry.key)
        if record.state is State.CREATING:
            return self.resubmit_unknown
        if record.state is State.FAILED:
            return self.retry_failed
        if record.state is State.DOWNLOADED:
            return not self._has_video(record)
        return True

    def _should_create(self, record: Record) -> bool:
        return (
            record.state in (State.NEW, State.NOT_CREATED)
            or (record.state is State.CREATING and self.resubmit_unknown)
            or (record.state is State.FAILED and self.retry_failed)
        )

    # Running

    def _check_origin(self) -> None:
        """Refuse to ask one gateway about tasks another one made (and billed).

        It would answer task_not_exist, and the tasks would look lost. Old journals
        (no origin recorded) are accepted.
        """
        elsewhere: dict[str, Record] = {}
        for entry in self.entries:
            record = self.journal.record(entry.key)
            if not record.origin or record.origin == self.origin:
                continue
            outstanding = record.state in (State.CREATING, State.CREATED, State.COMPLETED) or (
                record.state is State.DOWNLOADED and not self._has_video(record)
            )
            if outstanding:
                elsewhere.setdefault(record.origin, record)
        if not elsewhere:
            return
        origin, record = sorted(elsewhere.items())[0]
        others = f" (and {', '.join(sorted(elsewhere)[1:])})" if len(elsewhere) > 1 else ""
        here = "the in-process mock server (--mock)" if self.session.mock else self.origin
        args = ["batch", self.source, "--out-dir", str(self.folder)]
        if origin == MOCK_ORIGIN:
            where = "the in-process mock server (--mock)"
            advice = "Rerun with --mock"
            hint = shlex.join([PROG_NAME, *args, "--mock"])
        else:
            where = origin
            base_url = record.base_url or origin
            advice = f"Rerun against the gateway that made them, with --base-url {base_url}"
            hint = shlex.join([PROG_NAME, "--base-url", base_url, *args])
        raise UsageProblem(
            f"{self.journal.path} has tasks made on {where}{others}, but this run uses {here}, "
            f"which cannot know them. Nothing was changed. {advice}:\n  {hint}"
        )

    def run(self) -> int:
        self.origin = self.session.origin()
        self._base_url = None if self.session.mock else self.session.base_url()
        self._check_origin()
        self._remove_stale_temp_files()
        todo = [entry for entry in self.entries if self._needs_work(entry)]
        self._announce(todo)
        interrupted = False
        try:
            if todo:
                # Made here so that a missing key is a usage error before anything starts.
                client = self.session.async_client()
                run_async(self._run_all(client, todo))
        except KeyboardInterrupt:
            interrupted = True
        rows = [(self.journal.record(e.key), e) for e in self.entries]
        gallery = write_gallery(
            self.folder,
            [
                (record, shown_state(record, self.folder), entry.prompt, entry.line)
                for record, entry in rows
            ],
            title=f"anyapi-sora batch: {self.source}",
        )
        self._summarize(rows, gallery, interrupted=interrupted)
        if interrupted:
            self.reporter.warn(
                "Interrupted. Every task created so far is in the journal; resume with:  "
                + self._resume_command()
            )
            return INTERRUPTED
        return self._exit_code(rows)

    async def _run_all(self, client: AsyncAnyAPI, todo: list[BatchEntry]) -> None:
        limit = asyncio.Semaphore(self.concurrency)
        already = len(self.entries) - len(todo)
        async with client, httpx.AsyncClient(timeout=30.0, follow_redirects=True) as thumbnails:
            self._thumbnails = thumbnails
            with BatchProgress(self.reporter, total=len(self.entries), done=already) as progress:

                async def one(entry: BatchEntry) -> None:
                    async with limit:
                        try:
                            await self._process(entry, client, progress)
                        except Exception as exc:  # a bug must not sink the other prompts
                            logger.exception("%s: unexpected error", entry.label)
                            self.journal.append(
                                "wait_failed", entry.key, reason=f"unexpected error: {exc!r}"
                            )
                        finally:
                            progress.finish(entry.key)

                await asyncio.gather(*(one(entry) for entry in todo))

    async def _process(
        self, entry: BatchEntry, client: AsyncAnyAPI, progress: BatchProgress
    ) -> None:
        record = self.journal.record(entry.key)
        label = f"{entry.label} {_short(entry.prompt, 30)!r}"
        task: VideoTask | None = None
        if self._should_create(record):
            if self._stop_creating is not None:
                return
            task = await self._create(entry, client, progress, label)
            if task is None:
                return
        if record.state is State.CREATED:
            task = await self._wait(entry, record, task, client, progress, label)
            if task is None:
                return
        if record.state in (State.COMPLETED, State.DOWNLOADED):
            await self._download(entry, record, task, client, progress, label)

    async def _create(
        self, entry: BatchEntry, client: AsyncAnyAPI, progress: BatchProgress, label: str
    ) -> VideoTask | None:
        kwargs = entry.create_kwargs(self.defaults)
        # On disk BEFORE the request: if we die during it, the rerun knows to ask.
        self.journal.append(
            "creating",
            entry.key,
            line=entry.line,
            prompt=entry.prompt,
            file=self._file_of(entry),
            options=kwargs,
            origin=self.origin,
            base_url=self._base_url,
        )
        progress.update(entry.key, label, "creating", None)
        request = asyncio.ensure_future(client.videos.create(entry.prompt, **kwargs))
        interrupted = False
        try:
            await asyncio.shield(request)
        except asyncio.CancelledError:
            # Ctrl-C: the gateway may already be making (and billing) this task. Wait for
            # its answer so the id lands in the journal; a second Ctrl-C stops at once.
            interrupted = True
            progress.event(label, WAITING_MESSAGE, style="yellow")
            await asyncio.wait([request])
        except Exception:
            pass  # the outcome is read from `request` below
        task = self._record_create(entry, request, progress, label)
        if interrupted:
            raise asyncio.CancelledError
        return task

    def _record_create(
        self,
        entry: BatchEntry,
        request: asyncio.Future[VideoTask],
        progress: BatchProgress,
        label: str,
    ) -> VideoTask | None:
        exc = request.exception()
        if exc is None:
            task = request.result()
            self.journal.append(
                "created", entry.key, task_id=task.id, origin=self.origin, base_url=self._base_url
            )
            progress.event(label, f"created {task.id}")
            return task
        reason = self.session.options.redact(str(exc))
        if certainly_not_created(exc):
            self.journal.append("create_failed", entry.key, reason=reason)
            if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
                # Every other create would be refused the same way.
                self._stop_creating = exc
        elif isinstance(exc, Exception):
            self.journal.append("create_unknown", entry.key, reason=reason)
        else:
            raise exc
        progress.event(label, f"create failed: {reason}", style="red")
        return None

    async def _wait(
        self,
        entry: BatchEntry,
        record: Record,
        task: VideoTask | None,
        client: AsyncAnyAPI,
        progress: BatchProgress,
        label: str,
    ) -> VideoTask | None:
        task_id = str(record.task_id)

        def on_progress(update: VideoTask) -> None:
            progress.update(entry.key, label, update.status.value, update.progress)

        progress.update(entry.key, label, "waiting", None)
        try:
            done = await client.videos.wait(
                task or task_id,
                timeout=self.timeout,
                poll_interval=self.poll_interval,
                on_progress=on_progress,
            )
        except VideoGenerationError as exc:
            reason = exc.reason or str(exc)
            self.journal.append("failed", entry.key, task_id=task_id, reason=reason)
            progress.event(label, f"failed: {reason}", style="red")
            return None
        except WaitTimeoutError as exc:
            self._timed_out.add(entry.key)
            self.journal.append("wait_failed", entry.key, reason=str(exc))
            progress.event(label, f"still running after {self.timeout:g}s", style="yellow")
            return None
        except AnyAPIError as exc:
            reason = self.session.options.redact(str(exc))
            if isinstance(exc, BadRequestError) and exc.code == "task_not_exist":
                if self.session.mock and record.origin == MOCK_ORIGIN:
                    # Made by an earlier run's in-process mock, which is gone for good.
                    reason = "made on an earlier run's in-process mock server, now gone"
                    self.journal.append("failed", entry.key, task_id=task_id, reason=reason)
                    progress.event(label, f"failed: {reason}", style="red")
                    return None
                # Not proof the task is gone: it may live on another gateway (a changed
                # --base-url). It was paid for, so it stays to be waited for on a rerun.
                reason = (
                    f"the gateway at {self.origin} does not know task {task_id}; if it was "
                    "made on another gateway, rerun with that --base-url"
                )
            self.journal.append("wait_failed", entry.key, reason=reason)
            progress.event(label, f"waiting failed: {reason}", style="red")
            return None
        self.journal.append(
            "completed",
            entry.key,
            task_id=done.id,
            video_url=done.video_url,
            thumbnail_url=done.thumbnail_url,
        )
        return done

    async def _download(
        self,
        entry: BatchEntry,
        record: Record,
        task: VideoTask | None,
        client: AsyncAnyAPI,
        progress: BatchProgress,
        label: str,
    ) -> None:
        file = self._file_of(entry)
        target = self.folder / file

        def on_bytes(done: int, total: int | None) -> None:
            percent = done * 100 / total if total else None
            progress.update(entry.key, label, "downloading", percent)

        progress.update(entry.key, label, "downloading", None)
        try:
            if task is None or not task.succeeded:
                # Signed URLs expire: ask for fresh ones (the thumbnail's too).
                task = await client.videos.retrieve(str(record.task_id))
            # Ours by the journal's word: a file left there by a crashed run is replaced.
            await client.videos.download(task, target, overwrite=True, on_progress=on_bytes)
        except (AnyAPIError, OSError) as exc:
            reason = self.session.options.redact(str(exc))
            self.journal.append("download_failed", entry.key, reason=reason)
            progress.event(label, f"download failed: {reason}", style="red")
            return
        thumbnail = await self._fetch_thumbnail(task, file)
        self.journal.append(
            "downloaded",
            entry.key,
            task_id=task.id,
            path=file,
            bytes=target.stat().st_size,
            thumbnail=thumbnail,
        )
        progress.event(label, f"saved {target}", style="green")

    async def _fetch_thumbnail(self, task: VideoTask, file: str) -> str | None:
        """Save the thumbnail next to the videos; None (the gallery links the URL) on failure."""
        url = task.thumbnail_url
        if not url or self._thumbnails is None:
            return None
        suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
        if suffix not in _THUMBNAIL_SUFFIXES:
            suffix = ".jpg"
        relative = PurePosixPath(THUMBNAIL_FOLDER) / PurePosixPath(file).with_suffix(suffix)
        target = self.folder / relative
        try:
            response = await self._thumbnails.get(url)
            response.raise_for_status()
            _write_atomically(target, response.content)
        except (httpx.HTTPError, OSError) as exc:
            logger.warning("task %s: could not save the thumbnail (%s)", task.id, exc)
            return None
        return str(relative)

    # Reporting

    def _announce(self, todo: list[BatchEntry]) -> None:
        journal = self.journal
        if journal.skipped:
            self.reporter.warn(f"{journal.path}: skipped unreadable line(s) {journal.skipped[:10]}")
        records = [journal.record(entry.key) for entry in self.entries]
        done = sum(1 for record in records if self._has_video(record))
        started = sum(
            1
            for record in records
            if record.task_id and record.state is not State.FAILED and not self._has_video(record)
        )
        if done or started:
            self.reporter.info(
                f"resuming from {journal.path}: {done} downloaded, "
                f"{started} with a task to finish, {len(todo)} to do"
            )
        unknown = [e for e in self.entries if journal.record(e.key).outcome_unknown]
        if unknown:
            self._list_unknown(unknown, resubmitting=self.resubmit_unknown)

    def _list_unknown(self, unknown: list[BatchEntry], *, resubmitting: bool) -> None:
        self.reporter.warn(
            f"{len(unknown)} prompt(s) have an unknown create outcome: an earlier run stopped "
            "during the create request, so a task may exist and be billed."
        )
        for entry in unknown:
            self.reporter.warn(f"  {entry.label}: {_short(entry.prompt, 70)}")
        if resubmitting:
            self.reporter.warn("Creating them again (--resubmit-unknown).")
        else:
            self.reporter.warn(
                "Check your gateway's task list; rerun with --resubmit-unknown to create them "
                "again."
            )

    def _summarize(
        self, rows: list[tuple[Record, BatchEntry]], gallery: Path, *, interrupted: bool
    ) -> None:
        if self.session.as_json:
            for record, entry in rows:
                self.session.emit(self._row_json(record, entry))
        table = Table(title="anyapi-sora batch", title_justify="left")
        for column in ("line", "state", "prompt", "task", "file / reason"):
            table.add_column(column, overflow="fold")
        counts: dict[str, int] = {}
        for record, entry in rows:
            state = shown_state(record, self.folder)
            counts[state] = counts.get(state, 0) + 1
            detail = (
                record.path
                if state == "downloaded"
                else (record.failure_reason or record.error or "")
            )
            table.add_row(
                str(entry.line),
                state,
                _short(entry.prompt),
                record.task_id or "",
                self.session.options.redact(detail or ""),
            )
        console = self.reporter.console
        console.print(table)
        totals = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
        self.reporter.info(f"{totals}. Gallery: {gallery}")
        if self._stop_creating is not None:
            self.reporter.error(f"stopped creating tasks: {self._stop_creating}")
        unknown = [e for r, e in rows if r.outcome_unknown]
        if unknown and not self.resubmit_unknown:
            self._list_unknown(unknown, resubmitting=False)
        unfinished = any(
            shown_state(r, self.folder) not in ("downloaded", "failed") for r, _ in rows
        )
        if unfinished and not interrupted:
            self.reporter.info(f"Rerun to finish:  {self._resume_command()}")

    def _row_json(self, record: Record, entry: BatchEntry) -> dict[str, Any]:
        path = self.folder / record.path if record.path else None
        return {
            "line": entry.line,
            "key": entry.key,
            "prompt": entry.prompt,
            "state": shown_state(record, self.folder),
            "task_id": record.task_id,
            "path": str(path.resolve()) if path is not None else None,
            "thumbnail": record.thumbnail,
            "failure_reason": record.failure_reason,
            "error": record.error,
        }

    def _resume_command(self) -> str:
        return self.session.resume_command("batch", self.source, "--out-dir", str(self.folder))

    def _exit_code(self, rows: list[tuple[Record, BatchEntry]]) -> int:
        unfinished = [
            entry.key for record, entry in rows if shown_state(record, self.folder) != "downloaded"
        ]
        if not unfinished:
            return OK
        if all(key in self._timed_out for key in unfinished):
            return TIMEOUT
        return FAILED

    def _remove_stale_temp_files(self) -> None:
        # Left by a run that was killed mid-download; we hold the folder's lock, so no
        # other batch is writing them.
        for temp in self.folder.rglob(".*.part"):
            with contextlib.suppress(OSError):
                temp.unlink()


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(temp, PUBLIC_FILE_MODE)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
