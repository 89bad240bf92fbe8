"""Huawei ECS operations: legal exactly where Huawei's references say, walking the seed table's rows.

EXPECTED and WALKS are transcribed from ../shared/reference/huawei-ecs.md (sections 2 and 6)
and the seed table, independently of lifecycle/model/dialects/huawei_ecs.py.
"""

from __future__ import annotations

import pytest

from lifecycle import (
    InstanceLockedError,
    InvalidStateError,
    Server,
    Status,
    UnknownStateError,
    UnsupportedOperationError,
    VmState,
)
from lifecycle.model.blueprint import pair_name
from lifecycle.model.dialects import huawei_ecs, nova
from lifecycle.model.table import table_for

D = "huawei-ecs"
IDLE: frozenset[str | None] = frozenset({None})
ANY_TASK = None
# operation: (vm_states that accept it, tasks that accept it (None: any))
EXPECTED: dict[str, tuple[set[str], frozenset[str | None] | None]] = {
    "start": ({"stopped"}, IDLE),  # ecs_02_0301 [inf]
    "stop": ({"active"}, IDLE),  # ecs_02_0303 [inf]
    "reboot": ({"active"}, IDLE),  # ecs_02_0302 [inf]
    "hard_reboot": ({"active"}, IDLE),  # no stopped + rebooting_hard row
    "resize": ({"stopped"}, IDLE),  # ecs_02_0209 "only when the ECS is stopped" [doc]
    "resize_with_stop": ({"active"}, IDLE),  # mode=withStopServer [doc]
    "nova_resize": ({"active", "stopped"}, IDLE),  # ecs_03_0308 "running or stopped" [doc]
    "confirm_resize": ({"resized"}, IDLE),  # ecs_03_0309 [doc]
    "revert_resize": ({"resized"}, IDLE),  # ecs_03_0310 [doc]
    "reinstall_os": ({"stopped", "error"}, IDLE),  # regional refs [doc]
    "change_os": ({"stopped", "error"}, IDLE),  # regional refs [doc]
    "reinstall_os_with_stop": ({"active"}, IDLE),  # ecs_02_0203 mode=withStopServer [doc]
    "change_os_with_stop": ({"active"}, IDLE),  # ecs_02_0204 mode=withStopServer [doc]
    "rebuild": ({"active", "stopped"}, IDLE),  # "error state cannot be rebuilt" [doc]
    "cold_migrate": ({"stopped"}, IDLE),  # ecs_02_0207 [doc]
    "reset_password": ({"active", "stopped"}, IDLE),  # ecs_02_0306 "running or stopped" [doc]
    "create_image": ({"active", "stopped"}, IDLE),  # [?]
    "delete": ({"active", "stopped", "error", "shelved", "shelved_offloaded"}, ANY_TASK),  # deleting rows [inf]
}

