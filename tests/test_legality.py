"""Operations are legal exactly where Nova's API accepts them, and refused with Nova's 409 wording.

ACCEPTS is transcribed from the @check_instance_state decorators of
nova/compute/api.py at 00a030403f (shared/reference/nova-lifecycle.md section 3),
independently of lifecycle/model/dialects/nova.py.
"""

from __future__ import annotations

import pytest

import lifecycle
from lifecycle import InstanceLockedError, InvalidStateError, Server, Settings, UnknownStateError
from lifecycle.errors import UnknownOperationError
from lifecycle.model.blueprint import NEW, pair_name, profiles
from lifecycle.model.table import table_for

ANY = None
NO_TASK = {None}
ALLOW_REBOOT = {None, "rebooting", "reboot_pending", "reboot_started", "resuming", "rebooting_hard",
                "unpausing", "pausing", "suspending"}  # fmt: skip
LIVE = {"active", "building", "paused", "suspended", "stopped", "rescued", "resized", "soft-delete", "error",
        "shelved", "shelved_offloaded"}  # fmt: skip
VOLUME = {"active", "paused", "stopped", "resized", "soft-delete", "shelved", "shelved_offloaded"}
# operation: (vm_states, task_states, must_have_launched, checks_lock)
ACCEPTS: dict[str, tuple[set[str] | None, set[str | None] | None, bool, bool]] = {
    "reboot": ({"active"}, NO_TASK, True, True),  # api.py:3647
    "hard_reboot": ({"active", "stopped", "paused", "suspended", "error"}, ALLOW_REBOOT, True, True),  # 3660
    "rebuild": ({"active", "stopped", "error"}, NO_TASK, True, True),  # 3683
    "evacuate": ({"active", "stopped", "error"}, ANY, True, False),  # 5707
    "resize": ({"active", "stopped"}, NO_TASK, True, True),  # 4290
    "migrate": ({"active", "stopped"}, NO_TASK, True, True),  # 4290
    "confirm_resize": ({"resized"}, NO_TASK, True, True),  # 4112
    "revert_resize": ({"resized"}, NO_TASK, True, True),  # 4001
    "shelve": ({"active", "stopped", "paused", "suspended"}, NO_TASK, True, True),  # 4545
    "shelve_offload": ({"shelved"}, NO_TASK, True, True),  # 4585
    "unshelve": ({"shelved", "shelved_offloaded"}, NO_TASK, True, True),  # 4705
    "pause": ({"active"}, NO_TASK, True, True),  # 4826
    "unpause": ({"paused"}, NO_TASK, True, True),  # 4835
    "suspend": ({"active"}, NO_TASK, True, True),  # 4862
    "resume": ({"suspended"}, NO_TASK, True, True),  # 4874
    "rescue": ({"active", "stopped", "error"}, NO_TASK, True, True),  # 4884
    "unrescue": ({"rescued"}, NO_TASK, True, True),  # 4949
    "stop": ({"active", "error"}, NO_TASK, True, True),  # 2868
    "start": ({"stopped"}, NO_TASK, True, True),  # 2875
    "delete": (LIVE, ANY, False, True),  # 2807
    "force_delete": (LIVE, ANY, False, True),  # 2847
    "restore": ({"soft-delete"}, NO_TASK, True, True),  # 2815
    "create_image": ({"active", "stopped", "paused", "suspended"}, NO_TASK, True, False),  # 3441
    "create_backup": ({"active", "stopped", "paused", "suspended"}, NO_TASK, True, False),  # 3400
    "change_password": ({"active"}, NO_TASK, True, True),  # 4960
    "live_migrate": ({"active", "paused"}, NO_TASK, True, True),  # 5575
    "trigger_crash_dump": ({"active", "paused", "rescued", "resized", "error"}, NO_TASK, True, True),  # 2888
    "attach_volume": (VOLUME, NO_TASK, True, True),  # 5200
    "detach_volume": (VOLUME, NO_TASK, True, True),  # 5303
    "swap_volume": ({"active", "paused", "resized"}, NO_TASK, True, True),  # 5358
    "attach_interface": ({"active", "paused", "stopped"}, NO_TASK, True, True),  # 5470
    "detach_interface": ({"active", "paused", "stopped"}, NO_TASK, True, True),  # 5508
    "update_metadata": ({"active", "paused", "suspended", "stopped"}, ANY, True, True),  # 5541
    "delete_metadata": ({"active", "paused", "suspended", "stopped"}, ANY, True, True),  # 5533
    "live_migrate_force_complete": ({"active"}, {"migrating"}, True, True),  # 5629
    "live_migrate_abort": (None, {"migrating"}, True, True),  # 5660 (vm_state not checked)
    # manager.py:_is_state_valid_for_power_update_event (11876-11884); an external event, no lock
    "power_update_on": ({"stopped"}, NO_TASK, False, False),
    "power_update_off": ({"active"}, NO_TASK, False, False),
    # api.py:API.force_stop (2854): no decorator, save(expected_task_state=[None]); only the power sync
    # calls it, for STOPPED and PAUSED servers (manager.py:11339-11370)
    "force_stop": ({"stopped", "paused"}, NO_TASK, False, False),
    # admin_actions.py:_reset_state (67-90): no state check, no lock check
    "reset_active": (LIVE, ANY, False, False),
    "reset_error": (LIVE, ANY, False, False),
}


