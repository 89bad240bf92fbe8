"""The public surface is what __all__ says, and the package docs run."""

from __future__ import annotations

import doctest
import subprocess
import sys

import lifecycle


def test_all_is_sorted_and_every_name_resolves() -> None:
    """__all__ is sorted and each name (lazy ones included) is importable."""
    assert list(lifecycle.__all__) == sorted(lifecycle.__all__)
    for name in lifecycle.__all__:
        assert getattr(lifecycle, name) is not None


def test_package_docstring_examples_run() -> None:
    """The quick tour in lifecycle/__init__.py is a passing doctest."""
    result = doctest.testmod(lifecycle, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_import_does_not_load_the_state_machine() -> None:
    """`import lifecycle` and status_of stay light: transitions is imported only when a machine is needed."""
    code = "import sys, lifecycle; lifecycle.status_of('active'); print('transitions' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_examples_run() -> None:
    """examples/quickstart.py runs and shows the refusal of an illegal request."""
    out = subprocess.run([sys.executable, "examples/quickstart.py"], capture_output=True, text=True, check=True).stdout
    assert "VERIFY_RESIZE" in out
    assert "refused: Cannot 'resize'" in out
