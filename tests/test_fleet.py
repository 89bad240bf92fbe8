"""A Fleet: many servers on one shared machine, timed by a virtual clock, looked up and driven in bulk."""

from __future__ import annotations

import json

import pytest

from lifecycle import (
    Event,
    Fleet,
    FleetServer,
    InstanceLockedError,
    InvalidStateError,
    ServerNotFoundError,
    Status,
    UnknownOperationError,
    UnknownStateError,
    VirtualClock,
    VmState,
)
from lifecycle.model.blueprint import ADVANCE
from lifecycle.simulate.server import Server


def test_create_boots_through_timed_build_steps() -> None:
    """A server created without a state runs Nova's build steps on the clock: BUILD at 30 s, ACTIVE at 42 s."""
    fleet = Fleet(seed=1)
    srv = fleet.create("web-1")
    assert (srv.vm_state, srv.task_state, srv.status) == (VmState.BUILDING, "scheduling", Status.BUILD)
    fleet.clock.advance(30)
    assert srv.status is Status.BUILD
    assert srv.task_state == "spawning"
    fleet.clock.advance(12)
    assert srv.status is Status.ACTIVE
    assert srv.launched
    assert [e.time for e in fleet.events] == [0.0, 3.0, 4.0, 9.0, 17.0, 42.0]


def test_seeded_servers_start_in_any_state_at_once() -> None:
    """vm_state/task_state/power_state seed a server without running anything; the event log records it."""
    fleet = Fleet()
    srv = fleet.create("off", vm_state="stopped")
    odd = fleet.create("odd", vm_state="active", power_state=4)
    assert srv.status is Status.SHUTOFF
    assert int(odd.power_state) == 4
    assert [(e.kind, e.before, e.after) for e in fleet.events] == [
        ("create", None, (VmState.STOPPED, None)),
        ("create", None, (VmState.ACTIVE, None)),
    ]
    assert fleet.idle


def test_server_seeded_in_a_task_carries_on_with_its_steps() -> None:
    """A server seeded mid-resize finishes the resize on the clock, like one caught mid-task by a trace."""
    fleet = Fleet()
    srv = fleet.create(vm_state="active", task_state="resize_migrated")
    assert not fleet.idle
    fleet.run_until_idle()
    assert srv.status is Status.VERIFY_RESIZE
    assert [e.operation for e in fleet.events] == ["create", "resize", "resize"]


def test_lookup_by_id_and_name() -> None:
    """get() finds a server by id or name and returns the very object create() returned."""
    fleet = Fleet(seed=3)
    srv = fleet.create("db-1", vm_state="active")
    assert fleet.get(srv.id) is srv
    assert fleet.get("db-1") is srv
    assert "db-1" in fleet
    assert srv in fleet
    assert isinstance(srv, Server)
    assert isinstance(srv, FleetServer)
    assert srv.fleet is fleet


def test_unknown_server_error_names_the_id_and_close_names() -> None:
    """ServerNotFoundError is a LifecycleError and a KeyError, names the key and suggests close names."""
    fleet = Fleet()
    fleet.create("web-1", vm_state="active")
    with pytest.raises(ServerNotFoundError) as caught:
        fleet.get("web-2")
    assert isinstance(caught.value, KeyError)
    assert caught.value.server == "web-2"
    assert str(caught.value) == "no server 'web-2' in this fleet of 1 server(s). Did you mean 'web-1'?"


def test_shared_names_are_refused_as_ambiguous() -> None:
    """A name two servers share cannot pick one: the error lists both ids."""
    fleet = Fleet()
    a = fleet.create("web", vm_state="active", id="a")
    fleet.create("web", vm_state="active", id="b")
    with pytest.raises(ServerNotFoundError, match=r"shared by 2 servers \(a, b\)"):
        fleet.get("web")
    assert fleet.get("a") is a


def test_duplicate_ids_are_refused() -> None:
    """Two servers cannot share an id."""
    fleet = Fleet()
    fleet.create(vm_state="active", id="x")
    with pytest.raises(ValueError, match="'x' is already in this fleet"):
        fleet.create(vm_state="active", id="x")


