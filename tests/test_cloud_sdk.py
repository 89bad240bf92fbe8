"""The fake cloud through openstacksdk logged in with a password: projects, policy, images, networks.

Expected values come from Nova, Glance and Neutron: Nova's policy names and
403 message (``nova/policies/*.py``, ``exception.PolicyNotAuthorized``), its
400s for an unknown image or network (``servers.py:create``), the image status
walk of a snapshot (``compute/manager.py:_snapshot_instance``), backup rotation
(``_rotate_backups``) and the security-group messages of
``nova/network/security_group_api.py``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from lifecycle.api import serve_in_thread
from lifecycle.api.serve import FakeCompute

openstack = pytest.importorskip("openstack", reason="openstacksdk is not installed: pip install openstacksdk")

from lifecycle.api.pytest_plugin import connect_as  # noqa: E402

FAST = {"interval": 0.001, "wait": 10}
CIRROS = "cirros-0.6.2-x86_64-disk"


@pytest.fixture
def fake() -> Iterator[FakeCompute]:
    with warnings.catch_warnings():
        for category in (DeprecationWarning, PendingDeprecationWarning):
            warnings.filterwarnings("ignore", category=category, module=r"openstack(\.|$)")
        with serve_in_thread() as running:
            yield running


def boot(conn: Any, name: str = "vm1") -> Any:
    image = conn.image.find_image(CIRROS, ignore_missing=False)
    network = conn.network.find_network("private", ignore_missing=False)
    server = conn.compute.create_server(name=name, image_id=image.id, flavor_id="1", networks=[{"uuid": network.id}])
    return conn.compute.wait_for_server(server, **FAST)


def raw(fake: FakeCompute, method: str, path: str, body: bytes | None = None, token: str = "") -> tuple[int, Any]:
    """One HTTP request to the gateway (for what no client sends: bad bodies, bad tokens)."""
    request = urllib.request.Request(f"{fake.root}{path}", data=body, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            data = reply.read()
            return reply.status, json.loads(data) if data else None
    except urllib.error.HTTPError as exc:
        data = exc.read()
        exc.close()
        return exc.code, json.loads(data) if data else None


def test_password_login_boots_by_name_in_the_users_project(fake: FakeCompute) -> None:
    """A member logs in, boots from a Glance image on a Neutron network; the server is the project's."""
    demo = connect_as(fake, "demo")
    server = boot(demo)
    assert server.status == "ACTIVE"
    assert server.project_id == fake.cloud.accounts.project("demo").id
    assert server.user_id == fake.cloud.accounts.user_by_name("demo").id  # type: ignore[union-attr]
    (address,) = server.addresses["private"]
    assert address["OS-EXT-IPS:type"] == "fixed"
    port = next(demo.network.ports(device_id=server.id))
    assert port.fixed_ips[0]["ip_address"] == address["addr"]
    assert port.mac_address == address["OS-EXT-IPS-MAC:mac_addr"]
    assert server.security_groups == [{"name": "default"}]


def test_other_projects_get_404_and_admins_list_all_tenants(fake: FakeCompute) -> None:
    """Nova's project_only reads: alt_demo cannot see demo's server; admin sees it only with all_tenants."""
    server = boot(connect_as(fake, "demo"))
    alt = connect_as(fake, "alt_demo")
    with pytest.raises(openstack.exceptions.NotFoundException, match=f"Instance {server.id} could not be found"):
        alt.compute.get_server(server.id)
    with pytest.raises(openstack.exceptions.NotFoundException):
        alt.compute.stop_server(server.id)
    assert list(alt.compute.servers()) == []
    admin = connect_as(fake, "admin")
    assert [s.id for s in admin.compute.servers()] == []  # an admin's own project, as in Nova
    assert [s.id for s in admin.compute.servers(all_projects=True)] == [server.id]
    demo_id = fake.cloud.accounts.project("demo").id
    assert [s.id for s in admin.compute.servers(all_projects=True, project_id=demo_id)] == [server.id]
    assert list(admin.compute.servers(all_projects=True, project_id="nobody")) == []
    with pytest.raises(openstack.exceptions.ForbiddenException) as refused:
        list(alt.compute.servers(all_projects=True))
    assert (
        refused.value.details == "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed."
    )


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"os-resetState": {"state": "error"}}, "os_compute_api:os-admin-actions:reset_state"),
        ({"evacuate": {}}, "os_compute_api:os-evacuate"),
        ({"migrate": None}, "os_compute_api:os-migrate-server:migrate"),
        (
            {"os-migrateLive": {"host": None, "block_migration": "auto"}},
            "os_compute_api:os-migrate-server:migrate_live",
        ),
        ({"shelveOffload": None}, "os_compute_api:os-shelve:shelve_offload"),
    ],
)
def test_admin_only_actions_are_403_for_members(fake: FakeCompute, body: dict[str, Any], rule: str) -> None:
    """Nova's default policy keeps these actions from project members (PolicyNotAuthorized, 403)."""
    demo = connect_as(fake, "demo")
    server = boot(demo)
    reply = demo.compute.post(
        f"/servers/{server.id}/action", json=body, microversion="2.30", headers={"Accept": "application/json"}
    )
    assert reply.status_code == 403
    assert reply.json() == {"forbidden": {"code": 403, "message": f"Policy doesn't allow {rule} to be performed."}}
    assert fake.cloud.server(server.id).task_state is None


