"""The diagrams as plain data, derived from the blueprint the machine is built from.

Every renderer (:mod:`~lifecycle.diagrams.dot`, :mod:`~lifecycle.diagrams.mermaid`)
draws a :class:`Diagram`; nothing here knows about Graphviz or Mermaid. Building
the picture once as data is what lets the tests check it against the machine
(every state, every transition) independently of any output format, and what
keeps the output deterministic: the order is the blueprint's, never a set's or a
history's.

Three views:

- :func:`overview`: one node per vm_state, the operations between them. It merges
  every settings profile (:func:`lifecycle.model.blueprint.profiles`): an edge that
  exists only under some settings carries the condition, so one picture answers
  "what can I do from SHUTOFF?" for every cloud configuration.
- :func:`full`: every state and every transition of the machine under one set of
  settings, vm_states as clusters holding their task sub-states.
- :func:`operation`: the steps one operation walks, with the status shown at each,
  merged over the settings profiles like the overview.
"""

from __future__ import annotations

import dataclasses
import functools
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import Literal

from lifecycle.errors import UnknownOperationError
from lifecycle.model.blueprint import (
    ADVANCE,
    FAIL,
    NEW,
    Blueprint,
    Edge,
    blueprint,
    failure_kind,
    fault_triggers,
    pair_name,
    profiles,
)
from lifecycle.model.settings import Settings
from lifecycle.model.spec import ANY, Dialect, Operation, Pair
from lifecycle.model.states import PowerState, VmState

__all__ = [
    "ANY_SUFFIX",
    "Diagram",
    "Link",
    "Node",
    "full",
    "guard_text",
    "operation",
    "overview",
    "settle",
]

NodeKind = Literal["start", "stable", "transient", "any", "alias"]
LinkKind = Literal["operation", "step", "failure", "followup"]

ANY_SUFFIX = ".*"
"""Id suffix of the "any state of this vm_state" node of the full diagram."""

_GUARD_CASES = ((False, False), (False, True), (True, False), (True, True))


@dataclasses.dataclass(frozen=True, slots=True)
class Node:
    """A box of a diagram.

    Attributes:
        id: the machine state name (``active``, ``active.rebooting``, ``new``), a
            vm_state value in the overview, or ``<vm_state>.*`` for "any state of
            this vm_state" in the full diagram.
        title: the public status a user sees there (empty for the start).
        subtitle: the state's own name.
        kind: ``start``, ``stable`` (no task running), ``transient`` (a task
            runs; the machine takes a step out), ``any`` (stands for several
            states: an arrow from it leaves each of them) or ``alias`` (a copy
            of a state drawn near the arrows that end there).
        cluster: the vm_state cluster it sits in (full diagram only).
        notes: small print (operations that keep the state, conditions).
        reachable: False for states the settings never reach (drawn faint).
        stands_for: the machine states (or vm_states in the overview) the node
            is; written into the output so tests and tools can map it back.
    """

    id: str
    title: str
    subtitle: str
    kind: NodeKind
    cluster: str | None = None
    notes: tuple[str, ...] = ()
    reachable: bool = True
    stands_for: tuple[str, ...] = ()

    @property
    def states(self) -> tuple[str, ...]:
        """The states this node stands for (its own id unless told otherwise)."""
        return self.stands_for or (self.id,)


@dataclasses.dataclass(frozen=True, slots=True)
class Link:
    """An arrow: every machine transition between two nodes of one kind, merged.

    Attributes:
        labels: one line per trigger, with its guard and settings condition
            (``confirm_resize [powered off]``); empty for plain task steps.
        triggers: the machine's trigger names behind the arrow (tooltips, tests).
    """

    source: str
    dest: str
    kind: LinkKind
    labels: tuple[str, ...]
    triggers: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Diagram:
    """One picture: nodes (optionally in vm_state clusters), links and a legend."""

    name: str
    title: str
    dialect: str
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    clusters: tuple[tuple[str, str], ...] = ()
    legend: tuple[str, ...] = ()
    sink: tuple[str, ...] = ()
    """Node ids drawn last in the flow (ERROR in an operation diagram)."""


# ---------------------------------------------------------------------------
# helpers shared by the views


def guard_text(edge: Edge, op: Operation | None) -> str:
    """The guard of ``edge`` in words, or "".

    The launched guard is shown only where it picks a route (an operation that
    does not require a launched server, such as delete); everywhere else it is
    the blanket rule stated in the legend.
    """
    parts: list[str] = []
    if edge.powered_off is not None:
        parts.append("powered off" if edge.powered_off else "not powered off")
    if edge.launched is not None and (op is None or not op.must_have_launched):
        parts.append("launched" if edge.launched else "never launched")
    return ", ".join(parts)


