"""Neutron's quotas refuse creates past a project's limit, and Nova's boot and attach honour the port quota.

Expected values come from the services' code, not from the fake:

- ``neutron/api/v2/base.py:Controller._create`` reserves one of the resource
  (``quota.QUOTAS.make_reservation``); ``neutron/db/quota/driver_nolock.py``
  ``make_reservation`` skips a limit of -1 and raises ``OverQuota(overs=sorted(...))``
  when ``limit < used + delta``; ``neutron_lib/exceptions/__init__.py:OverQuota`` is a
  ``Conflict`` (409) whose message is ``"Quota exceeded for resources: %(overs)s."``.
- ``neutron/db/securitygroups_db.py:create_security_group`` also checks
  ``security_group_rule`` for the two egress rules a new group gets
  (``quota_limit_check``).
- ``nova/network/neutron.py:API.validate_networks`` counts the project's ports against
  ``show_quota``'s ``port`` (over already: ``"The number of defined ports: %(ports)d is
  over the limit: %(quota)d"``), ``compute/api.py:_create_instance`` raises
  ``PortLimitExceeded`` ("Maximum number of ports exceeded") below ``min_count`` and
  lowers ``max_count`` otherwise; ``servers.py:create`` maps every ``OverQuota`` to 403.
- ``neutron.py:_create_port_minimal`` turns Neutron's ``OverQuotaClient`` into
  ``PortLimitExceeded``, which ``attach_interfaces.py:create`` answers 403.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import login, wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.gateway import Gateway
from lifecycle.api.images import CIRROS_ID


def call(
    gateway: Gateway, method: str, path: str, body: Any = None, token: str = "", version: str = ""
) -> tuple[int, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    headers = {"HTTP_X_AUTH_TOKEN": token} if token else {}
    if version:
        headers["HTTP_OPENSTACK_API_VERSION"] = f"compute {version}"
    status, _, data = wsgi_request(gateway, method, path, raw, headers)
    return int(status.split()[0]), json.loads(data) if data else None


@pytest.fixture
def gateway() -> Gateway:
    return Gateway(ComputeApp(Cloud()))


def set_quota(gateway: Gateway, project: str, **limits: int) -> None:
    """As the admin (no token): ``PUT /v2.0/quotas/{project}`` with ``force`` (below usage allowed)."""
    code, reply = call(gateway, "PUT", f"/network/v2.0/quotas/{project}", {"quota": {**limits, "force": True}})
    assert code == 200, reply


def refusal(code: int, reply: Any) -> tuple[int, str, str]:
    return code, reply["NeutronError"]["type"], reply["NeutronError"]["message"]


def over_quota(*resources: str) -> tuple[int, str, str]:
    """``OverQuota(overs=sorted(...))``: ``%(overs)s`` of a Python list."""
    return 409, "OverQuota", f"Quota exceeded for resources: {sorted(resources)}."


def private(gateway: Gateway) -> str:
    network = gateway.cloud.networks.by_name("private")
    assert network is not None
    return network.id


def test_port_create_refused_at_the_limit_and_allowed_again_after_a_delete(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    project = gateway.cloud.accounts.project("demo").id
    set_quota(gateway, project, port=1)
    body = {"port": {"network_id": private(gateway)}}
    code, first = call(gateway, "POST", "/network/v2.0/ports", body, demo)
    assert code == 201
    code, reply = call(gateway, "POST", "/network/v2.0/ports", body, demo)
    assert refusal(code, reply) == over_quota("port")
    assert reply["NeutronError"]["message"] == "Quota exceeded for resources: ['port']."
    # another project's limit is its own
    assert call(gateway, "POST", "/network/v2.0/ports", body, login(gateway, "alt_demo"))[0] == 201
    assert call(gateway, "DELETE", f"/network/v2.0/ports/{first['port']['id']}", token=demo)[0] == 204
    assert call(gateway, "POST", "/network/v2.0/ports", body, demo)[0] == 201
    set_quota(gateway, project, port=-1)  # driver_nolock: a limit of -1 is unlimited
    assert [call(gateway, "POST", "/network/v2.0/ports", body, demo)[0] for _ in range(3)] == [201] * 3
    set_quota(gateway, project, port=0)
    assert call(gateway, "POST", "/network/v2.0/ports", body, demo)[0] == 409


def test_network_and_subnet_creates_refused_past_their_limits(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    project = gateway.cloud.accounts.project("demo").id
    set_quota(gateway, project, network=1, subnet=0)
    code, net = call(gateway, "POST", "/network/v2.0/networks", {"network": {"name": "a"}}, demo)
    assert code == 201
    code, reply = call(gateway, "POST", "/network/v2.0/networks", {"network": {"name": "b"}}, demo)
    assert refusal(code, reply) == over_quota("network")
    subnet = {"subnet": {"network_id": net["network"]["id"], "cidr": "192.168.7.0/24", "ip_version": 4}}
    code, reply = call(gateway, "POST", "/network/v2.0/subnets", subnet, demo)
    assert refusal(code, reply) == over_quota("subnet")
    set_quota(gateway, project, subnet=1)
    assert call(gateway, "POST", "/network/v2.0/subnets", subnet, demo)[0] == 201
    names = [n["name"] for n in call(gateway, "GET", "/network/v2.0/networks", token=demo)[1]["networks"]]
    assert "b" not in names


def test_security_group_and_rule_creates_refused_past_their_limits(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    project = gateway.cloud.accounts.project("demo").id
    groups = call(gateway, "GET", "/network/v2.0/security-groups", token=demo)[1]["security_groups"]
    assert [g["name"] for g in groups] == ["default"]  # Neutron's default group counts as used
    set_quota(gateway, project, security_group=1)
    code, reply = call(gateway, "POST", "/network/v2.0/security-groups", {"security_group": {"name": "web"}}, demo)
    assert refusal(code, reply) == over_quota("security_group")
    set_quota(gateway, project, security_group=10)
    used = call(gateway, "GET", f"/network/v2.0/quotas/{project}/details", token=demo)[1]["quota"]
    rules_used = used["security_group_rule"]["used"]
    # a new group brings two egress rules (quota_limit_check of create_security_group): one free is not enough
    set_quota(gateway, project, security_group_rule=rules_used + 1)
    code, reply = call(gateway, "POST", "/network/v2.0/security-groups", {"security_group": {"name": "web"}}, demo)
    assert refusal(code, reply) == over_quota("security_group_rule")
    set_quota(gateway, project, security_group_rule=rules_used + 2)
    code, group = call(gateway, "POST", "/network/v2.0/security-groups", {"security_group": {"name": "web"}}, demo)
    assert code == 201, group
    rule = {"security_group_rule": {"security_group_id": group["security_group"]["id"], "protocol": "tcp"}}
    code, reply = call(gateway, "POST", "/network/v2.0/security-group-rules", rule, demo)
    assert refusal(code, reply) == over_quota("security_group_rule")
    set_quota(gateway, project, security_group_rule=-1)
    assert call(gateway, "POST", "/network/v2.0/security-group-rules", rule, demo)[0] == 201


def boot(gateway: Gateway, token: str, **extra: Any) -> tuple[int, Any]:
    server = {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", **extra}}
    return call(gateway, "POST", "/v2.1/servers", server, token)


def test_boot_checks_the_port_quota_as_validate_networks_does(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    project = gateway.cloud.accounts.project("demo").id
    set_quota(gateway, project, port=1)
    assert boot(gateway, demo)[0] == 202  # networks "auto": one port on private
    code, reply = boot(gateway, demo)
    assert (code, reply) == (403, {"forbidden": {"code": 403, "message": "Maximum number of ports exceeded"}})
    # no port to make: a server on a port made beforehand
    set_quota(gateway, project, port=3)
    code, port = call(gateway, "POST", "/network/v2.0/ports", {"port": {"network_id": private(gateway)}}, demo)
    assert code == 201
    set_quota(gateway, project, port=2)
    assert boot(gateway, demo, networks=[{"port": port["port"]["id"]}])[0] == 202
    set_quota(gateway, project, port=1)  # two used: already over
    code, reply = boot(gateway, demo)
    assert (code, reply["forbidden"]["message"]) == (403, "The number of defined ports: 2 is over the limit: 1")


def test_boot_none_needs_no_port(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    set_quota(gateway, gateway.cloud.accounts.project("demo").id, port=0)
    code, reply = call(
        gateway,
        "POST",
        "/v2.1/servers",
        {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}},
        demo,
        version="2.37",
    )
    assert code == 202, reply
    code, reply = call(
        gateway,
        "POST",
        "/v2.1/servers",
        {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "auto"}},
        demo,
        version="2.37",
    )
    assert (code, reply["forbidden"]["message"]) == (403, "Maximum number of ports exceeded")


def test_multi_create_lowers_max_count_to_the_free_ports(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    set_quota(gateway, gateway.cloud.accounts.project("demo").id, port=3)
    code, reply = boot(gateway, demo, min_count=1, max_count=5, return_reservation_id=True)
    assert code == 202, reply
    listed = call(gateway, "GET", f"/v2.1/servers?reservation_id={reply['reservation_id']}", token=demo)[1]
    assert len(listed["servers"]) == 3
    code, reply = boot(gateway, demo, min_count=1, max_count=2)
    assert (code, reply["forbidden"]["message"]) == (403, "Maximum number of ports exceeded")


def test_multi_create_below_min_count_is_refused(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    set_quota(gateway, gateway.cloud.accounts.project("demo").id, port=2)
    code, reply = boot(gateway, demo, min_count=3, max_count=3)
    assert (code, reply["forbidden"]["message"]) == (403, "Maximum number of ports exceeded")
    assert call(gateway, "GET", "/v2.1/servers", token=demo)[1]["servers"] == []


def test_interface_attach_past_the_port_quota_is_403(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    project = gateway.cloud.accounts.project("demo").id
    code, reply = boot(gateway, demo)
    assert code == 202
    server_id = reply["server"]["id"]
    for _ in range(50):  # instant pace: each read steps the boot
        status = call(gateway, "GET", f"/v2.1/servers/{server_id}", token=demo)[1]["server"]["status"]
        if status == "ACTIVE":
            break
    assert status == "ACTIVE"
    set_quota(gateway, project, port=1)
    attach = {"interfaceAttachment": {"net_id": private(gateway)}}
    code, reply = call(gateway, "POST", f"/v2.1/servers/{server_id}/os-interface", attach, demo)
    assert (code, reply) == (403, {"forbidden": {"code": 403, "message": "Maximum number of ports exceeded"}})
    listed = call(gateway, "GET", f"/v2.1/servers/{server_id}/os-interface", token=demo)[1]
    assert len(listed["interfaceAttachments"]) == 1
    set_quota(gateway, project, port=2)
    code, reply = call(gateway, "POST", f"/v2.1/servers/{server_id}/os-interface", attach, demo)
    assert code == 200, reply
