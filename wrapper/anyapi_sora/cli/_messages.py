"""The library's errors in the command line's words.

The library speaks Python (`wait('id')`, `api_key=`, `images=[...]`); a command-line user
needs `anyapi-sora wait ID`, `--api-key`, `--image`. The command never rewrites the
library's sentences (their wording changes): it words its own from the error's
attributes, and drops the notes the library adds for Python callers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .._config import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL, ConfigurationError
from .._download import OutputProblem, ProblemKind
from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    InvalidParameterError,
    TaskNotCreatedError,
    WaitTimeoutError,
)
from .._retry import was_not_sent

if TYPE_CHECKING:
    import httpx

#: User values echoed in errors are cut to this many characters.
ECHO_LIMIT = 60
_LONG_WORD = re.compile(r"\S{100,}")
_INDEX = re.compile(r"\[.*\]$")

# The library's argument names, as command-line options.
_OPTIONS = {
    "prompt": "PROMPT",
    "model": "--model",
    "orientation": "--orientation",
    "size": "--size",
    "duration": "--duration",
    "images": "--image",
    "watermark": "--watermark/--no-watermark",
    "private": "--private",
    "extra_body": "--extra",
    "timeout": "--timeout",
    "poll_interval": "--poll-interval",
    "task_id": "ID",
}

_CONFIGURATION = {
    "key_type": f"the API key must be text; check --api-key or {API_KEY_ENV}",
    "no_key": (
        f"No API key: pass --api-key KEY or set {API_KEY_ENV} (or try the command with --mock)"
    ),
    "key_spaces": (
        f"the API key contains spaces or control characters; check --api-key or {API_KEY_ENV} "
        "for a stray newline or quote"
    ),
    "key_non_ascii": (
        "the API key contains a non-ASCII character (often a curly quote or dash pasted with "
        f"it); check --api-key or {API_KEY_ENV}"
    ),
    "base_url_invalid": (
        f"--base-url (or {BASE_URL_ENV}) must be an http(s) URL such as {DEFAULT_BASE_URL}"
    ),
    "base_url_userinfo": (
        "--base-url must not contain a user name or password; pass the key with --api-key "
        f"or {API_KEY_ENV}"
    ),
    "base_url_query": (
        "--base-url must not contain a query string or fragment; give the gateway's root "
        f"URL such as {DEFAULT_BASE_URL}"
    ),
    "insecure_http": (
        "Refusing a plain-http --base-url: the API key would be sent unencrypted. Use https, "
        "or pass --allow-insecure-http (before the command) if you really mean it."
    ),
}


def echo(value: str, limit: int = ECHO_LIMIT) -> str:
    """A user's value quoted for an error message, cut short if long."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[: limit - 1]!r}… ({len(value):,} characters)"


def shorten_long_words(text: str) -> str:
    """Cut any very long unbroken run (a pasted blob, a 5,000-digit number) in a message."""
    return _LONG_WORD.sub(lambda m: f"{m.group()[:40]}… ({len(m.group()):,} characters)", text)


def option_for(param: str) -> str:
    """The command-line option for a library argument name such as `images[2]`."""
    base = _INDEX.sub("", param)
    return _OPTIONS.get(base, f"--{base.replace('_', '-')}")


def unfamiliar_value(where: str, known: tuple[str, ...]) -> str:
    """The warning for a value other than the documented ones (`where`: `--size 'medium'`)."""
    return (
        f"{where} is not one of the documented values ({', '.join(known)}); it is sent as "
        "given: the gateway decides whether it takes it"
    )


def library_message(exc: BaseException) -> str:
    """The error's text without the note the library adds for Python callers."""
    text = str(exc) or type(exc).__name__
    note = getattr(exc, "note", None)
    if isinstance(note, str) and note and text.endswith(f"; {note}"):
        text = text[: -len(note) - 2]
    return text


def invalid_parameter(exc: InvalidParameterError) -> str:
    """`--image: expected an http(s) URL, got ...` for `invalid images[0]: expected ...`."""
    text = library_message(exc)
    prefix = f"invalid {exc.param}: "
    detail = text[len(prefix) :] if text.startswith(prefix) else text
    option = option_for(exc.param)
    index = _INDEX.search(exc.param)
    if option == "--extra" and index is not None:
        option = f"--extra {index.group()[1:-1].strip(chr(39) + chr(34))}"  # extra_body['k']
    return shorten_long_words(f"{option}: {detail}")


def configuration(exc: ConfigurationError) -> str:
    return _CONFIGURATION.get(exc.problem, library_message(exc))


def output_problem(out: str, problem: OutputProblem, option: str = "--out") -> str:
    """Why the video cannot be saved at `option` (--out), and what to do instead."""
    where = str(problem.path)
    if problem.kind is ProblemKind.EXISTS:
        return f"{where} already exists; choose another {option}, or pass --overwrite to replace it"
    if problem.kind is ProblemKind.NOT_REGULAR:
        return (
            f"{where} is {problem.what}, not a regular file; it is never replaced "
            f"(not even with --overwrite): choose another {option}"
        )
    if problem.kind is ProblemKind.IS_FOLDER:
        return f"{where} is a folder; give a file name, or the folder to save into (ending in /)"
    if problem.kind is ProblemKind.UNDER_A_FILE:
        return f"cannot save to {out}: {where} is a file, not a folder"
    return f"cannot save to {out}: no permission to write in {where}; choose another {option}"


def versioned_base_url(url: httpx.URL) -> str:
    """The hint for a 404 from a base URL ending in /v1 (see `_config.ends_in_version`)."""
    root = url.copy_with(path=url.path.rstrip("/")[: -len("/v1")] or "/")
    return (
        f"The base URL {str(url)!r} ends in /v1, but the routes add /v1 themselves: "
        f"drop it, e.g. --base-url {str(root).rstrip('/')}"
    )


def wait_timeout(exc: WaitTimeoutError) -> str:
    task = exc.task
    if task is None:
        last = "no status received yet"
    else:
        last = f"last status: {task.status.value}"
        if task.progress is not None:
            last += f" {task.progress:g}%"
    return (
        f"task {exc.task_id} did not finish within {exc.timeout:g}s ({last}); "
        "it keeps running on the server"
    )


def certainly_not_created(exc: BaseException) -> bool:
    """True when a failed create cannot have made (and billed) a task."""
    if isinstance(exc, (InvalidParameterError, TaskNotCreatedError)):
        # TaskNotCreatedError: the gateway answered "no task" (an empty id, status "error"),
        # with HTTP 500 or even 200 on some gateways; its status says nothing about a task.
        return True
    if isinstance(exc, APIStatusError):
        # 4xx: refused (bad input, key, quota, rate limit). 5xx may have started a task.
        return exc.status_code < 500
    return isinstance(exc, APIConnectionError) and was_not_sent(exc)
