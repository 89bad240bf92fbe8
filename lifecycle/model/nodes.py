"""Naming nodes of the compiled table the way users name server states.

The checkers (:mod:`lifecycle.validate.sequence`, :mod:`lifecycle.validate.trace`,
:mod:`lifecycle.validate.paths`) work on the table's int nodes for speed; users say
``"SHUTOFF"``, ``("active", "rebooting")`` or ``"stopped"``. This module turns the
second into the first (:func:`start_node`, :func:`matching`) and back
(:class:`State`), with errors that list the valid choices. It also checks the
shape of what users pass where a list is expected (:func:`name_list`), so a
lone string is refused instead of being read as a list of characters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from lifecycle.errors import ArgumentTypeError, UnknownStateError
from lifecycle.model.blueprint import pair_name
from lifecycle.model.spec import Pair
from lifecycle.model.states import PowerState, Status, TaskState, VmState
from lifecycle.model.status import parse_power_state, parse_status, parse_task_state, parse_vm_state
from lifecycle.model.table import Table

__all__ = [
    "Place",
    "State",
    "matching",
    "name_list",
    "parse_place",
    "start_node",
    "state_of",
]

Place: TypeAlias = Status | str | tuple[VmState | str | None, TaskState | str | None] | None
"""Where a server is, as users write it: a status, a vm_state, a pair, ``"vm/task"``, or None (before create)."""


def name_list(value: Any, argument: str, expected: str) -> list[Any]:
    """``value`` as a list, refusing a lone str or bytes (not split into characters), a mapping, or a non-iterable.

    Raises:
        ArgumentTypeError: ``value`` is not a list-like collection; the message says ``expected``.
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        hint = f", e.g. [{value!r}]" if isinstance(value, str) else ""
        raise ArgumentTypeError(argument, value, f"{expected}{hint}")
    return value if isinstance(value, list) else list(value)


@dataclasses.dataclass(frozen=True, slots=True)
class State:
    """A server's full model state at one moment, with the status the API would show."""

    vm_state: VmState | None
    task_state: TaskState | None
    power_state: PowerState
    launched: bool
    status: Status | None

    @property
    def pair(self) -> Pair:
        """``(vm_state, task_state)``."""
        return (self.vm_state, self.task_state)

    def __str__(self) -> str:
        if self.status is None:
            return "(not created)"
        return f"{self.status.value} ({self.label})"

    @property
    def label(self) -> str:
        """``vm_state`` or ``vm_state/task_state``, as the API's fields read (``new`` before create)."""
        if self.vm_state is None:
            return "new"
        return self.vm_state.value if self.task_state is None else f"{self.vm_state.value}/{self.task_state.value}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields, with the API's names for the values."""
        return {
            "status": None if self.status is None else self.status.value,
            "vm_state": None if self.vm_state is None else self.vm_state.value,
            "task_state": None if self.task_state is None else self.task_state.value,
            "power_state": int(self.power_state),
            "launched": self.launched,
        }


def state_of(table: Table, node: int) -> State:
    """The :class:`State` of a table node."""
    vm, task, power, launched = table.nodes[node]
    status = None if vm is None else table.blueprint.dialect.status(vm, task)
    return State(vm, task, power, launched, status)


def _split(text: str) -> tuple[str, str | None] | None:
    for sep in ("/", "."):
        if sep in text:
            vm, _, task = text.partition(sep)
            return vm.strip(), task.strip()
    return None


def parse_place(table: Table, place: Place) -> Pair | Status:
    """``place`` as a pair of the table's model, or a status (not yet narrowed to pairs).

    A string is tried as a status, then as a vm_state, and ``"vm/task"`` or
    ``"vm.task"`` as a pair; ``"new"`` is before ``create``. Every name is
    case-insensitive (``"ACTIVE/rebooting"``, ``("ACTIVE", "rebooting")``).

    Raises:
        UnknownStateError: no such status, vm_state or pair in this dialect's model.
    """
    if place is None:
        return (None, None)
    if isinstance(place, tuple | list):
        if len(place) != 2:
            raise UnknownStateError("place (a pair is (vm_state, task_state))", place, _place_choices(table))
        vm_raw, task_raw = place
        vm = None if vm_raw is None else parse_vm_state(_fold(vm_raw))
        return _known_pair(table, (vm, parse_task_state(_fold(task_raw))))
    if isinstance(place, Status):
        return place
    if not isinstance(place, str):
        raise UnknownStateError("status or vm_state", place, _place_choices(table))
    if place.strip().lower() == "new":
        return (None, None)
    split = _split(place)
    if split is not None:
        return _known_pair(table, (parse_vm_state(_fold(split[0])), parse_task_state(_fold(split[1]))))
    try:
        return parse_status(place)
    except UnknownStateError:
        pass
    try:
        return _known_pair(table, (VmState(_fold(place)), None))
    except ValueError:
        raise UnknownStateError("status or vm_state", place, _place_choices(table)) from None


def _fold(name: Any) -> Any:
    """vm_state and task_state names are lower case on the wire; people type them in any case."""
    return name.strip().lower() if isinstance(name, str) else name


def _place_choices(table: Table) -> list[str]:
    dialect = table.blueprint.dialect
    choices = [s.value for s in dialect.statuses if s is not Status.UNKNOWN]
    return [*choices, *(v.value for v in dialect.vm_states), "vm_state/task_state", "new"]


def _known_pair(table: Table, pair: Pair) -> Pair:
    if pair_name(pair) not in table._pair_by_name:
        known = [pair_name(p) for p in table.blueprint.pairs if p[0] == pair[0]]
        raise UnknownStateError(f"pair for dialect {table.blueprint.dialect.name!r}", pair_name(pair), known)
    return pair


def start_node(table: Table, place: Place, power: PowerState | int | str | None = None) -> int:
    """The node a server starts from at ``place``: a status's rest pair, nominal power unless given.

    Raises:
        UnknownStateError: ``place`` names nothing in the model, or no pair of it shows that status.
    """
    where = parse_place(table, place)
    if isinstance(where, Status):
        dialect = table.blueprint.dialect
        pairs = [p for p in table.blueprint.pairs if p[0] is not None and dialect.status(p[0], p[1]) is where]
        if not pairs:
            shown = sorted({dialect.status(v, t).value for v, t in table.blueprint.pairs if v is not None})
            raise UnknownStateError(f"status for dialect {dialect.name!r}", where.value, shown)
        where = min(pairs, key=lambda pair: pair[1] is not None)
    return table.node_for(where, None if power is None else parse_power_state(power))


def matching(
    table: Table,
    nodes: Iterable[int],
    where: Pair | Status,
    power: PowerState | None = None,
    launched: bool | None = None,
) -> frozenset[int]:
    """The ``nodes`` that show ``where`` (a status, or exactly a pair), narrowed by power and launched if given."""
    dialect = table.blueprint.dialect
    found: list[int] = []
    for node in nodes:
        vm, task, node_power, node_launched = table.nodes[node]
        if isinstance(where, Status):
            if vm is None or dialect.status(vm, task) is not where:
                continue
        elif (vm, task) != where:
            continue
        if (power is None or node_power == power) and (launched is None or node_launched == launched):
            found.append(node)
    return frozenset(found)