R = ["resize_prep", "resize_migrating", "resize_migrated", "resize_finish"]
B = ["rebuilding", "rebuild_block_device_mapping", "rebuild_spawning"]
# (operation, start vm_state): the pairs written, in order, until the request is over.
WALKS: dict[tuple[str, str | None], list[str]] = {
    ("create", None): ["building.scheduling", "building", "building.networking", "building.block_device_mapping",
                       "building.spawning", "active"],
    ("start", "stopped"): ["stopped.powering-on", "active"],
    ("stop", "active"): ["active.powering-off", "stopped"],
    ("reboot", "active"): ["active.rebooting", "active.reboot_pending", "active.reboot_started", "active"],
    ("hard_reboot", "active"): ["active.rebooting_hard", "active.reboot_pending_hard", "active.reboot_started_hard",
                                "active"],
    # The service confirms a native resize itself [inf]: VERIFY_RESIZE for an instant.
    ("resize", "stopped"): [f"stopped.{t}" for t in R] + ["resized", "stopped"],
    ("cold_migrate", "stopped"): [f"stopped.{t}" for t in R] + ["resized", "stopped"],
    ("resize_with_stop", "active"): ["active.powering-off", "stopped", *(f"stopped.{t}" for t in R), "resized",
                                     "stopped", "stopped.powering-on", "active"],
    ("nova_resize", "active"): [f"active.{t}" for t in R] + ["resized"],
    ("nova_resize", "stopped"): [f"stopped.{t}" for t in R] + ["resized"],
    ("confirm_resize", "resized"): ["active"],
    ("revert_resize", "resized"): ["resized.resize_reverting", "active"],
    ("reinstall_os", "stopped"): [f"stopped.{t}" for t in B] + ["stopped"],
    ("reinstall_os", "error"): [f"error.{t}" for t in B] + ["stopped"],
    ("change_os", "stopped"): [f"stopped.{t}" for t in B] + ["stopped"],
    ("change_os", "error"): [f"error.{t}" for t in B] + ["stopped"],
    # "the system automatically stops the ECS before reinstalling its OS" [doc]; no start after [inf]
    ("reinstall_os_with_stop", "active"): ["active.powering-off", "stopped", *(f"stopped.{t}" for t in B), "stopped"],
    ("change_os_with_stop", "active"): ["active.powering-off", "stopped", *(f"stopped.{t}" for t in B), "stopped"],
    ("rebuild", "active"): [f"active.{t}" for t in B] + ["active"],
    ("rebuild", "stopped"): [f"stopped.{t}" for t in B] + ["stopped"],
    ("reset_password", "active"): ["active"],
    ("reset_password", "stopped"): ["stopped"],
    ("create_image", "active"): ["active"],
    ("create_image", "stopped"): ["stopped"],
    ("delete", "active"): ["active.deleting", "deleted"],
    ("delete", "stopped"): ["stopped.deleting", "deleted"],
    ("delete", "error"): ["error.deleting", "deleted"],
    ("delete", "shelved"): ["deleted"],
    ("delete", "shelved_offloaded"): ["deleted"],
}  # fmt: skip

SEED_PAIRS = [(vm.value, None if t is None else t.value) for vm, row in huawei_ecs.STATUS_ROWS.items() for t in row]
STATES: list[tuple[str | None, str | None]] = [(None, None), *SEED_PAIRS]


def _expected(op: str, vm: str | None, task: str | None) -> bool:
    if op == "create":
        return vm is None
    vms, tasks = EXPECTED[op]
    return vm in vms and (tasks is None or task in tasks)


def test_the_dialect_declares_exactly_the_expected_operations() -> None:
    """The operation list is Huawei's: the expected ones plus create, nothing borrowed from Nova."""
    assert set(huawei_ecs.DIALECT.operation_map) == {*EXPECTED, "create"}


@pytest.mark.parametrize("op", ["create", *EXPECTED])
def test_every_operation_in_every_seed_state(op: str) -> None:
    """In each of the 44 seed rows (and before create), the operation is accepted iff Huawei accepts it."""
    wrong = []
    for vm, task in STATES:
        srv = Server(vm, task, dialect=D, id="ecs-1")
        if srv.may(op) != _expected(op, vm, task):
            wrong.append((vm, task, srv.may(op)))
        if not _expected(op, vm, task):
            before = srv.pair
            with pytest.raises(InvalidStateError) as info:
                srv.perform(op)
            assert info.value.message.startswith("The ECS status does not meet requirements")
            assert srv.pair == before
    assert wrong == []


@pytest.mark.parametrize(("op", "start"), list(WALKS), ids=lambda v: str(v))
def test_each_operation_walks_the_expected_rows(op: str, start: str | None) -> None:
    """perform + settle writes exactly the expected pairs, and only nova_resize passes a pair Table 4 lacks."""
    srv = Server(start, dialect=D)
    srv.perform(op)
    srv.settle()
    assert srv.history is not None
    walked = [pair_name(c.after) for c in srv.history]
    assert walked == WALKS[(op, start)]
    unknown = [pair_name(c.after) for c in srv.history if srv.dialect.status(*c.after) is Status.UNKNOWN]  # type: ignore[arg-type]
    assert unknown == ([f"active.{t}" for t in R] if (op, start) == ("nova_resize", "active") else [])


