"""Compute routes where a reviewer found the fake differing from Nova, over WSGI.

Expected values come from Nova's code (file and function named beside each) or
its doc/api_samples, never from the fake's own tables.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.context import ENVIRON_KEY, RequestContext
from lifecycle.api.images import CIRROS_ID

DEMO = RequestContext(project_id="p-demo", user_id="demo", roles=("member", "reader"))
ALT = RequestContext(project_id="p-alt", user_id="alt", roles=("member", "reader"))


class Reply:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.code = int(status.split()[0])
        self.json: Any = json.loads(body) if body else None

    @property
    def message(self) -> str:
        (envelope,) = self.json.values()
        return str(envelope["message"])


def call(
    app: ComputeApp, method: str, path: str, body: Any = None, *, version: str = "2.100", context: Any = None
) -> Reply:
    raw = b"" if body is None else json.dumps(body).encode()
    headers: dict[str, Any] = {"HTTP_OPENSTACK_API_VERSION": f"compute {version}"}
    if context is not None:
        headers[ENVIRON_KEY] = context
    return Reply(*wsgi_request(app, "GET" if method is None else method, f"/v2.1{path}", raw, headers))


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


SERVER = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}


def new_group(app: ComputeApp, context: RequestContext | None = None) -> str:
    body = {"server_group": {"name": "g", "policy": "anti-affinity"}}
    reply = call(app, "POST", "/os-server-groups", body, context=context)
    assert reply.code == 200
    return str(reply.json["server_group"]["id"])


# -- 1. the group hint is scoped to the caller's project ----------------------------------------
def test_group_hint_of_another_project_is_not_found(app: ComputeApp) -> None:
    """objects/instance_group.py _instance_group_get_query filters on the project unless is_admin;
    servers.py create turns InstanceGroupNotFound into 400 "Instance group %(group_uuid)s could not be found."."""
    theirs = new_group(app, ALT)
    reply = call(app, "POST", "/servers", {"server": SERVER, "os:scheduler_hints": {"group": theirs}}, context=DEMO)
    assert (reply.code, reply.message) == (400, f"Instance group {theirs} could not be found.")
    assert call(app, "GET", f"/os-server-groups/{theirs}", context=ALT).json["server_group"]["members"] == []
    mine = new_group(app, DEMO)
    ok = call(app, "POST", "/servers", {"server": SERVER, "os:scheduler_hints": {"group": mine}}, context=DEMO)
    assert ok.code == 202
    # An admin's query is not filtered on the project: it may name any project's group.
    assert call(app, "POST", "/servers", {"server": SERVER, "os:scheduler_hints": {"group": theirs}}).code == 202


# -- 2. all_projects is for admins only, ignored for members ------------------------------------
def test_member_all_projects_lists_own_groups(app: ComputeApp) -> None:
    """server_groups.py index: ``if 'all_projects' in req.GET and context.is_admin``, else the caller's project."""
    mine, theirs, admins = new_group(app, DEMO), new_group(app, ALT), new_group(app)
    for query in ("?all_projects=True", "?all_projects=1", "?all_projects=false", ""):
        reply = call(app, "GET", f"/os-server-groups{query}", context=DEMO)
        assert reply.code == 200
        assert [g["id"] for g in reply.json["server_groups"]] == [mine]
    # For an admin the parameter's presence is enough, whatever its value.
    for query in ("?all_projects=True", "?all_projects=false", "?all_projects="):
        every = {g["id"] for g in call(app, "GET", f"/os-server-groups{query}").json["server_groups"]}
        assert every == {mine, theirs, admins}
    assert [g["id"] for g in call(app, "GET", "/os-server-groups").json["server_groups"]] == [admins]


# -- 3. a move to the server's own host ---------------------------------------------------------
def host_of(app: ComputeApp, sid: str) -> str:
    return str(call(app, "GET", f"/servers/{sid}").json["server"]["OS-EXT-SRV-ATTR:host"])


