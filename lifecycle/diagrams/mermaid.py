"""A :class:`~lifecycle.diagrams.model.Diagram` as Mermaid ``stateDiagram-v2`` text (GitHub renders it).

Mermaid state ids cannot hold ``.`` or ``-``, so each node gets a sanitised id
and its label carries the real name; a ``%%`` comment line per node records the
states it stands for, so the text can be mapped back to the machine (the tests
do). Clusters are not drawn: Mermaid's composite states lay out poorly at this
size and the full diagram is Graphviz-only. Output is deterministic.
"""

from __future__ import annotations

import re

from lifecycle.diagrams.model import Diagram, Node
from lifecycle.model.blueprint import NEW

__all__ = ["mermaid_id", "to_mermaid"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def mermaid_id(node_id: str) -> str:
    """A Mermaid-safe id for a node id (``soft-delete`` -> ``soft_delete``, ``active.*`` -> ``active__``)."""
    return "s_" + _UNSAFE.sub("_", node_id)


def _text(text: str) -> str:
    # ':' ends a label, ';' ends a statement, '#' starts an entity in Mermaid.
    return text.replace(":", " ").replace(";", ",").replace("#", "no.")


def _node_lines(node: Node) -> list[str]:
    if node.kind == "start":
        return []
    ident = mermaid_id(node.id)
    title = f"{node.title} ({node.subtitle})" if node.title and node.subtitle != node.title else node.subtitle
    lines = [f'    state "{_text(title)}" as {ident}']
    lines.extend(f"    {ident} : {_text(note)}" for note in node.notes)
    return lines


def to_mermaid(diagram: Diagram) -> str:
    """Mermaid ``stateDiagram-v2`` source of the diagram."""
    out = [
        "---",
        f'title: "{diagram.title}"',
        "---",
        "stateDiagram-v2",
        "    direction " + ("TB" if diagram.name == "overview" else "LR"),
    ]
    out.extend(f"    %% node {mermaid_id(n.id)} = {','.join(n.states)}" for n in diagram.nodes if n.kind != "start")
    for node in diagram.nodes:
        out.extend(_node_lines(node))
    for link in diagram.links:
        src = "[*]" if link.source == NEW else mermaid_id(link.source)
        label = "<br>".join(_text(lbl) for lbl in link.labels)
        if not label:
            label = {"failure": "fail", "step": "", "followup": ""}.get(link.kind, "")
        out.append(f"    {src} --> {mermaid_id(link.dest)}" + (f" : {label}" if label else ""))
    out.extend(f"    %% {line}" for line in diagram.legend)
    return "\n".join(out) + "\n"