def test_native_resize_never_waits_for_confirmation() -> None:
    """A native resize ends SHUTOFF with nothing to confirm; withStopServer ends ACTIVE; only nova_resize waits.

    nova_resize waits in VERIFY_RESIZE from a stopped ECS too, and confirms back to SHUTOFF.
    """
    srv = Server("stopped", dialect=D)
    srv.resize()
    srv.settle()
    assert srv.status is Status.SHUTOFF
    assert not srv.may("confirm_resize")
    srv = Server("active", dialect=D)
    srv.resize_with_stop()
    assert srv.pending == ("resize", "confirm_resize", "start")
    srv.settle()
    assert (srv.status, srv.pending) == (Status.ACTIVE, ())
    srv = Server("active", dialect=D)
    srv.nova_resize()
    srv.settle()
    assert srv.status is Status.VERIFY_RESIZE
    srv.confirm_resize()
    assert srv.status is Status.ACTIVE
    srv = Server("stopped", dialect=D)
    srv.nova_resize()
    srv.settle()
    assert srv.status is Status.VERIFY_RESIZE
    srv.confirm_resize()
    assert srv.status is Status.SHUTOFF


def test_advance_continues_a_composite_one_request_at_a_time() -> None:
    """Stepping through withStopServer: the step that ends the stop also makes the cloud's resize request."""
    srv = Server("active", dialect=D)
    srv.resize_with_stop()
    srv.advance()
    assert srv.state == "stopped.resize_prep"
    assert srv.pending == ("confirm_resize", "start")
    assert srv.history is not None
    assert [c.trigger for c in srv.history] == ["resize_with_stop", "advance", "resize"]


def test_a_failure_inside_a_composite_stops_it() -> None:
    """If the resize fails, the job ends there: rolled back to SHUTOFF and never started."""
    srv = Server("active", dialect=D)
    srv.resize_with_stop()
    srv.advance()
    srv.fail()
    assert (srv.status, srv.pending) == (Status.SHUTOFF, ())
    assert srv.settle() == 0
    assert srv.status is Status.SHUTOFF


def test_the_compiled_table_settles_composites_where_server_does() -> None:
    """Table.settle_row of resize_with_stop lands ACTIVE, as Server.settle does (bulk tools agree)."""
    table = table_for(D)
    active = table.node_for((VmState.ACTIVE, None))
    assert table.describe(table.settle_row(active)["resize_with_stop"]) == "active"
    assert table.describe(table.step_row(active)["resize_with_stop"]) == "active.powering-off"


def test_failed_native_create_is_rolled_back() -> None:
    """A failing create leaves no ERROR server: it is DELETED (Huawei rolls back)."""
    srv = Server(dialect=D)
    srv.create()
    srv.advance()
    srv.fail()
    assert srv.status is Status.DELETED


@pytest.mark.parametrize("op", sorted(set(nova.DIALECT.operation_map) - set(huawei_ecs.DIALECT.operation_map)))
def test_operations_huawei_does_not_offer_are_unsupported(op: str) -> None:
    """pause, shelve, rescue, evacuate, live_migrate... are unsupported, in every state, never 'wrong state'."""
    for vm, task in [("active", None), ("stopped", None), ("error", None), ("shelved", None)]:
        srv = Server(vm, task, dialect=D)
        with pytest.raises(UnsupportedOperationError) as info:
            srv.perform(op)
        assert not isinstance(info.value, InvalidStateError)
        assert (
            info.value.message
            == f"Operation '{op}' is not offered by Huawei Cloud ECS (no such ECS API), whatever the server's state"
        )
        assert (info.value.operation, info.value.dialect) == (op, D)
        assert "resize_with_stop" in info.value.supported
    with pytest.raises(UnsupportedOperationError):
        Server("active", dialect=D).may(op)


