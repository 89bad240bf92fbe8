"""A simulated server: the object users drive through the lifecycle.

A :class:`Server` is a model of the shared `transitions` machine of its dialect
and settings; operations fire that machine, so every accepted request and every
task step is exactly the machine's. Where the machine refuses, the error is
worded from the declaration's precondition, like Nova's 409.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from lifecycle.errors import (
    ArgumentTypeError,
    InstanceLockedError,
    InstanceNotReadyError,
    InvalidStateError,
    RequestRefusedError,
    UnknownNameError,
    UnknownOperationError,
    UnknownStateError,
    UnsupportedOperationError,
)
from lifecycle.model import dialects
from lifecycle.model.blueprint import ADVANCE, FAIL, is_failure, pair_name
from lifecycle.model.settings import Settings, SettingTypeError
from lifecycle.model.spec import Dialect, Fault, Operation, Pair
from lifecycle.model.states import PowerState, Status, TaskState, VmState
from lifecycle.model.status import parse_power_state, parse_task_state, parse_vm_state
from lifecycle.model.table import Table, table_for

__all__ = [
    "Change",
    "FaultRecord",
    "Server",
    "all_operation_names",
    "find_fault",
    "has_host",
    "idle_refusal",
    "operation_error",
    "refusal",
]


@dataclasses.dataclass(frozen=True, slots=True)
class FaultRecord:
    """The fault Nova records on a server whose task failed (``instance_faults``).

    The API shows it (code, message, created; details to admins or when the
    code is not 500) while the server is ERROR (``views/servers.py:_get_fault``).

    Attributes:
        kind: the failure kind (``no_valid_host``), or ``error`` for the generic one.
        exception: Nova's exception class name.
        code: its code (500 for most).
        message: the message Nova stores.
        operation: the operation whose task failed.
    """

    kind: str
    exception: str
    code: int
    message: str
    operation: str

    @property
    def details(self) -> str:
        """What Nova stores as details: the traceback's last line, here the exception and message."""
        return f"{self.exception}: {self.message}"


def find_fault(dialect: Dialect, name: object) -> Fault:
    """The declared fault kind called ``name`` (its kind, ``fail:<kind>`` or Nova's exception name, any case).

    Raises:
        UnknownNameError: no operation of the dialect declares it.
        ArgumentTypeError: ``name`` is not a str (``fail(3)``); the message lists the kinds.
    """
    faults = [f for op in dialect.operations for f in op.faults]
    if not isinstance(name, str):
        kinds = ", ".join(dict.fromkeys(f.kind for f in faults))
        raise ArgumentTypeError("fault", name, f"a failure kind (str) or None: one of {kinds}")
    key = name.removeprefix("fail:").replace("-", "_").lower()
    for fault in faults:
        if key == fault.kind or (fault.exception != "Exception" and key == fault.exception.lower()):
            return fault
    raise UnknownNameError("failure kind", name, dict.fromkeys(f.kind for f in faults))


def has_host(vm: VmState | None, task: TaskState | None, launched: bool) -> bool:
    """Whether a server in this state has a compute host (``instance.host`` set).

    None before scheduling ends, once offloaded (``_shelve_offload_instance``
    clears it until the unshelve spawns), and after a failed build
    (``_nil_out_instance_obj_host_and_node``: an ERROR server never launched).
    """
    if vm is None or (vm is VmState.BUILDING and task is TaskState.SCHEDULING):
        return False
    if vm is VmState.SHELVED_OFFLOADED:
        return task is TaskState.SPAWNING
    return not (vm is VmState.ERROR and not launched)


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """One recorded change of a server: what fired and the pair before and after."""

    trigger: str
    before: Pair
    after: Pair
    power_state: PowerState

    def __str__(self) -> str:
        return f"{self.trigger}: {pair_name(self.before)} -> {pair_name(self.after)}"


def all_operation_names() -> tuple[str, ...]:
    """Every operation name some registered dialect declares."""
    return tuple(dict.fromkeys(op.name for name in dialects.names() for op in dialects.get(name).operations))


