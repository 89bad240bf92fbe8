"""Nova's periodic jobs change servers on their own: offload, reclaim, auto-confirm, power-state sync."""

from __future__ import annotations

import pytest

from lifecycle import Fleet, InvalidStateError, Status
from lifecycle.simulate.periodic import JOBS


def test_shelved_server_is_offloaded_after_shelved_offload_time() -> None:
    """With shelved_offload_time=600 a shelve ends SHELVED, and the offload runs 600 s later."""
    fleet = Fleet(shelved_offload_time=600)
    srv = fleet.create(vm_state="active")
    srv.shelve()
    shelved_at = fleet.run_until_idle()
    assert srv.status is Status.SHELVED
    fleet.clock.advance(599)
    assert srv.status is Status.SHELVED
    fleet.clock.advance(1)
    assert srv.task_state == "shelving_offloading"
    fleet.run_until_idle()
    assert srv.status is Status.SHELVED_OFFLOADED
    offload = [e for e in fleet.events if e.kind == "periodic"]
    assert [(e.time, e.operation) for e in offload] == [(shelved_at + 600, "shelve_offload")]


def test_no_offload_when_disabled_or_when_the_server_moved_on() -> None:
    """shelved_offload_time=-1 never offloads; an unshelve before the deadline cancels the job."""
    never = Fleet(shelved_offload_time=-1)
    kept = never.create(vm_state="shelved")
    never.clock.advance(10**6)
    assert kept.status is Status.SHELVED
    fleet = Fleet(shelved_offload_time=600)
    srv = fleet.create(vm_state="shelved")
    fleet.clock.advance(100)
    srv.unshelve()
    fleet.clock.advance(10**4)
    assert srv.status is Status.ACTIVE
    assert not [e for e in fleet.events if e.kind == "periodic"]


def test_soft_deleted_server_is_reclaimed_after_the_interval() -> None:
    """With reclaim_instance_interval=3600 a delete is soft; the server is gone 3600 s later unless restored."""
    fleet = Fleet(reclaim_instance_interval=3600)
    doomed, saved = fleet.create_many(2, vm_state="active")
    fleet.apply("delete")
    fleet.run_until_idle()
    assert fleet.status_counts() == {"SOFT_DELETED": 2}
    saved.restore()
    fleet.run_until_idle(periodic=True)
    assert doomed.status is Status.DELETED
    assert saved.status is Status.ACTIVE
    assert [e.operation for e in fleet.events if e.kind == "periodic"] == ["force_delete"]


def test_resize_is_confirmed_after_the_window() -> None:
    """With resize_confirm_window=60 a resized server is confirmed 60 s after it reached VERIFY_RESIZE."""
    fleet = Fleet(resize_confirm_window=60)
    srv = fleet.create(vm_state="stopped")
    srv.resize()
    done = fleet.run_until_idle()
    fleet.clock.advance(59.5)
    assert srv.status is Status.VERIFY_RESIZE
    fleet.clock.advance(0.5)
    assert srv.status is Status.SHUTOFF  # confirm follows the power state: a stopped server stays off
    assert fleet.events[-1].time == done + 60


def test_locked_servers_are_still_acted_on() -> None:
    """Periodic jobs run with an admin context: the lock does not stop them."""
    fleet = Fleet(resize_confirm_window=60)
    srv = fleet.create(vm_state="resized", locked=True)
    fleet.clock.advance(60)
    assert srv.status is Status.ACTIVE


def test_guest_shutdown_stops_the_server_at_the_next_power_sync() -> None:
    """A guest that powers itself off shows ACTIVE with power 4 until the sync (every 600 s) stops it."""
    fleet = Fleet()
    srv = fleet.create(vm_state="active")
    fleet.clock.advance(250)
    fleet.guest_shutdown(srv)
    assert (srv.status, int(srv.power_state)) == (Status.ACTIVE, 4)
    fleet.clock.advance(349)
    assert srv.status is Status.ACTIVE
    fleet.clock.advance(1)
    assert srv.task_state == "powering-off"
    fleet.run_until_idle()
    assert srv.status is Status.SHUTOFF
    assert [(e.time, e.kind) for e in fleet.events][1:3] == [(250.0, "guest"), (600.0, "periodic")]
    with pytest.raises(InvalidStateError, match="no running guest"):
        fleet.guest_shutdown(srv)


def test_power_sync_waits_for_a_running_task() -> None:
    """A guest crash during a snapshot is acted on only after the task ends (the sync skips busy servers)."""
    fleet = Fleet(sync_power_state_interval=60)
    srv = fleet.create(vm_state="active")
    srv.create_image()
    fleet.guest_shutdown(srv, crashed=True)
    fleet.clock.advance(61)
    assert srv.task_state == "image_uploading"  # still snapshotting: 2 + 15 + 3 + 60 s
    fleet.run_until_idle(periodic=True)
    assert srv.status is Status.SHUTOFF
    assert next(e.time for e in fleet.events if e.kind == "periodic") == 120.0


def test_a_user_fixing_the_guest_first_cancels_the_sync() -> None:
    """A reboot before the sync brings power back; the sync then has nothing to do."""
    fleet = Fleet()
    srv = fleet.create(vm_state="active")
    fleet.guest_shutdown(srv)
    srv.hard_reboot()
    fleet.run_until_idle(periodic=True)
    assert srv.status is Status.ACTIVE
    assert not [e for e in fleet.events if e.kind == "periodic"]


def test_every_job_is_declared_once_per_vm_state() -> None:
    """The job table maps each watched vm_state to one job (the lookup relies on it)."""
    assert len({job.vm_state for job in JOBS}) == len(JOBS) == 6
