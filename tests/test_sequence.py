"""check(): sequences of operations judged on the compiled table, exactly as the machine would."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lifecycle
from lifecycle import InvalidStateError, Server, Status, UnknownOperationError, UnknownStateError, check
from lifecycle.model.dialects import nova
from lifecycle.model.table import table_for

OPERATIONS = [op.name for op in nova.OPERATIONS]  # no registry access at collection time


def test_legal_sequence_from_before_create() -> None:
    """The issue's example is legal and every state after each step is recorded."""
    result = check(["create", "stop", "resize", "confirm_resize", "start"])
    assert result.ok
    assert bool(result)
    assert [s.status for s in result.states] == [
        Status.ACTIVE,
        Status.SHUTOFF,
        Status.VERIFY_RESIZE,
        Status.SHUTOFF,
        Status.ACTIVE,
    ]
    assert result.start.status is None
    assert result.end.status is Status.ACTIVE


def test_concurrent_requests_are_refused_with_nova_409() -> None:
    """Without settling, resize during a reboot is refused with Server's exact 409 message."""
    result = check(["reboot", "resize"], start="ACTIVE", settle=False, server_id="s1")
    assert not result.ok
    violation = result.violation
    assert violation is not None
    srv = Server("active", id="s1")
    srv.reboot()
    with pytest.raises(InvalidStateError) as info:
        srv.resize()
    assert violation.index == 1
    assert violation.operation == "resize"
    assert violation.state.status is Status.REBOOT
    assert violation.reason == str(info.value) == "Cannot 'resize' instance s1 while it is in task_state rebooting"
    assert "hard_reboot" in violation.allowed
    assert "advance" in violation.allowed
    assert "resize" not in violation.allowed
    assert len(result.states) == 1


def test_settled_requests_wait_for_the_task() -> None:
    """With settle=True the same requests are legal: the reboot ends before the resize."""
    assert check(["reboot", "resize"], start="ACTIVE").end.status is Status.VERIFY_RESIZE


def test_advance_without_a_task_is_an_illegal_step() -> None:
    """`advance` at rest is reported, worded like Server.advance's error."""
    result = check(["advance"], start="SHUTOFF", server_id="x")
    assert result.violation is not None
    with pytest.raises(InvalidStateError) as info:
        Server("stopped", id="x").advance()
    assert result.violation.reason == str(info.value)
    with pytest.raises(InvalidStateError):
        result.raise_for_violation()


def test_events_drive_a_task_step_by_step() -> None:
    """advance and fail move a running task when not settling."""
    result = check(["reboot", "advance", "advance", "advance"], start="ACTIVE", settle=False)
    assert result.ok
    assert result.end.status is Status.ACTIVE
    assert result.end.task_state is None
    failed = check(["reboot", "fail"], start="ACTIVE", settle=False)
    assert failed.end.status is Status.ERROR


@pytest.mark.parametrize(
    ("start", "status"),
    [
        ("SHUTOFF", Status.SHUTOFF),
        ("shutoff", Status.SHUTOFF),
        (Status.VERIFY_RESIZE, Status.VERIFY_RESIZE),
        ("stopped", Status.SHUTOFF),
        (("active", "rebooting"), Status.REBOOT),
        ("active/rebooting", Status.REBOOT),
        ("ACTIVE/REBOOTING", Status.REBOOT),
        (("ACTIVE", "rebooting"), Status.REBOOT),
        ("STOPPED", Status.SHUTOFF),
        ("Soft-Delete", Status.SOFT_DELETED),
        ("new", None),
        (None, None),
    ],
)
def test_start_accepts_statuses_vm_states_and_pairs(start: lifecycle.model.nodes.Place, status: Status | None) -> None:
    """start= takes a status, a vm_state, a pair (tuple or 'vm/task') or None."""
    assert check([], start=start).start.status is status


@pytest.mark.parametrize("start", ["SHUTOF", ("active", "sleeping"), ("stopped", "rebooting"), "soft-deleted"])
def test_unknown_start_names_the_choices(start: lifecycle.model.nodes.Place) -> None:
    """An unknown start raises UnknownStateError listing valid names."""
    with pytest.raises(UnknownStateError, match="Valid choices"):
        check(["start"], start=start)


def test_unknown_operation_raises_with_suggestions() -> None:
    """A typo is a usage error, not a refusal: it raises and suggests the closest name."""
    with pytest.raises(UnknownOperationError) as info:
        check(["create", "stop", "rebot"])
    assert info.value.value == "rebot"
    assert "reboot" in info.value.suggestions
    assert "advance" in info.value.choices


