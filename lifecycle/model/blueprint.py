"""A dialect's declaration expanded into states and edges for one set of settings.

The declaration (:mod:`lifecycle.model.spec`) speaks in routes: "from these vm_states,
walk these steps". A state machine needs the flat list of states and labelled
edges. :func:`blueprint` does that expansion once, checks the result (every edge
deterministic, every legal request has exactly one route, no task that cannot
finish, every shown status known) and raises :class:`DeclarationError` listing
every offender. The runtime machine (:mod:`lifecycle.model.machine`) and the diagram
machine are both built from a blueprint, so they cannot disagree.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Iterable, Iterator
from typing import Literal

from lifecycle.errors import DeclarationError
from lifecycle.model import dialects
from lifecycle.model.settings import Settings
from lifecycle.model.spec import ANY, FAIL_PREFIX, Dialect, Failure, Fault, Operation, Pair, Route
from lifecycle.model.states import PowerState, Status, VmState

__all__ = [
    "ADVANCE",
    "FAIL",
    "NEW",
    "Blueprint",
    "Edge",
    "blueprint",
    "check_dialect",
    "check_settings",
    "failure_kind",
    "is_failure",
    "pair_name",
]

NEW = "new"
"""Machine state of a server before ``create`` (its vm_state is None)."""
ADVANCE = "advance"
"""Trigger that takes the running task one step further."""
FAIL = "fail"
"""Trigger that makes the running task fail."""

EdgeKind = Literal["operation", "step", "failure"]


def is_failure(trigger: str) -> bool:
    """Whether ``trigger`` makes the running task fail: ``fail`` or a named kind ``fail:<kind>``."""
    return trigger == FAIL or (isinstance(trigger, str) and trigger.startswith(FAIL_PREFIX))


def failure_kind(trigger: str) -> str | None:
    """The kind a failure trigger names (``fail:no_valid_host`` -> ``no_valid_host``); None for plain ``fail``."""
    return trigger[len(FAIL_PREFIX) :] if isinstance(trigger, str) and trigger.startswith(FAIL_PREFIX) else None


def pair_name(pair: Pair) -> str:
    """Machine state name of a pair: ``active``, ``active.rebooting``, or :data:`NEW`."""
    vm, task = pair
    if vm is None:
        return NEW
    return vm.value if task is None else f"{vm.value}.{task.value}"


@dataclasses.dataclass(frozen=True, slots=True)
class Edge:
    """One labelled transition of the machine.

    Attributes:
        trigger: an operation name, :data:`ADVANCE` or :data:`FAIL`.
        source / dest: the pairs it joins.
        powered_off / launched: guards (None: not checked).
        power / set_launched: what taking the edge writes besides the pair.
        kind: ``operation`` (a request), ``step`` (a task step) or ``failure``.
        operation: the operation whose declaration produced the edge.
    """

    trigger: str
    source: Pair
    dest: Pair
    powered_off: bool | None
    launched: bool | None
    power: PowerState | None
    set_launched: bool | None
    kind: EdgeKind
    operation: str
    unplaced: bool | None = None

    def guards(self, powered_off: bool, launched: bool, unplaced: bool = False) -> bool:
        """Whether the edge applies to a server with these facts (``unplaced``: power_state NOSTATE)."""
        return (
            (self.powered_off is None or self.powered_off == powered_off)
            and (self.launched is None or self.launched == launched)
            and (self.unplaced is None or self.unplaced == unplaced)
        )


@dataclasses.dataclass(frozen=True)
class Blueprint:
    """States and edges of one dialect under one set of settings."""

    dialect: Dialect
    settings: Settings
    pairs: tuple[Pair, ...]
    edges: tuple[Edge, ...]

    @functools.cached_property
    def transient(self) -> frozenset[Pair]:
        """Pairs a task is still running in (they have a step to take)."""
        return frozenset(e.source for e in self.edges if e.kind == "step")

    @functools.cached_property
    def reachable(self) -> frozenset[Pair]:
        """Pairs reachable from before ``create`` when every guard may hold."""
        return frozenset(_reachable(self.edges, [(None, None)]))

    @functools.cached_property
    def triggers(self) -> tuple[str, ...]:
        """Operation names with at least one edge, then ``advance``, ``fail`` and each ``fail:<kind>``."""
        used = {e.trigger for e in self.edges}
        ops = [op.name for op in self.dialect.operations if op.name in used]
        kinds = [t for t in fault_triggers(self.dialect) if t in used]
        return (*ops, ADVANCE, FAIL, *kinds)


def fault_triggers(dialect: Dialect) -> tuple[str, ...]:
    """Every ``fail:<kind>`` trigger the dialect declares, in declaration order."""
    return tuple(dict.fromkeys(f.trigger for op in dialect.operations for f in op.faults))


def _walk(route: Route, source: VmState | None) -> list[tuple[Pair, int]]:
    """The pairs a route visits from ``source``, each with its step index."""
    vm = source
    out: list[tuple[Pair, int]] = []
    for index, step in enumerate(route.steps):
        vm = step.vm or vm
        out.append(((vm, step.task), index))
    return out


def _routes(dialect: Dialect, settings: Settings) -> Iterator[tuple[Operation, Route]]:
    for op in dialect.operations:
        if op.refusals and op.refused_by(settings) is not None:
            continue  # refused outright under these settings: no edge at all
        for route in op.routes:
            if route.when is None or route.when.test(settings):
                yield op, route


def _matching_routes(op: Operation, settings: Settings, pair: Pair, powered_off: bool, launched: bool) -> list[Route]:
    """The routes of ``op`` a request made in ``pair`` takes, for a server with these facts (exactly one if sound)."""
    return [
        r
        for r in op.routes
        if (r.when is None or r.when.test(settings))
        and r.starts_at(*pair)
        and r.powered_off in (None, powered_off)
        and r.launched in (None, launched)
    ]


def _source_pairs(op: Operation, vm: VmState | None, pairs: Iterable[Pair]) -> list[Pair]:
    """Pairs of vm_state ``vm`` whose task the operation's precondition accepts."""
    tasks = [t for v, t in pairs if v == vm]
    if op.task_states is ANY:
        return [(vm, t) for t in tasks]
    return [(vm, t) for t in tasks if t in op.task_states]


