"""`anyapi-sora batch`: many prompts, bounded concurrency, and a journal that survives crashes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import httpx

from .._exceptions import (
    AnyAPIError,
    AuthenticationError,
    BadRequestError,
    PermissionDeniedError,
    VideoGenerationError,
    WaitTimeoutError,
)
from ._async_run import run as run_async
from ._batch_breaker import CreateBreaker
from ._batch_files import fetch_thumbnail, remove_stale_temp_files
from ._batch_report import announce, short, shown_state, summarize
from ._batch_settings import check_origin, create_defaults
from ._exit_codes import FAILED, INTERRUPTED, OK, TIMEOUT
from ._gallery import write_gallery
from ._interrupts import WAITING_MESSAGE, terminated
from ._journal import Journal, Record, State
from ._messages import certainly_not_created
from ._progress import BatchProgress
from ._session import MOCK_ORIGIN

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from .._client import AsyncAnyAPI
    from .._models import VideoTask
    from .._pacer import Pacer
    from ._batch_input import BatchEntry
    from ._session import Session

logger = logging.getLogger("anyapi_sora")

#: Creates in a row with an unknown outcome after which a batch stops starting prompts.
DEFAULT_MAX_UNKNOWN_CREATES = 3


class BatchRunner:
    """Runs the prompts of one batch file into one folder, resuming from its journal."""

    def __init__(
        self,
        session: Session,
        journal: Journal,
        entries: list[BatchEntry],
        settings: Mapping[str, Any],
        *,
        source: str,
        resubmit_unknown: bool,
        retry_failed: bool,
    ) -> None:
        self.session = session
        self.reporter = session.reporter
        self.journal = journal
        self.folder = journal.folder
        self.entries = entries
        self.settings = dict(settings)
        self.defaults = create_defaults(settings)
        self.source = source
        self.concurrency: int = settings["concurrency"]
        self.timeout: float = settings["timeout"]
        self.poll_interval = session.default_poll_interval(settings["poll_interval"])
        self.max_unknown: int = settings["max_unknown_creates"]
        self.resubmit_unknown = resubmit_unknown
        self.retry_failed = retry_failed
        #: Made in the event loop that runs the batch (see `_run_all`).
        self.breaker: CreateBreaker | None = None
        self._timed_out: set[str] = set()
        self._thumbnails: httpx.AsyncClient | None = None
        #: Where this run makes tasks (scheme://host:port, or "mock"); set by `run`.
        self.origin = ""
        self._base_url: str | None = None
        #: The client's pacer (None with pacing off): how the gateway's limits were met.
        self.pacer: Pacer | None = None

    # Deciding what to do

    def _file_of(self, entry: BatchEntry) -> str:
        return self.journal.record(entry.key).file or entry.out or entry.default_file_name()

    def has_video(self, record: Record) -> bool:
        return bool(record.path) and (self.folder / str(record.path)).is_file()

    def _needs_work(self, entry: BatchEntry) -> bool:
        record = self.journal.record(entry.key)
        if record.create_again:
            return True
        if record.state is State.CREATING:
            return self.resubmit_unknown
        if record.state is State.FAILED:
            return self.retry_failed
        if record.state is State.DOWNLOADED:
            return not self.has_video(record)
        return True

    def should_create(self, record: Record) -> bool:
        return (
            record.state in (State.NEW, State.NOT_CREATED)
            or record.create_again
            or (record.state is State.CREATING and self.resubmit_unknown)
            or (record.state is State.FAILED and self.retry_failed)
        )

    def _record_intentions(self, todo: list[BatchEntry]) -> None:
        """Journal the settings and what this run was asked to create again.

        So that a rerun without options (the printed resume command) finishes exactly what
        this run set out to do, whatever stops it.
        """
        if self.journal.settings != self.settings:
            self.journal.append_batch("settings", settings=self.settings)
        for entry in todo:
            record = self.journal.record(entry.key)
            if record.create_again:
                continue
            if record.state is State.CREATING and self.resubmit_unknown:
                self.journal.append("create_again", entry.key, reason="--resubmit-unknown")
            elif record.state is State.FAILED and self.retry_failed:
                self.journal.append("create_again", entry.key, reason="--retry-failed")

    # Running

    def run(self) -> int:
        self.origin = self.session.origin()
        self._base_url = None if self.session.mock else self.session.base_url()
        check_origin(self)
        remove_stale_temp_files(self.folder)
        todo = [entry for entry in self.entries if self._needs_work(entry)]
        announce(self, todo)
        if todo:
            # A missing key is a usage error before anything is written or sent.
            client = self.session.async_client()
        self._record_intentions(todo)
        interrupted = False
        try:
            if todo:
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
        summarize(self, rows, gallery, interrupted=interrupted)
        if interrupted:
            stopped = "Terminated (SIGTERM)" if terminated() else "Interrupted"
            self.reporter.warn(
                f"{stopped}. Every task created so far is in the journal; resume with:  "
                + self.resume_command()
            )
            return INTERRUPTED
        return self._exit_code(rows)

    async def _run_all(self, client: AsyncAnyAPI, todo: list[BatchEntry]) -> None:
        limit = asyncio.Semaphore(self.concurrency)
        self.breaker = CreateBreaker(self.max_unknown)
        already = len(self.entries) - len(todo)
        self.pacer = client._sender.pacer
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
        label = f"{entry.label} {short(entry.prompt, 30)!r}"
        task: VideoTask | None = None
        if self.should_create(record):
            assert self.breaker is not None
            if not await self.breaker.acquire():
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

    @contextlib.asynccontextmanager
    async def _room_for_a_task(self) -> AsyncIterator[None]:
        """Wait for room in the client's create window (learnt from the gateway's refusals:
        at most as many tasks as it runs at once), held for the create that follows.

        Taken before the create is journaled, so that a prompt the journal says is being
        created never waits for room: a crash then would call it "maybe billed".
        """
        if self.pacer is None:
            yield
            return
        async with self.pacer.creates.reserve():
            yield

    async def _create(
        self, entry: BatchEntry, client: AsyncAnyAPI, progress: BatchProgress, label: str
    ) -> VideoTask | None:
        async with self._room_for_a_task():
            return await self._create_in_room(entry, client, progress, label)

    async def _create_in_room(
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
            self._breaker().release(created=True, unknown=False)
            progress.event(label, f"created {task.id}")
            return task
        reason = self.session.options.redact(self.session.describe(exc))
        if certainly_not_created(exc):
            self.journal.append("create_failed", entry.key, reason=reason)
            self._breaker().release(created=False, unknown=False)
            if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
                # Every other create would be refused the same way.
                self._breaker().stop(exc)
        elif isinstance(exc, Exception):
            self.journal.append("create_unknown", entry.key, reason=reason)
            self._breaker().release(created=False, unknown=True, reason=reason)
        else:
            self._breaker().release(created=False, unknown=True, reason=reason)
            raise exc
        progress.event(label, f"create failed: {reason}", style="red")
        return None

    @property
    def stopped_creating(self) -> BaseException | None:
        """Why this run stopped starting prompts (an outage, a refused key), if it did."""
        return None if self.breaker is None else self.breaker.stopped

    def _breaker(self) -> CreateBreaker:
        assert self.breaker is not None  # made before any create starts
        return self.breaker

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
            reason = self.session.describe(exc)
            self.journal.append("wait_failed", entry.key, reason=reason)
            progress.event(label, f"still running after {self.timeout:g}s", style="yellow")
            return None
        except AnyAPIError as exc:
            reason = self.session.options.redact(self.session.describe(exc))
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
            reason = self.session.options.redact(self.session.describe(exc))
            self.journal.append("download_failed", entry.key, reason=reason)
            progress.event(label, f"download failed: {reason}", style="red")
            return
        thumbnail = await fetch_thumbnail(self._thumbnails, self.folder, task, file)
        self.journal.append(
            "downloaded",
            entry.key,
            task_id=task.id,
            path=file,
            bytes=target.stat().st_size,
            thumbnail=thumbnail,
        )
        progress.event(label, f"saved {target}", style="green")

    def resume_command(self, *extra: str) -> str:
        """The command that goes on with this batch: its settings are in the journal."""
        args = ["batch", self.source, "--out-dir", str(self.folder)]
        if self.session.mock:
            args.append("--mock")
        if self.session.as_json:
            args.append("--json")
        return self.session.resume_command(*args, *extra)

    def _exit_code(self, rows: list[tuple[Record, BatchEntry]]) -> int:
        unfinished = [
            entry.key for record, entry in rows if shown_state(record, self.folder) != "downloaded"
        ]
        if not unfinished:
            return OK
        if all(key in self._timed_out for key in unfinished):
            return TIMEOUT
        return FAILED
