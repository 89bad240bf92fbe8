"""Transition tables compiled from the blueprint the `transitions` machine is built from, for bulk work.

A trigger through `transitions` costs ~24 us; a dict lookup ~0.05 us. Validating a
million-step sequence, a trace, or a fleet wants the second. Each row is filled
on first use from the blueprint's edges with the machine's own rule (the first
edge of the trigger from that state whose guards hold; its effects set power and
launched), without building the machine: firing all ~30 triggers of ~100 nodes
through `transitions` was most of a first ``check()``. CI proves the two agree:
``tests/test_bundled_dialects.py`` compares every reachable row with
:meth:`Table.fire_machine`, which fills a row by firing the machine at a probe
model, for every bundled dialect and settings profile.

A node is the full state the machine reads: ``(vm_state, task_state,
power_state, launched)``. Nodes are interned as small ints; rows are filled on
first use.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from lifecycle.model import dialects
from lifecycle.model.blueprint import ADVANCE, Blueprint, Edge, blueprint, is_failure, pair_name
from lifecycle.model.settings import Settings
from lifecycle.model.spec import Dialect, Pair
from lifecycle.model.states import PowerState, TaskState, VmState

if TYPE_CHECKING:
    from transitions import Machine

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
        self.triggers = bp.triggers
        self.operations = tuple(t for t in bp.triggers if t != ADVANCE and not is_failure(t))
        self._pair_by_name = {pair_name(p): p for p in bp.pairs}
        self._then = {op.name: op.then for op in bp.dialect.operations if op.then}
        self.nodes: list[Node] = []
        self.index: dict[Node, int] = {}
        self.step_rows: list[dict[str, int] | None] = []
        self.settle_rows: list[dict[str, int] | None] = []
        self._lock = threading.RLock()  # interning from several threads must not hand out one id twice
        by_pair: dict[Pair, dict[str, list[Edge]]] = {}
        for edge in bp.edges:
            by_pair.setdefault(edge.source, {}).setdefault(edge.trigger, []).append(edge)
        self._edges = {
            pair: [(t, tuple(group[t])) for t in self.triggers if t in group] for pair, group in by_pair.items()
        }

    @functools.cached_property
    def machine(self) -> Machine:
        """The shared `transitions` machine of this dialect and settings (built on first use: Server fires it)."""
        from lifecycle.model.machine import machine_for

        return machine_for(self.blueprint.dialect, self.blueprint.settings)

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
        """The row of ``node`` from the edges, by the machine's rule (see the module docstring)."""
        vm, task, power, launched = self.nodes[node]
        off = power == PowerState.SHUTDOWN
        unplaced = power == PowerState.NOSTATE
        row: dict[str, int] = {}
        for trigger, edges in self._edges.get((vm, task), ()):
            for edge in edges:
                if (
                    (edge.powered_off is None or edge.powered_off == off)
                    and (edge.launched is None or edge.launched == bool(launched))
                    and (edge.unplaced is None or edge.unplaced == unplaced)
                ):
                    after_power = power if edge.power is None else edge.power
                    after_launched = launched if edge.set_launched is None else edge.set_launched
                    row[trigger] = self.node_id((*edge.dest, after_power, after_launched))
                    break
        return row

    def fire_machine(self, node: int) -> dict[str, int]:
        """The row of ``node`` found by firing every trigger of the `transitions` machine at a probe (for CI)."""
        from lifecycle.model.machine import MachineError

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


_SHARED: dict[tuple[Dialect, Settings | None], Table] = {}
_SHARED_MAX = 256


def table_for(dialect: str | Dialect = "nova", settings: Settings | None = None) -> Table:
    """The shared compiled table of a dialect and settings.

    Every server calls this, so a table already built is one dict lookup away
    (no blueprint lookup); the name is resolved each time, since a dialect
    registered later under the same name must win.
    """
    key = (dialects.get(dialect), settings)
    found = _SHARED.get(key)
    if found is None:
        bp = blueprint(dialect, settings)
        found = _table(bp.dialect, bp.settings)
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        _SHARED[key] = found
    return found