_FAILURE_DEST: dict[Failure, Pair] = {Failure.ERROR: (VmState.ERROR, None), Failure.DELETE: (VmState.DELETED, None)}
_GUARD_CASES = tuple(itertools.product((False, True), repeat=2))
_GUARD_CASES_3 = tuple(itertools.product((False, True), repeat=3))


def _expand(dialect: Dialect, settings: Settings) -> tuple[list[Pair], list[Edge], list[str]]:
    problems: list[str] = []
    pairs: dict[Pair, None] = {(None, None): None}
    for vm in dialect.vm_states:
        pairs[(vm, None)] = None
    for vm, row in dialect.status_rows.items():
        for task in row:
            pairs[(vm, task)] = None
    for _op, route in _routes(dialect, settings):
        if route.in_place:
            continue
        for source in sorted(route.sources, key=lambda v: "" if v is None else v.value):
            for pair, _ in _walk(route, source):
                pairs[pair] = None

    edges: dict[tuple[str, Pair, bool | None, bool | None, bool | None], Edge] = {}
    by_vm: dict[VmState | None, list[Pair]] = {}  # the pairs of each vm_state: scanning all per route was half the time
    for pair in pairs:
        by_vm.setdefault(pair[0], []).append(pair)

    def add(edge: Edge) -> None:
        key = (edge.trigger, edge.source, edge.powered_off, edge.launched, edge.unplaced)
        old = edges.setdefault(key, edge)
        if (old.dest, old.power, old.set_launched) != (edge.dest, edge.power, edge.set_launched):
            problems.append(
                f"{edge.trigger!r} from {pair_name(edge.source)} leads to {pair_name(old.dest)} "
                f"(declared by {old.operation}) and to {pair_name(edge.dest)} (declared by {edge.operation})"
            )

    for op, route in _routes(dialect, settings):
        launched_guard = True if op.must_have_launched else route.launched
        if op.must_have_launched and route.launched is False:
            problems.append(f"{op.name}: a route guarded launched=False can never run (must_have_launched)")
            continue
        for source in sorted(route.sources, key=lambda v: "" if v is None else v.value):
            if op.vm_states is not ANY and source not in op.vm_states:
                problems.append(f"{op.name}: route starts from {source} which its precondition refuses")
                continue
            walk = _walk(route, source)
            first_pair, _ = walk[0]
            for src in _source_pairs(op, source, by_vm.get(source, ())):
                if not route.starts_at(*src):
                    continue
                step = route.steps[0]
                add(
                    Edge(
                        op.name,
                        src,
                        src if route.in_place else first_pair,
                        route.powered_off,
                        launched_guard,
                        step.power,
                        step.launched,
                        "operation",
                        op.name,
                    )
                )
            for (here, index), (there, _) in itertools.pairwise([] if route.in_place else walk):
                step = route.steps[index + 1]
                add(
                    Edge(
                        ADVANCE,
                        here,
                        there,
                        route.powered_off,
                        route.launched,
                        step.power,
                        step.launched,
                        "step",
                        op.name,
                        route.unplaced,
                    )
                )
                failure = route.steps[index].failure or op.failure
                dest: Pair = _FAILURE_DEST.get(failure, (here[0], None))
                add(Edge(FAIL, here, dest, None, None, None, None, "failure", op.name))
                for fault in op.faults:
                    if here[1] in fault.tasks:
                        add(_fault_edge(op, route, source, walk, here, fault))
    return list(pairs), list(edges.values()), problems