def _refused_by_settings(op: str, settings: Settings) -> bool:
    """Refusals Nova makes whatever the state, transcribed from its code (not from the dialect)."""
    mv = tuple(int(x) for x in settings.microversion.split("."))
    return (
        (op == "evacuate" and settings.host_up)  # api.py:API.evacuate 5725-5730 ComputeServiceInUse
        or (op == "trigger_crash_dump" and mv < (2, 17))  # servers.py @api_version("2.17")
        or (op == "rescue" and settings.volume_backed and mv < (2, 87))  # api.py:API.rescue 4934
        or (op == "create_backup" and settings.volume_backed)  # api.py:API.backup 3417
        or (op == "rebuild" and settings.volume_backed and mv < (2, 93))  # api.py:API.rebuild 3770
        or (op in ("resize", "migrate") and not settings.host_up)  # check_instance_host(check_is_up=True) 4291
    )


def _nova_accepts(op: str, vm: str | None, task: str | None, launched: bool, settings: Settings | None = None) -> bool:
    if op == "create":
        return vm is None
    if _refused_by_settings(op, settings or Settings()):
        return False
    vms, tasks, needs_launch, _ = ACCEPTS[op]
    return vm in (vms or LIVE) and (tasks is None or task in tasks) and (launched or not needs_launch)


def _reachable_nodes(settings: Settings) -> list[tuple[str | None, str | None, lifecycle.PowerState, bool]]:
    table = table_for("nova", settings)
    starts = [table.node_for(p) for p in table.blueprint.pairs]
    starts.append(table.node_for((lifecycle.VmState.ERROR, None), launched=False))
    return [
        (vm and vm.value, task and task.value, power, launched)
        for vm, task, power, launched in (table.nodes[n] for n in table.explore(starts))
    ]


@pytest.mark.parametrize("settings", profiles(), ids=lambda s: ",".join(f"{k}={v}" for k, v in s.as_dict().items()))
def test_legality_of_every_operation_in_every_reachable_state(settings: Settings) -> None:
    """In every reachable state, the machine accepts an operation iff Nova's precondition does."""
    nodes = _reachable_nodes(settings)
    assert len(nodes) > 100
    wrong = []
    for vm, task, power, launched in nodes:
        srv = Server(vm, task, power, launched=launched, settings=settings)
        for op in [*ACCEPTS, "create"]:
            if srv.may(op) != _nova_accepts(op, vm, task, launched, settings):
                wrong.append((vm, task, int(power), launched, op, srv.may(op)))
    assert wrong == []


def test_refusal_reads_like_novas_409() -> None:
    """The message is Nova's rendering of InstanceInvalidState, and the fields carry the parts."""
    srv = Server("stopped", id="9a3b")
    with pytest.raises(InvalidStateError) as info:
        srv.reboot()
    err = info.value
    assert str(err) == "Cannot 'reboot' instance 9a3b while it is in vm_state stopped"
    assert (err.operation, err.vm_state, err.task_state, err.attr, err.state) == (
        "reboot", "stopped", None, "vm_state", "stopped")  # fmt: skip
    assert "start" in err.allowed
    assert "reboot" not in err.allowed
    assert isinstance(err, lifecycle.LifecycleError)


def test_refusal_names_the_running_task() -> None:
    """A request during a task is refused on task_state, with the API's action name."""
    srv = Server("active", id="x")
    srv.reboot()
    with pytest.raises(InvalidStateError, match=r"^Cannot 'confirmResize' instance x while it is in vm_state active$"):
        srv.confirm_resize()
    with pytest.raises(InvalidStateError, match=r"^Cannot 'resize' instance x while it is in task_state rebooting$"):
        srv.resize()


def test_never_launched_server_can_only_be_deleted() -> None:
    """A build that failed leaves an ERROR server without launched_at: Nova's fallback message, delete only."""
    srv = Server(id="b")
    srv.create()
    srv.advance()
    srv.fail()
    assert srv.pair == (lifecycle.VmState.ERROR, None)
    assert srv.allowed_operations() == ["delete", "force_delete", "reset_active", "reset_error"]
    # check_instance_host wraps check_instance_state on stop (api.py:2867): the failed build has no host
    with pytest.raises(InvalidStateError, match=r"^Instance b is not ready$") as info:
        srv.stop()
    assert info.value.attr == "host"
    with pytest.raises(InvalidStateError, match=r"^Instance b is in an invalid state for .rescue.$"):
        srv.rescue()  # no host check on rescue: check_instance_state refuses launched_at