def test_seeded_fleets_repeat_ids() -> None:
    """The same seed gives the same server ids (UUID4 format), so event logs compare across runs."""
    ids = [[s.id for s in Fleet(seed=7).create_many(3, vm_state="active")] for _ in range(2)]
    assert ids[0] == ids[1]
    assert len(set(ids[0])) == 3
    assert all(len(i) == 36 and i[14] == "4" for i in ids[0])


def test_servers_are_listed_by_status_after_the_clock_moves() -> None:
    """After clock.advance(30), servers(status="RESIZE") lists exactly the resizes still running."""
    fleet = Fleet(durations={"resize": 60})
    fast = fleet.create("fast", vm_state="active", durations={"resize": 20})
    slow = fleet.create_many(3, prefix="slow", vm_state="active")
    off = fleet.create("off", vm_state="stopped")
    fleet.apply("resize", [fast, *slow])
    fleet.clock.advance(30)
    assert fleet.servers(status="RESIZE") == slow
    assert fleet.servers(status="verify_resize") == [fast]
    assert fleet.servers(vm_state="stopped") == [off]
    assert fleet.status_counts() == {"RESIZE": 3, "VERIFY_RESIZE": 1, "SHUTOFF": 1}
    with pytest.raises(UnknownStateError):
        fleet.servers(status="RESIZING")


def test_apply_collects_accepted_and_rejected_with_reasons() -> None:
    """apply() requests an operation on many servers; refusals come back per id with Nova's 409 wording."""
    fleet = Fleet()
    up = fleet.create("up", vm_state="active")
    down = fleet.create("down", vm_state="stopped")
    locked = fleet.create("locked", vm_state="active", locked=True)
    result = fleet.apply("reboot", [up, down, locked, "ghost"])
    assert result.accepted == [up]
    assert set(result.rejected) == {down.id, locked.id, "ghost"}
    assert str(result.rejected[down.id]) == f"Cannot 'reboot' instance {down.id} while it is in vm_state stopped"
    assert isinstance(result.rejected[locked.id], InstanceLockedError)
    assert isinstance(result.rejected["ghost"], ServerNotFoundError)
    assert str(result) == "1 accepted, 3 rejected"


def test_apply_with_an_unknown_operation_raises_once() -> None:
    """A typo in the operation is a programming error, raised before any server is touched."""
    fleet = Fleet()
    fleet.create(vm_state="active")
    with pytest.raises(UnknownOperationError, match="Did you mean 'reboot'"):
        fleet.apply("reboto")
    assert len(fleet.events) == 1


def test_perform_raises_like_server_perform_then_runs_on_the_clock() -> None:
    """fleet.perform and srv.reboot() both refuse exactly as Server does and schedule the rest of the task."""
    fleet = Fleet()
    srv = fleet.create("a", vm_state="active")
    plain = Server("active", id=srv.id)
    fleet.perform("a", "reboot")
    plain.perform("reboot")
    with pytest.raises(InvalidStateError) as fleet_error:
        srv.stop()
    with pytest.raises(InvalidStateError) as plain_error:
        plain.stop()
    assert str(fleet_error.value) == str(plain_error.value)
    assert fleet_error.value.allowed == plain_error.value.allowed
    assert srv.due == 2.0
    assert fleet.run_until_idle() == 20.0
    assert srv.status is Status.ACTIVE


def test_manual_steps_act_at_once_and_the_timetable_follows() -> None:
    """srv.advance()/settle() on a fleet server take steps now; the stale scheduled step is dropped."""
    fleet = Fleet()
    srv = fleet.create(vm_state="active")
    srv.reboot()
    srv.advance()
    assert srv.task_state == "reboot_pending"
    assert srv.due == 3.0
    assert srv.settle() == 2
    assert srv.status is Status.ACTIVE
    assert fleet.run_until_idle() == 0.0
    assert [e.kind for e in fleet.events] == ["create", "request", "step", "step", "step"]


