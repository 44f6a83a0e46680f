"""Status words: every entry of the table, and the stem rules for words it does not know."""

from __future__ import annotations

import logging

import pytest
from anyapi_sora import TaskStatus, VideoTask, _status
from anyapi_sora._status import KNOWN_STATUS_WORDS, read_status_word
from hypothesis import given
from hypothesis import strategies as st

# One row per table entry, written out: removing a word from the table fails its row, and
# adding one without a row fails test_every_table_word_has_a_row.
TABLE: list[tuple[str, TaskStatus]] = [
    ("pending", TaskStatus.PENDING),
    ("queued", TaskStatus.QUEUED),
    ("queueing", TaskStatus.QUEUED),
    ("queuing", TaskStatus.QUEUED),
    ("in_queue", TaskStatus.QUEUED),
    ("submitted", TaskStatus.QUEUED),
    ("not_start", TaskStatus.QUEUED),
    ("not_started", TaskStatus.QUEUED),
    ("notstarted", TaskStatus.QUEUED),
    ("waiting", TaskStatus.QUEUED),
    ("created", TaskStatus.QUEUED),
    ("preparing", TaskStatus.QUEUED),
    ("processing", TaskStatus.PROCESSING),
    ("in_progress", TaskStatus.PROCESSING),
    ("inprogress", TaskStatus.PROCESSING),
    ("running", TaskStatus.PROCESSING),
    ("started", TaskStatus.PROCESSING),
    ("starting", TaskStatus.PROCESSING),
    ("generating", TaskStatus.PROCESSING),
    ("video_generating", TaskStatus.PROCESSING),
    ("image_downloading", TaskStatus.PROCESSING),
    ("video_upsampling", TaskStatus.PROCESSING),
    ("video_generation_completed", TaskStatus.PROCESSING),
    ("completed", TaskStatus.COMPLETED),
    ("complete", TaskStatus.COMPLETED),
    ("success", TaskStatus.COMPLETED),
    ("succeeded", TaskStatus.COMPLETED),
    ("succeed", TaskStatus.COMPLETED),
    ("successful", TaskStatus.COMPLETED),
    ("finished", TaskStatus.COMPLETED),
    ("done", TaskStatus.COMPLETED),
    ("video_upsampling_completed", TaskStatus.COMPLETED),
    ("failed", TaskStatus.FAILED),
    ("failure", TaskStatus.FAILED),
    ("fail", TaskStatus.FAILED),
    ("error", TaskStatus.FAILED),
    ("errored", TaskStatus.FAILED),
    ("video_generation_failed", TaskStatus.FAILED),
    ("video_upsampling_failed", TaskStatus.FAILED),
    ("cancelled", TaskStatus.CANCELLED),
    ("canceled", TaskStatus.CANCELLED),
    ("unknown", TaskStatus.UNKNOWN),
]


def test_every_table_word_has_a_row() -> None:
    words = [word for word, _ in TABLE]
    assert len(words) == len(set(words))
    assert dict(TABLE) == KNOWN_STATUS_WORDS


@pytest.mark.parametrize(("word", "status"), TABLE, ids=[word for word, _ in TABLE])
def test_table_word(word: str, status: TaskStatus) -> None:
    assert KNOWN_STATUS_WORDS[word] is status
    assert read_status_word(word) == _status.StatusWord(status, "table")
    # As gateways spell it: any case, "-" or spaces for "_", padded.
    for spelling in {word.upper(), word.title(), f" {word.replace('_', '-')}\n"}:
        assert TaskStatus.parse(spelling) is status, spelling
        assert read_status_word(spelling).how == "table", spelling
    assert TaskStatus.parse(word.replace("_", " ").upper()) is status


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("VideoGenerationCompleted", TaskStatus.PROCESSING),
        ("VideoUpsamplingCompleted", TaskStatus.COMPLETED),
        ("InProgress", TaskStatus.PROCESSING),
        ("NotStarted", TaskStatus.QUEUED),
        ("inQueue", TaskStatus.QUEUED),
    ],
)
def test_camel_case_spellings_of_table_words(word: str, status: TaskStatus) -> None:
    assert read_status_word(word) == _status.StatusWord(status, "table")


@pytest.fixture(autouse=True)
def fresh_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_status, "_reported_words", set())


def test_table_words_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="anyapi_sora")
    for word, _ in TABLE:
        TaskStatus.parse(word.upper())
    assert caplog.records == []


# --------------------------------------------------------------------------- unseen words

