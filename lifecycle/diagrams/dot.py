"""A :class:`~lifecycle.diagrams.model.Diagram` as Graphviz DOT text.

:func:`to_digraph` builds a ``graphviz.Digraph`` (the package's source builder,
no ``dot`` program); :func:`to_dot` writes the very same text without importing
the package, with its quoting and attribute order (importing it and building the
Digraph were half of a ``lifecycle diagram`` cold start).
``tests/test_dot_writer.py`` proves the two texts equal for every diagram of
every dialect, and ``lifecycle docs --check`` compares the committed files. DOT
output works where Graphviz is not installed. The text depends only on the
diagram: nodes and edges are written in the model's order, no timestamps, no
history styling, so the committed files can be compared byte for byte.

Style, chosen to be read at 100 %: stable states are rounded and blue, states
with a task running are square and amber, unreachable ones faint; operations are
bold labelled arrows, task steps thin grey ones, failures dashed red without a
label (the legend says so) and drawn with ``constraint=false`` so that the many
arrows into ERROR do not stretch the layout.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, cast

from lifecycle.diagrams.model import Diagram, Link, Node

if TYPE_CHECKING:
    import graphviz

__all__ = ["FONT", "to_digraph", "to_dot"]

FONT = "Helvetica"

_FILL = {"stable": "#dbeafe", "transient": "#fef3c7", "any": "#f3f4f6", "start": "black", "alias": "#fee2e2"}
_STYLE = {
    "stable": "rounded,filled",
    "transient": "filled",
    "any": "dashed,rounded,filled",
    "alias": "filled,dashed",
    "start": "filled",
}
_EDGE: dict[str, dict[str, str]] = {
    "operation": {"color": "#1e40af", "fontcolor": "#1e3a8a", "penwidth": "1.6"},
    "step": {"color": "#6b7280", "fontcolor": "#374151", "penwidth": "1.0"},
    "failure": {"color": "#dc2626", "style": "dashed", "penwidth": "0.8", "arrowsize": "0.6", "constraint": "false"},
    "followup": {"color": "#9ca3af", "fontcolor": "#4b5563", "style": "bold", "constraint": "false"},
}


def _node_label(node: Node) -> str:
    if node.kind in ("any", "alias"):
        return f'<<font point-size="10"><i>{html.escape(node.subtitle, quote=False)}</i></font>>'
    parts = []
    if node.title:
        parts.append(f"<b>{html.escape(node.title, quote=False)}</b>")
    if node.subtitle and node.subtitle != node.title:
        parts.append(f'<font point-size="10">{html.escape(node.subtitle, quote=False)}</font>')
    parts.extend(f'<font point-size="9" color="#4b5563">{html.escape(note, quote=False)}</font>' for note in node.notes)
    return "<" + "<br/>".join(parts) + ">"


def _node_attrs(node: Node) -> dict[str, str]:
    if node.kind == "start":
        return {
            "label": "",
            "shape": "circle",
            "style": "filled",
            "fillcolor": "black",
            "width": "0.25",
            "tooltip": ",".join(node.states),
        }
    attrs = {
        "label": _node_label(node),
        "shape": "box",
        "style": _STYLE[node.kind],
        "fillcolor": _FILL[node.kind],
        "tooltip": ",".join(node.states),
    }
    if node.kind == "alias":
        attrs.update(color="#dc2626", fontcolor="#991b1b", height="0.3", margin="0.06,0.02")
    if not node.reachable:
        attrs.update(color="#d1d5db", fontcolor="#9ca3af", fillcolor="#f9fafb")
    return attrs


def _edge_attrs(link: Link, forward: set[str]) -> dict[str, str]:
    attrs = dict(_EDGE[link.kind])
    if link.dest in forward:
        attrs.pop("constraint", None)
    attrs["tooltip"] = " | ".join(link.triggers)
    if link.labels:
        attrs["label"] = "\\n".join(link.labels)
    return attrs


_NODE_DEFAULTS = {"fontname": FONT, "fontsize": "12", "margin": "0.12,0.05", "height": "0.4"}
_EDGE_DEFAULTS = {"fontname": FONT, "fontsize": "10", "arrowsize": "0.7"}


def _graph_attrs(diagram: Diagram, rankdir: str | None = None) -> dict[str, str]:
    full = diagram.name == "full"
    title = html.escape(diagram.title, quote=False)
    legend = "".join(
        f'<font point-size="10">{html.escape(line, quote=False)}</font><br align="left"/>' for line in diagram.legend
    )
    return {
        "rankdir": rankdir or ("TB" if diagram.name == "overview" else "LR"),
        "label": f'<<font point-size="16"><b>{title}</b></font><br align="left"/>{legend}>',
        "labelloc": "t",
        "labeljust": "l",
        "fontname": FONT,
        "nodesep": "0.25" if full or diagram.name == "overview" else "0.35",
        "ranksep": "0.45" if full else "0.55",
        "newrank": "true",
        "compound": "true",
        "bgcolor": "white",
        "pad": "0.2",
    }


def _cluster_attrs(label: str) -> dict[str, str]:
    return {
        "label": label,
        "style": "rounded",
        "color": "#94a3b8",
        "fontsize": "13",
        "fontname": FONT,
        "labeljust": "l",
    }


def to_digraph(diagram: Diagram, *, rankdir: str | None = None) -> graphviz.Digraph:
    """The diagram as a ``graphviz.Digraph`` (not rendered)."""
    import graphviz

    graph = graphviz.Digraph(
        name=diagram.name,
        graph_attr=_graph_attrs(diagram, rankdir),
        node_attr=_NODE_DEFAULTS,
        edge_attr=_EDGE_DEFAULTS,
    )
    clustered: dict[str, list[Node]] = {}
    for node in diagram.nodes:
        if node.cluster is not None and diagram.clusters:
            clustered.setdefault(node.cluster, []).append(node)
        else:
            graph.node(node.id, **_node_attrs(node))
    for cluster_id, label in diagram.clusters:
        with graph.subgraph(name=f"cluster_{cluster_id}") as sub:
            sub.attr(**_cluster_attrs(label))
            for node in clustered.get(cluster_id, ()):
                sub.node(node.id, **_node_attrs(node))
    if diagram.sink:
        with graph.subgraph() as sink:
            sink.attr(rank="sink")
            for node_id in diagram.sink:
                sink.node(node_id)
    # Failures into a sink or an alias may pull the layout: they point forward.
    forward = set(diagram.sink) | {n.id for n in diagram.nodes if n.kind == "alias"}
    for link in diagram.links:
        graph.edge(link.source, link.dest, **_edge_attrs(link, forward))
    return cast("graphviz.Digraph", graph)


def to_dot(diagram: Diagram) -> str:
    """DOT source text of the diagram (deterministic): ``to_digraph(diagram).source``, without ``graphviz``."""
    return "".join(_lines(diagram))


# The graphviz package's quoting (graphviz/quoting.py, 0.20-0.21), reproduced for to_dot.
_HTML = re.compile(r"<.*>$", re.DOTALL)
_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})
_UNESCAPED_QUOTE = re.compile(r"(?P<escaped_backslashes>(?:\\{2})*)\\?(?P<literal_quote>\")")


def _quote(text: str) -> str:
    if _HTML.match(text):
        return text
    if not _ID.match(text) or text.lower() in _KEYWORDS:
        return '"' + _UNESCAPED_QUOTE.sub(r"\g<escaped_backslashes>\\\g<literal_quote>", text) + '"'
    return text


def _quote_edge(node_id: str) -> str:
    node, _, rest = node_id.partition(":")
    parts = [_quote(node)]
    if rest:
        port, _, compass = rest.partition(":")
        parts.append(_quote(port))
        if compass:
            parts.append(compass)
    return ":".join(parts)


def _a_list(attrs: Mapping[str, str]) -> str:
    """``graphviz``'s attribute list: ``label`` first (its own parameter), then the rest sorted."""
    parts = [f"label={_quote(attrs['label'])}"] if "label" in attrs else []
    parts += [f"{_quote(k)}={_quote(v)}" for k, v in sorted(attrs.items()) if k != "label"]
    return " ".join(parts)


