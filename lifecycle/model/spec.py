"""The shape of a dialect declaration: the one place a lifecycle is written down.

A dialect (:mod:`lifecycle.model.dialects.nova`, :mod:`lifecycle.model.dialects.huawei_ecs`)
is plain data made of these records. The state machine, the compiled tables, the
validator, the simulator, the diagrams and the docs are all derived from it, so a
rule changes in one place.

The model of one server is the pair ``(vm_state, task_state)`` plus two facts
Nova's own checks read: ``power_state`` (confirm and revert of a resize branch on
it) and whether the server ever finished spawning (``launched_at``; most
operations refuse a server that never ran).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from lifecycle.model.settings import Settings
from lifecycle.model.states import PowerState, Status, TaskState, VmState

__all__ = [
    "ANY",
    "Any",
    "Dialect",
    "Failure",
    "Fault",
    "Messages",
    "Operation",
    "Pair",
    "Refusal",
    "Route",
    "Step",
    "When",
]

Pair = tuple[VmState | None, TaskState | None]
"""A ``(vm_state, task_state)`` pair; vm_state None is the server before ``create``."""


class Any(enum.Enum):
    """Marker for "not checked" in an operation's precondition (Nova's ``None``)."""

    ANY = "any"

    def __repr__(self) -> str:
        return "ANY"


ANY: Final = Any.ANY


class Failure(enum.Enum):
    """Where a failing task leaves the server, per Nova's decorators."""

    ERROR = "error"
    """``_error_out_instance_on_exception``: vm_state error, task cleared."""
    REVERT = "revert"
    """``reverts_task_state``: task cleared, vm_state unchanged."""
    DELETE = "delete"
    """The cloud rolls the request back by removing the server (Huawei's native create: no ERROR server remains)."""
    ROLLBACK = "rollback"
    """``InstanceFaultRollback`` in ``_error_out_instance_on_exception``: back to the vm_state before, task cleared."""
    RESCHEDULE = "reschedule"
    """The build goes back to the scheduler (``building/scheduling``) to try another host."""
    SWALLOWED = "swallowed"
    """The error is logged and dropped: the operation ends where it would have (reboot whose guest still runs)."""


FAIL_PREFIX = "fail:"
"""Trigger of a named failure kind: ``fail:no_valid_host``."""


def fault_trigger(kind: str) -> str:
    """The machine trigger of failure kind ``kind`` (``fail:no_valid_host``)."""
    return FAIL_PREFIX + kind


@dataclasses.dataclass(frozen=True, slots=True)
class Fault:
    """A named way an operation's task fails, and where Nova's code leaves the server then.

    The generic failure (trigger ``fail``) stays the operation's :class:`Failure`;
    a fault adds the trigger ``fail:<kind>`` at the tasks where Nova raises it.

    Attributes:
        kind: snake_case name, chosen by users (``no_valid_host``).
        exception: Nova's exception class (``NoValidHost``), accepted as a name too.
        outcome: where it leaves the server.
        tasks: the task_states it strikes in (where the code raising it runs).
        message: the fault message Nova records (``{id}`` is the server id).
        code: the fault's HTTP-like code (NovaException's 500 unless the class says).
        cite: where Nova handles it.
        retry_limit: for :attr:`Failure.RESCHEDULE`: once ``max_attempts`` runs
            failed this way, the kind taken instead (``MaxRetriesExceeded``).
    """

    kind: str
    exception: str
    outcome: Failure
    tasks: frozenset[TaskState]
    message: str
    cite: str
    code: int = 500
    retry_limit: str | None = None

    @property
    def trigger(self) -> str:
        """The machine trigger: ``fail:<kind>``."""
        return fault_trigger(self.kind)


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    """A request refused whatever the server's state, under some settings (a 400, not a 409).

    Attributes:
        when: the settings under which the request is refused (microversion, volume_backed...).
        message: Nova's message; ``{id}`` is the server id.
        http_status: the answer's status (400 unless Nova says otherwise).
        cite: where Nova refuses it.
        after_state_check: Nova checks the state first (``@check_instance_state``
            wraps the method raising it), so a wrong state still gets its 409.
    """

    when: When
    message: str
    cite: str
    http_status: int = 400
    after_state_check: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """One write of the server's state while an operation runs.

    Attributes:
        task: the task_state written (None clears it).
        vm: the vm_state written; None keeps the one the server is in (Nova keeps
            vm_state while a task runs and changes it at the end).
        power: the power_state the driver reports after this step; None keeps it.
        launched: True where the spawn finishes and ``launched_at`` is set.
        failure: overrides the operation's :class:`Failure` for this step.
    """

    task: TaskState | None
    vm: VmState | None = None
    power: PowerState | None = None
    launched: bool | None = None
    failure: Failure | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class When:
    """A condition on :class:`~lifecycle.model.settings.Settings` that selects a route."""

    text: str
    test: Callable[[Settings], bool] = dataclasses.field(compare=False)

    def __str__(self) -> str:
        return self.text


