"""Logging for the command: stderr only, and never the API key."""

from __future__ import annotations

import logging
import re
import sys
from typing import TYPE_CHECKING, TextIO

from .._params import OPEN_VALUE_RECORD

if TYPE_CHECKING:
    from collections.abc import Iterable

LOGGER_NAME = "anyapi_sora"
REDACTED = "[REDACTED]"
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",;]+")


class SecretRedactor:
    """Replaces known secrets, and anything after "Bearer", in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        # Very short values would blank out ordinary words; real keys are long.
        if secret and len(secret.strip()) >= 6:
            self._secrets.add(secret.strip())

    def __call__(self, text: str) -> str:
        # Longest first, so a key that contains another secret is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return _BEARER.sub(r"\1" + REDACTED, text)


def _not_said_by_the_command(record: logging.LogRecord) -> bool:
    """False for the library's warning about an unfamiliar --model/--orientation/--size
    value: the command says it itself, in its own words (`--size 'medium'`)."""
    return not hasattr(record, OPEN_VALUE_RECORD)


class RedactingFilter(logging.Filter):
    """Rewrites every record that passes a handler so that no secret reaches the output.

    The library already keeps the key out of its messages; this is defence in depth for
    records from anywhere (third-party loggers, exception text, a future bug).
    """

    def __init__(self, redact: SecretRedactor) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        clean = self._redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


if TYPE_CHECKING:
    _StreamHandler = logging.StreamHandler[TextIO]
else:  # StreamHandler is subscriptable at runtime only from Python 3.11
    _StreamHandler = logging.StreamHandler


class _CurrentStderrHandler(_StreamHandler):
    """Writes to whatever sys.stderr is at emit time (rich swaps it while a bar is live)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(*, verbose: bool, redact: SecretRedactor) -> logging.Handler:
    """Send the library's log to stderr: warnings always, everything with --verbose."""
    logger = logging.getLogger(LOGGER_NAME)
    for old in [h for h in logger.handlers if isinstance(h, _CurrentStderrHandler)]:
        logger.removeHandler(old)
    handler = _CurrentStderrHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    )
    handler.addFilter(_not_said_by_the_command)
    handler.addFilter(RedactingFilter(redact))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    # Our handler prints it; the root logger (or a host app's) must not print it twice.
    logger.propagate = False
    return handler
