"""Each operation walks Nova's task steps and lands in Nova's end state.

Expected sequences are transcribed from nova/compute/manager.py at 00a030403f
(summarised with line cites in shared/reference/nova-lifecycle.md section 4),
independently of the declaration in lifecycle/model/dialects/nova.py.
"""

from __future__ import annotations

import pytest

from lifecycle import PowerState, Server, Status

# (start vm_state, operation, settings) -> [(vm_state, task_state, status) after each write]
WALKS = [
    # manager.py:_build_and_run_instance: scheduling, an untasked hand-over, networking, bdm, spawning.
    (None, "create", {}, [
        ("building", "scheduling", "BUILD"), ("building", None, "BUILD"), ("building", "networking", "BUILD"),
        ("building", "block_device_mapping", "BUILD"), ("building", "spawning", "BUILD"),
        ("active", None, "ACTIVE")]),
    # manager.py:reboot_instance (4424-4539)
    ("active", "reboot", {}, [
        ("active", "rebooting", "REBOOT"), ("active", "reboot_pending", "REBOOT"),
        ("active", "reboot_started", "REBOOT"), ("active", None, "ACTIVE")]),
    # vm_state does not change while a hard reboot runs: a stopped server shows SHUTOFF until it ends.
    ("stopped", "hard_reboot", {}, [
        ("stopped", "rebooting_hard", "SHUTOFF"), ("stopped", "reboot_pending_hard", "SHUTOFF"),
        ("stopped", "reboot_started_hard", "SHUTOFF"), ("active", None, "ACTIVE")]),
    ("error", "hard_reboot", {}, [
        ("error", "rebooting_hard", "ERROR"), ("error", "reboot_pending_hard", "ERROR"),
        ("error", "reboot_started_hard", "ERROR"), ("active", None, "ACTIVE")]),
    ("active", "rebuild", {}, [
        ("active", "rebuilding", "REBUILD"), ("active", "rebuild_block_device_mapping", "REBUILD"),
        ("active", "rebuild_spawning", "REBUILD"), ("active", None, "ACTIVE")]),
    # A stopped server is spawned, then powered off again (manager.py:4253-4260).
    ("stopped", "rebuild", {}, [
        ("stopped", "rebuilding", "REBUILD"), ("stopped", "rebuild_block_device_mapping", "REBUILD"),
        ("stopped", "rebuild_spawning", "REBUILD"), ("active", "powering-off", "ACTIVE"),
        ("stopped", None, "SHUTOFF")]),
    # evacuate needs the source host down (api.py:API.evacuate 5725-5730); ERROR ignores
    # target_state (manager.py:4080)
    ("error", "evacuate", {"host_up": False}, [
        ("error", "rebuilding", "REBUILD"), ("error", "rebuild_block_device_mapping", "REBUILD"),
        ("error", "rebuild_spawning", "REBUILD"), ("active", None, "ACTIVE")]),
    # before 2.95 no target_state: an active server is rebuilt active
    ("active", "evacuate", {"host_up": False, "microversion": "2.94"}, [
        ("active", "rebuilding", "REBUILD"), ("active", "rebuild_block_device_mapping", "REBUILD"),
        ("active", "rebuild_spawning", "REBUILD"), ("active", None, "ACTIVE")]),
    # from 2.95 target_state=stopped (evacuate.py:_evacuate; manager.py:4079-4086, 4253-4260)
    ("active", "evacuate", {"host_up": False, "microversion": "2.95"}, [
        ("active", "rebuilding", "REBUILD"), ("active", "rebuild_block_device_mapping", "REBUILD"),
        ("active", "rebuild_spawning", "REBUILD"), ("active", "powering-off", "ACTIVE"),
        ("stopped", None, "SHUTOFF")]),
    ("active", "resize", {}, [
        ("active", "resize_prep", "RESIZE"), ("active", "resize_migrating", "RESIZE"),
        ("active", "resize_migrated", "RESIZE"), ("active", "resize_finish", "RESIZE"),
        ("resized", None, "VERIFY_RESIZE")]),
    ("stopped", "migrate", {}, [
        ("stopped", "resize_prep", "RESIZE"), ("stopped", "resize_migrating", "RESIZE"),
        ("stopped", "resize_migrated", "RESIZE"), ("stopped", "resize_finish", "RESIZE"),
        ("resized", None, "VERIFY_RESIZE")]),
    ("paused", "live_migrate", {}, [("paused", "migrating", "MIGRATING"), ("paused", None, "PAUSED")]),
    ("active", "live_migrate", {}, [("active", "migrating", "MIGRATING"), ("active", None, "ACTIVE")]),
    # confirm sets no task_state (api.py:4112); power RUNNING -> active.
    ("resized", "confirm_resize", {}, [("active", None, "ACTIVE")]),
    ("resized", "revert_resize", {}, [("resized", "resize_reverting", "REVERT_RESIZE"), ("active", None, "ACTIVE")]),
    # shelve holds its task states under the original vm_state (7584-7613), offloads at once by default.
    ("active", "shelve", {}, [
        ("active", "shelving", "ACTIVE"), ("active", "shelving_image_pending_upload", "ACTIVE"),
        ("active", "shelving_image_uploading", "ACTIVE"), ("shelved", "shelving_offloading", "SHELVED"),
        ("shelved_offloaded", None, "SHELVED_OFFLOADED")]),
    ("stopped", "shelve", {"shelved_offload_time": -1}, [
        ("stopped", "shelving", "SHUTOFF"), ("stopped", "shelving_image_pending_upload", "SHUTOFF"),
        ("stopped", "shelving_image_uploading", "SHUTOFF"), ("shelved", None, "SHELVED")]),
    ("active", "shelve", {"shelved_offload_time": 3600}, [
        ("active", "shelving", "ACTIVE"), ("active", "shelving_image_pending_upload", "ACTIVE"),
        ("active", "shelving_image_uploading", "ACTIVE"), ("shelved", None, "SHELVED")]),
    # Volume-backed servers go from shelving straight to offloaded (api.py:4570-4581).
    ("active", "shelve", {"volume_backed": True}, [
        ("active", "shelving", "ACTIVE"), ("shelved_offloaded", None, "SHELVED_OFFLOADED")]),
    ("shelved", "shelve_offload", {}, [
        ("shelved", "shelving_offloading", "SHELVED"), ("shelved_offloaded", None, "SHELVED_OFFLOADED")]),
    # conductor/manager.py:1025-1028 vs manager.py:7772, 7860-7864
    ("shelved", "unshelve", {}, [
        ("shelved", "unshelving", "SHELVED"), ("shelved", "powering-on", "SHELVED"), ("active", None, "ACTIVE")]),
    ("shelved_offloaded", "unshelve", {}, [
        ("shelved_offloaded", "unshelving", "SHELVED_OFFLOADED"),
        ("shelved_offloaded", "spawning", "SHELVED_OFFLOADED"), ("active", None, "ACTIVE")]),
    ("active", "pause", {}, [("active", "pausing", "ACTIVE"), ("paused", None, "PAUSED")]),
    ("paused", "unpause", {}, [("paused", "unpausing", "PAUSED"), ("active", None, "ACTIVE")]),
    ("active", "suspend", {}, [("active", "suspending", "ACTIVE"), ("suspended", None, "SUSPENDED")]),
    ("suspended", "resume", {}, [("suspended", "resuming", "SUSPENDED"), ("active", None, "ACTIVE")]),
    ("error", "rescue", {}, [("error", "rescuing", "ERROR"), ("rescued", None, "RESCUE")]),
    ("rescued", "unrescue", {}, [("rescued", "unrescuing", "RESCUE"), ("active", None, "ACTIVE")]),
    ("error", "stop", {}, [("error", "powering-off", "ERROR"), ("stopped", None, "SHUTOFF")]),
    ("stopped", "start", {}, [("stopped", "powering-on", "SHUTOFF"), ("active", None, "ACTIVE")]),
    ("active", "delete", {}, [("active", "deleting", "ACTIVE"), ("deleted", None, "DELETED")]),
    ("active", "delete", {"reclaim_instance_interval": 60}, [
        ("active", "soft-deleting", "ACTIVE"), ("soft-delete", None, "SOFT_DELETED")]),
    # servers.py:_delete calls soft_delete first, which checks no vm_state: soft-deleted again
    ("soft-delete", "delete", {"reclaim_instance_interval": 60}, [
        ("soft-delete", "soft-deleting", "SOFT_DELETED"), ("soft-delete", None, "SOFT_DELETED")]),
    ("soft-delete", "force_delete", {"reclaim_instance_interval": 60}, [
        ("soft-delete", "deleting", "SOFT_DELETED"), ("deleted", None, "DELETED")]),
    ("soft-delete", "restore", {}, [("soft-delete", "restoring", "SOFT_DELETED"), ("active", None, "ACTIVE")]),
    ("paused", "force_delete", {"reclaim_instance_interval": 60}, [
        ("paused", "deleting", "PAUSED"), ("deleted", None, "DELETED")]),
    ("active", "create_image", {}, [
        ("active", "image_snapshot_pending", "ACTIVE"), ("active", "image_snapshot", "ACTIVE"),
        ("active", "image_pending_upload", "ACTIVE"), ("active", "image_uploading", "ACTIVE"),
        ("active", None, "ACTIVE")]),
    # A volume-backed snapshot sets no task_state at all (api.py:3498).
    ("stopped", "create_image", {"volume_backed": True}, [("stopped", None, "SHUTOFF")]),
    ("suspended", "create_backup", {}, [
        ("suspended", "image_backup", "SUSPENDED"), ("suspended", "image_pending_upload", "SUSPENDED"),
        ("suspended", "image_uploading", "SUSPENDED"), ("suspended", None, "SUSPENDED")]),
    ("active", "change_password", {}, [("active", "updating_password", "PASSWORD"), ("active", None, "ACTIVE")]),
    ("resized", "trigger_crash_dump", {}, [("resized", None, "VERIFY_RESIZE")]),
    # Requests that set no task (api.py: attach_volume 5200, detach_volume 5303, swap_volume 5358,
    # attach/detach_interface 5470/5508, update/delete metadata 5541/5533): the server stays put.
    ("shelved_offloaded", "attach_volume", {}, [("shelved_offloaded", None, "SHELVED_OFFLOADED")]),
    ("soft-delete", "detach_volume", {}, [("soft-delete", None, "SOFT_DELETED")]),
    ("resized", "swap_volume", {}, [("resized", None, "VERIFY_RESIZE")]),
    ("stopped", "attach_interface", {}, [("stopped", None, "SHUTOFF")]),
    ("paused", "detach_interface", {}, [("paused", None, "PAUSED")]),
    ("suspended", "update_metadata", {}, [("suspended", None, "SUSPENDED")]),
    ("active/rebooting", "delete_metadata", {}, [  # task_state=None: any task, and the reboot goes on
        ("active", "rebooting", "REBOOT"), ("active", "reboot_pending", "REBOOT"),
        ("active", "reboot_started", "REBOOT"), ("active", None, "ACTIVE")]),
    # force-complete and abort act on the running migration; its task goes on (api.py:5629, 5660)
    ("active/migrating", "live_migrate_force_complete", {}, [("active", "migrating", "MIGRATING"),
                                                             ("active", None, "ACTIVE")]),
    ("paused/migrating", "live_migrate_abort", {}, [("paused", "migrating", "MIGRATING"), ("paused", None, "PAUSED")]),
    # manager.py:power_update sets powering-on/off, then the driver's power_update_event ends it
    ("stopped", "power_update_on", {}, [("stopped", "powering-on", "SHUTOFF"), ("active", None, "ACTIVE")]),
    ("active", "power_update_off", {}, [("active", "powering-off", "ACTIVE"), ("stopped", None, "SHUTOFF")]),
    # api.py:API.force_stop (no check), called by the power sync for a paused guest that shut down
    ("paused", "force_stop", {}, [("paused", "powering-off", "PAUSED"), ("stopped", None, "SHUTOFF")]),
    # admin_actions.py:_reset_state: vm_state forced, task None, from anywhere
    ("building/spawning", "reset_active", {}, [("active", None, "ACTIVE")]),
    ("active/rebooting", "reset_error", {}, [("error", None, "ERROR")]),
]  # fmt: skip


