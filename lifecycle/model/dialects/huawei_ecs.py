"""Huawei Cloud ECS, as its status documentation defines it.

Status: the "ECS Statuses" page (``api-ecs/ecs_08_0002``), Table 4, kept in this
repository's seeds as ``000_d9c6f90a9526f9ab.txt`` (English) and
``001_8b2df2705162a32e.txt`` (Chinese, the same table). Unlike Nova, the table
lists explicit (vm_state, task_state) rows, the null task among them, and sends
every other pair to UNKNOWN ("If the status is not included in Table 4, the
status is UNKNOWN."). So this dialect has no per-vm_state defaults.

Differences from Nova that follow from the table: RESIZE appears only under
``stopped``; there are no paused, suspended, rescued or soft-delete vm_states and
no PASSWORD status; shelving rows sit under ``shelved``.

Operations: Huawei's own, read from the ECS API reference (pages cited by path
under ``https://support.huaweicloud.com/intl/en-us/<path>.html``; ``eu-west-0-...``
and ``my-kualalumpur-1-...`` are regional copies), the Python SDK
(huaweicloud-sdk-python-v3 @343a486b) and the Terraform provider @a0345b8d
(``TF-ci`` is ``resource_huaweicloud_compute_instance.go``). Each rule is marked:

- ``[doc]`` Huawei states it;
- ``[inf]`` inferred from the sources (mostly: which seed rows an operation
  walks, since Huawei documents statuses and operations on separate pages);
- ``[?]`` not confirmed; the documented-leaning choice is taken and the comment
  says what one edit changes it.

The differences from Nova this encodes: the native resize takes only a stopped
server (``withStopServer`` is a composite stop/resize/start request, see
:attr:`lifecycle.model.spec.Operation.then`); reinstall_os and change_os are
operations of their own; rebuild refuses ERROR; there is no pause, suspend,
rescue, shelve, soft delete, evacuate or live migration (the server API has no
such action, so they are unsupported, not refused by state); a refusal is HTTP
400 ``Ecs.0100``; a failed native create is rolled back (no ERROR server).
SHELVED and SHELVED_OFFLOADED are shown (the table lists them) but only a
seeded or imported server is ever there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from lifecycle.model.dialects import nova
from lifecycle.model.spec import ANY, Dialect, Failure, Messages, Operation, Route, Step
from lifecycle.model.states import PowerState as P
from lifecycle.model.states import Status as S
from lifecycle.model.states import TaskState as T
from lifecycle.model.states import VmState as V

__all__ = ["DIALECT"]

_REBUILD: dict[T | None, S] = {
    T.REBUILDING: S.REBUILD,
    T.REBUILD_BLOCK_DEVICE_MAPPING: S.REBUILD,
    T.REBUILD_SPAWNING: S.REBUILD,
}

# Seed 000, Table 4 "Mapping between statuses", row by row.
STATUS_ROWS: Mapping[V, Mapping[T | None, S]] = MappingProxyType(
    {
        V.BUILDING: {
            T.SCHEDULING: S.BUILD,
            T.BLOCK_DEVICE_MAPPING: S.BUILD,
            T.NETWORKING: S.BUILD,
            T.SPAWNING: S.BUILD,
            None: S.BUILD,
        },
        V.ACTIVE: {
            T.REBOOTING: S.REBOOT,
            T.REBOOT_PENDING: S.REBOOT,
            T.REBOOT_STARTED: S.REBOOT,
            T.REBOOTING_HARD: S.HARD_REBOOT,
            T.REBOOT_PENDING_HARD: S.HARD_REBOOT,
            T.REBOOT_STARTED_HARD: S.HARD_REBOOT,
            **_REBUILD,
            T.MIGRATING: S.MIGRATING,
            T.POWERING_OFF: S.ACTIVE,
            T.DELETING: S.ACTIVE,
            None: S.ACTIVE,
        },
        V.STOPPED: {
            T.RESIZE_PREP: S.RESIZE,
            T.RESIZE_MIGRATING: S.RESIZE,
            T.RESIZE_MIGRATED: S.RESIZE,
            T.RESIZE_FINISH: S.RESIZE,
            **_REBUILD,
            T.POWERING_ON: S.SHUTOFF,
            T.DELETING: S.SHUTOFF,
            None: S.SHUTOFF,
        },
        V.RESIZED: {T.RESIZE_REVERTING: S.REVERT_RESIZE, None: S.VERIFY_RESIZE},
        V.ERROR: {**_REBUILD, T.DELETING: S.ERROR, None: S.ERROR},
        V.DELETED: {None: S.DELETED},
        V.SHELVED: {
            T.SHELVING: S.SHELVED,
            T.SHELVING_IMAGE_PENDING_UPLOAD: S.SHELVED,
            T.SHELVING_IMAGE_UPLOADING: S.SHELVED,
            T.UNSHELVING: S.SHELVED,
            None: S.SHELVED,
        },
        V.SHELVED_OFFLOADED: {
            T.SHELVING_OFFLOADING: S.SHELVED_OFFLOADED,
            T.UNSHELVING: S.SHELVED_OFFLOADED,
            None: S.SHELVED_OFFLOADED,
        },
    }
)

SEED_VM_STATES = (V.BUILDING, V.ACTIVE, V.STOPPED, V.RESIZED, V.ERROR, V.DELETED, V.SHELVED, V.SHELVED_OFFLOADED)
SEED_TASK_STATES = tuple(dict.fromkeys(t for row in STATUS_ROWS.values() for t in row if t is not None))

_RESIZE_STEPS = tuple(Step(t) for t in (T.RESIZE_PREP, T.RESIZE_MIGRATING, T.RESIZE_MIGRATED, T.RESIZE_FINISH))
_REBUILD_STEPS = tuple(Step(t) for t in (T.REBUILDING, T.REBUILD_BLOCK_DEVICE_MAPPING, T.REBUILD_SPAWNING))
_ON = frozenset({V.ACTIVE})
_OFF = frozenset({V.STOPPED})
_ON_OR_OFF = frozenset({V.ACTIVE, V.STOPPED})
# [inf] The rows Table 4 lists with the ``deleting`` task: a delete is shown there.
_DELETING_ROWS = frozenset({V.ACTIVE, V.STOPPED, V.ERROR})
# [inf] Shelved servers exist only when seeded; nothing says how one is deleted.
# Like Nova's offloaded server they have no host to run a task, so the delete is
# immediate (Table 4 has no shelved+deleting row to show).
_SHELVED = frozenset({V.SHELVED, V.SHELVED_OFFLOADED})


def _done(vm: V, power: P | None = None, *, launched: bool | None = None) -> Step:
    """The last write of an operation: the task is cleared and ``vm`` is where it rests."""
    return Step(None, vm, power, launched)


def _as_nova(operation: str, sources: frozenset[V | None], cite: str, *, powered_off: bool | None = None) -> Route:
    """Nova's route of ``operation`` from ``sources``, where Huawei walks exactly Nova's steps.

    The steps are read from Nova's declaration (``lifecycle/model/dialects/nova.py``)
    rather than written twice; the route keeps both sources: ``cite`` says why
    Huawei takes it (Huawei's page, Table 4 rows, [doc]/[inf]/[?]), and Nova's own
    cite, appended, says where the steps come from. The Nova route is the one
    with no settings condition that starts at every vm_state of ``sources``
    with the same ``powered_off`` guard; there must be exactly one.
    """
    found = [
        route
        for route in nova.DIALECT.operation_map[operation].routes
        if sources <= route.sources
        and route.powered_off == powered_off
        and route.when is None
        and route.launched is None
        and route.from_tasks is None
    ]
    if len(found) != 1:
        raise LookupError(f"{len(found)} Nova routes of {operation!r} from {sorted(map(str, sources))}: want one")
    return dataclasses.replace(found[0], sources=sources, cite=f"{cite}; steps as Nova {found[0].cite}")


# A resize of a stopped ECS walks the RESIZE rows, which Table 4 lists only under
# ``stopped`` [inf], and ends resized (VERIFY_RESIZE), still powered off. The
# Nova-compatible resize waits there for confirmResize [doc]; the native resize
# and cold migration are confirmed by the service itself (their ``then``), as
# the reference infers ("The service confirms by itself") [inf].
_STOPPED_RESIZE = _as_nova("resize", _OFF, cite="api-ecs/ecs_02_0209 [doc] + seed")
# reinstall_os, change_os and rebuild of a stopped server share the REBUILD rows
# under ``stopped`` and end stopped [?]: Huawei does not say; a stopped server
# is reinstalled, so it stays off (one edit: _done(V.ACTIVE, P.RUNNING)).
_STOPPED_REBUILD = Route(_OFF, (*_REBUILD_STEPS, _done(V.STOPPED, P.SHUTDOWN)), cite="seed REBUILD rows [inf]")
# After a failed reinstall or OS change the server is in error; the retry walks
# error + rebuilding* (Table 4 lists them) and ends stopped like the first try [?].
_ERROR_REBUILD = Route(frozenset({V.ERROR}), (*_REBUILD_STEPS, _done(V.STOPPED, P.SHUTDOWN)), cite="seed [inf]")

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "create",
        "create",
        frozenset({None}),
        # Nova's build steps: scheduling, building with no task (BUILD in Table 4 too),
        # networking, block_device_mapping, spawning, active.
        (
            _as_nova(
                "create",
                frozenset({None}),
                cite="api-ecs/en-us_topic_0020212668; BUILD rows of Table 4 [inf order, from Nova]",
            ),
        ),
        # [doc] "a failed native create rolls back automatically" (api-ecs/ecs_03_0201
        # says a failed Nova-compatible create stays ERROR; one edit: Failure.ERROR).
        Failure.DELETE,
        "Create an ECS (POST /v1/{project_id}/cloudservers, a job); a failure is rolled back.",
        "api-ecs/en-us_topic_0020212668 [doc]",
        task_states=ANY,
        must_have_launched=False,
        checks_lock=False,
    ),
    Operation(
        "start",
        "os-start",
        _OFF,
        (_as_nova("start", _OFF, cite="TF-ci:2256-2284; seed [inf]"),),
        Failure.REVERT,
        "Power on a stopped ECS (batch action os-start, a job).",
        # [inf] No precondition is documented; SHUTOFF is the only state with a
        # powering-on row. What start does on ACTIVE (no-op or Ecs.0100) is [?].
        "api-ecs/ecs_02_0301 [inf]",
    ),
    Operation(
        "stop",
        "os-stop",
        _ON,
        # type SOFT (default) and HARD walk the same rows (TF-ci:1872-1880 waits
        # ACTIVE -> SHUTOFF for both); Huawei shows no separate task for HARD.
        (_as_nova("stop", _ON, cite="TF-ci:1872-1880; seed [inf]"),),
        Failure.REVERT,
        "Power off a running ECS, type SOFT (default) or HARD (batch action os-stop, a job).",
        # [inf] No precondition documented; ACTIVE has the powering-off row. Nova
        # also stops from ERROR, but error + powering-off is not in Table 4.
        "api-ecs/ecs_02_0303 [inf]",
    ),
    Operation(
        "reboot",
        "reboot",
        _ON,
        (_as_nova("reboot", _ON, cite="seed REBOOT rows [inf]"),),
        Failure.ERROR,  # [inf] as Nova: a guest that does not come back is in error
        "Soft reboot (batch action reboot, type SOFT, a job).",
        "api-ecs/ecs_02_0302 [inf]",
    ),
    Operation(
        "hard_reboot",
        "reboot",
        # [?] Nova also hard-reboots stopped, error and mid-reboot servers; Table 4
        # has no stopped/error + rebooting_hard row, so only an idle ACTIVE ECS
        # (one edit: add V.STOPPED here and to the route, with strict_status off).
        _ON,
        (_as_nova("hard_reboot", _ON, cite="seed HARD_REBOOT rows [inf]"),),
        Failure.ERROR,
        "Hard reboot (batch action reboot, type HARD, a job).",
        "api-ecs/ecs_02_0302 [inf]",
    ),
    Operation(
        "resize",
        "resize",
        # [doc] "only when the ECS is stopped". No confirm call by the user: the
        # job succeeds and the server is SHUTOFF (TF-ci:1386-1408 waits for the
        # job only). The service confirms by itself [inf], so the server shows
        # VERIFY_RESIZE for an instant; this is what lets a Nova-compatible
        # resize of a stopped ECS share the RESIZE rows (one edit to undo: drop
        # ``then`` and end _STOPPED_RESIZE at stopped).
        _OFF,
        (_STOPPED_RESIZE,),
        # [?] Huawei documents automatic rollback for the Nova-compatible resize
        # (ecs_03_0308); taken for the native one too (one edit: Failure.ERROR).
        Failure.REVERT,
        "Change the flavor of a stopped ECS (native, a job); it stays SHUTOFF, no confirm.",
        "api-ecs/ecs_02_0209, api-ecs/ecs_02_0210 [doc]",
        then=("confirm_resize",),
    ),
    Operation(
        "resize_with_stop",
        "resize",
        # [doc] mode=withStopServer: "a running ECS is also accepted: the service
        # stops it, resizes, then starts it after success" (PY
        # resize_pre_paid_server_option.py:44). One request, four parts: the
        # server passes active+powering-off, stopped+resize_*, the service's own
        # confirm, stopped+powering-on.
        _ON,
        (_as_nova("stop", _ON, cite="TF-ci:1386-1408 [doc]"),),
        Failure.REVERT,
        "Native resize of a running ECS with mode=withStopServer: stop, resize, start in one job.",
        "api-ecs/ecs_02_0209 [doc]",
        then=("resize", "confirm_resize", "start"),
    ),
    Operation(
        "nova_resize",
        "resize",
        # [doc] The Nova-compatible (Discarded) resize accepts a running or a
        # stopped ECS and waits in VERIFY_RESIZE for confirmResize/revertResize.
        # A running ECS walks Nova's own active + resize_* rows, which the literal
        # Table 4 shows as UNKNOWN (so strict_status is off) [inf]; a stopped one
        # walks the stopped RESIZE rows the native resize uses.
        _ON_OR_OFF,
        (
            Route(_ON, (*_RESIZE_STEPS, _done(V.RESIZED, P.RUNNING)), cite="api-ecs/ecs_03_0308 [doc]; rows [inf]"),
            _STOPPED_RESIZE,
        ),
        Failure.REVERT,  # [doc] "automatic rollback if resources are short"
        "Nova-compatible resize (Discarded API): ends VERIFY_RESIZE until confirmed or reverted.",
        "api-ecs/ecs_03_0308 [doc]",
    ),
    Operation(
        "confirm_resize",
        "confirmResize",
        frozenset({V.RESIZED}),
        (
            # [?] the end follows the power state, as in Nova (manager.py:_confirm_resize).
            _as_nova("confirm_resize", frozenset({V.RESIZED}), powered_off=True, cite="[?] as Nova"),
            _as_nova("confirm_resize", frozenset({V.RESIZED}), powered_off=False, cite="[?] as Nova"),
        ),
        Failure.ERROR,
        "Accept a Nova-compatible resize (vm_state resized, no task).",
        "api-ecs/ecs_03_0309 [doc]",
    ),
    Operation(
        "revert_resize",
        "revertResize",
        frozenset({V.RESIZED}),
        (
            _as_nova(
                "revert_resize",
                frozenset({V.RESIZED}),
                powered_off=False,
                cite="api-ecs/ecs_03_0310; seed REVERT_RESIZE row",
            ),
            # [?] Nova powers a formerly stopped server off again through
            # resized + powering-off, which Table 4 lacks: straight to stopped here.
            Route(
                frozenset({V.RESIZED}),
                (Step(T.RESIZE_REVERTING), _done(V.STOPPED, P.SHUTDOWN)),
                powered_off=True,
                cite="api-ecs/ecs_03_0310 [?]",
            ),
        ),
        Failure.ERROR,
        "Undo a Nova-compatible resize; data changed meanwhile is lost.",
        "api-ecs/ecs_03_0310 [doc]",
    ),
    Operation(
        "reinstall_os",
        "reinstallos",
        # [doc] regional refs: "only on an ECS that is stopped or for which OS
        # reinstallation has failed". The model cannot tell why a server is in
        # error, so any ERROR is accepted [inf]. The main ref also allows a running
        # ECS with mode=withStopServer: reinstall_os_with_stop.
        frozenset({V.STOPPED, V.ERROR}),
        (_STOPPED_REBUILD, _ERROR_REBUILD),
        Failure.ERROR,  # [doc] implied: a failed reinstall leaves the ECS in error
        "Reinstall the OS from the current image (native v1/v2, a job).",
        "my-kualalumpur-1-api-ecs/en-us_topic_0077841398, api-ecs/ecs_02_0203 [doc]",
    ),
    Operation(
        "reinstall_os_with_stop",
        "reinstallos",
        # [doc] mode=withStopServer: "the ECS supports OS reinstallation when it is
        # running; the system automatically stops the ECS before reinstalling its OS"
        # (PY reinstall_server_with_cloud_init_option.py:46). One request, two parts:
        # the stop, then reinstall_os from SHUTOFF; unlike resize, no start follows [inf].
        _ON,
        (_as_nova("stop", _ON, cite="api-ecs/ecs_02_0203 [doc]"),),
        Failure.REVERT,  # the stop part fails as a stop does
        "Reinstall the OS of a running ECS with mode=withStopServer: stop, then reinstall, in one job.",
        "api-ecs/ecs_02_0203 [doc]",
        then=("reinstall_os",),
    ),
    Operation(
        "change_os",
        "changeos",
        # [doc] "Only a stopped ECS or an ECS on which reinstalling or changing the
        # OS failed"; spot ECSs are refused (not modelled).
        frozenset({V.STOPPED, V.ERROR}),
        (_STOPPED_REBUILD, _ERROR_REBUILD),
        Failure.ERROR,
        "Change the OS to another image (native v1/v2, a job).",
        "my-kualalumpur-1-api-ecs/en-us_topic_0077841586, api-ecs/ecs_02_0204 [doc]",
    ),
    Operation(
        "change_os_with_stop",
        "changeos",
        # [doc] mode=withStopServer on the main ref (PY change_server_os_with_cloud_init_option.py:52;
        # TF-ci:1548-1606 changes a running ECS's image this way): stop, then change_os [inf: no start].
        _ON,
        (_as_nova("stop", _ON, cite="api-ecs/ecs_02_0204 [doc]"),),
        Failure.REVERT,  # the stop part fails as a stop does
        "Change the OS of a running ECS with mode=withStopServer: stop, then change, in one job.",
        "api-ecs/ecs_02_0204 [doc]",
        then=("change_os",),
    ),
    Operation(
        "rebuild",
        "rebuild",
        # [doc] "ECSs in the error state cannot be rebuilt" (Nova allows error).
        _ON_OR_OFF,
        (
            Route(_ON, (*_REBUILD_STEPS, _done(V.ACTIVE, P.RUNNING)), cite="seed active REBUILD rows [inf]"),
            _STOPPED_REBUILD,
        ),
        Failure.ERROR,
        "Nova-compatible rebuild (regional references only); refuses ERROR.",
        "eu-west-0-api-ecs/en-us_topic_0065817688 [doc]",
    ),
    Operation(
        "cold_migrate",
        "migrate",
        # [doc] stopped only, dedicated hosts, pay-per-use only (else Ecs.0112,
        # not modelled). Walks the RESIZE rows like a Nova cold migration and is
        # confirmed by the service, like the native resize [inf].
        _OFF,
        (_STOPPED_RESIZE,),
        Failure.REVERT,
        "Cold-migrate a stopped ECS on a dedicated host (native, a job).",
        "api-ecs/ecs_02_0207 [doc]",
        then=("confirm_resize",),
    ),
    Operation(
        "reset_password",
        "os-reset-password",
        # [doc] "running or stopped"; no task and no status change (Table 4 has
        # no updating_password row, so no PASSWORD status).
        _ON_OR_OFF,
        (Route(_ON_OR_OFF, (Step(None),), cite="api-ecs/ecs_02_0306 [doc]"),),
        Failure.REVERT,
        "Reset the password; takes effect at the next start or restart. No status change.",
        "api-ecs/ecs_02_0306 [doc]",
    ),
    Operation(
        "create_image",
        "createImage",
        # [?] No status constraint found (api-ecs/ecs_06_0006 covers permissions
        # only); running or stopped, as for every other native action. Table 4 has
        # no image_* task, so the status does not change (one edit: add V.ERROR).
        _ON_OR_OFF,
        (Route(_ON_OR_OFF, (Step(None),), cite="[?]"),),
        Failure.REVERT,
        "Create an image of the ECS (IMS / createImage); the status stays as it was.",
        "api-ecs/ecs_06_0006 [?]",
        # [inf] a locked ECS refuses lifecycle, status, NIC, disk and password
        # management (ecs_03_0304); images are not in that list.
        checks_lock=False,
    ),
    Operation(
        "delete",
        "delete",
        # [inf] No status precondition documented; the rows Table 4 shows a
        # delete in are active/stopped/error + deleting, whatever task was
        # running (TF-ci:1917-1921). building and resized have no deleting row,
        # so they are refused (one edit: add them, with strict_status off).
        _DELETING_ROWS | _SHELVED,
        (
            Route(_DELETING_ROWS, (Step(T.DELETING), _done(V.DELETED, P.NOSTATE)), cite="TF-ci:1917-1921 [inf]"),
            Route(_SHELVED, (_done(V.DELETED, P.NOSTATE),), cite="[inf] no host, no deleting row"),
        ),
        Failure.ERROR,
        "Delete (batch POST /cloudservers/delete, a job); shown with task deleting until gone.",
        "api-ecs/ecs_02_0103 [doc]",
        task_states=ANY,
        must_have_launched=False,
    ),
)

DIALECT = Dialect(
    name="huawei-ecs",
    title="Huawei Cloud ECS",
    source="Huawei Cloud API reference api-ecs/ecs_08_0002 (seeds 000 and 001); ECS API reference pages as cited",
    # Table 2 of the seed: exactly the vm_states Huawei shows.
    vm_states=SEED_VM_STATES,
    # The 27 task_states of Table 3 (the ones Table 4 uses); the operations use no others.
    task_states=SEED_TASK_STATES,
    # Table 1 of the seed.
    statuses=(
        S.BUILD,
        S.REBOOT,
        S.HARD_REBOOT,
        S.REBUILD,
        S.MIGRATING,
        S.RESIZE,
        S.ACTIVE,
        S.SHUTOFF,
        S.REVERT_RESIZE,
        S.VERIFY_RESIZE,
        S.ERROR,
        S.DELETED,
        S.SHELVED,
        S.SHELVED_OFFLOADED,
        S.UNKNOWN,
    ),
    status_rows=STATUS_ROWS,
    status_defaults=MappingProxyType({}),
    operations=OPERATIONS,
    nominal_power=MappingProxyType(
        {
            V.BUILDING: P.NOSTATE,
            V.ACTIVE: P.RUNNING,
            V.STOPPED: P.SHUTDOWN,
            V.RESIZED: P.RUNNING,
            V.ERROR: P.NOSTATE,
            V.DELETED: P.NOSTATE,
            V.SHELVED: P.SHUTDOWN,
            V.SHELVED_OFFLOADED: P.NOSTATE,
        }
    ),
    # api-ecs/ecs_07_0002: a wrong state on the native API is HTTP 400 Ecs.0100
    # ("The ECS status does not meet requirements"; the live wording is [?]).
    messages=Messages(
        state="The ECS status does not meet requirements: cannot '{action}' ECS {id} while it is in {attr} {state}",
        no_state="The ECS status does not meet requirements: ECS {id} is in an invalid state for '{action}'",
        locked="ECS {id} is locked",
        unsupported="Operation '{action}' is not offered by {dialect} (no such ECS API), whatever the server's state",
        http_status=400,
        code="Ecs.0100",
    ),
    # nova_resize walks active + resize_*, which the literal Table 4 shows as UNKNOWN.
    strict_status=False,
    # [?] No Huawei operation leads to SHELVED / SHELVED_OFFLOADED (reference section 5).
    seeded_only=frozenset({V.SHELVED, V.SHELVED_OFFLOADED}),
    # [doc] api-ecs/ecs_03_0308: the Nova-compatible (/v2.1, Discarded) resize accepts a
    # running or stopped ECS and waits in VERIFY_RESIZE; the native resize is another call.
    compute_api=MappingProxyType({"resize": "nova_resize"}),
)
