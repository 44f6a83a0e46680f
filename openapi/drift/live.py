"""Live contract checks: questions to the real API that cost nothing.

A spec diff only sees what the vendor publishes; gateways drift without touching their
spec. With ``--live`` drift asks, through the wrapper's own client (so its error mapping
and parser are what is checked):

1. a query for a task id that cannot exist: the documented HTTP 400, in a known error
   shape, raised by the wrapper with the server's message;
2. the same with a wrong key: HTTP 401, in a known error shape;
3. with ``--task ID``, a query of a task the caller owns: the body parses fully, its
   status is one the parser knows, a completed task's video URL is found; fields the
   specs do not declare and URLs in places the parser does not read are listed.

Known error shapes follow the rules of the gateways, not one body: ``{"error": {"message",
"type", "code"}}`` and ``{"code", "message", "data"}``, each with any values. Nothing is
created, so nothing is billed. ``--record DIR`` saves each body, with the key and the
signatures of signed URLs stripped, as fixtures.
"""

from __future__ import annotations

import json
import operator
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import transform

from drift.gaps import _declared_properties
from drift.report import LiveCheck, LiveResult
from drift.workspace import DriftError, resolve_object, resolve_pointer, response_schema_pointer
from drift.wrapper import quiet

if TYPE_CHECKING:
    from pathlib import Path

    from drift.registry import Registry
    from drift.workspace import Workspace

IMPOSSIBLE_ID = "drift-probe:task_00000000000000000000000000"
WRONG_KEY = "sk-drift-wrong-key-00000000000000000000000000"
TIMEOUT = 30.0
SHAPES = "{error: {message, type, code}} or {code, message, data}"
_URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass
class Exchange:
    status: int
    body: Any  # parsed JSON, or the text when it is not JSON
    text: str


class _Tap(httpx.BaseTransport):
    """Passes requests on and keeps the last response's status and body."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.last: Exchange | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        text = content.decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        self.last = Exchange(response.status_code, body, text)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=content,
            request=request,
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()


def error_shape(body: Any) -> str | None:
    """Which known error shape the body has, or None."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return "{error: {message, type, code}}"
    if "code" in body and isinstance(body.get("message"), str):
        return "{code, message, data}"
    return None


# A message that is itself a JSON error body (new-api passes an upstream's error on this
# way) is read for its own message, a few levels at most, as the wrapper reads it.
_MAX_NESTED_MESSAGES = 3


def server_message(body: Any) -> str:
    """The server's message in a known error shape; one that is a JSON error body is
    unwrapped to that body's message."""
    message = ""
    for _ in range(_MAX_NESTED_MESSAGES + 1):
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            message = str(error.get("message", ""))
        elif isinstance(body, dict):
            message = str(body.get("message", ""))
        text = message.strip()
        if not (text.startswith("{") and text.endswith("}")):
            break
        try:
            inner = json.loads(text)
        except ValueError:
            break
        if error_shape(inner) is None:
            break
        body = inner
    return message


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return text if len(text) <= 200 else text[:199] + "…"