def test_zero_durations_finish_at_once() -> None:
    """With every step lasting 0 s, an accepted request has finished when perform returns."""
    from lifecycle.simulate.durations import Durations

    fleet = Fleet(durations=Durations(scale=0))
    srv = fleet.create()
    assert srv.status is Status.ACTIVE
    srv.resize()
    assert srv.status is Status.VERIFY_RESIZE
    assert fleet.clock.now() == 0.0


def test_set_state_resets_and_cancels_the_running_task() -> None:
    """set_state is os-resetState: it forces the pair, drops the run, and a task set this way stays stuck."""
    fleet = Fleet()
    srv = fleet.create(vm_state="active")
    srv.resize()
    fleet.set_state(srv, "error")
    assert srv.status is Status.ERROR
    assert fleet.idle
    fleet.set_state(srv, "active", "deleting")
    fleet.clock.advance(3600)
    assert srv.task_state == "deleting"
    fleet.set_state(srv, "active", "deleting", run_task=True)
    fleet.run_until_idle()
    assert srv.status is Status.DELETED
    assert [e.kind for e in fleet.events if e.kind == "reset"] == ["reset"] * 3
    with pytest.raises(UnknownStateError):
        fleet.set_state(srv, "active", "spawning")


def test_remove_and_purge_deleted() -> None:
    """remove() takes a server out (its pending steps with it); purge_deleted() drops the DELETED ones."""
    fleet = Fleet()
    a, b, c = fleet.create_many(3, prefix="s", vm_state="active")
    a.delete()
    b.reboot()
    fleet.remove(b)
    assert b not in fleet
    assert fleet.idle is False  # a is still deleting
    fleet.run_until_idle()
    assert fleet.purge_deleted() == [a]
    assert fleet.servers() == [c]
    with pytest.raises(ServerNotFoundError):
        fleet.perform(b, "stop")


def test_run_until_idle_reports_elapsed_time_and_respects_a_limit() -> None:
    """run_until_idle returns simulated seconds; with limit= it stops early and leaves the rest scheduled."""
    fleet = Fleet()
    srv = fleet.create(vm_state="active")
    srv.shelve()
    assert fleet.run_until_idle(limit=50) == 50
    assert srv.status is Status.ACTIVE  # shelving keeps the original vm_state until the image is up
    assert srv.task_state == "shelving_image_uploading"
    assert fleet.run_until_idle() == 35
    assert srv.status is Status.SHELVED_OFFLOADED


def test_a_shared_clock_drives_several_fleets() -> None:
    """Two fleets on one VirtualClock both catch up when it advances."""
    clock = VirtualClock(start=100)
    one, two = Fleet(clock=clock), Fleet("huawei-ecs", clock=clock)
    a = one.create(vm_state="active")
    b = two.create(vm_state="active")
    a.stop()
    b.stop()
    clock.advance(10)
    assert (a.status, b.status) == (Status.SHUTOFF, Status.SHUTOFF)
    assert one.events[-1].time == 110


def test_event_log_exports_api_snapshots_as_json_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Each line is a server snapshot with the API's state keys and an ISO 'updated', plus the event."""
    fleet = Fleet(seed=1)
    srv = fleet.create("web", vm_state="active")
    srv.reboot()
    fleet.run_until_idle()
    lines = [json.loads(line) for line in fleet.events.to_jsonl().splitlines()]
    assert len(lines) == len(fleet.events) == 5
    first, last = lines[1], lines[-1]
    assert first["id"] == srv.id
    assert first["status"] == "REBOOT"
    assert first["OS-EXT-STS:vm_state"] == "active"
    assert first["OS-EXT-STS:task_state"] == "rebooting"
    assert first["OS-EXT-STS:power_state"] == 1
    assert first["updated"] == "2026-01-01T00:00:00Z"
    assert last["updated"] == "2026-01-01T00:00:20Z"
    assert last["OS-EXT-STS:task_state"] is None
    assert last["lifecycle:event"] == {
        "time": 20.0,
        "operation": "reboot",
        "kind": "step",
        "from": {"vm_state": "active", "task_state": "reboot_started"},
    }
    path = tmp_path / "run.jsonl"
    assert fleet.events.write_jsonl(path) == 5
    assert path.read_text() == fleet.events.to_jsonl()
    assert [e.status for e in fleet.events.for_server("web")][-1] is Status.ACTIVE


