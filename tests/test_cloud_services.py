"""The Identity, Image and Network services and the new Compute routes, in-process: never a 500.

Every request goes through the :class:`~lifecycle.api.gateway.Gateway` as WSGI
calls (no socket), so a sweep of malformed requests is quick. Each service must
answer bad input with its own status and envelope (Keystone ``error``, Glance
``title``, Neutron ``NeutronError``, Nova's fault names).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from _helpers import wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.accounts import Accounts, parse_user
from lifecycle.api.gateway import Gateway

ENVELOPES = {"identity": "error", "image": "title", "network": "NeutronError"}


def call(
    gateway: Gateway,
    method: str,
    path: str,
    body: bytes = b"",
    token: str = "",
    version: str = "",
    content_type: str = "",
) -> tuple[int, Any, dict[str, str]]:
    headers: dict[str, Any] = {"CONTENT_TYPE": content_type} if content_type else {}
    if token:
        headers["HTTP_X_AUTH_TOKEN"] = token
    if version:
        headers["HTTP_OPENSTACK_API_VERSION"] = f"compute {version}"
    status, response_headers, raw = wsgi_request(gateway, method, path, body, headers)
    return int(status.split()[0]), json.loads(raw) if raw else None, dict(response_headers)


@pytest.fixture
def gateway() -> Gateway:
    return Gateway(ComputeApp(Cloud()))


def login(gateway: Gateway, user: str, project: str, password: str = "secret") -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"name": "Default"}, "password": password}},
            },
            "scope": {"project": {"name": project, "domain": {"id": "default"}}},
        }
    }
    code, reply, headers = call(gateway, "POST", "/identity/v3/auth/tokens", json.dumps(body).encode())
    assert code == 201, reply
    return headers["X-Subject-Token"]


BODIES = [b"", b"{", b"[]", b"5", b'"x"', b"null", b'{"a": {}}', b"\xff\xfe", json.dumps({"x": [1] * 3}).encode()]
PATHS = {
    "identity": [
        "/identity/v3/auth/tokens",
        "/identity/v3/projects",
        "/identity/v3/projects/nope",
        "/identity/v3/users/nope/projects",
        "/identity/v3/domains/nope",
        "/identity/v3/roles",
        "/identity/v3/users",
        "/identity/v3/users/nope",
        "/identity/v3/projects/nope/users/nope/roles/nope",
    ],
    "image": ["/image/v2/images", "/image/v2/images/nope", "/image/v2/images?limit=-1", "/image/v2/images?marker=x"],
    "network": [
        "/network/v2.0/networks",
        "/network/v2.0/ports/nope",
        "/network/v2.0/security-groups",
        "/network/v2.0/security-groups/nope",
        "/network/v2.0/subnets?zzz=1",
    ],
}


@pytest.mark.parametrize("service", sorted(PATHS))
def test_malformed_requests_get_the_services_envelope_never_500(gateway: Gateway, service: str) -> None:
    """Every method x path x malformed body answers 2xx/4xx, errors in the service's own envelope."""
    for method, path, body in itertools.product(("GET", "POST", "PUT", "DELETE", "PATCH"), PATHS[service], BODIES):
        code, reply, _ = call(gateway, method, path, body)
        assert code < 500, (method, path, body, reply)
        if code >= 400:
            assert ENVELOPES[service] in reply, (method, path, body, reply)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"addSecurityGroup": 5}, 400, "Missing parameter dict"),
        ({"addSecurityGroup": {}}, 400, "Security group not specified"),
        ({"addSecurityGroup": {"name": 5}}, 400, "Invalid input for field/attribute name"),
        ({"removeSecurityGroup": {"name": ""}}, 400, "Security group name cannot be empty"),
        ({"addSecurityGroup": {"name": "nope"}}, 404, "Security group nope is not found for project"),
    ],
)
def test_bad_security_group_actions_are_novas_errors(gateway: Gateway, body: Any, code: int, message: str) -> None:
    """Nova's SecurityGroupActionController._parse and security_group_api messages."""
    sid = gateway.cloud.seed("active", networks="auto")
    got, reply, _ = call(gateway, "POST", f"/v2.1/servers/{sid}/action", json.dumps(body).encode())
    assert got == code
    (fault,) = reply.values()
    assert message in fault["message"]


