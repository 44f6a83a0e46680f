"""What the wrapper really sends: its requests as they leave it, its defaults, its value lists.

Drift does not trust parameter names. It builds the client named in the registry
(``wrapper.client``) over an httpx transport that records each request and answers with a
pending task, then calls every bound method (``operations.<op>.call``) once with its
defaults and once per documented option value: each value of the wrapper's own lists
(``known_values``), of the spec's enum, the spec's example, the other boolean, and the
registry's ``samples``. What reaches the transport is what the wrapper sends on the wire,
keyed by wire name (``query id``, ``body.orientation``), through whatever builder the
wrapper uses.

One more call per value list sends a value outside it, to learn whether the wrapper refuses
other values itself (a closed list) or sends them on (a hint).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import operator
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from drift import contract, schemas
from drift.workspace import DriftError, resolve_object

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from drift.registry import Binding, Registry
    from drift.workspace import Document

PROBE_KEY = "sk-drift-probe-key-0123456789"
PROBE_BASE_URL = "https://drift-probe.invalid"
UNKNOWN_VALUE = "drift-unknown-value"
_PENDING_TASK = {"id": "drift:task_probe", "status": "pending", "status_update_time": 0}
MISSING: Any = object()


class _Recorder(httpx.BaseTransport):
    """Keeps every request and answers each with a pending task, as a gateway would."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json=_PENDING_TASK)


@dataclass
class Attempt:
    """One call of a wrapper method and the request it sent (or the error before it)."""

    label: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    origin: str  # "defaults", "known value", "spec enum", "spec example", "sample", ...
    field: str | None = None  # the wire field the option sets
    value: Any = MISSING
    request: httpx.Request | None = None
    error: BaseException | None = None

    @property
    def refused(self) -> bool:
        """The wrapper refused the input with a ValueError before sending anything."""
        return self.request is None and isinstance(self.error, ValueError)


@dataclass
class KnownValues:
    """A value list of the wrapper's own, named in the registry, and how it is enforced."""

    pointer: str
    values: tuple[Any, ...] = ()
    error: str | None = None
    probe: Attempt | None = None  # a call with a value outside the list

    @property
    def closed(self) -> bool | None:
        """True when the wrapper refuses other values; False when it sends them."""
        if self.probe is None:
            return None
        if self.probe.request is not None:
            return False
        return True if self.probe.error is not None else None


@dataclass
class OperationFacts:
    operation: str
    binding: Binding
    target: str = ""  # "AnyAPI.videos.create"
    package: str = ""  # the wrapper's top-level package, where its own errors come from
    signature: inspect.Signature | None = None
    field_params: dict[str, str] = field(default_factory=dict)  # wire field -> parameter
    attempts: list[Attempt] = field(default_factory=list)
    known: dict[str, KnownValues] = field(default_factory=dict)
    parsers: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    required_args: dict[str, Any] = field(default_factory=dict)  # samples for required ones
    error: str | None = None  # nothing could be called

    @property
    def defaults(self) -> Attempt | None:
        return next((a for a in self.attempts if a.origin == "defaults"), None)

    @property
    def sent(self) -> list[Attempt]:
        return [a for a in self.attempts if a.request is not None]

    def can_tell(self) -> bool:
        defaults = self.defaults
        return defaults is not None and defaults.request is not None

    def sent_always(self, field_key: str) -> bool:
        requests = self.sent
        return bool(requests) and all(_has(wire(self.operation, a), field_key) for a in requests)

    def sent_ever(self, field_key: str) -> bool:
        return any(_has(wire(self.operation, a), field_key) for a in self.sent)

    def values(self, field_key: str) -> list[Any]:
        """Every value the wrapper was seen sending in this field, once each."""
        seen: dict[str, Any] = {}
        for attempt in self.sent:
            for value in wire(self.operation, attempt).get(_wire_key(field_key), []):
                seen.setdefault(json.dumps(value, sort_keys=True, default=str), value)
        return list(seen.values())

    def default_value(self, field_key: str) -> Any:
        defaults = self.defaults
        if defaults is None or defaults.request is None:
            return MISSING
        values = wire(self.operation, defaults).get(_wire_key(field_key))
        return values[0] if values else MISSING

    def parameter_default(self, field_key: str) -> Any:
        param = self.field_params.get(field_key)
        if self.signature is None or param is None:
            return MISSING
        default = self.signature.parameters[param].default
        return MISSING if default is inspect.Parameter.empty else default

    def open_values(self, field_key: str) -> bool:
        """Callers' values reach the wire unchecked (free text, numbers, or a hint list)."""
        known = self.known.get(field_key)
        if known is not None and known.closed is not None:
            return not known.closed
        return not all(isinstance(v, bool) for v in self.values(field_key))

    def auth_summary(self) -> str:
        defaults = self.defaults
        if defaults is None or defaults.request is None:
            return "nothing (it could not build a request)"
        return describe_auth(defaults.request)


