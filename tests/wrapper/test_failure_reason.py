"""The failure reason found by rule: the known places, then a bounded search of the body.

A failed (or cancelled) task whose reason sits at none of the known places has it found
under any key naming an error, a reason, a failure or a message, never an id, a code
alone, a URL, the prompt or the request echoed back. A completed task has no failure
reason, whatever its body keeps.
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from anyapi_sora import VideoTask
from anyapi_sora._failure_reason import MAX_DEPTH, MAX_NODES, search_failure_reason
from hypothesis import assume, given, settings
from hypothesis import strategies as st

VIDEO = "https://cdn.example.com/v/abc.mp4?sig=1"
# Tests never depend on wall-clock time: a loaded machine is not a failure.
NO_DEADLINE = settings(deadline=None)
POLICY = "This content may violate our content policies."


def nest(path: tuple[str, ...], value: object) -> dict[str, Any]:
    for key in reversed(path):
        value = {key: value}
    assert isinstance(value, dict)
    return value


def reason_of(status: str, **fields: Any) -> str | None:
    return VideoTask.from_json({"id": "t", "status": status, **fields}).failure_reason


# --------------------------------------------------------------------------- the table


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {
                "detail": {
                    "video_generation_status": "MEDIA_GENERATION_STATUS_FAILED",
                    "video_generation_error": POLICY,
                }
            },
            POLICY,
            id="veo-detail-video_generation_error",
        ),
        pytest.param({"detail": {"error_message": POLICY}}, POLICY, id="detail-error_message"),
        pytest.param(
            {"error": None, "last_error": {"code": "moderation", "message": POLICY}},
            POLICY,
            id="last_error-message",
        ),
        pytest.param(
            {"result": {"errorMessage": "GPU out of memory"}}, "GPU out of memory", id="camelCase"
        ),
        pytest.param(
            {"output": {"errors": ["upstream timed out after 600 s", "second"]}},
            "upstream timed out after 600 s",
            id="a-list-of-reasons",
        ),
        pytest.param(
            {"task_info": {"err_msg": "生成失败，请调整提示词后重试"}},  # noqa: RUF001
            "生成失败，请调整提示词后重试",  # noqa: RUF001
            id="a-sentence-without-spaces",
        ),
        pytest.param(
            {"upstream": {"failure": '{"error": {"message": "quota of the upstream exceeded"}}'}},
            "quota of the upstream exceeded",
            id="a-json-error-body-unwrapped",
        ),
        pytest.param(
            {
                "info": {"status_message": "Task status changed"},
                "result": {"failure": {"message": "NSFW content detected"}},
            },
            "NSFW content detected",
            id="a-failures-message-beats-a-bare-message",
        ),
        pytest.param(
            {"info": {"status_message": "generation stopped by the provider"}},
            "generation stopped by the provider",
            id="a-bare-message-when-nothing-better",
        ),
        pytest.param(
            {"job": {"logs": {"error": "far reason in the logs"}}, "result": {"error": "near one"}},
            "near one",
            id="the-nearer-of-equals",
        ),
        pytest.param(
            {"result": {"failureReason": "named reason"}, "info": {"message": "a message too"}},
            "named reason",
            id="a-failure-key-beats-a-nearer-message",
        ),
        # What is never a reason.
        pytest.param(
            {
                "detail": {
                    "error_code": "E42",
                    "error_type": "upstream error of some kind",
                    "failure_id": "abc def 123",
                    "reason_url": "https://x.example/r",
                    "failed_at": "2025-10-01 12:00:00",
                }
            },
            None,
            id="ids-codes-types-urls-times",
        ),
        pytest.param({"result": {"error": "https://docs.example/errors/42"}}, None, id="a-url"),
        pytest.param(
            {"output": {"error_detail": "content_policy_violation"}}, None, id="a-code-alone"
        ),
        pytest.param(
            {
                "request": {"error": "make it fail with an error"},
                "input": {"message": "a cat that fails"},
                "params": {"failure_mode": "fail loudly please"},
            },
            None,
            id="the-request-echoed-back",
        ),
        pytest.param(
            {
                "prompt": "a robot that fails at skating",
                "result": {"message": "a robot that fails at skating"},
            },
            None,
            id="the-prompt",
        ),
        pytest.param(
            {"title": "A failed attempt at a kite", "caption": "two words"},
            None,
            id="text-under-other-keys",
        ),
        pytest.param(
            {"result": {"error": 42, "reason": True, "message": ["", None]}}, None, id="not-text"
        ),
    ],
)
def test_the_search_for_a_failed_task(fields: dict[str, Any], expected: str | None) -> None:
    assert reason_of("failed", **fields) == expected
    assert reason_of("cancelled", **fields) == expected


def test_the_known_places_come_before_the_search() -> None:
    fields = {"fail_reason": "the known one", "detail": {"video_generation_error": "searched"}}
    assert reason_of("failed", **fields) == "the known one"


def test_a_found_reason_beats_a_bare_moderation_note() -> None:
    moderated = {"moderation_result": {"type": "blocked", "code": "c"}}
    assert reason_of("failed", **moderated) == "blocked by moderation (c)"
    found = {**moderated, "detail": {"video_generation_error": POLICY}}
    assert reason_of("failed", **found) == POLICY


def test_a_running_task_is_not_searched() -> None:
    fields = {"detail": {"video_generation_error": "an attempt failed, retrying it now"}}
    assert reason_of("video_generating", **fields) is None
    assert reason_of("processing", **fields) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"error_message": "[403] Request failed | reCAPTCHA evaluation failed"},
        {"fail_reason": "an earlier attempt failed"},
        {"error": {"message": "retried", "code": "upstream_error"}},
        {"detail": {"pending_info": {"failure_reason": "stale"}, "error_message": "stale"}},
    ],
)
def test_a_completed_task_has_no_failure_reason_whatever_its_body_keeps(
    fields: dict[str, Any],
) -> None:
    task = VideoTask.from_json(
        {"id": "t", "status": "video_upsampling_completed", "video_url": VIDEO, **fields}
    )
    assert task.succeeded
    assert task.failure_reason is None
    assert task.raw  # the leftover is still there to read, in the body


def test_the_search_is_bounded_in_depth_and_size() -> None:
    deep = ("a",) * MAX_DEPTH + ("error",)
    assert search_failure_reason(nest(deep, "too deep to be looked at")) is None
    assert search_failure_reason(nest(deep[1:], "just deep enough")) == "just deep enough"
    wide: dict[str, Any] = {f"k{n}": n for n in range(MAX_NODES)}
    wide["error_reason"] = "past the node budget"
    assert search_failure_reason(wide) is None
    assert search_failure_reason({"failure": "the first key", **wide}) == "the first key"


# --------------------------------------------------------------------------- generated bodies

REASON_KEYS = [
    "error",
    "errors",
    "err",
    "reason",
    "failure",
    "failureReason",
    "fail_msg",
    "video_generation_error",
    "errorMessage",
    "last_error",
    "upstream_error",
    "error_detail",
    "cause",
    "exception",
    "rejection_reason",
    "FailureMessage",
]
MESSAGE_KEYS = ["message", "msg", "details", "errorDetail"]
NEUTRAL_KEYS = ["result", "output", "response", "task", "info", "meta", "upstream", "job"]
# Keys whose value is never a reason, whatever it holds: ids, codes, types, links, times.
NOT_A_REASON_KEYS = [
    "error_code",
    "errorType",
    "failure_id",
    "reason_code",
    "error_url",
    "error_status",
    "failed_at",
    "retry_count",
    "err_name",
]
# The request echoed back: never looked into.
ECHO_KEYS = ["request", "req", "prompt", "input", "params", "parameters", "payload", "inputs"]

words = st.text(string.ascii_lowercase, min_size=2, max_size=8)
reasons = st.lists(words, min_size=2, max_size=6).map(" ".join)
decoy_texts = st.lists(words, min_size=2, max_size=4).map(lambda ws: "decoy " + " ".join(ws))
codes = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}", fullmatch=True)


@st.composite
def reason_paths(draw: st.DrawFn) -> tuple[str, ...]:
    """1-3 keys ending in a failure's key, or in a message key under one."""
    depth = draw(st.integers(min_value=1, max_value=3))
    heads = draw(st.lists(st.sampled_from(NEUTRAL_KEYS), min_size=depth - 1, max_size=depth - 1))
    if depth >= 2 and draw(st.booleans()):
        return (
            *heads[:-1],
            draw(st.sampled_from(REASON_KEYS)),
            draw(st.sampled_from(MESSAGE_KEYS)),
        )
    return (*heads, draw(st.sampled_from(REASON_KEYS)))