def test_host_fields_are_admin_only(fake: FakeCompute) -> None:
    """host_status (and OS-EXT-SRV-ATTR:*) are shown to admins only (servers:show:host_status is admin)."""
    server = boot(connect_as(fake, "demo"))
    member_view = connect_as(fake, "demo").compute.get(f"/servers/{server.id}", microversion="2.16").json()["server"]
    admin_view = connect_as(fake, "admin").compute.get(f"/servers/{server.id}", microversion="2.16").json()["server"]
    assert "host_status" not in member_view
    assert admin_view["host_status"] == "UP"


def test_unknown_image_and_network_are_novas_400(fake: FakeCompute) -> None:
    """POST /servers checks imageRef against Glance and networks against Neutron."""
    demo = connect_as(fake, "demo")
    with pytest.raises(openstack.exceptions.BadRequestException, match="Can not find requested image"):
        demo.compute.create_server(name="x", image_id="cirros", flavor_id="1", networks="none")
    image = demo.image.find_image(CIRROS)
    with pytest.raises(openstack.exceptions.BadRequestException, match=r"Network nope could not be found\."):
        demo.compute.create_server(name="x", image_id=image.id, flavor_id="1", networks=[{"uuid": "nope"}])
    assert list(demo.compute.servers()) == []


def image_statuses(conn: Any, image_id: str) -> list[str]:
    """Poll an image until it is active (or gone); the distinct statuses seen, in order."""
    seen: list[str] = []
    for _ in range(50):
        image = conn.image.find_image(image_id)
        status = "deleted" if image is None else image.status
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("active", "deleted"):
            break
    return seen


def test_snapshot_walks_queued_saving_active_with_the_server(fake: FakeCompute) -> None:
    """createImage's image is queued, then saving while the server uploads, then active when the task ends."""
    demo = connect_as(fake, "demo")
    server = boot(demo)
    image_id = demo.compute.create_server_image(server, "snap", wait=False).id
    assert fake.cloud.server(server.id).task_state == "image_snapshot"
    assert image_statuses(demo, image_id) == ["queued", "saving", "active"]
    assert fake.cloud.server(server.id).task_state is None
    image = demo.image.get_image(image_id)
    assert (image.name, image.visibility, image.owner) == ("snap", "private", server.project_id)
    shown = demo.image.get(f"/images/{image_id}").json()  # Glance's own body, as Nova writes it
    assert (shown["instance_uuid"], shown["image_type"], shown["base_image_ref"]) == (
        server.id,
        "snapshot",
        server.image.id,
    )
    assert [i.name for i in connect_as(fake, "alt_demo").image.images(name="snap")] == []  # private to demo
    rebuilt = demo.compute.rebuild_server(server, image=image_id)
    assert rebuilt.image.id == image_id
    demo.image.delete_image(image_id)
    assert demo.image.find_image(image_id) is None


def test_failed_snapshot_deletes_its_image(fake: FakeCompute) -> None:
    """A snapshot that fails leaves no image behind (the manager deletes it)."""
    demo = connect_as(fake, "demo")
    server = boot(demo)
    fake.cloud.fail_next(server.id, "create_image", at_step="image_uploading")
    image_id = demo.compute.create_server_image(server, "snap", wait=False).id
    assert image_statuses(demo, image_id)[-1] == "deleted"