def _attr_list(attrs: Mapping[str, str]) -> str:
    content = _a_list(attrs)
    return f" [{content}]" if content else ""


def _sorted_list(attrs: Mapping[str, str]) -> str:
    """A graph-level list (``graph [...]``, ``sub.attr(...)``): every key sorted, ``label`` included."""
    return " ".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(attrs.items()))


def _lines(diagram: Diagram) -> Iterator[str]:
    """The lines ``to_digraph(diagram).source`` is made of, in its order."""
    yield f"digraph {_quote(diagram.name)} {{\n"
    yield f"\tgraph [{_sorted_list(_graph_attrs(diagram))}]\n"
    yield f"\tnode [{_sorted_list(_NODE_DEFAULTS)}]\n"
    yield f"\tedge [{_sorted_list(_EDGE_DEFAULTS)}]\n"
    clustered: dict[str, list[Node]] = {}
    for node in diagram.nodes:
        if node.cluster is not None and diagram.clusters:
            clustered.setdefault(node.cluster, []).append(node)
        else:
            yield f"\t{_quote(node.id)}{_attr_list(_node_attrs(node))}\n"
    for cluster_id, label in diagram.clusters:
        yield f"\tsubgraph {_quote(f'cluster_{cluster_id}')} {{\n"
        yield f"\t\t{_sorted_list(_cluster_attrs(label))}\n"
        for node in clustered.get(cluster_id, ()):
            yield f"\t\t{_quote(node.id)}{_attr_list(_node_attrs(node))}\n"
        yield "\t}\n"
    if diagram.sink:
        yield "\t{\n"
        yield "\t\trank=sink\n"
        for node_id in diagram.sink:
            yield f"\t\t{_quote(node_id)}\n"
        yield "\t}\n"
    forward = set(diagram.sink) | {n.id for n in diagram.nodes if n.kind == "alias"}
    for link in diagram.links:
        yield f"\t{_quote_edge(link.source)} -> {_quote_edge(link.dest)}{_attr_list(_edge_attrs(link, forward))}\n"
    yield "}\n"
