"""Neutron's quotas in the fake (``/network/v2.0/quotas``), over WSGI.

Expected values come from Neutron: the defaults of ``neutron/conf/quota.py``
(``DEFAULT_QUOTA_NETWORK = 100``...; ``default_quota = -1`` for ``subnetpool``),
the routes and checks of ``neutron/extensions/quotasv2.py`` (``show``,
``default``, ``index``, ``update`` with its ``already used`` check, ``delete``)
and ``quotasv2_detail.py`` (``details``: ``limit``/``used``/``reserved``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import login, wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.gateway import Gateway

NEUTRON_DEFAULTS = {
    "network": 100,
    "subnet": 100,
    "subnetpool": -1,
    "port": 500,
    "router": 10,
    "floatingip": 50,
    "security_group": 10,
    "security_group_rule": 100,
    "rbac_policy": 10,
}


def call(gateway: Gateway, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    raw = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"HTTP_X_AUTH_TOKEN": token} if token else {}
    status, _, data = wsgi_request(gateway, method, f"/network/v2.0{path}", raw, headers)
    return int(status.split()[0]), json.loads(data) if data else None


@pytest.fixture
def gateway() -> Gateway:
    return Gateway(ComputeApp(Cloud()))


def test_show_default_and_details_for_ones_own_project(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    project = gateway.cloud.accounts.project("demo").id
    for path in (f"/quotas/{project}", f"/quotas/{project}.json", f"/quotas/{project}/default"):
        assert call(gateway, "GET", path, token=demo) == (200, {"quota": NEUTRON_DEFAULTS}), path
    net = call(gateway, "POST", "/networks", {"network": {"name": "mine"}}, demo)
    assert net[0] == 201
    code, details = call(gateway, "GET", f"/quotas/{project}/details.json", token=demo)
    assert code == 200
    assert details["quota"]["network"] == {"limit": 100, "used": 1, "reserved": 0}
    assert set(details["quota"]) == set(NEUTRON_DEFAULTS)
    assert call(gateway, "GET", "/quotas/project", token=demo) == (200, {"project": {"project_id": project}})


def test_members_cannot_read_others_or_write(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    alt = gateway.cloud.accounts.project("alt_demo").id
    code, reply = call(gateway, "GET", f"/quotas/{alt}", token=demo)
    assert (code, reply["NeutronError"]["type"]) == (403, "PolicyNotAuthorized")
    code, reply = call(gateway, "GET", f"/quotas/{alt}/details", token=demo)
    assert (code, reply["NeutronError"]["type"]) == (403, "AdminRequired")
    assert call(gateway, "GET", "/quotas", token=demo)[0] == 403
    assert call(gateway, "PUT", f"/quotas/{alt}", {"quota": {"network": 5}}, demo)[0] == 403
    assert call(gateway, "DELETE", f"/quotas/{alt}", token=demo)[0] == 403


def test_admin_updates_lists_and_resets(gateway: Gateway) -> None:
    """update: new limits kept and listed; not below usage unless force; bad values are Neutron's 400s."""
    demo = login(gateway, "demo")
    project = gateway.cloud.accounts.project("demo").id
    assert call(gateway, "POST", "/networks", {"network": {"name": "a"}}, demo)[0] == 201
    code, reply = call(gateway, "PUT", f"/quotas/{project}", {"quota": {"network": 5, "port": "7"}})
    assert (code, reply["quota"]["network"], reply["quota"]["port"], reply["quota"]["subnet"]) == (200, 5, 7, 100)
    assert call(gateway, "GET", f"/quotas/{project}", token=demo)[1]["quota"]["network"] == 5
    listed = call(gateway, "GET", "/quotas")[1]["quotas"]
    assert [(q["project_id"], q["tenant_id"], q["network"]) for q in listed] == [(project, project, 5)]
    code, reply = call(gateway, "PUT", f"/quotas/{project}", {"quota": {"network": 0}})
    assert (code, reply["NeutronError"]["message"]) == (
        400,
        "Quota limit 0 for network must be greater than or equal to already used 1",
    )
    assert (
        call(gateway, "PUT", f"/quotas/{project}", {"quota": {"network": 0, "force": True}})[1]["quota"]["network"] == 0
    )
    bad: list[tuple[Any, str]] = [
        ({"quota": {"network": "many"}}, "Invalid input for operation: 'many' is not an integer."),
        ({"quota": {"network": -2}}, "Invalid input for network. Reason: '-2' is too small - must be at least '-1'."),
        ({"quota": {"volumes": 1}}, "Unrecognized attribute(s) 'volumes'"),
        ({"quotas": {}}, "Unable to find 'quota' in request body"),
        ({}, "Resource body required"),
    ]
    for body, message in bad:
        code, reply = call(gateway, "PUT", f"/quotas/{project}", body)
        assert (code, reply["NeutronError"]["message"]) == (400, message), body
    assert call(gateway, "PUT", f"/quotas/{project}", b"{")[0] == 400
    assert call(gateway, "DELETE", f"/quotas/{project}") == (204, None)
    assert call(gateway, "GET", f"/quotas/{project}")[1] == {"quota": NEUTRON_DEFAULTS}
    assert call(gateway, "GET", "/quotas")[1] == {"quotas": []}
