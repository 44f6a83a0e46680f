"""The bytes behind the download URLs: the bundled sample files, or a large generated video."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator

CHUNK_SIZE = 64 * 1024
# A prime period, so the pattern never lines up with power-of-two chunk or block sizes and a
# download resumed at the wrong offset can't come out right by accident.
_PATTERN_PERIOD = 65_521


class Content(Protocol):
    """A downloadable file that can be read in ranges without loading it whole."""

    @property
    def size(self) -> int: ...

    @property
    def content_type(self) -> str: ...

    @property
    def etag(self) -> str: ...

    def iter_range(self, start: int, stop: int) -> Iterator[bytes]:
        """Bytes [start, stop) in chunks of at most CHUNK_SIZE."""
        ...


@dataclass(frozen=True, slots=True)
class InMemoryContent:
    """A downloadable file held in memory: the bundled sample MP4 and thumbnail."""

    data: bytes
    """The file's bytes."""
    content_type: str
    """Its media type, e.g. `"video/mp4"`."""
    etag: str = field(init=False)
    """A strong ETag made from the bytes' SHA-256."""

    def __post_init__(self) -> None:
        digest = hashlib.sha256(self.data).hexdigest()[:16]
        object.__setattr__(self, "etag", f'"{digest}"')

    @property
    def size(self) -> int:
        """The file's length in bytes."""
        return len(self.data)

    def iter_range(self, start: int, stop: int) -> Iterator[bytes]:
        """Bytes [start, stop) in chunks of at most 64 KiB.

        Args:
            start: The first byte's offset.
            stop: The offset after the last byte.

        Yields:
            The chunks, in order.
        """
        view = memoryview(self.data)
        for offset in range(start, stop, CHUNK_SIZE):
            yield bytes(view[offset : min(offset + CHUNK_SIZE, stop)])

    def read(self) -> bytes:
        """The whole file."""
        return self.data


class SyntheticVideo:
    """`size` deterministic pseudo-random bytes, made on the fly.

    It is not a playable video; it stands in for a large one so clients can be tested on
    streaming, progress and resume without anything that big on disk or in memory.
    """

    content_type: str = "video/mp4"
    """The media type it is served as."""

    def __init__(self, size: int) -> None:
        """Make the body; nothing is generated until it is read.

        Args:
            size: Its length in bytes, at least 1.

        Raises:
            ValueError: `size` is less than 1.
        """
        if size < 1:
            raise ValueError("size must be >= 1")
        self.size: int = size
        """Its length in bytes."""
        self.etag: str = f'"synthetic-{size}"'
        """The ETag it is served with."""
        self._pattern = random.Random("anyapi-sora-synthetic").randbytes(_PATTERN_PERIOD)

    def iter_range(self, start: int, stop: int) -> Iterator[bytes]:
        """Bytes [start, stop) in chunks of at most 64 KiB, made as they are asked for.

        Args:
            start: The first byte's offset.
            stop: The offset after the last byte.

        Yields:
            The chunks, in order.
        """
        position = start
        while position < stop:
            offset = position % _PATTERN_PERIOD
            take = min(_PATTERN_PERIOD - offset, stop - position, CHUNK_SIZE)
            yield self._pattern[offset : offset + take]
            position += take

    def read(self, start: int = 0, stop: int | None = None) -> bytes:
        """Bytes [start, stop) as one object: only for small ranges in tests.

        Args:
            start: The first byte's offset.
            stop: The offset after the last byte; None: the end.

        Returns:
            The bytes.
        """
        return b"".join(self.iter_range(start, self.size if stop is None else stop))

    def sha256(self) -> str:
        """The SHA-256 of the whole body, in hex: compare a download with it."""
        digest = hashlib.sha256()
        for chunk in self.iter_range(0, self.size):
            digest.update(chunk)
        return digest.hexdigest()


def _asset(name: str) -> bytes:
    return resources.files("anyapi_sora.testing").joinpath("assets").joinpath(name).read_bytes()


def sample_video() -> InMemoryContent:
    """The bundled real MP4 (see assets/README.md for how it was made)."""
    return InMemoryContent(_asset("sample.mp4"), "video/mp4")


def sample_thumbnail() -> InMemoryContent:
    return InMemoryContent(_asset("thumbnail.webp"), "image/webp")


@dataclass(frozen=True, slots=True)
class ContentRange:
    """The part of a Content that one response sends, as a response Body."""

    content: Content
    start: int
    stop: int

    @property
    def length(self) -> int:
        return self.stop - self.start

    def chunks(self) -> Iterator[bytes]:
        return self.content.iter_range(self.start, self.stop)