class Server:
    """One server walking its dialect's lifecycle.

    ``Server()`` starts before ``create``; ``Server("stopped")`` or
    ``Server(vm_state="resized", power_state=4)`` starts anywhere the model has.

    Args:
        vm_state: where it starts (None: not created yet).
        task_state: the task running there (None: idle).
        power_state: defaults to the dialect's nominal power for ``vm_state``.
        dialect: ``"nova"`` (default), ``"huawei-ecs"`` or a :class:`Dialect`.
        id / name: identify it in messages (``id`` defaults to a UUID4).
        launched: whether it ever finished spawning (default: it did, unless
            building or not created).
        locked: refuse operations that check the lock, as Nova's lock does.
        history: record every change in :attr:`history`.
        **settings: cloud options, see :class:`lifecycle.Settings`.

    Operations are methods named after them (``srv.reboot()``) or
    ``srv.perform("reboot")``; an illegal one raises :class:`InvalidStateError`.

    Raises:
        UnknownStateError: a name outside the vocabulary, or a pair the dialect's
            model does not have.
    """

    __slots__ = (
        "__weakref__",
        "attempts",
        "fault",
        "history",
        "id",
        "launched",
        "locked",
        "name",
        "pending",
        "power_state",
        "table",
        "task_state",
        "vm_state",
    )

    def __init__(
        self,
        vm_state: VmState | str | None = None,
        task_state: TaskState | str | None = None,
        power_state: PowerState | int | str | None = None,
        *,
        dialect: str | Dialect = "nova",
        id: str | None = None,  # noqa: A002 - the API's own field name
        name: str | None = None,
        launched: bool | None = None,
        locked: bool = False,
        history: bool = True,
        settings: Settings | None = None,
        **options: Any,
    ) -> None:
        for flag, value in (("locked", locked), ("history", history), ("launched", launched)):
            if not isinstance(value, bool) and not (flag == "launched" and value is None):
                raise SettingTypeError(flag, value, bool)
        self.table: Table = table_for(dialect, Settings.from_kwargs(settings, **options))
        vm = None if vm_state is None else parse_vm_state(vm_state)
        task = parse_task_state(task_state)
        pair = (vm, task)
        if pair_name(pair) not in self.table._pair_by_name:
            known = [pair_name(p) for p in self.table.blueprint.pairs if p[0] == vm]
            raise UnknownStateError(f"pair for dialect {self.dialect.name!r}", pair_name(pair), known)
        node = self.table.node_for(pair, None if power_state is None else parse_power_state(power_state), launched)
        self.vm_state: VmState | None = vm
        self.task_state: TaskState | None = task
        _, _, self.power_state, self.launched = self.table.nodes[node]
        self.id: str = id or str(uuid.uuid4())
        self.name: str = name or self.id
        self.locked = locked
        self.history: list[Change] | None = [] if history else None
        self.pending: tuple[str, ...] = ()
        """Operations the cloud still runs as parts of the current request (an operation's ``then``)."""
        self.attempts = 0
        """Hosts this build was rescheduled from (``fail:reschedule``); at ``max_attempts``: MaxRetriesExceeded."""
        self.fault: FaultRecord | None = None
        """The fault of the last failed task (Nova keeps it; the API shows it while ERROR)."""

    # -- state ------------------------------------------------------------
    @property
    def dialect(self) -> Dialect:
        """The dialect this server follows."""
        return self.table.blueprint.dialect

    @property
    def settings(self) -> Settings:
        """The cloud settings this server follows."""
        return self.table.blueprint.settings

    @property
    def state(self) -> str:
        """Machine state name (``active.rebooting``); `transitions` reads and writes it."""
        return pair_name((self.vm_state, self.task_state))

    @state.setter
    def state(self, name: str) -> None:
        self.vm_state, self.task_state = self.table._pair_by_name[name]

    @property
    def pair(self) -> Pair:
        """``(vm_state, task_state)``."""
        return (self.vm_state, self.task_state)

    @property
    def status(self) -> Status | None:
        """The public status (None before ``create``)."""
        if self.vm_state is None:
            return None
        return self.dialect.status(self.vm_state, self.task_state)

    @property
    def node(self) -> int:
        """This server's node in the compiled :class:`~lifecycle.model.table.Table`."""
        return self.table.node_id((self.vm_state, self.task_state, self.power_state, self.launched))

    @property
    def busy(self) -> bool:
        """A task is running (there is a step left to take)."""
        return ADVANCE in self.table.step_row(self.node)

    # -- operations -------------------------------------------------------
    def operation(self, name: str) -> Operation:
        """The declaration of ``name`` in this server's dialect.

        Raises:
            UnsupportedOperationError: another dialect has it, this one does not.
            UnknownOperationError: no dialect has it.
        """
        op = self.dialect.operation_map.get(name) if isinstance(name, str) else None
        if op is not None:
            return op
        raise operation_error(self.dialect, name)

    def may(self, operation: str, *, admin: bool = False) -> bool:
        """Whether ``operation`` would be accepted now (an ``admin`` passes the lock); never raises for known names."""
        op = self.dialect.operation_map.get(operation) if isinstance(operation, str) else None
        if op is None:
            if operation == ADVANCE or is_failure(operation):
                return operation in self.table.step_row(self.node)
            self.operation(operation)  # raises the right error for unknown names
            return False
        if op.checks_lock and self.locked and not admin:
            return False
        return operation in self.table.step_row(self.node)

    def allowed_operations(self) -> list[str]:
        """The operations :meth:`may` accepts now, in declaration order."""
        row = self.table.step_row(self.node)
        return [op.name for op in self.dialect.operations if op.name in row and not (op.checks_lock and self.locked)]

    def perform(self, operation: str, *, admin: bool = False) -> None:
        """Request ``operation``; on success the server is in the operation's first task.

        Checks run in Nova's order: the microversion (a 404), the lock
        (``check_instance_lock``, which an ``admin`` passes), the host
        (``check_instance_host``), the state, then refusals Nova makes after the
        state check (volume-backed, host still up: 400s).

        Raises:
            RequestRefusedError: refused under these settings (microversion,
                volume_backed, host_up), with Nova's status in ``http_status``.
            InstanceLockedError: the server is locked and the operation checks it.
            InstanceNotReadyError: the operation needs a host and the server has none.
            InvalidStateError: the operation is not legal in the current state.
            UnsupportedOperationError / UnknownOperationError: no such operation here.
        """
        op = self.operation(operation)
        early = op.refused_by(self.settings) if op.refusals else None
        if early is not None and not early.after_state_check:
            raise self._refusal(op)
        if op.checks_lock and self.locked and not admin:
            raise InstanceLockedError(
                self.dialect.messages.locked.format(id=self.id, action=op.action),
                operation=op.name,
                server_id=self.id,
                vm_state=self._value(self.vm_state),
                task_state=self._value(self.task_state),
                attr="locked",
                state="True",
                allowed=[o for o in self.allowed_operations() if not self.operation(o).checks_lock],
            )
        if op.checks_host and not has_host(self.vm_state, self.task_state, self.launched):
            raise self._refusal(op)
        if op.name == "create":
            self.attempts = 0
        if not self._fire(op.name, op.then):
            raise self._refusal(op)
        self.run_pending()

    def fire(self, trigger: str) -> None:
        """Request an operation, or take the task event ``advance`` or ``fail``: one step of a sequence.

        Raises:
            InvalidStateError: the operation is refused, or no task runs for an event.
            UnsupportedOperationError / UnknownOperationError: no such operation here.
        """
        if trigger != ADVANCE and not is_failure(trigger):
            self.perform(trigger)
        elif not self._fire(trigger):
            raise self._idle_error(trigger)
        elif trigger != ADVANCE:
            self.pending = ()
        else:
            self.run_pending()

    def advance(self) -> None:
        """Take one step of the running task.

        Raises:
            InvalidStateError: no task is running.
        """
        self.fire(ADVANCE)

    def settle(self) -> int:
        """Run the current task (and the rest of a composite request) to its end; returns the steps taken."""
        steps = 0
        while self._fire(ADVANCE) or self.run_pending():
            steps += 1
        return steps

    def run_pending(self) -> bool:
        """Request the next operation of a composite once the task before it has ended; whether one started.

        The cloud makes this request itself, so the lock is not checked. If the
        server has moved where it is refused (reset meanwhile), the rest is dropped.
        """
        if not self.pending or ADVANCE in self.table.step_row(self.node):
            return False
        name, self.pending = self.pending[0], self.pending[1:]
        if self._fire(name):
            return True
        self.pending = ()
        return False

    def fail(self, fault: str | None = None) -> None:
        """Make the running task fail, leaving the server where Nova leaves it (error, or task cleared).

        Args:
            fault: a failure kind the dialect declares (``"no_valid_host"``,
                ``"NoValidHost"``, ``"reschedule"``...); None is the generic
                failure of the operation. A ``reschedule`` once ``max_attempts``
                hosts were tried is ``max_retries`` (ERROR), as in Nova.

        Raises:
            InvalidStateError: no task is running, or none this kind can strike.
            UnknownNameError: ``fault`` is no kind of this dialect.
        """
        self.fire(FAIL if fault is None else self.fault_trigger(fault))

    def fault_trigger(self, fault: str) -> str:
        """The trigger failing the running task with kind ``fault`` now (a spent reschedule is its limit's kind)."""
        found = find_fault(self.dialect, fault)
        if found.retry_limit is not None and self.attempts + 1 >= self.settings.max_attempts:
            found = find_fault(self.dialect, found.retry_limit)
        return found.trigger

    def lock(self) -> None:
        """Lock the server (Nova's ``lock`` action: no state check)."""
        self.locked = True

    def unlock(self) -> None:
        """Unlock the server."""
        self.locked = False

    def __getattr__(self, name: str) -> Callable[..., None]:
        # Operation methods (srv.reboot()) come from the dialect, so a new
        # dialect's operations need no code here.
        if name.startswith("_") or (name not in self.dialect.operation_map and name not in all_operation_names()):
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

        def run(*, admin: bool = False) -> None:
            self.perform(name, admin=admin)

        run.__name__ = name
        return run

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.dialect.operation_map})

    def __repr__(self) -> str:
        return (
            f"<Server {self.name} {self.status} vm_state={self._value(self.vm_state)} "
            f"task_state={self._value(self.task_state)} power_state={int(self.power_state)}>"
        )

    # -- internals --------------------------------------------------------
    @staticmethod
    def _value(state: VmState | TaskState | None) -> str | None:
        return None if state is None else state.value

    def _fire(self, trigger: str, then: tuple[str, ...] | None = None) -> bool:
        """Fire ``trigger`` at the machine; on success, ``then`` (if given) becomes :attr:`pending`.

        A request replaces what was pending (a new request cancels the rest of a
        composite); the cloud's own follow-ups and task events pass None.
        """
        from lifecycle.model.machine import MachineError  # transitions loads on the first fire, not on import

        event = self.table.machine.events.get(trigger)
        if event is None:
            return False
        before = self.pair
        try:
            accepted = bool(event.trigger(self))
        except MachineError:
            return False
        if accepted:
            if then is not None:
                self.pending = then
            if trigger != ADVANCE and is_failure(trigger):
                self.note_failure(trigger, before)
            if self.history is not None:
                self.history.append(Change(trigger, before, self.pair, self.power_state))
        return accepted

    def note_failure(self, trigger: str, before: Pair) -> None:
        """Record the fault of a failure just taken (and count a reschedule)."""
        self.fault = fault_record(self.dialect, trigger, before, self.id)
        if trigger.endswith(":reschedule"):
            self.attempts += 1

    def _refusal(self, op: Operation) -> InvalidStateError:
        return refusal(
            self.dialect,
            op,
            server_id=self.id,
            vm_state=self.vm_state,
            task_state=self.task_state,
            launched=self.launched,
            allowed=self.allowed_operations(),
            settings=self.settings,
        )

    def _idle_error(self, trigger: str) -> InvalidStateError:
        return idle_refusal(
            trigger,
            server_id=self.id,
            vm_state=self.vm_state,
            task_state=self.task_state,
            allowed=self.allowed_operations(),
        )