def test_unknown_operation_in_the_wrong_case_suggests_the_right_name() -> None:
    """REBOOT is not an operation, but the error suggests reboot, as it does for Reboot."""
    for typo in ("REBOOT", "Reboot", "CONFIRM-RESIZE"):
        with pytest.raises(UnknownOperationError) as info:
            check(["create", typo])
        assert info.value.value == typo
        assert info.value.suggestions[0] == typo.lower().replace("-", "_")
        assert f"Did you mean {info.value.suggestions[0]!r}" in str(info.value)


def test_non_string_step_is_unknown() -> None:
    """A step that is not a name at all (even unhashable) is reported, not a TypeError."""
    with pytest.raises(UnknownOperationError):
        check(["create", ["stop"]])  # type: ignore[list-item]


def test_empty_sequence_is_legal() -> None:
    """No steps: nothing to refuse, the end is the start."""
    result = check([], start="PAUSED")
    assert result.ok
    assert len(result) == 0
    assert result.end.status is Status.PAUSED


def test_generators_and_settings_are_accepted() -> None:
    """Any iterable works, and settings change the outcome (soft delete)."""
    result = check(iter(["create", "delete", "restore"]), reclaim_instance_interval=60)
    assert result.ok
    assert result.end.status is Status.ACTIVE
    assert not check(["create", "delete", "restore"])


def test_result_as_dict_is_json() -> None:
    """as_dict() serialises with the violation and each step's state."""
    data = json.loads(json.dumps(check(["create", "start"]).as_dict()))
    assert data["ok"] is False
    assert data["violation"]["index"] == 1
    assert data["violation"]["reason"].startswith("Cannot 'start' instance")
    assert data["steps"][0]["state"]["status"] == "ACTIVE"


def test_lifecycle_check_stays_the_function_after_module_import() -> None:
    """Importing the implementing modules does not shadow the package's functions."""
    import lifecycle.validate.paths
    import lifecycle.validate.sequence
    import lifecycle.validate.trace

    assert callable(lifecycle.check)
    assert callable(lifecycle.plan)
    assert callable(lifecycle.check_trace)


def _drive(ops: list[str], start: tuple[str | None, str | None], settle: bool) -> tuple[list[object], int | None, str]:
    """Run ops on a Server through the transitions machine; the reference check() must match."""
    srv = Server(*start, id="ref") if start[0] else Server(id="ref")
    seen: list[object] = []
    for index, op in enumerate(ops):
        try:
            if op == "advance":
                srv.advance()
            elif op.startswith("fail"):
                srv.fire(op)
            else:
                srv.perform(op)
        except InvalidStateError as exc:
            return seen, index, str(exc)
        if settle:
            srv.settle()
        seen.append((srv.vm_state, srv.task_state, srv.power_state, srv.launched))
    return seen, None, ""


STEPS = st.lists(st.sampled_from([*OPERATIONS, "advance", "fail"]), max_size=40)
STARTS = st.sampled_from([(None, None), ("active", None), ("stopped", None), ("active", "rebooting"), ("error", None)])


@settings(max_examples=300, deadline=None)
@given(ops=STEPS, start=STARTS, settle=st.booleans())
def test_check_matches_the_machine_step_by_step(
    ops: list[str], start: tuple[str | None, str | None], settle: bool
) -> None:
    """On random sequences, check() gives the machine's states, refusal index and message."""
    result = check(ops, start=start, settle=settle, server_id="ref")
    seen, index, message = _drive(ops, start, settle)
    got = [(s.vm_state, s.task_state, s.power_state, s.launched) for s in result.states]
    assert got == seen
    assert (None if result.violation is None else result.violation.index) == index
    if result.violation is not None:
        assert result.violation.reason == message


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_long_legal_walks_match_the_machine(seed: int) -> None:
    """Random legal walks (always accepted) agree with the machine to the last state."""
    import random

    table = table_for("nova")
    rng = random.Random(seed)
    node = table.node_for((None, None))
    ops: list[str] = []
    for _ in range(60):
        row = table.step_row(node)
        if not row:  # deleted: nothing more to do
            break
        op = rng.choice(sorted(t for t in row if t != "fail:reschedule"))  # the table does not count attempts
        ops.append(op)
        node = row[op]
    result = check(ops, settle=False)
    assert result.ok
    seen, index, _ = _drive(ops, (None, None), settle=False)
    assert index is None
    assert [(s.vm_state, s.task_state, s.power_state, s.launched) for s in result.states] == seen
