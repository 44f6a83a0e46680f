"""The DEBUG line that shows an API response's body, with its secrets taken out.

When a gateway answers in a dialect this library does not read, this line is what a user
reports. It must not carry what the logs promise never to show: the API key (should a
gateway echo it) and the signatures of signed URLs (a URL's query is its credential).
"""

from __future__ import annotations

import logging
import re

import httpx

__all__ = ["BODY_LOG_LIMIT", "log_body", "redacted_body"]

logger = logging.getLogger("anyapi_sora")

BODY_LOG_LIMIT = 4000
# An http(s) URL's query, also inside JSON that escapes "/" as "\/".
_URL_QUERY = re.compile(r"(https?:(?:\\?/){2}[^\s\"'<>?#]*)\?[^\s\"'<>#]*", re.IGNORECASE)
_MIN_SECRET = 8


def redacted_body(text: str, secret: str | None = None) -> str:
    """``text`` with every URL query replaced by "?…" and ``secret`` by "***"."""
    text = _URL_QUERY.sub(r"\1?…", text)
    if secret and len(secret) >= _MIN_SECRET:
        text = text.replace(secret, "***")
    return text


def _bearer_token(request: httpx.Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def log_body(response: httpx.Response) -> None:
    """Log the start of ``response``'s body at DEBUG (the caller checks the level)."""
    try:
        request = response.request
        content = response.content
    except (RuntimeError, httpx.ResponseNotRead):  # no request attached, or streamed
        return
    text = redacted_body(
        content[: BODY_LOG_LIMIT * 4].decode("utf-8", errors="replace"), _bearer_token(request)
    )
    cut = len(text) > BODY_LOG_LIMIT or len(content) > BODY_LOG_LIMIT * 4
    logger.debug(
        "%s %s body: %s%s", request.method, request.url, text[:BODY_LOG_LIMIT], "…" if cut else ""
    )
