"""The compiled machine as JSON (``diagrams/<dialect>/model.json``), the data the explorer page reads.

The CLI (``lifecycle ops``, ``check``, ``plan``) answers from the compiled
:class:`~lifecycle.model.table.Table`; this module writes the same table out, one
*variant* per combination of the model's inputs, so the page shows exactly what
the CLI says. Today the only input is the settings profile
(:func:`lifecycle.model.blueprint.profiles`); each input is a *dimension* with
choices, and each variant says in ``when`` which choice of every dimension it
holds, so a new input (a microversion, say) adds a dimension and variants
without changing the shape the page reads.

The format, ``lifecycle-explorer/1``::

    dialect      {name, title, source, refusal: {state, no_state}}   how lifecycle ops --all words a refusal
    dimensions   [{name, label, choices: [{id, label, values}]}]   first choice is the default
    triggers     [{name, kind: operation|step|failure, summary?, action?, cite?, then?,
                   accepts?: {vm_states, task_states: [..] or "any", launched}}]   an operation's precondition
    pairs        [[vm_state, task_state, status]]                  index = pair id
    power_states {code: name}
    variants     [{when: {dimension: choice id}, nodes: [[pair, power, launched]],
                   seeds: [node of each pair, nominal power, or -1], rows: [[trigger, node, ...]]}]

A node is the table's ``(vm_state, task_state, power_state, launched)``;
``rows[n]`` lists each accepted trigger at node ``n`` with the node it lands
on (one task step: follow ``advance`` to the end to settle, as the CLI does).
Node numbers are this file's own, in a fixed order, so the bytes do not depend
on what the shared table was asked before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lifecycle.diagrams import tables
from lifecycle.model import dialects, spec
from lifecycle.model.blueprint import ADVANCE, FAIL, profiles
from lifecycle.model.settings import Settings
from lifecycle.model.spec import ANY, Dialect, Pair
from lifecycle.model.states import PowerState
from lifecycle.model.table import Node, Table, table_for

__all__ = ["FORMAT", "export", "settings_label", "to_json"]

FORMAT = "lifecycle-explorer/1"


def settings_label(settings: Settings) -> str:
    """``default`` or the options that differ from it (``shelved_offload_time=-1``): a profile's id."""
    base = Settings().as_dict()
    changed = [f"{k}={json.dumps(v)}" for k, v in settings.as_dict().items() if base[k] != v]
    return ",".join(changed) or "default"


def _trigger_kind(table: Table, trigger: str) -> str:
    """``operation``, ``step`` or ``failure``, read off the blueprint's edges (a new failure trigger is a failure)."""
    if trigger in table.operations:
        return "operation"
    kinds = {e.kind for e in table.blueprint.edges if e.trigger == trigger}
    if trigger == ADVANCE or kinds == {"step"}:
        return "step"
    if trigger == FAIL or "failure" in kinds:
        return "failure"
    return "operation"  # pragma: no cover - a trigger with no edges is not in Blueprint.triggers


def _triggers(dialect: Dialect, tables_: Sequence[Table]) -> list[dict[str, Any]]:
    names: dict[str, str] = {}
    for table in tables_:
        for trigger in table.triggers:
            names.setdefault(trigger, _trigger_kind(table, trigger))
    ops = dialect.operation_map
    order = [op.name for op in dialect.operations if op.name in names] + [n for n in names if n not in ops]
    out: list[dict[str, Any]] = []
    for name in order:
        entry: dict[str, Any] = {"name": name, "kind": names[name]}
        op = ops.get(name)
        if op is not None:
            entry.update(summary=op.summary, action=op.action, cite=op.cite, failure=op.failure.value)
            entry["accepts"] = {
                "vm_states": _names(op.vm_states, dialect.vm_states),
                "task_states": _names(op.task_states, (None, *dialect.task_states)),
                "launched": op.must_have_launched,
                "checks_host": op.checks_host,
            }
            if op.then:
                entry["then"] = list(op.then)
        elif name == ADVANCE:
            entry["summary"] = "the running task takes its next step"
        elif name.startswith(spec.FAIL_PREFIX):
            kind = name[len(spec.FAIL_PREFIX) :]
            fault = next(f for o in dialect.operations for f in o.faults if f.kind == kind)
            entry.update(summary=f"the running task fails with {fault.exception} ({kind})", cite=fault.cite)
        else:
            entry["summary"] = "the running task fails"
        out.append(entry)
    return out


def _names(allowed: frozenset[Any] | spec.Any, order: Sequence[Any]) -> list[str | None] | str:
    """A precondition's states in the dialect's order (None: no task), or ``"any"`` when it is not checked."""
    if allowed is ANY:
        return "any"
    known = [s for s in order if s in allowed] + sorted((s for s in allowed if s not in order), key=str)
    return [None if s is None else s.value for s in known]


