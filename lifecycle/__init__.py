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
from lifecycle.model.settings import Settings
from lifecycle.model.states import PowerState, Status, TaskState, VmState
from lifecycle.model.status import pairs_for, status_of

if TYPE_CHECKING:
    from lifecycle.simulate.clock import Clock, VirtualClock, WallClock
    from lifecycle.simulate.durations import Durations
    from lifecycle.simulate.events import Event, EventLog
    from lifecycle.simulate.faults import FaultRule
    from lifecycle.simulate.fleet import ApplyResult, Fleet, FleetServer
    from lifecycle.simulate.jobs import Job, JobRequestError, Jobs, JobStatus, SubJob
    from lifecycle.simulate.server import Server
    from lifecycle.validate.paths import plan, reachable
    from lifecycle.validate.sequence import CheckResult, check
    from lifecycle.validate.trace import TraceReport, check_trace

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
    "ApplyResult": "lifecycle.simulate.fleet",
    "CheckResult": "lifecycle.validate.sequence",
    "Clock": "lifecycle.simulate.clock",
    "Durations": "lifecycle.simulate.durations",
    "Event": "lifecycle.simulate.events",
    "EventLog": "lifecycle.simulate.events",
    "FaultRule": "lifecycle.simulate.faults",
    "Fleet": "lifecycle.simulate.fleet",
    "FleetServer": "lifecycle.simulate.fleet",
    "Job": "lifecycle.simulate.jobs",
    "JobRequestError": "lifecycle.simulate.jobs",
    "JobStatus": "lifecycle.simulate.jobs",
    "Jobs": "lifecycle.simulate.jobs",
    "Server": "lifecycle.simulate.server",
    "SubJob": "lifecycle.simulate.jobs",
    "TraceReport": "lifecycle.validate.trace",
    "VirtualClock": "lifecycle.simulate.clock",
    "WallClock": "lifecycle.simulate.clock",
    "check": "lifecycle.validate.sequence",
    "check_trace": "lifecycle.validate.trace",
    "plan": "lifecycle.validate.paths",
    "reachable": "lifecycle.validate.paths",
}


__getattr__ = lazy_getattr("lifecycle", _LAZY, globals())


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