CLEAR_OUTCOMES = [
    # success, whatever came before it
    ("task_succeeded", TaskStatus.COMPLETED),
    ("generation_succeeded", TaskStatus.COMPLETED),
    ("SUCCESSFULLY", TaskStatus.COMPLETED),
    ("TaskSucceeded", TaskStatus.COMPLETED),
    ("success_with_warnings", TaskStatus.COMPLETED),
    # completion alone, or of the whole task, or of a step that only ever comes last
    ("finish", TaskStatus.COMPLETED),
    ("ready", TaskStatus.COMPLETED),
    ("video_ready", TaskStatus.COMPLETED),
    ("all_done", TaskStatus.COMPLETED),
    ("job_finished", TaskStatus.COMPLETED),
    ("task-complete", TaskStatus.COMPLETED),
    ("image_upsampling_completed", TaskStatus.COMPLETED),
    ("video_upscaling_completed", TaskStatus.COMPLETED),
    ("upscale_done", TaskStatus.COMPLETED),
    ("post_processing_completed", TaskStatus.COMPLETED),
    ("upload_completed", TaskStatus.COMPLETED),
    ("ImageUpscaleCompleted", TaskStatus.COMPLETED),
    # failure
    ("rejected", TaskStatus.FAILED),
    ("content_rejected", TaskStatus.FAILED),
    ("upload_failed", TaskStatus.FAILED),
    ("generation-failed", TaskStatus.FAILED),
    ("_failed_", TaskStatus.FAILED),
    ("moderation blocked", TaskStatus.FAILED),
    ("upstream_error", TaskStatus.FAILED),
    ("TIMEOUT", TaskStatus.FAILED),
    ("aborted", TaskStatus.FAILED),
    ("TaskFailed", TaskStatus.FAILED),
    ("failed_after_3_retries", TaskStatus.FAILED),
    ("failed_due_to_timeout", TaskStatus.FAILED),
    ("content_policy_violation", TaskStatus.FAILED),
    ("expired", TaskStatus.FAILED),  # gone for good: polling on cannot bring it back
    ("video_expired", TaskStatus.FAILED),
    ("DELETED", TaskStatus.FAILED),
    # cancellation
    ("user_cancelled", TaskStatus.CANCELLED),
    ("cancelled_by_user", TaskStatus.CANCELLED),
    ("CANCEL", TaskStatus.CANCELLED),
    ("user_canceled", TaskStatus.CANCELLED),
    # the other success stems
    ("task_succeed", TaskStatus.COMPLETED),
    ("render_succeeds", TaskStatus.COMPLETED),
    ("task_successful", TaskStatus.COMPLETED),
    # a completion after a step that only ever comes last
    ("delivery_complete", TaskStatus.COMPLETED),
    ("encode_done", TaskStatus.COMPLETED),
    ("encoding_finished", TaskStatus.COMPLETED),
    ("export_complete", TaskStatus.COMPLETED),
    ("exporting_done", TaskStatus.COMPLETED),
    ("overall_done", TaskStatus.COMPLETED),
    ("pipeline_finished", TaskStatus.COMPLETED),
    ("process_complete", TaskStatus.COMPLETED),
    ("publish_done", TaskStatus.COMPLETED),
    ("publishing_completed", TaskStatus.COMPLETED),
    ("request_completed", TaskStatus.COMPLETED),
    ("transcode_done", TaskStatus.COMPLETED),
    ("transcoding_complete", TaskStatus.COMPLETED),
    ("uploaded_complete", TaskStatus.COMPLETED),
    ("uploading_finished", TaskStatus.COMPLETED),
    ("work_done", TaskStatus.COMPLETED),
    ("workflow_completed", TaskStatus.COMPLETED),
    ("postprocessing_done", TaskStatus.COMPLETED),
    # the other failure stems
    ("worker_crashed", TaskStatus.FAILED),
    ("access_denied", TaskStatus.FAILED),
    ("task_errored", TaskStatus.FAILED),
    ("upload_fail", TaskStatus.FAILED),
    ("render_fails", TaskStatus.FAILED),
    ("generation_failure", TaskStatus.FAILED),
    ("job_killed", TaskStatus.FAILED),
    ("request_refused", TaskStatus.FAILED),
    ("task_terminated", TaskStatus.FAILED),
    ("render_timedout", TaskStatus.FAILED),
    # the outcome comes before the clause that explains it
    ("failed_at_upload", TaskStatus.FAILED),
    ("cancelled_because_timeout", TaskStatus.CANCELLED),
    ("cancelled_due_to_error", TaskStatus.CANCELLED),
    ("cancelled_via_api", TaskStatus.CANCELLED),
]


@pytest.mark.parametrize(("word", "status"), CLEAR_OUTCOMES)
def test_a_clear_outcome_ends_the_wait(word: str, status: TaskStatus) -> None:
    assert word.lower().replace("-", "_") not in KNOWN_STATUS_WORDS
    assert read_status_word(word) == _status.StatusWord(status, "stem")
    assert TaskStatus.parse(word) is status