def test_lock_refuses_lock_checked_operations_only() -> None:
    """A locked server refuses reboot with Nova's message but still snapshots (no lock check)."""
    srv = Server("active", id="L", locked=True)
    assert not srv.may("reboot")
    with pytest.raises(InstanceLockedError, match=r"^Instance L is locked$"):
        srv.reboot()
    assert srv.may("create_image")
    assert srv.allowed_operations() == [
        "create_image",
        "create_backup",
        "power_update_off",
        "reset_active",
        "reset_error",
    ]
    assert Server("active", locked=True, host_up=False).allowed_operations()[0] == "evacuate"
    srv.reboot(admin=True)  # check_instance_lock: "if instance.locked and not context.is_admin" (api.py:248)
    srv = Server("active", id="L", locked=True)
    srv.unlock()
    srv.reboot()


def test_unknown_operation_suggests_names() -> None:
    """An unknown operation is refused with suggestions, both as a method and by name."""
    srv = Server("active")
    with pytest.raises(UnknownOperationError, match="Did you mean 'reboot'"):
        srv.perform("rebot")
    with pytest.raises(AttributeError):
        srv.rebot()  # type: ignore[operator]


def test_seeding_an_impossible_pair_is_refused() -> None:
    """A pair the model does not have is refused with the pairs it has for that vm_state."""
    with pytest.raises(UnknownStateError, match=r"active\.scheduling") as info:
        Server("active", "scheduling")
    assert "active.rebooting" in info.value.choices


def test_advance_and_fail_need_a_running_task() -> None:
    """advance() and fail() on an idle server raise, naming the state."""
    srv = Server("active", id="i")
    with pytest.raises(InvalidStateError, match="no task running to advance"):
        srv.advance()
    with pytest.raises(InvalidStateError, match="no task running to fail"):
        srv.fail()
    assert srv.settle() == 0


FAILURES = [
    # (start, operation, steps before failing, expected pair after failure)
    (None, "create", 3, ("error", None)),  # build failure: error (manager.py:_build_and_run_instance)
    ("active", "reboot", 1, ("error", None)),  # guest did not come back
    ("active", "rebuild", 2, ("error", None)),  # _error_out_instance_on_exception
    ("active", "resize", 3, ("error", None)),
    ("resized", "revert_resize", 0, ("error", None)),
    ("active", "stop", 0, ("active", None)),  # reverts_task_state
    ("stopped", "start", 0, ("stopped", None)),
    ("active", "pause", 0, ("active", None)),
    ("active", "suspend", 0, ("error", None)),
    ("rescued", "unrescue", 0, ("error", None)),
    ("shelved_offloaded", "unshelve", 1, ("shelved_offloaded", None)),  # no valid host: still offloaded
    ("active", "shelve", 3, ("shelved", None)),  # offloading failed after the image was saved
    ("active", "live_migrate", 0, ("active", None)),
    ("active", "create_image", 2, ("active", None)),
    ("stopped", "rebuild", 3, ("active", None)),  # the final power-off fails like stop_instance
    ("active", "delete", 0, ("error", None)),
]


@pytest.mark.parametrize(("start", "operation", "steps", "expected"), FAILURES, ids=lambda v: str(v))
def test_failure_leaves_the_server_where_nova_does(
    start: str | None, operation: str, steps: int, expected: tuple[str, str | None]
) -> None:
    """Failing the running task clears it, into error or the vm_state it ran under, per Nova's decorator."""
    srv = Server(start)
    srv.perform(operation)
    for _ in range(steps):
        srv.advance()
    srv.fail()
    assert (srv.vm_state and srv.vm_state.value, srv.task_state) == expected
    assert not srv.busy


def test_machine_state_names_are_nested_pairs() -> None:
    """Machine states read as vm_state.task_state, and the pre-create state is 'new'."""
    assert Server().state == NEW
    srv = Server("active")
    srv.reboot()
    assert srv.state == "active.rebooting" == pair_name(srv.pair)


def test_flags_must_be_booleans() -> None:
    """Server(locked="no") is refused with the value named, not taken as true."""
    from lifecycle.model.settings import SettingTypeError

    with pytest.raises(SettingTypeError, match="'locked' must be bool"):
        Server("active", locked="no")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(ACCEPTS))
def test_lock_column_of_every_operation(name: str) -> None:
    """Locked: refused iff Nova decorates the method with @check_instance_lock; admins always pass (api.py:245-251)."""
    checks_lock = ACCEPTS[name][3]
    settings = Settings(host_up=name != "evacuate")
    table = table_for("nova", settings)
    for vm, task in table.blueprint.pairs:
        if vm is None or not _nova_accepts(name, vm.value, task and task.value, True, settings):
            continue
        locked = Server(vm, task, locked=True, settings=settings)
        assert locked.may(name) is not checks_lock, (vm, task)
        locked.perform(name, admin=True)
        return
    pytest.fail(f"no state accepts {name}")