def test_cold_migrate_to_own_host_is_400(app: ComputeApp) -> None:
    """compute/api.py _validate_host_for_cold_migrate: CannotMigrateToSameHost, 400 in migrate_server.py:_migrate,
    "Cannot migrate to the host where the server exists." (after the state check: a stopped-and-busy server is 409)."""
    sid = app.cloud.seed("active")
    here = host_of(app, sid)
    reply = call(app, "POST", f"/servers/{sid}/action", {"migrate": {"host": here}}, version="2.56")
    assert (reply.code, reply.message) == (400, "Cannot migrate to the host where the server exists.")
    assert call(app, "GET", f"/servers/{sid}").json["server"]["OS-EXT-STS:task_state"] is None
    assert call(app, "GET", "/os-migrations").json["migrations"] == []
    busy = app.cloud.seed("active", "rebooting")
    refused = call(app, "POST", f"/servers/{busy}/action", {"migrate": {"host": host_of(app, busy)}}, version="2.56")
    assert refused.code == 409
    other = next(h for h in app.cloud.hosts if h != here)
    assert call(app, "POST", f"/servers/{sid}/action", {"migrate": {"host": other}}, version="2.56").code == 202


def test_live_migrate_to_own_host(app: ComputeApp) -> None:
    """conductor/tasks/live_migrate.py _check_destination_is_not_source: UnableToMigrateToSelf,
    "Unable to migrate instance (%(instance_id)s) to current host (%(host)s)."; migrate_server.py:_migrate_live
    answers it 400 before 2.34 (a synchronous call), from 2.34 the conductor fails the migration (status error,
    conductor/manager.py _live_migrate) and the server stays ACTIVE without a task."""
    sid = app.cloud.seed("active")
    here = host_of(app, sid)
    body = {"os-migrateLive": {"host": here, "block_migration": False}}  # schemas: migrate_live_v2_30
    old = call(app, "POST", f"/servers/{sid}/action", body, version="2.33")
    assert (old.code, old.message) == (400, f"Unable to migrate instance ({sid}) to current host ({here}).")
    assert call(app, "GET", "/os-migrations").json["migrations"] == []
    body = {"os-migrateLive": {"host": here, "block_migration": "auto"}}
    assert call(app, "POST", f"/servers/{sid}/action", body, version="2.34").code == 202
    app.cloud.settle()
    server = call(app, "GET", f"/servers/{sid}").json["server"]
    assert (server["status"], server["OS-EXT-STS:task_state"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", None, here)
    (row,) = call(app, "GET", "/os-migrations").json["migrations"]
    assert (row["migration_type"], row["status"]) == ("live-migration", "error")
    # A refused request leaves no failure behind for the next live migration.
    paused = app.cloud.seed("paused", "unpausing")
    assert call(app, "POST", f"/servers/{paused}/action", {"os-migrateLive": {"host": host_of(app, paused),
                                                                              "block_migration": "auto"}}).code == 409  # fmt: skip
    app.cloud.settle()
    other = next(h for h in app.cloud.hosts if h != host_of(app, paused))
    body = {"os-migrateLive": {"host": other, "block_migration": "auto"}}
    assert call(app, "POST", f"/servers/{paused}/action", body).code == 202
    app.cloud.settle()
    assert host_of(app, paused) == other


# -- 8. progress ---------------------------------------------------------------------------------
PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")
"""views/servers.py ViewBuilder._progress_statuses."""


def test_progress_is_zero_after_a_build(app: ComputeApp) -> None:
    """doc/api_samples/servers/server-get-resp.json: an ACTIVE server built by libvirt shows progress 0
    (views/servers.py: instance.get("progress", 0); nothing but the live-migration monitor writes it)."""
    made = call(app, "POST", "/servers", {"server": SERVER}).json["server"]["id"]
    seen: dict[str, int] = {}
    while True:
        body = call(app, "GET", f"/servers/{made}").json["server"]
        seen[body["status"]] = body.get("progress", -1)
        if body["status"] == "ACTIVE":
            break
        app.cloud.advance(1)
    assert seen == {"BUILD": 0, "ACTIVE": 0}
    assert call(app, "POST", f"/servers/{made}/action", {"migrate": None}).code == 202
    statuses = set()
    for _ in range(100):
        body = call(app, "GET", f"/servers/{made}").json["server"]
        statuses.add(body["status"])
        assert body.get("progress") == (0 if body["status"] in PROGRESS_STATUSES else None)
        if body["status"] == "VERIFY_RESIZE":
            break
        app.cloud.advance(1)
    assert {"RESIZE", "VERIFY_RESIZE"} <= statuses
    stopped = app.cloud.seed("stopped")
    assert "progress" not in call(app, "GET", f"/servers/{stopped}").json["server"]  # SHUTOFF shows none
    assert {s.get("progress") for s in call(app, "GET", "/servers/detail").json["servers"]} == {0, None}
