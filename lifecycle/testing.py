"""Assertion helpers for tests of code that drives servers, with failure messages that explain.

A bare ``assert srv.status == "ACTIVE"`` fails with ``REBOOT != ACTIVE`` and
leaves the reader to guess how the server got there. These helpers fail with the
server's state, its step history (with simulated times for a fleet server)
and what it would accept now::

    AssertionError: server web-1 shows REBOOT, expected ACTIVE
      now: vm_state=active task_state=reboot_started power_state=1 at t=5.0s
      history (last 3 of 3):
        t=      0.0s web-1 reboot (request): active -> active.rebooting [REBOOT, power=1]
        ...
      allowed now: hard_reboot, delete, force_delete, evacuate

They need no pytest (plain ``AssertionError``) and are re-exported by the
pytest plugin (:mod:`lifecycle.pytest_plugin`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from lifecycle.errors import ArgumentTypeError, InvalidStateError
from lifecycle.model.states import PowerState, Status, TaskState, VmState
from lifecycle.model.status import parse_power_state, parse_status, parse_task_state, parse_vm_state

if TYPE_CHECKING:
    from lifecycle.simulate.fleet import Fleet
    from lifecycle.simulate.server import Server

__all__ = [
    "assert_allowed",
    "assert_idle",
    "assert_refused",
    "assert_state",
    "assert_status",
    "assert_status_counts",
    "describe",
]

_HISTORY_LINES = 12


class _Unset(enum.Enum):
    UNSET = "unset"


_UNSET: Final = _Unset.UNSET


def describe(server: Server, *, limit: int = _HISTORY_LINES) -> str:
    """The server's state, its last ``limit`` changes and its allowed operations, as indented lines."""
    vm = "-" if server.vm_state is None else server.vm_state.value
    task = "None" if server.task_state is None else server.task_state.value
    fleet = getattr(server, "fleet", None)
    when = "" if fleet is None else f" at t={fleet.clock.now():g}s"
    lines = [f"  now: vm_state={vm} task_state={task} power_state={int(server.power_state)}{when}"]
    if fleet is not None:
        steps = [str(e) for e in fleet.events.for_server(server)]
    else:
        steps = [str(c) for c in server.history or ()]
    if steps:
        shown = steps[-limit:]
        lines.append(f"  history (last {len(shown)} of {len(steps)}):")
        lines += [f"    {line}" for line in shown]
    elif server.history is None:
        lines.append("  history: not recorded (history=False)")
    else:
        lines.append("  history: no change yet")
    lines.append(f"  allowed now: {', '.join(server.allowed_operations()) or '(nothing)'}")
    return "\n".join(lines)


def _name(server: Server) -> str:
    return server.name if server.name == server.id else f"{server.name} ({server.id})"


def assert_status(server: Server, status: Status | str) -> None:
    """Fail unless ``server`` shows ``status``; the message shows how it got where it is.

    Raises:
        AssertionError: it shows another status.
        UnknownStateError: ``status`` is not a status name.
    """
    __tracebackhide__ = True
    wanted = parse_status(status)
    if server.status is not wanted:
        shown = "no status (not created)" if server.status is None else server.status.value
        raise AssertionError(f"server {_name(server)} shows {shown}, expected {wanted.value}\n{describe(server)}")


def assert_state(
    server: Server,
    vm_state: VmState | str | _Unset | None = _UNSET,
    task_state: TaskState | str | _Unset | None = _UNSET,
    power_state: PowerState | int | str | _Unset = _UNSET,
) -> None:
    """Fail unless the server's fields are the ones given (fields not given are not checked).

    ``task_state=None`` checks that no task runs.

    Raises:
        AssertionError: a field differs; every differing field is named.
    """
    __tracebackhide__ = True
    wrong: list[str] = []
    if not isinstance(vm_state, _Unset):
        want_vm = None if vm_state is None else parse_vm_state(vm_state)
        if server.vm_state is not want_vm:
            wrong.append(f"vm_state is {_value(server.vm_state)}, expected {_value(want_vm)}")
    if not isinstance(task_state, _Unset):
        want_task = parse_task_state(task_state)
        if server.task_state is not want_task:
            wrong.append(f"task_state is {_value(server.task_state)}, expected {_value(want_task)}")
    if not isinstance(power_state, _Unset):
        want_power = parse_power_state(power_state)
        if server.power_state is not want_power:
            wrong.append(f"power_state is {int(server.power_state)}, expected {int(want_power)}")
    if wrong:
        raise AssertionError(f"server {_name(server)}: {'; '.join(wrong)}\n{describe(server)}")