def _walk(server: Server, operation: str) -> list[tuple[str, str | None, str]]:
    seen = []
    server.perform(operation)
    while True:
        assert server.vm_state is not None
        assert server.status is not None
        seen.append((server.vm_state.value, server.task_state and server.task_state.value, server.status.value))
        if not server.busy:
            return seen
        server.advance()


@pytest.mark.parametrize(
    ("start", "operation", "settings", "expected"),
    WALKS,
    ids=[f"{w[0]}-{w[1]}{'-' + '-'.join(f'{k}={v}' for k, v in w[2].items()) if w[2] else ''}" for w in WALKS],
)
def test_task_steps(start: str | None, operation: str, settings: dict[str, int], expected: list[object]) -> None:
    """The operation walks exactly Nova's task_state steps and ends where Nova ends."""
    assert _walk(Server(*(start.split("/") if start else [None]), **settings), operation) == expected


def test_every_nova_operation_has_a_walk() -> None:
    """The walks above cover every operation of the nova dialect."""
    from lifecycle.model.dialects import nova

    assert {op.name for op in nova.OPERATIONS} == {w[1] for w in WALKS} | {"hard_reboot"}


@pytest.mark.parametrize(("start", "end"), [("active", "active"), ("stopped", "stopped")])
def test_resize_confirm_returns_to_the_starting_power(start: str, end: str) -> None:
    """A stopped server that is resized stays off and confirms back to stopped (manager.py:5477-5490)."""
    srv = Server(start)
    srv.resize()
    srv.settle()
    assert srv.status is Status.VERIFY_RESIZE
    srv.confirm_resize()
    assert srv.vm_state == end
    assert srv.power_state is (PowerState.RUNNING if end == "active" else PowerState.SHUTDOWN)


