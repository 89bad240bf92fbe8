"""Upstream OpenStack Nova, read from its code.

Pinned to openstack/nova commit 00a030403f672b975364c855b7d25b40ef83e757
(master, 2026-08-21, ``git describe`` 33.0.0-373). Each rule cites the file and
function it comes from; line numbers are at that commit.

- status: ``nova/api/openstack/common.py:_STATE_MAP`` and ``status_from_state``;
- preconditions: ``@check_instance_state`` / ``@check_instance_lock`` on each
  method of ``nova/compute/api.py:API``;
- task steps and end states: the RPC handlers of ``nova/compute/manager.py``
  (and ``nova/conductor/manager.py`` for unshelve);
- failures: ``manager.py:reverts_task_state`` (:attr:`Failure.REVERT`) and
  ``manager.py:_error_out_instance_on_exception`` (:attr:`Failure.ERROR`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from lifecycle.model.spec import ANY, Dialect, Failure, Fault, Messages, Operation, Refusal, Route, Step, When
from lifecycle.model.states import PowerState as P
from lifecycle.model.states import Status as S
from lifecycle.model.states import TaskState as T
from lifecycle.model.states import VmState as V

__all__ = ["DIALECT"]

_RESIZE_TASKS = (T.RESIZE_PREP, T.RESIZE_MIGRATING, T.RESIZE_MIGRATED, T.RESIZE_FINISH)
_REBUILD_TASKS = (T.REBUILDING, T.REBUILD_BLOCK_DEVICE_MAPPING, T.REBUILD_SPAWNING)

# nova/api/openstack/common.py:_STATE_MAP (lines 44-118). Keys other than
# 'default' are listed here; 'default' is STATUS_DEFAULTS below.
STATUS_ROWS: Mapping[V, Mapping[T | None, S]] = MappingProxyType(
    {
        V.ACTIVE: {
            T.REBOOTING: S.REBOOT,
            T.REBOOT_PENDING: S.REBOOT,
            T.REBOOT_STARTED: S.REBOOT,
            T.REBOOTING_HARD: S.HARD_REBOOT,
            T.REBOOT_PENDING_HARD: S.HARD_REBOOT,
            T.REBOOT_STARTED_HARD: S.HARD_REBOOT,
            T.UPDATING_PASSWORD: S.PASSWORD,
            **{t: S.REBUILD for t in _REBUILD_TASKS},
            T.MIGRATING: S.MIGRATING,
            **{t: S.RESIZE for t in _RESIZE_TASKS},
        },
        V.STOPPED: {
            **{t: S.RESIZE for t in _RESIZE_TASKS},
            **{t: S.REBUILD for t in _REBUILD_TASKS},
        },
        V.RESIZED: {T.RESIZE_REVERTING: S.REVERT_RESIZE},
        V.PAUSED: {T.MIGRATING: S.MIGRATING},
        V.ERROR: {t: S.REBUILD for t in _REBUILD_TASKS},
    }
)

STATUS_DEFAULTS = MappingProxyType(
    {
        V.ACTIVE: S.ACTIVE,
        V.BUILDING: S.BUILD,
        V.STOPPED: S.SHUTOFF,
        V.RESIZED: S.VERIFY_RESIZE,
        V.PAUSED: S.PAUSED,
        V.SUSPENDED: S.SUSPENDED,
        V.RESCUED: S.RESCUE,
        V.ERROR: S.ERROR,
        V.DELETED: S.DELETED,
        V.SOFT_DELETED: S.SOFT_DELETED,
        V.SHELVED: S.SHELVED,
        V.SHELVED_OFFLOADED: S.SHELVED_OFFLOADED,
    }
)

# nova/compute/vm_states.py:70-88 and task_states.py:120-132
ALLOW_HARD_REBOOT = frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED, V.ERROR})
ALLOW_TRIGGER_CRASH_DUMP = frozenset({V.ACTIVE, V.PAUSED, V.RESCUED, V.RESIZED, V.ERROR})
ALLOW_REBOOT = frozenset(
    {
        None,
        T.REBOOTING,
        T.REBOOT_PENDING,
        T.REBOOT_STARTED,
        T.RESUMING,
        T.REBOOTING_HARD,
        T.UNPAUSING,
        T.PAUSING,
        T.SUSPENDING,
    }
)
# Every vm_state a request can still reach; a deleted server is gone (the API
# answers 404 before any state check).
_ANY_LIVE = frozenset(set(V) - {V.DELETED})
_SNAPSHOT_SOURCES = frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED})
# Servers with a compute host to run the delete (an offloaded one has none).
_HOSTED = _ANY_LIVE - {V.SHELVED_OFFLOADED}
_NOT_SCHEDULING = frozenset({None, *T}) - {T.SCHEDULING}


def _done(vm: V, power: P | None = None, *, launched: bool | None = None) -> Step:
    """The last write of an operation: the task is cleared and ``vm`` is where it rests."""
    return Step(None, vm, power, launched)


def _one_task(
    name: str,
    action: str,
    sources: frozenset[V | None],
    task: T,
    end: V,
    power: P,
    failure: Failure,
    summary: str,
    *,
    api: str,
    manager: str,
    **more: Any,
) -> Operation:
    """An operation that is legal with no task running and walks one task to an end state (pause, start...)."""
    route = Route(sources, (Step(task), _done(end, power)), cite=manager)
    return Operation(name, action, sources, (route,), failure, summary, api, **more)


_IMAGE_BACKED = When("not volume_backed", lambda s: not s.volume_backed)
_VOLUME_BACKED = When("volume_backed", lambda s: s.volume_backed)
_OFFLOAD_NOW = When(
    "shelved_offload_time == 0 and not volume_backed",
    lambda s: s.shelved_offload_time == 0 and not s.volume_backed,
)
_OFFLOAD_LATER = When(
    "shelved_offload_time != 0 and not volume_backed",
    lambda s: s.shelved_offload_time != 0 and not s.volume_backed,
)
# servers.py:ServersController._delete tests ``if CONF.reclaim_instance_interval:``,
# so a negative interval soft-deletes too (and the reclaim job, which wants > 0, never runs).
_HARD_DELETE = When("reclaim_instance_interval == 0", lambda s: not s.reclaim_instance_interval)
_SOFT_DELETE = When("reclaim_instance_interval != 0", lambda s: bool(s.reclaim_instance_interval))


def _since(version: str) -> When:
    """Requests made with microversion ``version`` or later."""
    wanted = tuple(int(x) for x in version.split("."))
    return When(f"microversion >= {version}", lambda s: s.api_version >= wanted)


def _before(version: str, *, volume_backed: bool = False) -> When:
    """Requests made with a microversion older than ``version`` (on a volume-backed server)."""
    wanted = tuple(int(x) for x in version.split("."))
    text = ("volume_backed and " if volume_backed else "") + f"microversion < {version}"
    return When(text, lambda s: s.api_version < wanted and (s.volume_backed or not volume_backed))


_HOST_UP = When("host_up", lambda s: s.host_up)

_SHELVE_UPLOAD = (Step(T.SHELVING), Step(T.SHELVING_IMAGE_PENDING_UPLOAD), Step(T.SHELVING_IMAGE_UPLOADING))
_LOCAL_DELETE = (
    Route(
        frozenset({V.BUILDING}),
        (_done(V.DELETED, P.NOSTATE),),
        from_tasks=frozenset({T.SCHEDULING}),
        cite="api.py:API._delete (_delete_while_booting: BuildRequest deleted, no host yet)",
    ),
    # _delete saves task_state deleting (instance.update(instance_attrs)) before
    # it finds no host and calls _local_delete, which destroys the row.
    Route(
        frozenset({V.SHELVED_OFFLOADED}),
        (Step(T.DELETING), _done(V.DELETED, P.NOSTATE)),
        cite="api.py:API._delete (instance.update, 2552-2555) -> _local_delete (offloaded: no host)",
    ),
)


def _both(a: When | None, b: When) -> When:
    """Both conditions (``a`` None: just ``b``)."""
    if a is None:
        return b
    return When(f"{a} and {b}", lambda s: a.test(s) and b.test(s))


_HOST_DOWN = When("not host_up", lambda s: not s.host_up)
_HOST_IS_UP = When("host_up", lambda s: s.host_up)


def _hosted_delete(task: T, end: V, power: P, when: When | None, launched: bool | None, api: str) -> tuple[Route, ...]:
    """A delete of a server with a host: the normal run, the no-op repeat, the local delete of a down host.

    api.py:API._delete (2552-2614) saves the task first, then: host up and the
    task was already this one -> "already in deleting state, ignoring this
    request" (no new run); host down -> _local_delete, whatever the task.
    """
    steps = (Step(task), _done(end, power))
    manager = "manager.py:terminate_instance" if end is V.DELETED else "manager.py:soft_delete_instance"
    return (
        Route(
            _HOSTED,
            steps,
            when=_both(when, _HOST_IS_UP),
            launched=launched,
            from_tasks=_NOT_SCHEDULING - {task},
            cite=f"{api}, {manager}",
        ),
        Route(
            _HOSTED,
            (Step(task),),
            when=_both(when, _HOST_IS_UP),
            launched=launched,
            from_tasks=frozenset({task}),
            cite="api.py:API._delete (2604-2610: already deleting, request ignored)",
        ),
        Route(
            _HOSTED,
            steps,
            when=_both(when, _HOST_DOWN),
            launched=launched,
            from_tasks=_NOT_SCHEDULING,
            cite="api.py:API._delete (2596-2603, 2619-2641: compute down -> _local_delete)",
        ),
    )


_REBUILD_STEPS = tuple(Step(t) for t in _REBUILD_TASKS)
# _do_rebuild_instance saves power_state = _get_power_state() with task
# rebuilding (manager.py:4159): the guest's power on its own host for a rebuild,
# NOSTATE on an evacuation's destination, where no guest exists yet.
_REBUILD_RUNNING = (Step(T.REBUILDING, power=P.RUNNING), *_REBUILD_STEPS[1:])
_EVACUATE_STEPS = (Step(T.REBUILDING, power=P.NOSTATE), *_REBUILD_STEPS[1:])
_STOP_AFTER_SPAWN = (Step(T.POWERING_OFF, V.ACTIVE, P.RUNNING, failure=Failure.REVERT), _done(V.STOPPED, P.SHUTDOWN))
_REBUILD_ROUTES = (
    Route(
        frozenset({V.ACTIVE, V.ERROR}),
        (*_REBUILD_RUNNING, _done(V.ACTIVE, P.RUNNING)),
        unplaced=False,
        cite="manager.py:_do_rebuild_instance",
    ),
    # A stopped server is spawned, then powered off again by a direct call of
    # stop_instance (manager.py:4253-4260); its error reaches rebuild_instance's
    # _error_out_instance_on_exception: ERROR (fault kind final_stop), while a
    # plain stop failing at the same pair reverts (the generic fail).
    Route(
        frozenset({V.STOPPED}),
        (*_REBUILD_STEPS, *_STOP_AFTER_SPAWN),
        cite="manager.py:_do_rebuild_instance (orig_vm_state stopped)",
    ),
)
# From 2.95 evacuate passes target_state=stopped: every source but ERROR ends
# stopped (manager.py:_do_rebuild_instance, 4079-4086; evacuate.py:_evacuate).
_BEFORE_2_95 = _before("2.95")
_SINCE_2_95 = _since("2.95")
_EVACUATE_ROUTES = (
    Route(
        frozenset({V.ACTIVE, V.ERROR}),
        (*_EVACUATE_STEPS, _done(V.ACTIVE, P.RUNNING)),
        when=_BEFORE_2_95,
        unplaced=True,
        cite="manager.py:_do_rebuild_instance (evacuate)",
    ),
    Route(
        frozenset({V.ERROR}),
        (*_EVACUATE_STEPS, _done(V.ACTIVE, P.RUNNING)),
        when=_SINCE_2_95,
        unplaced=True,
        cite="manager.py:_do_rebuild_instance (target_state ignored for ERROR, 4080)",
    ),
    Route(
        frozenset({V.ACTIVE}),
        (*_EVACUATE_STEPS, *_STOP_AFTER_SPAWN),
        when=_SINCE_2_95,
        unplaced=True,
        cite="manager.py:_do_rebuild_instance (target_state stopped, 4079-4086 and 4253-4260)",
    ),
    Route(
        frozenset({V.STOPPED}),
        (*_EVACUATE_STEPS, *_STOP_AFTER_SPAWN),
        cite="manager.py:_do_rebuild_instance (evacuate, orig_vm_state stopped)",
    ),
)

# -- failure kinds ------------------------------------------------------------
_NO_VALID_HOST = "No valid host was found. "
_NVH_KEEP = "conductor/manager.py:ComputeTaskManager.{} (NoValidHost: vm_state kept, task_state None)"


def _no_valid_host(task: T, outcome: Failure, reason: str, cite: str) -> Fault:
    """NoValidHost raised by the scheduler while ``task`` is set."""
    return Fault("no_valid_host", "NoValidHost", outcome, frozenset({task}), _NO_VALID_HOST + reason, cite)


_REBUILD_FAULTS = (
    _no_valid_host(
        T.REBUILDING,
        Failure.ERROR,
        "",
        "conductor/manager.py:ComputeTaskManager.rebuild_instance (1349-1373: vm_state error)",
    ),
    Fault(
        "final_stop",
        "Exception",
        Failure.ERROR,
        frozenset({T.POWERING_OFF}),
        "Failed to power off the rebuilt instance",
        "manager.py:ComputeManager.rebuild_instance (_error_out_instance_on_exception around stop_instance, 4253-4260)",
    ),
    # A failed claim on the destination is re-raised as InstanceFaultRollback,
    # which _error_out_instance_on_exception turns back into the old vm_state.
    Fault(
        "rollback",
        "InstanceFaultRollback",
        Failure.ROLLBACK,
        frozenset({T.REBUILDING}),
        "Insufficient compute resources.",
        "manager.py:ComputeManager.rebuild_instance (3966-3975), _error_out_instance_on_exception",
    ),
)


def _resize_faults(reason: str) -> tuple[Fault, ...]:
    return (
        _no_valid_host(T.RESIZE_PREP, Failure.REVERT, reason, _NVH_KEEP.format("_cold_migrate (400-414)")),
        Fault(
            "rollback",
            "InstanceFaultRollback",
            Failure.ROLLBACK,
            frozenset({T.RESIZE_PREP}),
            "Insufficient compute resources.",
            "manager.py:ComputeManager.prep_resize (_error_out_instance_on_exception(instance_state=old vm_state))",
        ),
        # The libvirt driver refuses to shrink a disk while the task is resize_migrating:
        # DevStack's driver, so the fake resizing a server to a smaller root disk fails here.
        Fault(
            "rollback",
            "InstanceFaultRollback",
            Failure.ROLLBACK,
            frozenset({T.RESIZE_MIGRATING}),
            "Unable to resize disk down.",
            "virt/libvirt/driver.py:LibvirtDriver.migrate_disk_and_power_off (12744-12750, ResizeError in "
            "InstanceFaultRollback); manager.py:ComputeManager._resize_instance (_error_out_instance_on_exception)",
        ),
    )


# resize and migrate: @check_instance_host(check_is_up=True) inside the state check
# (api.py:4289-4291): ServiceUnavailable, a 409 (servers.py:_resize, migrate_server.py:_migrate).
_SOURCE_DOWN = Refusal(
    _HOST_DOWN,
    "Service is unavailable at this time.",
    "api.py:check_instance_host(check_is_up=True) on API.resize",
    http_status=409,
)

_REBOOT_GUEST_RUNNING = "manager.py:ComputeManager.reboot_instance (4508-4524: guest RUNNING, error not re-raised)"
_RESIZE_ROUTES = (
    # finish_resize keeps power_state: a stopped server stays off and is
    # remembered as such (system_metadata old_vm_state, manager.py:6240-6243).
    Route(
        frozenset({V.ACTIVE, V.STOPPED}),
        (*(Step(t) for t in _RESIZE_TASKS), _done(V.RESIZED)),
        cite="manager.py:prep_resize/resize_instance/finish_resize",
    ),
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "create",
        "create",
        frozenset({None}),
        (
            Route(
                frozenset({None}),
                (
                    Step(T.SCHEDULING, V.BUILDING, P.NOSTATE),
                    Step(None),  # conductor clears the task before the compute host takes it
                    Step(T.NETWORKING),
                    Step(T.BLOCK_DEVICE_MAPPING),
                    Step(T.SPAWNING),
                    _done(V.ACTIVE, P.RUNNING, launched=True),
                ),
                cite="manager.py:_build_and_run_instance (2479-2482, 2057-2059, 2913-2915, 2674-2680)",
            ),
        ),
        Failure.ERROR,
        "Boot a new server (POST /servers).",
        "api.py:API.create",
        task_states=ANY,
        must_have_launched=False,
        checks_lock=False,
        faults=(
            _no_valid_host(
                T.SCHEDULING,
                Failure.ERROR,
                "There are not enough hosts available.",
                "conductor/manager.py:ComputeTaskManager.schedule_and_build_instances (vm_state error)",
            ),
            # The compute host gives the build back: task scheduling again, and
            # the conductor tries an alternate host.
            Fault(
                "reschedule",
                "RescheduledException",
                Failure.RESCHEDULE,
                frozenset({T.NETWORKING, T.BLOCK_DEVICE_MAPPING, T.SPAWNING}),
                "Build of instance {id} was re-scheduled: Insufficient compute resources.",
                "manager.py:ComputeManager._do_build_and_run_instance (2509-2555)",
                retry_limit="max_retries",
            ),
            # No alternate left after max_attempts tries (or max_attempts=1: no retry at all).
            Fault(
                "max_retries",
                "MaxRetriesExceeded",
                Failure.ERROR,
                frozenset({T.NETWORKING, T.BLOCK_DEVICE_MAPPING, T.SPAWNING}),
                "Exceeded maximum number of retries. Exhausted all hosts available for retrying build "
                "failures for instance {id}.",
                "conductor/manager.py:ComputeTaskManager.build_instances (706-717), manager.py:2510-2525",
            ),
        ),
    ),
    Operation(
        "reboot",
        "reboot",
        frozenset({V.ACTIVE}),
        (
            Route(
                frozenset({V.ACTIVE}),
                (Step(T.REBOOTING), Step(T.REBOOT_PENDING), Step(T.REBOOT_STARTED), _done(V.ACTIVE, P.RUNNING)),
                cite="manager.py:reboot_instance",
            ),
        ),
        # The guest did not come back: reboot_instance sets error (manager.py:4500-4520).
        Failure.ERROR,
        "Soft reboot: ask the guest OS to restart.",
        "api.py:API.reboot (_soft_reboot, line 3647)",
        faults=(
            Fault(
                "guest_running",
                "Exception",
                Failure.SWALLOWED,
                frozenset({T.REBOOTING, T.REBOOT_PENDING, T.REBOOT_STARTED}),
                "Reboot failed but instance is running",
                _REBOOT_GUEST_RUNNING,
            ),
        ),
    ),
    Operation(
        "hard_reboot",
        "reboot",
        ALLOW_HARD_REBOOT,
        (
            Route(
                ALLOW_HARD_REBOOT,
                (
                    Step(T.REBOOTING_HARD),
                    Step(T.REBOOT_PENDING_HARD),
                    Step(T.REBOOT_STARTED_HARD),
                    _done(V.ACTIVE, P.RUNNING),
                ),
                cite="manager.py:reboot_instance",
            ),
        ),
        Failure.ERROR,
        "Hard reboot: power-cycle the guest; also repairs ERROR.",
        "api.py:API.reboot (_hard_reboot, line 3660)",
        task_states=ALLOW_REBOOT,
        faults=(
            Fault(
                "guest_running",
                "Exception",
                Failure.SWALLOWED,
                frozenset({T.REBOOTING_HARD, T.REBOOT_PENDING_HARD, T.REBOOT_STARTED_HARD}),
                "Reboot failed but instance is running",
                _REBOOT_GUEST_RUNNING,
            ),
        ),
    ),
    Operation(
        "rebuild",
        "rebuild",
        frozenset({V.ACTIVE, V.STOPPED, V.ERROR}),
        _REBUILD_ROUTES,
        Failure.ERROR,
        "Reinstall the server from an image, keeping its id and addresses.",
        "api.py:API.rebuild (line 3683)",
        faults=_REBUILD_FAULTS,
        refusals=(
            Refusal(
                _before("2.93", volume_backed=True),
                "Image {image} is unacceptable: Unable to rebuild with a different image for a volume-backed server.",
                "api.py:API.rebuild (3770-3779, reimage_boot_volume from 2.93: servers.py:_action_rebuild 1324)",
            ),
        ),
    ),
    Operation(
        "evacuate",
        "evacuate",
        frozenset({V.ACTIVE, V.STOPPED, V.ERROR}),
        _EVACUATE_ROUTES,
        Failure.ERROR,
        "Rebuild on another host after its host failed (admin); ends SHUTOFF from 2.95.",
        "api.py:API.evacuate (line 5707)",
        task_states=ANY,
        checks_lock=False,
        faults=_REBUILD_FAULTS,
        refusals=(
            Refusal(
                _HOST_UP,
                "Compute service of {host} is still in use.",
                "api.py:API.evacuate (5725-5730, ComputeServiceInUse -> 400 in evacuate.py:_evacuate)",
            ),
        ),
    ),
    Operation(
        "resize",
        "resize",
        frozenset({V.ACTIVE, V.STOPPED}),
        _RESIZE_ROUTES,
        Failure.ERROR,
        "Change the flavor; ends VERIFY_RESIZE until confirmed or reverted.",
        "api.py:API.resize (line 4290)",
        faults=_resize_faults("No valid host found for resize"),
        refusals=(_SOURCE_DOWN,),
    ),
    Operation(
        "migrate",
        "migrate",
        frozenset({V.ACTIVE, V.STOPPED}),
        _RESIZE_ROUTES,
        Failure.ERROR,
        "Cold-migrate to another host (a resize to the same flavor).",
        "api.py:API.resize (line 4290, flavor_id None)",
        faults=_resize_faults("No valid host found for cold migrate"),
        refusals=(_SOURCE_DOWN,),
    ),
    Operation(
        "live_migrate",
        "os-migrateLive",
        frozenset({V.ACTIVE, V.PAUSED}),
        (
            Route(
                frozenset({V.ACTIVE, V.PAUSED}),
                (Step(T.MIGRATING), Step(None)),
                cite="manager.py:_do_live_migration / _post_live_migration",
            ),
        ),
        # Conductor pre-checks (no valid host) keep vm_state and clear the task.
        Failure.REVERT,
        "Move a running server to another host without stopping it.",
        "api.py:API.live_migrate (line 5575)",
        faults=(
            _no_valid_host(T.MIGRATING, Failure.REVERT, "", _NVH_KEEP.format("_live_migrate (518-534, _set_vm_state)")),
        ),
    ),
    Operation(
        "confirm_resize",
        "confirmResize",
        frozenset({V.RESIZED}),
        (
            # confirm sets no task_state; the end follows the power state
            # (manager.py:_confirm_resize, 5477-5490).
            Route(
                frozenset({V.RESIZED}),
                (_done(V.STOPPED, P.SHUTDOWN),),
                powered_off=True,
                cite="manager.py:_confirm_resize",
            ),
            Route(
                frozenset({V.RESIZED}),
                (_done(V.ACTIVE, P.RUNNING),),
                powered_off=False,
                cite="manager.py:_confirm_resize",
            ),
        ),
        Failure.ERROR,
        "Accept a resize or migration.",
        "api.py:API.confirm_resize (line 4112)",
    ),
    Operation(
        "revert_resize",
        "revertResize",
        frozenset({V.RESIZED}),
        (
            Route(
                frozenset({V.RESIZED}),
                (Step(T.RESIZE_REVERTING), _done(V.ACTIVE, P.RUNNING)),
                powered_off=False,
                cite="manager.py:finish_revert_resize",
            ),
            # old_vm_state stopped: the guest is powered off again (manager.py:6117-6141).
            Route(
                frozenset({V.RESIZED}),
                (Step(T.RESIZE_REVERTING), Step(T.POWERING_OFF), _done(V.STOPPED, P.SHUTDOWN)),
                powered_off=True,
                cite="manager.py:finish_revert_resize (old_vm_state stopped)",
            ),
        ),
        Failure.ERROR,
        "Undo a resize or migration: back to the old flavor and host.",
        "api.py:API.revert_resize (line 4001)",
    ),
    Operation(
        "shelve",
        "shelve",
        frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED}),
        (
            Route(
                frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED}),
                (
                    *_SHELVE_UPLOAD,
                    Step(T.SHELVING_OFFLOADING, V.SHELVED, P.SHUTDOWN),
                    _done(V.SHELVED_OFFLOADED, P.SHUTDOWN),
                ),
                when=_OFFLOAD_NOW,
                cite="manager.py:_shelve_instance (7584-7613) then _shelve_offload_instance",
            ),
            Route(
                frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED}),
                (*_SHELVE_UPLOAD, _done(V.SHELVED, P.SHUTDOWN)),
                when=_OFFLOAD_LATER,
                cite="manager.py:_shelve_instance (7584-7613)",
            ),
            # Volume-backed servers skip the image and offload at once (api.py:4570-4581).
            Route(
                frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED}),
                (Step(T.SHELVING), _done(V.SHELVED_OFFLOADED, P.SHUTDOWN)),
                when=_VOLUME_BACKED,
                cite="api.py:API.shelve (4570-4581), manager.py:shelve_offload_instance",
            ),
        ),
        Failure.REVERT,
        "Power off and keep an image; frees the host once offloaded.",
        "api.py:API.shelve (line 4545)",
    ),
    Operation(
        "shelve_offload",
        "shelveOffload",
        frozenset({V.SHELVED}),
        (
            Route(
                frozenset({V.SHELVED}),
                (Step(T.SHELVING_OFFLOADING), _done(V.SHELVED_OFFLOADED, P.SHUTDOWN)),
                cite="manager.py:_shelve_offload_instance (7692-7708)",
            ),
        ),
        Failure.REVERT,
        "Remove a shelved server from its host now.",
        "api.py:API.shelve_offload (line 4585)",
    ),
    Operation(
        "unshelve",
        "unshelve",
        frozenset({V.SHELVED, V.SHELVED_OFFLOADED}),
        (
            # Still on its host: the conductor starts it (conductor/manager.py:1025-1028).
            Route(
                frozenset({V.SHELVED}),
                (Step(T.UNSHELVING), Step(T.POWERING_ON), _done(V.ACTIVE, P.RUNNING)),
                cite="conductor/manager.py:unshelve_instance, manager.py:start_instance",
            ),
            Route(
                frozenset({V.SHELVED_OFFLOADED}),
                (Step(T.UNSHELVING), Step(T.SPAWNING), _done(V.ACTIVE, P.RUNNING)),
                cite="manager.py:_unshelve_instance (7772, 7860-7864)",
            ),
        ),
        # No valid host: task cleared, still shelved or offloaded.
        Failure.REVERT,
        "Bring a shelved server back.",
        "api.py:API.unshelve (line 4705)",
        faults=(_no_valid_host(T.UNSHELVING, Failure.REVERT, "", _NVH_KEEP.format("unshelve_instance (1149-1155)")),),
    ),
    _one_task(
        "pause",
        "pause",
        frozenset({V.ACTIVE}),
        T.PAUSING,
        V.PAUSED,
        P.PAUSED,
        Failure.REVERT,
        "Freeze the guest in memory.",
        api="api.py:API.pause (line 4826)",
        manager="manager.py:pause_instance",
    ),
    _one_task(
        "unpause",
        "unpause",
        frozenset({V.PAUSED}),
        T.UNPAUSING,
        V.ACTIVE,
        P.RUNNING,
        Failure.REVERT,
        "Thaw a paused guest.",
        api="api.py:API.unpause (line 4835)",
        manager="manager.py:unpause_instance",
    ),
    # power_state is what the driver reports; libvirt's managedSave shows SHUTDOWN.
    _one_task(
        "suspend",
        "suspend",
        frozenset({V.ACTIVE}),
        T.SUSPENDING,
        V.SUSPENDED,
        P.SHUTDOWN,
        Failure.ERROR,
        "Save guest memory to disk and stop it.",
        api="api.py:API.suspend (line 4862)",
        manager="manager.py:suspend_instance",
    ),
    _one_task(
        "resume",
        "resume",
        frozenset({V.SUSPENDED}),
        T.RESUMING,
        V.ACTIVE,
        P.RUNNING,
        Failure.ERROR,
        "Restore a suspended guest.",
        api="api.py:API.resume (line 4874)",
        manager="manager.py:resume_instance",
    ),
    _one_task(
        "rescue",
        "rescue",
        frozenset({V.ACTIVE, V.STOPPED, V.ERROR}),
        T.RESCUING,
        V.RESCUED,
        P.RUNNING,
        Failure.ERROR,
        "Boot from a rescue image with the original disk attached.",
        api="api.py:API.rescue (line 4884)",
        manager="manager.py:rescue_instance",
        refusals=(
            Refusal(
                _before("2.87", volume_backed=True),
                "Instance {id} cannot be rescued: Cannot rescue a volume-backed instance",
                "api.py:API.rescue (4934-4937; allow_bfv_rescue from 2.87, rescue.py:_rescue)",
            ),
        ),
    ),
    # unrescue always ends active, whatever the server was before rescue.
    _one_task(
        "unrescue",
        "unrescue",
        frozenset({V.RESCUED}),
        T.UNRESCUING,
        V.ACTIVE,
        P.RUNNING,
        Failure.ERROR,
        "Leave rescue mode.",
        api="api.py:API.unrescue (line 4949)",
        manager="manager.py:unrescue_instance",
    ),
    _one_task(
        "stop",
        "stop",
        frozenset({V.ACTIVE, V.ERROR}),
        T.POWERING_OFF,
        V.STOPPED,
        P.SHUTDOWN,
        Failure.REVERT,
        "Power off; also allowed from ERROR.",
        api="api.py:API.stop (line 2868)",
        manager="manager.py:stop_instance",
        checks_host=True,
    ),
    _one_task(
        "start",
        "start",
        frozenset({V.STOPPED}),
        T.POWERING_ON,
        V.ACTIVE,
        P.RUNNING,
        Failure.REVERT,
        "Power on a stopped server.",
        api="api.py:API.start (line 2875)",
        manager="manager.py:start_instance",
        checks_host=True,
    ),
    Operation(
        "delete",
        "delete",
        _ANY_LIVE,
        (
            # No host to ask: the API deletes locally and the server is gone at
            # once (api.py:API._delete: BuildRequest removed while scheduling;
            # _local_delete for offloaded servers, soft or not).
            *_LOCAL_DELETE,
            *_hosted_delete(T.DELETING, V.DELETED, P.NOSTATE, _HARD_DELETE, None, "api.py:API._delete_instance"),
            # soft_delete checks no vm_state, so DELETE of a SOFT_DELETED server
            # soft-deletes it again (servers.py:_delete calls soft_delete first).
            *_hosted_delete(T.SOFT_DELETING, V.SOFT_DELETED, P.SHUTDOWN, _SOFT_DELETE, True, "api.py:API.soft_delete"),
            # soft_delete refuses a server that never ran; servers.py:_delete then
            # falls back to a hard delete.
            *_hosted_delete(
                T.DELETING, V.DELETED, P.NOSTATE, _SOFT_DELETE, False, "servers.py:ServersController._delete"
            ),
        ),
        # terminate_instance failing sets error (manager.py:_delete_instance).
        Failure.ERROR,
        "Delete; a soft delete when reclaim_instance_interval > 0.",
        "api.py:API.delete (line 2807)",
        task_states=ANY,
        must_have_launched=False,
    ),
    Operation(
        "force_delete",
        "forceDelete",
        _ANY_LIVE,
        (
            *_LOCAL_DELETE,
            *_hosted_delete(T.DELETING, V.DELETED, P.NOSTATE, None, None, "api.py:API.force_delete"),
        ),
        Failure.ERROR,
        "Delete at once, skipping the soft-delete interval.",
        "api.py:API.force_delete (line 2847)",
        task_states=ANY,
        must_have_launched=False,
    ),
    _one_task(
        "restore",
        "restore",
        frozenset({V.SOFT_DELETED}),
        T.RESTORING,
        V.ACTIVE,
        P.RUNNING,
        Failure.REVERT,
        "Undo a soft delete.",
        api="api.py:API.restore (line 2815)",
        manager="manager.py:restore_instance",
    ),
    Operation(
        "create_image",
        "createImage",
        _SNAPSHOT_SOURCES,
        (
            Route(
                _SNAPSHOT_SOURCES,
                (
                    Step(T.IMAGE_SNAPSHOT_PENDING),
                    Step(T.IMAGE_SNAPSHOT),
                    Step(T.IMAGE_PENDING_UPLOAD),
                    Step(T.IMAGE_UPLOADING),
                    Step(None),
                ),
                when=_IMAGE_BACKED,
                cite="api.py:API.snapshot (line 3441), manager.py:snapshot_instance",
            ),
            # A volume-backed snapshot is a volume snapshot: no task_state at all.
            Route(
                _SNAPSHOT_SOURCES,
                (Step(None),),
                when=_VOLUME_BACKED,
                cite="api.py:API.snapshot_volume_backed (line 3498)",
            ),
        ),
        Failure.REVERT,
        "Snapshot the server to an image; the status stays as it was.",
        "api.py:API.snapshot (line 3441)",
        checks_lock=False,
    ),
    Operation(
        "create_backup",
        "createBackup",
        _SNAPSHOT_SOURCES,
        (
            Route(
                _SNAPSHOT_SOURCES,
                (Step(T.IMAGE_BACKUP), Step(T.IMAGE_PENDING_UPLOAD), Step(T.IMAGE_UPLOADING), Step(None)),
                cite="api.py:API.backup (line 3400), manager.py:backup_instance",
            ),
        ),
        Failure.REVERT,
        "Snapshot into a rotating backup series.",
        "api.py:API.backup (line 3400)",
        checks_lock=False,
        refusals=(
            Refusal(
                _VOLUME_BACKED,
                "Backup is not supported for volume-backed instances.",
                "api.py:API.backup (3417-3421, InvalidRequest -> 400 in create_backup.py)",
            ),
        ),
    ),
    Operation(
        "change_password",
        "changePassword",
        frozenset({V.ACTIVE}),
        (
            Route(
                frozenset({V.ACTIVE}),
                (Step(T.UPDATING_PASSWORD), Step(None)),
                cite="manager.py:set_admin_password",
            ),
        ),
        Failure.REVERT,
        "Set the administrator password in the guest.",
        "api.py:API.set_admin_password (line 4960)",
    ),
    Operation(
        "trigger_crash_dump",
        "trigger_crash_dump",
        ALLOW_TRIGGER_CRASH_DUMP,
        (Route(ALLOW_TRIGGER_CRASH_DUMP, (Step(None),), cite="manager.py:trigger_crash_dump"),),
        Failure.REVERT,
        "Send an NMI to the guest; no state change (from microversion 2.17).",
        "api.py:API.trigger_crash_dump (line 2888)",
        checks_host=True,
        refusals=(
            Refusal(
                _before("2.17"),
                "API version {microversion} is not supported on this method.",
                "api/openstack/compute/servers.py:_action_trigger_crash_dump (@api_version('2.17'))",
                http_status=404,
                after_state_check=False,
            ),
        ),
    ),
)


# -- operations that change no vm_state or task_state: legal where Nova's
# check_instance_state accepts them, done at once (no task) ---------------------


def _instant(name: str, action: str, vm_states: frozenset[V | None], summary: str, api: str, **more: Any) -> Operation:
    """An operation that sets no task: it is accepted or refused, and the server stays where it is."""
    route = Route(vm_states, (Step(None),), cite=api, in_place=True)
    return Operation(name, action, vm_states, (route,), Failure.REVERT, summary, api, **more)


_VOLUME_STATES = frozenset({V.ACTIVE, V.PAUSED, V.STOPPED, V.RESIZED, V.SOFT_DELETED, V.SHELVED, V.SHELVED_OFFLOADED})
_INTERFACE_STATES = frozenset({V.ACTIVE, V.PAUSED, V.STOPPED})
_METADATA_STATES = frozenset({V.ACTIVE, V.PAUSED, V.SUSPENDED, V.STOPPED})


def _stays_migrating(name: str, action: str, vm_states: frozenset[V | None] | Any, api: str) -> Operation:
    """force-complete / abort of a live migration: accepted only while it runs, which goes on (no new task)."""
    sources = frozenset({V.ACTIVE, V.PAUSED}) if vm_states is ANY else vm_states
    route = Route(sources, (Step(None),), from_tasks=frozenset({T.MIGRATING}), cite=api, in_place=True)
    return Operation(
        name,
        action,
        vm_states,
        (route,),
        Failure.REVERT,
        f"{action} of a running live migration; the migration task goes on.",
        api,
        task_states=frozenset({T.MIGRATING}),
    )


def _reset(name: str, end: V) -> Operation:
    """os-resetState: no state check, no lock check; vm_state forced, task cleared, power kept."""
    cite = "api/openstack/compute/admin_actions.py:AdminActionsController._reset_state (67-90)"
    return Operation(
        name,
        "os-resetState",
        _ANY_LIVE,
        (Route(_ANY_LIVE, (_done(end),), cite=cite),),
        Failure.REVERT,
        f"Admin os-resetState to {end.value}: no state check, task cleared, power_state kept.",
        cite,
        task_states=ANY,
        must_have_launched=False,
        checks_lock=False,
        forces=True,
    )


def _power_update(name: str, source: V, task: T, end: V, power: P, off: bool) -> Operation:
    """The power-update external event (Ironic): only from a quiet server whose power matches, else ignored."""
    cite = "manager.py:ComputeManager.power_update, _is_state_valid_for_power_update_event (11866-11885)"
    return Operation(
        name,
        "power-update",
        frozenset({source}),
        (
            Route(frozenset({source}), (Step(task), _done(end, power)), powered_off=off, cite=cite),
            # any other power_state: logged and ignored
            Route(frozenset({source}), (Step(None),), powered_off=not off, cite=cite + " (ignored)", in_place=True),
        ),
        Failure.REVERT,
        f"The power-update event ({'POWER_ON' if off else 'POWER_OFF'}) the bare-metal driver sends.",
        "api.py:API.external_instance_event (5984-5997)",
        must_have_launched=False,
        checks_lock=False,
        internal=True,
    )


OPERATIONS = (
    *OPERATIONS,
    # compute_api.force_stop has no state or lock check (api.py:2854); Nova calls it
    # from _sync_instance_power_state for a STOPPED server whose guest runs and a
    # PAUSED one whose guest shut down (manager.py:11339-11370).
    Operation(
        "force_stop",
        "stop",
        frozenset({V.STOPPED, V.PAUSED}),
        (
            Route(
                frozenset({V.STOPPED, V.PAUSED}),
                (Step(T.POWERING_OFF), _done(V.STOPPED, P.SHUTDOWN)),
                cite="api.py:API.force_stop, manager.py:stop_instance",
            ),
        ),
        Failure.REVERT,
        "Stop without checks: the power-state sync's answer to a guest that runs or stopped behind Nova's back.",
        "api.py:API.force_stop (line 2854)",
        must_have_launched=False,
        checks_lock=False,
        internal=True,
    ),
    _instant(
        "attach_volume",
        "attach_volume",
        _VOLUME_STATES,
        "Attach a volume (POST os-volume_attachments).",
        "api.py:API.attach_volume (line 5200)",
    ),
    _instant(
        "detach_volume",
        "detach_volume",
        _VOLUME_STATES,
        "Detach a volume (DELETE os-volume_attachments/{id}).",
        "api.py:API.detach_volume (line 5303)",
    ),
    _instant(
        "swap_volume",
        "swap_volume",
        frozenset({V.ACTIVE, V.PAUSED, V.RESIZED}),
        "Swap an attached volume (PUT os-volume_attachments/{id}).",
        "api.py:API.swap_volume (line 5358)",
    ),
    _instant(
        "attach_interface",
        "attach_interface",
        _INTERFACE_STATES,
        "Attach a port (POST os-interface).",
        "api.py:API.attach_interface (line 5470)",
    ),
    _instant(
        "detach_interface",
        "detach_interface",
        _INTERFACE_STATES,
        "Detach a port (DELETE os-interface/{id}).",
        "api.py:API.detach_interface (line 5508)",
    ),
    # check_instance_state(task_state=None) turns the task check off (the default (None,) would demand
    # no task); the 409's action words are server_metadata.py's ('update metadata', 'delete metadata').
    _instant(
        "update_metadata",
        "update metadata",
        _METADATA_STATES,
        "Set server metadata (PUT/POST metadata); any task.",
        "api.py:API.update_instance_metadata (line 5541); server_metadata.py:_update_instance_metadata",
        task_states=ANY,
    ),
    _instant(
        "delete_metadata",
        "delete metadata",
        _METADATA_STATES,
        "Delete a metadata key (DELETE metadata/{key}); any task.",
        "api.py:API.delete_instance_metadata (line 5533); server_metadata.py:delete",
        task_states=ANY,
    ),
    _stays_migrating(
        "live_migrate_force_complete",
        "force_complete",
        frozenset({V.ACTIVE}),
        "api.py:API.live_migrate_force_complete (line 5629)",
    ),
    _stays_migrating("live_migrate_abort", "abort", ANY, "api.py:API.live_migrate_abort (line 5660)"),
    _power_update("power_update_on", V.STOPPED, T.POWERING_ON, V.ACTIVE, P.RUNNING, True),
    _power_update("power_update_off", V.ACTIVE, T.POWERING_OFF, V.STOPPED, P.SHUTDOWN, False),
    _reset("reset_active", V.ACTIVE),
    _reset("reset_error", V.ERROR),
)

DIALECT = Dialect(
    name="nova",
    title="OpenStack Nova",
    source="openstack/nova@00a030403f672b975364c855b7d25b40ef83e757",
    vm_states=tuple(V),
    task_states=tuple(T),
    statuses=tuple(S),
    status_rows=STATUS_ROWS,
    status_defaults=STATUS_DEFAULTS,
    operations=OPERATIONS,
    nominal_power=MappingProxyType(
        {
            V.BUILDING: P.NOSTATE,
            V.ACTIVE: P.RUNNING,
            V.STOPPED: P.SHUTDOWN,
            V.PAUSED: P.PAUSED,
            V.SUSPENDED: P.SHUTDOWN,
            V.RESCUED: P.RUNNING,
            V.RESIZED: P.RUNNING,
            V.SHELVED: P.SHUTDOWN,
            V.SHELVED_OFFLOADED: P.SHUTDOWN,  # _shelve_offload_instance reads it after powering off, before destroy
            V.SOFT_DELETED: P.SHUTDOWN,
            V.DELETED: P.NOSTATE,
            V.ERROR: P.NOSTATE,
        }
    ),
    # nova/api/openstack/common.py:raise_http_conflict_for_instance_invalid_state (330-346)
    messages=Messages(
        state="Cannot '{action}' instance {id} while it is in {attr} {state}",
        no_state="Instance {id} is in an invalid state for '{action}'",
        locked="Instance {id} is locked",
        unsupported="Operation '{action}' is not supported by {dialect}",
        http_status=409,
        code="conflictingRequest",
    ),
)