def test_refusal_shape_is_ecs_0100_not_nova_409() -> None:
    """A wrong state carries the fields, Huawei's wording, and HTTP 400 Ecs.0100 (Nova: 409 conflictingRequest)."""
    srv = Server("error", dialect=D, id="ecs-9")
    with pytest.raises(InvalidStateError) as info:
        srv.rebuild()
    err = info.value
    assert err.message == (
        "The ECS status does not meet requirements: cannot 'rebuild' ECS ecs-9 while it is in vm_state error"
    )
    assert (err.operation, err.server_id, err.vm_state, err.task_state, err.attr, err.state) == (
        "rebuild", "ecs-9", "error", None, "vm_state", "error",
    )  # fmt: skip
    assert err.allowed == ("reinstall_os", "change_os", "delete")
    messages = srv.dialect.messages
    assert (messages.http_status, messages.code) == (400, "Ecs.0100")
    assert (nova.DIALECT.messages.http_status, nova.DIALECT.messages.code) == (409, "conflictingRequest")
    with pytest.raises(InvalidStateError, match=r"cannot 'os-start' ECS \S+ while it is in vm_state active"):
        Server("active", dialect=D).start()
    with pytest.raises(InvalidStateError, match="in task_state resize_prep"):
        Server("stopped", "resize_prep", dialect=D).reinstall_os()


def test_a_locked_ecs_refuses_what_huawei_lists() -> None:
    """Locked: lifecycle, status and password operations are refused; creating an image is not."""
    srv = Server("active", dialect=D, id="ecs-2", locked=True)
    for op in ("stop", "reboot", "hard_reboot", "resize_with_stop", "rebuild", "reset_password", "delete"):
        with pytest.raises(InstanceLockedError, match=r"^ECS ecs-2 is locked$"):
            srv.perform(op)
    assert srv.allowed_operations() == ["create_image"]
    srv.unlock()
    srv.stop()
    assert srv.task_state is not None


def test_shelved_states_are_shown_but_never_reached() -> None:
    """SHELVED rows are seedable and show their status; no operation leads there; only delete leaves."""
    for pair, status in [(("shelved", None), Status.SHELVED), (("shelved", "shelving"), Status.SHELVED),
                         (("shelved_offloaded", "unshelving"), Status.SHELVED_OFFLOADED)]:  # fmt: skip
        srv = Server(*pair, dialect=D)
        assert srv.status is status
        assert srv.allowed_operations() == ["delete"]
    table = table_for(D)
    reached = {table.nodes[n][0] for n in table.explore([table.node_for((None, None))])}
    assert VmState.SHELVED not in reached
    assert VmState.SHELVED_OFFLOADED not in reached
    assert {VmState.ACTIVE, VmState.STOPPED, VmState.RESIZED, VmState.ERROR, VmState.DELETED} <= reached
    assert huawei_ecs.DIALECT.seeded_only == {VmState.SHELVED, VmState.SHELVED_OFFLOADED}


def test_vocabulary_is_the_seed_vocabulary() -> None:
    """No Nova-only vm_state or task_state is left in the dialect: Server refuses to seed one."""
    assert set(huawei_ecs.DIALECT.vm_states) == {vm for vm, _ in huawei_ecs.STATUS_ROWS.items()}
    assert len(huawei_ecs.DIALECT.task_states) == 27
    with pytest.raises(UnknownStateError):
        Server("paused", dialect=D)


def _plan(start: str, goal: Status) -> list[str]:
    """Shortest list of operations from a rest state to a node showing ``goal`` (what `lifecycle plan` answers)."""
    table = table_for(D)
    first = table.node_for((VmState(start), None))
    paths: dict[int, list[str]] = {first: []}
    todo = [first]
    while todo:
        nxt: list[int] = []
        for node in todo:
            for op, there in table.step_row(node).items():
                if op in ("advance", "fail"):
                    continue
                rest = table.settle_row(node)[op]
                for reached in (there, rest):
                    vm, task, _, _ = table.nodes[reached]
                    if vm is not None and table.blueprint.dialect.status(vm, task) is goal:
                        return [*paths[node], op]
                if rest not in paths:
                    paths[rest] = [*paths[node], op]
                    nxt.append(rest)
        todo = nxt
    raise AssertionError(f"no plan from {start} to {goal}")