def test_backup_rotation_keeps_the_newest(fake: FakeCompute) -> None:
    """createBackup with rotation 2, three times: the oldest backup is rotated away."""
    demo = connect_as(fake, "demo")
    server = boot(demo)
    made = []
    for n in range(3):
        reply = demo.compute.post(
            f"/servers/{server.id}/action",
            json={"createBackup": {"name": f"b{n}", "backup_type": "daily", "rotation": 2}},
            microversion="2.45",
        )
        assert reply.status_code == 202
        made.append(reply.json()["image_id"])
        assert image_statuses(demo, made[-1]) == ["queued", "saving", "active"]
    listed = demo.image.get("/images").json()["images"]
    backups = sorted(i["name"] for i in listed if i.get("image_type") == "backup")
    assert backups == ["b1", "b2"]


def test_shelve_image_lives_while_shelved(fake: FakeCompute) -> None:
    """Shelving snapshots to '<name>-shelved'; unshelving deletes that image."""
    demo = connect_as(fake, "demo")
    server = boot(demo, "box")
    demo.compute.shelve_server(server)
    shelved = demo.compute.wait_for_server(demo.compute.get_server(server.id), status="SHELVED_OFFLOADED", **FAST)
    assert shelved.status == "SHELVED_OFFLOADED"
    (image,) = demo.image.images(name="box-shelved")
    assert image.status == "active"
    demo.compute.unshelve_server(server)
    demo.compute.wait_for_server(demo.compute.get_server(server.id), status="ACTIVE", **FAST)
    assert list(demo.image.images(name="box-shelved")) == []


def test_security_groups_add_list_remove(fake: FakeCompute) -> None:
    """Neutron groups per project; Nova's addSecurityGroup/removeSecurityGroup and os-security-groups."""
    demo = connect_as(fake, "demo")
    server = boot(demo)
    web = demo.network.create_security_group(name="web", description="http")
    demo.compute.add_security_group_to_server(server, web)
    names = sorted(
        g["name"] for g in demo.compute.get(f"/servers/{server.id}/os-security-groups").json()["security_groups"]
    )
    assert names == ["default", "web"]
    assert sorted(g["name"] for g in demo.compute.get_server(server.id).security_groups) == ["default", "web"]
    port = next(demo.network.ports(device_id=server.id))
    assert web.id in port.security_group_ids
    demo.compute.remove_security_group_from_server(server, web)
    with pytest.raises(openstack.exceptions.NotFoundException) as gone:
        demo.compute.remove_security_group_from_server(server, web)
    assert gone.value.details == f"Security group web not associated with the instance {server.id}"
    reply = demo.compute.post(f"/servers/{server.id}/action", json={"addSecurityGroup": {"name": "nope"}})
    assert reply.status_code == 404
    assert reply.json()["itemNotFound"]["message"] == (
        f"Security group nope is not found for project {server.project_id}"
    )
    reply = demo.compute.post(f"/servers/{server.id}/action", json={"addSecurityGroup": {"name": " "}})
    assert reply.json() == {"badRequest": {"code": 400, "message": "Security group name cannot be empty"}}
    assert [g.name for g in connect_as(fake, "alt_demo").network.security_groups()] == ["default"]


def test_tokens_validate_revoke_and_bad_tokens_are_401(fake: FakeCompute) -> None:
    """Keystone's token API: validate (GET/HEAD), revoke (DELETE); an unknown token gets keystonemiddleware's 401."""
    demo = connect_as(fake, "demo")
    token = demo.session.get_token()
    admin_token = connect_as(fake, "admin").session.get_token()
    request = urllib.request.Request(f"{fake.auth_url}/v3/auth/tokens")
    request.add_header("X-Auth-Token", admin_token)
    request.add_header("X-Subject-Token", token)
    with urllib.request.urlopen(request, timeout=10) as reply:
        body = json.loads(reply.read())
    assert body["token"]["user"]["name"] == "demo"
    assert [r["name"] for r in body["token"]["roles"]] == ["member", "reader"]
    assert {e["type"] for e in body["token"]["catalog"]} >= {"compute", "identity", "image", "network"}
    assert raw(fake, "GET", "/compute/v2.1/servers", token=token)[0] == 200
    revoke = urllib.request.Request(f"{fake.auth_url}/v3/auth/tokens", method="DELETE")
    revoke.add_header("X-Auth-Token", admin_token)
    revoke.add_header("X-Subject-Token", token)
    with urllib.request.urlopen(revoke, timeout=10) as reply:
        assert reply.status == 204
    code, body = raw(fake, "GET", "/compute/v2.1/servers", token=token)
    assert (code, body) == (
        401,
        {
            "error": {
                "code": 401,
                "title": "Unauthorized",
                "message": "The request you have made requires authentication.",
            }
        },
    )
    assert raw(fake, "GET", "/compute/v2.1/servers", token="notused")[0] == 200  # auth_type none
    for discovery in ("/compute/v2.1", "/v2.1/", "/image", "/network/"):  # version documents need no token
        assert raw(fake, "GET", discovery, token=token)[0] in (200, 300), discovery
    assert raw(fake, "POST", "/network/", b"{}", token=token)[0] == 401


