"""Injected failures: which runs fail, at which step, and where each operation leaves the server."""

from __future__ import annotations

import pytest

from lifecycle import Fleet, Status, UnknownOperationError, UnknownStateError, VmState
from lifecycle.model.dialects import nova


def test_next_run_fails_once_then_runs_succeed() -> None:
    """times=1 (default): the next run of the operation fails, the one after succeeds."""
    fleet = Fleet()
    srv = fleet.create(vm_state="active")
    rule = fleet.inject_failure("reboot")
    srv.reboot()
    fleet.run_until_idle()
    assert srv.status is Status.ERROR
    assert rule.fired == 1
    assert rule.exhausted
    srv.hard_reboot()
    fleet.run_until_idle()
    srv.reboot()
    fleet.run_until_idle()
    assert srv.status is Status.ACTIVE


def test_every_run_fails_with_times_none() -> None:
    """times=None fails every matching run on every server."""
    fleet = Fleet()
    servers = fleet.create_many(5, vm_state="active")
    rule = fleet.inject_failure("stop", times=None)
    fleet.apply("stop", servers)
    fleet.run_until_idle()
    assert rule.fired == 5
    # stop is reverts_task_state in Nova: the task is cleared, vm_state unchanged.
    assert fleet.status_counts() == {"ACTIVE": 5}
    assert {e.kind for e in fleet.events if e.operation == "stop"} == {"request", "failure"}


def test_failure_at_a_step_index_or_task_name() -> None:
    """at_step picks where the run fails: by index from the first task, or by task_state name."""
    fleet = Fleet()
    a, b = fleet.create_many(2, vm_state="active")
    fleet.inject_failure("resize", server=a, at_step=2)
    fleet.inject_failure("resize", server=b, at_step="resize_finish")
    fleet.apply("resize")
    fleet.run_until_idle()
    failed_in = {e.server_id: e.before for e in fleet.events if e.kind == "failure"}
    assert failed_in == {a.id: (VmState.ACTIVE, "resize_migrated"), b.id: (VmState.ACTIVE, "resize_finish")}
    assert a.status is b.status is Status.ERROR
    # The failing step still took its time: resize_prep 5 + migrating 45 + migrated 5.
    assert next(e.time for e in fleet.events if e.kind == "failure" and e.server_id == a.id) == 55.0


def test_a_step_past_the_end_fails_at_the_last_step() -> None:
    """A run shorter than at_step fails at its last step rather than not at all."""
    fleet = Fleet()
    srv = fleet.create(vm_state="active")
    fleet.inject_failure("pause", at_step=7)
    srv.pause()
    fleet.run_until_idle()
    assert srv.status is Status.ACTIVE  # pause is reverts_task_state
    assert [e.kind for e in fleet.events][-1] == "failure"


def test_only_the_named_server_fails() -> None:
    """server= limits the rule to one server's runs."""
    fleet = Fleet()
    a, b = fleet.create_many(2, vm_state="active")
    fleet.inject_failure("reboot", server=b.id, times=None)
    fleet.apply("reboot")
    fleet.run_until_idle()
    assert (a.status, b.status) == (Status.ACTIVE, Status.ERROR)


def test_probability_is_seeded_and_near_its_rate() -> None:
    """probability= fails each run with that chance from the fleet's seed: same seed, same victims."""

    def victims(seed: int) -> list[str]:
        fleet = Fleet(seed=seed)
        servers = fleet.create_many(400, vm_state="active")
        fleet.inject_failure("reboot", probability=0.25, times=None)
        fleet.apply("reboot", servers)
        fleet.run_until_idle()
        return [s.id for s in fleet.servers(status="ERROR")]

    first = victims(11)
    assert first == victims(11)
    assert first != victims(12)
    assert 60 <= len(first) <= 140


def test_a_failing_create_leaves_the_server_in_error() -> None:
    """Faults also hit runs started by create(): a failed build ends ERROR, never launched."""
    fleet = Fleet()
    fleet.inject_failure("create", at_step="spawning")
    srv = fleet.create()
    fleet.run_until_idle()
    assert srv.status is Status.ERROR
    assert not srv.launched


