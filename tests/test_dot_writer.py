"""to_dot writes exactly what the graphviz package's Digraph writes, for every diagram, without importing it."""

from __future__ import annotations

import pytest

from lifecycle.diagrams import model
from lifecycle.diagrams.dot import _quote, to_digraph, to_dot
from lifecycle.model import dialects


def _diagrams() -> list[tuple[str, model.Diagram]]:
    out = []
    for name in dialects.builtin():
        out += [(f"{name}/overview", model.overview(name)), (f"{name}/full", model.full(name))]
        dialect = dialects.get(name)
        out += [(f"{name}/{op}", model.operation(name, op)) for op in dialect.operation_map]
    return out


@pytest.mark.parametrize(("label", "diagram"), _diagrams(), ids=lambda v: v if isinstance(v, str) else "")
def test_to_dot_is_the_digraph_source(label: str, diagram: model.Diagram) -> None:
    """Byte for byte the text graphviz.Digraph builds (quoting, attribute order, subgraphs)."""
    assert to_dot(diagram) == to_digraph(diagram).source, label


@pytest.mark.parametrize(
    "text",
    ["", "spam", "spam spam", "-4.2", ".42", "<<b>x</b>>", '"', '\\"', 'a"b', "node", "Graph", "soft-delete", "a:b"],
)
def test_quote_is_graphviz_quote(text: str) -> None:
    """The quoting rules of graphviz.quoting.quote, on its own doctest cases and ours."""
    from graphviz.quoting import quote

    assert _quote(text) == quote(text)