def _fault_edge(
    op: Operation, route: Route, source: VmState | None, walk: list[tuple[Pair, int]], here: Pair, fault: Fault
) -> Edge:
    """The ``fail:<kind>`` edge from ``here``: where Nova's handling of that exception leaves the server."""
    power: PowerState | None = None
    if fault.outcome is Failure.RESCHEDULE:
        dest: Pair = walk[0][0]
        power = route.steps[0].power
    elif fault.outcome is Failure.SWALLOWED:
        dest, power = _route_end(route, source, PowerState.NOSTATE)
    else:
        dest = _FAILURE_DEST.get(fault.outcome, (here[0], None))
    return Edge(fault.trigger, here, dest, route.powered_off, route.launched, power, None, "failure", op.name)


def _check(dialect: Dialect, settings: Settings, pairs: list[Pair], edges: list[Edge]) -> list[str]:
    problems: list[str] = []
    known_vm = set(dialect.vm_states)
    known_task = set(dialect.task_states)
    for vm, task in pairs:
        if vm is not None and vm not in known_vm:
            problems.append(f"vm_state {vm.value!r} is used but not in the dialect's vm_states")
        if task is not None and task not in known_task:
            problems.append(f"task_state {task.value!r} is used but not in the dialect's task_states")

    by_source: dict[tuple[str, Pair], list[Edge]] = {}
    for edge in edges:
        by_source.setdefault((edge.trigger, edge.source), []).append(edge)
    for (trigger, source), group in by_source.items():
        for powered_off, launched, unplaced in _GUARD_CASES_3:
            targets = {(e.dest, e.power, e.set_launched) for e in group if e.guards(powered_off, launched, unplaced)}
            if len(targets) > 1:
                problems.append(
                    f"{trigger!r} from {pair_name(source)} is ambiguous when powered_off={powered_off}, "
                    f"launched={launched}, unplaced={unplaced}: {sorted(pair_name(t[0]) for t in targets)}"
                )

    for op in dialect.operations:
        if op.refusals and op.refused_by(settings) is not None:
            continue
        for vm in {v for v, _ in pairs}:
            for src in _source_pairs(op, vm, pairs):
                for powered_off, launched in _GUARD_CASES:
                    if op.rejection(src[0], src[1], launched) is not None:
                        continue
                    matching = _matching_routes(op, settings, src, powered_off, launched)
                    if len(matching) != 1:
                        problems.append(
                            f"{op.name} is legal at {pair_name(src)} (powered_off={powered_off}, "
                            f"launched={launched}) but {len(matching)} routes apply under {settings}"
                        )

    problems += _check_then(dialect, settings)
    reachable = _reachable(edges, [(None, None)])
    stepping = {e.source for e in edges if e.kind == "step"}
    for vm, task in sorted(reachable - stepping, key=pair_name):
        if task is not None:
            problems.append(f"{pair_name((vm, task))} is reachable but its task never finishes (no step out)")
    if dialect.strict_status:
        for vm, task in sorted(reachable, key=pair_name):
            if vm is not None and dialect.status(vm, task) is Status.UNKNOWN:
                problems.append(f"{pair_name((vm, task))} is reachable but shows UNKNOWN")
    return problems


def _route_end(route: Route, source: VmState | None, power: PowerState) -> tuple[Pair, PowerState]:
    """Where a route from ``source`` rests, and the power it leaves."""
    vm = source
    task = None
    for step in route.steps:
        vm, task, power = step.vm or vm, step.task, step.power or power
    return (vm, task), power