# Where the generic failure of each operation's task leaves the server, transcribed
# from nova/compute/manager.py at 00a030403f (not from the dialect): "error" for
# handlers wrapped in _error_out_instance_on_exception (or setting ERROR
# themselves), "revert" for reverts_task_state only (task cleared, vm_state kept).
GENERIC_FAILURE = {
    "create": "error",  # _build_and_run_instance -> _set_instance_obj_error_state
    "reboot": "error",  # reboot_instance 4525-4535 (guest not running)
    "hard_reboot": "error",  # reboot_instance
    "rebuild": "error",  # rebuild_instance: _error_out_instance_on_exception
    "evacuate": "error",  # rebuild_instance (recreate)
    "resize": "error",  # prep_resize / resize_instance / finish_resize
    "migrate": "error",  # same handlers as resize
    "live_migrate": "revert",  # conductor _live_migrate pre-checks: vm_state kept
    "revert_resize": "error",  # revert_resize / finish_revert_resize
    "shelve": "revert",  # shelve_instance: reverts_task_state
    "shelve_offload": "revert",  # shelve_offload_instance
    "unshelve": "revert",  # conductor unshelve_instance: task None
    "pause": "revert",  # pause_instance
    "unpause": "revert",  # unpause_instance
    "suspend": "error",  # suspend_instance: _error_out_instance_on_exception
    "resume": "error",  # resume_instance: _error_out_instance_on_exception
    "rescue": "error",  # rescue_instance: vm_state error on driver failure
    "unrescue": "error",  # unrescue_instance: _error_out_instance_on_exception
    "stop": "revert",  # stop_instance
    "start": "revert",  # start_instance
    "delete": "error",  # terminate_instance -> _delete_instance sets error
    "force_delete": "error",  # terminate_instance
    "restore": "revert",  # restore_instance
    "create_image": "revert",  # snapshot_instance
    "create_backup": "revert",  # backup_instance
    "change_password": "revert",  # set_admin_password
    "power_update_on": "revert",  # power_update: reverts_task_state
    "power_update_off": "revert",  # power_update
    "force_stop": "revert",  # stop_instance
}


def test_the_failure_table_covers_every_operation_with_a_task() -> None:
    """Every operation that runs a task has a transcribed failure outcome."""
    assert {op.name for op in nova.OPERATIONS if any(len(r.steps) > 1 for r in op.routes)} == set(GENERIC_FAILURE)


@pytest.mark.parametrize("name", sorted(GENERIC_FAILURE))
def test_each_operation_fails_where_nova_leaves_it(name: str) -> None:
    """Per operation: ERROR for _error_out_instance_on_exception handlers, task cleared otherwise."""
    op = next(o for o in nova.OPERATIONS if o.name == name)
    starts = {
        "create": None,
        "unshelve": "shelved_offloaded",
        "shelve_offload": "shelved",
        "resume": "suspended",
        "unpause": "paused",
        "unrescue": "rescued",
        "revert_resize": "resized",
        "restore": "soft-delete",
        "start": "stopped",
        "power_update_on": "stopped",
        "force_stop": "paused",
    }
    vm = starts.get(op.name, "active")
    fleet = Fleet(reclaim_instance_interval=3600 if op.name == "restore" else 0, host_up=op.name != "evacuate")
    fleet.inject_failure(op.name)
    srv = fleet.create(vm_state=vm) if vm else fleet.create()
    if vm:
        srv.perform(op.name)
    fleet.run_until_idle()
    failed = next(e for e in fleet.events if e.kind == "failure")
    assert failed.before is not None
    assert failed.after == ((VmState.ERROR if GENERIC_FAILURE[name] == "error" else failed.before[0]), None)
    assert (srv.vm_state, srv.task_state) == failed.after


def test_bad_injections_are_refused_with_the_choices() -> None:
    """Unknown operations, tasks the operation never runs, and instant operations cannot be injected."""
    fleet = Fleet()
    with pytest.raises(UnknownOperationError):
        fleet.inject_failure("rebot")
    with pytest.raises(UnknownStateError, match="reboot_started"):
        fleet.inject_failure("reboot", at_step="spawning")
    with pytest.raises(ValueError, match="completes at once"):
        fleet.inject_failure("confirm_resize")
    with pytest.raises(ValueError, match="probability"):
        fleet.inject_failure("reboot", probability=1.5)
    with pytest.raises(ValueError, match="times"):
        fleet.inject_failure("reboot", times=0)


def test_clearing_rules_stops_new_failures() -> None:
    """faults.clear() drops the rules: runs that start afterwards succeed."""
    fleet = Fleet()
    srv = fleet.create(vm_state="active")
    fleet.inject_failure("reboot", times=None)
    fleet.faults.clear()
    srv.reboot()
    fleet.run_until_idle()
    assert srv.status is Status.ACTIVE


@pytest.mark.parametrize(
    "kwargs",
    [{"at_step": [1]}, {"at_step": 1.5}, {"times": "x"}, {"times": 1.5}, {"probability": "x"}, {"probability": True}],
    ids=str,
)
def test_bad_fault_arguments_name_the_value(kwargs: dict[str, object]) -> None:
    """inject_failure refuses mistyped arguments with a ValueError naming the value, never a bare TypeError."""
    fleet = Fleet()
    with pytest.raises(ValueError, match="got"):
        fleet.inject_failure("reboot", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [None, 5])
def test_get_with_a_non_string_key_is_not_found(key: object) -> None:
    """fleet.get(None) / get(5) raise ServerNotFoundError naming the value and its type."""
    from lifecycle import ServerNotFoundError

    with pytest.raises(ServerNotFoundError, match="ids and names are strings"):
        Fleet().get(key)  # type: ignore[arg-type]
