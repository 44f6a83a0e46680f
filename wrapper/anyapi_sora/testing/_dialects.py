"""The gateway dialects the mock speaks, by name, and which one each new task gets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._dialect_anyapi import AnyApi, AnyApiDetail
from ._dialect_newapi_task import NewApiTask
from ._dialect_openai import NewApiVideo, OpenAIVideo
from ._dialect_veo import VeoUpsample
from ._dialect_yunwu import Yunwu

if TYPE_CHECKING:
    from ._dialect_base import Dialect

MIXED = "mixed"
"""Not a dialect of its own: each new task gets the next dialect of `DIALECTS` in turn."""

_REGISTRY: dict[str, Dialect] = {
    dialect.name: dialect
    for dialect in (
        AnyApi(),
        AnyApiDetail(),
        OpenAIVideo(),
        NewApiTask(),
        VeoUpsample(),
        NewApiVideo(),
        Yunwu(),
    )
}

DIALECTS: tuple[str, ...] = tuple(_REGISTRY)
"""Every dialect the mock speaks, in the order `mixed` hands them out."""


def dialect_named(name: str) -> Dialect:
    """The dialect called `name`; KeyError if there is none."""
    return _REGISTRY[name]


class DialectPlan:
    """Which dialect each task is answered in: one for all, or (`mixed`) each in turn."""

    def __init__(self, name: str) -> None:
        if name != MIXED and name not in _REGISTRY:
            choices = ", ".join(repr(choice) for choice in (MIXED, *DIALECTS))
            raise ValueError(f"dialect must be one of {choices}, got {name!r}")
        self.name = name
        self._rotation = tuple(_REGISTRY.values()) if name == MIXED else (_REGISTRY[name],)

    def pick(self, index: int) -> tuple[Dialect, int]:
        """The dialect of the task made `index`-th, and how many of that dialect came before."""
        count = len(self._rotation)
        return self._rotation[index % count], index // count

    def for_index(self, index: int) -> Dialect:
        return self.pick(index)[0]

    @property
    def fallback(self) -> Dialect:
        """The dialect of answers that concern no task (an unknown id): the first one."""
        return self._rotation[0]
