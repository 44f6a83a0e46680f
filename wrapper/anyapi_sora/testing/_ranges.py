"""HTTP `Range: bytes=...` for downloads, as far as resuming clients use it."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SINGLE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class RangeNotSatisfiable(ValueError):
    """The range lies wholly past the end of the file: answer 416."""


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    stop: int
    """Exclusive."""

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.stop - 1}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range to send, or None to send the whole file.

    Multiple ranges and malformed headers are ignored (a full 200), which RFC 9110 allows
    and which keeps the server from having to speak multipart/byteranges.
    """
    if header is None:
        return None
    match = _SINGLE_RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable(header)
        return ByteRange(max(0, size - suffix), size)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(header)
    stop = size if not last else min(int(last) + 1, size)
    return ByteRange(start, stop)
