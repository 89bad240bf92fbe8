"""docs/validation.md's examples run and match."""

from __future__ import annotations

import doctest
import pathlib

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "validation.md"


def test_validation_guide_examples_run() -> None:
    """Every >>> example in the validation guide passes."""
    result = doctest.testfile(str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0
