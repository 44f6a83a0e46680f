"""The mock gateway's behaviour: what each route answers, independent of sockets and faults."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import _responses as responses
from ._content import Content, ContentRange, InMemoryContent, SyntheticVideo
from ._dialect_base import FileUrls, RenderContext
from ._dialects import dialect_named
from ._faults import Fault, FaultKind
from ._ranges import RangeNotSatisfiable, parse_range
from ._responses import BytesBody, Response
from ._validation import InvalidRequest, parse_create_body

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from email.message import Message

    from ._dialect_base import Dialect
    from ._dialect_errors import ErrorShapes
    from ._dialects import DialectPlan
    from ._limits import GatewayLimits
    from ._signing import UrlSigner
    from ._task_bodies import ResponseStyle
    from ._tasks import MockTask, TaskStore

CREATE_PATH = "/v1/video/create"
QUERY_PATH = "/v1/video/query"
FILES_PREFIX = "/files/"
# The video, the video before its last pass (Veo's upsampling), and the thumbnail.
_FILE_NAME = re.compile(r"^(task_[0-9a-z]+)(\.mp4|\.draft\.mp4|\.webp)$")
_NO_JSON = object()


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Message
    body: bytes
    json: Any
    """The parsed body; `_NO_JSON` when the body was not valid JSON (or empty)."""
    request_id: str

    @property
    def has_json(self) -> bool:
        return self.json is not _NO_JSON


def parse_json(body: bytes) -> Any:
    """The parsed body, or the `_NO_JSON` marker."""
    try:
        return json.loads(body)
    except ValueError:
        return _NO_JSON


def route_of(method: str, path: str) -> str:
    if path == CREATE_PATH and method == "POST":
        return "create"
    if path == QUERY_PATH and method == "GET":
        return "query"
    if path.startswith(FILES_PREFIX) and method in ("GET", "HEAD"):
        return "download"
    return "unknown"


@dataclass(frozen=True, slots=True)
class Timeline:
    queue_seconds: float
    processing_seconds: float


class ServerClock:
    """The server's notion of time: the injected clock plus whatever tests `advance`."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._skew = 0.0
        self._lock = threading.Lock()
        # Maps clock readings onto Unix time for `status_update_time` and URL expiry.
        self._epoch = time.time() - clock()

    def now(self) -> float:
        with self._lock:
            return self._clock() + self._skew

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._skew += seconds

    def to_unix(self, moment: float) -> float:
        return self._epoch + moment