@st.composite
def decoys(draw: st.DrawFn) -> tuple[tuple[str, ...], object]:
    """Something that is not the reason: under a key that holds no explanation, inside the
    echoed request, a code or a link under a failure's key, or a bare message (which a
    failure's key beats)."""
    head = draw(st.lists(st.sampled_from(NEUTRAL_KEYS), min_size=1, max_size=2))
    kind = draw(st.sampled_from(["not-a-reason", "echoed", "code", "url", "bare-message"]))
    if kind == "not-a-reason":
        return (*head, draw(st.sampled_from(NOT_A_REASON_KEYS))), draw(decoy_texts)
    if kind == "echoed":
        inside = draw(st.sampled_from([*REASON_KEYS, *MESSAGE_KEYS]))
        return (*head, draw(st.sampled_from(ECHO_KEYS)), inside), draw(decoy_texts)
    if kind == "code":
        return (*head, draw(st.sampled_from(REASON_KEYS))), draw(codes)
    if kind == "url":
        return (*head, draw(st.sampled_from(REASON_KEYS))), f"https://x.example/{draw(codes)}"
    return (*head, "status_message"), draw(decoy_texts)


def place(body: dict[str, Any], path: tuple[str, ...], value: object) -> bool:
    """Put ``value`` at ``path``; False if the path is taken."""
    target = body
    for key in path[:-1]:
        child = target.setdefault(key, {})
        if not isinstance(child, dict):
            return False
        target = child
    if path[-1] in target:
        return False
    target[path[-1]] = value
    return True