# Refusals are built here, outside Server, so that code judging states without a
# Server (lifecycle.validate.sequence, lifecycle.validate.trace) words them exactly as Server does.


def _value(state: VmState | TaskState | None) -> str | None:
    return None if state is None else state.value


def operation_error(dialect: Dialect, name: str) -> UnsupportedOperationError | UnknownOperationError:
    """The error for an operation ``dialect`` does not declare: unsupported here, or unknown everywhere."""
    own = list(dialect.operation_map)
    if isinstance(name, str) and name in all_operation_names():
        return UnsupportedOperationError(
            dialect.messages.unsupported.format(action=name, dialect=dialect.title),
            operation=name,
            dialect=dialect.name,
            supported=own,
        )
    return UnknownOperationError("operation", name, own)


def fault_record(dialect: Dialect, trigger: str, before: Pair, server_id: str) -> FaultRecord:
    """The fault a failure trigger taken from ``before`` leaves, worded as Nova words it."""
    kind = trigger.removeprefix("fail:")
    ops = [op for op in dialect.operations if any(before[1] == s.task for r in op.routes for s in r.steps)]
    if trigger == FAIL:
        action = ops[0].action if ops else "complete"
        return FaultRecord("error", "Exception", 500, f"Failed to {action} instance {server_id}", action)
    for op in ops or dialect.operations:
        for fault in op.faults:
            if fault.kind == kind and before[1] in fault.tasks:
                message = fault.message.format(id=server_id)
                return FaultRecord(kind, fault.exception, fault.code, message, op.name)
    fault = find_fault(dialect, kind)
    return FaultRecord(kind, fault.exception, fault.code, fault.message.format(id=server_id), "")