class MockApi:
    """Answers create, query and download requests from the task store."""

    def __init__(
        self,
        *,
        api_key: str,
        timeline: Timeline,
        clock: ServerClock,
        store: TaskStore,
        signer: UrlSigner,
        video: InMemoryContent | SyntheticVideo,
        thumbnail: InMemoryContent,
        style: ResponseStyle,
        plan: DialectPlan,
        reject_trigger: str | None,
        limits: GatewayLimits,
    ) -> None:
        self.api_key = api_key
        self.timeline = timeline
        self.clock = clock
        self.store = store
        self.signer = signer
        self.video = video
        self.thumbnail = thumbnail
        self.style = style
        self.plan = plan
        self.reject_trigger = reject_trigger
        self.limits = limits
        self.base_url = ""
        self._request_ids = itertools.count(1)

    def new_request_id(self) -> str:
        # Shaped like new-api's: a timestamp then a serial.
        return time.strftime("%Y%m%d%H%M%S") + f"{next(self._request_ids):015d}"

    def respond(self, route: str, request: IncomingRequest) -> Response:
        if route == "create":
            return self._create(request)
        if route == "query":
            return self._query(request)
        if route == "download":
            return self._download(request)
        return responses.nginx_page(404)

    def _authorized(self, request: IncomingRequest) -> bool:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and key.strip() == self.api_key

    def errors_for(self, route: str, request: IncomingRequest) -> ErrorShapes:
        """The error shapes of the dialect this request is answered in."""
        return self._dialect_for(route, request).errors

    def _dialect_for(self, route: str, request: IncomingRequest) -> Dialect:
        task: MockTask | None = None
        if route == "create":
            # The dialect the task would get; a refused create makes none, so the next
            # attempt gets the same one.
            return self.plan.for_index(len(self.store))
        if route == "query":
            task = self.store.get(request.query.get("id", ""))
        elif route == "download":
            match = _FILE_NAME.match(request.path.removeprefix(FILES_PREFIX))
            task = self.store.find(match.group(1)) if match else None
        return self.plan.fallback if task is None else dialect_named(task.dialect)

    def _create(self, request: IncomingRequest) -> Response:
        errors = self.errors_for("create", request)
        if not self._authorized(request):
            return errors.invalid_token(request.request_id)
        if not request.has_json:
            return errors.invalid_request("invalid JSON in request body")
        try:
            fields = parse_create_body(request.json)
        except InvalidRequest as error:
            return errors.invalid_request(str(error))
        if self.reject_trigger and self.reject_trigger in fields.prompt:
            return errors.sentinel_block()
        now = self.clock.now()
        task = self.store.create(
            fields,
            now=now,
            unix_ms=int(self.clock.to_unix(now) * 1000),
            queue_seconds=self.timeline.queue_seconds,
            processing_seconds=self.timeline.processing_seconds,
            pick_dialect=self.plan.pick,
            capacity=self.limits.max_active_tasks,
        )
        if task is None:
            self.limits.count_refusal("create", "active_tasks")
            refused = refusal("create", errors, self.limits.refuse_with, request.request_id)
            return dataclasses.replace(refused, refused="active_tasks")
        body = dialect_named(task.dialect).create_body(task, self._render_context(task, now))
        return responses.json_response(200, body)

    def _query(self, request: IncomingRequest) -> Response:
        errors = self.errors_for("query", request)
        if not self._authorized(request):
            return errors.invalid_token(request.request_id)
        task_id = request.query.get("id", "")
        if not task_id:
            return errors.missing_id()
        task = self.store.get(task_id)
        if task is None:
            return errors.task_not_exist()
        now = self.clock.now()
        state = task.state_at(now)
        dialect = dialect_named(task.dialect)
        body = dialect.query_body(task, state, self._render_context(task, now))
        return responses.json_response(200, body)

    def _render_context(self, task: MockTask, now: float) -> RenderContext:
        return RenderContext(
            to_unix=self.clock.to_unix, sign=lambda: self.file_urls(task, now), style=self.style
        )

    def file_urls(self, task: MockTask, now: float) -> FileUrls:
        """Freshly signed absolute URLs of the task's files."""
        unix_now = self.clock.to_unix(now)

        def signed(suffix: str) -> str:
            return self.base_url + self.signer.sign(
                f"{FILES_PREFIX}{task.upstream_id}{suffix}", unix_now
            )

        return FileUrls(video=signed(".mp4"), thumbnail=signed(".webp"), draft=signed(".draft.mp4"))

    def _download(self, request: IncomingRequest) -> Response:
        match = _FILE_NAME.match(request.path.removeprefix(FILES_PREFIX))
        task = self.store.find(match.group(1)) if match else None
        if match is None or task is None:
            return responses.blob_not_found()
        refusal = self.signer.check(
            request.path, request.query, self.clock.to_unix(self.clock.now())
        )
        if refusal is not None:
            return responses.cdn_forbidden(refusal)
        content: Content = self.thumbnail if match.group(2) == ".webp" else self.video
        return _ranged(content, request.headers)


def refusal(route: str, errors: ErrorShapes, how: Fault, request_id: str) -> Response:
    """A request refused by the gateway's limits, answered `how` in the dialect's shape.

    The empty-id body answers creates only (it is shaped like a task); a query refused that
    way gets the dialect's 429 instead.
    """
    if how.kind is FaultKind.SATURATED and route == "create":
        return responses.saturated(how.status)
    return errors.rate_limited(route, how.retry_after, request_id)


def _ranged(content: Content, headers: Message) -> Response:
    common = (("Accept-Ranges", "bytes"), ("ETag", content.etag))
    range_header = headers.get("Range")
    if_range = headers.get("If-Range")
    if if_range is not None and if_range != content.etag:
        # The file changed since the client's partial copy: it must start over.
        range_header = None
    try:
        byte_range = parse_range(range_header, content.size)
    except RangeNotSatisfiable:
        unsatisfiable = (*common, ("Content-Range", f"bytes */{content.size}"))
        return Response(416, BytesBody(b""), None, unsatisfiable)
    if byte_range is None:
        return Response(200, ContentRange(content, 0, content.size), content.content_type, common)
    return Response(
        206,
        ContentRange(content, byte_range.start, byte_range.stop),
        content.content_type,
        (*common, ("Content-Range", byte_range.content_range(content.size))),
    )
