"""The public ``status`` of a server, derived from its (vm_state, task_state) pair.

Nova computes it in ``nova/api/openstack/common.py:status_from_state``: an
unknown vm_state gives UNKNOWN; otherwise the task's row of ``_STATE_MAP`` if
listed, else the vm_state's default, so a null or unlisted task shows the
default. Huawei ECS's table has no defaults: a pair it does not list is UNKNOWN.
Both are :meth:`lifecycle.model.spec.Dialect.status` over the dialect's data.

This module imports no state machine, so ``lifecycle status`` starts fast.
"""

from __future__ import annotations

from lifecycle.errors import ArgumentTypeError, UnknownStateError
from lifecycle.model import dialects
from lifecycle.model.spec import Dialect, Pair
from lifecycle.model.states import PowerState, Status, TaskState, VmState

__all__ = [
    "NO_TASK",
    "pairs_for",
    "parse_pair",
    "parse_power_state",
    "parse_status",
    "parse_task_state",
    "parse_vm_state",
    "rest_pair",
    "status_of",
]

NO_TASK = frozenset({None, "", "null", "none", "None"})
"""What the API and its clients print for "no task running"."""


def parse_vm_state(value: VmState | str) -> VmState:
    """``value`` as a :class:`VmState`.

    Raises:
        UnknownStateError: not one of Nova's vm_states (the message lists them).
    """
    try:
        return VmState(value)
    except ValueError:
        raise UnknownStateError("vm_state", value, [v.value for v in VmState]) from None


def parse_task_state(value: TaskState | str | None) -> TaskState | None:
    """``value`` as a :class:`TaskState`; None, ``""`` and ``"null"`` mean no task.

    Raises:
        UnknownStateError: not one of Nova's task_states.
    """
    if value is None or (isinstance(value, str) and value in NO_TASK):
        return None
    try:
        return TaskState(value)
    except ValueError:
        raise UnknownStateError("task_state", value, [t.value for t in TaskState]) from None


def parse_power_state(value: PowerState | int | str) -> PowerState:
    """``value`` (a code such as 4 or ``"4"``, or a name such as ``"SHUTDOWN"``) as a :class:`PowerState`.

    Raises:
        UnknownStateError: not a known code or name.
    """
    try:
        if isinstance(value, PowerState):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text.isascii() and text.isdigit():
                return PowerState(int(text))
            return PowerState[text.upper()]
        if isinstance(value, int) and not isinstance(value, bool):  # True would pass as 1 (RUNNING)
            return PowerState(value)
        raise ValueError(value)  # 1.5 is not taken as 1, nor a list as anything
    except (ValueError, KeyError):
        choices = [f"{p.value} ({p.name}{', legacy' if p.legacy else ''})" for p in PowerState]
        raise UnknownStateError("power_state", value, choices) from None


def parse_status(value: Status | str) -> Status:
    """``value`` as a :class:`Status` (case-insensitive).

    Raises:
        UnknownStateError: not one of the 20 statuses.
    """
    try:
        return Status(value.upper() if isinstance(value, str) else value)
    except ValueError:
        raise UnknownStateError("status", value, [s.value for s in Status]) from None


def parse_pair(vm_state: VmState | str, task_state: TaskState | str | None = None) -> Pair:
    """Both names parsed strictly (see :func:`parse_vm_state`, :func:`parse_task_state`)."""
    return parse_vm_state(vm_state), parse_task_state(task_state)


def status_of(
    vm_state: VmState | str | None,
    task_state: TaskState | str | None = None,
    *,
    dialect: str | Dialect = "nova",
    strict: bool = False,
) -> Status:
    """The status the API shows for a server in ``(vm_state, task_state)``.

    Lenient by default, like the API: an unknown vm_state shows UNKNOWN and an
    unknown task_state is treated as unlisted (the vm_state's default in Nova,
    UNKNOWN in Huawei ECS).

    Args:
        vm_state: a :class:`VmState` or its wire string.
        task_state: a :class:`TaskState`, its wire string, or None/``""``/``"null"``.
        dialect: ``"nova"`` (default), ``"huawei-ecs"``, or a :class:`Dialect`.
        strict: raise instead of showing UNKNOWN for names outside the vocabulary.

    Raises:
        UnknownStateError: with ``strict=True``, a name that is no vm_state or task_state.
        UnknownDialectError: ``dialect`` is not registered.
        ArgumentTypeError: a state that is not a str (a list, a number), lenient or not.
    """
    spec = dialects.get(dialect)
    for argument, value in (("vm_state", vm_state), ("task_state", task_state)):
        if value is not None and not isinstance(value, str):  # VmState/TaskState are str enums
            raise ArgumentTypeError(argument, value, "a state name (str) or None")
    if strict:
        if vm_state is None:
            raise UnknownStateError("vm_state", vm_state, [v.value for v in VmState])
        return spec.status(parse_vm_state(vm_state), parse_task_state(task_state))
    try:
        vm = VmState(vm_state)  # type: ignore[arg-type]  # None and junk both fail here: UNKNOWN
    except ValueError:
        return Status.UNKNOWN
    try:
        no_task = task_state is None or (isinstance(task_state, str) and task_state in NO_TASK)
        task = None if no_task else TaskState(task_state)  # type: ignore[arg-type]  # junk fails here
    except ValueError:
        return spec.status_defaults.get(vm, Status.UNKNOWN)
    return spec.status(vm, task)


def pairs_for(status: Status | str, *, dialect: str | Dialect = "nova") -> tuple[Pair, ...]:
    """Every (vm_state, task_state) pair of the dialect's vocabulary that shows ``status``.

    The reverse of :func:`status_of`, as Nova's ``?status=`` filter needs it
    (``common.py:task_and_vm_state_from_status``), but exact: ``ACTIVE`` gives the
    active pairs that show ACTIVE, not every active server. Rest pairs (no task)
    come first for each vm_state.

    Raises:
        UnknownStateError: ``status`` is not one of the 20 statuses.
    """
    wanted = parse_status(status)
    spec = dialects.get(dialect)
    return tuple(
        (vm, task) for vm in spec.vm_states for task in (None, *spec.task_states) if spec.status(vm, task) is wanted
    )


def rest_pair(status: Status | str, *, dialect: str | Dialect = "nova") -> Pair:
    """The pair a server showing ``status`` most plausibly rests in (its first, task-free if any).

    Raises:
        UnknownStateError: no pair shows ``status`` in this dialect.
    """
    found = pairs_for(status, dialect=dialect)
    if not found:
        spec = dialects.get(dialect)
        shown = [s.value for s in spec.statuses if s is not Status.UNKNOWN]
        raise UnknownStateError(f"status for dialect {spec.name!r}", status, shown)
    return min(found, key=lambda pair: pair[1] is not None)