def test_history_is_recorded_per_server_and_shared_between_servers() -> None:
    """Each server's history lists its changes; identical changes are one shared record (memory)."""
    fleet = Fleet()
    a, b = fleet.create_many(2, vm_state="active")
    fleet.apply("reboot")
    fleet.run_until_idle()
    assert [str(c) for c in a.history] == [
        "reboot: active -> active.rebooting",
        "advance: active.rebooting -> active.reboot_pending",
        "advance: active.reboot_pending -> active.reboot_started",
        "advance: active.reboot_started -> active",
    ]
    assert all(x is y for x, y in zip(a.history, b.history, strict=True))
    quiet = Fleet(history=False, events=False)
    srv = quiet.create(vm_state="active")
    srv.reboot()
    assert srv.history is None
    assert len(quiet.events) == 0


def test_machine_engine_gives_the_same_run_as_the_table() -> None:
    """engine="machine" fires transitions for every step; the event log is identical to the table engine's."""

    def run(engine: str) -> list[object]:
        fleet = Fleet(seed=5, engine=engine, reclaim_instance_interval=60)  # type: ignore[arg-type]
        servers = fleet.create_many(4, vm_state="active")
        fleet.create()
        fleet.inject_failure("resize", probability=0.5, times=None)
        for op in ["resize", "confirm_resize", "revert_resize", "stop", "start", "shelve", "unshelve", "delete"]:
            fleet.apply(op, servers)
            fleet.run_until_idle(periodic=True)
        return [(e.time, e.server_id, e.operation, e.kind, e.before, e.after, e.power_state) for e in fleet.events]

    table_run = run("table")
    assert len(table_run) > 60
    assert run("machine") == table_run


def test_ten_thousand_servers_reboot_and_settle() -> None:
    """10,000 servers: build, reboot all and settle in one fleet; every server ends ACTIVE after 20 s."""
    fleet = Fleet(seed=0, events=False)
    servers = fleet.create_many(10_000, vm_state="active")
    result = fleet.apply("reboot", servers)
    assert len(result.accepted) == 10_000
    fleet.clock.advance(10)
    assert len(fleet.servers(status="REBOOT")) == 10_000
    assert fleet.run_until_idle() == 10.0
    assert fleet.status_counts() == {"ACTIVE": 10_000}
    assert all(ADVANCE not in s.table.step_row(s.node) for s in servers[:100])


def test_run_until_a_condition_or_time_out() -> None:
    """run_until steps the clock until the predicate holds; it raises TimeoutError when it cannot."""
    fleet = Fleet(shelved_offload_time=300)
    srv = fleet.create(vm_state="active")
    srv.shelve()
    assert fleet.run_until(lambda: srv.status is Status.SHELVED) == 75.0
    assert fleet.run_until(lambda: srv.status is Status.SHELVED_OFFLOADED) == 310.0
    with pytest.raises(TimeoutError, match="nothing is scheduled"):
        fleet.run_until(lambda: srv.status is Status.ACTIVE)
    srv.unshelve()
    with pytest.raises(TimeoutError, match="after 5 simulated seconds"):
        fleet.run_until(lambda: srv.status is Status.ACTIVE, limit=5)
    assert fleet.clock.now() == 390.0


def test_listeners_hear_every_change_and_may_act_on_the_fleet() -> None:
    """listen() gets each Event after it is written, outside the locks: a listener can request the next step."""
    fleet = Fleet()
    heard: list[tuple[str, str, bool]] = []

    def follow(event: Event) -> None:
        heard.append((event.operation, event.kind, event.done))
        if event.done and event.operation == "stop":
            fleet.perform(event.server_id, "start")  # re-entrant use of the fleet

    stop_listening = fleet.listen(follow)
    srv = fleet.create(vm_state="active")
    srv.stop()
    fleet.run_until_idle()
    stop_listening()
    srv.reboot()
    assert heard == [
        ("create", "create", True),
        ("stop", "request", False),
        ("stop", "step", True),
        ("start", "request", False),
        ("start", "step", True),
    ]
    assert srv.task_state == "rebooting"
