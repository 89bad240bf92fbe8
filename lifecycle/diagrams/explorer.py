"""``diagrams/explorer.html``: one self-contained page to explore the lifecycle by clicking.

The page is the template ``explorer/page.html`` with its stylesheet, its script
and each dialect's :mod:`~lifecycle.diagrams.export` data inlined, so it works
from ``file://`` with no server and no network: pick a cloud and settings,
click a status or a (vm_state, task_state), see the legal operations and where
each settles, step an operation through its task states (failure edges
included), search, and share the view as a URL fragment. Its answers are
``lifecycle ops``' answers: both read the compiled table.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

from lifecycle.diagrams.export import to_json

__all__ = ["page"]


def _asset(name: str) -> str:
    return resources.files("lifecycle.diagrams").joinpath("explorer", name).read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    """JSON inside ``<script>``: ``</`` would end the element early, so it is written ``<\\/`` (same JSON)."""
    return text.replace("</", "<\\/")


def page(models: Mapping[str, Mapping[str, Any]]) -> str:
    """The page for ``{dialect name: exported data}``, the first dialect shown by default."""
    data = "\n".join(
        f'<script type="application/json" data-dialect="{name}">\n{_script_safe(to_json(model))}</script>'
        for name, model in models.items()
    )
    html = _asset("page.html")
    for marker, text in (("/*STYLE*/", _asset("explorer.css")), ("/*SCRIPT*/", _asset("explorer.js"))):
        html = html.replace(marker, text.rstrip("\n"), 1)
    return html.replace("<!--DATA-->", data, 1)