def test_a_server_without_ports_has_no_groups_to_change(gateway: Gateway) -> None:
    """Nova finds no port with the server as device: 404, and the list is empty."""
    sid = gateway.cloud.seed("active")
    code, reply, _ = call(gateway, "POST", f"/v2.1/servers/{sid}/action", b'{"addSecurityGroup": {"name": "default"}}')
    assert (code, reply["itemNotFound"]["message"]) == (
        404,
        f"instance_id {sid} could not be found as device id on any ports",
    )
    assert call(gateway, "GET", f"/v2.1/servers/{sid}/os-security-groups")[1] == {"security_groups": []}


@pytest.mark.parametrize(
    ("networks", "code", "message"),
    [
        ([{"uuid": "nope"}], 400, "Network nope could not be found."),
        ([{"port": "nope"}], 400, "Port id nope could not be found."),
    ],
)
def test_create_checks_networks_and_groups(gateway: Gateway, networks: Any, code: int, message: str) -> None:
    """servers.py:create maps NetworkNotFound and PortNotFound to 400."""
    from lifecycle.api.images import CIRROS_ID

    body = {"server": {"name": "a", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": networks}}
    got, reply, _ = call(gateway, "POST", "/v2.1/servers", json.dumps(body).encode())
    assert (got, reply) == (code, {"badRequest": {"code": code, "message": message}})
    del body["server"]["networks"]  # 2.1: no networks means "auto"
    body["server"]["security_groups"] = [{"name": "web"}]
    got, reply, _ = call(gateway, "POST", "/v2.1/servers", json.dumps(body).encode())
    assert (got, reply) == (
        400,
        {"badRequest": {"code": 400, "message": "Unable to find security_group with name or id 'web'"}},
    )
    assert len(gateway.cloud) == 0


def test_a_reader_may_look_but_not_act(gateway: Gateway) -> None:
    """project_reader_or_admin lets a reader list and show; project_member_or_admin refuses its reboot."""
    gateway.cloud.accounts.add_user("watcher", "pw", "demo", ["reader"])
    demo = gateway.cloud.accounts.project("demo").id
    sid = gateway.cloud.seed("active", project_id=demo)
    token = login(gateway, "watcher", "demo", "pw")
    assert call(gateway, "GET", f"/v2.1/servers/{sid}", token=token)[0] == 200
    code, reply, _ = call(gateway, "POST", f"/v2.1/servers/{sid}/action", b'{"reboot": {"type": "SOFT"}}', token)
    assert (code, reply["forbidden"]["message"]) == (
        403,
        "Policy doesn't allow os_compute_api:servers:reboot to be performed.",
    )


def test_a_manager_may_migrate_but_not_name_a_host(gateway: Gateway) -> None:
    """migrate is project_manager_or_admin; migrate with a host is admin-only (migrate_server.py)."""
    gateway.cloud.accounts.add_user("boss", "pw", "demo", ["manager"])
    demo = gateway.cloud.accounts.project("demo").id
    sid = gateway.cloud.seed("active", project_id=demo)
    token = login(gateway, "boss", "demo", "pw")
    code, reply, _ = call(gateway, "POST", f"/v2.1/servers/{sid}/action", b'{"migrate": {"host": "h2"}}', token)
    assert (code, reply["forbidden"]["message"]) == (
        403,
        "Policy doesn't allow os_compute_api:os-migrate-server:migrate:host to be performed.",
    )
    assert call(gateway, "POST", f"/v2.1/servers/{sid}/action", b'{"migrate": null}', token)[0] == 202


def test_all_tenants_values(gateway: Gateway) -> None:
    """common.is_all_tenants: empty means yes, a non-boolean is 400."""
    demo = gateway.cloud.accounts.project("demo").id
    gateway.cloud.seed("active", project_id=demo, name="theirs")
    assert [s["name"] for s in call(gateway, "GET", "/v2.1/servers?all_tenants")[1]["servers"]] == ["theirs"]
    assert call(gateway, "GET", "/v2.1/servers?all_tenants=0")[1]["servers"] == []
    code, reply, _ = call(gateway, "GET", "/v2.1/servers?all_tenants=maybe")
    assert code == 400
    assert reply["badRequest"]["message"].startswith("Unrecognized value 'maybe', acceptable values are:")


def test_users_from_options() -> None:
    """Accounts take NAME:PASSWORD@PROJECT[/ROLES]; a malformed one or an unknown role is refused by name."""
    accounts = Accounts(["ops:pw@infra/admin", "dev:pw@app"])
    ops, dev = accounts.user_by_name("ops"), accounts.user_by_name("dev")
    assert ops is not None
    assert dev is not None
    assert dev.project is not None
    assert ops.roles == ("admin", "manager", "member", "reader")
    assert (dev.roles, dev.project.name) == (("member", "reader"), "app")
    with pytest.raises(ValueError, match="is not NAME:PASSWORD@PROJECT"):
        parse_user("nopassword@p")
    with pytest.raises(ValueError, match="unknown role 'root'; choose from admin, manager, member, reader, service"):
        parse_user("a:b@c/root")


def test_the_os_security_groups_proxy_until_2_35(gateway: Gateway) -> None:
    """Nova's deprecated proxy: create (200), show, update, delete (202, 400 while in use); 404 from 2.36."""
    sid = gateway.cloud.seed("active", networks="auto")
    body = json.dumps({"security_group": {"name": "web", "description": "http"}}).encode()
    code, reply, _ = call(gateway, "POST", "/v2.1/os-security-groups", body)
    assert code == 200
    group = reply["security_group"]
    assert (group["name"], group["description"], group["rules"]) == ("web", "http", [])
    listed = call(gateway, "GET", "/v2.1/os-security-groups")[1]["security_groups"]
    assert sorted(g["name"] for g in listed) == ["default", "web"]
    renamed = json.dumps({"security_group": {"name": "www", "description": "http"}}).encode()
    assert (
        call(gateway, "PUT", f"/v2.1/os-security-groups/{group['id']}", renamed)[1]["security_group"]["name"] == "www"
    )
    assert call(gateway, "POST", f"/v2.1/servers/{sid}/action", b'{"addSecurityGroup": {"name": "www"}}')[0] == 202
    code, reply, _ = call(gateway, "DELETE", f"/v2.1/os-security-groups/{group['id']}")
    assert (code, reply) == (400, {"badRequest": {"code": 400, "message": f"Security Group {group['id']} in use."}})
    assert call(gateway, "POST", f"/v2.1/servers/{sid}/action", b'{"removeSecurityGroup": {"name": "www"}}')[0] == 202
    assert call(gateway, "DELETE", f"/v2.1/os-security-groups/{group['id']}")[0] == 202
    code, reply, _ = call(gateway, "GET", f"/v2.1/os-security-groups/{group['id']}")
    assert (code, reply["itemNotFound"]["message"]) == (404, f"Security group {group['id']} not found.")
    assert call(gateway, "POST", "/v2.1/os-security-groups", b'{"security_group": {"name": 5}}')[0] == 400
    assert call(gateway, "GET", "/v2.1/os-security-groups", version="2.36")[0] == 404


def test_networks_and_subnets_a_project_makes(gateway: Gateway) -> None:
    """A member creates a network and subnet, boots with two NICs in order, and cleans up; Neutron's 409s between."""
    from lifecycle.api.images import CIRROS_ID

    token = login(gateway, "demo", "demo")
    code, net, _ = call(gateway, "POST", "/network/v2.0/networks", b'{"network": {"name": "mine"}}', token)
    assert code == 201
    net_id = net["network"]["id"]
    server = {"server": {"name": "a", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": [{"uuid": net_id}]}}
    code, reply, _ = call(gateway, "POST", "/v2.1/servers", json.dumps(server).encode(), token, "2.37")
    assert (code, reply["badRequest"]["message"]) == (
        400,
        f"Network {net_id} requires a subnet in order to boot instances on.",
    )
    subnet = {"subnet": {"network_id": net_id, "cidr": "192.168.7.0/24", "ip_version": 4}}
    code, sub, _ = call(gateway, "POST", "/network/v2.0/subnets", json.dumps(subnet).encode(), token)
    assert code == 201
    private = gateway.cloud.networks.by_name("private")
    assert private is not None
    server["server"]["networks"] = [{"uuid": net_id}, {"uuid": private.id}]
    code, reply, _ = call(gateway, "POST", "/v2.1/servers", json.dumps(server).encode(), token, "2.37")
    assert code == 202
    sid = reply["server"]["id"]
    ports = call(gateway, "GET", f"/network/v2.0/ports?device_id={sid}", token=token)[1]["ports"]
    assert [p["network_id"] for p in ports] == [net_id, private.id]
    assert ports[0]["fixed_ips"][0]["ip_address"].startswith("192.168.7.")
    code, reply, _ = call(gateway, "DELETE", f"/network/v2.0/subnets/{sub['subnet']['id']}", token=token)
    assert (code, reply["NeutronError"]["type"]) == (409, "SubnetInUse")
    assert call(gateway, "DELETE", f"/network/v2.0/networks/{net_id}", token=token)[0] == 409
    assert (
        call(gateway, "GET", f"/network/v2.0/networks/{net_id}", token=login(gateway, "alt_demo", "alt_demo"))[0] == 404
    )
    assert call(gateway, "DELETE", f"/v2.1/servers/{sid}", token=token)[0] == 204
    gateway.cloud.settle()  # deleted: Nova deletes the ports it made
    assert call(gateway, "DELETE", f"/network/v2.0/subnets/{sub['subnet']['id']}", token=token)[0] == 204
    assert call(gateway, "DELETE", f"/network/v2.0/networks/{net_id}", token=token)[0] == 204
    shared = b'{"network": {"name": "x", "shared": true}}'
    assert call(gateway, "POST", "/network/v2.0/networks", shared, token)[0] == 403
    bad = json.dumps({"subnet": {"network_id": private.id, "cidr": "10.0.0.0/33"}}).encode()
    assert call(gateway, "POST", "/network/v2.0/subnets", bad)[0] == 400


def test_the_nova_image_proxy_until_2_35(gateway: Gateway) -> None:
    """Nova's /images proxy: list, detail (Nova's statuses and progress), metadata, delete; 404 from 2.36."""
    from lifecycle.api.images import CIRROS_ID

    sid = gateway.cloud.seed("active")
    listed = call(gateway, "GET", "/v2.1/images")[1]["images"]
    assert [i["name"] for i in listed] == ["cirros-0.6.2-x86_64-disk", "cirros-0.6.2-x86_64-disk-alt"]
    assert set(listed[0]) == {"id", "name", "links"}
    code, reply, _ = call(gateway, "POST", f"/v2.1/servers/{sid}/action", b'{"createImage": {"name": "snap"}}')
    snap = reply["image_id"] if reply else None
    assert code == 202
    assert snap is None  # before 2.45 the id is in the Location header
    (made,) = [i for i in call(gateway, "GET", "/v2.1/images/detail?server=" + sid)[1]["images"]]
    assert (made["name"], made["status"], made["progress"], made["server"]["id"]) == ("snap", "SAVING", 25, sid)
    assert made["minRam"] == 0  # the booted image's, as Nova's compute/utils.py copies it
    shown = call(gateway, "GET", f"/v2.1/images/{CIRROS_ID}")[1]["image"]
    assert (shown["status"], shown["progress"], shown["minDisk"]) == ("ACTIVE", 100, 0)
    assert call(gateway, "GET", "/v2.1/images/nope")[1] == {
        "itemNotFound": {"code": 404, "message": "Image not found."}
    }
    meta = f"/v2.1/images/{made['id']}/metadata"
    assert call(gateway, "POST", meta, b'{"metadata": {"k": "v"}}')[1]["metadata"]["k"] == "v"
    assert call(gateway, "GET", f"{meta}/k")[1] == {"meta": {"k": "v"}}
    code, reply, _ = call(gateway, "PUT", f"{meta}/k", b'{"meta": {"other": "v"}}')
    assert (code, reply["badRequest"]["message"]) == (400, "Request body and URI mismatch")
    assert call(gateway, "DELETE", f"{meta}/k")[0] == 204
    assert call(gateway, "DELETE", f"{meta}/k")[1] == {"itemNotFound": {"code": 404, "message": "Invalid metadata key"}}
    assert call(gateway, "PUT", meta, b'{"metadata": 5}')[0] == 400
    assert call(gateway, "DELETE", f"/v2.1/images/{made['id']}")[0] == 204
    assert call(gateway, "GET", "/v2.1/images", version="2.36")[0] == 404
    assert call(gateway, "GET", f"/v2.1/images/{CIRROS_ID}/metadata", version="2.38")[0] == 200


@pytest.mark.parametrize(
    ("rule", "code", "message"),
    [
        ({"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}, 200, None),
        ({"ip_protocol": "tcp", "from_port": 23, "to_port": 22}, 400, "Invalid port range 23:22. Former value"),
        ({"ip_protocol": "tcp", "from_port": 0, "to_port": 22}, 400, "Valid TCP ports should be between 1-65535"),
        ({"ip_protocol": "icmp", "from_port": 256, "to_port": 0}, 400, "For ICMP, the type:code must be valid"),
        ({"ip_protocol": "gre", "from_port": 1, "to_port": 2}, 400, "Invalid IP protocol gre."),
        ({"ip_protocol": "tcp", "from_port": "x", "to_port": 2}, 400, "To and From ports must be integers"),
        (
            {"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.0.0.0/99"},
            400,
            "is not a valid IP network.",
        ),
        ({"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.0.0.0/0"}, 400, "Bad prefix for network"),
        ({"cidr": "10.0.0.0/8"}, 400, "Not enough parameters to build a valid rule."),
    ],
)
def test_security_group_rules_through_nova(
    gateway: Gateway, rule: dict[str, Any], code: int, message: str | None
) -> None:
    """os-security-group-rules: Nova's _new_ingress_rule checks; the rule shows in the group and in Neutron."""
    group = gateway.cloud.networks.default_group(gateway.cloud.accounts.project("admin").id)
    body = json.dumps({"security_group_rule": {"parent_group_id": group.id, **rule}}).encode()
    got, reply, _ = call(gateway, "POST", "/v2.1/os-security-group-rules", body)
    assert got == code, reply
    if message is not None:
        assert message in reply["badRequest"]["message"]
        return
    made = reply["security_group_rule"]
    assert (made["ip_protocol"], made["from_port"], made["ip_range"]) == ("tcp", 22, {"cidr": "10.0.0.0/8"})
    assert call(gateway, "POST", "/v2.1/os-security-group-rules", body)[1]["badRequest"]["message"] == (
        f"This rule already exists in group {group.id}"
    )
    neutron = call(gateway, "GET", f"/network/v2.0/security-group-rules/{made['id']}")[1]["security_group_rule"]
    assert (neutron["port_range_min"], neutron["remote_ip_prefix"]) == (22, "10.0.0.0/8")
    assert call(gateway, "DELETE", f"/v2.1/os-security-group-rules/{made['id']}")[0] == 202
    assert call(gateway, "DELETE", f"/v2.1/os-security-group-rules/{made['id']}")[0] == 404
    assert call(gateway, "DELETE", "/v2.1/os-security-group-rules/x")[1]["badRequest"]["message"] == (
        "Security group id should be uuid"
    )


def test_security_group_rules_through_neutron(gateway: Gateway) -> None:
    """Neutron's security-group-rules: create (201), duplicate (409), bad range (400), delete (204)."""
    group = gateway.cloud.networks.default_group(gateway.cloud.accounts.project("admin").id)
    rule = {"security_group_id": group.id, "protocol": "tcp", "port_range_min": 80, "port_range_max": 80}
    body = json.dumps({"security_group_rule": rule}).encode()
    code, reply, _ = call(gateway, "POST", "/network/v2.0/security-group-rules", body)
    assert code == 201
    assert call(gateway, "POST", "/network/v2.0/security-group-rules", body)[1]["NeutronError"]["type"] == (
        "SecurityGroupRuleExists"
    )
    bad = json.dumps({"security_group_rule": {**rule, "port_range_min": 90}}).encode()
    assert call(gateway, "POST", "/network/v2.0/security-group-rules", bad)[0] == 400
    rule_id = reply["security_group_rule"]["id"]
    assert call(gateway, "DELETE", f"/network/v2.0/security-group-rules/{rule_id}")[0] == 204


def test_glance_create_and_upload(gateway: Gateway) -> None:
    """POST /v2/images makes a queued image; PUT .../file makes it active with the data's size."""
    token = login(gateway, "demo", "demo")
    spec = {"name": "mine", "container_format": "bare", "disk_format": "raw", "visibility": "private", "k": "v"}
    code, image, _ = call(gateway, "POST", "/image/v2/images", json.dumps(spec).encode(), token)
    assert (code, image["status"], image["owner"], image["k"]) == (
        201,
        "queued",
        gateway.cloud.accounts.project("demo").id,
        "v",
    )
    octets = "application/octet-stream"
    assert call(gateway, "PUT", f"/image/v2/images/{image['id']}/file", b"12345", token)[0] == 415  # Glance's check
    assert call(gateway, "PUT", f"/image/v2/images/{image['id']}/file", b"12345", token, content_type=octets)[0] == 204
    shown = call(gateway, "GET", f"/image/v2/images/{image['id']}", token=token)[1]
    assert (shown["status"], shown["size"]) == ("active", 5)
    assert call(gateway, "PUT", f"/image/v2/images/{image['id']}/file", b"1", token, content_type=octets)[0] == 409
    assert call(gateway, "GET", f"/image/v2/images/{image['id']}/tasks", token=token)[1] == {"tasks": []}
    public = json.dumps({**spec, "visibility": "public"}).encode()
    assert call(gateway, "POST", "/image/v2/images", public, token)[0] == 403
    assert (
        call(gateway, "GET", f"/image/v2/images/{image['id']}", token=login(gateway, "alt_demo", "alt_demo"))[0] == 404
    )


def test_proxy_corners_tempest_checks(gateway: Gateway) -> None:
    """all_tenants for admins, uuid ids for rules, a deleted group's peer rules go, collection DELETEs are 404."""
    demo = gateway.cloud.accounts.project("demo").id
    theirs = gateway.cloud.networks.create_group("theirs", demo)
    listed = call(gateway, "GET", "/v2.1/os-security-groups?all_tenants=true")[1]["security_groups"]
    assert theirs.id in [g["id"] for g in listed]
    assert theirs.id not in [g["id"] for g in call(gateway, "GET", "/v2.1/os-security-groups")[1]["security_groups"]]
    mine = gateway.cloud.networks.default_group(gateway.cloud.accounts.project("admin").id)
    bad = json.dumps({"security_group_rule": {"parent_group_id": "not-a-uuid", "ip_protocol": "tcp"}}).encode()
    assert call(gateway, "POST", "/v2.1/os-security-group-rules", bad)[0] == 400
    peer = {"parent_group_id": mine.id, "group_id": theirs.id, "ip_protocol": "tcp", "from_port": 22, "to_port": 22}
    assert (
        call(gateway, "POST", "/v2.1/os-security-group-rules", json.dumps({"security_group_rule": peer}).encode())[0]
        == 200
    )
    assert call(gateway, "DELETE", f"/v2.1/os-security-groups/{theirs.id}")[0] == 202
    rules = call(gateway, "GET", f"/v2.1/os-security-groups/{mine.id}")[1]["security_group"]["rules"]
    assert all(r["group"].get("name") != "theirs" for r in rules)
    assert call(gateway, "DELETE", "/v2.1/os-security-groups/")[0] == 404
    assert call(gateway, "DELETE", "/v2.1/images/")[0] == 404
