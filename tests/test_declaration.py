"""The declaration is checked when a machine is built, and a new dialect is one data module."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest

import lifecycle
from lifecycle import DeclarationError, Server, Status, TaskState, VmState
from lifecycle.model import dialects as registry
from lifecycle.model.blueprint import blueprint
from lifecycle.model.dialects import nova
from lifecycle.model.spec import Dialect, Failure, Messages, Operation, Route, Step

MESSAGES = Messages("no {action} for {id} in {attr} {state}", "no {action} for {id}", "{id} locked",
                    "{action} unsupported by {dialect}", 409, "conflict")  # fmt: skip


def _toy(name: str, operations: tuple[Operation, ...], **changes: object) -> Dialect:
    """A two-state cloud: servers are created, then can be stopped and started."""
    base = Dialect(
        name=name,
        title="Toy cloud",
        source="tests",
        vm_states=(VmState.BUILDING, VmState.ACTIVE, VmState.STOPPED, VmState.ERROR),
        task_states=(TaskState.SPAWNING, TaskState.POWERING_OFF),
        statuses=(Status.BUILD, Status.ACTIVE, Status.SHUTOFF, Status.ERROR, Status.UNKNOWN),
        status_rows=MappingProxyType({}),
        status_defaults=MappingProxyType(
            {
                VmState.BUILDING: Status.BUILD,
                VmState.ACTIVE: Status.ACTIVE,
                VmState.STOPPED: Status.SHUTOFF,
                VmState.ERROR: Status.ERROR,
            }
        ),
        operations=operations,
        nominal_power=nova.DIALECT.nominal_power,
        messages=MESSAGES,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


CREATE = Operation("create", "create", frozenset({None}),
                   (Route(frozenset({None}), (Step(TaskState.SPAWNING, VmState.BUILDING),
                                              Step(None, VmState.ACTIVE, launched=True))),),
                   Failure.ERROR, "boot", "tests", must_have_launched=False)  # fmt: skip
STOP = Operation("stop", "stop", frozenset({VmState.ACTIVE}),
                 (Route(frozenset({VmState.ACTIVE}), (Step(TaskState.POWERING_OFF), Step(None, VmState.STOPPED))),),
                 Failure.REVERT, "power off", "tests")  # fmt: skip
START = Operation("start", "start", frozenset({VmState.STOPPED}),
                  (Route(frozenset({VmState.STOPPED}), (Step(None, VmState.ACTIVE),)),),
                  Failure.REVERT, "power on", "tests")  # fmt: skip


def test_a_third_dialect_is_one_declaration() -> None:
    """A made-up dialect registers and drives Server, status_of and the refusal wording with no engine change."""
    toy = registry.register(_toy("toy-cloud", (CREATE, STOP, START)))
    srv = Server(dialect="toy-cloud", id="t1")
    srv.create()
    srv.settle()
    assert srv.status is Status.ACTIVE
    srv.stop()
    srv.settle()
    assert lifecycle.status_of("stopped", dialect=toy) is Status.SHUTOFF
    with pytest.raises(lifecycle.InvalidStateError, match=r"^no stop for t1 in vm_state stopped$"):
        srv.stop()
    with pytest.raises(lifecycle.UnsupportedOperationError, match="reboot unsupported by Toy cloud"):
        srv.reboot()
    assert "toy-cloud" in registry.names()


def test_unreachable_vm_state_is_reported() -> None:
    """A vm_state no operation reaches under any settings is listed."""
    toy2 = _toy("toy-unreachable2", (CREATE,))
    with pytest.raises(DeclarationError) as info:
        blueprint(toy2)
    assert "vm_state 'stopped' is reachable under no settings" in info.value.problems


def test_stuck_task_and_unknown_status_and_undeclared_state_are_reported() -> None:
    """A task with no step out, a pair showing UNKNOWN, and a state outside the vocabulary are all listed."""
    stuck = Operation("stop", "stop", frozenset({VmState.ACTIVE}),
                      (Route(frozenset({VmState.ACTIVE}), (Step(TaskState.POWERING_OFF),)),),
                      Failure.REVERT, "", "tests")  # fmt: skip
    rescue = Operation("rescue", "rescue", frozenset({VmState.ACTIVE}),
                       (Route(frozenset({VmState.ACTIVE}), (Step(TaskState.RESCUING), Step(None, VmState.RESCUED))),),
                       Failure.ERROR, "", "tests")  # fmt: skip
    toy = _toy("toy-broken", (CREATE, stuck, START, rescue))
    with pytest.raises(DeclarationError) as info:
        blueprint(toy)
    text = "\n".join(info.value.problems)
    assert "active.powering-off is reachable but its task never finishes" in text
    assert "vm_state 'rescued' is used but not in the dialect's vm_states" in text
    assert "task_state 'rescuing' is used but not in the dialect's task_states" in text
    assert "rescued is reachable but shows UNKNOWN" in text


def test_ambiguous_and_uncovered_operations_are_reported() -> None:
    """Two routes for one request, or a legal request with no route, are listed with the pair."""
    double = Operation("start", "start", frozenset({VmState.STOPPED}),
                       (Route(frozenset({VmState.STOPPED}), (Step(None, VmState.ACTIVE),)),
                        Route(frozenset({VmState.STOPPED}), (Step(None, VmState.BUILDING),))),
                       Failure.REVERT, "", "tests")  # fmt: skip
    uncovered = Operation("stop", "stop", frozenset({VmState.ACTIVE, VmState.STOPPED}),
                          STOP.routes, Failure.REVERT, "", "tests")  # fmt: skip
    toy = _toy("toy-ambiguous", (CREATE, uncovered, double))
    with pytest.raises(DeclarationError) as info:
        blueprint(toy)
    text = "\n".join(info.value.problems)
    assert "'start' from stopped leads to active (declared by start) and to building" in text
    assert "stop is legal at stopped" in text
    assert "0 routes apply" in text


def test_shipped_dialects_pass_every_check() -> None:
    """Nova and Huawei ECS build under every settings profile."""
    for name in ("nova", "huawei-ecs"):
        assert blueprint(name).pairs


def test_a_third_dialect_can_use_composites_rollback_and_seeded_states() -> None:
    """A toy cloud declares a composite (then), a rolled-back create and a seeded-only state as data alone."""
    restart = Operation("restart", "restart", frozenset({VmState.ACTIVE}), STOP.routes, Failure.REVERT,
                        "stop then start, one request", "tests", then=("start",))  # fmt: skip
    create = dataclasses.replace(CREATE, failure=Failure.DELETE)
    toy = registry.register(
        _toy(
            "toy-composite",
            (create, STOP, START, restart),
            vm_states=(VmState.BUILDING, VmState.ACTIVE, VmState.STOPPED, VmState.DELETED, VmState.SHELVED),
            seeded_only=frozenset({VmState.SHELVED}),
            status_defaults=MappingProxyType(
                {
                    VmState.BUILDING: Status.BUILD,
                    VmState.ACTIVE: Status.ACTIVE,
                    VmState.STOPPED: Status.SHUTOFF,
                    VmState.DELETED: Status.DELETED,
                    VmState.SHELVED: Status.SHELVED,
                }
            ),
        )
    )
    srv = Server("active", dialect=toy)
    srv.restart()
    assert srv.settle() == 2
    assert srv.status is Status.ACTIVE
    new = Server(dialect=toy)
    new.create()
    new.fail()
    assert new.vm_state is VmState.DELETED
    assert Server("shelved", dialect=toy).allowed_operations() == []


def test_a_composite_naming_a_refused_or_missing_operation_is_reported() -> None:
    """then= must name declared operations that are legal where the previous one ends."""
    bad = Operation("restart", "restart", frozenset({VmState.ACTIVE}), STOP.routes, Failure.REVERT, "", "tests",
                    then=("stop", "reboot"))  # fmt: skip
    with pytest.raises(DeclarationError) as info:
        blueprint(_toy("toy-bad-then", (CREATE, STOP, START, bad)))
    assert "restart: then runs 'stop' at stopped, where it is refused" in "\n".join(info.value.problems)
    missing = dataclasses.replace(bad, then=("reboot",))
    with pytest.raises(DeclarationError) as info2:
        blueprint(_toy("toy-missing-then", (CREATE, STOP, START, missing)))
    assert "restart: then names 'reboot', which the dialect does not declare" in "\n".join(info2.value.problems)
