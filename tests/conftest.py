"""Load the project's pytest plugins when the package is not installed (PYTHONPATH runs)."""

from __future__ import annotations

import importlib

import pytest

_PLUGINS = {"lifecycle_api": "lifecycle.api.pytest_plugin"}


def pytest_configure(config: pytest.Config) -> None:
    for name, module in _PLUGINS.items():
        if not config.pluginmanager.has_plugin(name):
            config.pluginmanager.register(importlib.import_module(module), name)
