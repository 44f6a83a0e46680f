"""Task ids in the formats real gateways hand out, drawn from a seeded RNG."""

from __future__ import annotations

import string
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

# Crockford base32, lower case: what the real upstream ids (ULIDs) are written in.
_ULID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_ALPHANUMERIC = string.ascii_letters + string.digits


def mint_upstream_id(unix_ms: int, rng: random.Random) -> str:
    """A ULID-like `task_<26 chars>` id: 48 bits of time, then 80 random bits."""
    value = (unix_ms & (2**48 - 1)) << 80 | rng.getrandbits(80)
    chars = [_ULID_ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5)]
    return "task_" + "".join(chars)


def mint_uuid(rng: random.Random) -> str:
    """A version 4 UUID, as OpenAI-style video ids and task records carry."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def mint_token(rng: random.Random, length: int) -> str:
    """Mixed-case letters and digits, like the `PORrVn9sa9` in a Veo task id."""
    return "".join(rng.choice(_ALPHANUMERIC) for _ in range(length))


def veo_task_id(model: str, unix_ms: int, rng: random.Random) -> str:
    """`<model>:<unix seconds>-<10 chars>`, e.g. `veo3-fast:1757555257-PORrVn9sa9`."""
    return f"{model}:{unix_ms // 1000}-{mint_token(rng, 10)}"
