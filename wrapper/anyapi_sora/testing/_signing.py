"""Signed, expiring file URLs, like the blob-store links real gateways hand out."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import itertools
import math
import secrets
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from collections.abc import Mapping

_EXPIRY_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class UrlSigner:
    """Signs file paths and checks signatures. Every signature is new, even for one path."""

    def __init__(self, ttl_seconds: float | None) -> None:
        if ttl_seconds is not None and ttl_seconds < 0:
            raise ValueError("url_ttl_seconds must be >= 0 or None")
        self.ttl_seconds = ttl_seconds
        self._secret = secrets.token_bytes(32)
        # A nonce makes each query's URL differ, so a client can tell it got a fresh one.
        self._nonces = itertools.count(1)
        self._lock = threading.Lock()

    def sign(self, path: str, now_unix: float) -> str:
        """`path?...&sig=...`, valid until ttl seconds after `now_unix` (rounded up to 1 s)."""
        params: dict[str, str] = {}
        if self.ttl_seconds is not None:
            expiry = math.ceil(now_unix + self.ttl_seconds)
            params["se"] = datetime.datetime.fromtimestamp(expiry, datetime.timezone.utc).strftime(
                _EXPIRY_FORMAT
            )
        with self._lock:
            params["sn"] = str(next(self._nonces))
        params["sig"] = self._signature(path, params.get("se", ""), params["sn"])
        return f"{path}?{urlencode(params)}"

    def check(self, path: str, query: Mapping[str, str], now_unix: float) -> str | None:
        """None when the URL is good, else why it is refused."""
        expiry_text = query.get("se", "")
        expected = self._signature(path, expiry_text, query.get("sn", ""))
        if not hmac.compare_digest(expected, query.get("sig", "")):
            return "Signature did not match."
        if expiry_text:
            expiry = datetime.datetime.strptime(expiry_text, _EXPIRY_FORMAT).replace(
                tzinfo=datetime.timezone.utc
            )
            if now_unix > expiry.timestamp():
                return "Signed expiry time has passed."
        elif self.ttl_seconds is not None:
            return "Signature is missing its expiry."
        return None

    def _signature(self, path: str, expiry: str, nonce: str) -> str:
        message = f"{path}\n{expiry}\n{nonce}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]