def assert_allowed(server: Server, *operations: str) -> None:
    """Fail unless every one of ``operations`` would be accepted now.

    Raises:
        AssertionError: names the refused operations and why each is refused.
    """
    __tracebackhide__ = True
    refused = [op for op in operations if not server.may(op)]
    if refused:
        raise AssertionError(
            f"server {_name(server)} would refuse {', '.join(refused)} (status {_value(server.status)})\n"
            f"{describe(server)}"
        )


def assert_refused(server: Server, operation: str) -> InvalidStateError:
    """Fail unless requesting ``operation`` is refused; the server must be left unchanged.

    Returns:
        The refusal, to check its fields (``attr``, ``state``, ``allowed``).

    Raises:
        AssertionError: the request would be accepted (checked with ``server.may``:
            nothing is performed).
    """
    __tracebackhide__ = True
    from lifecycle.simulate.server import has_host

    if server.may(operation):  # legal: say so without performing it (raises for unknown names)
        op = server.operation(operation)
        early = op.refused_by(server.settings) if op.refusals else None
        refused_early = early is not None and not early.after_state_check  # checks perform makes first
        no_host = op.checks_host and not has_host(server.vm_state, server.task_state, server.launched)
        if not (refused_early or no_host):
            raise AssertionError(f"server {_name(server)} accepts {operation}, expected a refusal\n{describe(server)}")
    before = (server.vm_state, server.task_state, server.power_state)
    try:
        server.perform(operation)
    except InvalidStateError as exc:
        after = (server.vm_state, server.task_state, server.power_state)
        if after != before:
            raise AssertionError(f"refusing {operation} changed server {_name(server)}\n{describe(server)}") from exc
        return exc
    raise AssertionError(f"server {_name(server)} accepted {operation}, expected a refusal\n{describe(server)}")


def assert_idle(fleet: Fleet | Server) -> None:
    """Fail unless no server of the fleet (or this one server) has a task running.

    Raises:
        AssertionError: lists the busy servers with their task.
        ArgumentTypeError: ``fleet`` is neither a Fleet nor a Server.
    """
    __tracebackhide__ = True
    from lifecycle.simulate.fleet import Fleet
    from lifecycle.simulate.server import Server

    if isinstance(fleet, Server):
        if fleet.task_state is not None:
            raise AssertionError(f"server {_name(fleet)} still busy: {_value(fleet.task_state)}\n{describe(fleet)}")
        return
    if not isinstance(fleet, Fleet):
        raise ArgumentTypeError("fleet", fleet, "a Fleet or a Server")
    busy = [s for s in fleet.servers() if s.task_state is not None]
    if busy:
        shown = ", ".join(f"{s.name} ({_value(s.task_state)})" for s in busy[:10])
        more = f" and {len(busy) - 10} more" if len(busy) > 10 else ""
        raise AssertionError(f"{len(busy)} server(s) still busy at t={fleet.clock.now():g}s: {shown}{more}")


def assert_status_counts(fleet: Fleet, expected: Mapping[str, int]) -> None:
    """Fail unless the fleet's servers show exactly these status counts (statuses not listed: none).

    Raises:
        AssertionError: shows expected and actual counts side by side.
    """
    __tracebackhide__ = True
    wanted = {parse_status(k).value: v for k, v in expected.items() if v}
    actual = fleet.status_counts()
    if actual != wanted:
        keys = sorted({*wanted, *actual})
        rows = "\n".join(f"    {k:<18} expected {wanted.get(k, 0):>6}  actual {actual.get(k, 0):>6}" for k in keys)
        raise AssertionError(f"status counts differ at t={fleet.clock.now():g}s:\n{rows}")


def _value(value: VmState | TaskState | Status | None) -> str:
    return "None" if value is None else value.value
