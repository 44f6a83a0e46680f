"""Task statuses: the words gateways send, read by a table first and by their stems second.

Every gateway spells statuses its own way (``SUCCESS``, ``in_progress``, ``NOT_START``,
``video_upsampling_completed``...). A word in :data:`KNOWN_STATUS_WORDS` means what the
table says. Any other word is read by its stems (:func:`read_status_word`):

- a clear success ("finished", "done", "task_succeeded", "upsampling_completed") or a
  clear failure ("rejected", "upload_failed") ends the wait;
- a word that says a *stage* completed ("render_done", "generation_completed") is not
  the end on its own: gateways that upsample after generating send one before the video
  exists. It ends the wait only when the body also carries the video;
- the outcome may be followed by a clause ("cancelled_by_user", "failed_after_retries");
- a negated or hedged word ("not_finished", "failed_retrying": the gateway tries again),
  a contradiction ("completed_with_errors") and anything else keep the task running
  (UNKNOWN): calling a running paid task finished or failed costs the user the task,
  while reading a finished one as running costs some polling.

Every word the table does not know is logged once, so a new gateway's words get reported.
"""

from __future__ import annotations

import enum
import functools
import logging
import re

import attrs

__all__ = ["KNOWN_STATUS_WORDS", "StatusWord", "TaskStatus", "read_status_word"]

logger = logging.getLogger("anyapi_sora")


class TaskStatus(str, enum.Enum):
    """Where a video task is in its life, normalised from the gateway's many spellings.

    A `str` enum: `TaskStatus.COMPLETED == "completed"`, and `str()` gives the value on
    every Python. Only COMPLETED, FAILED and CANCELLED end a wait (`is_terminal`).
    """

    PENDING = "pending"
    """Accepted, not started."""
    QUEUED = "queued"
    """Waiting in the provider's queue."""
    PROCESSING = "processing"
    """Being made."""
    COMPLETED = "completed"
    """Done: the video is ready."""
    FAILED = "failed"
    """Ended without a video; `VideoTask.failure_reason` says why."""
    CANCELLED = "cancelled"
    """Cancelled before it made a video."""
    # Deliberately not terminal: guessing "failed" would abandon a task the user has paid
    # for, while guessing "running" only costs more polling.
    UNKNOWN = "unknown"
    """A word no rule reads (or a stage that is not the end): polling goes on."""

    def __str__(self) -> str:
        # Same on every Python: (str, Enum) changed str()/format() between 3.10 and 3.12.
        return self.value

    @property
    def is_terminal(self) -> bool:
        """True for COMPLETED, FAILED and CANCELLED: the task will not change any more."""
        return self in _TERMINAL

    @classmethod
    def parse(cls, raw: object) -> TaskStatus:
        """Map any status word a gateway sends to a member; never raises.

        The word is read by a table of known words in any case and spelling (`SUCCESS`,
        `NOT_START`, `in-progress`), then by its stems (`task_succeeded`,
        `upload_failed`). A negated or hedged word (`not_finished`, `failed_retrying`) and
        any other word give UNKNOWN, logged once as a WARNING. A word that only says a
        stage completed (`render_done`) gives UNKNOWN here; `VideoTask.from_json` also
        looks for the video in the body before deciding.

        Args:
            raw: The status as sent (anything: a non-string gives UNKNOWN), or a member,
                returned as it is.

        Returns:
            The member the word means.

        Example:
            ```python
            assert TaskStatus.parse("SUCCESS") is TaskStatus.COMPLETED
            assert TaskStatus.parse("in-progress") is TaskStatus.PROCESSING
            ```
        """
        if isinstance(raw, TaskStatus):
            return raw
        word = read_status_word(raw)
        status = word.status
        if word.how == "stage":
            status = TaskStatus.UNKNOWN
        report_status_word(raw, word, status)
        return status


_TERMINAL = frozenset({TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED})

