"""server-lifecycle: the lifecycle of a cloud server (OpenStack Nova, Huawei ECS) as a state machine.

Quick tour::

    >>> import lifecycle
    >>> lifecycle.status_of("active", "rebooting")
    <Status.REBOOT: 'REBOOT'>
    >>> srv = lifecycle.Server("stopped")
    >>> srv.allowed_operations()[:4]
    ['hard_reboot', 'rebuild', 'resize', 'migrate']
    >>> srv.resize(); srv.settle(); srv.status
    4
    <Status.VERIFY_RESIZE: 'VERIFY_RESIZE'>
    >>> srv.confirm_resize(); srv.status
    <Status.SHUTOFF: 'SHUTOFF'>

Names that need the state machine (:class:`Server` and friends) are imported on
first use, so ``import lifecycle`` and :func:`status_of` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecycle._lazy import lazy_getattr
from lifecycle.errors import (
    ArgumentTypeError,
    ArgumentValueError,
    DeclarationError,
    InstanceLockedError,
    InvalidStateError,
    LifecycleError,
    ServerNotFoundError,
    UnknownDialectError,
    UnknownNameError,
    UnknownOperationError,
    UnknownStateError,
    UnsupportedOperationError,
)
from lifecycle.settings import Settings
from lifecycle.states import PowerState, Status, TaskState, VmState
from lifecycle.status import pairs_for, status_of

if TYPE_CHECKING:
    from lifecycle.clock import Clock, VirtualClock, WallClock
    from lifecycle.durations import Durations
    from lifecycle.events import Event, EventLog
    from lifecycle.faults import FaultRule
    from lifecycle.fleet import ApplyResult, Fleet, FleetServer
    from lifecycle.jobs import Job, JobRequestError, Jobs, JobStatus, SubJob
    from lifecycle.paths import plan, reachable
    from lifecycle.sequence import CheckResult, check
    from lifecycle.server import Server
    from lifecycle.trace import TraceReport, check_trace

__version__ = "0.1.0"

__all__ = [
    "ApplyResult",
    "ArgumentTypeError",
    "ArgumentValueError",
    "CheckResult",
    "Clock",
    "DeclarationError",
    "Durations",
    "Event",
    "EventLog",
    "FaultRule",
    "Fleet",
    "FleetServer",
    "InstanceLockedError",
    "InvalidStateError",
    "Job",
    "JobRequestError",
    "JobStatus",
    "Jobs",
    "LifecycleError",
    "PowerState",
    "Server",
    "ServerNotFoundError",
    "Settings",
    "Status",
    "SubJob",
    "TaskState",
    "TraceReport",
    "UnknownDialectError",
    "UnknownNameError",
    "UnknownOperationError",
    "UnknownStateError",
    "UnsupportedOperationError",
    "VirtualClock",
    "VmState",
    "WallClock",
    "check",
    "check_trace",
    "pairs_for",
    "plan",
    "reachable",
    "status_of",
]

_LAZY = {
    "ApplyResult": "lifecycle.fleet",
    "CheckResult": "lifecycle.sequence",
    "Clock": "lifecycle.clock",
    "Durations": "lifecycle.durations",
    "Event": "lifecycle.events",
    "EventLog": "lifecycle.events",
    "FaultRule": "lifecycle.faults",
    "Fleet": "lifecycle.fleet",
    "FleetServer": "lifecycle.fleet",
    "Job": "lifecycle.jobs",
    "JobRequestError": "lifecycle.jobs",
    "JobStatus": "lifecycle.jobs",
    "Jobs": "lifecycle.jobs",
    "Server": "lifecycle.server",
    "SubJob": "lifecycle.jobs",
    "TraceReport": "lifecycle.trace",
    "VirtualClock": "lifecycle.clock",
    "WallClock": "lifecycle.clock",
    "check": "lifecycle.sequence",
    "check_trace": "lifecycle.trace",
    "plan": "lifecycle.paths",
    "reachable": "lifecycle.paths",
}


__getattr__ = lazy_getattr("lifecycle", _LAZY, globals())


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
