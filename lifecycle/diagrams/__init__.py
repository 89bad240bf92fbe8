"""Lifecycle diagrams and status tables, generated from the state machine's blueprint.

``model`` builds each picture as data (overview, full lifecycle, one per
operation); ``dot`` and ``mermaid`` write it as text; ``render`` runs Graphviz
for SVG/PNG; ``tables`` writes the Markdown tables; ``docset`` is the committed
``diagrams/`` directory. See ``docs/diagrams.md``.

Importing this package does not import ``graphviz`` or ``transitions``.
"""

from __future__ import annotations

from lifecycle.diagrams.model import Diagram, full, operation, overview

__all__ = ["Diagram", "full", "operation", "overview"]