# Words seen from real gateways (see the project's dialect corpus), normalised: lower case,
# runs of spaces and "-" as "_".
KNOWN_STATUS_WORDS: dict[str, TaskStatus] = {
    **dict.fromkeys(["pending"], TaskStatus.PENDING),
    **dict.fromkeys(
        [
            "queued",
            "queueing",
            "queuing",
            "in_queue",
            "submitted",
            "not_start",
            "not_started",
            "notstarted",
            "waiting",
            "created",
            "preparing",
        ],
        TaskStatus.QUEUED,
    ),
    **dict.fromkeys(
        [
            "processing",
            "in_progress",
            "inprogress",
            "running",
            "started",
            "starting",
            "generating",
            "video_generating",
            "image_downloading",
            "video_upsampling",
            # Veo on one gateway: generation is done, upsampling follows. Not the end.
            "video_generation_completed",
        ],
        TaskStatus.PROCESSING,
    ),
    **dict.fromkeys(
        [
            "completed",
            "complete",
            "success",
            "succeeded",
            "succeed",
            "successful",
            "finished",
            "done",
            "video_upsampling_completed",
        ],
        TaskStatus.COMPLETED,
    ),
    **dict.fromkeys(
        [
            "failed",
            "failure",
            "fail",
            "error",
            "errored",
            "video_generation_failed",
            "video_upsampling_failed",
        ],
        TaskStatus.FAILED,
    ),
    **dict.fromkeys(["cancelled", "canceled"], TaskStatus.CANCELLED),
    # new-api's task records say this of a task they have not heard back about yet.
    "unknown": TaskStatus.UNKNOWN,
}

# --- stems, for the words the table does not know -------------------------------------------

# The last word of a status names the outcome; these end the wait whatever precedes them.
_SUCCESS_STEMS = frozenset(
    {"succeeded", "success", "successful", "successfully", "succeed", "succeeds"}
)
# These say something completed. Alone they are final; after another word they are final
# only when that word names the whole task or a step that only ever comes last.
_COMPLETION_STEMS = frozenset({"completed", "complete", "finished", "finish", "done", "ready"})
# A step done, in the past tense ("video_generated", "rendered", "UPSCALED"): the end only
# when the body carries the video, like a completed step.
_STEP_DONE_STEMS = frozenset(
    {
        "generated",
        "rendered",
        "processed",
        "produced",
        "uploaded",
        "upscaled",
        "upsampled",
        "encoded",
        "transcoded",
        "exported",
        "published",
        "delivered",
        "available",
    }
)
_FINAL_STEPS = frozenset(
    {
        "all",
        "task",
        "job",
        "video",
        "request",
        "work",
        "workflow",
        "pipeline",
        "process",
        "processing",
        "overall",
        "upload",
        "uploading",
        "uploaded",
        "publish",
        "publishing",
        "delivery",
        "export",
        "exporting",
        "postprocess",
        "postprocessing",
        "transcode",
        "transcoding",
        "encode",
        "encoding",
    }
)
# Upsampling and upscaling come last wherever they appear (Veo, Kling, ...).
_FINAL_STEP_PREFIXES = ("upsampl", "upscal", "postprocess")
_FAILURE_STEMS = frozenset(
    {
        "failed",
        "failure",
        "fail",
        "fails",
        "error",
        "errored",
        "rejected",
        "refused",
        "denied",
        "blocked",
        "aborted",
        "crashed",
        "killed",
        "terminated",
        "timeout",
        "timedout",
        "errors",
        "violation",
    }
)
_CANCEL_STEMS = frozenset({"cancelled", "canceled", "cancel"})
# A word that negates or hedges the outcome anywhere in the status: "not_finished",
# "failed_retrying" (the gateway tries again, so the task may still succeed),
# "partially_completed", "success_pending_review".
_NOT_FINAL = frozenset(
    {
        "not",
        "no",
        "non",
        "never",
        "un",
        "without",
        "none",
        "retry",
        "retrying",
        "retried",
        "retries",
        "retryable",
        "requeue",
        "requeued",
        "resubmit",
        "resubmitted",
        "restart",
        "restarting",
        "recovering",
        "partial",
        "partially",
        "pending",
        "waiting",
        "awaiting",
        "will",
        "about",
        "going",
        "soon",
        "pre",
        "almost",
        "nearly",
        "before",
        "temporary",
        "transient",
    }
)

# Words that start a clause after the outcome: "cancelled_by_user", "failed_due_to_x".
_CLAUSE_WORDS = frozenset({"by", "due", "because", "after", "with", "via", "at"})

