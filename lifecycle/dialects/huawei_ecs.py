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

Operations: Nova's, until the dialect declares Huawei's own (see
``../shared/reference/huawei-ecs.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lifecycle.dialects import nova
from lifecycle.spec import Dialect, Messages
from lifecycle.states import Status as S
from lifecycle.states import TaskState as T
from lifecycle.states import VmState as V

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

DIALECT = Dialect(
    name="huawei-ecs",
    title="Huawei Cloud ECS",
    source="Huawei Cloud API reference api-ecs/ecs_08_0002 (seeds 000 and 001)",
    # Table 2 of the seed, then the vm_states only the borrowed Nova operations
    # reach (their status is UNKNOWN here, as the table says).
    vm_states=(
        *SEED_VM_STATES,
        *(v for v in nova.DIALECT.vm_states if v not in SEED_VM_STATES),
    ),
    # The 27 task_states of Table 3 (the ones Table 4 uses), then Nova's others.
    task_states=(*SEED_TASK_STATES, *(t for t in nova.DIALECT.task_states if t not in SEED_TASK_STATES)),
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
    operations=nova.OPERATIONS,
    nominal_power=nova.DIALECT.nominal_power,
    # api-ecs/ecs_07_0002: a wrong state on the native API is HTTP 400 Ecs.0100.
    messages=Messages(
        state="The ECS status does not meet requirements: cannot '{action}' ECS {id} while it is in {attr} {state}",
        no_state="The ECS status does not meet requirements: ECS {id} is in an invalid state for '{action}'",
        locked="ECS {id} is locked",
        unsupported="Operation '{action}' is not supported by {dialect}",
        http_status=400,
        code="Ecs.0100",
    ),
    strict_status=False,
)
