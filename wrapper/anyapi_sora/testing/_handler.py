"""HTTP plumbing: read a request, record it, apply an injected fault, write the response."""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlsplit

from . import _responses as responses
from ._api import IncomingRequest, MockApi, parse_json, refusal, route_of
from ._faults import Fault, FaultKind, FaultPlan, Route
from ._recording import RecordedRequest, RequestLog, redact_headers

if TYPE_CHECKING:
    from ._httpd import TrackingHTTPServer
    from ._responses import Response

logger = logging.getLogger("anyapi_sora.testing")

_MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass
class ServerContext:
    """Everything a request handler needs from its MockServer."""

    api: MockApi
    faults: FaultPlan
    log: RequestLog
    stopping: threading.Event
    internal_errors: list[BaseException] = field(default_factory=list)
    _errors_lock: threading.Lock = field(default_factory=threading.Lock)

    def report(self, error: BaseException) -> None:
        with self._errors_lock:
            self.internal_errors.append(error)


class MockRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without it Nagle's algorithm and delayed ACKs add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "nginx"
    sys_version = ""

    @property
    def context(self) -> ServerContext:
        return cast("TrackingHTTPServer", self.server).context

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _handle(self) -> None:
        context = self.context
        body = self._read_body()
        if body is None:
            return
        url = urlsplit(self.path)
        request = IncomingRequest(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers=self.headers,
            body=body,
            json=parse_json(body),
            request_id=context.api.new_request_id(),
        )
        route = route_of(request.method, request.path)
        fault = context.faults.draw(cast("Route", route)) if route != "unknown" else None
        now = context.api.clock.now()
        response: Response | None = None
        if fault is None:
            if context.api.limits.admit(route, now):
                response = self._respond(route, request)
            else:
                errors = context.api.errors_for(route, request)
                how = context.api.limits.refuse_with
                refused = refusal(route, errors, how, request.request_id)
                response = dataclasses.replace(refused, refused="rate")
        context.log.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=request.query,
                headers=redact_headers(dict(self.headers.items())),
                body=body,
                json=request.json if request.has_json else None,
                route=route,
                fault=fault,
                refused=None if response is None else response.refused,
                at=now,
            )
        )
        if response is not None:
            self._send(response, request)
        else:
            assert fault is not None
            self._suffer(fault, route, request)

    def _respond(self, route: str, request: IncomingRequest) -> Response:
        try:
            return self.context.api.respond(route, request)
        except Exception as error:  # a bug in the mock, which tests must get to see
            logger.exception("mock server failed on %s %s", request.method, request.path)
            self.context.report(error)
            return responses.internal_error()

    def _suffer(self, fault: Fault, route: str, request: IncomingRequest) -> None:
        kind = fault.kind
        # Error bodies come in the shape of the dialect the request is answered in.
        errors = self.context.api.errors_for(route, request)
        if kind is FaultKind.RATE_LIMITED:
            self._send(errors.rate_limited(route, fault.retry_after, request.request_id), request)
            return
        if kind is FaultKind.INSUFFICIENT_QUOTA:
            self._send(errors.insufficient_quota(request.request_id), request)
            return
        if kind is FaultKind.SATURATED:
            self._send(responses.saturated(fault.status), request)
            return
        # For create, "after" means the task exists (and is billed) before the failure.
        real = self._respond(route, request) if fault.after_create else None
        if kind is FaultKind.SERVER_ERROR:
            if fault.html:
                self._send(responses.nginx_page(fault.status), request)
            else:
                self._send(errors.server_error(route, fault.status, request.request_id), request)
        elif kind is FaultKind.HANG:
            stopped = self.context.stopping.wait(fault.hang_seconds)
            if real is None or stopped:
                self.close_connection = True
            else:
                self._send(real, request)
        elif kind is FaultKind.DISCONNECT:
            self.close_connection = True
        elif kind is FaultKind.TRUNCATED_BODY:
            response = real or self._respond(route, request)
            at = response.body.length // 2 if fault.truncate_at is None else fault.truncate_at
            self._send(response, request, truncate_at=at)
        elif kind is FaultKind.MALFORMED_JSON:
            self._send(responses.malformed_json(), request)

    def _read_body(self) -> bytes | None:
        """The request body; None (after answering) when it can't be read."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY_BYTES:
            self.close_connection = True
            self.send_error(400 if length < 0 else 413)
            return None
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                size = -1
            total += size
            if size < 0 or total > _MAX_BODY_BYTES:
                self.close_connection = True
                self.send_error(400)
                return None
            if size == 0:
                # Skip trailers up to the blank line that ends the message.
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(
        self, response: Response, request: IncomingRequest, *, truncate_at: int | None = None
    ) -> None:
        body = response.body
        try:
            self.send_response(response.status)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(body.length))
            for name, value in response.headers:
                self.send_header(name, value)
            if not request.path.startswith("/files/"):
                self.send_header("X-Oneapi-Request-Id", request.request_id)
            self.end_headers()
            if request.method != "HEAD":
                self._write_body(response, truncate_at)
        except OSError:
            # The client went away (timed out, or reset); nothing more to say to it.
            logger.debug("client left during %s %s", request.method, request.path)
            self.close_connection = True

    def _write_body(self, response: Response, truncate_at: int | None) -> None:
        remaining = response.body.length if truncate_at is None else truncate_at
        stopping = self.context.stopping
        for chunk in response.body.chunks():
            if remaining <= 0 or stopping.is_set():
                break
            piece = chunk if len(chunk) <= remaining else chunk[:remaining]
            self.wfile.write(piece)
            remaining -= len(piece)
        if truncate_at is not None or stopping.is_set():
            # Fewer bytes than Content-Length promised: only closing makes that visible.
            self.close_connection = True
