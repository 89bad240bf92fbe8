"""Compute routes where a reviewer found the fake differing from Nova, over WSGI.

Expected values come from Nova's code (file and function named beside each) or
its doc/api_samples, never from the fake's own tables.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.context import RequestContext
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import call

DEMO = RequestContext(project_id="p-demo", user_id="demo", roles=("member", "reader"))
ALT = RequestContext(project_id="p-alt", user_id="alt", roles=("member", "reader"))


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
    conductor/manager.py _live_migrate) and the server stays ACTIVE without a task.

    The check runs only for a forced host (before 2.30, or ``force``: ``LiveMigrationTask._execute``);
    a host not forced goes through the scheduler, which ignores the source (``_find_destination``):
    NoValidHost, 400 before 2.34 too."""
    sid = app.cloud.seed("active")
    here = host_of(app, sid)
    body = {"os-migrateLive": {"host": here, "block_migration": False, "force": True}}  # migrate_live_v2_30
    old = call(app, "POST", f"/servers/{sid}/action", body, version="2.33")
    assert (old.code, old.message) == (400, f"Unable to migrate instance ({sid}) to current host ({here}).")
    body = {"os-migrateLive": {"host": here, "block_migration": "auto"}}
    old = call(app, "POST", f"/servers/{sid}/action", body, version="2.29")  # a host is forced before 2.30
    assert (old.code, old.message) == (400, f"Unable to migrate instance ({sid}) to current host ({here}).")
    body = {"os-migrateLive": {"host": here, "block_migration": False}}
    old = call(app, "POST", f"/servers/{sid}/action", body, version="2.33")
    assert (old.code, old.message) == (400, "No valid host was found. There are not enough hosts available.")
    assert call(app, "GET", "/os-migrations").json["migrations"] == []
    body = {"os-migrateLive": {"host": here, "block_migration": "auto", "force": True}}
    assert call(app, "POST", f"/servers/{sid}/action", body, version="2.34").code == 202
    app.cloud.settle()
    server = call(app, "GET", f"/servers/{sid}").json["server"]
    assert (server["status"], server["OS-EXT-STS:task_state"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", None, here)
    (row,) = call(app, "GET", "/os-migrations").json["migrations"]
    assert (row["migration_type"], row["status"]) == ("live-migration", "error")
    # A refused request leaves no failure behind for the next live migration.
    paused = app.cloud.seed("paused", "unpausing")
    to_self = {"os-migrateLive": {"host": host_of(app, paused), "block_migration": "auto"}}
    assert call(app, "POST", f"/servers/{paused}/action", to_self).code == 409
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


# -- 5. list sorting -------------------------------------------------------------------------------
NOVA_VALID_SORT_KEYS = [
    "access_ip_v4", "access_ip_v6", "auto_disk_config", "availability_zone", "config_drive", "created_at",
    "display_description", "display_name", "host", "hostname", "image_ref", "instance_type_id", "kernel_id",
    "key_name", "launch_index", "launched_at", "locked_by", "node", "power_state", "progress", "project_id",
    "ramdisk_id", "root_device_name", "task_state", "terminated_at", "updated_at", "user_id", "uuid", "vm_state",
    "architecture", "cell_name", "cleaned", "default_ephemeral_device", "default_swap_device", "deleted",
    "deleted_at", "disable_terminate", "ephemeral_gb", "ephemeral_key_uuid", "id", "key_data", "launched_on",
    "locked", "memory_mb", "os_type", "reservation_id", "root_gb", "shutdown_terminate", "user_data", "vcpus",
    "vm_mode",
]  # fmt: skip
"""schemas/servers.py VALID_SORT_KEYS['enum'] (the valid keys + SERVER_LIST_IGNORE_SORT_KEY), in Nova's order."""


def names(app: ComputeApp, query: str, *, version: str = "2.100", context: Any = None) -> list[str]:
    reply = call(app, "GET", f"/servers/detail?{query}", version=version, context=context)
    assert reply.code == 200, reply.json
    return [s["name"] for s in reply.json["servers"]]


@pytest.fixture
def trio(app: ComputeApp) -> ComputeApp:
    """Three servers made in the order b, c, a; a and c stopped, a locked."""
    app.cloud.seed("active", name="b", flavor="2")
    app.cloud.seed("stopped", name="c", flavor="1")
    app.cloud.seed("stopped", name="a", flavor="2", locked=True)
    return app


def test_sort_by_keys_and_directions(trio: ComputeApp) -> None:
    """common.get_sort_params: every sort_key/sort_dir, default created_at desc; db/utils.py process_sort_params:
    a key without a direction takes the first direction given."""
    assert names(trio, "") == ["a", "c", "b"]  # created_at desc
    assert names(trio, "sort_key=created_at&sort_dir=asc") == ["b", "c", "a"]
    assert names(trio, "sort_key=display_name") == ["c", "b", "a"]  # the default direction is desc
    assert names(trio, "sort_key=display_name&sort_dir=asc") == ["a", "b", "c"]
    assert names(trio, "sort_key=vm_state&sort_key=display_name&sort_dir=asc&sort_dir=desc") == ["b", "c", "a"]
    assert names(trio, "sort_key=vm_state&sort_key=display_name&sort_dir=asc") == ["b", "a", "c"]
    ids = {s["name"]: s["id"] for s in call(trio, "GET", "/servers").json["servers"]}
    small_first = names(trio, "sort_key=instance_type_id&sort_dir=asc&sort_key=uuid")  # flavor 1 then 2, by uuid
    assert small_first == ["c", *sorted(["a", "b"], key=ids.__getitem__)]
    listed = call(trio, "GET", "/servers?sort_key=display_name&sort_dir=asc").json["servers"]
    assert [s["name"] for s in listed] == ["a", "b", "c"]  # /servers sorts too
    paged = call(trio, "GET", "/servers?sort_key=display_name&sort_dir=asc&limit=2").json
    assert [s["name"] for s in paged["servers"]] == ["a", "b"]
    marker = paged["servers"][-1]["id"]
    after = call(trio, "GET", f"/servers?sort_key=display_name&sort_dir=asc&marker={marker}").json["servers"]
    assert [s["name"] for s in after] == ["c"]


def test_ignored_sort_keys(trio: ComputeApp) -> None:
    """servers.py remove_invalid_sort_keys drops SERVER_LIST_IGNORE_SORT_KEY keys with their direction;
    'locked' is such a key before 2.73 and a real one from 2.73 (SERVER_LIST_IGNORE_SORT_KEY_V273)."""
    assert names(trio, "sort_key=id&sort_dir=asc", version="2.1") == ["a", "c", "b"]  # back to created_at desc
    assert names(trio, "sort_key=id&sort_key=display_name&sort_dir=desc&sort_dir=asc", version="2.1") == [
        "a", "b", "c",
    ]  # fmt: skip
    assert names(trio, "sort_key=locked&sort_dir=asc", version="2.72") == ["a", "c", "b"]
    # instance_list.py InstanceSortContext appends uuid asc before the database's created_at/id defaults,
    # so servers equal on the keys given come in uuid order.
    ids = {s["name"]: s["id"] for s in call(trio, "GET", "/servers").json["servers"]}
    assert names(trio, "sort_key=locked&sort_dir=desc", version="2.73") == ["a", *sorted("bc", key=ids.__getitem__)]
    assert names(trio, "sort_key=locked&sort_dir=asc&sort_key=display_name", version="2.73") == ["b", "c", "a"]


def test_bad_sort_keys(trio: ComputeApp) -> None:
    """The schema's enum (every microversion) is a 400 in validators.py's words; from 2.75 the ignored keys
    leave the enum (VALID_SORT_KEYS_V275); host and node are for admins (403)."""
    bad = call(trio, "GET", "/servers?sort_key=bogus", version="2.1")
    assert (bad.code, bad.message) == (
        400,
        f"Invalid input for query parameters sort_key. Value: bogus. 'bogus' is not one of {NOVA_VALID_SORT_KEYS!r}",
    )
    for version in ("2.73", "2.75", "2.100"):
        reply = call(trio, "GET", "/servers/detail?sort_key=bogus", version=version)
        assert reply.code == 400
        assert reply.message.startswith("Invalid input for query parameters sort_key. Value: bogus. 'bogus' is not")
    assert call(trio, "GET", "/servers?sort_key=id", version="2.74").code == 200
    removed = call(trio, "GET", "/servers?sort_key=id", version="2.75")
    assert removed.code == 400
    assert "'locked'" in removed.message
    assert "'id'" not in removed.message.split("not one of")[1]
    for key in ("host", "node"):
        member = call(trio, "GET", f"/servers?sort_key={key}", context=DEMO)
        assert (member.code, member.message) == (403, f"Only administrators can sort servers by {key}")
        assert call(trio, "GET", f"/servers?sort_key={key}").code == 200


def test_bad_sort_dir_lists_nothing(trio: ComputeApp) -> None:
    """process_sort_params raises InvalidInput for a direction other than asc/desc or more directions than keys;
    multi_cell_list.py skips the failed cell ([api] list_records_by_skipping_down_cells, default True): 200, []."""
    for query in (
        "sort_dir=up",
        "sort_key=display_name&sort_dir=ASC",
        "sort_key=display_name&sort_dir=asc&sort_dir=desc&sort_dir=asc",
    ):
        reply = call(trio, "GET", f"/servers/detail?{query}")
        assert (reply.code, reply.json) == (200, {"servers": []})


# -- 7. os-availability-zone/detail lists the services os-services lists -----------------------------
def test_zone_detail_follows_os_services(app: ComputeApp) -> None:
    """availability_zone.py _describe_availability_zones_verbose: for each zone of an enabled service (sorted,
    availability_zones.py _get_availability_zones), {host: {binary: {available: service_is_up, active: not
    disabled, updated_at}}} of its enabled services; zones only disabled services have: available False, hosts
    None. Compute services are in their aggregate's zone, the others in 'internal' (set_availability_zones)."""
    services = call(app, "GET", "/os-services").json["services"]
    detail = call(app, "GET", "/os-availability-zone/detail").json["availabilityZoneInfo"]
    expected: dict[str, dict[str, dict[str, Any]]] = {}
    for service in services:
        expected.setdefault(service["zone"], {}).setdefault(service["host"], {})[service["binary"]] = {
            "available": service["state"] == "up",
            "active": True,
            "updated_at": service["updated_at"],
        }
    assert {z["zoneName"] for z in detail} == {"internal", "nova"}
    assert {z["zoneName"]: z["hosts"] for z in detail} == expected
    assert "compute" not in {h for z in detail for h in z["hosts"]}
    assert all(z["zoneState"] == {"available": True} for z in detail)
    # An aggregate zone moves the host in both listings; a forced-down host is listed, not available.
    agg = call(app, "POST", "/os-aggregates", {"aggregate": {"name": "a", "availability_zone": "az1"}}).json
    call(app, "POST", f"/os-aggregates/{agg['aggregate']['id']}/action", {"add_host": {"host": "compute-2"}})
    zones = {s["host"]: s["zone"] for s in call(app, "GET", "/os-services?binary=nova-compute").json["services"]}
    assert zones == {"compute-1": "nova", "compute-2": "az1"}
    app.cloud.set_host_up("compute-2", False)
    detail = call(app, "GET", "/os-availability-zone/detail").json["availabilityZoneInfo"]
    assert [z["zoneName"] for z in detail] == ["az1", "internal", "nova"]
    assert detail[0]["hosts"]["compute-2"]["nova-compute"]["available"] is False
    assert detail[0]["hosts"]["compute-2"]["nova-compute"]["active"] is True
    app.cloud.set_host_enabled("compute-2", False)
    detail = call(app, "GET", "/os-availability-zone/detail").json["availabilityZoneInfo"]
    assert [(z["zoneName"], z["zoneState"]["available"], z["hosts"] is None) for z in detail] == [
        ("internal", True, False),
        ("nova", True, False),
        ("az1", False, True),
    ]


# -- 6. migration records follow the move ---------------------------------------------------------
def stamp_now() -> str:
    """Now, as os-migrations writes its times (compared as text: same format, UTC)."""
    import datetime

    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def host_ips(app: ComputeApp) -> dict[str, str]:
    listed = call(app, "GET", "/os-hypervisors/detail").json["hypervisors"]
    return {h["hypervisor_hostname"]: h["host_ip"] for h in listed}


def test_migration_row_knows_its_destination_from_the_start(app: ComputeApp) -> None:
    """resource_tracker.py _move_claim sets dest_compute, dest_node and dest_host (driver.get_host_ip_addr, the
    host's my_ip: os-hypervisors' host_ip) as the move starts; updated_at is migration.save()'s time of each
    change, not of a later read."""
    sid = app.cloud.seed("active")
    source = host_of(app, sid)
    assert call(app, "POST", f"/servers/{sid}/action", {"migrate": None}).code == 202
    (row,) = call(app, "GET", "/os-migrations").json["migrations"]
    dest = row["dest_compute"]
    assert row["status"] == "pre-migrating"  # conductor/tasks/migrate.py _preallocate_migration (resize_prep)
    assert (row["source_compute"], row["source_node"]) == (source, source)
    assert dest != source
    assert (row["dest_node"], row["dest_host"]) == (dest, host_ips(app)[dest])
    assert row["updated_at"] >= row["created_at"]
    app.cloud.settle()
    settled = stamp_now()  # the run has ended: its status change is stamped no later than now
    (row,) = call(app, "GET", "/os-migrations").json["migrations"]
    assert (row["status"], row["dest_compute"], host_of(app, sid)) == ("finished", dest, dest)
    assert row["updated_at"] <= settled
    assert call(app, "POST", f"/servers/{sid}/action", {"revertResize": None}).code == 202
    app.cloud.settle()
    reverted = stamp_now()
    (row,) = call(app, "GET", "/os-migrations").json["migrations"]
    assert (row["status"], row["dest_compute"], host_of(app, sid)) == ("reverted", dest, source)
    assert settled <= row["updated_at"] <= reverted


def test_live_migration_row_and_a_failed_one(app: ComputeApp) -> None:
    """conductor/tasks/live_migrate.py _execute: dest_compute/dest_node once the destination is chosen; a live
    migration the conductor fails (conductor/manager.py _live_migrate: migration 'error') leaves the server
    on its host while the row keeps the destination it had."""
    sid = app.cloud.seed("active")
    source = host_of(app, sid)
    body = {"os-migrateLive": {"host": None, "block_migration": "auto"}}
    assert call(app, "POST", f"/servers/{sid}/action", body).code == 202
    (running,) = call(app, "GET", f"/servers/{sid}/migrations", version="2.23").json["migrations"]
    dest = running["dest_compute"]
    assert (running["status"], running["dest_node"], running["dest_host"]) == ("running", dest, host_ips(app)[dest])
    assert dest != source
    app.cloud.settle()
    assert host_of(app, sid) == dest
    app.cloud.fail_next(sid, "live_migrate", fault="NoValidHost")
    body = {"os-migrateLive": {"host": source, "block_migration": "auto"}}
    assert call(app, "POST", f"/servers/{sid}/action", body).code == 202
    app.cloud.settle()
    server = call(app, "GET", f"/servers/{sid}").json["server"]
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", dest)
    failed = call(app, "GET", "/os-migrations?status=error").json["migrations"]
    assert [(m["source_compute"], m["dest_compute"]) for m in failed] == [(dest, source)]


def test_next_link_keeps_every_sort_parameter(trio: ComputeApp) -> None:
    """common.py ViewBuilder._get_next_link copies request.params (a MultiDict: every value) and sets marker."""
    from urllib.parse import parse_qs, urlsplit

    query = "sort_key=vm_state&sort_key=display_name&sort_dir=asc&sort_dir=desc&limit=1"
    first = call(trio, "GET", f"/servers?{query}").json
    assert [s["name"] for s in first["servers"]] == ["b"]
    link = urlsplit(first["servers_links"][0]["href"])
    params = parse_qs(link.query)
    assert (params["sort_key"], params["sort_dir"], params["marker"]) == (
        ["vm_state", "display_name"],
        ["asc", "desc"],
        [first["servers"][0]["id"]],
    )
    second = call(trio, "GET", f"/servers?{link.query}").json
    assert [s["name"] for s in second["servers"]] == ["c"]