STAGE_COMPLETIONS = [
    "generation_completed",
    "video_generated",
    "RENDERED",
    "upscaled",
    "VideoAvailable",
    "render_done",
    "video_generation_finished",
    "image_downloading_completed",
    "VideoRenderComplete",
    "step_1_done",
    "video_delivered",
    "video_encoded",
    "exported",
    "video_processed",
    "produced",
    "published",
    "transcoded",
    "file_uploaded",
    "upsampled",
]


@pytest.mark.parametrize("word", STAGE_COMPLETIONS)
def test_a_completed_step_alone_keeps_the_wait_going(word: str) -> None:
    assert read_status_word(word) == _status.StatusWord(TaskStatus.COMPLETED, "stage")
    assert TaskStatus.parse(word) is TaskStatus.UNKNOWN


@pytest.mark.parametrize("word", STAGE_COMPLETIONS)
def test_a_completed_step_with_the_video_is_the_end(word: str) -> None:
    body = {"id": "t", "status": word, "output": {"video": "https://cdn.example/v/1.mp4"}}
    task = VideoTask.from_json(body)
    assert task.status is TaskStatus.COMPLETED
    assert task.video_url == "https://cdn.example/v/1.mp4"
    # ...but a picture is not the video.
    body["output"] = {"video_cover": "https://cdn.example/v/1.jpg"}
    assert VideoTask.from_json(body).status is TaskStatus.UNKNOWN


STILL_RUNNING = [
    # negated
    "uncompleted",
    "incomplete",
    "not_finished",
    "unfinished",
    "notfinished",
    "NotCompleted",
    "not_failed",
    "never_started",
    "no_success",
    "task_incomplete",
    # hedged: the gateway is still trying
    "failed_retrying",
    "failed_will_retry",
    "retry_failed",
    "partially_completed",
    "success_pending_review",
    "about_to_finish",
    "almost_done",
    "awaiting_upload_complete",
    "before_finished",
    "going_to_fail",
    "nearly_done",
    "never_completed",
    "non_completed",
    "none_succeeded",
    "partial_success",
    "pending_cancel",
    "pre_processing_done",
    "recovering_from_failure",
    "requeue_failed",
    "requeued_failed",
    "restart_failed",
    "restarting_failed",
    "resubmit_failed",
    "resubmitted_failed",
    "retried_and_failed",
    "retries_failed",
    "retryable_error",
    "retrying_failed",
    "soon_complete",
    "temporary_failure",
    "transient_error",
    "un-finished",
    "waiting_to_cancel",
    "will_complete",
    "finished_without_success",
    # contradictions
    "error_completed",
    "completed_with_errors",
    "completed_with_no_video",
    # no outcome at all
    "on_hold",
    "paused",
    "rendering",
    "MODERATING",
    "upsampling_started",
    "cancelling",
    "not_generated",
    "generated_pending_upload",
    "weird_42",
]


@pytest.mark.parametrize("word", STILL_RUNNING)
def test_anything_else_keeps_the_task_running(word: str) -> None:
    assert read_status_word(word) == _status.StatusWord(TaskStatus.UNKNOWN, "unknown")
    assert TaskStatus.parse(word) is TaskStatus.UNKNOWN
    task = VideoTask.from_json({"id": "t", "status": word, "video_url": "https://a/v.mp4"})
    assert not task.done


_OUTCOME_WORDS = [
    w for w, s in [*TABLE, *CLEAR_OUTCOMES] if s is TaskStatus.COMPLETED and w.islower()
]


@given(
    word=st.sampled_from(_OUTCOME_WORDS),
    negation=st.sampled_from(["not_", "non_", "not ", "no-", "never_", "NOT_"]),
)
def test_a_negated_success_is_never_a_success(word: str, negation: str) -> None:
    assert not TaskStatus.parse(negation + word).is_terminal


@given(
    word=st.sampled_from([w for w in _OUTCOME_WORDS if "_" not in w]),
    prefix=st.sampled_from(["un", "in", "non", "not"]),
)
def test_a_success_word_with_a_negating_prefix_is_never_a_success(word: str, prefix: str) -> None:
    assert not TaskStatus.parse(prefix + word).is_terminal


@given(
    word=st.sampled_from([w for w, s in TABLE if s.is_terminal] + _OUTCOME_WORDS),
    hedge=st.sampled_from(["_retrying", "_will_retry", "_pending", "_partially", "_not"]),
)
def test_a_hedged_outcome_is_never_final(word: str, hedge: str) -> None:
    assert not TaskStatus.parse(word + hedge).is_terminal


