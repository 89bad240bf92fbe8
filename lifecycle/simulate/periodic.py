"""Nova's periodic jobs that change a server's state without any API request.

Each job is declared as data: the rest state it watches, when it acts, and the
operation it runs (through the machine, like any run). A fleet arms a job when a
server comes to rest in the watched state and drops it if the server leaves
that state first, so a job never acts on a server that moved on.

* ``_poll_shelved_instances``: a SHELVED server is offloaded once it has been
  shelved for ``shelved_offload_time`` seconds (> 0; -1 never). Nova polls every
  ``shelved_poll_interval``; the simulator acts at the exact deadline.
* ``_reclaim_queued_deletes``: a SOFT_DELETED server is deleted for good after
  ``reclaim_instance_interval`` seconds. Simulated through the terminate path
  (``force_delete``: a short ``deleting`` step), where Nova writes DELETED
  directly; the end state is the same.
* ``_poll_unconfirmed_resizes``: a VERIFY_RESIZE server is confirmed after
  ``resize_confirm_window`` seconds (> 0).
* ``_sync_power_states`` (``_sync_instance_power_state``, manager.py:11298-11370),
  at the next run of the job, which runs every ``sync_power_state_interval``
  seconds (Nova's default 600) from time 0 of the clock:

  - ACTIVE whose guest is SHUTDOWN, CRASHED or SUSPENDED: the stop API;
  - STOPPED whose guest is not NOSTATE, SHUTDOWN or CRASHED: ``force_stop``;
  - PAUSED whose guest is SHUTDOWN or CRASHED: ``force_stop``;
  - BUILDING, RESCUED, RESIZED, SUSPENDED, ERROR: nothing.

All of them skip a server with a task running (Nova filters on
``task_state is None``) and ignore the lock (they run with an admin context).
Cites: ``nova/compute/manager.py`` at the dialect's pinned commit.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from lifecycle.errors import ArgumentValueError
from lifecycle.model.settings import Settings
from lifecycle.model.states import PowerState, TaskState, VmState
from lifecycle.simulate.clock import finite

if TYPE_CHECKING:
    from lifecycle.simulate.fleet import FleetServer
    from lifecycle.simulate.timetable import _Entry

__all__ = ["JOBS", "PeriodicJob", "due_job"]

_GUEST_DOWN = frozenset({PowerState.SHUTDOWN, PowerState.CRASHED})
_SYNC = "_sync_power_states"


@dataclasses.dataclass(frozen=True, slots=True)
class PeriodicJob:
    """One periodic job of the compute manager.

    Attributes:
        name: Nova's method name.
        vm_state: the rest vm_state it acts on (task_state must be None).
        operation: the operation it runs.
        delay: seconds after coming to rest that it acts, from the settings;
            None when the settings disable it.
        on_grid: act at the next multiple of ``delay`` on the clock (a job
            that runs for every server at once) rather than ``delay`` after rest.
        power: the power_states it acts on (None: any).
    """

    name: str
    vm_state: VmState
    operation: str
    delay: Callable[[Settings, float], float | None]
    on_grid: bool = False
    power: frozenset[PowerState] | None = None


def _positive(value: float) -> float | None:
    return float(value) if value > 0 else None


def _sync_delay(_settings: Settings, sync_interval: float) -> float | None:
    """The power-state sync runs every ``sync_interval`` seconds, whatever the settings (0: never)."""
    return _positive(sync_interval)


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "_poll_shelved_instances",
        VmState.SHELVED,
        "shelve_offload",
        lambda s, _sync: _positive(s.shelved_offload_time),
    ),
    PeriodicJob(
        "_reclaim_queued_deletes",
        VmState.SOFT_DELETED,
        "force_delete",
        lambda s, _sync: _positive(s.reclaim_instance_interval),
    ),
    PeriodicJob(
        "_poll_unconfirmed_resizes",
        VmState.RESIZED,
        "confirm_resize",
        lambda s, _sync: _positive(s.resize_confirm_window),
    ),
    PeriodicJob(
        _SYNC,
        VmState.ACTIVE,
        "stop",
        _sync_delay,
        on_grid=True,
        power=_GUEST_DOWN | {PowerState.SUSPENDED},
    ),
    PeriodicJob(
        _SYNC,
        VmState.STOPPED,
        "force_stop",
        _sync_delay,
        on_grid=True,
        power=frozenset({PowerState.RUNNING, PowerState.PAUSED, PowerState.SUSPENDED}),
    ),
    PeriodicJob(
        _SYNC,
        VmState.PAUSED,
        "force_stop",
        _sync_delay,
        on_grid=True,
        power=_GUEST_DOWN,
    ),
)

_BY_VM = {job.vm_state: job for job in JOBS}


def due_job(
    vm: VmState | None,
    task: TaskState | None,
    power: PowerState,
    settings: Settings,
    now: float,
    sync_interval: float,
) -> tuple[PeriodicJob, float] | None:
    """The job that will act on a server resting in this state, and when; None if no job will."""
    if task is not None or vm is None:
        return None
    job = _BY_VM.get(vm)
    if job is None or (job.power is not None and power not in job.power):
        return None
    delay = job.delay(settings, sync_interval)
    if delay is None:
        return None
    if job.on_grid:
        return job, (math.floor(now / delay) + 1) * delay
    return job, now + delay


def _interval(value: object) -> float:
    """``sync_power_state_interval`` as a positive, finite number of seconds.

    Nova reads ``-1`` as "never" and ``0`` as "the default rate"
    (``nova/conf/compute.py``); the simulator needs an actual period, so it
    refuses both rather than scheduling a job at every instant or never saying so.
    """
    seconds = finite(value, "sync_power_state_interval")  # type: ignore[arg-type]
    if seconds <= 0:
        raise ArgumentValueError("sync_power_state_interval", value, "a finite number of seconds > 0 (Nova: 600)")
    return seconds


_JOB_INDEX = {job: index for index, job in enumerate(JOBS)}


class FleetPeriodic:
    """The part of :class:`~lifecycle.simulate.fleet.Fleet` that runs Nova's periodic jobs.

    When a server comes to rest, ``_arm_periodic`` puts the job of its state (if
    any, see :data:`JOBS`) on the timetable; the job runs as a ``periodic`` change.
    """

    if TYPE_CHECKING:  # the rest of the fleet, as this part uses it
        _seq: itertools.count[int]
        sync_power_state_interval: float

        def _set_due(self, server: FleetServer, entry: _Entry | None) -> None: ...

    def _arm_periodic(self, server: FleetServer, now: float) -> None:
        """Schedule the periodic job that will act on a server at rest, if any (lock held)."""
        found = due_job(
            server.vm_state,
            server.task_state,
            server.power_state,
            server.settings,
            now,
            self.sync_power_state_interval,
        )
        if found is not None:
            job, due = found
            self._set_due(server, (due, next(self._seq), server._ix, job.operation, -1, _JOB_INDEX[job]))
