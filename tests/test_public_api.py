"""The public surface is what __all__ says, and the package docs run."""

from __future__ import annotations

import doctest
import importlib
import pathlib
import re
import subprocess
import sys
import tomllib

import pytest

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


# The module paths users write down: in imports, in conf.py (``extensions``), in
# pytest's entry points. Each stays importable across reorganisations of the
# package, with the names the docs show users taking from it.
USER_MODULES = {
    "lifecycle": ("Server", "Fleet", "check", "check_trace", "plan", "status_of"),
    "lifecycle.errors": ("LifecycleError", "InvalidStateError", "UnknownStateError"),
    "lifecycle.testing": ("assert_status",),
    "lifecycle.strategies": ("operations",),
    "lifecycle.pytest_plugin": (),
    "lifecycle.api": ("serve_in_thread", "Cloud", "FakeCompute", "ComputeApp"),
    "lifecycle.api.pytest_plugin": (),
    "lifecycle.sphinx": ("setup",),
    "lifecycle.cli": ("main",),
    "lifecycle.model.dialects": ("register", "get", "names"),
    "lifecycle.model.spec": ("Dialect", "Operation", "Route", "Step"),
}
ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_api_all_is_sorted_and_every_name_resolves() -> None:
    """lifecycle.api.__all__ is sorted and each (lazy) name is importable."""
    import lifecycle.api

    assert list(lifecycle.api.__all__) == sorted(lifecycle.api.__all__)
    for name in lifecycle.api.__all__:
        assert getattr(lifecycle.api, name) is not None


@pytest.mark.parametrize("module", sorted(USER_MODULES))
def test_user_facing_module_paths_import(module: str) -> None:
    """Each module path users write down imports and has the names they take from it."""
    if module == "lifecycle.sphinx":
        pytest.importorskip("sphinx")
    imported = importlib.import_module(module)
    missing = [name for name in USER_MODULES[module] if not hasattr(imported, name)]
    assert not missing, f"{module} lost {missing}"


def test_entry_points_resolve() -> None:
    """pyproject's pytest11 plugins and console script point at modules and objects that exist."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    plugins = project["entry-points"]["pytest11"]
    assert set(plugins.values()) == {"lifecycle.pytest_plugin", "lifecycle.api.pytest_plugin"}
    for target in [*plugins.values(), *project["scripts"].values()]:
        module, _, attr = target.partition(":")
        imported = importlib.import_module(module)
        assert not attr or callable(getattr(imported, attr))


def _resolve(dotted: str) -> object:
    """The object a dotted path names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_documented_dotted_paths_resolve() -> None:
    """Every ``lifecycle.x.y`` the README and docs/ name exists (a moved module would leave them stale)."""
    pytest.importorskip("sphinx")
    found = {m for doc in DOCS for m in re.findall(r"\blifecycle(?:\.[A-Za-z_]\w*)+", doc.read_text(encoding="utf-8"))}
    assert len(found) > 30
    broken = []
    for dotted in sorted(found):
        try:
            _resolve(dotted)
        except (ImportError, AttributeError) as exc:
            broken.append(f"{dotted}: {exc}")
    assert not broken


def test_documented_file_paths_exist() -> None:
    """Every ``lifecycle/...`` file or folder the README and docs/ point at is there."""
    found = {
        m.rstrip("/")
        for doc in DOCS
        for m in re.findall(r"(?<![\w.-])lifecycle/[\w/]*\w(?:\.py)?/?", doc.read_text(encoding="utf-8"))
    }
    assert len(found) > 5
    missing = sorted(path for path in found if not (ROOT / path).exists())
    assert not missing
