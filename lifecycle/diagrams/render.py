"""Turn a diagram into bytes of one format: DOT and Mermaid in-process, SVG and PNG through Graphviz ``dot``.

SVG and PNG need the ``dot`` program; without it they fail with
:class:`GraphvizMissingError`, one line saying how to install Graphviz, while
DOT and Mermaid keep working (they need no Graphviz at all).

``dot`` runs as the ``graphviz`` package would run it (``dot -Kdot -T<fmt>``,
DOT text on stdin), without importing the package: a cold ``lifecycle diagram``
spent a third of its time importing it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, Literal

from lifecycle.diagrams.dot import to_dot
from lifecycle.diagrams.mermaid import to_mermaid
from lifecycle.diagrams.model import Diagram
from lifecycle.errors import LifecycleError

__all__ = ["FORMATS", "Format", "GraphvizMissingError", "RenderError", "pipe", "pipe_many", "render"]

Format = Literal["svg", "png", "dot", "mermaid"]
FORMATS: Final = ("svg", "png", "dot", "mermaid")
INSTALL_HINT: Final = (
    "install Graphviz for SVG/PNG (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "Windows: winget install graphviz); --format dot and --format mermaid work without it"
)


class RenderError(LifecycleError):
    """Graphviz could not render a diagram."""


class GraphvizMissingError(RenderError):
    """The Graphviz ``dot`` program is not installed (or not on PATH)."""

    def __init__(self) -> None:
        super().__init__(f"the Graphviz 'dot' program was not found: {INSTALL_HINT}")


def pipe(dot_source: str, fmt: Literal["svg", "png"]) -> bytes:
    """Render DOT text with ``dot``.

    Raises:
        GraphvizMissingError: ``dot`` is not installed.
        RenderError: ``dot`` failed (its first error line is in the message).
    """
    try:
        done = subprocess.run(["dot", "-Kdot", f"-T{fmt}"], input=dot_source.encode(), capture_output=True, check=False)
    except FileNotFoundError:
        raise GraphvizMissingError() from None
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace")
        first = next((line for line in stderr.splitlines() if line.strip()), f"exit status {done.returncode}")
        raise RenderError(f"Graphviz dot failed: {first}")
    return done.stdout


def pipe_many(jobs: Iterable[tuple[str, Literal["svg", "png"]]], workers: int | None = None) -> list[bytes]:
    """Render several DOT texts, ``dot`` processes running side by side (one per core by default)."""
    import os

    job_list = list(jobs)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        return list(pool.map(lambda job: pipe(*job), job_list))


def render(diagram: Diagram, fmt: Format) -> bytes:
    """The diagram in ``fmt`` as bytes (UTF-8 text for dot and mermaid)."""
    if fmt == "dot":
        return to_dot(diagram).encode()
    if fmt == "mermaid":
        return to_mermaid(diagram).encode()
    if fmt in ("svg", "png"):
        return pipe(to_dot(diagram), fmt)
    raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
