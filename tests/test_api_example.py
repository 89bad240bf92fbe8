"""The copyable example (examples/test_fake_compute.py) passes when run as a user would run it."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest
from _helpers import run_pytest_in

ROOT = pathlib.Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "test_fake_compute.py"
# Registers the plugin when the package is used from a checkout (no entry point installed).
CONFTEST = """\
import importlib

def pytest_configure(config):
    if not config.pluginmanager.has_plugin("lifecycle_api"):
        plugin = importlib.import_module("lifecycle.api.pytest_plugin")
        config.pluginmanager.register(plugin, "lifecycle_api")
"""


def test_example_suite_passes(tmp_path: pathlib.Path) -> None:
    """Running the example file with pytest gives four passing tests."""
    if importlib.util.find_spec("openstack") is None:
        pytest.skip("openstacksdk is not installed: pip install 'server-lifecycle[sdk]'")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_example.py").write_text(EXAMPLE.read_text())
    done = run_pytest_in(tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "4 passed" in done.stdout
