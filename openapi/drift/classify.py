"""Each difference between two specs, classified for this client: breaking or not, and why.

One idea decides: a request may not ask more of us than the wrapper sends, and a response
may not promise less, nor return values the wrapper cannot read. "What the wrapper sends"
is read off the requests it really builds (:mod:`drift.wrapper`), so each verdict names
the wrapper's side: its default, its own value lists, the base URL it defaults to, the
header it authenticates with. :mod:`drift.upstream` feeds it the vendor's current spec.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from drift import contract, schemas
from drift.diff import OPERATION, SECURITY, SERVERS, Raw, diff
from drift.report import Change
from drift.request_check import satisfied
from drift.workspace import REGISTRY_NAME
from drift.wrapper import MISSING, quiet

if TYPE_CHECKING:
    from drift.registry import Registry
    from drift.workspace import Document
    from drift.wrapper import OperationFacts, WrapperFacts

AFTER_TAKE_IN = "after taking in this spec"


class Classifier:
    def __init__(
        self,
        registry: Registry,
        facts: WrapperFacts | None,
        before: Document,
        after: Document,
        raws: list[Raw],
    ) -> None:
        self.bindings = {b.operation: b for b in registry.bindings}
        self.facts = facts
        self.before = before
        self.after = after
        self.raws = raws

    def operation_facts(self, op: str) -> OperationFacts | None:
        found = self.facts.get(op) if self.facts is not None else None
        return found if found is not None and found.can_tell() else None

    def methods(self, op: str) -> str:
        binding = self.bindings.get(op)
        return ", ".join(t.partition(":")[2] or t for t in binding.wrappers) if binding else ""

    def classify(self, raw: Raw) -> Change:
        if raw.kind == OPERATION:
            breaking, why, step = self._operation(raw)
        elif raw.location == SERVERS:
            breaking, why, step = self._servers(raw)
        elif raw.location == SECURITY:
            breaking, why, step = self._security(raw)
        elif raw.location == contract.REQUEST:
            breaking, why, step = self._request(raw)
        else:
            breaking, why, step = self._response(raw)
        return Change(
            raw.operation,
            raw.location,
            raw.field,
            raw.change,
            raw.before,
            raw.after,
            breaking,
            why,
            step,
        )

    # operations and whole responses

    def _operation(self, raw: Raw) -> tuple[bool, str, str]:
        op = raw.operation
        method, _, path = op.partition(" ")
        others = [
            r.operation
            for r in self.raws
            if r.kind == OPERATION
            and r.change != raw.change
            and (r.operation.startswith(f"{method} ") or r.operation.endswith(f" {path}"))
        ]
        if raw.change == "added":
            hint = f"; it may replace {', '.join(others)}" if others else ""
            return False, f"nothing calls it yet{hint}", ""
        if op not in self.bindings:
            return False, "no wrapper method calls it", ""
        moved = f"; it looks moved to {', '.join(others)}" if others else ""
        return (
            True,
            f"the wrapper calls it ({self.methods(op)}){moved}",
            f"{AFTER_TAKE_IN}, point {self.methods(op)} at the new route and update its "
            f"binding in openapi/{REGISTRY_NAME}",
        )

    def _servers(self, raw: Raw) -> tuple[bool, str, str]:
        facts = self.facts
        default = facts.default_base_url if facts else None
        if not default:
            return raw.change == "server removed", "cannot tell the wrapper's default base URL", ""
        default = contract.normal_url(default)
        source = facts.base_url_source if facts else ""
        after = contract.build(self.after).operations.get(raw.operation)
        listed = sorted(after.servers) if after else []
        if raw.change == "server removed" and raw.values[0] == default:
            return (
                True,
                f"it is the wrapper's default base URL ({source}); callers who do not set a "
                "base URL would call a server the vendor no longer lists",
                f"change {source} to {', '.join(listed) or 'the new server'}, or confirm with "
                "the vendor that the old host still answers",
            )
        if default in listed:
            return False, f"the wrapper defaults to {default}, which is still listed", ""
        return False, f"the wrapper defaults to {default}, which this spec does not list", ""

    def _security(self, raw: Raw) -> tuple[bool, str, str]:
        facts = self.operation_facts(raw.operation)
        after = contract.build(self.after).operations.get(raw.operation)
        requirements = after.security if after else None
        if facts is None or facts.defaults is None or facts.defaults.request is None:
            return True, "cannot tell how the wrapper authenticates (it built no request)", ""
        request = facts.defaults.request
        if satisfied(requirements, request):
            return False, f"the wrapper sends {facts.auth_summary()}, which still satisfies it", ""
        return (
            True,
            f"the wrapper sends {facts.auth_summary()}, which does not satisfy "
            f"{contract.show_security(requirements)}",
            f"make the wrapper send the key as the spec now asks "
            f"({contract.show_security(requirements)}) before taking in this spec",
        )

    # requests

    def _request(self, raw: Raw) -> tuple[bool, str, str]:
        op, key = raw.operation, raw.field
        facts = self.operation_facts(op)
        if raw.field == "" and raw.kind in ("added", "removed"):
            return raw.kind == "removed", "the request changed shape", ""
        if facts is None:
            cannot = "cannot tell what the wrapper sends (it built no request)"
            asks_more = raw.kind in ("added", "required", "narrowed", "changed", "media")
            return asks_more and raw.change != "added, optional", cannot, ""
        whole_body = key == contract.BODY
        sends = facts.sent_ever(key) or (whole_body and bool(facts.sent))
        always = facts.sent_always(key) or (whole_body and bool(facts.sent))
        if raw.change in ("added, required", "became required"):
            if always:
                return False, "requests without it fail, but the wrapper always sends it", ""
            renamed = self._renamed_from(raw)
            return (
                True,
                f"requests without it fail and {facts.target} does not send it" + renamed,
                f"make {self.methods(op)} send {key} (a parameter with a default) before "
                "taking in this spec",
            )
        if raw.change == "added, optional":
            if key.startswith(contract.BODY):
                why = "callers can pass it with extra_body"
            else:
                why = "requests without it stay valid"
            return (
                False,
                why,
                f"{AFTER_TAKE_IN}, add a parameter for it or list it under passed_through",
            )
        if raw.kind == "removed":
            if sends:
                return (
                    True,
                    f"the server may reject or ignore it, and {facts.target} still sends it",
                    f"stop sending {key} (or confirm with the vendor that it is still read)",
                )
            return False, "the server may reject or ignore it; the wrapper never sends it", ""
        if raw.kind == "optional":
            return False, "the request may omit it", ""
        if raw.kind == "media":
            if sends:
                return (
                    True,
                    f"the wrapper sends {raw.before}",
                    "make the wrapper send the new media type",
                )
            return False, "the wrapper sends no body here", ""
        if raw.kind == "widened":
            return False, *self._request_widened(raw, facts)
        return self._request_narrowed(raw, facts, sends)

    def _renamed_from(self, raw: Raw) -> str:
        removed = [
            r.field
            for r in self.raws
            if r.operation == raw.operation and r.location == raw.location and r.kind == "removed"
        ]
        return (
            f" (it sends {removed[0]}, which this spec removes: renamed?)"
            if len(removed) == 1
            else ""
        )

    def _request_widened(self, raw: Raw, facts: OperationFacts) -> tuple[str, str]:
        why = "the server accepts more than before"
        known = facts.known.get(raw.field)
        if raw.change != "enum values added" or known is None or known.error:
            return why, ""
        outside = [v for v in raw.values if v not in [str(k) for k in known.values]]
        if not outside:
            return f"{why}; the wrapper's own list ({known.pointer}) has them already", ""
        shown = ", ".join(repr(v) for v in outside)
        if known.closed is False:
            return (
                f"{why}; the wrapper sends {shown} with a warning, as it is not in its own "
                f"list {list(known.values)} ({known.pointer})",
                f"add {shown} to {known.pointer}",
            )
        return (
            f"{why}, but the wrapper's own list {list(known.values)} ({known.pointer}) still "
            f"refuses {shown}",
            f"add {shown} to {known.pointer} to let callers use it",
        )

    def _request_narrowed(
        self, raw: Raw, facts: OperationFacts, sends: bool
    ) -> tuple[bool, str, str]:
        what = {
            "narrowed": "values it allowed are now refused",
            "changed": "values it allowed may now be refused",
        }.get(raw.kind, "the field changed")
        regenerated = (
            "; regeneration will make it an enum class: run nox -s drift after nox -s regen "
            "to check that the wrapper still builds it"
            if raw.change == "enum added"
            else ""
        )
        if not sends:
            return False, f"{what}; the wrapper never sends it", ""
        new = raw.new
        values = facts.values(raw.field)
        if values and all(isinstance(v, bool) for v in values):
            values = [False, True]
        schema = new.schema if new is not None else {}
        refused = [v for v in values if schemas.value_failures(self.after, schema, v)]
        if refused:
            reasons = [self._source(v, raw.field, facts) for v in refused]
            return (
                True,
                f"{what}: {'; '.join(r for r, _ in reasons)} would be refused",
                "; ".join(dict.fromkeys(s for _, s in reasons)),
            )
        shown = ", ".join(repr(v) for v in values)
        param = facts.field_params.get(raw.field, raw.field)
        if facts.open_values(raw.field):
            return (
                True,
                f"{what}; the wrapper's values ({shown}) pass, but it sends callers' other "
                f"{param} values on unchecked{regenerated}",
                f"check {param} against the new rule ({raw.change}: {raw.after or raw.before}) "
                "in the wrapper, so bad input fails before any request is billed",
            )
        return (
            False,
            f"{what}, but every value the wrapper can send ({shown}) is allowed{regenerated}",
            "",
        )

    def _source(self, value: Any, field_key: str, facts: OperationFacts) -> tuple[str, str]:
        param = facts.field_params.get(field_key, field_key)
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:79] + "…"
        if _same(value, facts.default_value(field_key)):
            default = facts.parameter_default(field_key)
            shown = value if default is MISSING else default
            return (
                f"{shown!r}, the wrapper's default for {param}",
                f"change {param}'s default in {self.methods(facts.operation)}",
            )
        known = facts.known.get(field_key)
        if known is not None and any(_same(value, k) for k in known.values):
            return (
                f"{value!r}, in the wrapper's own list ({known.pointer})",
                f"drop {value!r} from {known.pointer}",
            )
        return (
            f"{value!r}, which the wrapper sends for an option",
            f"stop sending {value!r} for {param}",
        )

    # responses

    def _response(self, raw: Raw) -> tuple[bool, str, str]:
        facts = self.facts.get(raw.operation) if self.facts else None
        parser = facts.parsers.get(raw.field) if facts else None
        if parser is not None and raw.change in ("enum values added", "enum added"):
            return self._parsed(raw, parser)
        if raw.kind == "added":
            return False, "a new response or field is extra data", ""
        if raw.kind == "removed":
            return (
                True,
                "callers may read it",
                "check the wrapper's parsing does not need it "
                "(nox -s drift -- --live shows real bodies)",
            )
        if raw.kind == "required":
            return False, "the response promises more", ""
        if raw.kind == "optional":
            return True, "callers may rely on it", "check the wrapper's parsing copes without it"
        if raw.kind == "narrowed":
            return False, "fewer values can come back", ""
        if raw.kind == "media":
            return (
                True,
                "the wrapper reads JSON bodies",
                "check with the vendor what the body is now",
            )
        facts = self.facts.get(raw.operation) if self.facts else None
        parser = facts.parsers.get(raw.field) if facts else None
        if parser is not None and raw.change == "enum values added":
            return self._parsed(raw, parser)
        if raw.change.partition(" ")[0] in schemas.CONSTRAINTS or raw.change.startswith(
            "additionalProperties"
        ):
            return False, "responses may hold values outside the old limit", ""
        return (
            True,
            "responses may now hold values the wrapper and callers do not expect",
            "check the wrapper's parsing of this field (nox -s drift -- --live shows real bodies)",
        )

    def _parsed(self, raw: Raw, parser: Any) -> tuple[bool, str, str]:
        name = getattr(parser, "__qualname__", repr(parser))
        try:
            with quiet():
                unknown = parser("drift-unknown-value")
                results = {v: parser(v) for v in raw.values}
        except Exception as exc:  # the wrapper's parser is project code
            return True, f"{name} raised {type(exc).__name__}: {exc}", f"make {name} total again"
        strange = [v for v, result in results.items() if result == unknown]
        if strange:
            shown = ", ".join(repr(v) for v in strange)
            return (
                True,
                f"{name} does not know {shown} (it reads it as {unknown})",
                f"teach {name} {shown}",
            )
        mapped = ", ".join(f"{v!r} → {r}" for v, r in results.items())
        return False, f"the wrapper's {name} already reads them ({mapped})", ""


def _same(left: Any, right: Any) -> bool:
    try:
        return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)
    except (TypeError, ValueError):
        return bool(left == right)


def classified(
    before: Document,
    after: Document,
    registry: Registry,
    facts: WrapperFacts | None,
) -> list[Change]:
    raws = diff(contract.build(before), contract.build(after))
    classifier = Classifier(registry, facts, before, after, raws)
    return [classifier.classify(raw) for raw in raws]