def _wire_key(field_key: str) -> str:
    where, _, name = field_key.partition(" ")
    return f"header {name.lower()}" if where == "header" else field_key


def _has(found: Mapping[str, list[Any]], field_key: str) -> bool:
    return _wire_key(field_key) in found


def describe_auth(request: httpx.Request) -> str:
    header = request.headers.get("authorization")
    if header:
        scheme = header.partition(" ")[0]
        return f"the header Authorization: {scheme} <key>"
    return "no Authorization header"


def wire(operation: str, attempt: Attempt) -> dict[str, list[Any]]:
    """The fields of the attempt's request by wire key, each with the values it carries."""
    request = attempt.request
    if request is None:
        return {}
    found: dict[str, list[Any]] = {}
    for name, value in request.url.params.multi_items():
        found.setdefault(contract.parameter_key("query", name), []).append(value)
    for name, value in request.headers.items():
        found.setdefault(f"header {name.lower()}", []).append(value)
    _, _, template = operation.partition(" ")
    match = path_match(template, request.url.path)
    for name, value in (match or {}).items():
        found[contract.parameter_key("path", name)] = [value]
    if request.content:
        try:
            body = json.loads(request.content)
        except ValueError:
            body = MISSING
        if body is not MISSING:
            _flatten_json(body, contract.BODY, found)
    return found


