"""``/servers/{id}/os-interface`` and Neutron's ``POST``/``DELETE /v2.0/ports`` (``attach_interfaces.py``).

Expected behaviour from Nova: the controller's messages and status codes
(``nova/api/openstack/compute/attach_interfaces.py``), the states of
``compute/api.py`` ``attach_interface``/``detach_interface`` (ACTIVE, PAUSED,
STOPPED with no task), ``neutron.py`` ``_get_available_networks`` (no network asked:
exactly one available, else ``NetworkAmbiguous``), ``preserve_on_delete`` (a port
the user made is unbound on detach, not deleted); the body keys of
``doc/api_samples/os-attach-interfaces`` and Tempest's response schemas
(``tempest.lib.api_schema.response.compute.v2_1``/``v2_70.interfaces``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.gateway import Gateway
from tests.test_api_routes import MEMBER, active, call

# doc/api_samples/os-attach-interfaces/attach-interfaces-show-resp.json (its keys) and v2.70 (adds tag)
SAMPLE_KEYS = {"fixed_ips", "mac_addr", "net_id", "port_id", "port_state"}


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def _network_id(app: ComputeApp, name: str = "private") -> str:
    network = app.cloud.networks.by_name(name)
    assert network is not None
    return network.id


def _schema_check(name: str, module: str, reply: Any) -> None:
    """Validate with Tempest's own response schema (status code included), when Tempest is installed."""
    schemas = pytest.importorskip(f"tempest.lib.api_schema.response.compute.{module}.interfaces")
    from tempest.lib.common import jsonschema_validator

    schema = getattr(schemas, name)
    assert reply.code in schema["status_code"]
    if "response_body" in schema:
        jsonschema_validator.JSONSCHEMA_VALIDATOR(
            schema["response_body"], format_checker=jsonschema_validator.FORMAT_CHECKER
        ).validate(reply.json)


def test_list_show_attach_by_network_and_detach(app: ComputeApp) -> None:
    sid = active(app, networks=["private"])
    listed = call(app, "GET", f"/servers/{sid}/os-interface", version="2.1")
    _schema_check("list_interfaces", "v2_1", listed)
    (first,) = listed.json["interfaceAttachments"]
    assert set(first) == SAMPLE_KEYS
    assert first["net_id"] == _network_id(app)
    assert first["port_state"] == "ACTIVE"
    shown = call(app, "GET", f"/servers/{sid}/os-interface/{first['port_id']}", version="2.1")
    _schema_check("get_create_interfaces", "v2_1", shown)
    assert shown.json["interfaceAttachment"] == first

    body = {"interfaceAttachment": {"net_id": _network_id(app)}}  # attach-interfaces-create-net_id-req.json's shape
    created = call(app, "POST", f"/servers/{sid}/os-interface", body, version="2.70")
    _schema_check("get_create_interfaces", "v2_70", created)
    new = created.json["interfaceAttachment"]
    assert set(new) == SAMPLE_KEYS | {"tag"}
    assert new["port_state"] == "ACTIVE"
    assert new["port_id"] != first["port_id"]
    ports = call(app, "GET", f"/servers/{sid}/os-interface").json["interfaceAttachments"]
    assert sorted(p["port_id"] for p in ports) == sorted([first["port_id"], new["port_id"]])
    server = call(app, "GET", f"/servers/{sid}").json["server"]
    assert len(server["addresses"]["private"]) == 2  # the new fixed IP shows in the server's addresses

    deleted = call(app, "DELETE", f"/servers/{sid}/os-interface/{new['port_id']}")
    _schema_check("delete_interface", "v2_1", deleted)
    assert [p["port_id"] for p in call(app, "GET", f"/servers/{sid}/os-interface").json["interfaceAttachments"]] == [
        first["port_id"]
    ]
    assert new["port_id"] not in app.cloud.networks.ports  # a port Nova made is deleted on detach


def test_attach_with_a_fixed_ip_and_conflicts(app: ComputeApp) -> None:
    sid = active(app, networks=["private"])
    other = active(app, networks=["private"])
    body = {"interfaceAttachment": {"net_id": _network_id(app), "fixed_ips": [{"ip_address": "10.0.7.7"}]}}
    reply = call(app, "POST", f"/servers/{sid}/os-interface", body)
    assert reply.code == 200
    assert reply.json["interfaceAttachment"]["fixed_ips"][0]["ip_address"] == "10.0.7.7"
    again = call(app, "POST", f"/servers/{other}/os-interface", body)
    assert (again.code, again.message) == (409, f"Fixed IP address 10.0.7.7 is already in use on instance {sid}.")


