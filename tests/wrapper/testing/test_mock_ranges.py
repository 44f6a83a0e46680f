"""Parsing `Range: bytes=...` headers."""

from __future__ import annotations

import pytest
from anyapi_sora.testing._ranges import ByteRange, RangeNotSatisfiable, parse_range
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", ByteRange(0, 1)),
        ("bytes=0-", ByteRange(0, 100)),
        ("bytes=10-19", ByteRange(10, 20)),
        ("bytes=90-500", ByteRange(90, 100)),
        ("bytes=-1", ByteRange(99, 100)),
        ("bytes=-500", ByteRange(0, 100)),
        ("Bytes = 5 - 6", ByteRange(5, 7)),
        (None, None),
        ("bytes=5-1", None),
        ("bytes=1-2,4-5", None),
        ("lines=1-2", None),
        ("bytes=-", None),
        ("bytes=x-1", None),
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0"])
def test_unsatisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 100)


def test_content_range() -> None:
    assert ByteRange(10, 20).content_range(100) == "bytes 10-19/100"


@given(
    size=st.integers(1, 10**12),
    first=st.integers(0, 10**12) | st.none(),
    last=st.integers(0, 10**12) | st.none(),
)
def test_any_range_lies_within_the_file(size: int, first: int | None, last: int | None) -> None:
    header = f"bytes={'' if first is None else first}-{'' if last is None else last}"
    try:
        byte_range = parse_range(header, size)
    except RangeNotSatisfiable:
        assert (first is not None and first >= size) or (first is None and last == 0)
        return
    if byte_range is not None:
        assert 0 <= byte_range.start < byte_range.stop <= size
