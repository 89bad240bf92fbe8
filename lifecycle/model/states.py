"""The vocabulary of a server's state, with Nova's exact wire values.

A Compute API server carries three state fields: ``OS-EXT-STS:vm_state`` (the
stable state an operation leaves behind), ``OS-EXT-STS:task_state`` (the step of
the operation running now, or null) and ``OS-EXT-STS:power_state`` (what the
hypervisor reports). The public ``status`` is derived from the first two; see
:mod:`lifecycle.model.status`.

Mirrors Nova at commit 00a030403f672b975364c855b7d25b40ef83e757:
``nova/compute/vm_states.py``, ``nova/compute/task_states.py``,
``nova/compute/power_state.py`` and the wire strings in ``nova/objects/fields.py``.
Member names follow Nova's constants, values are what the API returns; the two
differ where Nova's do (``SOFT_DELETED = "soft-delete"``,
``POWERING_OFF = "powering-off"``), so always compare with values, never names.
"""

from __future__ import annotations

import enum

__all__ = ["PowerState", "Status", "TaskState", "VmState"]


class VmState(enum.StrEnum):
    """Stable state of a server (``nova/compute/vm_states.py``)."""

    ACTIVE = "active"  # running, serving
    BUILDING = "building"  # being created, never ran yet
    PAUSED = "paused"  # guest frozen in memory
    SUSPENDED = "suspended"  # guest memory saved to disk
    STOPPED = "stopped"  # powered off, disk kept
    RESCUED = "rescued"  # booted from a rescue image
    RESIZED = "resized"  # resized or migrated, waiting for confirm/revert
    SOFT_DELETED = "soft-delete"  # deleted, reclaimable until the reclaim interval
    DELETED = "deleted"  # gone
    ERROR = "error"  # something failed; needs a repairing operation
    SHELVED = "shelved"  # powered off, image kept, still on its host
    SHELVED_OFFLOADED = "shelved_offloaded"  # shelved and removed from its host


class TaskState(enum.StrEnum):
    """Step of the operation running on a server (``nova/compute/task_states.py``)."""

    # build (create)
    SCHEDULING = "scheduling"
    BLOCK_DEVICE_MAPPING = "block_device_mapping"
    NETWORKING = "networking"
    SPAWNING = "spawning"
    # snapshot (createImage)
    IMAGE_SNAPSHOT = "image_snapshot"
    IMAGE_SNAPSHOT_PENDING = "image_snapshot_pending"
    IMAGE_PENDING_UPLOAD = "image_pending_upload"
    IMAGE_UPLOADING = "image_uploading"
    # backup (createBackup)
    IMAGE_BACKUP = "image_backup"
    # changePassword
    UPDATING_PASSWORD = "updating_password"
    # resize and cold migrate
    RESIZE_PREP = "resize_prep"
    RESIZE_MIGRATING = "resize_migrating"
    RESIZE_MIGRATED = "resize_migrated"
    RESIZE_FINISH = "resize_finish"
    RESIZE_REVERTING = "resize_reverting"
    RESIZE_CONFIRMING = "resize_confirming"  # declared by Nova, never assigned
    # reboot
    REBOOTING = "rebooting"
    REBOOT_PENDING = "reboot_pending"
    REBOOT_STARTED = "reboot_started"
    REBOOTING_HARD = "rebooting_hard"
    REBOOT_PENDING_HARD = "reboot_pending_hard"
    REBOOT_STARTED_HARD = "reboot_started_hard"
    # pause, suspend, power
    PAUSING = "pausing"
    UNPAUSING = "unpausing"
    SUSPENDING = "suspending"
    RESUMING = "resuming"
    POWERING_OFF = "powering-off"
    POWERING_ON = "powering-on"
    # rescue
    RESCUING = "rescuing"
    UNRESCUING = "unrescuing"
    # rebuild and evacuate
    REBUILDING = "rebuilding"
    REBUILD_BLOCK_DEVICE_MAPPING = "rebuild_block_device_mapping"
    REBUILD_SPAWNING = "rebuild_spawning"
    # live migration
    MIGRATING = "migrating"
    # delete, soft delete, restore
    DELETING = "deleting"
    SOFT_DELETING = "soft-deleting"
    RESTORING = "restoring"
    # shelve
    SHELVING = "shelving"
    SHELVING_IMAGE_PENDING_UPLOAD = "shelving_image_pending_upload"
    SHELVING_IMAGE_UPLOADING = "shelving_image_uploading"
    SHELVING_OFFLOADING = "shelving_offloading"
    UNSHELVING = "unshelving"


class PowerState(enum.IntEnum):
    """Hypervisor power state as the API's integer ``OS-EXT-STS:power_state``.

    Nova's codes are positions in ``InstancePowerState.ALL`` with unused slots
    (``nova/compute/power_state.py``). Codes 2, 5, 8 and 9 were removed from Nova
    in 2012 and 2015 but older clouds and docs (seed 004) still show them, so they
    decode here and say so through :attr:`legacy`.
    """

    NOSTATE = 0  # 'pending': no domain, or not known yet
    RUNNING = 1
    BLOCKED = 2  # legacy, removed by Nova commit 5b85997e33 (2012)
    PAUSED = 3
    SHUTDOWN = 4  # powered off (libvirt maps SHUTOFF here too)
    SHUTOFF = 5  # legacy, removed by Nova commit 5b85997e33 (2012)
    CRASHED = 6
    SUSPENDED = 7
    FAILED = 8  # legacy, removed by Nova commit 5b85997e33 (2012)
    BUILDING = 9  # legacy, removed by Nova commit 9c2848cd85 (2015)

    @property
    def legacy(self) -> bool:
        """True for the codes today's Nova never reports."""
        return self in _LEGACY_POWER

    @property
    def label(self) -> str:
        """Nova's display string (``InstancePowerState`` in ``nova/objects/fields.py``)."""
        return "pending" if self is PowerState.NOSTATE else self.name.lower()


_LEGACY_POWER = frozenset({PowerState.BLOCKED, PowerState.SHUTOFF, PowerState.FAILED, PowerState.BUILDING})


class Status(enum.StrEnum):
    """Public server ``status`` (``api-ref/source/servers.inc``; seed 003 lists the same 20)."""

    ACTIVE = "ACTIVE"
    BUILD = "BUILD"
    DELETED = "DELETED"
    ERROR = "ERROR"
    HARD_REBOOT = "HARD_REBOOT"
    MIGRATING = "MIGRATING"
    PASSWORD = "PASSWORD"
    PAUSED = "PAUSED"
    REBOOT = "REBOOT"
    REBUILD = "REBUILD"
    RESCUE = "RESCUE"
    RESIZE = "RESIZE"
    REVERT_RESIZE = "REVERT_RESIZE"
    SHELVED = "SHELVED"
    SHELVED_OFFLOADED = "SHELVED_OFFLOADED"
    SHUTOFF = "SHUTOFF"
    SOFT_DELETED = "SOFT_DELETED"
    SUSPENDED = "SUSPENDED"
    UNKNOWN = "UNKNOWN"
    VERIFY_RESIZE = "VERIFY_RESIZE"