@pytest.mark.parametrize(
    ("attachment", "code", "message"),
    [
        (
            {"net_id": "NET", "port_id": "6d6f2c6e-0000-4000-8000-000000000001"},
            400,
            "Must not input both network_id and port_id",
        ),
        ({"fixed_ips": [{"ip_address": "10.0.0.9"}]}, 400, "Must input network_id when request IP address"),
        ({}, 400, "More than one possible network found. Specify network ID(s) to select which one(s) to connect to."),
        (
            {"net_id": "6d6f2c6e-0000-4000-8000-000000000002"},
            404,
            "Network 6d6f2c6e-0000-4000-8000-000000000002 could not be found.",
        ),
        (
            {"port_id": "6d6f2c6e-0000-4000-8000-000000000003"},
            404,
            "Port id 6d6f2c6e-0000-4000-8000-000000000003 could not be found.",
        ),
    ],
)
def test_attach_errors(app: ComputeApp, attachment: dict[str, Any], code: int, message: str) -> None:
    sid = active(app, networks=["private"])
    if attachment.get("net_id") == "NET":
        attachment = {**attachment, "net_id": _network_id(app)}
    reply = call(app, "POST", f"/servers/{sid}/os-interface", {"interfaceAttachment": attachment})
    assert (reply.code, reply.message) == (code, message)
    assert len(app.cloud.record(sid).ports) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"interfaceAttachment": {"net_id": "not-a-uuid"}},
        {"interfaceAttachment": {"port": "x"}},  # 'additionalProperties': False
        {"interfaceAttachment": {"net_id": "6d6f2c6e-0000-4000-8000-000000000002", "fixed_ips": [{"ip_address": "x"}]}},
        {"interfaceAttachment": {"net_id": "6d6f2c6e-0000-4000-8000-000000000002", "tag": "t"}},  # tag from 2.49
    ],
)
def test_malformed_attach_is_400(app: ComputeApp, body: dict[str, Any]) -> None:
    sid = active(app, networks=["private"])
    reply = call(app, "POST", f"/servers/{sid}/os-interface", body, version="2.48")
    assert reply.code == 400
    assert reply.message.startswith("Invalid input for field/attribute")


def test_state_lock_and_policy(app: ComputeApp) -> None:
    """check_instance_state(ACTIVE, PAUSED, STOPPED; task None), check_instance_lock, member/reader policies."""
    body = {"interfaceAttachment": {"net_id": _network_id(app)}}
    suspended = app.cloud.seed("suspended", networks=["private"])
    reply = call(app, "POST", f"/servers/{suspended}/os-interface", body)
    assert (reply.code, reply.message) == (
        409,
        f"Cannot 'attach_interface' instance {suspended} while it is in vm_state suspended",
    )
    stopped = app.cloud.seed("stopped", networks=["private"])
    assert call(app, "POST", f"/servers/{stopped}/os-interface", body).code == 200
    mine = active(app, project_id=MEMBER.project_id, networks=["private"])
    app.cloud.server(mine).locked = True
    reply = call(app, "POST", f"/servers/{mine}/os-interface", body, context=MEMBER)
    assert (reply.code, reply.message) == (409, f"Instance {mine} is locked")
    reader = type(MEMBER)(project_id=MEMBER.project_id, user_id="r", roles=("reader",))
    assert call(app, "GET", f"/servers/{mine}/os-interface", context=reader).code == 200
    reply = call(app, "DELETE", f"/servers/{mine}/os-interface/x", context=reader)
    assert (reply.code, reply.message) == (
        403,
        "Policy doesn't allow os_compute_api:os-attach-interfaces:delete to be performed.",
    )
    other = active(app, networks=["private"])
    assert call(app, "GET", f"/servers/{other}/os-interface", context=MEMBER).code == 404


def test_show_a_port_of_another_server_is_404(app: ComputeApp) -> None:
    sid, other = active(app, networks=["private"]), active(app, networks=["private"])
    port = app.cloud.record(other).ports[0].id
    reply = call(app, "GET", f"/servers/{sid}/os-interface/{port}")
    assert (reply.code, reply.message) == (404, f"Instance {sid} does not have a port with id {port}")


