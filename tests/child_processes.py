"""Child processes that tests start in the background: every one is killed and reaped.

Start them with `start`; the autouse fixture in tests/wrapper/conftest.py calls `reap_all`
after each test, whatever its outcome, so a failed or interrupted test leaves no server
running to break the tests after it. (`subprocess.run` reaps its child by itself.)
"""

from __future__ import annotations

import atexit
import signal
import subprocess
import sys
from typing import Any

# Started processes not reaped yet.
_started: list[subprocess.Popen[Any]] = []

# A test process started with SIGINT ignored (`trap '' INT`, a background job, nohup, some
# CI runners) passes that on to its children, whose Python then never raises
# KeyboardInterrupt. Tests that Ctrl-C a child run it through this, which puts Python's
# own handler back first.
_WITH_SIGINT = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = {prog!r}; runpy.run_module({module!r}, run_name='__main__')"
)


def python_module_with_sigint(module: str, prog: str) -> list[str]:
    """`python -m module` whose Ctrl-C works even if SIGINT was ignored in this process;
    `prog` is the program name it sees in sys.argv[0]."""
    return [sys.executable, "-c", _WITH_SIGINT.format(module=module, prog=prog)]


def sigint_ignored() -> bool:
    """True when this process (and so, by default, every child) ignores Ctrl-C."""
    return signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def start(args: list[str], **options: Any) -> subprocess.Popen[str]:
    """`subprocess.Popen(args, text=True, **options)`, killed after the test if still running."""
    options.setdefault("text", True)
    process: subprocess.Popen[str] = subprocess.Popen(args, **options)
    _started.append(process)
    return process


def reap_all() -> list[str]:
    """Kill every started child that still runs, wait for all, close their pipes.

    Returns the commands that were still running (a test that cleans up after itself
    leaves none).
    """
    killed = []
    while _started:
        process = _started.pop()
        if process.poll() is None:
            killed.append(" ".join(map(str, process.args)))
            process.kill()
        try:
            process.communicate(timeout=10)
        except (ValueError, OSError):  # pipes already read to the end and closed
            process.wait(timeout=10)
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
    return killed


# The last resort, should the session itself be cut short before a test's teardown.
atexit.register(reap_all)
