"""anyapi-sora: create AI videos through AnyAPI's unified video format.

Any gateway that speaks the format works. `AnyAPI` (sync) and `AsyncAnyAPI` (asyncio and
trio) hold the configuration; their `videos` create, follow and download video tasks,
each a `VideoTask`. Every error is an `AnyAPIError`. `anyapi_sora.testing` has a mock
gateway for your tests.

    from anyapi_sora import AnyAPI

    task = AnyAPI().videos.generate("a corgi surfing", out="corgi.mp4")
"""

from ._client import AnyAPI, AsyncAnyAPI
from ._clock import Clock, set_testing
from ._exceptions import (
    AnyAPIError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    InternalServerError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseShapeError,
    TaskNotCreatedError,
    VideoGenerationError,
    WaitTimeoutError,
)
from ._models import TaskStatus, VideoTask
from ._version import __version__ as __version__

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AnyAPI",
    "AnyAPIError",
    "AsyncAnyAPI",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "Clock",
    "InternalServerError",
    "InvalidParameterError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseShapeError",
    "TaskNotCreatedError",
    "TaskStatus",
    "VideoGenerationError",
    "VideoTask",
    "WaitTimeoutError",
    "set_testing",
]