def _variant(
    table: Table, when: Mapping[str, str], pair_ids: Mapping[Pair, int], trigger_ids: Mapping[str, int]
) -> dict[str, Any]:
    seeds = {pair: table.node_for(pair) for pair in table.blueprint.pairs}
    found = table.explore(seeds.values())
    power_order = {p: i for i, p in enumerate(PowerState)}

    def key(node: Node) -> tuple[int, int, bool]:
        vm, task, power, launched = node
        return (pair_ids[(vm, task)], power_order[power], launched)

    ordered = sorted(found, key=lambda n: key(table.nodes[n]))
    number = {node: i for i, node in enumerate(ordered)}
    nodes = []
    for node in ordered:
        vm, task, power, launched = table.nodes[node]
        nodes.append([pair_ids[(vm, task)], int(power), int(launched)])
    rows = []
    for node in ordered:
        row: list[int] = []
        for trigger, dest in sorted(table.step_row(node).items(), key=lambda item: trigger_ids[item[0]]):
            row += [trigger_ids[trigger], number[dest]]
        rows.append(row)
    seed_list = [number[seeds[p]] if p in seeds else -1 for p in pair_ids]
    settings = table.blueprint.settings
    refused: dict[str, dict[str, Any]] = {}
    for op in table.blueprint.dialect.operations:
        refusal = op.refused_by(settings) if op.refusals else None
        if refusal is not None:
            message = refusal.message.format(
                id="<server>", host="<host>", microversion=settings.microversion, image="<image>"
            )
            refused[op.name] = {"message": message, "after_state": refusal.after_state_check}
    return {"when": dict(when), "nodes": nodes, "seeds": seed_list, "rows": rows, "refused": refused}


def _pair_record(d: Dialect, pair: Pair) -> list[str | None]:
    """``[vm_state, task_state, status]`` as the API spells them (all None before create)."""
    vm, task = pair
    if vm is None:
        return [None, None, None]
    return [vm.value, None if task is None else task.value, d.status(vm, task).value]


def export(dialect: str | Dialect, settings: Iterable[Settings] | None = None) -> dict[str, Any]:
    """The explorer data of ``dialect`` per settings profile (default: :func:`~lifecycle.model.blueprint.profiles`)."""
    d = dialects.get(dialect)
    chosen = list(dict.fromkeys(settings or profiles()))
    compiled = [table_for(d, s) for s in chosen]
    every_pair = {pair: None for t in compiled for pair in t.blueprint.pairs}
    in_order = [(None, None), *(p for p in tables.pairs(d) if p in every_pair)]
    in_order += [p for p in every_pair if p not in in_order]
    pair_ids = {pair: i for i, pair in enumerate(in_order)}
    triggers = _triggers(d, compiled)
    trigger_ids = {t["name"]: i for i, t in enumerate(triggers)}
    choices: list[dict[str, Any]] = [
        {"id": settings_label(s), "label": settings_label(s), "values": dict(s.as_dict())} for s in chosen
    ]
    return {
        "format": FORMAT,
        "dialect": {
            "name": d.name,
            "title": d.title,
            "source": d.source,
            "refusal": {
                "state": d.messages.state,
                "no_state": d.messages.no_state,
                "not_ready": "Instance {id} is not ready",
            },
        },
        "dimensions": [{"name": "settings", "label": "Settings", "choices": choices}],
        "triggers": triggers,
        "pairs": [_pair_record(d, pair) for pair in in_order],
        "power_states": {str(int(p)): p.name for p in PowerState},
        "variants": [
            _variant(t, {"settings": c["id"]}, pair_ids, trigger_ids) for t, c in zip(compiled, choices, strict=True)
        ],
    }


def to_json(data: Mapping[str, Any]) -> str:
    """Deterministic JSON, one record per line (readable diffs, small files)."""
    lines = ["{"]
    items = list(data.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f" {json.dumps(key)}: {_block(value, 1)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _block(value: Any, depth: int) -> str:
    """Lists of records one per line; variants (dicts of lists) opened one level further."""
    pad = " " * (depth + 1)
    if isinstance(value, list) and value and all(isinstance(v, list | dict) for v in value):
        inner = [pad + (_block(v, depth + 1) if _is_variant(v) else _compact(v)) for v in value]
        return "[\n" + ",\n".join(inner) + "\n" + " " * depth + "]"
    if _is_variant(value):
        parts = [f"{pad}{json.dumps(k)}: {_block(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(parts) + "\n" + " " * depth + "}"
    return _compact(value)


def _is_variant(value: Any) -> bool:
    return isinstance(value, dict) and "rows" in value