@NO_DEADLINE
@given(
    path=reason_paths(),
    reason=reasons,
    in_list=st.booleans(),
    others=st.lists(decoys(), max_size=6),
    status=st.sampled_from(["failed", "FAILURE", "video_generation_failed", "cancelled"]),
)
def test_a_reason_under_any_failure_key_is_found_among_decoys(
    path: tuple[str, ...],
    reason: str,
    in_list: bool,
    others: list[tuple[tuple[str, ...], object]],
    status: str,
) -> None:
    body: dict[str, Any] = {"id": "t", "status": status, "prompt": "a corgi surfing"}
    assume(all([place(body, p, value) for p, value in others]))
    assume(place(body, path, [reason] if in_list else reason))
    task = VideoTask.from_json(body)
    assert task.failed
    assert task.failure_reason == reason


@NO_DEADLINE
@given(others=st.lists(decoys(), min_size=1, max_size=8))
def test_decoys_alone_give_no_reason_but_a_bare_message(
    others: list[tuple[tuple[str, ...], object]],
) -> None:
    body: dict[str, Any] = {"id": "t", "status": "failed"}
    assume(all([place(body, p, value) for p, value in others]))
    found = VideoTask.from_json(body).failure_reason
    bare = [value for p, value in others if p[-1] == "status_message"]
    assert found is None if not bare else found in bare


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from([*REASON_KEYS, *MESSAGE_KEYS, *NOT_A_REASON_KEYS, *ECHO_KEYS, "x"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=25,
)


@NO_DEADLINE
@given(body=json_values)
def test_the_search_is_total(body: object) -> None:
    task = VideoTask.from_json({"id": "t", "status": "failed", "output": body})
    reason = task.failure_reason
    assert reason is None or (isinstance(reason, str) and reason.strip() == reason != "")
