"""The tolerant JSON readers the dialect rules build on, at the edges the task tests leave."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

import pytest
from anyapi_sora._json_readers import at, is_mapping, mapping, moment, number

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Record(Mapping[str, object]):
    """A mapping that is not a dict, as a caller's own body type may be."""

    def __init__(self, **items: object) -> None:
        self._items = items

    def __getitem__(self, key: str) -> object:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@pytest.mark.parametrize("value", [{}, MappingProxyType({"a": 1}), Record(a=1)])
def test_any_mapping_is_a_mapping(value: object) -> None:
    assert is_mapping(value)
    assert mapping(value) is value


@pytest.mark.parametrize(
    "value", ["a", 1, 1.5, True, None, [("a", 1)], ("a", 1), {"a"}, b"a", object()]
)
def test_nothing_else_is_a_mapping(value: object) -> None:
    assert not is_mapping(value)
    assert mapping(value) == {}


def test_a_path_runs_through_mappings_that_are_not_dicts() -> None:
    body = MappingProxyType({"detail": Record(draft={"url": "u"})})
    assert at(body, ("detail", "draft", "url")) == "u"
    assert at(body, ("detail", "missing", "url")) is None
    assert at({"detail": ("draft", "url")}, ("detail", "draft")) is None
    assert at({"detail": "text"}, ("detail", "draft")) is None


def test_a_percent_sign_is_read_only_where_allowed() -> None:
    assert number("45%") is None
    assert number("45 %", allow_percent=True) == 45.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, EPOCH + timedelta(seconds=0.5)),
        (1, EPOCH + timedelta(seconds=1)),
        # Below the threshold, seconds (year 5138); from it on, milliseconds (1973).
        (1e11 - 1, EPOCH + timedelta(seconds=1e11 - 1)),
        (1e11, datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)),
        (1762010621, datetime(2025, 11, 1, 15, 23, 41, tzinfo=UTC)),
        (1762010621323, datetime(2025, 11, 1, 15, 23, 41, 323000, tzinfo=UTC)),
    ],
)
def test_a_number_is_seconds_or_milliseconds_by_its_size(value: float, expected: datetime) -> None:
    assert moment(value) == expected


@pytest.mark.parametrize("value", [0, -1, -1762010621323])
def test_a_number_not_after_1970_is_no_time(value: float) -> None:
    assert moment(value) is None
