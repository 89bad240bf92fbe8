"""The user docs in docs/ are executable: their examples are doctests."""

from __future__ import annotations

import doctest
import pathlib

import pytest

DOCS = sorted((pathlib.Path(__file__).resolve().parents[1] / "docs").glob("*.md"))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_doc_examples_run(path: pathlib.Path) -> None:
    """Every example in the page produces the output it shows."""
    result = doctest.testfile(str(path), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