def _check_then(dialect: Dialect, settings: Settings) -> list[str]:
    """Each operation an operation's ``then`` names is declared and legal where the one before ends."""
    problems: list[str] = []
    ops = dialect.operation_map
    for op in dialect.operations:
        if not op.then:
            continue
        for route in op.routes:
            if route.when is not None and not route.when.test(settings):
                continue
            for source in sorted(route.sources, key=lambda v: "" if v is None else v.value):
                start = dialect.nominal_power.get(source, PowerState.NOSTATE) if source else PowerState.NOSTATE
                pair, power = _route_end(route, source, start)
                for name in op.then:
                    follow = ops.get(name)
                    if follow is None:
                        problems.append(f"{op.name}: then names {name!r}, which the dialect does not declare")
                        break
                    off = power is PowerState.SHUTDOWN
                    found = _matching_routes(follow, settings, pair, off, True)
                    if follow.rejection(pair[0], pair[1], True) is not None or len(found) != 1:
                        problems.append(f"{op.name}: then runs {name!r} at {pair_name(pair)}, where it is refused")
                        break
                    pair, power = _route_end(found[0], pair[0], power)
    return problems


def _reachable(edges: Iterable[Edge], starts: Iterable[Pair]) -> set[Pair]:
    """Pairs reachable from ``starts`` when every guard may hold."""
    out: dict[Pair, list[Pair]] = {}
    for edge in edges:
        out.setdefault(edge.source, []).append(edge.dest)
    seen = set(starts)
    todo = list(seen)
    while todo:
        for nxt in out.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@functools.lru_cache(maxsize=64)
def _cached(dialect: Dialect, settings: Settings, checked: bool = True) -> Blueprint:
    pairs, edges, problems = _expand(dialect, settings)
    if checked:
        problems += _check(dialect, settings, pairs, edges)
    if problems:
        raise DeclarationError(dialect.name, problems)
    return Blueprint(dialect, settings, tuple(pairs), tuple(edges))


def blueprint(dialect: str | Dialect = "nova", settings: Settings | None = None) -> Blueprint:
    """The checked expansion of ``dialect`` under ``settings`` (cached).

    A dialect this package bundles is not checked again here: CI checks it under
    every settings profile (``tests/test_bundled_dialects.py``), and the check
    is most of the first use's cost. Any other dialect is checked on first use
    (:func:`check_dialect`, then the checks of these settings).

    Raises:
        DeclarationError: the declaration is inconsistent; lists every problem.
    """
    resolved = dialects.get(dialect)
    bundled = dialects.is_bundled(resolved)
    if not bundled:
        check_dialect(resolved)
    return _cached(resolved, settings or Settings(), not bundled)


def check_settings(dialect: str | Dialect, settings: Settings) -> Blueprint:
    """The expansion of ``dialect`` under ``settings`` with every check run, bundled or not (what CI runs).

    Raises:
        DeclarationError: the declaration is inconsistent under these settings.
    """
    return _cached(dialects.get(dialect), settings, True)


@functools.lru_cache(maxsize=16)
def check_dialect(dialect: Dialect) -> None:
    """Check what no single set of settings can: every vm_state is reachable under some settings.

    Raises:
        DeclarationError: lists the vm_states no settings reach, and the problems
            of each settings profile tried.
    """
    reached: set[VmState | None] = set()
    problems: list[str] = []
    for settings in profiles():
        try:
            bp = _cached(dialect, settings, True)
        except DeclarationError as exc:
            problems += [f"{p} [settings {settings}]" for p in exc.problems]
            continue
        reached |= {vm for vm, _ in bp.reachable}
    problems += [
        f"vm_state {vm.value!r} is reachable under no settings"
        for vm in dialect.vm_states
        if vm not in reached and vm not in dialect.seeded_only
    ]
    problems += [
        f"seeded_only vm_state {vm.value!r} is not in the dialect's vm_states"
        for vm in sorted(dialect.seeded_only)
        if vm not in dialect.vm_states
    ]
    if problems:
        raise DeclarationError(dialect.name, dict.fromkeys(problems))


def profiles() -> tuple[Settings, ...]:
    """Settings that together take every settings-dependent route: the default, then each option flipped."""
    return (
        Settings(),
        Settings(shelved_offload_time=-1),
        Settings(reclaim_instance_interval=3600),
        Settings(volume_backed=True),
        Settings(resize_confirm_window=3600),
        Settings(microversion="2.1"),
        Settings(host_up=False),
    )
