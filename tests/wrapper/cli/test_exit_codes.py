"""Which failure ends the command with which exit code."""

from __future__ import annotations

import errno

import pytest
from anyapi_sora import (
    AnyAPIError,
    APIConnectionError,
    AuthenticationError,
    InvalidParameterError,
    TaskStatus,
    VideoGenerationError,
    VideoTask,
    WaitTimeoutError,
)
from anyapi_sora.cli._batch import certainly_not_created
from anyapi_sora.cli._exit_codes import UsageProblem, exit_code_for

FAILED_TASK = VideoTask(id="t", status=TaskStatus.FAILED, failure_reason="no")


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UsageProblem("bad"), 2),
        (InvalidParameterError("size", value="huge"), 2),
        (FileExistsError(errno.EEXIST, "exists", "a.mp4"), 2),
        (IsADirectoryError(errno.EISDIR, "folder", "a"), 2),
        (AuthenticationError("no", status_code=401), 1),
        (VideoGenerationError(FAILED_TASK), 1),
        (AnyAPIError("boom"), 1),
        (OSError(errno.ENOSPC, "disk full"), 1),
        (RuntimeError("bug"), 1),
        (WaitTimeoutError("t", timeout=1.0), 3),
        (KeyboardInterrupt(), 130),
    ],
)
def test_exit_codes(exc, code):
    assert exit_code_for(exc) == code


def test_which_create_failures_certainly_made_no_task():
    import httpx

    refused = APIConnectionError("refused")
    refused.__cause__ = httpx.ConnectError("refused")
    dropped = APIConnectionError("dropped")
    dropped.__cause__ = httpx.RemoteProtocolError("dropped")

    assert certainly_not_created(InvalidParameterError("size"))
    assert certainly_not_created(AuthenticationError("no", status_code=401))
    assert certainly_not_created(AuthenticationError("slow down", status_code=429))
    assert certainly_not_created(refused)
    assert not certainly_not_created(dropped)
    assert not certainly_not_created(AuthenticationError("bad gateway", status_code=502))
    assert not certainly_not_created(AnyAPIError("shape"))
