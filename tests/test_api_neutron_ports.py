"""Ports made through the fake Neutron (``POST``/``DELETE /v2.0/ports``) and servers booted on them, over WSGI.

Expected behaviour is Neutron's (``neutron/api/v2/base.py:Controller.create``:
``network_id`` required; the IPAM's ``InvalidIpForNetwork`` 400 and
``IpAddressAlreadyAllocated`` 409; ``PortNotFound`` 404) and Nova's
(``nova/network/neutron.py``: a port passed as ``port`` is bound to the server,
and only unbound, not deleted, when the server goes: ``preserve_on_delete``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import login, wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.gateway import Gateway
from lifecycle.api.images import CIRROS_ID


def call(gateway: Gateway, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    headers = {"HTTP_X_AUTH_TOKEN": token} if token else {}
    status, _, data = wsgi_request(gateway, method, path, raw, headers)
    return int(status.split()[0]), json.loads(data) if data else None


@pytest.fixture
def gateway() -> Gateway:
    return Gateway(ComputeApp(Cloud()))


def private(gateway: Gateway) -> str:
    network = gateway.cloud.networks.by_name("private")
    assert network is not None
    return network.id


def test_port_create_checks_and_delete(gateway: Gateway) -> None:
    demo, alt = login(gateway, "demo"), login(gateway, "alt_demo")
    net = private(gateway)
    code, reply = call(gateway, "POST", "/network/v2.0/ports", {"port": {"network_id": net, "name": "p1"}}, demo)
    assert code == 201, reply
    port = reply["port"]
    assert (port["name"], port["network_id"], port["status"], port["device_id"], port["device_owner"]) == (
        "p1",
        net,
        "DOWN",
        "",
        "",
    )
    assert port["project_id"] == gateway.cloud.accounts.project("demo").id
    assert [f["ip_address"].startswith("10.0.") for f in port["fixed_ips"]] == [True]
    default = gateway.cloud.networks.default_group(port["project_id"])
    assert port["security_groups"] == [default.id]
    fixed = {"port": {"network_id": net, "fixed_ips": [{"ip_address": "10.0.5.5"}]}}
    assert call(gateway, "POST", "/network/v2.0/ports", fixed, demo)[1]["port"]["fixed_ips"][0]["ip_address"] == (
        "10.0.5.5"
    )
    refusals: list[tuple[dict[str, Any], int, str]] = [
        (fixed, 409, "IpAddressAlreadyAllocated"),
        ({"port": {"network_id": net, "fixed_ips": [{"ip_address": "192.168.1.1"}]}}, 400, "InvalidIpForNetwork"),
        ({"port": {"network_id": net, "fixed_ips": [{"ip_address": "10.0.0.1"}]}}, 400, "InvalidIpForNetwork"),
        ({"port": {"network_id": net, "fixed_ips": [{"ip_address": "ten"}]}}, 400, "HTTPBadRequest"),
        ({"port": {"network_id": "nope"}}, 404, "NetworkNotFound"),
        ({"port": {"name": "x"}}, 400, "HTTPBadRequest"),
        ({"port": {"network_id": net, "security_groups": ["nope"]}}, 404, "SecurityGroupNotFound"),
        ({"port": {"network_id": net, "mac_address": "zz"}}, 400, "HTTPBadRequest"),
        ({"ports": {}}, 400, "HTTPBadRequest"),
    ]
    for body, status, kind in refusals:
        code, reply = call(gateway, "POST", "/network/v2.0/ports", body, demo)
        assert (code, reply["NeutronError"]["type"]) == (status, kind), body
    assert call(gateway, "DELETE", f"/network/v2.0/ports/{port['id']}", token=alt)[0] == 404
    assert call(gateway, "DELETE", f"/network/v2.0/ports/{port['id']}", token=demo) == (204, None)
    code, reply = call(gateway, "GET", f"/network/v2.0/ports/{port['id']}", token=demo)
    assert (code, reply["NeutronError"]["type"]) == (404, "PortNotFound")


def test_boot_on_a_port_binds_it_and_delete_only_unbinds_it(gateway: Gateway) -> None:
    """--nic port-id: the server's address is the port's; deleting the server leaves the port, unbound."""
    demo = login(gateway, "demo")
    body = {"port": {"network_id": private(gateway), "fixed_ips": [{"ip_address": "10.0.0.12"}]}}
    port = call(gateway, "POST", "/network/v2.0/ports", body, demo)[1]["port"]
    server = {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": [{"port": port["id"]}]}}
    code, reply = call(gateway, "POST", "/v2.1/servers", server, demo)
    assert code == 202, reply
    server_id = reply["server"]["id"]
    shown = call(gateway, "GET", f"/v2.1/servers/{server_id}", token=demo)[1]["server"]
    assert [a["addr"] for a in shown["addresses"]["private"]] == ["10.0.0.12"]
    bound = call(gateway, "GET", f"/network/v2.0/ports/{port['id']}", token=demo)[1]["port"]
    assert (bound["device_id"], bound["device_owner"], bound["status"]) == (server_id, "compute:nova", "ACTIVE")
    other = call(gateway, "POST", "/v2.1/servers", server, demo)
    assert other[0] == 409  # the port is in use (Nova's PortInUse)
    second = {
        "server": {"name": "vm2", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": [{"uuid": private(gateway)}]}
    }
    code, reply = call(gateway, "POST", "/v2.1/servers", second, demo)
    assert code == 202
    auto = call(gateway, "GET", f"/v2.1/servers/{reply['server']['id']}", token=demo)[1]["server"]["addresses"]
    assert [a["addr"] for a in auto["private"]] != ["10.0.0.12"]  # the allocator skips the port's address
    assert call(gateway, "DELETE", f"/v2.1/servers/{server_id}", token=demo)[0] == 204
    codes = [call(gateway, "GET", f"/v2.1/servers/{server_id}", token=demo)[0] for _ in range(5)]
    assert codes[-1] == 404, codes  # each read steps the deletion on (instant pace)
    kept = call(gateway, "GET", f"/network/v2.0/ports/{port['id']}", token=demo)[1]["port"]
    assert (kept["device_id"], kept["status"], kept["fixed_ips"][0]["ip_address"]) == ("", "DOWN", "10.0.0.12")
