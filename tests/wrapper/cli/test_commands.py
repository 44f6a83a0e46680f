"""generate, create, status, wait and download: outputs, --json shapes and exit codes."""

from __future__ import annotations

import pytest
from anyapi_sora.testing import Fault

TASK_KEYS = {
    "id",
    "status",
    "progress",
    "video_url",
    "thumbnail_url",
    "enhanced_prompt",
    "failure_reason",
    "width",
    "height",
    "model",
    "updated_at",
}
ERROR_KEYS = {"error", "id", "task"}


def test_generate_saves_the_video_and_prints_its_path(cli, server):
    result = cli("generate", "a corgi surfing", "--out", "corgi.mp4")

    assert result.code == 0, result
    assert result.stdout == "corgi.mp4\n"
    assert (cli.cwd / "corgi.mp4").read_bytes() == server.video.read()
    (task,) = server.tasks.values()
    assert task.prompt == "a corgi surfing"
    assert f"created task {task.id}" in result.stderr
    assert "completed" in result.stderr
    assert "saved" in result.stderr


def test_generate_json_prints_one_task_object(cli, server):
    result = cli("generate", "a corgi surfing", "--out", "corgi.mp4", "--json")

    assert result.code == 0, result
    data = result.json()
    assert set(data) == TASK_KEYS | {"path"}
    assert data["status"] == "completed"
    assert data["progress"] == 100.0
    assert data["id"] == next(iter(server.tasks))
    assert data["path"] == "corgi.mp4"
    assert data["video_url"].startswith(server.base_url)
    # Progress still went somewhere: stderr, never stdout.
    assert "created task" in result.stderr


def test_generate_without_out_saves_in_the_current_folder(cli, server):
    result = cli("generate", "a corgi surfing")

    assert result.code == 0, result
    (task_id,) = server.tasks
    saved = cli.cwd / result.stdout.strip()
    assert saved.parent == cli.cwd
    assert saved.read_bytes() == server.video.read()
    assert task_id.split(":")[1] in saved.name


def test_generate_no_download_prints_the_video_url(cli, server):
    result = cli("generate", "a corgi surfing", "--no-download")

    assert result.code == 0, result
    assert result.stdout.startswith(server.base_url + "/files/")
    assert not list(cli.cwd.iterdir())


def test_generate_passes_every_create_option(cli, server):
    result = cli(
        "generate",
        "a corgi surfing",
        "--model",
        "sora-2-pro",
        "--orientation",
        "landscape",
        "--size",
        "large",
        "--duration",
        "15",
        "--image",
        "https://example.com/a.png",
        "--image",
        "https://example.com/b.png",
        "--no-watermark",
        "--private",
        "--extra",
        "style=anime",
        "--extra",
        "storyboard:=true",
        "--no-download",
    )

    assert result.code == 0, result
    (task,) = server.tasks.values()
    assert (task.model, task.orientation, task.size, task.duration) == (
        "sora-2-pro",
        "landscape",
        "large",
        15,
    )
    assert task.images == ("https://example.com/a.png", "https://example.com/b.png")
    assert (task.watermark, task.private) == (False, True)
    assert dict(task.extra) == {"style": "anime", "storyboard": True}


def test_a_failed_generation_exits_1_with_the_reason(cli, server):
    result = cli("generate", "please FAIL", "--json")

    assert result.code == 1, result
    data = result.json()
    assert set(data) == ERROR_KEYS
    assert data["error"]["type"] == "VideoGenerationError"
    assert data["error"]["exit_code"] == 1
    assert data["id"] == next(iter(server.tasks))
    assert data["task"]["status"] == "failed"
    assert "content policies" in data["task"]["failure_reason"]
    assert "content policies" in result.stderr
    assert not list(cli.cwd.iterdir())


def test_a_prompt_refused_at_create_exits_1(cli, server):
    result = cli("generate", "REJECT me", "--json")

    assert result.code == 1, result
    data = result.json()
    assert data["error"]["type"] == "BadRequestError"
    assert "sentinel_block" in data["error"]["message"]
    assert data["id"] is None
    assert server.create_count == 0


def test_server_errors_exit_1_without_a_traceback(cli, server):
    server.inject("create", Fault.insufficient_quota())

    result = cli("generate", "a corgi")

    assert result.code == 1, result
    assert "403" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        # Parsing errors (click) and errors the library finds before any request; more
        # cases run in-process in test_app.py.
        pytest.param(["generate", "x", "--duration", "0"], id="duration"),
        pytest.param(["generate", "x", "--image", "not-a-url"], id="image"),
        pytest.param(["generate", "   "], id="empty-prompt"),
        pytest.param(["no-such-command"], id="command"),
    ],
)
def test_usage_errors_exit_2_before_anything_is_created(cli, server, args):
    result = cli(*args)

    assert result.code == 2, result
    assert "Traceback" not in result.stderr
    assert "Error" in result.stderr
    assert server.create_count == 0
    assert result.stdout == ""


def test_invalid_input_with_json_prints_a_json_error(cli, server):
    result = cli("generate", "x", "--image", "ftp://example.com/a.png", "--json")

    assert result.code == 2, result
    data = result.json()
    assert data["error"]["type"] == "InvalidParameterError"
    assert data["error"]["exit_code"] == 2
    assert data["error"]["message"].startswith("--image: ")  # the option, not images[0]
    assert server.create_count == 0


def test_an_existing_output_file_is_refused_before_create(cli, server):
    (cli.cwd / "taken.mp4").write_bytes(b"mine")

    result = cli("generate", "a corgi", "--out", "taken.mp4")

    assert result.code == 2, result
    assert "--overwrite" in result.stderr
    assert server.create_count == 0
    assert (cli.cwd / "taken.mp4").read_bytes() == b"mine"