def test_revert_of_a_stopped_resize_powers_off_again() -> None:
    """Revert of a resize that started stopped passes through powering-off and ends stopped (6117-6141)."""
    srv = Server("stopped")
    srv.resize()
    srv.settle()
    assert _walk(srv, "revert_resize") == [
        ("resized", "resize_reverting", "REVERT_RESIZE"),
        ("resized", "powering-off", "VERIFY_RESIZE"),
        ("stopped", None, "SHUTOFF"),
    ]


def test_build_sets_power_and_launched() -> None:
    """A finished build is RUNNING and launched; before that, operations needing launched_at are refused."""
    srv = Server()
    assert srv.status is None
    srv.create()
    assert srv.power_state is PowerState.NOSTATE
    assert not srv.launched
    srv.settle()
    assert srv.power_state is PowerState.RUNNING
    assert srv.launched


def test_delete_without_a_host_is_immediate() -> None:
    """A server still scheduling, or offloaded, has no host: the API deletes it locally.

    _delete_while_booting removes the BuildRequest at once; an offloaded server
    is first saved with task deleting (api.py:_delete, instance.update before
    _local_delete), the transient shelved_offloaded/deleting pair.
    """
    srv = Server("building", "scheduling")
    srv.delete()
    assert srv.status is Status.DELETED
    assert not srv.busy
    offloaded = Server("shelved_offloaded")
    offloaded.delete()
    assert offloaded.state == "shelved_offloaded.deleting"
    offloaded.settle()
    assert offloaded.status is Status.DELETED
    hosted = Server("building", "networking")
    hosted.delete()
    assert hosted.task_state == "deleting"


