"""The DEBUG line with each response body: what a user reports for a dialect we do not read."""

from __future__ import annotations

import logging
import re

import pytest
from anyapi_sora._body_log import BODY_LOG_LIMIT, redacted_body
from client_harness import API_KEY, BASE_URL, TASK_ID, VIDEO_URL, Harness, json_reply, task_body


def body_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "anyapi_sora" and r.levelno == logging.DEBUG and " body: " in r.getMessage()
    ]


def test_each_answer_body_is_logged_at_debug_without_secrets(
    api: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = task_body(
        "Rendering_Done",
        video_url=VIDEO_URL,
        echoed_header=f"Bearer {API_KEY}",
        novel={"field": "never seen before"},
    )
    api.gateway.create.queue(json_reply(task_body()))
    api.gateway.query.queue(json_reply(body))
    api.videos.create("x")
    task = api.videos.retrieve(TASK_ID)
    created, queried = body_lines(caplog)
    assert created.startswith(f"POST {BASE_URL}/v1/video/create body: {{")
    assert queried.startswith(f"GET {BASE_URL}/v1/video/query?id=")
    # As the gateway wrote it: httpx 0.27 encodes the fake gateway's JSON with spaces, 0.28 without.
    assert re.search(r'"novel":\s?\{"field":\s?"never seen before"\}', queried)
    assert '"Rendering_Done"' in queried
    # The signed URL without its signature; the key nowhere.
    assert VIDEO_URL.split("?")[0] + "?…" in queried
    assert "SIGNED" not in caplog.text
    assert API_KEY not in caplog.text
    # What the log leaves out, the task still has in full.
    assert task.raw["video_url"] == VIDEO_URL
    assert task.raw["novel"] == {"field": "never seen before"}


def test_error_bodies_are_logged_too(api: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="anyapi_sora")
    api.gateway.query.queue(json_reply({"code": "task_not_exist", "message": "m"}, 400))
    with pytest.raises(Exception, match="m"):
        api.videos.retrieve(TASK_ID)
    (line,) = body_lines(caplog)
    assert '"task_not_exist"' in line


def test_a_long_body_is_cut(api: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="anyapi_sora")
    api.gateway.query.queue(json_reply(task_body("pending", filler="x" * (BODY_LOG_LIMIT * 5))))
    api.videos.retrieve(TASK_ID)
    (line,) = body_lines(caplog)
    assert line.endswith("…")
    assert len(line) < BODY_LOG_LIMIT + 200


def test_nothing_is_logged_above_debug(api: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="anyapi_sora")
    api.gateway.query.queue(json_reply(task_body("pending")))
    api.videos.retrieve(TASK_ID)
    assert body_lines(caplog) == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('{"u": "https://a.example/v.mp4?sig=S&se=1"}', '{"u": "https://a.example/v.mp4?…"}'),
        (
            '{"u": "https:\\/\\/a.example\\/v.mp4?sig=S"}',
            '{"u": "https:\\/\\/a.example\\/v.mp4?…"}',
        ),
        ("see HTTP://A.example/x?token=S here", "see HTTP://A.example/x?… here"),
        (
            '["https://a.example/1?s=S", "https://b.example/2"]',
            '["https://a.example/1?…", "https://b.example/2"]',
        ),
        ("no url?query=kept", "no url?query=kept"),
    ],
)
def test_url_queries_are_taken_out(text: str, shown: str) -> None:
    assert redacted_body(text) == shown


def test_the_key_is_taken_out_wherever_it_is() -> None:
    assert redacted_body(f"key={API_KEY}!", API_KEY) == "key=***!"
    assert redacted_body("short", "abc") == "short"  # too short to be a key: left alone
