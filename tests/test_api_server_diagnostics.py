"""``GET /servers/{id}/diagnostics`` over WSGI (``nova/api/openstack/compute/server_diagnostics.py``).

Fields from doc/api_samples/os-server-diagnostics (the libvirt dict before 2.48,
the standard view from it); 409 ``InstanceNotReady`` before a host is chosen.
"""

from __future__ import annotations

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import MEMBER, call

STANDARD = {
    "config_drive",
    "cpu_details",
    "disk_details",
    "driver",
    "hypervisor",
    "hypervisor_os",
    "memory_details",
    "nic_details",
    "num_cpus",
    "num_disks",
    "num_nics",
    "state",
    "uptime",
}
"""doc/api_samples/os-server-diagnostics/v2.48/server-diagnostics-get-resp.json."""


def boot(app: ComputeApp, *, settle: bool = True) -> str:
    spec = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "auto"}
    server = str(call(app, "POST", "/servers", {"server": spec}, context=MEMBER).json["server"]["id"])
    for _ in range(20 if settle else 0):
        if call(app, "GET", f"/servers/{server}").json["server"]["status"] == "ACTIVE":
            break
    return server


def test_standard_and_legacy_views() -> None:
    app = ComputeApp(Cloud(pace="instant"))
    server = boot(app)
    new = call(app, "GET", f"/servers/{server}/diagnostics", version="2.48").json
    assert set(new) == STANDARD
    assert new["state"] == "running"
    assert new["num_cpus"] == 1  # m1.tiny
    old = call(app, "GET", f"/servers/{server}/diagnostics", version="2.47").json
    assert "cpu0_time" in old
    assert "memory" in old


def test_refusals() -> None:
    app = ComputeApp(Cloud(pace="manual"))
    server = boot(app, settle=False)
    waiting = call(app, "GET", f"/servers/{server}/diagnostics")
    assert waiting.code == 409
    assert waiting.message == f"Instance {server} is not ready"
    member = call(app, "GET", f"/servers/{server}/diagnostics", context=MEMBER)
    assert member.code == 403
    assert member.message == "Policy doesn't allow os_compute_api:os-server-diagnostics to be performed."
    assert call(app, "GET", "/servers/nope/diagnostics").code == 404


@pytest.mark.parametrize("version", ["2.1", "2.48", "2.100"])
def test_unknown_server_is_404(version: str) -> None:
    app = ComputeApp(Cloud(pace="manual"))
    reply = call(app, "GET", "/servers/00000000-0000-0000-0000-000000000000/diagnostics", version=version)
    assert reply.code == 404
