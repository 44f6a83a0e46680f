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
from .._config import API_KEY_ENV, DEFAULT_BASE_URL, is_loopback_host, resolve_base_url
from .._exceptions import AnyAPIError, VideoGenerationError, WaitTimeoutError
from ._exit_codes import INTERRUPTED, TIMEOUT, CommandError, UsageProblem, exit_code_for
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
        self.reporter = Reporter(console, animate=should_animate(console), redact=options.redact)
        self._stack = ExitStack()
        self._connection: tuple[str | None, str | None] | None = None
        #: The task the command is working on; named in errors and after Ctrl-C.
        self.task_id: str | None = None
        #: Arguments of the command that picks up where this one stopped (after the prog).
        self.resume_args: list[str] | None = None
        #: Said after Ctrl-C when no task id is known yet (e.g. during create).
        self.interrupt_note: str | None = None

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
        try:
            url = resolve_base_url(self.options.base_url, allow_insecure_http=True)
        except AnyAPIError as exc:
            raise _configuration_problem(exc) from None
        return origin_of(url)

    def base_url(self) -> str:
        """The gateway's base URL as given (or the default): for resume hints."""
        try:
            return str(resolve_base_url(self.options.base_url, allow_insecure_http=True))
        except AnyAPIError as exc:
            raise _configuration_problem(exc) from None

    def _check_http(self, base_url: str | None) -> None:
        """Refuse a plain-http gateway (the key would travel in clear) unless allowed."""
        if self.options.allow_insecure_http or self.mock:
            return
        try:
            url = resolve_base_url(base_url, allow_insecure_http=True)
        except AnyAPIError as exc:
            raise _configuration_problem(exc) from None
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
        if api_key is None or not api_key.strip():
            raise UsageProblem(
                f"No API key: pass --api-key KEY or set {API_KEY_ENV} "
                "(or try the command with --mock)"
            )

    def client(self) -> AnyAPI:
        api_key, base_url = self.connection()
        self._check_key(api_key)
        self._check_http(base_url)
        try:
            client = AnyAPI(
                api_key,
                base_url=base_url,
                allow_insecure_http=self.options.allow_insecure_http,
            )
        except AnyAPIError as exc:
            raise _configuration_problem(exc) from None
        return self._stack.enter_context(client)

    def async_client(self) -> AsyncAnyAPI:
        api_key, base_url = self.connection()
        self._check_key(api_key)
        self._check_http(base_url)
        try:
            client = AsyncAnyAPI(
                api_key,
                base_url=base_url,
                allow_insecure_http=self.options.allow_insecure_http,
            )
        except AnyAPIError as exc:
            raise _configuration_problem(exc) from None
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
            return self._fail(exc, "interrupted", INTERRUPTED)
        except Exception as exc:
            code = exit_code_for(exc)
            message = self.options.redact(_message(exc))
            known = isinstance(exc, (AnyAPIError, OSError, CommandError))
            if not known:
                message = f"unexpected {type(exc).__name__}: {message}"
            self.reporter.error(message)
            if not known and self.options.verbose:
                self.reporter.line(self.options.redact(traceback.format_exc()))
            if code == TIMEOUT and self.resume_args:
                self.reporter.info(f"Resume with:  {self.resume_command(*self.resume_args)}")
            return self._fail(exc, message, code)

    def _fail(self, exc: BaseException, message: str, code: int) -> int:
        if self.as_json:
            task: VideoTask | None = None
            if isinstance(exc, (VideoGenerationError, WaitTimeoutError)):
                task = exc.task
            task_id = task.id if task is not None else self.task_id
            self.emit(error_json(exc, message, code, task_id=task_id, task=task))
        return code

    def _report_interrupt(self) -> None:
        if self.task_id is None:
            self.reporter.warn("Interrupted.")
            if self.interrupt_note:
                self.reporter.warn(self.interrupt_note)
            return
        self.reporter.warn(
            f"Interrupted. Task {self.task_id} keeps running on the server (it is paid for)."
        )
        if self.mock:
            self.reporter.warn("It lived on the in-process mock server, which has now stopped.")
        elif self.resume_args:
            self.reporter.warn(f"Resume with:  {self.resume_command(*self.resume_args)}")


def origin_of(url: httpx.URL) -> str:
    """scheme://host:port, the port always given (443 and 80 too)."""
    host = url.host
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme}://{host.lower()}:{port}"


def _configuration_problem(exc: AnyAPIError) -> UsageProblem:
    # No key, or a base URL we refuse: nothing was sent, so it is a usage error.
    return UsageProblem(str(exc))


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.strerror}: {exc.filename}"
    return str(exc) or type(exc).__name__
