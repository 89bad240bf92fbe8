"""A fake OpenStack Compute API that real clients (openstacksdk, the ``openstack`` CLI) drive.

Servers walk Nova's real task states (they come from the lifecycle model) and
illegal requests get Nova's real 409s. ::

    from lifecycle.api import serve_in_thread
    with serve_in_thread() as fake:
        conn = openstack.connect(auth_type="none", compute_endpoint_override=fake.url)

See docs/fake-api.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecycle._lazy import lazy_getattr

if TYPE_CHECKING:
    from lifecycle.api.app import ComputeApp
    from lifecycle.api.cloud import Cloud
    from lifecycle.api.serve import FakeCompute, serve_in_thread

__all__ = ["Cloud", "ComputeApp", "FakeCompute", "serve_in_thread"]

# Imported on first use: pytest loads lifecycle.api.pytest_plugin (and so this
# package) in every session of every project that installs server-lifecycle.
_LAZY = {
    "Cloud": "lifecycle.api.cloud",
    "ComputeApp": "lifecycle.api.app",
    "FakeCompute": "lifecycle.api.serve",
    "serve_in_thread": "lifecycle.api.serve",
}


__getattr__ = lazy_getattr("lifecycle.api", _LAZY, globals())