def _label(trigger: str, *conditions: str) -> str:
    text = ", ".join(c for c in conditions if c)
    return f"{trigger} [{text}]" if text else trigger


def _describe(settings: Settings) -> str:
    default = Settings()
    changed = [f"{k}={v}" for k, v in settings.as_dict().items() if getattr(default, k) != v]
    return ", ".join(changed) or "defaults"


def _condition(op: Operation | None, present: frozenset[int], all_profiles: Sequence[Settings]) -> str:
    """The settings under which something seen in ``present`` profiles exists, in words ("" if always).

    A route's own ``when`` text is used when it selects exactly those profiles;
    otherwise the profiles themselves are named.
    """
    if len(present) == len(all_profiles):
        return ""
    absent = [p for i, p in enumerate(all_profiles) if i not in present]
    if op is not None:
        texts: dict[str, frozenset[int]] = {}
        for route in op.routes:
            if route.when is not None:
                hits = frozenset(i for i, p in enumerate(all_profiles) if route.when.test(p))
                if hits and hits <= present:
                    texts.setdefault(str(route.when), hits)
        chosen: list[str] = []
        covered: frozenset[int] = frozenset()
        for text, hits in sorted(texts.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            if not hits <= covered:
                chosen.append(text)
                covered |= hits
        if covered == present:
            return chosen[0] if len(chosen) == 1 else " or ".join(f"({c})" for c in chosen)
    if len(absent) <= len(present):
        return "unless " + " or ".join(_describe(p) for p in absent)
    return "only with " + " or ".join(_describe(all_profiles[i]) for i in sorted(present))


class _Index:
    """Edges of a blueprint by (trigger, source), for walking."""

    def __init__(self, bp: Blueprint) -> None:
        self.bp = bp
        self.by_key: dict[tuple[str, Pair], list[Edge]] = {}
        for edge in bp.edges:
            self.by_key.setdefault((edge.trigger, edge.source), []).append(edge)

    def out(self, trigger: str, source: Pair, case: tuple[bool, bool]) -> list[Edge]:
        return [e for e in self.by_key.get((trigger, source), ()) if e.guards(*case)]


@functools.lru_cache(maxsize=32)
def _index(dialect: Dialect, settings: Settings) -> _Index:
    return _Index(blueprint(dialect, settings))


def settle(bp: Blueprint, edge: Edge, case: tuple[bool, bool]) -> tuple[list[Edge], Pair]:
    """The task steps ``edge`` starts when the guards are ``case``, and the pair the server rests in."""
    index = _index(bp.dialect, bp.settings)
    walked: list[Edge] = []
    pair = edge.dest
    seen: set[Pair] = set()
    while pair not in seen:
        seen.add(pair)
        steps = index.out(ADVANCE, pair, case)
        if not steps:
            break
        walked.append(steps[0])
        pair = steps[0].dest
    return walked, pair


def _cases(edge: Edge) -> Iterator[tuple[bool, bool]]:
    return (case for case in _GUARD_CASES if edge.guards(*case))


def _vm_name(vm: VmState | None) -> str:
    return NEW if vm is None else vm.value


def _status(dialect: Dialect, pair: Pair) -> str:
    vm, task = pair
    return "" if vm is None else dialect.status(vm, task).value


def _ops(dialect: Dialect) -> dict[str, Operation]:
    return dict(dialect.operation_map)


def _wrap(words: Sequence[str], width: int = 34) -> tuple[str, ...]:
    return tuple(textwrap.wrap(", ".join(words), width=width, break_on_hyphens=False))


# ---------------------------------------------------------------------------
# overview


@dataclasses.dataclass(frozen=True, slots=True)
class _Move:
    """An operation from a resting vm_state to where it settles."""

    op: str
    source: VmState | None
    dest: VmState | None
    guard: str
    step: bool = False
    """A task finishing on its own, through a vm_state it passes (create: BUILD to ACTIVE)."""


def _moves(bp: Blueprint) -> Iterator[_Move]:
    ops = _ops(bp.dialect)
    for edge in bp.edges:
        if edge.kind != "operation" or edge.source[1] is not None:
            continue
        op = ops.get(edge.operation)
        guard = guard_text(edge, op)
        for case in _cases(edge):
            walked, rest = settle(bp, edge, case)
            if op is not None and op.then:
                # A composite request (Huawei's withStopServer) is one job to
                # the user: draw it from where it starts to where its last part rests.
                for follow in op.then:
                    nxt = _index(bp.dialect, bp.settings).out(follow, rest, case)
                    if nxt:
                        _, rest = settle(bp, nxt[0], case)
                yield _Move(edge.trigger, edge.source[0], rest[0], guard)
                continue
            passed = [
                e.source[0] for e in walked if e.source[1] is None and e.source[0] not in (edge.source[0], rest[0])
            ]
            if passed:
                yield _Move(edge.trigger, edge.source[0], passed[0], guard)
                yield _Move(ADVANCE, passed[0], rest[0], "", step=True)
            else:
                yield _Move(edge.trigger, edge.source[0], rest[0], guard)


def _merged(per_profile: Iterable[Iterable[object]]) -> dict[object, frozenset[int]]:
    seen: dict[object, set[int]] = {}
    for i, items in enumerate(per_profile):
        for item in items:
            seen.setdefault(item, set()).add(i)
    return {k: frozenset(v) for k, v in seen.items()}


_COLLAPSE = 6
"""An operation reaching one vm_state from at least this many others is drawn from an "any other state" node."""


def overview(dialect: str | Dialect = "nova", settings: Settings | None = None) -> Diagram:
    """vm_states and the operations between them (every settings profile merged unless ``settings``).

    Operations that keep the vm_state are listed in the node ("unchanged by ...").
    Settings conditions are footnotes (``[S1]``) explained in the legend, so the
    arrows stay short. An operation that reaches a vm_state from nearly every
    other one (delete) is drawn once from an "any other state" node.
    """
    base = blueprint(dialect, settings)
    d = base.dialect
    ops = _ops(d)
    all_profiles = (base.settings,) if settings is not None else profiles()
    merged = _merged([list(_moves(blueprint(d, p))) for p in all_profiles])

    order = {op.name: i for i, op in enumerate(d.operations)}
    moves = sorted(
        (m for m in merged if isinstance(m, _Move)),
        key=lambda m: (order.get(m.op, len(order)), _vm_name(m.source), _vm_name(m.dest), m.guard),
    )
    footnotes: dict[str, str] = {}

    def mark(text: str) -> str:
        return footnotes.setdefault(text, f"S{len(footnotes) + 1}") if text else ""

    stays: dict[str, list[str]] = {}
    groups: dict[tuple[str, str, str], list[str]] = {}  # (dest, label, op) -> sources
    steps: dict[tuple[str, str], None] = {}
    for move in moves:
        label = _label(move.op, move.guard, mark(_condition(ops.get(move.op), merged[move], all_profiles)))
        src, dst = _vm_name(move.source), _vm_name(move.dest)
        if src == dst:
            if label not in stays.setdefault(src, []):
                stays[src].append(label)
        elif move.step:
            steps.setdefault((src, dst), None)
        else:
            groups.setdefault((dst, label, move.op), []).append(src)

    used = (
        {n for (dst, _, _), srcs in groups.items() for n in (dst, *srcs)} | set(stays) | {n for k in steps for n in k}
    )
    vm_ids = [vm.value for vm in d.vm_states if vm.value in used]
    leaving = {src for srcs in groups.values() for src in srcs} | set(stays)
    arrows: dict[tuple[str, str], list[tuple[str, str]]] = {}
    any_nodes: dict[str, Node] = {}
    for (dst, label, op_name), srcs in groups.items():
        if len(srcs) >= _COLLAPSE:
            others = [v for v in vm_ids if v != dst and v in leaving]
            missing = [v for v in others if v not in srcs]
            node_id = "any" + "".join(f"_{v}" for v in missing)
            text = "any other state" + (f" except {', '.join(missing)}" if missing else "")
            stands = tuple(v for v in vm_ids if v in leaving and v not in missing)
            any_nodes.setdefault(node_id, Node(node_id, "", text, "any", stands_for=stands))
            arrows.setdefault((node_id, dst), []).append((label, op_name))
            srcs = []
        for src in srcs:
            arrows.setdefault((src, dst), []).append((label, op_name))

    nodes = [Node(NEW, "", NEW, "start")] if NEW in used else []
    for vm in d.vm_states:
        if vm.value not in used:
            continue
        rest = (vm, None)
        kind: NodeKind = "transient" if rest in base.transient else "stable"
        notes = _wrap(stays.get(vm.value, ()))
        nodes.append(Node(vm.value, _status(d, rest), vm.value, kind, notes=_prefix("unchanged by ", notes)))
    nodes.extend(any_nodes.values())
    links = tuple(
        Link(
            src,
            dst,
            "operation",
            tuple(dict.fromkeys(lbl for lbl, _ in items)),
            tuple(dict.fromkeys(t for _, t in items)),
        )
        for (src, dst), items in arrows.items()
    ) + tuple(Link(src, dst, "step", (), (ADVANCE,)) for src, dst in steps)
    legend = [*_legend(d, merged_settings=settings is None, settings=base.settings)]
    legend += [f"[{m}] {text}" for text, m in footnotes.items()]
    if steps:
        legend.append("Thin grey: the task finishes on its own (the server passes that vm_state).")
    if any_nodes:
        legend.append(
            "'any other state': every vm_state an operation can leave, except the arrow's end and those named."
        )
    return Diagram(
        "overview", f"{d.title}: vm_states and operations", d.name, tuple(nodes), links, legend=tuple(legend)
    )


def _prefix(prefix: str, lines: tuple[str, ...]) -> tuple[str, ...]:
    return (prefix + lines[0], *lines[1:]) if lines else ()


def _legend(d: Dialect, *, merged_settings: bool, settings: Settings) -> tuple[str, ...]:
    unlaunched = [op.name for op in d.operations if not op.must_have_launched]
    lines = [f"Every operation except {', '.join(unlaunched)} needs a server that finished spawning."]
    if merged_settings:
        lines.append("All settings profiles merged: [S<n>] marks an arrow that needs the settings noted below.")
    else:
        lines.append(f"Settings: {_describe(settings)}.")
    return tuple(lines)


# ---------------------------------------------------------------------------
# full lifecycle


def full(dialect: str | Dialect = "nova", settings: Settings | None = None) -> Diagram:
    """Every state and transition of the machine for ``settings`` (default settings when None).

    A trigger that leaves every state of a vm_state for the same place (``delete``
    from any task of ``active``) is drawn once, from that vm_state's ``any`` node
    (id ``<vm_state>.*``): the notation of a hierarchical state machine, which
    keeps the picture readable without dropping a transition.
    """
    bp = blueprint(dialect, settings)
    d = bp.dialect
    ops = _ops(d)
    reachable = bp.reachable
    members: dict[VmState | None, list[Pair]] = {}
    for pair in bp.pairs:
        members.setdefault(pair[0], []).append(pair)

    # Group operation edges: (trigger, dest, guard) -> sources; collapse whole vm_states.
    groups: dict[tuple[str, Pair, str], list[Pair]] = {}
    for edge in bp.edges:
        if edge.kind == "operation":
            groups.setdefault((edge.trigger, edge.dest, guard_text(edge, ops.get(edge.operation))), []).append(
                edge.source
            )
    raw: list[tuple[str, str, LinkKind, str, str]] = []  # source, dest, kind, label, trigger
    aliases: dict[str, tuple[str, Pair]] = {}  # alias id -> (cluster, pair it copies)
    any_used: set[VmState] = set()
    for (trigger, dest, guard), sources in groups.items():
        by_vm: dict[VmState | None, list[Pair]] = {}
        for src in sources:
            by_vm.setdefault(src[0], []).append(src)
        for vm, srcs in by_vm.items():
            label = _label(trigger, guard)
            if vm is not None and len(srcs) >= 3 and set(srcs) == set(members[vm]):
                any_used.add(vm)
                raw.append((vm.value + ANY_SUFFIX, pair_name(dest), "operation", label, trigger))
            else:
                raw.extend((pair_name(s), pair_name(dest), "operation", label, trigger) for s in srcs)
    for edge in bp.edges:
        if edge.kind == "step":
            raw.append(
                (pair_name(edge.source), pair_name(edge.dest), "step", _label("", guard_text(edge, None)), ADVANCE)
            )
        elif edge.kind == "failure":
            target = pair_name(edge.dest)
            if edge.source[0] is not None:
                # Drawn to a copy of the destination inside the source's cluster:
                # a hundred dashed arrows across the picture into ERROR (or back
                # to the vm_state) hide everything else.
                alias = f"{edge.source[0].value}>{target}"
                aliases.setdefault(alias, (edge.source[0].value, edge.dest))
                target = alias
            named = failure_kind(edge.trigger)
            raw.append((pair_name(edge.source), target, "failure", named or "", edge.trigger))

    merged: dict[tuple[str, str, LinkKind], tuple[list[str], list[str]]] = {}
    for tail, head, link_kind, label, trigger in raw:
        labels, triggers = merged.setdefault((tail, head, link_kind), ([], []))
        if label and label not in labels:
            labels.append(label)
        if trigger not in triggers:
            triggers.append(trigger)
    links = tuple(Link(s, t, k, tuple(lbl), tuple(trg)) for (s, t, k), (lbl, trg) in merged.items())

    nodes: list[Node] = []
    clusters: list[tuple[str, str]] = []
    for vm, pairs in members.items():
        if vm is not None:
            clusters.append((vm.value, f"{vm.value} ({_status(d, (vm, None))})"))
        for pair in pairs:
            kind: NodeKind = "start" if vm is None else "transient" if pair in bp.transient else "stable"
            subtitle = pair_name(pair) if pair[1] is None else pair[1].value
            nodes.append(
                Node(
                    pair_name(pair),
                    _status(d, pair),
                    subtitle,
                    kind,
                    None if vm is None else vm.value,
                    reachable=pair in reachable,
                )
            )
        if vm in any_used and vm is not None:
            nodes.append(
                Node(
                    vm.value + ANY_SUFFIX,
                    "",
                    f"any {vm.value} state",
                    "any",
                    vm.value,
                    stands_for=tuple(pair_name(p) for p in pairs),
                )
            )
    for alias, (cluster, pair) in aliases.items():
        nodes.append(
            Node(
                alias, _status(d, pair), f"fails to {pair_name(pair)}", "alias", cluster, stands_for=(pair_name(pair),)
            )
        )
    legend = (
        *_legend(d, merged_settings=False, settings=bp.settings),
        "Bold: operations (requests). Thin: task steps (advance). Dashed: failures (fail).",
        "Rounded boxes: stable (no task); plain boxes: a task runs; faint: not reachable with these settings.",
        "'any <vm_state> state': the operation is accepted in every state of that vm_state.",
        "Red 'fails to' boxes are the state a failure leads to, drawn inside the cluster it fails from.",
    )
    return Diagram("full", f"{d.title}: full lifecycle", d.name, tuple(nodes), links, tuple(clusters), legend)


# ---------------------------------------------------------------------------
# one operation


def _operation_parts(bp: Blueprint, op: Operation) -> Iterator[tuple[LinkKind, Edge]]:
    """Every edge one request of ``op`` can take from a resting state: the request, steps, failures.

    A composite request (``op.then``, Huawei's withStopServer: stop, resize,
    confirm, start) is one job, so every part it chains is drawn too, each
    from where the part before rests.
    """
    index = _index(bp.dialect, bp.settings)

    def part(edge: Edge, case: tuple[bool, bool]) -> Iterator[tuple[LinkKind, Edge]]:
        walked, _ = settle(bp, edge, case)
        visited = [edge.dest, *(w.dest for w in walked[:-1])] if walked else [edge.dest]
        for step in walked:
            yield "step", step
        for pair in visited:
            if pair in bp.transient:
                yield from (("failure", f) for f in index.out(FAIL, pair, case))
                for trigger in fault_triggers(bp.dialect):
                    yield from (("failure", f) for f in index.out(trigger, pair, case) if f.operation == edge.operation)

    for edge in bp.edges:
        if edge.trigger != op.name or edge.source[1] is not None:
            continue
        yield "operation", edge
        for case in _cases(edge):
            yield from part(edge, case)
            taken, (walked, rest) = edge, settle(bp, edge, case)
            for follow in op.then:
                case = _after(case, [taken, *walked])  # the stop of withStopServer powers the server off
                chained = index.out(follow, rest, case)
                if not chained:
                    break
                taken = chained[0]
                yield "operation", taken
                yield from part(taken, case)
                walked, rest = settle(bp, taken, case)


def _after(case: tuple[bool, bool], edges: Iterable[Edge]) -> tuple[bool, bool]:
    """The guard case (powered off, launched) of a server once it has taken ``edges``."""
    powered_off, launched = case
    for edge in edges:
        if edge.power is not None:
            powered_off = edge.power == PowerState.SHUTDOWN
        if edge.set_launched is not None:
            launched = edge.set_launched
    return powered_off, launched


def followups(
    d: Dialect, op: Operation, ends: AbstractSet[VmState | None], starts: AbstractSet[VmState | None]
) -> list[Operation]:
    """Operations that only apply where ``op`` ends and lead back to where it started (confirm/revert after resize)."""
    out: list[Operation] = []
    candidates = ends - starts
    for other in d.operations:
        if other is op or other.vm_states is ANY or not other.vm_states or not other.vm_states <= candidates:
            continue
        if any(r.steps[-1].vm in starts for r in other.routes):
            out.append(other)
    return out


def operation(dialect: str | Dialect, name: str, settings: Settings | None = None) -> Diagram:
    """The steps of operation ``name`` with the status at each (every settings profile merged unless ``settings``).

    Raises:
        UnknownOperationError: the dialect has no such operation (lists the valid ones).
    """
    base = blueprint(dialect, settings)
    d = base.dialect
    op = d.operation_map.get(name)
    if op is None:
        raise UnknownOperationError("operation", name, [o.name for o in d.operations])
    all_profiles = (base.settings,) if settings is not None else profiles()
    per_profile = [list(_operation_parts(blueprint(d, p), op)) for p in all_profiles]
    parts: dict[tuple[LinkKind, Edge], set[int]] = {}
    for i, items in enumerate(per_profile):
        for item in items:
            parts.setdefault(item, set()).add(i)
    ops = _ops(d)

    pair_order: dict[Pair, None] = {}
    links: dict[tuple[str, str, LinkKind], tuple[list[str], list[str]]] = {}
    transient: set[Pair] = set()
    starts: set[VmState | None] = set()

    def add(source: str, dest: str, kind: LinkKind, label: str, trigger: str) -> None:
        labels, triggers = links.setdefault((source, dest, kind), ([], []))
        if label and label not in labels:
            labels.append(label)
        if trigger not in triggers:
            triggers.append(trigger)

    for (kind, edge), present in parts.items():
        pair_order.setdefault(edge.source, None)
        pair_order.setdefault(edge.dest, None)
        cond = _condition(op, frozenset(present), all_profiles)
        label = ""
        if kind == "operation":
            if edge.trigger == op.name:  # not a part the cloud chains itself (op.then)
                starts.add(edge.source[0])
            label = _label(edge.trigger, guard_text(edge, ops.get(edge.operation)), cond)
        elif kind == "step":
            transient.add(edge.source)
            label = _label("", guard_text(edge, None), cond)
        elif kind == "failure":
            label = failure_kind(edge.trigger) or ""  # each named failure edge shows its kind
        add(pair_name(edge.source), pair_name(edge.dest), kind, label, edge.trigger)

    ends: set[VmState | None] = {
        p[0] for p in pair_order if p[1] is None and p not in transient and p[0] is not VmState.ERROR
    }
    moves = _merged([list(_moves(blueprint(d, p))) for p in all_profiles])
    # a composite request is drawn to its last part's end; what follows it is another diagram's
    for other in followups(d, op, ends, starts) if not op.then else ():
        for move in moves:
            if isinstance(move, _Move) and move.op == other.name and move.source in ends and move.dest in starts:
                add(_vm_name(move.source), _vm_name(move.dest), "followup", _label(move.op, move.guard), move.op)

    nodes: list[Node] = []
    for pair in sorted(pair_order, key=lambda p: list(base.pairs).index(p) if p in base.pairs else len(base.pairs)):
        kind_: NodeKind = (
            "start" if pair[0] is None else "transient" if pair[1] is not None or pair in transient else "stable"
        )
        nodes.append(Node(pair_name(pair), _status(d, pair), pair_name(pair), kind_))
    sources = {pair_name(p) for p in pair_order if p[1] is None and p[0] in starts}
    sink = tuple(n.id for n in nodes if n.id == VmState.ERROR.value and n.id not in sources)
    legend = [f"{op.name}: {op.summary}"]
    if op.task_states is ANY:
        legend.append("Also accepted while any task runs.")
    elif any(t is not None for t in op.task_states):
        legend.append("Also accepted during: " + ", ".join(t.value for t in d.task_states if t in op.task_states) + ".")
    legend.append("Dashed: where a failing step leaves the server. Grey: the operations that follow.")
    return Diagram(
        f"operation-{op.name}",
        f"{d.title}: {op.name}",
        d.name,
        tuple(nodes),
        tuple(Link(s, t, k, tuple(lbl), tuple(trg)) for (s, t, k), (lbl, trg) in links.items()),
        legend=tuple(legend),
        sink=sink,
    )