@pytest.mark.parametrize(
    ("method", "path", "body", "code", "envelope"),
    [
        ("POST", "/identity/v3/auth/tokens", b"{", 400, "error"),
        ("POST", "/identity/v3/auth/tokens", b"[]", 400, "error"),
        ("POST", "/identity/v3/auth/tokens", b'{"auth": {"identity": {"methods": ["totp"]}}}', 401, "error"),
        (
            "POST",
            "/identity/v3/auth/tokens",
            b'{"auth": {"identity": {"methods": ["password"], '
            b'"password": {"user": {"name": "admin", "password": "x"}}}}}',  # a name without its domain
            400,
            "error",
        ),
        ("GET", "/identity/v3/nothing", None, 404, "error"),
        ("PUT", "/identity/v3/auth/tokens", b"{}", 405, "error"),
        ("GET", "/image/v2/images/nope", None, 404, "title"),
        ("GET", "/image/v2/images?limit=x", None, 400, "title"),
        ("GET", "/image/v2/images?marker=nope", None, 400, "title"),
        ("GET", "/network/v2.0/networks/nope", None, 404, "NeutronError"),
        ("GET", "/network/v2.0/networks?bogus=1", None, 400, "NeutronError"),
        ("POST", "/network/v2.0/security-groups", b"{", 400, "NeutronError"),
        ("POST", "/network/v2.0/security-groups", b'{"security_group": 5}', 400, "NeutronError"),
        ("POST", "/network/v2.0/security-groups", b'{"security_group": {"name": "default"}}', 409, "NeutronError"),
        ("DELETE", "/network/v2.0/networks", None, 405, "NeutronError"),
    ],
)
def test_bad_input_gets_each_services_envelope(
    fake: FakeCompute, method: str, path: str, body: bytes | None, code: int, envelope: str
) -> None:
    """Malformed or unknown requests get the service's status and error envelope, never a 500."""
    got, reply = raw(fake, method, path, body)
    assert got == code, reply
    assert envelope in reply


def test_wrong_password_and_foreign_project_scope_are_401(fake: FakeCompute) -> None:
    """Keystone refuses a wrong password, and a scope to a project the user has no role on."""
    options = fake.auth("demo")
    options["auth"] = {**options["auth"], "password": "wrong"}
    conn = openstack.connect(load_yaml_config=False, load_envvars=False, **options)
    with pytest.raises(openstack.exceptions.SDKException, match="401"):
        conn.authorize()
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": "demo", "domain": {"id": "default"}, "password": "secret"}},
            },
            "scope": {"project": {"name": "alt_demo", "domain": {"id": "default"}}},
        }
    }
    code, reply = raw(fake, "POST", "/identity/v3/auth/tokens", json.dumps(body).encode())
    assert code == 401
    assert "has no access to project" in reply["error"]["message"]


def test_snapshot_finishes_at_wall_pace_while_only_the_image_is_read() -> None:
    """At wall pace, reading only the image lets the server's due steps happen (as Tempest's image waiter does)."""
    import time

    with warnings.catch_warnings():
        for category in (DeprecationWarning, PendingDeprecationWarning):
            warnings.filterwarnings("ignore", category=category, module=r"openstack(\.|$)")
        with serve_in_thread(pace="wall", speed=1000.0) as fake:
            demo = connect_as(fake, "demo")
            server = boot(demo)
            image_id = demo.compute.create_server_image(server, "snap", wait=False).id
            status = "queued"
            for _ in range(200):
                status = demo.image.get_image(image_id).status
                if status == "active":
                    break
                time.sleep(0.01)
            assert status == "active"