def test_overwrite_replaces_the_output_file(cli, server):
    (cli.cwd / "taken.mp4").write_bytes(b"mine")

    result = cli("generate", "a corgi", "--out", "taken.mp4", "--overwrite")

    assert result.code == 0, result
    assert (cli.cwd / "taken.mp4").read_bytes() == server.video.read()


def test_no_api_key_is_a_usage_error(cli, server):
    env = cli.env()
    del env["ANYAPI_API_KEY"]

    result = cli("generate", "a corgi", "--json", env=env)

    assert result.code == 2, result
    assert "ANYAPI_API_KEY" in result.stderr
    assert result.json()["error"]["type"] == "UsageError"
    assert server.create_count == 0


def test_api_key_and_base_url_options_override_the_environment(cli, server):
    env = cli.env(ANYAPI_API_KEY="sk-wrong-key-0000000000", ANYAPI_BASE_URL="http://127.0.0.1:9")

    result = cli(
        "--api-key", server.api_key, "--base-url", server.base_url, "create", "a corgi", env=env
    )

    assert result.code == 0, result
    assert result.stdout.strip() in server.tasks


def test_a_wrong_key_exits_1_and_is_never_printed(cli, server):
    wrong = "sk-this-key-is-wrong-and-secret-123456"

    result = cli("--verbose", "--api-key", wrong, "generate", "a corgi", "--json")

    assert result.code == 1, result
    assert "401" in result.stderr
    assert result.json()["error"]["type"] == "AuthenticationError"
    assert wrong not in result.stderr + result.stdout


def test_verbose_logs_requests_to_stderr_without_the_key(cli, server):
    result = cli("--verbose", "generate", "a corgi", "--out", "c.mp4", "--json")

    assert result.code == 0, result
    assert "POST " in result.stderr
    assert "/v1/video/create" in result.stderr
    assert "GET " in result.stderr
    assert "/v1/video/query" in result.stderr
    assert server.api_key not in result.stderr + result.stdout
    result.json()  # stdout is still only the JSON object


def test_timeout_exits_3_with_the_command_that_resumes(slow_cli, slow_server):
    result = slow_cli("generate", "a corgi", "--out", "c.mp4", "--timeout", "0.3", "--json")

    assert result.code == 3, result
    (task_id,) = slow_server.tasks
    data = result.json()
    assert data["error"]["type"] == "WaitTimeoutError"
    assert data["error"]["exit_code"] == 3
    assert data["id"] == task_id
    assert data["task"]["status"] in ("pending", "queued", "processing")
    assert f"wait {task_id} --out c.mp4" in result.stderr
    assert not (slow_cli.cwd / "c.mp4").exists()


def test_create_status_wait_download(cli, server):
    created = cli("create", "a corgi surfing")
    assert created.code == 0, created
    task_id = created.stdout.strip()
    assert list(server.tasks) == [task_id]
    assert f"wait {task_id}" in created.stderr

    status = cli("status", task_id, "--json")
    assert status.code == 0, status
    assert set(status.json()) == TASK_KEYS
    assert status.json()["id"] == task_id

    text = cli("status", task_id)
    assert text.code == 0, text
    assert f"id:             {task_id}" in text.stdout
    assert "status:" in text.stdout

    waited = cli("wait", task_id, "--out", "w.mp4", "--json")
    assert waited.code == 0, waited
    assert set(waited.json()) == TASK_KEYS | {"path"}
    assert waited.json()["status"] == "completed"
    assert (cli.cwd / "w.mp4").read_bytes() == server.video.read()

    (cli.cwd / "videos").mkdir()
    downloaded = cli("download", task_id, "--out", "videos", "--json")
    assert downloaded.code == 0, downloaded
    data = downloaded.json()
    assert set(data) == {"id", "path", "bytes"}
    assert data["id"] == task_id
    assert data["bytes"] == len(server.video.read())
    assert (cli.cwd / data["path"]).parent == cli.cwd / "videos"

    again = cli("download", task_id, "--out", "w.mp4")
    assert again.code == 2, again
    assert server.create_count == 1


def test_wait_without_out_prints_the_video_url(cli, server):
    task_id = cli("create", "a corgi").stdout.strip()

    result = cli("wait", task_id)

    assert result.code == 0, result
    assert result.stdout.startswith(server.base_url + "/files/")


def test_wait_for_a_failed_task_exits_1(cli, server):
    task_id = cli("create", "this will FAIL").stdout.strip()

    result = cli("wait", task_id, "--out", "x.mp4")

    assert result.code == 1, result
    assert "content policies" in result.stderr
    assert not (cli.cwd / "x.mp4").exists()


def test_status_of_an_unknown_task_exits_1(cli, server):
    result = cli("status", "sora-2:task_doesnotexist", "--json")

    assert result.code == 1, result
    data = result.json()
    assert data["id"] == "sora-2:task_doesnotexist"
    assert "task_not_exist" in data["error"]["message"]


def test_status_of_a_failed_task_exits_0(cli, server):
    task_id = cli("create", "please FAIL").stdout.strip()
    cli.wait_until(lambda: server.status_of(task_id) == "failed", "the task to fail")

    result = cli("status", task_id, "--json")

    assert result.code == 0, result
    assert result.json()["status"] == "failed"


def test_download_of_an_unfinished_task_exits_1(slow_cli, slow_server):
    task_id = slow_cli("create", "a corgi").stdout.strip()

    result = slow_cli("download", task_id, "--out", "x.mp4")

    assert result.code == 1, result
    assert "no video" in result.stderr
    assert not (slow_cli.cwd / "x.mp4").exists()