@given(st.text(max_size=40))
def test_reading_any_text_never_raises(text: str) -> None:
    word = read_status_word(text)
    assert isinstance(word.status, TaskStatus)
    assert word.how in ("table", "stem", "stage", "unknown")


def test_a_word_read_by_its_stem_is_logged_once_at_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="anyapi_sora")
    TaskStatus.parse("task_succeeded")
    TaskStatus.parse("task_succeeded")
    records = [r for r in caplog.records if "task_succeeded" in r.getMessage()]
    assert [r.levelno for r in records] == [logging.INFO, logging.DEBUG]
    assert records[0].getMessage() == (
        "task status 'task_succeeded' is not a known word; read it as completed"
    )


def test_only_words_of_at_most_100_characters_are_kept_in_the_cache() -> None:
    # A wait reads the same few words again and again; a server sending huge statuses
    # must not have them kept in memory.
    _status._read_text.cache_clear()
    fits, too_long = "x" * 100, "y" * 101
    assert read_status_word(fits) == read_status_word(too_long) == _status._NOT_A_WORD
    assert _status._read_text.cache_info().currsize == 1
    read_status_word(fits)
    assert _status._read_text.cache_info().hits == 1


def test_a_long_word_is_logged_cut_to_100_characters(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    fits = "x" * 98  # shown with its quotes: 100 characters
    too_long = "y" * 99  # 101
    TaskStatus.parse(fits)
    TaskStatus.parse(too_long)
    assert [r.getMessage() for r in caplog.records] == [
        f"unknown task status {fits!r}; treating the task as running",
        f"unknown task status {repr(too_long)[:99]}…; treating the task as running",
    ]


def test_a_status_that_cannot_be_shown_is_logged_by_its_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Unprintable:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    assert TaskStatus.parse(Unprintable()) is TaskStatus.UNKNOWN
    assert [r.getMessage() for r in caplog.records] == [
        "unknown task status <unprintable Unprintable>; treating the task as running"
    ]


def test_a_completed_step_is_logged_as_what_it_was_read_as(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="anyapi_sora")
    VideoTask.from_json({"id": "t", "status": "render_done"})
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "running" in record.getMessage()


# --------------------------------------------------------------------------- the stem tables

STEM_TABLES = [
    "_SUCCESS_STEMS",
    "_COMPLETION_STEMS",
    "_STEP_DONE_STEMS",
    "_FINAL_STEPS",
    "_FINAL_STEP_PREFIXES",
    "_FAILURE_STEMS",
    "_CANCEL_STEMS",
    "_NOT_FINAL",
    "_CLAUSE_WORDS",
]
# Entries that another rule covers too, so that removing one alone changes no reading.
REDUNDANT = {
    ("_FINAL_STEPS", "postprocess"): "the final-step prefix 'postprocess' covers it",
    ("_FINAL_STEPS", "postprocessing"): "the final-step prefix 'postprocess' covers it",
    ("_FINAL_STEP_PREFIXES", "postprocess"): "_FINAL_STEPS names both of its words",
}
EXAMPLES = [
    *(word for word, _ in TABLE),
    *(word for word, _ in CLEAR_OUTCOMES),
    *STAGE_COMPLETIONS,
    *STILL_RUNNING,
]


def _readings() -> list[_status.StatusWord]:
    _status._read_text.cache_clear()
    try:
        return [read_status_word(word) for word in EXAMPLES]
    finally:
        _status._read_text.cache_clear()


def _without(table: str, entries: set[str], monkeypatch: pytest.MonkeyPatch) -> None:
    original = getattr(_status, table)
    kept = [entry for entry in original if entry not in entries]
    monkeypatch.setattr(_status, table, type(original)(kept))


@pytest.mark.parametrize(
    ("table", "entry"),
    [
        (table, entry)
        for table in STEM_TABLES
        for entry in sorted(getattr(_status, table))
        if (table, entry) not in REDUNDANT
    ],
)
def test_every_stem_decides_an_example(
    table: str, entry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stem tables' own mutation test: drop the entry, and some example above must read
    # differently. A new stem comes with the status word that needs it.
    before = _readings()
    _without(table, {entry}, monkeypatch)
    assert _readings() != before, f"no example needs {entry!r} of {table}"


def test_the_redundant_entries_decide_an_example_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for table, entry in REDUNDANT:
        assert entry in getattr(_status, table), (table, entry)
    before = _readings()
    for table in {table for table, _ in REDUNDANT}:
        _without(table, {entry for t, entry in REDUNDANT if t == table}, monkeypatch)
    assert _readings() != before