def test_declaration_supports_planning_active_to_resize() -> None:
    """From ACTIVE the shortest way to show RESIZE is stop, then resize (native resize needs SHUTOFF)."""
    assert _plan("active", Status.RESIZE) == ["stop", "resize"]
    assert _plan("active", Status.VERIFY_RESIZE) == ["nova_resize"]
    assert _plan("error", Status.ACTIVE) == ["reinstall_os", "start"]


def test_operation_differences_from_nova_are_data() -> None:
    """A dialect-difference table can read operation differences straight from the two declarations."""
    ours, theirs = huawei_ecs.DIALECT.operation_map, nova.DIALECT.operation_map
    assert {"resize_with_stop", "nova_resize", "reinstall_os", "change_os", "cold_migrate", "reset_password"} <= (
        set(ours) - set(theirs)
    )
    assert {"pause", "suspend", "rescue", "shelve", "evacuate", "live_migrate"} <= set(theirs) - set(ours)
    differs = {n for n in set(ours) & set(theirs) if ours[n].vm_states != theirs[n].vm_states}
    assert {"resize", "rebuild", "stop", "hard_reboot", "delete"} <= differs
    assert ours["resize_with_stop"].then == ("resize", "confirm_resize", "start")
    assert all(op.cite for op in ours.values())


def test_a_plain_fleet_runs_a_composite_request_to_its_end() -> None:
    """Without a job service, the fleet itself makes withStopServer's resize and start when each part ends."""
    from lifecycle import Fleet

    fleet = Fleet(dialect=D)
    srv = fleet.create("a", vm_state="active")
    srv.resize_with_stop()
    fleet.run_until_idle()
    assert srv.status is Status.ACTIVE
    assert srv.pending == ()
    requests = [e.operation for e in fleet.events if e.kind == "request"]
    assert requests == ["resize_with_stop", "resize", "confirm_resize", "start"]


def test_a_refused_rival_request_does_not_cancel_an_accepted_composite(monkeypatch: pytest.MonkeyPatch) -> None:
    """pending is set with the check-and-set: a reboot refused while withStopServer is accepted leaves its parts."""
    import threading
    import time

    from lifecycle import Fleet, InvalidStateError
    from lifecycle.simulate.fleet import Fleet as FleetClass

    fleet = Fleet(dialect=D)
    srv = fleet.create("a", vm_state="active")
    original = FleetClass._fire_from_server
    rival_in_flight = threading.Event()

    def slow_reboot(self: FleetClass, server: object, trigger: str, then: object = None) -> bool:
        if trigger == "reboot":  # widen the window between the rival's request and its refusal
            rival_in_flight.set()
            time.sleep(0.2)
        return original(self, server, trigger, then)  # type: ignore[arg-type]

    monkeypatch.setattr(FleetClass, "_fire_from_server", slow_reboot)
    refused: list[BaseException] = []

    def rival() -> None:
        try:
            srv.reboot()
        except InvalidStateError as exc:
            refused.append(exc)

    thread = threading.Thread(target=rival)
    thread.start()
    assert rival_in_flight.wait(5)
    srv.resize_with_stop()  # accepted while the reboot is still in flight
    thread.join()
    assert len(refused) == 1
    assert srv.pending == ("resize", "confirm_resize", "start")
    fleet.run_until_idle()
    assert srv.status is Status.ACTIVE


def test_a_reset_abandons_the_rest_of_a_composite() -> None:
    """Fleet.set_state (os-resetState) mid-composite drops the pending parts: nothing runs after the reset."""
    from lifecycle import Fleet

    fleet = Fleet(dialect=D)
    srv = fleet.create("a", vm_state="active")
    srv.resize_with_stop()
    fleet.set_state(srv, "stopped")
    assert srv.pending == ()
    fleet.run_until_idle()
    assert srv.status is Status.SHUTOFF
