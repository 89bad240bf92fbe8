"""Keystone v3's admin writes in the fake Identity: projects, users and role grants, through the gateway.

Expected codes and envelopes come from Keystone's API reference
(https://docs.openstack.org/api-ref/identity/v3/): ``POST`` answers 201, ``DELETE``
and a grant's ``PUT``/``HEAD`` 204, a missing thing 404, a non-admin 403, errors in
``{"error": {"code", "message", "title"}}``. Tempest's dynamic credentials
(``tempest/lib/common/cred_client.py`` ``V3CredsClient``) do exactly this sequence.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_cloud_services import call, login

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.gateway import Gateway


@pytest.fixture
def gateway() -> Gateway:
    return Gateway(ComputeApp(Cloud()))


def post(gateway: Gateway, path: str, body: Any, token: str = "") -> tuple[int, Any]:
    code, reply, _ = call(gateway, "POST", path, json.dumps(body).encode(), token)
    return code, reply


def role_id(gateway: Gateway, name: str) -> str:
    code, reply, _ = call(gateway, "GET", f"/identity/v3/roles?name={name}")
    assert code == 200
    assert [r["name"] for r in reply["roles"]] == [name]
    return str(reply["roles"][0]["id"])


def test_tempests_dynamic_credentials_sequence(gateway: Gateway) -> None:
    """Make a project and a user, grant member, log in scoped to it, then clean up: as Tempest does."""
    admin = login(gateway, "admin", "admin")
    code, reply = post(gateway, "/identity/v3/projects", {"project": {"name": "p1", "domain_id": "default"}}, admin)
    assert code == 201, reply
    project = reply["project"]
    assert project["name"] == "p1"
    assert project["domain_id"] == "default"
    assert len(project["id"]) == 32
    code, reply, _ = call(gateway, "GET", "/identity/v3/projects?name=p1", token=admin)
    assert [p["id"] for p in reply["projects"]] == [project["id"]]
    body = {"user": {"name": "u1", "password": "pw", "project_id": project["id"], "domain_id": "default"}}
    code, reply = post(gateway, "/identity/v3/users", body, admin)
    assert code == 201, reply
    user = reply["user"]
    assert user["name"] == "u1"
    assert "password" not in user
    grant = f"/identity/v3/projects/{project['id']}/users/{user['id']}/roles/{role_id(gateway, 'member')}"
    assert call(gateway, "HEAD", grant, token=admin)[0] == 404
    with pytest.raises(AssertionError):  # no role on the project yet: Keystone refuses the scope (401)
        login(gateway, "u1", "p1", "pw")
    assert call(gateway, "PUT", grant, token=admin)[0] == 204
    assert call(gateway, "HEAD", grant, token=admin)[0] == 204
    token = login(gateway, "u1", "p1", "pw")
    code, reply, _headers = call(gateway, "GET", "/compute/v2.1/servers", token=token)
    assert code == 200
    assert reply == {"servers": []}
    code, reply, _ = call(gateway, "POST", "/compute/v2.1/servers", json.dumps(_server()).encode(), token)
    assert code == 202, reply
    server_id = reply["server"]["id"]
    assert call(gateway, "DELETE", grant, token=admin)[0] == 204
    assert call(gateway, "DELETE", grant, token=admin)[0] == 404
    assert call(gateway, "DELETE", f"/identity/v3/users/{user['id']}", token=admin)[0] == 204
    code, reply, _ = call(gateway, "GET", "/compute/v2.1/servers", token=token)
    assert code == 401  # the user's tokens went with it
    assert call(gateway, "DELETE", f"/identity/v3/projects/{project['id']}", token=admin)[0] == 204
    assert call(gateway, "GET", f"/identity/v3/projects/{project['id']}", token=admin)[0] == 404
    code, reply, _ = call(gateway, "GET", f"/compute/v2.1/servers/{server_id}", token=admin)
    assert code == 200
    assert reply["server"]["tenant_id"] == project["id"]


def _server() -> dict[str, Any]:
    from lifecycle.api.images import CIRROS_ID

    return {"server": {"name": "s", "imageRef": CIRROS_ID, "flavorRef": "1"}}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/identity/v3/projects", {"project": {"name": "x"}}),
        ("DELETE", "/identity/v3/projects/{demo}", None),
        ("POST", "/identity/v3/users", {"user": {"name": "x", "password": "y"}}),
        ("DELETE", "/identity/v3/users/{user}", None),
        ("GET", "/identity/v3/roles", None),
        ("PUT", "/identity/v3/projects/{demo}/users/{user}/roles/{role}", None),
        ("DELETE", "/identity/v3/projects/{demo}/users/{user}/roles/{role}", None),
    ],
)
def test_a_member_is_refused(gateway: Gateway, method: str, path: str, body: Any) -> None:
    """Keystone's policy makes these admin only: 403 in Keystone's envelope."""
    admin = login(gateway, "admin", "admin")
    demo = login(gateway, "demo", "demo")
    ids = {
        "demo": call(gateway, "GET", "/identity/v3/projects?name=demo", token=admin)[1]["projects"][0]["id"],
        "user": call(gateway, "GET", "/identity/v3/users?name=demo", token=admin)[1]["users"][0]["id"],
        "role": role_id(gateway, "member"),
    }
    raw = json.dumps(body).encode() if body is not None else b""
    code, reply, _ = call(gateway, method, path.format(**ids), raw, demo)
    assert code == 403, reply
    assert set(reply["error"]) == {"code", "message", "title"}
    assert reply["error"]["code"] == 403
    assert "identity:" in reply["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "code", "needle"),
    [
        ("/identity/v3/projects", {"project": {}}, 400, "'name'"),
        ("/identity/v3/projects", {"project": {"name": ""}}, 400, "'name'"),
        ("/identity/v3/projects", {"project": {"name": "x" * 65}}, 400, "64"),
        ("/identity/v3/projects", {"project": {"name": 5}}, 400, "'name'"),
        ("/identity/v3/projects", {"project": "x"}, 400, "project"),
        ("/identity/v3/projects", [], 400, "project"),
        ("/identity/v3/projects", {"project": {"name": "x", "domain_id": "d9"}}, 404, "d9"),
        ("/identity/v3/projects", {"project": {"name": "demo"}}, 409, "Duplicate entry"),
        ("/identity/v3/users", {"user": {"name": "x"}}, 400, "'password'"),
        ("/identity/v3/users", {"user": {"name": "x" * 256, "password": "p"}}, 400, "255"),
        ("/identity/v3/users", {"user": {"name": "x", "password": "p", "default_project_id": "zz"}}, 400, "zz"),
        ("/identity/v3/users", {"user": {"name": "demo", "password": "p"}}, 409, "Duplicate entry"),
    ],
)
def test_bad_bodies(gateway: Gateway, path: str, body: Any, code: int, needle: str) -> None:
    """A bad body is a 4xx naming the bad value, never a 500."""
    got, reply = post(gateway, path, body)
    assert got == code, reply
    assert reply["error"]["code"] == code
    assert needle in reply["error"]["message"]


def test_unknown_ids_are_404(gateway: Gateway) -> None:
    member = role_id(gateway, "member")
    project = call(gateway, "GET", "/identity/v3/projects?name=demo")[1]["projects"][0]["id"]
    user = call(gateway, "GET", "/identity/v3/users?name=demo")[1]["users"][0]["id"]
    for path, needle in [
        ("/identity/v3/projects/nope", "project: nope"),
        ("/identity/v3/users/nope", "user: nope"),
        (f"/identity/v3/projects/nope/users/{user}/roles/{member}", "project: nope"),
        (f"/identity/v3/projects/{project}/users/nope/roles/{member}", "user: nope"),
        (f"/identity/v3/projects/{project}/users/{user}/roles/nope", "role: nope"),
    ]:
        for method in ("DELETE", "PUT") if "roles" in path else ("DELETE",):
            code, reply, _ = call(gateway, method, path)
            assert code == 404, (method, path, reply)
            assert needle in reply["error"]["message"], (method, path, reply)
    assert call(gateway, "GET", "/identity/v3/roles?name=nope")[1] == {"roles": []}
