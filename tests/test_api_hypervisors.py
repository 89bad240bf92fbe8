"""``os-hypervisors`` over WSGI: the routes and shapes of ``nova/api/openstack/compute/hypervisors.py``.

Fields by microversion from doc/api_samples/os-hypervisors (v2.28: ``cpu_info`` an
object; v2.53: UUID ids, ``with_servers``; v2.88: the counters gone, ``uptime`` in).
"""

from __future__ import annotations

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import MEMBER, call

OLD_COUNTERS = {"vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used", "free_ram_mb"}
"""doc/api_samples/os-hypervisors/hypervisors-detail-resp.json (2.1), some of its fields."""


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="instant"))


def boot(app: ComputeApp) -> str:
    reply = call(
        app, "POST", "/servers", {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}}
    )
    assert reply.code == 202, reply.json
    server = str(reply.json["server"]["id"])
    for _ in range(20):  # a client polls until ACTIVE (each read is a step at instant pace)
        if call(app, "GET", f"/servers/{server}").json["server"]["status"] == "ACTIVE":
            break
    return server


def test_detail_fields_per_microversion(app: ComputeApp) -> None:
    old = call(app, "GET", "/os-hypervisors/detail", version="2.1").json["hypervisors"][0]
    assert set(old) >= OLD_COUNTERS
    assert isinstance(old["cpu_info"], str)
    assert isinstance(
        call(app, "GET", "/os-hypervisors/detail", version="2.28").json["hypervisors"][0]["cpu_info"], dict
    )
    new = call(app, "GET", "/os-hypervisors/detail", version="2.88").json["hypervisors"][0]
    assert not set(new) & OLD_COUNTERS
    assert "cpu_info" not in new
    assert "uptime" in new


def test_with_servers_lists_the_servers_on_each_host(app: ComputeApp) -> None:
    server = boot(app)
    listed = call(app, "GET", "/os-hypervisors?with_servers=true", version="2.75").json["hypervisors"]
    found = [s["uuid"] for h in listed for s in h["servers"]]
    assert found == [server]
    assert all("servers" in h for h in listed)  # 2.75: an empty list rather than no key
    one = listed[0]["id"]
    shown = call(app, "GET", f"/os-hypervisors/{one}?with_servers=1", version="2.75").json["hypervisor"]
    assert "servers" in shown
    bad = call(app, "GET", "/os-hypervisors?with_servers=maybe", version="2.75")
    assert bad.code == 400
    assert call(app, "GET", "/os-hypervisors?bogus=1", version="2.53").code == 400


def test_statistics_uptime_search_servers(app: ComputeApp) -> None:
    boot(app)
    stats = call(app, "GET", "/os-hypervisors/statistics", version="2.1").json["hypervisor_statistics"]
    assert stats["count"] == len(app.cloud.hosts)
    assert stats["running_vms"] == 1
    assert stats["vcpus_used"] == 1  # flavor 1 (m1.tiny) has one vCPU
    assert call(app, "GET", "/os-hypervisors/statistics", version="2.88").code == 404
    hypervisor = call(app, "GET", "/os-hypervisors", version="2.1").json["hypervisors"][0]
    uptime = call(app, "GET", f"/os-hypervisors/{hypervisor['id']}/uptime", version="2.1").json["hypervisor"]
    assert " up " in uptime["uptime"]
    assert call(app, "GET", f"/os-hypervisors/{hypervisor['id']}/uptime", version="2.88").code == 404
    search = call(app, "GET", "/os-hypervisors/compute/search", version="2.52").json["hypervisors"]
    assert len(search) == len(app.cloud.hosts)
    servers = call(app, "GET", "/os-hypervisors/compute/servers", version="2.52").json["hypervisors"]
    assert sum(len(h.get("servers", [])) for h in servers) == 1
    nothing = call(app, "GET", "/os-hypervisors/zzz/search", version="2.52")
    assert nothing.code == 404
    assert nothing.message == "No hypervisor matching 'zzz' could be found."
    assert call(app, "GET", "/os-hypervisors/compute/search", version="2.53").code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/os-hypervisors",
        "/os-hypervisors/detail",
        "/os-hypervisors/statistics",
        "/os-hypervisors/1/uptime",
        "/os-hypervisors/compute/search",
        "/os-hypervisors/compute/servers",
    ],
)
def test_members_are_refused_403(app: ComputeApp, path: str) -> None:
    reply = call(app, "GET", path, version="2.1", context=MEMBER)
    assert reply.code == 403
    assert reply.message.startswith("Policy doesn't allow os_compute_api:os-hypervisors:")


@pytest.mark.parametrize(
    ("path", "version", "code"),
    [
        ("/os-hypervisors/abc", "2.53", 400),
        ("/os-hypervisors/abc", "2.1", 404),
        ("/os-hypervisors?limit=x", "2.33", 400),
        ("/os-hypervisors?marker=nope", "2.33", 400),
        ("/os-hypervisors/00000000-0000-0000-0000-000000000000", "2.53", 404),
    ],
)
def test_bad_ids_and_queries(app: ComputeApp, path: str, version: str, code: int) -> None:
    reply = call(app, "GET", path, version=version)
    assert reply.code == code, reply.json
    assert reply.message