_SEPARATORS = re.compile(r"[\s\-]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@attrs.frozen
class StatusWord:
    """How a status word reads: its status, and whether the table or a stem rule said so."""

    status: TaskStatus
    #: "table" (a known word), "stem" (a clear success or failure by its wording), "stage"
    #: (a step completed: the end only if the video is there) or "unknown" (keep polling).
    how: str


def _normalise(word: str) -> str:
    return _SEPARATORS.sub("_", word.strip().lower())


_NOT_A_WORD = StatusWord(TaskStatus.UNKNOWN, "unknown")


def read_status_word(raw: object) -> StatusWord:
    """Read a status as sent (any JSON value); never raises and never logs."""
    if not isinstance(raw, str):
        return _NOT_A_WORD
    # A wait reads the same few words every few seconds.
    return _read_text(raw) if len(raw) <= _CACHED_LENGTH else _read_text.__wrapped__(raw)


_CACHED_LENGTH = 100


@functools.lru_cache(maxsize=512)
def _read_text(raw: str) -> StatusWord:
    key = _normalise(raw)
    # "InProgress", "NotStarted", "VideoGenerationCompleted": split camelCase too, but only
    # after the plain word, so that "pENDING" stays "pending".
    camel = _normalise(_CAMEL_BOUNDARY.sub("_", raw.strip()))
    variants = (key,) if camel == key else (key, camel)
    for variant in variants:
        known = KNOWN_STATUS_WORDS.get(variant)
        if known is not None:
            return StatusWord(known, "table")
    for variant in variants:
        word = _read_stems([t for t in variant.split("_") if t])
        if word is not None:
            return word
    return _NOT_A_WORD


def _read_stems(tokens: list[str]) -> StatusWord | None:
    # "cancelled_by_user", "failed_after_3_retries": the outcome comes before its clause.
    cut = next((i for i, token in enumerate(tokens) if token in _CLAUSE_WORDS), len(tokens))
    main = tokens[:cut]
    if not main or any(token in _NOT_FINAL for token in main):
        return None
    last = main[-1]
    if last in _CANCEL_STEMS:
        return StatusWord(TaskStatus.CANCELLED, "stem")
    if last in _FAILURE_STEMS:
        return StatusWord(TaskStatus.FAILED, "stem")
    # A success must be unqualified: "error_completed", "completed_with_errors" and
    # "completed_with_no_video" are no clear outcome.
    if any(token in _NOT_FINAL or token in _FAILURE_STEMS for token in tokens):
        return None
    if last in _SUCCESS_STEMS:
        return StatusWord(TaskStatus.COMPLETED, "stem")
    if last in _COMPLETION_STEMS:
        if len(main) == 1 or _is_final_step(main[-2]):
            return StatusWord(TaskStatus.COMPLETED, "stem")
        return StatusWord(TaskStatus.COMPLETED, "stage")
    if last in _STEP_DONE_STEMS:
        return StatusWord(TaskStatus.COMPLETED, "stage")
    return None


def _is_final_step(token: str) -> bool:
    return token in _FINAL_STEPS or token.startswith(_FINAL_STEP_PREFIXES)


# A poll loop meets the same word every few seconds: report it once per spelling, then drop
# to debug. Bounded so a server inventing statuses cannot grow memory.
_reported_words: set[str] = set()
REPORT_LIMIT = 64


def report_status_word(raw: object, word: StatusWord, status: TaskStatus) -> None:
    """Log a word the table does not know: once at WARNING/INFO, then at DEBUG."""
    if word.how == "table":
        return
    try:
        shown = repr(raw)
    except Exception:  # parsing promises never to raise, whatever object it is handed
        shown = f"<unprintable {type(raw).__name__}>"
    if len(shown) > 100:
        shown = shown[:99] + "…"
    if status is TaskStatus.UNKNOWN:
        level, message = logging.WARNING, "unknown task status %s; treating the task as running"
    else:
        level, message = logging.INFO, "task status %s is not a known word; read it as %s"
    if shown in _reported_words or len(_reported_words) >= REPORT_LIMIT:
        level = logging.DEBUG
    else:
        _reported_words.add(shown)
    if status is TaskStatus.UNKNOWN:
        logger.log(level, message, shown)
    else:
        logger.log(level, message, shown, status.value)
