"""--verbose logging: stderr only, and the key redacted from every record."""

from __future__ import annotations

import io
import logging

import pytest
from anyapi_sora.cli._logging import REDACTED, RedactingFilter, SecretRedactor

KEY = "sk-live-0123456789abcdef"


@pytest.fixture
def log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(SecretRedactor([KEY])))
    logger = logging.getLogger("anyapi_sora.cli.tests")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_the_key_is_redacted_from_messages_arguments_and_tracebacks(log):
    logger, stream = log
    logger.debug("key is %s", KEY)
    logger.info(f"inline {KEY} too")
    try:
        raise RuntimeError(f"failed with {KEY}")
    except RuntimeError:
        logger.exception("oops")

    output = stream.getvalue()
    assert KEY not in output
    assert output.count(REDACTED) == 3  # message, argument, exception text


def test_bearer_tokens_are_redacted_even_when_unknown(log):
    logger, stream = log
    logger.warning("headers: {'Authorization': 'Bearer sk-other-secret'}")

    assert "sk-other-secret" not in stream.getvalue()
    assert f"Bearer {REDACTED}" in stream.getvalue()


def test_short_values_are_not_treated_as_secrets():
    redact = SecretRedactor(["", "ab", None, KEY])  # type: ignore[list-item]

    assert redact("ab cd") == "ab cd"
    assert redact(f"x{KEY}y") == f"x{REDACTED}y"
