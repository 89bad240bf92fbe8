"""Markdown tables from the model: status per pair, operation legality, dialect differences.

All three read the dialect data through the blueprint (the pairs the machine
has under any settings profile, and the operation edges it takes from a resting
state), so they show what the library does, not what a document says. Rows
follow the dialect's own order; the text is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lifecycle.model.blueprint import blueprint, profiles
from lifecycle.model.spec import ANY, Dialect, Pair
from lifecycle.model.states import TaskState, VmState

__all__ = ["differences", "legality", "legality_table", "pairs", "status_table"]

_NONE = "—"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return out


def pairs(dialect: Dialect) -> list[Pair]:
    """Every (vm_state, task_state) pair the machine has under some settings profile, in dialect order."""
    seen: dict[Pair, None] = {}
    for settings in profiles():
        for pair in blueprint(dialect, settings).pairs:
            if pair[0] is not None:
                seen.setdefault(pair, None)
    vm_order = {vm: i for i, vm in enumerate(dialect.vm_states)}
    task_order = {task: i for i, task in enumerate(dialect.task_states)}
    return sorted(seen, key=lambda p: (vm_order.get(p[0], 99), -1 if p[1] is None else task_order.get(p[1], 999)))  # type: ignore[arg-type]


def _task(task: TaskState | None) -> str:
    return _NONE if task is None else f"`{task.value}`"


def status_table(dialect: Dialect) -> list[str]:
    """``| vm_state | task_state | status |`` for every pair the machine has."""
    rows = []
    for vm, task in pairs(dialect):
        assert vm is not None
        rows.append((f"`{vm.value}`", _task(task), f"**{dialect.status(vm, task).value}**"))
    return _table(("vm_state", "task_state", "status"), rows)


def legality(dialect: Dialect) -> dict[str, set[VmState | None]]:
    """``{operation: vm_states it is accepted in, at rest}`` under any settings profile."""
    out: dict[str, set[VmState | None]] = {op.name: set() for op in dialect.operations}
    for settings in profiles():
        for edge in blueprint(dialect, settings).edges:
            if edge.kind == "operation" and edge.source[1] is None:
                out.setdefault(edge.trigger, set()).add(edge.source[0])
    return out


def legality_table(dialect: Dialect) -> list[str]:
    """Operation x vm_state: where each operation is accepted with no task running."""
    legal = legality(dialect)
    columns = [vm for vm in dialect.vm_states if any(vm in states for states in legal.values())]
    rows = []
    for op in dialect.operations:
        during = (
            "any" if op.task_states is ANY else ", ".join(t.value for t in dialect.task_states if t in op.task_states)
        )
        marks = ["✓" if vm in legal[op.name] else "" for vm in columns]
        rows.append((f"`{op.name}`", *marks, during or _NONE))
    return _table(("operation", *(f"`{vm.value}`" for vm in columns), "also during tasks"), rows)


def differences(a: Dialect, b: Dialect) -> list[str]:
    """Status and operation differences between two dialects, as Markdown."""
    out = [f"### Status differences ({a.name} vs {b.name})", ""]
    all_pairs = dict.fromkeys([*pairs(a), *pairs(b)])
    rows = []
    for vm, task in all_pairs:
        assert vm is not None
        sa, sb = a.status(vm, task), b.status(vm, task)
        if sa != sb:
            rows.append((f"`{vm.value}`", _task(task), sa.value, sb.value))
    out += _table(("vm_state", "task_state", a.name, b.name), rows) if rows else ["No difference."]
    out += ["", f"### Operation differences ({a.name} vs {b.name})", ""]
    la, lb = legality(a), legality(b)
    op_rows = []
    for name in dict.fromkeys([*la, *lb]):
        if name not in la or name not in lb:
            op_rows.append((f"`{name}`", "yes" if name in la else "no", "yes" if name in lb else "no", "", ""))
            continue
        only_a = [vm.value for vm in a.vm_states if vm in la[name] - lb[name]]
        only_b = [vm.value for vm in b.vm_states if vm in lb[name] - la[name]]
        if only_a or only_b:
            op_rows.append((f"`{name}`", "yes", "yes", ", ".join(only_a), ", ".join(only_b)))
    header = ("operation", f"in {a.name}", f"in {b.name}", f"legal only in {a.name} at", f"legal only in {b.name} at")
    out += _table(header, op_rows) if op_rows else ["No difference: same operations, legal in the same vm_states."]
    return out
