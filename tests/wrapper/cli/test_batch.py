"""`batch`: the whole run, its outputs, and resuming after crashes without paying twice."""

from __future__ import annotations

import json
import signal
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from anyapi_sora.cli._batch_input import parse_batch_text
from anyapi_sora.cli._journal import Journal
from anyapi_sora.testing import Fault, MockServer

ROW_KEYS = {
    "line",
    "key",
    "prompt",
    "state",
    "task_id",
    "path",
    "thumbnail",
    "failure_reason",
    "error",
}
DEFAULTS = {
    "model": "sora-2",
    "orientation": "portrait",
    "size": "small",
    "duration": 10,
    "images": [],
    "watermark": True,
    "private": False,
    "extra_body": None,
}


class Gallery(HTMLParser):
    """What index.html shows: video sources, posters, images, links and text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.videos: list[str] = []
        self.posters: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "video":
            self.videos.append(attributes["src"] or "")
            if attributes.get("poster"):
                self.posters.append(attributes["poster"] or "")
        elif tag == "img":
            self.images.append(attributes["src"] or "")
        elif tag == "a":
            self.links.append(attributes["href"] or "")
        elif tag in ("script", "b"):
            raise AssertionError(f"unescaped <{tag}> in the gallery")

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def journal_events(folder: Path) -> list[dict]:
    path = folder / "journal.jsonl"
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:  # the line being written right now
            continue
    return events


def journaled_task_ids(folder: Path) -> set[str]:
    return {e["task_id"] for e in journal_events(folder) if e["event"] == "created"}


def write_prompts(folder: Path, lines: list[str], name: str = "prompts.txt") -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_batch_renders_every_prompt_and_writes_a_gallery(cli, server):
    write_prompts(
        cli.cwd,
        [
            "# a comment, then a blank line",
            "",
            "a corgi surfing",
            'a cat <b>bold</b> & "quoted"',
            '{"prompt": "a dog in space", "duration": 15, "out": "dog.mp4",'
            ' "extra": {"style": "anime"}}',
            "this one will FAIL",
            "a corgi surfing",
        ],
    )

    result = cli("batch", "prompts.txt", "--out-dir", "out", "--json")

    assert result.code == 1, result  # one prompt failed
    rows = result.json_lines()
    assert [row["line"] for row in rows] == [3, 4, 5, 6, 7]
    assert all(set(row) == ROW_KEYS for row in rows)
    assert [row["state"] for row in rows] == [
        "downloaded",
        "downloaded",
        "downloaded",
        "failed",
        "downloaded",
    ]
    assert "content policies" in rows[3]["failure_reason"]
    # The same prompt twice is two takes: two tasks, two files.
    assert rows[0]["key"] != rows[4]["key"]
    assert rows[0]["path"] != rows[4]["path"]
    assert server.create_count == 5
    dog = next(t for t in server.tasks.values() if t.prompt == "a dog in space")
    assert (dog.duration, dict(dog.extra)) == (15, {"style": "anime"})

    out = cli.cwd / "out"
    saved = [Path(row["path"]) for row in rows if row["state"] == "downloaded"]
    assert out / "dog.mp4" in saved
    for path in saved:
        assert path.read_bytes() == server.video.read()

    gallery = Gallery((out / "index.html").read_text(encoding="utf-8"))
    assert sorted(gallery.videos) == sorted(p.relative_to(out).as_posix() for p in saved)
    for source in gallery.videos + gallery.posters:
        assert (out / source).is_file(), source
    # A poster for each saved video whose gateway sent a thumbnail: the unified dialects do.
    thumbnailed = [
        task
        for task in server.tasks.values()
        if task.dialect in ("anyapi", "anyapi-detail") and not task.failure_reason
    ]
    assert len(gallery.posters) == len(thumbnailed)
    assert 'a cat <b>bold</b> & "quoted"' in gallery.text
    assert "this one will FAIL" in gallery.text
    assert any("content policies" in text for text in gallery.text)
    assert "failed" in gallery.text

    assert "anyapi-sora batch" in result.stderr  # the summary table
    assert "4 downloaded, 1 failed" in result.stderr


def test_a_finished_batch_reruns_without_creating_anything(cli, server):
    write_prompts(cli.cwd, ["a corgi", "a cat"])
    first = cli("batch", "prompts.txt", "--out-dir", "out")
    assert first.code == 0, first
    journal_size = (cli.cwd / "out" / "journal.jsonl").stat().st_size

    again = cli("batch", "prompts.txt", "--out-dir", "out")

    assert again.code == 0, again
    assert server.create_count == 2
    assert "2 downloaded" in again.stderr
    assert (cli.cwd / "out" / "journal.jsonl").stat().st_size == journal_size


def test_a_deleted_video_is_downloaded_again_not_created_again(cli, server):
    write_prompts(cli.cwd, ["a corgi"])
    first = cli("batch", "prompts.txt", "--out-dir", "out", "--json")
    video = Path(first.json()["path"])
    video.unlink()

    again = cli("batch", "prompts.txt", "--out-dir", "out", "--json")

    assert again.code == 0, again
    assert again.json()["state"] == "downloaded"
    assert video.read_bytes() == server.video.read()
    assert server.create_count == 1


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is POSIX")
def test_kill_9_at_several_points_then_rerun_pays_once_per_prompt(tmp_path, make_cli):
    prompts = [f"prompt {n}: a corgi doing trick number {n}" for n in range(8)]
    write_prompts(tmp_path, prompts)
    out = tmp_path / "out"
    args = ("batch", "prompts.txt", "--out-dir", "out", "--concurrency", "3")
    # Each point is checked against the events written by the run being killed.
    kill_points = {
        "after the first create": lambda events: any(e["event"] == "created" for e in events),
        "while waiting": lambda events: any(e["event"] == "completed" for e in events),
        "after a download": lambda events: any(e["event"] == "downloaded" for e in events),
    }
    with MockServer(queue_seconds=0.05, processing_seconds=0.4) as server:
        cli = make_cli(server, tmp_path)
        for point, reached in kill_points.items():
            already = len(journal_events(out))
            process = cli.start(*args)
            cli.wait_until(lambda r=reached, a=already: r(journal_events(out)[a:]), point)
            # Hold back creates that have not reached the server, then let the journal catch
            # up with those that did: the kill then cannot land between a task being made
            # and its id being written, which no journal can survive.
            server.inject("create", Fault.hang(30), rate=1.0)
            cli.wait_until(
                lambda: journaled_task_ids(out) == set(server.tasks), "the journal to catch up"
            )
            process.kill()
            killed = cli.finish(process)
            assert killed.code == -signal.SIGKILL, f"{point}: the batch ended by itself\n{killed}"
            server.clear_faults()
            assert server.create_count == len(journaled_task_ids(out))

        final = cli(*args, "--resubmit-unknown", "--json")

        assert final.code == 0, final
        assert server.create_count == len(prompts)
        assert sorted(t.prompt for t in server.tasks.values()) == sorted(prompts)
    rows = final.json_lines()
    assert [row["state"] for row in rows] == ["downloaded"] * len(prompts)
    videos = {Path(row["path"]) for row in rows}
    assert len(videos) == len(prompts)
    for video in videos:
        assert video.read_bytes() == server.video.read()
    assert not list(out.rglob("*.part"))
    gallery = Gallery((out / "index.html").read_text(encoding="utf-8"))
    assert sorted(gallery.videos) == sorted(v.relative_to(out).as_posix() for v in videos)


def test_unknown_create_outcomes_are_listed_and_resubmitted_only_when_asked(cli, server):
    lines = ["first: a corgi", "second: a cat", "third: a dog"]
    write_prompts(cli.cwd, lines)
    first_key = parse_batch_text("\n".join(lines), DEFAULTS)[0].key
    out = cli.cwd / "out"
    out.mkdir()
    # What a run that died during its first create request leaves behind.
    creating = {
        "v": 1,
        "ts": "2025-01-01T00:00:00.000Z",
        "event": "creating",
        "key": first_key,
        "line": 1,
        "prompt": lines[0],
        "file": "first.mp4",
    }
    (out / "journal.jsonl").write_text(json.dumps(creating) + "\n", encoding="utf-8")

    result = cli("batch", "prompts.txt", "--out-dir", "out", "--json")

    assert result.code == 1, result
    assert "unknown create outcome" in result.stderr
    assert "line 1: first: a corgi" in result.stderr
    assert "--resubmit-unknown" in result.stderr
    assert [row["state"] for row in result.json_lines()] == ["unknown", "downloaded", "downloaded"]
    assert sorted(t.prompt for t in server.tasks.values()) == lines[1:]

    again = cli("batch", "prompts.txt", "--out-dir", "out")
    assert again.code == 1, again
    assert server.create_count == 2

    resubmitted = cli("batch", "prompts.txt", "--out-dir", "out", "--resubmit-unknown", "--json")
    assert resubmitted.code == 0, resubmitted
    assert server.create_count == 3
    assert (out / "first.mp4").read_bytes() == server.video.read()


def test_a_create_that_may_have_billed_becomes_unknown(cli, server):
    write_prompts(cli.cwd, ["a corgi"])
    server.inject("create", Fault.server_error(502))

    result = cli("batch", "prompts.txt", "--out-dir", "out", "--json")

    assert result.code == 1, result
    (row,) = result.json_lines()
    assert row["state"] == "unknown"
    assert "502" in row["error"]
    assert "--resubmit-unknown" in result.stderr


def test_a_create_that_certainly_failed_is_retried_on_rerun(cli, server):
    write_prompts(cli.cwd, ["a corgi"])
    server.inject("create", Fault.rate_limited(), times=20)

    refused = cli("batch", "prompts.txt", "--out-dir", "out", "--json")

    assert refused.code == 1, refused
    assert refused.json()["state"] == "not_created"
    assert server.create_count == 0
    server.clear_faults()
    rerun = cli("batch", "prompts.txt", "--out-dir", "out", "--json")
    assert rerun.code == 0, rerun
    assert server.create_count == 1


def test_a_rejected_key_stops_creating(cli, server):
    write_prompts(cli.cwd, ["one", "two", "three"])
    env = cli.env(ANYAPI_API_KEY="sk-not-the-right-key-000000")

    result = cli("batch", "prompts.txt", "--out-dir", "out", "-c", "1", env=env)

    assert result.code == 1, result
    assert "stopped creating" in result.stderr
    assert len(server.requests_to("create")) == 1
    assert "sk-not-the-right-key-000000" not in result.stderr


def test_failed_tasks_are_created_again_only_with_retry_failed(cli, server):
    write_prompts(cli.cwd, ["this will FAIL"])
    assert cli("batch", "prompts.txt", "--out-dir", "out").code == 1
    assert cli("batch", "prompts.txt", "--out-dir", "out").code == 1
    assert server.create_count == 1

    retried = cli("batch", "prompts.txt", "--out-dir", "out", "--retry-failed")

    assert retried.code == 1, retried
    assert server.create_count == 2


def test_a_batch_that_times_out_exits_3_and_resumes(slow_cli, slow_server):
    write_prompts(slow_cli.cwd, ["a corgi", "a cat"])

    result = slow_cli("batch", "prompts.txt", "--out-dir", "out", "--timeout", "0.3", "--json")

    assert result.code == 3, result
    assert [row["state"] for row in result.json_lines()] == ["running", "running"]
    assert "batch prompts.txt --out-dir out" in result.stderr
    for task_id in slow_server.tasks:
        slow_server.finish_task(task_id)
    resumed = slow_cli("batch", "prompts.txt", "--out-dir", "out")
    assert resumed.code == 0, resumed
    assert slow_server.create_count == 2


def test_a_bad_batch_file_exits_2_before_anything_is_created(cli, server):
    # Every bad line is reported at once (more cases in test_batch_input.py).
    write_prompts(cli.cwd, ["ok", '{"prompt": "x", "colour": "red"}', "{not json"])

    result = cli("batch", "prompts.txt", "--out-dir", "out", "--json")

    assert result.code == 2, result
    assert "line 2: unknown field(s) colour" in result.stderr
    assert "line 3: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.json()["error"]["exit_code"] == 2
    assert server.create_count == 0
    assert not (cli.cwd / "out").exists()


def test_a_missing_batch_file_exits_2(cli, server):
    result = cli("batch", "nowhere.txt", "--out-dir", "out")

    assert result.code == 2, result
    assert "nowhere.txt" in result.stderr


def test_two_batches_cannot_share_a_folder(cli, server):
    write_prompts(cli.cwd, ["a corgi"])
    with Journal(cli.cwd / "out"):
        result = cli("batch", "prompts.txt", "--out-dir", "out")

    assert result.code == 2, result
    assert "another anyapi-sora batch" in result.stderr
    assert server.create_count == 0


def test_batch_reads_prompts_from_stdin(cli, server):
    result = cli("batch", "-", "--out-dir", "out", input="a corgi\na cat\n")

    assert result.code == 0, result
    assert server.create_count == 2


def test_a_rerun_on_another_gateway_is_refused_and_changes_nothing(slow_cli, slow_server):
    write_prompts(slow_cli.cwd, ["a corgi", "a cat"])
    out = slow_cli.cwd / "out"
    process = slow_cli.start("batch", "prompts.txt", "--out-dir", "out")
    slow_cli.wait_until(lambda: len(journaled_task_ids(out)) == 2, "both tasks to be journaled")
    assert slow_cli.interrupt(process).code == 130
    journal = (out / "journal.jsonl").read_bytes()
    origin = slow_server.base_url.rstrip("/")  # http://127.0.0.1:PORT
    created = [e for e in journal_events(out) if e["event"] in ("creating", "created")]
    assert {e["origin"] for e in created} == {origin}

    # A --mock (or mistyped --base-url) rerun would be told task_not_exist for paid tasks.
    mock = slow_cli("batch", "prompts.txt", "--out-dir", "out", "--mock", "--json")

    assert mock.code == 2, mock
    assert origin in mock.stderr
    assert "mock" in mock.stderr
    assert f"--base-url {slow_server.base_url}" in mock.stderr
    assert mock.json()["error"]["exit_code"] == 2
    assert (out / "journal.jsonl").read_bytes() == journal
    other = slow_cli("--base-url", "http://127.0.0.1:9", "batch", "prompts.txt", "--out-dir", "out")
    assert other.code == 2, other
    assert "http://127.0.0.1:9" in other.stderr
    assert (out / "journal.jsonl").read_bytes() == journal

    for task_id in slow_server.tasks:
        slow_server.finish_task(task_id)
    resumed = slow_cli("batch", "prompts.txt", "--out-dir", "out", "--json")
    assert resumed.code == 0, resumed
    assert [row["state"] for row in resumed.json_lines()] == ["downloaded", "downloaded"]
    assert slow_server.create_count == 2


def test_a_journal_without_origins_is_accepted_and_task_not_exist_is_not_final(cli, server):
    # A journal from before origins were recorded, naming a task this gateway never made.
    write_prompts(cli.cwd, ["a corgi"])
    (key,) = [entry.key for entry in parse_batch_text("a corgi", DEFAULTS)]
    out = cli.cwd / "out"
    out.mkdir()
    events = [
        {"v": 1, "ts": "2025-01-01T00:00:00.000Z", "event": "creating", "key": key, "line": 1},
        {"v": 1, "ts": "2025-01-01T00:00:01.000Z", "event": "created", "key": key,
         "task_id": "sora-2:elsewhere"},
    ]  # fmt: skip
    (out / "journal.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in events), encoding="utf-8"
    )

    result = cli("batch", "prompts.txt", "--out-dir", "out", "--json")

    assert result.code == 1, result
    row = result.json()
    assert row["state"] == "running"  # still a paid task to wait for, not "failed"
    assert "does not know task sora-2:elsewhere" in row["error"]
    assert "--base-url" in row["error"]
    assert [e["event"] for e in journal_events(out)][-1] == "wait_failed"
    assert server.create_count == 0


def test_mock_tasks_of_an_earlier_mock_run_fail_on_a_mock_rerun(cli, server):
    # The in-process mock dies with the command: its tasks cannot be waited for again.
    write_prompts(cli.cwd, ["a corgi"])
    (key,) = [entry.key for entry in parse_batch_text("a corgi", DEFAULTS)]
    out = cli.cwd / "out"
    out.mkdir()
    events = [
        {"v": 1, "ts": "2025-01-01T00:00:00.000Z", "event": "creating", "key": key, "line": 1,
         "origin": "mock"},
        {"v": 1, "ts": "2025-01-01T00:00:01.000Z", "event": "created", "key": key,
         "task_id": "sora-2:gone", "origin": "mock"},
    ]  # fmt: skip
    (out / "journal.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in events), encoding="utf-8"
    )

    refused = cli("batch", "prompts.txt", "--out-dir", "out")
    assert refused.code == 2, refused
    assert "--mock" in refused.stderr

    result = cli("batch", "prompts.txt", "--out-dir", "out", "--mock", "--json")
    assert result.code == 1, result
    assert result.json()["state"] == "failed"
    retried = cli("batch", "prompts.txt", "--out-dir", "out", "--mock", "--retry-failed")
    assert retried.code == 0, retried


def test_the_gallery_shows_prompts_that_were_never_started(cli, server):
    lines = ["first: a corgi", 'second: a cat <b>bold</b> & "quoted"', "third: a dog"]
    write_prompts(cli.cwd, lines)
    env = cli.env(ANYAPI_API_KEY="sk-not-the-right-key-000000")

    result = cli("batch", "prompts.txt", "--out-dir", "out", "-c", "1", env=env)

    assert result.code == 1, result
    assert len(server.requests_to("create")) == 1  # the 401 stopped creating
    page = (cli.cwd / "out" / "index.html").read_text(encoding="utf-8")
    gallery = Gallery(page)
    for number, prompt in enumerate(lines, start=1):
        assert prompt in gallery.text
        assert f'id="line-{number}"' in page
        assert f"line {number}" in gallery.text


def test_a_create_refused_by_the_library_is_journaled_as_not_created(
    server, tmp_path, monkeypatch, capsys
):
    from anyapi_sora import AsyncAnyAPI
    from anyapi_sora._exceptions import InvalidParameterError
    from anyapi_sora.cli._app import run

    async def refuse(self, prompt, **kwargs):
        raise InvalidParameterError("extra_body['n']", "must be JSON-serialisable")

    videos_type = type(AsyncAnyAPI("sk-x", base_url=server.base_url).videos)
    monkeypatch.setattr(videos_type, "create", refuse)
    write_prompts(tmp_path, ["a corgi"])
    out = tmp_path / "out"

    code = run(
        [
            "--api-key", server.api_key, "--base-url", server.base_url,
            "batch", str(tmp_path / "prompts.txt"), "--out-dir", str(out), "--json",
        ]
    )  # fmt: skip

    assert code == 1
    row, summary = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert set(summary) == {"summary"}
    assert row["state"] == "not_created"
    assert "--extra n" in row["error"]  # the command line's words, not the library's
    events = [e["event"] for e in journal_events(out)]
    assert events == ["settings", "creating", "create_failed"]
    assert server.create_count == 0


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_in_a_batch_file_are_refused(cli, server, value):
    write_prompts(cli.cwd, ['{"prompt": "a corgi", "extra": {"n": ' + value + "}}"])

    result = cli("batch", "prompts.txt", "--out-dir", "out")

    assert result.code == 2, result
    assert "line 1" in result.stderr
    assert server.create_count == 0
