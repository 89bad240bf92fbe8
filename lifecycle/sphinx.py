"""A Sphinx extension that draws the lifecycle inside a project's own docs (``pip install 'server-lifecycle[sphinx]'``).

Add ``"lifecycle.sphinx"`` to ``extensions`` in ``conf.py``; then::

    .. lifecycle-diagram::
       :dialect: nova
       :kind: overview

    .. lifecycle-operation:: resize

    .. lifecycle-status-table::
       :dialect: huawei-ecs

The diagrams are the same DOT ``lifecycle diagram`` writes, handed to Sphinx's
own ``sphinx.ext.graphviz`` (set up by this extension), so every builder and the
``graphviz_output_format`` setting work as for a hand-written ``.. graphviz::``.
The table is a real docutils table, so it renders in HTML, LaTeX and man pages
alike. A bad dialect, kind or operation is a Sphinx error naming the valid
choices, at the line of the directive.
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.ext.graphviz import Graphviz
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import OptionSpec

from lifecycle.diagrams import model, tables
from lifecycle.diagrams.dot import to_dot
from lifecycle.errors import LifecycleError, UnknownNameError
from lifecycle.model import dialects

__all__ = ["setup"]

KINDS = ("overview", "full")


class _LifecycleGraph(Graphviz):
    """A ``graphviz`` directive whose DOT comes from the model instead of the document."""

    has_content = False
    required_arguments = 0
    optional_arguments = 0
    option_spec: ClassVar[OptionSpec] = {**Graphviz.option_spec, "dialect": directives.unchanged}

    def diagram(self) -> model.Diagram:  # pragma: no cover - each subclass says which
        raise NotImplementedError

    def default_alt(self) -> str:  # pragma: no cover - each subclass says which
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        try:
            dot = to_dot(self.diagram())
        except LifecycleError as exc:
            raise self.error(f"{self.name}: {exc}") from None
        self.options.setdefault("alt", self.default_alt())
        self.content = StringList(dot.splitlines(), source=f"<{self.name}>")
        self.arguments = []
        return super().run()

    @property
    def dialect(self) -> str:
        return str(self.options.get("dialect", "nova")).strip()


class DiagramDirective(_LifecycleGraph):
    """``.. lifecycle-diagram::`` with ``:dialect:`` (nova) and ``:kind:`` (overview or full)."""

    option_spec: ClassVar[OptionSpec] = {**_LifecycleGraph.option_spec, "kind": directives.unchanged}

    def diagram(self) -> model.Diagram:
        kind = str(self.options.get("kind", "overview")).strip()
        if kind not in KINDS:
            raise UnknownNameError("kind", kind, list(KINDS))
        build = model.overview if kind == "overview" else model.full
        return build(self.dialect)

    def default_alt(self) -> str:
        return f"{self.dialect} lifecycle ({self.options.get('kind', 'overview')})"


class OperationDirective(_LifecycleGraph):
    """``.. lifecycle-operation:: NAME`` with ``:dialect:``: the steps one request walks."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        self.operation = self.arguments[0]
        return super().run()

    def diagram(self) -> model.Diagram:
        return model.operation(self.dialect, self.operation)

    def default_alt(self) -> str:
        return f"{self.operation} on {self.dialect}, step by step"


class StatusTableDirective(SphinxDirective):
    """``.. lifecycle-status-table::`` with ``:dialect:``: the status of every (vm_state, task_state)."""

    has_content = False
    option_spec: ClassVar[OptionSpec] = {"dialect": directives.unchanged, "class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        name = str(self.options.get("dialect", "nova")).strip()
        try:
            dialect = dialects.get(name)
        except LifecycleError as exc:
            raise self.error(f"{self.name}: {exc}") from None
        rows: list[tuple[str, str, str]] = []
        for vm, task in tables.pairs(dialect):
            assert vm is not None  # tables.pairs leaves out the state before create
            rows.append((vm.value, "—" if task is None else task.value, dialect.status(vm, task).value))
        table = nodes.table(classes=["lifecycle-status", *self.options.get("class", [])])
        group = nodes.tgroup(cols=3)
        table += group
        group.extend(nodes.colspec(colwidth=width) for width in (2, 3, 2))
        group += nodes.thead("", _row(("vm_state", "task_state", "status")))
        group += nodes.tbody("", *(_row(row) for row in rows))
        title = nodes.title(text=f"{dialect.title}: status of each (vm_state, task_state)")
        table.insert(0, title)
        return [table]


def _row(cells: tuple[str, str, str]) -> nodes.row:
    return nodes.row("", *(nodes.entry("", nodes.paragraph(text=cell)) for cell in cells))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives (and Sphinx's graphviz extension, which renders them)."""
    app.setup_extension("sphinx.ext.graphviz")
    app.add_directive("lifecycle-diagram", DiagramDirective)
    app.add_directive("lifecycle-operation", OperationDirective)
    app.add_directive("lifecycle-status-table", StatusTableDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
