"""`MockServer`: a local stand-in for an AnyAPI gateway, for tests and demos."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from ._api import MockApi, ServerClock, Timeline
from ._content import InMemoryContent, SyntheticVideo, sample_thumbnail, sample_video
from ._dialects import MIXED, DialectPlan
from ._faults import Fault, FaultPlan, FaultRule, Route
from ._handler import MockRequestHandler, ServerContext
from ._httpd import TrackingHTTPServer, logger
from ._limits import GatewayLimits, RateLimit
from ._recording import RecordedRequest, RequestLog
from ._signing import UrlSigner
from ._task_bodies import ResponseStyle
from ._tasks import MODERATION_FAILURE, FailurePolicy, MockTask, TaskStatus, TaskStore

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Callable, Sequence
    from types import TracebackType

    from typing_extensions import Self

DEFAULT_API_KEY = "sk-mock-anyapi-sora-0123456789abcdef0123456789abcdef"
"""The key a MockServer accepts unless told otherwise."""


class MockServer:
    """A real HTTP server on localhost that behaves like an AnyAPI video gateway.

    It serves the two routes (`POST /v1/video/create`, `GET /v1/video/query?id=`) with
    the gateway's response shapes and errors, checks the API key, and counts every task
    it creates (`create_count`: what a real gateway would bill). Tasks move pending →
    processing → completed (or failed) on a timeline measured by `clock`, which tests
    can replace or push forward with `advance`. Each task is answered in one gateway
    dialect (its ids, status words, fields and error bodies; see `DIALECTS`). Finished
    tasks link to a real MP4 served by the same server, with Range support and expiring
    signed URLs. Faults can be injected per route (`inject`). Stdlib only.

    Use it as a context manager, or call `start()` and `stop()`. A prompt containing
    `FAIL` ends as a moderation failure; one containing `REJECT` is refused at create.

    Example:
        ```python
        from anyapi_sora import AnyAPI
        from anyapi_sora.testing import Fault, MockServer

        with MockServer(queue_seconds=0, processing_seconds=0) as server:
            server.inject("query", Fault.rate_limited(retry_after=1))  # next query: 429
            client = AnyAPI(api_key=server.api_key, base_url=server.base_url)
            task = client.videos.generate("a corgi surfing", out="corgi.mp4")
            assert server.create_count == 1
        ```
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",  # IPv4 only
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        queue_seconds: float = 1.0,
        processing_seconds: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        seed: int = 0,
        fail_trigger: str | None = "FAIL",
        fail_rate: float = 0.0,
        failure_reason: str = MODERATION_FAILURE,
        reject_trigger: str | None = "REJECT",
        url_ttl_seconds: float | None = 3600.0,
        large_video_bytes: int | None = None,
        response_style: ResponseStyle = ResponseStyle.MIXED,
        max_recorded_requests: int | None = None,
        dialect: str = MIXED,
        rate_limits: Sequence[RateLimit] | RateLimit = (),
        max_active_tasks: int | None = None,
        refuse_with: Fault | None = None,
    ) -> None:
        """Configure the server; nothing listens until `start()`.

        Args:
            host: The address to listen on (IPv4 only).
            port: The port; 0 (the default) picks a free one (see `port` once started).
            api_key: The key requests must carry as `Authorization: Bearer <key>`.
            queue_seconds: How long a task stays pending.
            processing_seconds: How long a task then stays processing. Both 0 means a
                task is complete on its first query.
            clock: A monotonic seconds clock; pass a fake one to drive the timeline.
            seed: Seeds every random choice (ids, `fail_rate`, fault `rate`s).
            fail_trigger: A prompt containing this text ends as failed (moderation);
                None turns it off.
            fail_rate: The fraction (0 to 1) of other tasks that fail, with
                `failure_reason`.
            failure_reason: The reason a failed task gives.
            reject_trigger: A prompt containing this text is refused at create with the
                400 `sentinel_block` error, and no task is made; None turns it off.
            url_ttl_seconds: How long file URLs stay valid (None: forever); an expired
                one is answered 403.
            large_video_bytes: Serve a generated body of this size (see
                `SyntheticVideo`) instead of the sample MP4.
            response_style: Which variant of the unified body the `anyapi` dialect's
                tasks get (see `ResponseStyle`); other dialects ignore it.
            max_recorded_requests: Keep only the latest N in `requests` (None: all).
            dialect: The gateway dialect every task is answered in, one of `DIALECTS`,
                or "mixed" (the default): each new task gets the next dialect in turn,
                so a run of a few tasks meets them all. The first task of a mixed
                server speaks "anyapi".
            rate_limits: Token buckets (`RateLimit(per_second, burst, route)`): a request
                that finds one of its buckets empty is refused, and does nothing.
            max_active_tasks: A create while this many tasks are still running (not yet
                completed or failed, on the server's clock) is refused and creates nothing.
            refuse_with: How a request over a limit is answered, in its dialect's shape:
                `Fault.rate_limited(retry_after=None)` (429, the default; `Retry-After`
                only when given) or `Fault.saturated(status)` (a create gets the empty-id
                body; a query the 429). `refusals` counts them by route and reason.

        Raises:
            ValueError: An unknown `dialect`, a negative duration, or a `fail_rate`
                outside 0 to 1.
        """
        plan = DialectPlan(dialect)
        if queue_seconds < 0 or processing_seconds < 0:
            raise ValueError("queue_seconds and processing_seconds must be >= 0")
        if not 0.0 <= fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        self.host: str = host
        """The address the server listens on."""
        self._requested_port = port
        self.api_key: str = api_key
        """The key the server accepts."""
        self._clock = ServerClock(clock)
        self._limits = GatewayLimits(
            (rate_limits,) if isinstance(rate_limits, RateLimit) else tuple(rate_limits),
            max_active_tasks,
            Fault.rate_limited() if refuse_with is None else refuse_with,
        )
        self._store = TaskStore(
            seed=seed,
            failures=FailurePolicy(trigger=fail_trigger, rate=fail_rate, reason=failure_reason),
        )
        self.video: InMemoryContent | SyntheticVideo = (
            sample_video() if large_video_bytes is None else SyntheticVideo(large_video_bytes)
        )
        """What the video URLs serve: the sample MP4 or the generated large body."""
        self.thumbnail: InMemoryContent = sample_thumbnail()
        """What the thumbnail URLs serve: a small bundled WebP image."""
        self._api = MockApi(
            api_key=api_key,
            timeline=Timeline(queue_seconds, processing_seconds),
            clock=self._clock,
            store=self._store,
            signer=UrlSigner(url_ttl_seconds),
            video=self.video,
            thumbnail=self.thumbnail,
            style=response_style,
            plan=plan,
            reject_trigger=reject_trigger,
            limits=self._limits,
        )
        self.faults: FaultPlan = FaultPlan(seed=seed)
        """The injected fault rules; `inject` is a shortcut for `faults.add`."""
        self._log = RequestLog(max_recorded_requests)
        self._context = ServerContext(
            api=self._api, faults=self.faults, log=self._log, stopping=threading.Event()
        )
        self._httpd: TrackingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    # Lifecycle

    def start(self) -> Self:
        """Bind and serve in a background thread.

        Returns:
            The server itself.

        Raises:
            RuntimeError: The server was started (or stopped) before: a server starts
                only once.
            OSError: The address could not be bound.
        """
        if self._httpd is not None or self._stopped:
            raise RuntimeError("a MockServer can only be started once")
        self._httpd = TrackingHTTPServer(
            (self.host, self._requested_port), MockRequestHandler, self._context
        )
        self._api.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._httpd.serve_until_stopped,
            name=f"anyapi-mock-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("mock AnyAPI server listening on %s", self.base_url)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, end open connections and hung requests, and free the port.

        Stopping twice, or a server never started, is harmless. Also named `close()`.

        Args:
            timeout: Seconds to wait for the server's threads to end.
        """
        if self._httpd is None or self._stopped:
            self._stopped = True
            return
        self._stopped = True
        self._context.stopping.set()
        self._httpd.wake()
        if self._thread is not None:
            self._thread.join(timeout)
        stuck = self._httpd.close_connections(timeout)
        self._httpd.server_close()
        if stuck:
            logger.warning("%d mock server connection threads did not stop", len(stuck))

    close = stop
    """Another name for `stop()`."""

    def __enter__(self) -> Self:
        """Start the server (see `start()`) and return it."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server (see `stop()`)."""
        self.stop()

    @property
    def dialect(self) -> str:
        """The dialect name given at construction ("mixed" by default)."""
        return self._api.plan.name

    @property
    def queue_seconds(self) -> float:
        """How long a new task stays pending."""
        return self._api.timeline.queue_seconds

    @property
    def processing_seconds(self) -> float:
        """How long a task stays processing after that."""
        return self._api.timeline.processing_seconds

    @property
    def running(self) -> bool:
        """True between `start()` and `stop()`."""
        return self._httpd is not None and not self._stopped

    @property
    def port(self) -> int:
        """The port the server listens on; RuntimeError before `start()`."""
        return int(self._bound().server_address[1])

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash: the client's `base_url`."""
        return f"http://{self.host}:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """The environment variables that point the client at this server."""
        return {"ANYAPI_BASE_URL": self.base_url, "ANYAPI_API_KEY": self.api_key}

    def url(self, path: str) -> str:
        """The server's URL for `path` (e.g. `"/v1/video/query?id=..."`).

        Args:
            path: An absolute path, with its query if any.

        Returns:
            `base_url` followed by `path`.
        """
        return self.base_url + path

    def _bound(self) -> TrackingHTTPServer:
        if self._httpd is None:
            raise RuntimeError("the MockServer has not been started")
        return self._httpd

    # Inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        return self._log.snapshot()

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """The recorded requests to one route, oldest first.

        Args:
            route: "create", "query", "download" or "unknown".

        Returns:
            A new list of the requests to that route.
        """
        return [request for request in self._log.snapshot() if request.route == route]

    def clear_requests(self) -> None:
        """Forget the recorded requests (`create_count` and the tasks stay)."""
        self._log.clear()

    @property
    def create_count(self) -> int:
        """How many tasks were really created (and a real gateway would have billed).

        A test asserts on it to prove that nothing was billed twice, or at all.
        """
        return len(self._store)

    @property
    def tasks(self) -> dict[str, MockTask]:
        """All tasks by the id create returned (a snapshot)."""
        return self._store.all()

    def get_task(self, task_id: str) -> MockTask:
        """The task that a query with this id finds, or whose `upstream_id` this is.

        Args:
            task_id: Any id the query route finds the task by, or its `upstream_id`.

        Returns:
            The task as created (its state at a moment: `state_at`).

        Raises:
            KeyError: No task has this id.
        """
        task = self._store.find(task_id)
        if task is None:
            raise KeyError(task_id)
        return task

    def status_of(self, task_id: str) -> TaskStatus:
        """The task's status now, on the server's clock.

        Args:
            task_id: Any id the query route finds the task by, or its `upstream_id`.

        Returns:
            "pending", "processing", "completed" or "failed".

        Raises:
            KeyError: No task has this id.
        """
        return self.get_task(task_id).state_at(self.now()).status

    @property
    def refusals(self) -> Counter[tuple[str, str]]:
        """Requests the limits refused, by (route, reason); a snapshot.

        The reason is "rate" (a rate limit's bucket was empty) or "active_tasks" (a create
        while `max_active_tasks` tasks were running).
        """
        return self._limits.refusals()

    @property
    def refusal_count(self) -> int:
        """How many requests the limits refused in all (the sum of `refusals`)."""
        return sum(self._limits.refusals().values())

    @property
    def running_tasks(self) -> int:
        """Tasks not yet completed or failed at `now()`: what `max_active_tasks` counts."""
        return self._store.running_at(self.now())

    @property
    def internal_errors(self) -> list[BaseException]:
        """Exceptions from bugs in the mock itself (answered with 500); should stay empty."""
        return list(self._context.internal_errors)

    # Time and task control

    def now(self) -> float:
        """The server's clock: `clock()` plus everything passed to `advance`."""
        return self._clock.now()

    def advance(self, seconds: float) -> None:
        """Move the server's time forward: tasks progress and URLs expire accordingly.

        Args:
            seconds: How far to move.
        """
        self._clock.advance(seconds)

    def finish_task(self, task_id: str) -> MockTask:
        """Complete a running task now.

        Args:
            task_id: Any id the query route finds the task by, or its `upstream_id`.

        Returns:
            The task, changed.

        Raises:
            KeyError: No task has this id.
            ValueError: The task has already ended.
        """
        return self._store.end_now(task_id, now=self.now(), failure_reason=None)

    def fail_task(self, task_id: str, reason: str | None = None) -> MockTask:
        """End a running task now as failed.

        Args:
            task_id: Any id the query route finds the task by, or its `upstream_id`.
            reason: The failure reason; default: the server's `failure_reason`.

        Returns:
            The task, changed.

        Raises:
            KeyError: No task has this id.
            ValueError: The task has already ended.
        """
        reason = reason or self._store.failure_reason
        return self._store.end_now(task_id, now=self.now(), failure_reason=reason)

    def fail_next(self, count: int = 1, reason: str | None = None) -> None:
        """Make the next `count` created tasks end as failed.

        Args:
            count: How many tasks, at least 1.
            reason: Their failure reason; default: the server's `failure_reason`.

        Raises:
            ValueError: `count` is less than 1.
        """
        if count < 1:
            raise ValueError("count must be >= 1")
        self._store.fail_next(count, reason)

    # Faults

    def inject(
        self,
        route: Route,
        fault: Fault,
        *,
        times: int | None = None,
        rate: float | None = None,
    ) -> FaultRule:
        """Make requests to `route` fail with `fault`.

        The fault fires once by default, `times` times, or on a `rate` fraction of the
        requests (drawn from the seeded generator, forever unless `times` is given too).
        Rules fire in the order they were added; the first that fires wins.

        Args:
            route: "create", "query", "download" (the video and thumbnail files) or
                "any".
            fault: What goes wrong: build it with `Fault`'s class methods.
            times: How many requests it hits, at least 1.
            rate: The fraction (0 to 1) of requests it hits.

        Returns:
            The rule, whose `fired` counts the requests it hit.

        Raises:
            ValueError: An unknown route, `times` below 1 or `rate` outside 0 to 1.

        Example:
            ```python
            server.inject("download", Fault.truncated_body(at_byte=10_000))
            rule = server.inject("query", Fault.server_error(502), rate=0.5)
            ```
        """
        return self.faults.add(route, fault, times=times, rate=rate)

    def clear_faults(self) -> None:
        """Remove every injected fault rule."""
        self.faults.clear()

    def __repr__(self) -> str:
        where = self.base_url if self._httpd is not None else "not started"
        return f"<MockServer {where} dialect={self.dialect} tasks={self.create_count}>"
