"""A mock AnyAPI video gateway for tests: `MockServer`, its faults, its gateway dialects
(`DIALECTS`), and a pytest plugin.

Stdlib only, so it can run anywhere the library is installed. See `MockServer`.
"""

from ._content import SyntheticVideo
from ._dialects import DIALECTS
from ._faults import Fault, FaultKind, FaultPlan, FaultRule, Route
from ._limits import RateLimit
from ._recording import RecordedRequest
from ._scaled_clock import ScaledClock
from ._server import DEFAULT_API_KEY, MockServer
from ._task_bodies import ResponseStyle
from ._tasks import MockTask, TaskStatus

__all__ = [
    "DEFAULT_API_KEY",
    "DIALECTS",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "MockServer",
    "MockTask",
    "RateLimit",
    "RecordedRequest",
    "ResponseStyle",
    "Route",
    "ScaledClock",
    "SyntheticVideo",
    "TaskStatus",
]