@dataclasses.dataclass(frozen=True, slots=True)
class Route:
    """The steps an accepted operation walks from some source vm_states.

    Attributes:
        sources: vm_states this route starts from (None: before ``create``).
        steps: the writes in order; the first is the task the API sets, the last
            clears the task and is where the server rests.
        when: the settings under which this route applies (None: always).
        powered_off: guard on ``power_state == SHUTDOWN`` for every edge of the
            route (None: no guard). Nova branches on it in confirm and revert.
        launched: guard on the server having finished a spawn (None: no guard);
            Nova's API falls back from soft to hard delete on it.
        in_place: the request changes neither vm_state nor task_state (a
            metadata update during a reboot leaves the reboot running); ``steps``
            is then ``(Step(None),)`` and only says so.
        unplaced: guard of the route's task steps (not its request) on
            ``power_state == NOSTATE``: the guest is not on the host running
            the task, as on an evacuation's destination (Nova's
            ``_get_power_state`` finds no guest there). Rebuild and evacuate
            share their pairs and part where this differs.
        from_tasks: the task_states (None for idle) this route starts from, when
            it depends on them (None: every task the operation accepts). Nova's
            delete of a server still scheduling has no host to ask, for example.
        cite: Nova (or vendor) source of this route.
    """

    sources: frozenset[VmState | None]
    steps: tuple[Step, ...]
    when: When | None = None
    powered_off: bool | None = None
    launched: bool | None = None
    from_tasks: frozenset[TaskState | None] | None = None
    cite: str = ""
    unplaced: bool | None = None
    in_place: bool = False

    def starts_at(self, vm: VmState | None, task: TaskState | None) -> bool:
        """Whether this route is the one for a request made in ``(vm, task)`` (guards aside)."""
        return vm in self.sources and (self.from_tasks is None or task in self.from_tasks)


