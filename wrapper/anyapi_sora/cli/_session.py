"""One run of one command: its client, its output mode, and how it ends (exit code, hints)."""

from __future__ import annotations

import os
import shlex
import traceback
from contextlib import ExitStack
from typing import TYPE_CHECKING

import attrs

from .. import set_testing
from .._client import AnyAPI, AsyncAnyAPI
from .._config import (
    DEFAULT_BASE_URL,
    ConfigurationError,
    ends_in_version,
    is_loopback_host,
    resolve_api_key,
    resolve_base_url,
)
from .._exceptions import (
    AnyAPIError,
    BadRequestError,
    InvalidParameterError,
    NotFoundError,
    VideoGenerationError,
    WaitTimeoutError,
)
from . import _messages
from ._exit_codes import FAILED, USAGE, CommandError, UsageProblem, exit_code_for
from ._interrupts import interrupted_exit_code, terminated
from ._logging import SecretRedactor
from ._mock import MOCK_POLL_INTERVAL, start_mock_server
from ._output import error_json, print_json
from ._progress import Reporter, make_console, should_animate

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from .._models import VideoTask

PROG_NAME = "anyapi-sora"
#: The origin recorded in a batch journal for tasks made on the in-process mock server.
MOCK_ORIGIN = "mock"
# Hidden switch for this package's own tests: every sleep the library picks is capped at
# 10 ms (see anyapi_sora.set_testing), so waits take milliseconds instead of minutes.
TESTING_ENV = "ANYAPI_SORA_TESTING"


def testing_requested() -> bool:
    return os.environ.get(TESTING_ENV, "") not in ("", "0")


@attrs.define
class GlobalOptions:
    """The options given before the subcommand."""

    api_key: str | None
    base_url: str | None
    verbose: bool
    allow_insecure_http: bool = False
    redact: SecretRedactor = attrs.field(factory=SecretRedactor)

    def __attrs_post_init__(self) -> None:
        self.redact.add(self.api_key)
        if testing_requested():
            set_testing(True)


