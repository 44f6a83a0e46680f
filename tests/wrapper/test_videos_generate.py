"""`videos.generate` (create + wait + download) on both clients, and the key never leaking."""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from anyapi_sora import (
    AnyAPIError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    InvalidParameterError,
    PermissionDeniedError,
    TaskStatus,
    VideoGenerationError,
    WaitTimeoutError,
)
from anyapi_sora._download import filename_for
from client_harness import (
    API_KEY,
    BARE_ID,
    FRESH_URL,
    TASK_ID,
    VIDEO,
    Harness,
    done_reply,
    error_reply,
    file_reply,
    json_reply,
    ranged_file,
    task_reply,
)
from vendor_fixtures import load_fixture

if TYPE_CHECKING:
    from pathlib import Path


def script_success(api: Harness) -> None:
    api.gateway.create.queue(json_reply(load_fixture("create-200.json")))
    api.gateway.query.queue(
        task_reply("queued"), task_reply("processing", progress=50), done_reply()
    )
    api.gateway.files.queue(file_reply())


def test_generate_creates_waits_and_returns_the_task(api: Harness) -> None:
    script_success(api)
    seen: list[TaskStatus] = []
    task = api.videos.generate(
        "a corgi surfing",
        model="sora-2-pro",
        size="large",
        on_progress=lambda t: seen.append(t.status),
    )
    assert task.id == TASK_ID
    assert task.succeeded
    assert api.gateway.create_bodies()[0]["model"] == "sora-2-pro"
    assert api.gateway.create_bodies()[0]["size"] == "large"
    assert seen == [
        TaskStatus.PENDING,
        TaskStatus.QUEUED,
        TaskStatus.PROCESSING,
        TaskStatus.COMPLETED,
    ]
    # Without `out` nothing is downloaded.
    assert api.gateway.files.count == 0
    assert api.clock.sleeps[0] == 5.0


def test_generate_downloads_to_an_out_file(api: Harness, tmp_path: Path) -> None:
    script_success(api)
    out = tmp_path / "corgi.mp4"
    task = api.videos.generate("a corgi surfing", out=out)
    assert out.read_bytes() == VIDEO
    assert task.id == TASK_ID
    assert sorted(tmp_path.iterdir()) == [out]


def test_generate_downloads_into_an_out_folder(api: Harness, tmp_path: Path) -> None:
    script_success(api)
    api.videos.generate("a corgi surfing", out=tmp_path)
    assert (tmp_path / filename_for(TASK_ID)).read_bytes() == VIDEO


