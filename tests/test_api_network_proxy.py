"""``os-networks`` / ``os-tenant-networks`` over WSGI.

Expected shapes come from ``nova/api/openstack/compute/networks.py`` and
``tenant_networks.py`` (``network_dict``) and Nova's api_samples
(``os-networks/networks-list-res.json`` for a non-admin: eleven keys).
"""

from __future__ import annotations

import pytest

from lifecycle.api import Cloud, ComputeApp
from tests.test_api_routes import MEMBER, call

NON_ADMIN_KEYS = {
    "id", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2", "cidr_v6", "gateway_v6", "label", "netmask_v6",
}  # fmt: skip


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def test_os_networks_lists_and_shows_neutron_networks(app: ComputeApp) -> None:
    listed = call(app, "GET", "/os-networks", version="2.35", context=MEMBER).json["networks"]
    assert {n["label"] for n in listed} == {"private", "public"}
    assert all(set(n) == NON_ADMIN_KEYS for n in listed)
    private = next(n for n in listed if n["label"] == "private")
    assert private["cidr"] is None
    shown = call(app, "GET", f"/os-networks/{private['id']}", version="2.35", context=MEMBER).json["network"]
    assert shown == private
    admin = call(app, "GET", f"/os-networks/{private['id']}", version="2.1").json["network"]
    assert len(admin) == 32
    assert admin["project_id"] is None


def test_os_tenant_networks_shape(app: ComputeApp) -> None:
    listed = call(app, "GET", "/os-tenant-networks", version="2.1", context=MEMBER).json["networks"]
    assert sorted(n["label"] for n in listed) == ["private", "public"]
    assert all(set(n) == {"id", "cidr", "label"} and n["cidr"] == "None" for n in listed)
    one = listed[0]
    assert call(app, "GET", f"/os-tenant-networks/{one['id']}", version="2.1").json["network"] == one


@pytest.mark.parametrize("collection", ["os-networks", "os-tenant-networks"])
def test_unknown_network_is_404(app: ComputeApp, collection: str) -> None:
    reply = call(app, "GET", f"/{collection}/no-such-net", version="2.35")
    assert reply.code == 404
    assert reply.message == "Network not found"


@pytest.mark.parametrize("path", ["/os-networks", "/os-tenant-networks", "/os-networks/x", "/os-tenant-networks/x"])
def test_gone_from_2_36(app: ComputeApp, path: str) -> None:
    assert call(app, "GET", path, version="2.36").code == 404


def test_unknown_query_refused_from_2_102_only_below_proxy_is_ignored(app: ComputeApp) -> None:
    assert call(app, "GET", "/os-networks?bogus=1", version="2.35").code == 200