def _neutron(gateway: Gateway, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    status, _, out = wsgi_request(gateway, method, f"/network/v2.0/{path}", raw, {})
    return int(status.split()[0]), json.loads(out) if out else None


def test_a_user_port_is_attached_then_unbound_not_deleted() -> None:
    """Tempest's _test_create_interface_by_port_id and detach_and_delete_port, through the gateway."""
    app = ComputeApp(Cloud(pace="manual"))
    gateway = Gateway(app)
    net_id = _network_id(app)
    code, created = _neutron(gateway, "POST", "ports", {"port": {"network_id": net_id, "name": "mine"}})
    assert code == 201
    port = created["port"]
    assert (port["device_id"], port["status"], port["name"]) == ("", "DOWN", "mine")
    sid = active(app, networks=["private"])
    reply = call(app, "POST", f"/servers/{sid}/os-interface", {"interfaceAttachment": {"port_id": port["id"]}})
    assert reply.code == 200
    assert reply.json["interfaceAttachment"]["port_id"] == port["id"]
    assert _neutron(gateway, "GET", f"ports/{port['id']}")[1]["port"]["device_id"] == sid
    busy = call(app, "POST", f"/servers/{active(app)}/os-interface", {"interfaceAttachment": {"port_id": port["id"]}})
    assert (busy.code, busy.message) == (409, f"Port {port['id']} is still in use.")
    assert call(app, "DELETE", f"/servers/{sid}/os-interface/{port['id']}").code == 202
    code, shown = _neutron(gateway, "GET", f"ports/{port['id']}")
    assert (code, shown["port"]["device_id"], shown["port"]["status"]) == (200, "", "DOWN")
    assert _neutron(gateway, "DELETE", f"ports/{port['id']}")[0] == 204
    code, missing = _neutron(gateway, "GET", f"ports/{port['id']}")
    assert (code, missing["NeutronError"]["type"]) == (404, "PortNotFound")


def test_neutron_port_create_checks_the_fixed_ip() -> None:
    app = ComputeApp(Cloud(pace="manual"))
    gateway = Gateway(app)
    net_id = _network_id(app)
    body = {"port": {"network_id": net_id, "fixed_ips": [{"ip_address": "10.0.9.9"}]}}
    code, created = _neutron(gateway, "POST", "ports", body)
    assert (code, created["port"]["fixed_ips"][0]["ip_address"]) == (201, "10.0.9.9")
    code, again = _neutron(gateway, "POST", "ports", body)
    assert (code, again["NeutronError"]["type"]) == (409, "IpAddressAlreadyAllocated")
    outside = {"port": {"network_id": net_id, "fixed_ips": [{"ip_address": "192.0.2.1"}]}}
    code, reply = _neutron(gateway, "POST", "ports", outside)
    assert (code, reply["NeutronError"]["type"]) == (400, "InvalidIpForNetwork")
    code, reply = _neutron(gateway, "POST", "ports", {"port": {"network_id": "nope"}})
    assert (code, reply["NeutronError"]["type"]) == (404, "NetworkNotFound")


def test_attach_and_detach_are_instance_actions(app: ComputeApp) -> None:
    """compute/api.py records ATTACH_INTERFACE/DETACH_INTERFACE; the compute methods' events are
    ``compute_attach_interface``/``compute_detach_interface`` (``@wrap_instance_event(prefix='compute')``)."""
    sid = active(app, networks=["private"])
    body = {"interfaceAttachment": {"net_id": _network_id(app)}}
    port = call(app, "POST", f"/servers/{sid}/os-interface", body).json["interfaceAttachment"]["port_id"]
    assert call(app, "DELETE", f"/servers/{sid}/os-interface/{port}").code == 202
    actions = call(app, "GET", f"/servers/{sid}/os-instance-actions").json["instanceActions"]
    assert [a["action"] for a in actions[:2]] == ["detach_interface", "attach_interface"]
    request_id = actions[1]["request_id"]
    detail = call(app, "GET", f"/servers/{sid}/os-instance-actions/{request_id}").json["instanceAction"]
    assert [e["event"] for e in detail["events"]] == ["compute_attach_interface"]
    assert detail["events"][0]["result"] == "Success"