def refusal(
    dialect: Dialect,
    op: Operation,
    *,
    server_id: str,
    vm_state: VmState | None,
    task_state: TaskState | None,
    launched: bool,
    allowed: Iterable[str],
    settings: Settings | None = None,
    host: str = "<host>",
) -> InvalidStateError:
    """Nova's refusal of ``op`` in this state: a settings refusal, no host, or the 409 of the precondition.

    Checked in Nova's order (see :meth:`Server.perform`; the lock is the caller's).
    """
    messages = dialect.messages
    reason = op.rejection(vm_state, task_state, launched)
    found = op.refused_by(settings) if settings is not None and op.refusals else None
    fields: dict[str, Any] = {
        "operation": op.name,
        "server_id": server_id,
        "vm_state": _value(vm_state),
        "task_state": _value(task_state),
        "allowed": allowed,
    }
    if found is not None and not found.after_state_check:
        return _refused(found, server_id, host, settings, fields)
    if op.checks_host and not has_host(vm_state, task_state, launched):
        return InstanceNotReadyError(f"Instance {server_id} is not ready", attr="host", state=None, **fields)
    if found is not None and reason is None:
        return _refused(found, server_id, host, settings, fields)
    attr, state = reason if reason is not None else (None, None)
    if attr is not None and state is not None:
        message = messages.state.format(action=op.action, id=server_id, attr=attr, state=state)
    else:
        message = messages.no_state.format(action=op.action, id=server_id)
    return InvalidStateError(
        message,
        operation=op.name,
        server_id=server_id,
        vm_state=_value(vm_state),
        task_state=_value(task_state),
        attr=attr,
        state=None if state is None else str(state),
        allowed=allowed,
    )


def idle_refusal(
    trigger: str,
    *,
    server_id: str,
    vm_state: VmState | None,
    task_state: TaskState | None,
    allowed: Iterable[str],
) -> InvalidStateError:
    """The error for ``advance`` or ``fail`` when no task is running."""
    return InvalidStateError(
        f"Server {server_id} has no task running to {trigger} "
        f"(vm_state {_value(vm_state)}, task_state {_value(task_state)})",
        operation=trigger,
        server_id=server_id,
        vm_state=_value(vm_state),
        task_state=_value(task_state),
        attr="task_state",
        state=None,
        allowed=allowed,
    )


def _refused(
    found: Any, server_id: str, host: str, settings: Settings | None, fields: dict[str, Any]
) -> RequestRefusedError:
    version = settings.microversion if settings is not None else ""
    message = found.message.format(id=server_id, host=host, microversion=version, image="<image>")
    error = RequestRefusedError(message, attr="settings", state=str(found.when), **fields)
    error.http_status = found.http_status
    return error