@dataclasses.dataclass(frozen=True, slots=True)
class Operation:
    """An operation a user requests, with where it is legal and where it leads.

    Attributes:
        name: snake_case name, the trigger of the machine (``confirm_resize``).
        action: the API action named in the 409 message (``confirmResize``).
        vm_states: vm_states that accept it (``check_instance_state(vm_state=)``).
        task_states: task_states that accept it; the default ``{None}`` means no
            task may be running, :data:`ANY` means the task is not checked.
        must_have_launched: refuse servers that never finished spawning.
        checks_lock: refuse locked servers (``@check_instance_lock``).
        routes: the paths, by source vm_state, settings and power.
        failure: where a failing task leaves the server.
        summary: one line for docs and ``--help``.
        cite: source of the precondition.
        then: operations the cloud itself requests next, in order, once this
            one's task has ended, as parts of one request (Huawei's
            ``withStopServer`` job: stop, resize, start). They skip the lock
            check; the blueprint checks each is legal where the one before ends.
        faults: named failure kinds besides the generic one (:class:`Fault`).
        refusals: settings under which the request is refused outright (:class:`Refusal`).
        checks_host: ``@check_instance_host`` runs before the state check: a
            server with no host gets 409 "Instance ... is not ready".
        internal: sent by the cloud itself, not by users (the power-update
            event, the power sync's ``force_stop``): ``plan`` never uses it and
            ``check_trace`` only when no user request explains a change.
        forces: an admin repair that forces a state without any check
            (``os-resetState``): legal for ``check``, but ``plan`` and
            ``check_trace`` use it only when asked (``resets=True``), and then
            only when nothing else gets there.
    """

    name: str
    action: str
    vm_states: frozenset[VmState | None] | Any
    routes: tuple[Route, ...]
    failure: Failure
    summary: str
    cite: str
    task_states: frozenset[TaskState | None] | Any = frozenset({None})
    must_have_launched: bool = True
    checks_lock: bool = True
    then: tuple[str, ...] = ()
    faults: tuple[Fault, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    checks_host: bool = False
    forces: bool = False
    internal: bool = False

    def refused_by(self, settings: Settings) -> Refusal | None:
        """The first :class:`Refusal` that applies under ``settings``, or None."""
        for refusal in self.refusals:
            if refusal.when.test(settings):
                return refusal
        return None

    def rejection(self, vm: VmState | None, task: TaskState | None, launched: bool) -> tuple[str, str | None] | None:
        """Why the precondition refuses this state, as Nova's ``(attr, state)``; None if it accepts.

        Checks run in Nova's order: vm_state, task_state, then launched_at
        (``nova/compute/api.py:check_instance_state``).
        """
        if self.vm_states is not ANY and vm not in self.vm_states:
            return ("vm_state", vm)
        if self.task_states is not ANY and task not in self.task_states:
            return ("task_state", task)
        if self.must_have_launched and not launched:
            return ("launched_at", None)
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class Messages:
    """How a dialect words a refusal; ``{action}`` and ``{id}`` are filled in.

    Attributes:
        state: refused by a vm_state/task_state check; also gets ``{attr}``, ``{state}``.
        no_state: refused where Nova has no state to name (launched_at unset).
        locked: the server is locked.
        unsupported: the dialect has no such operation; also gets ``{dialect}``.
        http_status: the HTTP status of a refusal on this cloud's API.
        code: the error code or envelope key of a refusal.
    """

    state: str
    no_state: str
    locked: str
    unsupported: str
    http_status: int
    code: str


@dataclasses.dataclass(frozen=True, eq=False)
class Dialect:
    """A cloud's rendering of the lifecycle: its status table and its operations.

    Attributes:
        name: registry name (``nova``, ``huawei-ecs``).
        title: human name for docs.
        source: what the dialect was read from (a pinned commit, a document).
        vm_states / task_states / statuses: the vocabulary this cloud shows.
        status_rows: explicit ``{vm_state: {task_state: status}}`` rows (None is
            the null task).
        status_defaults: each vm_state's status when its task is null or not
            listed; a vm_state absent here makes unlisted pairs UNKNOWN.
        operations: what users can request.
        nominal_power: the power_state a server at rest in each vm_state reports,
            used when a server is seeded without one.
        messages: how refusals are worded.
        strict_status: every reachable pair must show a known status (Nova's
            map is total; a literal vendor table may not be).
        seeded_only: vm_states the cloud shows but no operation of the dialect
            leads to; a server is only seeded or imported there (Huawei's
            SHELVED), so they are exempt from the reachability check.
    """

    name: str
    title: str
    source: str
    vm_states: tuple[VmState, ...]
    task_states: tuple[TaskState, ...]
    statuses: tuple[Status, ...]
    status_rows: Mapping[VmState, Mapping[TaskState | None, Status]]
    status_defaults: Mapping[VmState, Status]
    operations: tuple[Operation, ...]
    nominal_power: Mapping[VmState, PowerState]
    messages: Messages
    strict_status: bool = True
    seeded_only: frozenset[VmState] = frozenset()
    compute_api: Mapping[str, str] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    operation_map: Mapping[str, Operation] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ops = MappingProxyType({op.name: op for op in self.operations})
        object.__setattr__(self, "operation_map", ops)
        unknown = sorted(v for v in self.compute_api.values() if v not in ops)
        if unknown:
            raise ValueError(f"compute_api names undeclared operation(s) {unknown} of dialect {self.name!r}")

    def compute_operation(self, name: str) -> str:
        """The operation a Compute API request for ``name`` runs on this cloud (see ``compute_api``)."""
        return self.compute_api.get(name, name)

    def status(self, vm: VmState, task: TaskState | None) -> Status:
        """The public status of a pair of known states (see :func:`lifecycle.status_of`)."""
        row = self.status_rows.get(vm)
        if row is not None and task in row:
            return row[task]
        return self.status_defaults.get(vm, Status.UNKNOWN)
