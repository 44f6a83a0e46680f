"""The differences between two contracts, each with the direction it moves the contract.

A field's types, enum and value constraints are compared one by one; each difference is
"narrowed" (fewer values allowed), "widened" (more) or "changed" (neither contains the
other). Whether that breaks this client depends on the side and on what the wrapper
sends, which :mod:`drift.upstream` decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drift import contract, schemas

if TYPE_CHECKING:
    from drift.contract import Contract, Field, Operation

OPERATION = "operation"
SERVERS = "servers"
SECURITY = "security"

_CONSTRAINT_NAMES = {"closed": "additionalProperties: false"}


@dataclass(frozen=True)
class Raw:
    operation: str
    location: str
    field: str
    change: str
    before: str
    after: str
    kind: str  # added, removed, required, optional, narrowed, widened, changed, media, ...
    old: Field | None = None
    new: Field | None = None
    values: tuple[str, ...] = ()  # enum values or server URLs the change is about


def _decoded(values: frozenset[str] | None) -> list[str]:
    shown = []
    for text in sorted(values or ()):
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        shown.append(value if isinstance(value, str) else text)
    return shown


def _field_changes(op: str, location: str, key: str, old: Field, new: Field) -> list[Raw]:
    found: list[Raw] = []

    def add(change: str, before: str, after: str, kind: str, values: tuple[str, ...] = ()) -> None:
        found.append(Raw(op, location, key, change, before, after, kind, old, new, values))

    if old.required != new.required:
        words = {True: "required", False: "optional"}
        kind = "required" if new.required else "optional"
        add(f"became {words[new.required]}", words[old.required], words[new.required], kind)
    if old.media != new.media:
        add("media type changed", old.media or "", new.media or "", "media")
    if old.types != new.types:
        wider, narrower = schemas.covers(new.types, old.types), schemas.covers(old.types, new.types)
        kind = "widened" if wider and not narrower else "narrowed" if narrower else "changed"
        word = {"widened": "type widened", "narrowed": "type narrowed"}.get(kind, "type changed")
        add(word, schemas.show_types(old.types), schemas.show_types(new.types), kind)
    if old.enum != new.enum:
        if old.enum is None:
            values = _decoded(new.enum)
            add("enum added", "", ", ".join(values), "narrowed", tuple(values))
        elif new.enum is None:
            values = _decoded(old.enum)
            add("enum removed", ", ".join(values), "", "widened", tuple(values))
        else:
            if added := _decoded(new.enum - old.enum):
                add("enum values added", "", ", ".join(added), "widened", tuple(added))
            if removed := _decoded(old.enum - new.enum):
                add("enum values removed", ", ".join(removed), "", "narrowed", tuple(removed))
    for name in schemas.CONSTRAINTS:
        before, after = old.constraints.get(name), new.constraints.get(name)
        way = schemas.direction(name, before, after)
        if way is None:
            continue
        shown = _CONSTRAINT_NAMES.get(name, name)
        if before is None:
            verb = "added"
        elif after is None:
            verb = "removed"
        elif way == "changed":
            verb = "changed"
        else:
            verb = (
                "raised"
                if (after > before if name not in ("maximum", "minimum") else after[0] > before[0])
                else "lowered"
            )
        add(
            f"{shown} {verb}",
            schemas.show_constraint(name, before),
            schemas.show_constraint(name, after),
            way,
        )
    return found


def _location_changes(
    op: str, location: str, old: dict[str, Field], new: dict[str, Field]
) -> list[Raw]:
    found: list[Raw] = []
    gone = set(old) - set(new)
    came = set(new) - set(old)
    for key in sorted(gone | came | (set(old) & set(new))):
        if key in gone or key in came:
            # A field added or removed with its parent is reported once, at the parent.
            moved = gone if key in gone else came
            if any(parent in moved for parent in contract.ancestors(key)):
                continue
        if key in gone:
            found.append(
                Raw(op, location, key, "removed", old[key].describe(), "", "removed", old[key])
            )
        elif key in came:
            change = "added"
            if location == contract.REQUEST:
                change += ", required" if new[key].required else ", optional"
            found.append(
                Raw(op, location, key, change, "", new[key].describe(), "added", None, new[key])
            )
        else:
            found += _field_changes(op, location, key, old[key], new[key])
    return found


def _operation_changes(op: str, old: Operation, new: Operation) -> list[Raw]:
    found: list[Raw] = []
    for url in sorted(old.servers - new.servers):
        found.append(Raw(op, SERVERS, url, "server removed", url, "", "removed", values=(url,)))
    for url in sorted(new.servers - old.servers):
        found.append(Raw(op, SERVERS, url, "server added", "", url, "added", values=(url,)))
    if old.security != new.security:
        found.append(
            Raw(
                op,
                SECURITY,
                "",
                "security changed",
                contract.show_security(old.security),
                contract.show_security(new.security),
                "changed",
            )
        )
    for location in sorted(set(old.locations) | set(new.locations)):
        if location not in new.locations:
            found.append(Raw(op, location, "", "removed", "", "", "removed"))
        elif location not in old.locations:
            found.append(Raw(op, location, "", "added", "", "", "added"))
        else:
            found += _location_changes(
                op, location, old.locations[location], new.locations[location]
            )
    return found


def diff(before: Contract, after: Contract) -> list[Raw]:
    found: list[Raw] = []
    for op in sorted(set(before.operations) | set(after.operations)):
        if op not in after.operations:
            found.append(Raw(op, "", "", "removed", "", "", OPERATION))
        elif op not in before.operations:
            found.append(Raw(op, "", "", "added", "", "", OPERATION))
        else:
            found += _operation_changes(op, before.operations[op], after.operations[op])
    return found
