"""Transition tables compiled from the `transitions` machine, for bulk work.

A trigger through `transitions` costs ~24 us; a dict lookup ~0.05 us. Validating a
million-step sequence, a trace, or a fleet wants the second. So the table is
*derived from the machine*: each row is filled by setting a probe model to a node
and firing every trigger at the machine, recording where it lands. The machine
stays the single source of truth, and the table is exactly as legal as it is.

A node is the full state the machine reads: ``(vm_state, task_state,
power_state, launched)``. Nodes are interned as small ints; rows are filled on
first use.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Iterable, Iterator

from lifecycle.blueprint import ADVANCE, Blueprint, blueprint, is_failure, pair_name
from lifecycle.machine import MachineError, machine_for
from lifecycle.settings import Settings
from lifecycle.spec import Dialect, Pair
from lifecycle.states import PowerState, TaskState, VmState

__all__ = ["Node", "Table", "table_for"]

Node = tuple[VmState | None, TaskState | None, PowerState, bool]
"""``(vm_state, task_state, power_state, launched)``."""

_SETTLE_LIMIT = 64


class _Probe:
    """A throwaway model the machine is fired at."""

    __slots__ = ("launched", "power_state", "state")

    def __init__(self, state: str, power_state: PowerState, launched: bool) -> None:
        self.state = state
        self.power_state = power_state
        self.launched = launched


class Table:
    """Step and settle tables of one dialect under one set of settings."""

    def __init__(self, bp: Blueprint) -> None:
        self.blueprint = bp
        self.machine = machine_for(bp.dialect, bp.settings)
        self.triggers = bp.triggers
        self.operations = tuple(t for t in bp.triggers if t != ADVANCE and not is_failure(t))
        self._pair_by_name = {pair_name(p): p for p in bp.pairs}
        self._then = {op.name: op.then for op in bp.dialect.operations if op.then}
        self.nodes: list[Node] = []
        self.index: dict[Node, int] = {}
        self.step_rows: list[dict[str, int] | None] = []
        self.settle_rows: list[dict[str, int] | None] = []
        self._lock = threading.RLock()  # interning from several threads must not hand out one id twice

    def node_id(self, node: Node) -> int:
        """The int of ``node``, interning it on first sight."""
        found = self.index.get(node)
        if found is None:
            with self._lock:
                found = self.index.get(node)
                if found is None:
                    found = len(self.nodes)
                    self.nodes.append(node)
                    self.step_rows.append(None)
                    self.settle_rows.append(None)
                    self.index[node] = found
        return found

    def step_row(self, node: int) -> dict[str, int]:
        """``{trigger: next node}`` for every trigger the machine accepts at ``node``."""
        row = self.step_rows[node]
        if row is None:
            row = self.step_rows[node] = self._fire_all(node)
        return row

    def _fire_all(self, node: int) -> dict[str, int]:
        vm, task, power, launched = self.nodes[node]
        name = pair_name((vm, task))
        row: dict[str, int] = {}
        events = self.machine.events
        for trigger in self.triggers:
            probe = _Probe(name, power, launched)
            try:
                accepted = events[trigger].trigger(probe)
            except MachineError:
                continue
            if accepted:
                after_vm, after_task = self._pair_by_name[probe.state]
                row[trigger] = self.node_id((after_vm, after_task, probe.power_state, probe.launched))
        return row

    def settle_row(self, node: int) -> dict[str, int]:
        """``{trigger: node}`` where each accepted trigger lands once its task has run to the end.

        An operation with ``then`` (a composite request) lands where the last
        operation it chains ends.
        """
        row = self.settle_rows[node]
        if row is None:
            row = {}
            for trigger, nxt in self.step_row(node).items():
                end = self.settle(nxt)
                for follow in self._then.get(trigger, ()):
                    after = self.step_row(end).get(follow)
                    if after is None:
                        break
                    end = self.settle(after)
                row[trigger] = end
            self.settle_rows[node] = row
        return row

    def settle(self, node: int) -> int:
        """Where ``node`` rests after taking every remaining task step."""
        for _ in range(_SETTLE_LIMIT):
            nxt = self.step_row(node).get(ADVANCE)
            if nxt is None:
                return node
            node = nxt
        raise RuntimeError(f"task does not finish from {self.describe(node)}")  # pragma: no cover

    def explore(self, starts: Iterable[int], *, settled: bool = False) -> list[int]:
        """Every node reachable from ``starts`` (breadth first), filling their rows."""
        rows = self.settle_row if settled else self.step_row
        seen = dict.fromkeys(starts)
        todo = deque(seen)
        while todo:
            for nxt in rows(todo.popleft()).values():
                if nxt not in seen:
                    seen[nxt] = None
                    todo.append(nxt)
        return list(seen)

    def node_for(
        self,
        pair: Pair,
        power: PowerState | None = None,
        launched: bool | None = None,
    ) -> int:
        """The node of a server seeded in ``pair`` (nominal power and launched flag unless given)."""
        vm, task = pair
        if power is None and vm is not None:
            power = self.blueprint.dialect.nominal_power.get(vm)
        if power is None:
            power = PowerState.NOSTATE
        if launched is None:
            launched = vm not in (None, VmState.BUILDING)
        return self.node_id((vm, task, power, launched))

    def describe(self, node: int) -> str:
        """``vm_state/task_state`` of a node, for messages."""
        vm, task, _, _ = self.nodes[node]
        return pair_name((vm, task))

    def iter_edges(self, node: int) -> Iterator[tuple[str, int]]:
        """The (trigger, next node) pairs of a node's step row."""
        return iter(self.step_row(node).items())


@functools.lru_cache(maxsize=64)
def _table(dialect: Dialect, settings: Settings) -> Table:
    return Table(blueprint(dialect, settings))


def table_for(dialect: str | Dialect = "nova", settings: Settings | None = None) -> Table:
    """The shared compiled table of a dialect and settings."""
    bp = blueprint(dialect, settings)
    return _table(bp.dialect, bp.settings)
