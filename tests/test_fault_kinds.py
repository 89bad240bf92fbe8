"""Named failure kinds end where Nova's code leaves the server (expected values from Nova, cited).

nova/conductor/manager.py and nova/compute/manager.py at 00a030403f; independent of
lifecycle/model/dialects/nova.py.
"""

from __future__ import annotations

import pytest

from lifecycle import Fleet, Server, check
from lifecycle.errors import UnknownNameError


@pytest.mark.parametrize(
    ("start", "operation", "kind", "settings", "end"),
    [
        # schedule_and_build_instances: NoValidHost -> vm_state error
        (None, "create", "NoValidHost", {}, "error"),
        # _cold_migrate 400-414: vm_state kept, task None
        ("active", "resize", "no_valid_host", {}, "active"),
        ("stopped", "migrate", "no_valid_host", {}, "stopped"),
        # _live_migrate: _set_vm_state(instance.vm_state)
        ("paused", "live_migrate", "no_valid_host", {}, "paused"),
        # unshelve_instance 1149-1155: task None, still offloaded
        ("shelved_offloaded", "unshelve", "no_valid_host", {}, "shelved_offloaded"),
        # rebuild_instance 1349-1373: vm_state error
        ("stopped", "rebuild", "no_valid_host", {}, "error"),
        # prep_resize: InstanceFaultRollback -> _error_out_instance_on_exception(instance_state=old)
        ("stopped", "resize", "InstanceFaultRollback", {}, "stopped"),
        # reboot_instance 4508-4524: guest RUNNING, error swallowed -> active
        ("active", "reboot", "guest_running", {}, "active"),
        ("active", "hard_reboot", "guest_running", {}, "active"),
    ],
)
def test_fault_kind_outcomes(
    start: str | None, operation: str, kind: str, settings: dict[str, object], end: str
) -> None:
    """The kind strikes at its task and leaves Nova's vm_state with the task cleared."""
    fleet = Fleet(**settings)
    fleet.inject_failure(operation, fault=kind)
    srv = fleet.create() if start is None else fleet.create(vm_state=start)
    if start is not None:
        srv.perform(operation)
    fleet.run_until_idle()
    assert (srv.vm_state and srv.vm_state.value, srv.task_state) == (end, None)
    assert srv.fault is not None


def test_rebuild_of_a_stopped_server_whose_final_stop_fails_is_error() -> None:
    """rebuild_instance's _error_out_instance_on_exception sees stop_instance's error (manager.py:4253-4260)."""
    srv = Server("stopped")
    srv.rebuild()
    for _ in range(3):
        srv.advance()
    assert srv.state == "active.powering-off"
    srv.fail("final_stop")
    assert srv.state == "error"


def test_build_reschedules_until_max_attempts() -> None:
    """RescheduledException sends the build back to scheduling; after max_attempts hosts, MaxRetriesExceeded."""
    for attempts in (1, 3):
        srv = Server(max_attempts=attempts)
        srv.create()
        for n in range(1, attempts + 1):
            while srv.task_state is None or srv.task_state.value != "spawning":
                srv.advance()
            srv.fail("reschedule")
            if n < attempts:
                assert srv.state == "building.scheduling"
        assert srv.state == "error"
        assert srv.fault is not None
        assert srv.fault.exception == "MaxRetriesExceeded"
    once = ["advance"] * 4 + ["fail:reschedule"]
    assert check(["create", *once], settle=False).end.task_state.value == "scheduling"
    assert check(["create", *once * 3], settle=False).end.vm_state.value == "error"


def test_unknown_kind_names_the_choices() -> None:
    """A kind no operation declares is refused with the valid ones."""
    srv = Server("active")
    srv.reboot()
    with pytest.raises(UnknownNameError, match="guest_running"):
        srv.fail("no_such_thing")


def test_microversion_refusals() -> None:
    """Refused whatever the state: 2.17 crash dump (404), volume-backed rescue before 2.87, backup always."""
    assert not Server("active", microversion="2.16").may("trigger_crash_dump")
    assert Server("active", microversion="2.17").may("trigger_crash_dump")
    assert not Server("active", volume_backed=True, microversion="2.86").may("rescue")
    assert Server("active", volume_backed=True, microversion="2.87").may("rescue")
    assert not Server("active", volume_backed=True, microversion="2.92").may("rebuild")
    assert Server("active", volume_backed=True, microversion="2.93").may("rebuild")
    assert not Server("active", volume_backed=True).may("create_backup")
    assert not check(["trigger_crash_dump"], start="ACTIVE", microversion="2.16").ok


@pytest.mark.parametrize(("times", "status", "attempts"), [(1, "ACTIVE", 1), (2, "ACTIVE", 2), (None, "ERROR", 2)])
def test_fleet_reschedules_each_attempt(times: int | None, status: str, attempts: int) -> None:
    """Each reschedule is a new build attempt a fault rule can fail again; the third is MaxRetriesExceeded."""
    fleet = Fleet()
    fleet.inject_failure("create", fault="RescheduledException", times=times)
    srv = fleet.create()
    fleet.run_until_idle()
    assert srv.status is not None
    assert (srv.status.value, srv.attempts) == (status, attempts)
