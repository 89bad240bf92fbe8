"""lifecycle.strategies.operations: random operation sequences that are legal by construction."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle import Fleet, Server, Status
from lifecycle.model.blueprint import ADVANCE, FAIL
from lifecycle.strategies import operations

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(ops=operations(start="active", max_size=12))
def test_settled_sequences_are_accepted_one_after_another(ops: list[str]) -> None:
    """Each operation is accepted once the previous one has run to its end."""
    srv = Server("active")
    for op in ops:
        srv.perform(op)
        srv.settle()
    assert ADVANCE not in ops


@FAST
@given(ops=operations(start=("active", "resize_migrating"), settle=False, min_size=5, max_size=30))
def test_step_sequences_include_task_events_and_are_legal(ops: list[str]) -> None:
    """With settle=False each item is one step (advance/fail included), legal via Server.fire."""
    srv = Server("active", "resize_migrating")
    for trigger in ops:
        srv.fire(trigger)


@FAST
@given(ops=operations(start="stopped", dialect="huawei-ecs", exclude={"delete", "force_delete"}, max_size=10))
def test_excluded_operations_never_appear(ops: list[str]) -> None:
    """exclude= keeps operations out (here the server can never be deleted)."""
    assert not {"delete", "force_delete"} & set(ops)
    srv = Server("stopped", dialect="huawei-ecs")
    for op in ops:
        srv.perform(op)
        srv.settle()
    assert srv.status is not Status.DELETED


@FAST
@given(data=st.data())
def test_a_server_start_uses_its_state_and_settings(data: st.DataObject) -> None:
    """start=<Server> draws from the server's own state, power and settings (soft delete here)."""
    srv = Server("active", reclaim_instance_interval=60)
    srv.stop()
    srv.settle()
    ops = data.draw(operations(start=srv, min_size=1, max_size=6))
    for op in ops:
        srv.perform(op)
        srv.settle()
    assert srv.status is not Status.UNKNOWN


@FAST
@given(ops=operations(start="active", max_size=8))
def test_sequences_drive_a_fleet_to_the_same_end(ops: list[str]) -> None:
    """Users' property tests can run a drawn sequence on a simulated fleet with timed steps."""
    fleet = Fleet(seed=0)
    timed = fleet.create(vm_state="active")
    plain = Server("active")
    for op in ops:
        timed.perform(op)
        fleet.run_until_idle()
        plain.perform(op)
        plain.settle()
    assert timed.pair == plain.pair
    assert FAIL not in ops


@settings(max_examples=10, deadline=None)
@given(ops=operations(start="deleted", min_size=3, max_size=5))
def test_a_deleted_server_ends_the_sequence(ops: list[str]) -> None:
    """Nothing is legal after a hard delete, so sequences stop there (min_size is not reachable)."""
    assert ops == []