def test_soft_delete_falls_back_to_hard_delete_for_a_server_that_never_ran() -> None:
    """With reclaim_instance_interval set, a never-launched server is still deleted for good (servers.py:_delete)."""
    srv = Server("error", launched=False, reclaim_instance_interval=60)
    srv.delete()
    srv.settle()
    assert srv.status is Status.DELETED
    ran = Server("error", reclaim_instance_interval=60)
    ran.delete()
    ran.settle()
    assert ran.status is Status.SOFT_DELETED


def test_a_negative_reclaim_interval_means_soft_delete() -> None:
    """servers.py:_delete tests ``if CONF.reclaim_instance_interval``: a negative value is truthy, so soft delete."""
    srv = Server("active", reclaim_instance_interval=-5)
    srv.delete()
    srv.settle()
    assert srv.status is Status.SOFT_DELETED
    assert not Server("active").may("restore")
    srv.restore()  # and the reclaim job never runs for it (manager.py:_reclaim_queued_deletes: interval <= 0 returns)


# The power_state each route leaves, transcribed from nova/compute/manager.py at
# 00a030403f (what _get_power_state reads once the handler is done; libvirt's
# values: a managed-saved suspend reads SHUTDOWN): (start, operation, settings) -> power.
END_POWER = [
    (None, "create", {}, PowerState.RUNNING),  # _build_and_run_instance, after spawn
    ("active", "reboot", {}, PowerState.RUNNING),  # reboot_instance
    ("stopped", "hard_reboot", {}, PowerState.RUNNING),
    ("active", "rebuild", {}, PowerState.RUNNING),  # _do_rebuild_instance
    ("stopped", "rebuild", {}, PowerState.SHUTDOWN),  # ... then stop_instance (4253-4260)
    ("active", "resize", {}, PowerState.RUNNING),  # finish_resize powers on
    ("stopped", "resize", {}, PowerState.SHUTDOWN),  # finish_resize leaves it off (old_vm_state stopped)
    ("active", "shelve", {}, PowerState.SHUTDOWN),  # _shelve_offload_instance reads it after power off
    ("active", "shelve", {"shelved_offload_time": -1}, PowerState.SHUTDOWN),  # _shelve_instance
    ("shelved_offloaded", "unshelve", {}, PowerState.RUNNING),  # _unshelve_instance spawns
    ("active", "pause", {}, PowerState.PAUSED),  # pause_instance
    ("paused", "unpause", {}, PowerState.RUNNING),
    ("active", "suspend", {}, PowerState.SHUTDOWN),  # suspend_instance (libvirt managedSave: shut off)
    ("suspended", "resume", {}, PowerState.RUNNING),
    ("stopped", "rescue", {}, PowerState.RUNNING),  # rescue_instance boots the rescue image
    ("rescued", "unrescue", {}, PowerState.RUNNING),
    ("active", "stop", {}, PowerState.SHUTDOWN),  # stop_instance
    ("stopped", "start", {}, PowerState.RUNNING),  # start_instance
    ("active", "delete", {}, PowerState.NOSTATE),  # _delete_instance: power_state NOSTATE
    ("active", "delete", {"reclaim_instance_interval": 60}, PowerState.SHUTDOWN),  # soft_delete_instance
    ("soft-delete", "restore", {}, PowerState.RUNNING),  # restore_instance powers on
    ("active", "evacuate", {"host_up": False, "microversion": "2.95"}, PowerState.SHUTDOWN),
]


@pytest.mark.parametrize(("start", "operation", "settings", "power"), END_POWER)
def test_end_power_state(start: str | None, operation: str, settings: dict[str, object], power: PowerState) -> None:
    """Each route ends with the power_state Nova's handler leaves."""
    srv = Server(start, **settings)
    srv.perform(operation)
    srv.settle()
    assert srv.power_state is power
