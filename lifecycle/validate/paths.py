"""Shortest paths through the compiled table: plans, reachability, and explanations of traces.

One search serves all three. It runs over the table's *step* rows, so it sees
every state a poller could catch a server in, and it counts what a person would:
task steps (``advance``) are free, each requested operation costs one, and a
failure is only taken when nothing else gets there with as few operations.
The graph has a few hundred nodes at most, so a plain Dijkstra is instant.

Named ``paths`` rather than ``plan`` so that ``lifecycle.plan`` stays the function.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Iterable
from typing import Any

from lifecycle.errors import ArgumentTypeError
from lifecycle.model.blueprint import ADVANCE, is_failure
from lifecycle.model.nodes import Place, matching, parse_place, start_node
from lifecycle.model.settings import Settings
from lifecycle.model.spec import Dialect
from lifecycle.model.states import Status
from lifecycle.model.table import Table, table_for

__all__ = ["Search", "plan", "reachable", "search"]


@dataclasses.dataclass(frozen=True, slots=True)
class Search:
    """What one search from a set of source nodes found.

    Attributes:
        reached: the target nodes reachable within the operation budget.
        path: the cheapest trigger list to one of them (no ``advance``; may hold
            ``fail``), or None if none is reachable.
        cost: ``(operations, failures)`` of ``path``.
        source: the source node ``path`` starts from.
    """

    reached: frozenset[int]
    path: tuple[str, ...] | None
    cost: tuple[int, int] | None
    source: int | None = None


def search(
    table: Table,
    sources: Iterable[int],
    targets: frozenset[int],
    *,
    max_operations: int | None = None,
    failures: bool = True,
    resets: bool = False,
    internal: bool = True,
) -> Search:
    """Cheapest ways from any of ``sources`` to ``targets``, by (operations, failures), steps free.

    Ties go to the trigger declared first, so answers are stable. Operations
    that force a state (``os-resetState``) are used only with ``resets``, and
    then cost more than any number of others; so do, after them, the cloud's own
    requests (``internal``: power-update events, force_stop), which
    ``internal=False`` leaves out.
    """
    order = {trigger: i for i, trigger in enumerate(table.triggers)}
    forcing = forcing_triggers(table)
    cloud_own = frozenset(op.name for op in table.blueprint.dialect.operations if op.internal)
    best: dict[int, tuple[int, int, int, int]] = {}
    parent: dict[int, tuple[int, str] | None] = {}
    heap: list[tuple[int, int, int, int, int, int]] = []  # (forced, internal, ops, fails, tie, node)
    tie = 0
    for node in sorted(set(sources)):
        best[node] = (0, 0, 0, 0)
        parent[node] = None
        heap.append((0, 0, 0, 0, tie, node))
        tie += 1
    heapq.heapify(heap)
    done: set[int] = set()
    while heap:
        forced, own, ops, fails, _, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        row = table.step_row(node)
        for trigger in sorted(row, key=order.__getitem__):
            failing = is_failure(trigger)
            if failing and not failures:
                continue
            forces = trigger in forcing
            if forces and not resets:
                continue
            by_cloud = trigger in cloud_own
            if by_cloud and not internal:
                continue
            cost = (forced + forces, own + by_cloud, ops + (trigger != ADVANCE and not failing), fails + failing)
            if max_operations is not None and cost[2] > max_operations:
                continue
            nxt = row[trigger]
            if nxt not in best or cost < best[nxt]:
                best[nxt] = cost
                parent[nxt] = (node, trigger)
                tie += 1
                heapq.heappush(heap, (*cost, tie, nxt))
    reached = frozenset(n for n in targets if n in best)
    if not reached:
        return Search(reached, None, None)
    goal = min(reached, key=lambda n: (best[n], n))
    path: list[str] = []
    node, link = goal, parent[goal]
    while link is not None:
        node, trigger = link
        if trigger != ADVANCE:
            path.append(trigger)
        link = parent[node]
    return Search(reached, tuple(reversed(path)), best[goal][2:], node)


def forcing_triggers(table: Table) -> frozenset[str]:
    """The operations of the table's dialect that force a state (``Operation.forces``)."""
    return frozenset(op.name for op in table.blueprint.dialect.operations if op.forces)


def plan(
    start: Place,
    goal: Place,
    *,
    dialect: str | Dialect = "nova",
    failures: bool = False,
    resets: bool = False,
    settings: Settings | None = None,
    **options: Any,
) -> list[str] | None:
    """The shortest list of operations taking a server from ``start`` to a state showing ``goal``.

    Each operation is requested once the previous one's task has run far enough
    to reach the next; a goal shown only while a task runs (``RESIZE``) ends the
    plan at the request that shows it. ``[]`` means ``start`` already shows it.

    Args:
        start: a status (its rest pair), a vm_state, a ``(vm_state, task_state)``
            pair, or None (before ``create``).
        goal: a status, or a pair to reach exactly.
        failures: also consider task failures (then ``"fail"`` may appear; it is
            never chosen when operations alone get there as quickly).
        resets: also consider ``os-resetState`` (``reset_active``,
            ``reset_error``), only where nothing else gets there.
        settings / options: cloud settings (:class:`lifecycle.Settings`).

    Returns:
        The operation names, or None when no sequence reaches ``goal``.

    Raises:
        UnknownStateError: ``start`` or ``goal`` is not a state of the model.
    """
    for name, flag in (("failures", failures), ("resets", resets)):
        if not isinstance(flag, bool):  # "no" would be truthy
            raise ArgumentTypeError(name, flag, "True or False")
    table = table_for(dialect, Settings.from_kwargs(settings, **options))
    source = start_node(table, start)
    universe = table.explore([source])
    targets = matching(table, universe, parse_place(table, goal))
    found = search(table, [source], targets, failures=failures, resets=resets, internal=False)
    return None if found.path is None else list(found.path)


def reachable(
    start: Place = None,
    *,
    dialect: str | Dialect = "nova",
    failures: bool = True,
    settings: Settings | None = None,
    **options: Any,
) -> list[Status]:
    """Every status a server at ``start`` can show later (or now), in the dialect's order.

    Task failures count by default (a server can end up in ERROR); pass
    ``failures=False`` for what requests alone can reach.

    Raises:
        UnknownStateError: ``start`` is not a state of the model (or not a state at all, such as ``5``).
    """
    table = table_for(dialect, Settings.from_kwargs(settings, **options))
    source = start_node(table, start)
    nodes = _explore(table, source, failures)
    dialect_ = table.blueprint.dialect
    shown = {dialect_.status(vm, task) for vm, task, _, _ in (table.nodes[n] for n in nodes) if vm is not None}
    return [s for s in dialect_.statuses if s in shown]


def _explore(table: Table, source: int, failures: bool) -> list[int]:
    """Nodes reachable by requests (and failures if asked), without forcing a state (os-resetState)."""
    skip = forcing_triggers(table)
    seen = {source: None}
    todo = [source]
    while todo:
        for trigger, nxt in table.step_row(todo.pop()).items():
            if trigger not in skip and (failures or not is_failure(trigger)) and nxt not in seen:
                seen[nxt] = None
                todo.append(nxt)
    return list(seen)
