"""The create options' types and defaults, shared by `create()` and `generate()` of both clients.

One place for the defaults, so that the four signatures that repeat them cannot drift apart
(tests/wrapper/test_client.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal

import httpx

if TYPE_CHECKING:
    from ._models import VideoTask

Orientation = Literal["portrait", "landscape"]
"""Closed in practice: every gateway speaking the format takes exactly these two."""

# `model` and `size` stay `str`: gateways add models (sora-2-all, veo...) and sizes on their
# own schedule, and a type checker must not refuse what the gateway accepts.
KNOWN_MODELS = ("sora-2", "sora-2-pro")
KNOWN_SIZES = ("small", "large")

DEFAULT_MODEL = "sora-2"
DEFAULT_ORIENTATION: Orientation = "portrait"
DEFAULT_SIZE = "small"
DEFAULT_DURATION = 10
DEFAULT_WAIT_TIMEOUT = 1800.0

OrphanedTaskCallback = Callable[["VideoTask"], object]
"""Called with each task whose create answered after its caller had been cancelled."""

Headers = Mapping[str, str]
"""Request headers: `default_headers` on the clients, `extra_headers` on each call."""

Query = Mapping[str, str | int | float | bool]
"""Query parameters: `default_query` on the clients, `extra_query` on each call."""

RequestTimeout = float | httpx.Timeout
"""Seconds for each phase of a request (connect at most 10 s), or an `httpx.Timeout`."""
