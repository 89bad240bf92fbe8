"""A fake OpenStack Compute API that real clients (openstacksdk, the ``openstack`` CLI) drive.

Servers walk Nova's real task states (they come from the lifecycle model) and
illegal requests get Nova's real 409s. ::

    from lifecycle.api import serve_in_thread
    with serve_in_thread() as fake:
        conn = openstack.connect(auth_type="none", compute_endpoint_override=fake.url)

See docs/fake-api.md.
"""

from __future__ import annotations

from lifecycle.api.app import ComputeApp
from lifecycle.api.cloud import Cloud
from lifecycle.api.serve import FakeCompute, serve_in_thread

__all__ = ["Cloud", "ComputeApp", "FakeCompute", "serve_in_thread"]
