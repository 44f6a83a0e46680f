"""The command's exit codes, and which failure maps to which."""

from __future__ import annotations

import errno

from .._exceptions import AnyAPIError, InvalidParameterError, WaitTimeoutError

OK = 0
FAILED = 1
USAGE = 2
TIMEOUT = 3
INTERRUPTED = 130
TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process killed by it

# Shown at the end of `anyapi-sora --help`; "\b" stops click from rewrapping it.
EXIT_CODES_HELP = """\b
Exit codes:
  0    success
  1    API error, or the video task failed (the reason is printed); the
       message says whether a task may exist (a refused create made none)
  2    usage error: bad option or input, no API key, unusable --out;
       only ever before anything is created, so nothing was billed
  3    timed out waiting (--timeout); the task keeps running: resume with
       `anyapi-sora wait ID`
  130  interrupted (Ctrl-C); the task id and the command that resumes it
       are printed, so a paid task is never lost
  143  stopped by SIGTERM (kill, timeout): handled like Ctrl-C
"""

# Bad --out targets: the user has to pick another path, whatever stage we were at.
_PATH_ERRNOS = frozenset({errno.EEXIST, errno.EISDIR, errno.ENOTDIR})


class CommandError(Exception):
    """A failure the command has described itself; carries its exit code."""

    def __init__(self, message: str, *, exit_code: int = FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UsageProblem(CommandError):
    """Bad input found before anything was sent: exit code 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=USAGE)


def exit_code_for(exc: BaseException) -> int:
    """The exit code for an exception that ended a command."""
    if isinstance(exc, CommandError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    if isinstance(exc, WaitTimeoutError):
        return TIMEOUT
    if isinstance(exc, InvalidParameterError):
        return USAGE
    if isinstance(exc, AnyAPIError):
        return FAILED
    if isinstance(exc, OSError) and exc.errno in _PATH_ERRNOS:
        return USAGE
    return FAILED