class Session:
    """What a command needs while it runs; `run` turns its outcome into an exit code."""

    def __init__(self, options: GlobalOptions, *, as_json: bool = False, mock: bool = False):
        self.options = options
        self.as_json = as_json
        self.mock = mock
        console = make_console()
        self.reporter = Reporter(
            console,
            animate=should_animate(console),
            redact=options.redact,
            # --verbose logs every task event already: the plain lines would repeat them.
            events_logged=options.verbose,
        )
        self._stack = ExitStack()
        self._connection: tuple[str | None, str | None] | None = None
        #: The task the command is working on; named in errors and after Ctrl-C.
        self.task_id: str | None = None
        #: Arguments of the command that picks up where this one stopped (after the prog).
        self.resume_args: list[str] | None = None
        #: Said after Ctrl-C when no task id is known yet (e.g. during create).
        self.interrupt_note: str | None = None
        #: A task was (or may have been) created by this command: exit code 2 would lie.
        self.created = False

    # Where to connect

    def connection(self) -> tuple[str | None, str | None]:
        """(api_key, base_url) for the client; starts the in-process mock with --mock."""
        if self._connection is None:
            if self.mock:
                server = self._stack.enter_context(start_mock_server())
                self.options.redact.add(server.api_key)
                self.reporter.info(f"using an in-process mock server at {server.base_url}")
                self._connection = (server.api_key, server.base_url)
            else:
                self._connection = (self.options.api_key, self.options.base_url)
        return self._connection

    def origin(self) -> str:
        """Where tasks are made: scheme://host:port of the gateway, or "mock" with --mock."""
        if self.mock:
            return MOCK_ORIGIN
        return origin_of(self._base_url(self.options.base_url))

    def base_url(self) -> str:
        """The gateway's base URL as given (or the default): for resume hints."""
        return str(self._base_url(self.options.base_url))

    def _base_url(self, base_url: str | None) -> httpx.URL:
        try:
            return resolve_base_url(base_url, allow_insecure_http=True)
        except ConfigurationError as exc:
            raise UsageProblem(_messages.configuration(exc)) from None

    def _check_http(self, base_url: str | None) -> None:
        """Refuse a plain-http gateway (the key would travel in clear) unless allowed."""
        url = self._base_url(base_url)
        if self.options.allow_insecure_http or self.mock:
            return
        if url.scheme == "http" and not is_loopback_host(url.host):
            raise UsageProblem(
                f"Refusing the plain-http base URL {str(url)!r}: the API key would be sent "
                "unencrypted. Use https, or pass --allow-insecure-http (before the command, "
                "e.g. anyapi-sora --allow-insecure-http --base-url URL ...) if you really mean it."
            )

    def default_poll_interval(self, given: float | None) -> float | None:
        # The mock's tasks finish in seconds; the library's real-world interval is 10 s.
        if given is None and self.mock:
            return MOCK_POLL_INTERVAL
        return given

    def _check_key(self, api_key: str | None) -> None:
        try:
            resolve_api_key(api_key if api_key is not None else "")
        except ConfigurationError as exc:
            raise UsageProblem(_messages.configuration(exc)) from None

    def check_connection(self) -> None:
        """Everything about the key and the gateway that can be refused before a request."""
        api_key, base_url = self.connection()
        self._check_key(api_key)
        self._check_http(base_url)

    def client(self) -> AnyAPI:
        self.check_connection()
        api_key, base_url = self.connection()
        try:
            client = AnyAPI(
                api_key,
                base_url=base_url,
                allow_insecure_http=self.options.allow_insecure_http,
            )
        except ConfigurationError as exc:
            raise UsageProblem(_messages.configuration(exc)) from None
        return self._stack.enter_context(client)

    def async_client(self) -> AsyncAnyAPI:
        self.check_connection()
        api_key, base_url = self.connection()
        try:
            client = AsyncAnyAPI(
                api_key,
                base_url=base_url,
                allow_insecure_http=self.options.allow_insecure_http,
            )
        except ConfigurationError as exc:
            raise UsageProblem(_messages.configuration(exc)) from None
        return client

    # Output

    def resume_command(self, *args: str) -> str:
        words = [PROG_NAME]
        base_url = self.options.base_url
        if base_url and base_url.rstrip("/") != DEFAULT_BASE_URL and not self.mock:
            words += ["--base-url", base_url]
        if self.options.allow_insecure_http and not self.mock:
            words.insert(1, "--allow-insecure-http")
        words += args
        return shlex.join(words)

    def emit(self, data: object) -> None:
        print_json(data)

    # Running

    def run(self, body: Callable[[], int]) -> int:
        """Run the command's body; report any failure on stderr (and stdout with --json)."""
        try:
            with self._stack:
                return body()
        except KeyboardInterrupt as exc:
            self._report_interrupt()
            return self._fail(exc, "terminated" if terminated() else "interrupted")
        except Exception as exc:
            code = exit_code_for(exc)
            if code == USAGE and self.created:
                code = FAILED  # 2 promises that nothing was billed
            message = self.options.redact(self.describe(exc))
            known = isinstance(exc, (AnyAPIError, OSError, CommandError))
            if not known:
                message = f"unexpected {type(exc).__name__}: {message}"
            self.reporter.error(message)
            if not known and self.options.verbose:
                self.reporter.line(self.options.redact(traceback.format_exc()))
            for hint in self._hints(exc, code):
                self.reporter.info(hint)
            return self._fail(exc, message, code)

    def describe(self, exc: BaseException) -> str:
        """The error in the command line's words (never the library's Python advice)."""
        if isinstance(exc, CommandError):
            return str(exc)
        if isinstance(exc, WaitTimeoutError):
            return _messages.wait_timeout(exc)
        if isinstance(exc, InvalidParameterError):
            return _messages.invalid_parameter(exc)
        if isinstance(exc, ConfigurationError):
            return _messages.configuration(exc)
        if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
            return f"{exc.strerror}: {exc.filename}"
        return _messages.library_message(exc)

    def _hints(self, exc: BaseException, code: int) -> list[str]:
        """What to do next, for a failure that left a task behind or has a likely cause."""
        hints: list[str] = []
        if isinstance(exc, NotFoundError) and not self.mock:
            url = self._base_url(self.options.base_url)
            if ends_in_version(url):
                hints.append(_messages.versioned_base_url(url))
        unknown_task = isinstance(exc, BadRequestError) and exc.code == "task_not_exist"
        if unknown_task and self.mock:
            hints.append(MOCK_FORGETS)
        if self.created and self.task_id is None:
            hints.append(
                "The create request failed after it was sent: a task may have been created "
                "(and billed). Check your recent tasks before creating it again."
            )
        if (
            self.task_id is not None
            and self.resume_args
            and code != USAGE  # the same command would fail the same way
            and not isinstance(exc, VideoGenerationError)
            and not (unknown_task and self.mock)
        ):
            if self.mock:
                hints.append(MOCK_GONE)
            else:
                hints.append(f"Resume with:  {self.resume_command(*self.resume_args)}")
        return hints

    def _fail(self, exc: BaseException, message: str, code: int | None = None) -> int:
        if code is None:
            code = interrupted_exit_code()
        if self.as_json:
            task: VideoTask | None = None
            if isinstance(exc, (VideoGenerationError, WaitTimeoutError)):
                task = exc.task
            task_id = task.id if task is not None else self.task_id
            self.emit(error_json(exc, message, code, task_id=task_id, task=task))
        return code

    def _report_interrupt(self) -> None:
        stopped = "Terminated (SIGTERM)." if terminated() else "Interrupted."
        if self.task_id is None:
            self.reporter.warn(stopped)
            if self.interrupt_note:
                self.reporter.warn(self.interrupt_note)
            return
        if self.resume_args and self.resume_args[0] == "download":
            self.reporter.warn(
                f"{stopped} Task {self.task_id} is finished (and paid for); its video is ready "
                "to download."
            )
        else:
            self.reporter.warn(
                f"{stopped} Task {self.task_id} keeps running on the server (it is paid for)."
            )
        if self.mock:
            self.reporter.warn(MOCK_GONE)
        elif self.resume_args:
            verb = "Download it with" if self.resume_args[0] == "download" else "Resume with"
            self.reporter.warn(f"{verb}:  {self.resume_command(*self.resume_args)}")


MOCK_GONE = (
    "It lived on the in-process mock server of --mock, which stops with this command, so "
    "nothing can resume it. To keep a mock running between commands: anyapi-sora mock-server "
    "(in another terminal), then anyapi-sora --base-url http://127.0.0.1:8000 ... without --mock."
)
MOCK_FORGETS = (
    "--mock starts a new, empty mock server for each command, so it knows no task made by "
    "another command. To keep one running between commands: anyapi-sora mock-server (in "
    "another terminal), then anyapi-sora --base-url http://127.0.0.1:8000 ... without --mock."
)


def origin_of(url: httpx.URL) -> str:
    """scheme://host:port, the port always given (443 and 80 too)."""
    host = url.host
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme}://{host.lower()}:{port}"