def test_generate_names_the_file_after_the_created_id(api: Harness, tmp_path: Path) -> None:
    api.gateway.create.queue(task_reply())
    api.gateway.query.queue(done_reply(task_id=BARE_ID))
    api.gateway.files.queue(file_reply())
    api.videos.generate("x", out=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [filename_for(TASK_ID)]


def test_generate_passes_poll_interval_and_timeout_to_wait(api: Harness) -> None:
    api.gateway.create.queue(task_reply())
    api.gateway.query.always(task_reply("processing"))
    with pytest.raises(WaitTimeoutError) as info:
        api.videos.generate("x", timeout=10, poll_interval=3)
    assert api.clock.sleeps == [3, 3, 3, 1]
    assert info.value.timeout == 10


# --------------------------------------------------------------------------- refused before create


def test_an_existing_out_file_is_refused_before_create(api: Harness, tmp_path: Path) -> None:
    out = tmp_path / "corgi.mp4"
    out.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        api.videos.generate("a corgi surfing", out=out)
    assert api.gateway.requests == []
    assert out.read_bytes() == b"precious"


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"poll_interval": float("nan")}, "poll_interval"),
        ({"orientation": ""}, "orientation"),
        ({"duration": 0}, "duration"),
        ({"style": "anime"}, "style"),
        ({"images": "https://example.com/a.png"}, "images"),
    ],
)
def test_bad_options_are_refused_before_create(
    api: Harness, kwargs: dict[str, Any], param: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        api.videos.generate("x", out=tmp_path / "v.mp4", **kwargs)
    assert info.value.param == param
    assert api.gateway.requests == []


def test_an_empty_prompt_is_refused_before_create(api: Harness) -> None:
    with pytest.raises(InvalidParameterError, match="prompt"):
        api.videos.generate("   ")
    assert api.gateway.requests == []


# --------------------------------------------------------------------------- failures


def test_a_failed_task_raises_and_downloads_nothing(api: Harness, tmp_path: Path) -> None:
    api.gateway.create.queue(task_reply())
    api.gateway.query.queue(json_reply(load_fixture("query-failed.json")))
    with pytest.raises(VideoGenerationError, match="content policies") as info:
        api.videos.generate("x", out=tmp_path)
    assert info.value.task.id == TASK_ID
    assert api.gateway.files.count == 0
    assert list(tmp_path.iterdir()) == []


def test_a_create_5xx_is_not_retried_in_generate(api: Harness, tmp_path: Path) -> None:
    api.gateway.create.always(error_reply(502, "bad gateway"))
    with pytest.raises(InternalServerError, match="billed"):
        api.videos.generate("x", out=tmp_path)
    assert api.gateway.create.count == 1
    assert api.gateway.query.count == 0


def test_a_failed_download_says_how_to_resume(api: Harness, tmp_path: Path) -> None:
    client = api.make_client(max_retries=1)
    api.gateway.create.queue(task_reply())
    api.gateway.query.queue(done_reply())
    api.gateway.files.always(lambda request: file_reply(cut_at=10))
    with pytest.raises(AnyAPIError) as info:
        api.videos_of(client).generate("x", out=tmp_path / "v.mp4")
    assert f"download({TASK_ID!r}" in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, PermissionDeniedError), (401, AuthenticationError), (400, BadRequestError)],
)
def test_a_permanent_error_while_waiting_names_the_billed_task(
    api: Harness, status: int, error: type[AnyAPIError]
) -> None:
    api.gateway.create.queue(task_reply())
    api.gateway.query.queue(error_reply(status, "quota exhausted"))
    with pytest.raises(error) as info:
        api.videos.generate("x")
    assert f"task {TASK_ID} was created (and billed)" in str(info.value)
    assert f"wait({TASK_ID!r})" in str(info.value)
    assert "quota exhausted" in str(info.value)


# --------------------------------------------------------------------------- the key never leaks


def test_the_key_never_appears_in_logs_errors_or_reprs(
    api: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    # A full generate through every kind of trouble.
    api.gateway.create.queue(
        error_reply(429, "slow down", headers={"Retry-After": "1"}),
        httpx.ConnectError("refused"),
        json_reply(load_fixture("create-200.json")),
    )
    api.gateway.query.queue(
        error_reply(502, "bad gateway"),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, text="<html>proxy</html>"),
        task_reply("mystery_status"),
        task_reply("processing", progress="45"),
        done_reply(),
        done_reply(url=FRESH_URL),
    )
    api.gateway.files.queue(
        ranged_file(cut_at=4000),
        error_reply(403, "Signature expired"),
        ranged_file(),
    )
    task = api.videos.generate("a corgi surfing", out=tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO

    # And the failures that end a call.
    api.gateway.query.always(json_reply(load_fixture("error-401-invalid-token.json"), 401))
    with pytest.raises(AuthenticationError) as auth:
        api.videos.retrieve(TASK_ID)
    errors.append(auth.value)
    api.gateway.create.always(error_reply(500, "upstream exploded"))
    with pytest.raises(InternalServerError) as server:
        api.videos.create("x")
    errors.append(server.value)
    api.gateway.create.always(httpx.ReadTimeout("slow"))
    with pytest.raises(AnyAPIError) as timeout:
        api.videos.create("x")
    errors.append(timeout.value)
    api.gateway.query.always(task_reply("processing"))
    with pytest.raises(WaitTimeoutError) as waited:
        api.videos.wait(task.id, timeout=30)
    errors.append(waited.value)
    api.gateway.files.always(error_reply(401, "denied"))
    with pytest.raises(AuthenticationError) as denied:
        api.videos.download(task, tmp_path / "again.mp4")
    errors.append(denied.value)

    logged = [record for record in caplog.records]
    assert any(r.levelno == logging.DEBUG and r.name == "anyapi_sora" for r in logged)
    assert any(r.levelno == logging.WARNING for r in logged)
    for record in logged:
        assert API_KEY not in record.getMessage()
        assert API_KEY not in repr(record.args)
    assert API_KEY not in caplog.text
    for error in errors:
        for text in (str(error), repr(error), "".join(traceback.format_exception(error))):
            assert API_KEY not in text
        assert "Bearer" not in str(error)
    assert API_KEY not in repr(api.client)
    assert API_KEY not in repr(task)