def sanitized(value: Any, secrets: list[str]) -> Any:
    """The body with every secret replaced and every URL's query (its signature) cut."""
    if isinstance(value, dict):
        return {k: sanitized(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [sanitized(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, "<redacted>")
        if _URL.match(value):
            value = re.split(r"[?#]", value, maxsplit=1)[0]
        return value
    return value


# A path element: a key, or None for "an item of a list".
Place = tuple[str | None, ...]


def url_places(value: Any, where: Place = ()) -> list[tuple[Place, str]]:
    """``(place, url)`` for every http(s) URL in a body."""
    found: list[tuple[Place, str]] = []
    if isinstance(value, dict):
        for key, sub in value.items():
            found += url_places(sub, (*where, str(key)))
    elif isinstance(value, list):
        for item in value:
            found += url_places(item, (*where, None))
    elif isinstance(value, str) and _URL.match(value):
        found.append((where, value))
    return found


def shown_place(place: Place) -> str:
    """``detail.req.images[]`` for ``("detail", "req", "images", None)``."""
    text = ""
    for key in place:
        text += "[]" if key is None else (f".{key}" if text else key)
    return text


def urls(value: Any) -> list[tuple[str, str]]:
    """``(json path, url)`` for every http(s) URL in a body."""
    return [(shown_place(place), url) for place, url in url_places(value)]


def task_object(body: Any) -> Any:
    """The object that describes the task: the body, or the ``data`` of an envelope such as
    ``{"code": 0, "message": "ok", "data": {...}}`` whose top level has no status."""
    if isinstance(body, dict) and not isinstance(body.get("status"), str):
        inner = body.get("data")
        if isinstance(inner, dict) and isinstance(inner.get("status"), str):
            return inner
    return body


# What a task body echoes back of the request (the prompt, the input images, the
# parameters): what the caller sent, never a place to read the output from.
_ECHO_WORDS = ("req", "request", "input", "param", "argument", "payload", "prompt", "image")
_PICTURE = re.compile(r"\.(?:jpe?g|png|gif|webp|bmp|svg|heic|avif)$", re.IGNORECASE)
_KEY_WORDS = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_echo_or_picture(place: Place, url: str) -> bool:
    """A URL the request sent (echoed back under a request's or input's key) or a picture
    (by its file name): not one that a change of the gateway would hide a video in."""
    if _PICTURE.search(url.split("?", 1)[0].split("#", 1)[0]):
        return True
    words = [
        word
        for key in place
        if key is not None
        for word in _KEY_WORDS.findall(_CAMEL.sub("_", key).lower())
    ]
    return any(word.startswith(_ECHO_WORDS) for word in words)


def probe_body(place: Place, url: str, status: str) -> dict[str, Any]:
    """A task body holding only ``url`` at ``place`` (lists as one-item lists)."""
    value: Any = url
    for key in reversed(place):
        value = [value] if key is None else {key: value}
    body: dict[str, Any] = {"id": "drift-probe", "status": status}
    if isinstance(value, dict):
        body.update({k: v for k, v in value.items() if k not in body})
    return body


class LiveRun:
    def __init__(
        self,
        ws: Workspace,
        registry: Registry,
        base_url: str,
        api_key: str,
        record: Path | None = None,
    ) -> None:
        self.ws = ws
        self.registry = registry
        self.base_url = base_url
        self.api_key = api_key
        self.record_dir = record
        self.result = LiveResult(base_url)
        self.binding = next(
            (b for b in registry.bindings if b.operation.startswith("GET ") and b.call), None
        )

    def _client(self, key: str) -> tuple[Any, _Tap]:
        tap = _Tap(httpx.HTTPTransport())
        factory = resolve_object(self.registry.wrapper.client)
        client = factory(
            api_key=key,
            base_url=self.base_url,
            http_client=httpx.Client(transport=tap, timeout=TIMEOUT),
            max_retries=0,
        )
        return client, tap

    def _query(self, key: str, task_id: str) -> tuple[Any, BaseException | None, Exchange | None]:
        assert self.binding is not None
        client, tap = self._client(key)
        try:
            return operator.attrgetter(self.binding.call)(client)(task_id), None, tap.last
        except Exception as exc:  # what the wrapper raises is what is checked
            return None, exc, tap.last
        finally:
            tap.close()

    def _save(self, name: str, exchange: Exchange) -> None:
        if self.record_dir is None:
            return
        self.record_dir.mkdir(parents=True, exist_ok=True)
        secrets = [self.api_key, WRONG_KEY]
        if isinstance(exchange.body, str):
            path = self.record_dir / f"{name}-{exchange.status}.txt"
            path.write_text(str(sanitized(exchange.body, secrets)), encoding="utf-8")
        else:
            path = self.record_dir / f"{name}-{exchange.status}.json"
            body = sanitized(exchange.body, secrets)
            path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        self.result.recorded.append(str(path))

    def check_error(self, name: str, key: str, expected: int, what: str) -> None:
        _, exc, exchange = self._query(key, IMPOSSIBLE_ID)
        if exchange is None:
            self.result.unreachable = f"{type(exc).__name__}: {exc}" if exc else "no answer"
            return
        self._save(name, exchange)
        label = f"{name}: {what}"
        if exchange.status != expected:
            self._fail(
                label,
                f"expected HTTP {expected} for {what}, got {exchange.status}: "
                f"{_short(exchange.body)}",
                "see what the gateway answers now (--record DIR saves it); if it is right, "
                "teach the wrapper's error mapping and update this check",
            )
            return
        shape = error_shape(exchange.body)
        if shape is None:
            self._fail(
                label,
                f"HTTP {expected} for {what}, but the body has no known error shape "
                f"({SHAPES}): {_short(exchange.body)}",
                "teach the wrapper's error parsing this shape, then add it to drift's known shapes",
            )
            return
        message = server_message(exchange.body)
        status = getattr(exc, "status_code", None)
        if (
            exc is None
            or status != expected
            or (message.strip() and message.strip() not in str(exc))
        ):
            got = "no error" if exc is None else f"{type(exc).__name__}: {exc}"
            self._fail(
                label,
                f"HTTP {expected} {shape}, but the wrapper raised {got} without the server's "
                f"message {message!r}",
                "make the wrapper's error carry the status and the server's message",
            )
            return
        detail = f"HTTP {expected}, {shape}, raised as {type(exc).__name__}: {exc}"
        self.result.checks.append(LiveCheck(label, True, detail))

    def _fail(self, name: str, detail: str, step: str) -> None:
        self.result.checks.append(LiveCheck(name, False, detail, step))

    def check_task(self, task_id: str) -> None:
        task, exc, exchange = self._query(self.api_key, task_id)
        if exchange is None:
            self.result.unreachable = f"{type(exc).__name__}: {exc}" if exc else "no answer"
            return
        self._save("query-task", exchange)
        label = f"query-task: task {task_id}"
        if exc is not None or task is None:
            self._fail(
                label,
                f"HTTP {exchange.status}: the wrapper could not read the task: "
                f"{type(exc).__name__}: {exc}; body: {_short(exchange.body)}",
                "record the body (--record DIR) and teach the wrapper's parser its shape",
            )
            return
        problems = []
        status = self._status_problem(exchange.body)
        if status:
            problems.append(status)
        found = urls(exchange.body)
        unread = self._unread_urls(task, exchange.body)
        if getattr(task, "succeeded", False) and not getattr(task, "video_url", None):
            places = ", ".join(p for p, _ in found) or "nowhere"
            problems.append(
                f"the task completed but the parser found no video URL (URLs at: {places})"
            )
        if problems:
            self._fail(
                label,
                "; ".join(problems),
                "teach the wrapper's parser (record the body with --record DIR)",
            )
        else:
            status_text = getattr(task, "status", "?")
            self.result.checks.append(
                LiveCheck(label, True, f"HTTP {exchange.status}: parsed, status {status_text}")
            )
        if unread:
            self.result.notes.append(
                f"URLs in places the parser does not read: {', '.join(unread)}"
            )
        self._undeclared(exchange.body)

    def _unread_urls(self, task: Any, body: Any) -> list[str]:
        """Places of URLs the parser neither returned nor has a rule to read.

        A URL counts as read when the parser returned it (the video, the thumbnail), when it
        is an input the request sent or a picture, or when the parser, handed a completed
        task with only that URL at that place, returns it: its known places and its search
        of the body are rules, not this body's paths.
        """
        read = {getattr(task, "video_url", None), getattr(task, "thumbnail_url", None)}
        parse = getattr(type(task), "from_json", None)
        unread = []
        for place, url in url_places(body):
            if url in read or is_echo_or_picture(place, url):
                continue
            if callable(parse) and self._parser_reads(parse, place, url):
                continue
            unread.append(shown_place(place))
        return unread

    @staticmethod
    def _parser_reads(parse: Any, place: Place, url: str) -> bool:
        # "completed": the documented final status, for which the parser looks everywhere.
        try:
            with quiet():
                probe = parse(probe_body(place, url, "completed"))
        except Exception:
            return False
        return url in (getattr(probe, "video_url", None), getattr(probe, "thumbnail_url", None))

    def _status_problem(self, body: Any) -> str | None:
        pointer = self.binding.parsers.get("body.status") if self.binding else None
        task = task_object(body)
        if not pointer or not isinstance(task, dict) or "status" not in task:
            return None
        word = task["status"]
        try:
            parse = resolve_object(pointer)
            with quiet():
                unknown = parse("drift-unknown-value")
                known = parse(word) != unknown or _names(word, unknown)
            if not known:
                return f"status {word!r} is unknown to {pointer}"
        except (DriftError, Exception) as exc:
            return f"{pointer} failed: {exc}"
        return None

    def _undeclared(self, body: Any) -> None:
        body = task_object(body)
        if not isinstance(body, dict) or self.binding is None:
            return
        declared: set[str] = set()
        try:
            for name in self.ws_spec_names():
                spec = self.ws.spec(name)
                pointer = response_schema_pointer(spec, self.binding.operation, "200", name)
                declared |= _declared_properties(spec, resolve_pointer(spec, pointer))
        except DriftError:
            return
        registered = {
            str(f)
            for gap in self.registry.gaps
            for check in gap.evidence
            if check.get("kind") == "schema-lacks-fields"
            for f in check.get("fields", [])
        }
        extra = sorted(set(body) - declared)
        if extra:
            new = [f for f in extra if f not in registered]
            note = f"fields the specs do not declare: {', '.join(extra)}"
            if new:
                note += f" (not yet in openapi/known-gaps.yaml: {', '.join(new)})"
            self.result.notes.append(note)

    def ws_spec_names(self) -> list[str]:
        """The stored vendor specs that declare the queried operation."""
        assert self.binding is not None
        names = []
        for name in transform.VENDOR_SPECS:
            paths = self.ws.spec(name).get("paths")
            if self.binding.operation.partition(" ")[2] in (paths or {}):
                names.append(name)
        return names


def _names(word: Any, parsed: Any) -> bool:
    """True when ``word`` is the name of what the parser made of it: a gateway's own
    "unknown" (a task it has not heard back about) is a word the parser knows."""
    name = getattr(parsed, "value", parsed)
    if not isinstance(word, str) or not isinstance(name, str):
        return False
    return re.sub(r"[\s\-]+", "_", word.strip().lower()) == name.lower()


def run(
    ws: Workspace,
    registry: Registry,
    base_url: str,
    api_key: str,
    task_id: str | None = None,
    record: Path | None = None,
) -> LiveResult:
    live = LiveRun(ws, registry, base_url, api_key, record)
    if live.binding is None:
        live.result.unreachable = "no GET operation with a `call` in the registry to query"
        return live.result
    try:
        live._client(api_key)
    except Exception as exc:  # the wrapper refuses the URL or key: nothing to ask
        live.result.unreachable = f"the client cannot be built: {type(exc).__name__}: {exc}"
        return live.result
    live.check_error("query-unknown-id", api_key, 400, "a task id that cannot exist")
    if live.result.unreachable:
        return live.result
    live.check_error("query-wrong-key", WRONG_KEY, 401, "a wrong key")
    if task_id and not live.result.unreachable:
        live.check_task(task_id)
    return live.result