def _flatten_json(value: Any, name: str, out: dict[str, list[Any]], depth: int = 0) -> None:
    out.setdefault(name, []).append(value)
    if depth > 16:
        return
    if isinstance(value, dict):
        for key, sub in value.items():
            _flatten_json(sub, f"{name}.{key}", out, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _flatten_json(item, f"{name}[]", out, depth + 1)


def path_match(template: str, path: str) -> dict[str, str] | None:
    """The path parameters when ``path`` (possibly under a base path) fits ``template``."""
    parts = re.split(r"\{([^{}/]+)\}", template)
    pattern = ""
    for index, part in enumerate(parts):
        pattern += re.escape(part) if index % 2 == 0 else f"(?P<p{index}>[^/]+)"
    match = re.search(pattern + "$", path)
    if match is None:
        return None
    names = parts[1::2]
    return {name: match.group(f"p{2 * i + 1}") for i, name in enumerate(names)}


# --- gathering the facts ---


@dataclass
class WrapperFacts:
    operations: dict[str, OperationFacts]
    default_base_url: str | None = None
    base_url_source: str = ""
    error: str | None = None

    def get(self, operation: str) -> OperationFacts | None:
        return self.operations.get(operation)


def gather(registry: Registry, spec: Document) -> WrapperFacts:
    """Call the wrapper for every bound operation of ``spec`` (the transformed spec)."""
    facts = WrapperFacts({})
    wrapper = registry.wrapper
    if wrapper.base_url:
        try:
            facts.default_base_url = str(resolve_object(wrapper.base_url))
            facts.base_url_source = wrapper.base_url
        except DriftError as exc:
            facts.error = str(exc)
    ops = {key: (item, op) for key, _path, item, op in contract.operations(spec)}
    for binding in registry.bindings:
        if binding.operation not in ops or not binding.call:
            facts.operations[binding.operation] = OperationFacts(
                binding.operation, binding, error="no `call` in the registry or no such operation"
            )
            continue
        item, op = ops[binding.operation]
        facts.operations[binding.operation] = _operation_facts(
            wrapper.client, binding, spec, item, op
        )
    return facts


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    # The wrapper logs what it does (a WARNING for a value outside its hints); drift's
    # report says it better, so keep those lines off the terminal while probing.
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


def _operation_facts(
    client_target: str,
    binding: Binding,
    spec: Document,
    item: Mapping[str, Any],
    op: Mapping[str, Any],
) -> OperationFacts:
    facts = OperationFacts(binding.operation, binding)
    recorder = _Recorder()
    try:
        factory = resolve_object(client_target)
        with quiet():
            client = factory(
                api_key=PROBE_KEY,
                base_url=PROBE_BASE_URL,
                http_client=httpx.Client(transport=recorder),
                max_retries=0,
            )
        method = operator.attrgetter(binding.call)(client)
        facts.signature = inspect.signature(method)
    except DriftError as exc:
        facts.error = str(exc)
        return facts
    except Exception as exc:  # the wrapper is project code: report, never crash
        facts.error = f"cannot set up {client_target} .{binding.call}: {_error(exc)}"
        return facts
    facts.target = f"{client_target.partition(':')[2] or client_target}.{binding.call}"
    facts.package = client_target.partition(":")[0].partition(".")[0]
    fields = request_fields(spec, item, op)
    facts.field_params = _field_params(fields, facts.signature, binding)
    for field_key, pointer in binding.known_values.items():
        facts.known[field_key] = _known_values(pointer)
    for field_key, pointer in binding.parsers.items():
        with contextlib.suppress(DriftError):
            facts.parsers[field_key] = resolve_object(pointer)
    for attempt in _attempts(facts, fields, binding):
        _call(method, recorder, attempt)
        facts.attempts.append(attempt)
    for field_key, known in facts.known.items():
        param = facts.field_params.get(field_key)
        if param is not None and known.error is None:
            label = f"{param}={UNKNOWN_VALUE!r}"
            probe = _attempt(facts, label, "probe", field_key, facts.required_args)
            probe.kwargs[param] = probe.value = UNKNOWN_VALUE
            _call(method, recorder, probe)
            known.probe = probe
    return facts


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _call(method: Callable[..., Any], recorder: _Recorder, attempt: Attempt) -> None:
    before = len(recorder.requests)
    try:
        with quiet():
            method(*attempt.args, **attempt.kwargs)
    except Exception as exc:  # whatever the wrapper raises is a finding, not a crash
        attempt.error = exc
    if len(recorder.requests) > before:
        attempt.request = recorder.requests[before]


@dataclass(frozen=True)
class SpecField:
    """A request field of the spec, with its schema and any example it gives."""

    key: str
    name: str
    required: bool
    schema: Any
    examples: tuple[Any, ...]


def request_fields(
    spec: Mapping[str, Any], item: Mapping[str, Any], op: Mapping[str, Any]
) -> dict[str, SpecField]:
    fields: dict[str, SpecField] = {}
    for param in contract.parameters(spec, item, op):
        where, name = str(param.get("in", "?")), param["name"]
        if where not in contract.PARAMETER_PLACES:
            continue
        if where == "header" and name.lower() in contract.IGNORED_HEADERS:
            continue
        schema = schemas.merged(spec, param.get("schema"))
        examples = _examples(param, schema)
        key = contract.parameter_key(where, name)
        fields[key] = SpecField(key, name, param.get("required") is True, schema, examples)
    body = schemas.deref(spec, op.get("requestBody"))
    found = contract.media_schema(body.get("content") if isinstance(body, dict) else None)
    if found is not None:
        media, raw = found
        merged = schemas.merged(spec, raw)
        content = body["content"]
        entry = content.get(media) if isinstance(content.get(media), dict) else {}
        body_example = entry.get("example")
        required = set(schemas._names(merged.get("required")))
        properties = merged.get("properties")
        for name, sub in (properties if isinstance(properties, dict) else {}).items():
            schema = schemas.merged(spec, sub)
            examples = _examples({}, schema)
            if isinstance(body_example, dict) and name in body_example:
                examples = (*examples, body_example[name])
            key = f"{contract.BODY}.{name}"
            fields[key] = SpecField(key, str(name), name in required, schema, examples)
    return fields


def _examples(param: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[Any, ...]:
    found = [source["example"] for source in (param, schema) if "example" in source]
    if isinstance(schema.get("examples"), list):
        found += schema["examples"]
    return tuple(found)


def python_name(spec_name: str) -> str:
    """How a client names a parameter: ``X-Forwarded-Host`` → ``x_forwarded_host``."""
    return re.sub(r"\W+", "_", spec_name).strip("_").lower()


def _field_params(
    fields: Mapping[str, SpecField], signature: inspect.Signature, binding: Binding
) -> dict[str, str]:
    found = {}
    for key, spec_field in fields.items():
        param = binding.aliases.get(spec_field.name) or python_name(spec_field.name)
        if param in signature.parameters:
            found[key] = param
    return found


def _known_values(pointer: str) -> KnownValues:
    try:
        raw = resolve_object(pointer)
    except DriftError as exc:
        return KnownValues(pointer, error=str(exc))
    # A tuple of values today; a mapping of value -> description would do as well.
    values = list(raw) if isinstance(raw, (list, tuple, set, frozenset, dict)) else None
    if values is None or not values:
        return KnownValues(pointer, error=f"{pointer} is not a list of values: {raw!r}")
    if isinstance(raw, (set, frozenset)):
        values.sort(key=str)
    return KnownValues(pointer, tuple(values))


def _attempt(
    facts: OperationFacts, label: str, origin: str, field_key: str | None, required: dict[str, Any]
) -> Attempt:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    assert facts.signature is not None
    for name, value in required.items():
        kind = facts.signature.parameters[name].kind
        if kind is inspect.Parameter.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[name] = value
    return Attempt(label, tuple(args), kwargs, origin, field_key)


def _same(left: Any, right: Any) -> bool:
    try:
        return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)
    except (TypeError, ValueError):
        return bool(left == right)


def _attempts(
    facts: OperationFacts, fields: Mapping[str, SpecField], binding: Binding
) -> list[Attempt]:
    assert facts.signature is not None
    params_fields = {param: key for key, param in facts.field_params.items()}
    required: dict[str, Any] = {}
    optional: list[inspect.Parameter] = []
    for name, param in facts.signature.parameters.items():
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        if param.default is inspect.Parameter.empty:
            required[name] = _required_sample(name, params_fields, fields, binding)
        else:
            optional.append(param)
    facts.required_args = required
    attempts = [_attempt(facts, "defaults", "defaults", None, required)]
    for param in optional:
        field_key = params_fields.get(param.name)
        for value, origin in _candidates(param, field_key, fields, facts, binding):
            attempt = _attempt(facts, f"{param.name}={value!r}", origin, field_key, required)
            attempt.kwargs[param.name] = attempt.value = value
            attempts.append(attempt)
    return attempts


def _required_sample(
    name: str, params_fields: Mapping[str, str], fields: Mapping[str, SpecField], binding: Binding
) -> Any:
    if binding.samples.get(name):
        return binding.samples[name][0]
    spec_field = fields.get(params_fields.get(name, ""))
    if spec_field is not None:
        for example in spec_field.examples:
            if example not in (None, ""):
                return example
        if "integer" in schemas.types({}, spec_field.schema):
            return 1
    return "drift probe"


def _candidates(
    param: inspect.Parameter,
    field_key: str | None,
    fields: Mapping[str, SpecField],
    facts: OperationFacts,
    binding: Binding,
) -> list[tuple[Any, str]]:
    found: list[tuple[Any, str]] = []
    known = facts.known.get(field_key or "")
    if known is not None:
        found += [(v, "known value") for v in known.values]
    spec_field = fields.get(field_key or "")
    if spec_field is not None:
        enum = spec_field.schema.get("enum")
        found += [(v, "spec enum") for v in enum if v is not None] if isinstance(enum, list) else []
        found += [(v, "spec example") for v in spec_field.examples]
    if isinstance(param.default, bool):
        found.append((not param.default, "the other boolean"))
    found += [(v, "sample") for v in binding.samples.get(param.name, [])]
    unique: list[tuple[Any, str]] = []
    for value, origin in found:
        if _same(value, param.default) or any(_same(value, v) for v, _ in unique):
            continue
        unique.append((value, origin))
    return unique
