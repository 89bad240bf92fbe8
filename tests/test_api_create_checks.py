"""What the fake Compute API refuses as Nova refuses it: create and rebuild checks, list queries, metadata rules.

Expected statuses and messages come from Nova's code at the pinned commit (file
and function named beside each test), never from the fake's own tables.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.context import RequestContext
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import Reply, call

MEMBER = RequestContext(project_id="p2", user_id="bob", roles=("member", "reader"))


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


# -- metadata: the model's update_metadata / delete_metadata rules ---------------------
@pytest.mark.parametrize(
    ("vm_state", "task_state", "method", "path", "body", "expected"),
    [
        # compute/api.py:update_instance_metadata: check_instance_state(vm_state=[ACTIVE, PAUSED,
        # SUSPENDED, STOPPED], task_state=None): None turns the task check off
        ("active", "rebooting", "POST", "metadata", {"metadata": {"a": "b"}}, 200),
        ("stopped", "powering-on", "PUT", "metadata/x", {"meta": {"x": "2"}}, 200),
        ("paused", None, "PUT", "metadata", {"metadata": {"a": "b"}}, 200),
        ("suspended", "resuming", "DELETE", "metadata/x", None, 204),
        (
            "error",
            None,
            "POST",
            "metadata",
            {"metadata": {"a": "b"}},
            "update metadata' instance {id} while it is in vm_state error",
        ),
        (
            "shelved",
            None,
            "PUT",
            "metadata/x",
            {"meta": {"x": "2"}},
            "update metadata' instance {id} while it is in vm_state shelved",
        ),
        (
            "resized",
            None,
            "DELETE",
            "metadata/x",
            None,
            "delete metadata' instance {id} while it is in vm_state resized",
        ),
        (
            "rescued",
            None,
            "DELETE",
            "metadata/x",
            None,
            "delete metadata' instance {id} while it is in vm_state rescued",
        ),
    ],
)
def test_metadata_changes_follow_nova_state_rule(
    app: ComputeApp, vm_state: str, task_state: str | None, method: str, path: str, body: Any, expected: Any
) -> None:
    sid = app.cloud.seed(vm_state, task_state, metadata={"x": "1"})
    reply = call(app, method, f"/servers/{sid}/{path}", body)
    if isinstance(expected, int):
        assert reply.code == expected
    else:  # common.raise_http_conflict_for_instance_invalid_state with server_metadata.py's action words
        assert (reply.code, reply.message) == (409, "Cannot '" + expected.format(id=sid))
        assert app.cloud.record(sid).metadata == {"x": "1"}


def test_metadata_change_during_a_task_leaves_the_task_running(app: ComputeApp) -> None:
    """The metadata rule sets no task: a reboot under way goes on and ends ACTIVE."""
    sid = app.cloud.seed("active", "rebooting")
    assert call(app, "PUT", f"/servers/{sid}/metadata/k", {"meta": {"k": "v"}}).code == 200
    assert app.cloud.record(sid).server.task_state is not None
    app.cloud.settle()
    body = call(app, "GET", f"/servers/{sid}").json["server"]
    assert (body["status"], body["metadata"]) == ("ACTIVE", {"k": "v"})


def test_metadata_lock_is_checked_before_state_and_admin_passes(app: ComputeApp) -> None:
    """check_instance_lock runs before check_instance_state (decorator order); admins pass it."""
    sid = app.cloud.seed("error", locked=True, project_id="p2", metadata={"x": "1"})
    member = call(app, "DELETE", f"/servers/{sid}/metadata/x", context=MEMBER)
    assert (member.code, member.message) == (409, f"Instance {sid} is locked")
    admin = call(app, "DELETE", f"/servers/{sid}/metadata/x")
    assert (admin.code, admin.message) == (
        409,
        f"Cannot 'delete metadata' instance {sid} while it is in vm_state error",
    )


# -- rebuild key_name (2.54) ---------------------------------------------------------------
def _keypair(app: ComputeApp, name: str, context: RequestContext | None = None) -> None:
    reply = call(app, "POST", "/os-keypairs", {"keypair": {"name": name}}, version="2.1", context=context)
    assert reply.code == 200, reply.json


def _rebuild(app: ComputeApp, sid: str, version: str = "2.54", **fields: Any) -> Reply:
    body = {"rebuild": {"imageRef": CIRROS_ID, **fields}}
    return call(app, "POST", f"/servers/{sid}/action", body, version=version)


def test_rebuild_with_an_unknown_key_name_is_400_and_changes_nothing(app: ComputeApp) -> None:
    """servers.py:_action_rebuild: KeypairNotFound (api.py:API.rebuild, KeyPair.get_by_name) -> 400."""
    _keypair(app, "mine")
    sid = app.cloud.seed("active", key_name="mine")
    reply = _rebuild(app, sid, key_name="nope")
    assert (reply.code, reply.message) == (400, "Invalid key_name provided.")
    server = app.cloud.record(sid)
    assert (server.server.task_state, server.key_name) == (None, "mine")


def test_rebuild_key_name_is_the_callers_own(app: ComputeApp) -> None:
    """api.py:API.rebuild looks the key up under context.user_id, not the server's user: another user's is 400."""
    _keypair(app, "bobs", context=MEMBER)
    sid = app.cloud.seed("active")
    assert _rebuild(app, sid, key_name="bobs").message == "Invalid key_name provided."
    _keypair(app, "admins")
    reply = _rebuild(app, sid, key_name="admins")
    assert (reply.code, reply.json["server"]["key_name"]) == (202, "admins")


def test_rebuild_key_name_null_unsets_it(app: ComputeApp) -> None:
    """api.py:API.rebuild: a falsy key_name sets instance.key_name None; the reply shows key_name from 2.54."""
    _keypair(app, "mine")
    sid = app.cloud.seed("active", key_name="mine")
    reply = _rebuild(app, sid, key_name=None)
    assert (reply.code, reply.json["server"]["key_name"]) == (202, None)
    app.cloud.settle()
    assert call(app, "GET", f"/servers/{sid}").json["server"]["key_name"] is None


def test_rebuild_state_is_checked_before_the_key(app: ComputeApp) -> None:
    """check_instance_lock/check_instance_state wrap API.rebuild, so a bad state is 409 even with a bad key."""
    sid = app.cloud.seed("paused")
    reply = _rebuild(app, sid, key_name="nope")
    assert (reply.code, reply.message) == (409, f"Cannot 'rebuild' instance {sid} while it is in vm_state paused")


def test_rebuild_key_name_before_2_54_is_an_unknown_field(app: ComputeApp) -> None:
    """schemas/servers.py: key_name enters rebuild in rebuild_v254; before, additionalProperties is False."""
    sid = app.cloud.seed("active")
    reply = _rebuild(app, sid, version="2.53", key_name="nope")
    assert reply.code == 400
    assert "'key_name' was unexpected" in reply.message


# -- GET /servers[/detail] query parameters (schemas/servers.py index_query*) ------------------------
@pytest.mark.parametrize("path", ["/servers", "/servers/detail"])
def test_unknown_list_parameters_are_400_from_2_75(app: ComputeApp, path: str) -> None:
    """index_query_v275['additionalProperties'] = False; before, index_query allows any parameter."""
    app.cloud.seed("active", name="one")
    old = call(app, "GET", f"{path}?bogus=1", version="2.74")
    assert (old.code, len(old.json["servers"])) == (200, 1)
    new = call(app, "GET", f"{path}?bogus=1", version="2.75")
    assert (new.code, new.message) == (400, "Additional properties are not allowed ('bogus' was unexpected)")
    member = call(app, "GET", f"{path}?bogus=1", version="2.100", context=MEMBER)
    assert member.code == 400  # the schema runs before any policy decides what a member may filter on


@pytest.mark.parametrize(
    ("query", "version"),
    [
        ("name=one&status=ACTIVE&limit=5&sort_key=display_name&sort_dir=asc", "2.75"),
        ("tags=a", "2.75"),  # index_query_v226
        ("changes-before=2030-01-01T00:00:00Z", "2.75"),  # index_query_v266
        ("locked=false", "2.75"),  # index_query_v273
        ("access_ip_v4=1&launch_index=0&progress=0&hostname=x&node=n", "2.100"),
        ("_private=1", "2.100"),  # patternProperties ^_ passes the schema; a member's is dropped
        ("metadata=x", "2.100"),  # JOINED_TABLE_QUERY_PARAMS_SERVERS: in the schema, dropped for members
    ],
)
def test_known_list_parameters_pass_from_2_75(app: ComputeApp, query: str, version: str) -> None:
    assert call(app, "GET", f"/servers?{query}", version=version, context=MEMBER).code == 200


@pytest.mark.parametrize("version", ["2.1", "2.100"])
@pytest.mark.parametrize("key", ["metadata", "security_groups", "_private"])
def test_joined_table_and_underscore_filters_are_400_for_admins(app: ComputeApp, version: str, key: str) -> None:
    """servers.py:_get_servers: 'Invalid filter field: X.' once remove_invalid_options kept them (allow_all_filters)."""
    reply = call(app, "GET", f"/servers/detail?{key}=x", version=version)
    assert (reply.code, reply.message) == (400, f"Invalid filter field: {key}.")


def test_a_parameter_of_a_later_microversion_is_unknown_from_2_75(app: ComputeApp) -> None:
    """locked enters index_query_v273 and is in v275; changes-before enters v266: both known at 2.75."""
    reply = call(app, "GET", "/servers?locked=true&not-a-filter=1", version="2.90")
    assert reply.message == "Additional properties are not allowed ('not-a-filter' was unexpected)"


# -- availability zones at create (compute/api.py:parse_availability_zone, API.create) ------------------
def _create(
    app: ComputeApp,
    version: str = "2.100",
    context: RequestContext | None = None,
    hints: dict[str, Any] | None = None,
    **fields: Any,
) -> Reply:
    server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", **fields}
    if version != "2.1":
        server.setdefault("networks", "none")  # required from 2.37
    body: dict[str, Any] = {"server": server}
    if hints is not None:
        body["os:scheduler_hints"] = hints
    return call(app, "POST", "/servers", body, version=version, context=context)


def _zone(app: ComputeApp, zone: str, *hosts: str) -> None:
    """An aggregate whose availability_zone is ``zone``, holding ``hosts``."""
    made = call(app, "POST", "/os-aggregates", {"aggregate": {"name": f"agg-{zone}", "availability_zone": zone}})
    for host in hosts:
        body = {"add_host": {"host": host}}
        assert call(app, "POST", f"/os-aggregates/{made.json['aggregate']['id']}/action", body).code == 200


def _server(app: ComputeApp, sid: str) -> dict[str, Any]:
    app.cloud.settle()
    return dict(call(app, "GET", f"/servers/{sid}").json["server"])


@pytest.mark.parametrize("version", ["2.1", "2.75", "2.100"])
@pytest.mark.parametrize("context", [None, MEMBER])
def test_unknown_zone_is_400_at_every_microversion(
    app: ComputeApp, version: str, context: RequestContext | None
) -> None:
    """API.create: a zone no enabled service is in -> 400 InvalidRequest, and no server is made."""
    reply = _create(app, version, context, availability_zone="nowhere")
    assert (reply.code, reply.message) == (400, "The requested availability zone is not available")
    assert len(app.cloud) == 0


def test_known_zones_are_accepted_and_shown(app: ComputeApp) -> None:
    """The default zone 'nova' and an aggregate's zone; the server lands on a host of that zone."""
    _zone(app, "az1", "compute-2")
    sid = _create(app, availability_zone="az1").json["server"]["id"]
    body = _server(app, sid)
    assert (body["status"], body["OS-EXT-AZ:availability_zone"]) == ("ACTIVE", "az1")
    assert body["OS-EXT-SRV-ATTR:host"] == "compute-2"
    assert _server(app, _create(app, availability_zone="nova").json["server"]["id"])["OS-EXT-SRV-ATTR:host"] == (
        "compute-1"
    )


def test_a_zone_whose_hosts_are_all_disabled_is_not_available(app: ComputeApp) -> None:
    """get_availability_zones(get_only_available=True) keeps the zones of enabled services only."""
    _zone(app, "az1", "compute-2")
    app.cloud.set_host_enabled("compute-2", False, "maintenance")
    assert _create(app, availability_zone="az1").message == "The requested availability zone is not available"


@pytest.mark.parametrize("text", ["a:b:c:d", "nova:compute-1:compute-1:x", ":::"])
def test_unparsable_zone_is_400(app: ComputeApp, text: str) -> None:
    """parse_availability_zone: more than two colons -> InvalidInput."""
    reply = _create(app, availability_zone=text)
    assert (reply.code, reply.message) == (400, "Invalid input received: Unable to parse availability_zone")


@pytest.mark.parametrize("text", ["nova:compute-1", "nova::compute-1", "nova:compute-1:compute-1"])
def test_forced_host_is_admin_only(app: ComputeApp, text: str) -> None:
    """servers.py:create: a host or node in the zone needs os_compute_api:servers:create:forced_host (admin)."""
    reply = _create(app, context=MEMBER, availability_zone=text)
    assert (reply.code, reply.message) == (
        403,
        "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.",
    )


@pytest.mark.parametrize("text", ["nova:compute-2", ":compute-2", "nova::compute-2", "nova:compute-2:compute-2"])
def test_forced_host_places_the_server_there(app: ComputeApp, text: str) -> None:
    app.cloud.seed("active")  # compute-1 has one server, compute-2 none: the forced host wins anyway
    sid = _create(app, availability_zone=text).json["server"]["id"]
    assert _server(app, sid)["OS-EXT-SRV-ATTR:host"] == "compute-2"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("nova:nohost", "No such host - host: nohost node: None "),
        ("nova::nonode", "No such host - host: None node: nonode "),
        ("nova:compute-1:nonode", "No such host - host: compute-1 node: nonode "),
    ],
)
def test_unknown_forced_host_is_accepted_then_no_valid_host(app: ComputeApp, text: str, reason: str) -> None:
    """Nova does not check a forced host at the API (API.create skips the zone check when one is given): the
    scheduler raises NoValidHost (scheduler/utils.py:resources_from_request_spec) and the server is ERROR."""
    reply = _create(app, availability_zone=text)
    assert reply.code == 202
    body = _server(app, reply.json["server"]["id"])
    assert (body["status"], body["fault"]["code"]) == ("ERROR", 500)
    assert body["fault"]["message"] == f"No valid host was found. {reason}"
    assert body["OS-EXT-SRV-ATTR:host"] is None


def test_forced_host_outside_the_zone_drops_the_zone(app: ComputeApp) -> None:
    """_validate_host_availability_zone: a forced host not in the zone asked for keeps its own (bug #1934770)."""
    _zone(app, "az1", "compute-1")
    sid = _create(app, availability_zone="nowhere:compute-2").json["server"]["id"]
    body = _server(app, sid)
    assert (body["OS-EXT-AZ:availability_zone"], body["pinned_availability_zone"]) == ("nova", None)
    sid = _create(app, availability_zone="az1:compute-1").json["server"]["id"]
    body = _server(app, sid)
    assert (body["OS-EXT-AZ:availability_zone"], body["pinned_availability_zone"]) == ("az1", "az1")


def test_requested_destination_2_74(app: ComputeApp) -> None:
    """_process_hosts_for_create and API._validate_host_or_node: admin only, exclusive with zone:host, known host."""
    member = _create(app, context=MEMBER, host="compute-2")
    assert (member.code, member.message) == (
        403,
        "Policy doesn't allow compute:servers:create:requested_destination to be performed.",
    )
    both = _create(app, host="compute-2", availability_zone="nova:compute-2")
    assert both.message == (
        "One mechanism with host and/or hypervisor_hostname and another mechanism "
        "with zone:host:node are mutually exclusive."
    )
    assert _create(app, host="nohost").message == "Compute host nohost could not be found."
    assert _create(app, hypervisor_hostname="nonode").message == "Compute host nonode could not be found."
    assert (
        _create(app, host="compute-1", hypervisor_hostname="x").message == "Compute host compute-1 could not be found."
    )
    app.cloud.seed("active")
    sid = _create(app, host="compute-1").json["server"]["id"]
    assert _server(app, sid)["OS-EXT-SRV-ATTR:host"] == "compute-1"


def test_requested_destination_still_passes_the_filters(app: ComputeApp) -> None:
    """Unlike a forced host, requested_destination is filtered: a disabled host is NoValidHost."""
    app.cloud.set_host_enabled("compute-1", False)
    body = _server(app, _create(app, host="compute-1").json["server"]["id"])
    assert (body["status"], body["fault"]["message"]) == (
        "ERROR",
        "No valid host was found. There are not enough hosts available.",
    )


# -- server-group policies at placement (scheduler/filters/affinity_filter.py, weights/affinity.py) -------
NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


def _group(app: ComputeApp, policy: str, rules: dict[str, Any] | None = None) -> str:
    body = {"server_group": {"name": "g", "policy": policy, **({"rules": rules} if rules else {})}}
    reply = call(app, "POST", "/os-server-groups", body, version="2.64")
    assert reply.code == 200, reply.json
    return str(reply.json["server_group"]["id"])


def _boot_in(app: ComputeApp, group: str, count: int = 1) -> list[str]:
    """Boot ``count`` servers in one request; the ids of all of them (the group's members, newest last)."""
    before = set(_members(app, group))
    fields: dict[str, Any] = {"min_count": count, "max_count": count} if count > 1 else {}
    assert _create(app, hints={"group": group}, **fields).code == 202
    return [m for m in _members(app, group) if m not in before]


def _members(app: ComputeApp, group: str) -> list[str]:
    return list(call(app, "GET", f"/os-server-groups/{group}").json["server_group"]["members"])


def _hosts(app: ComputeApp, ids: list[str]) -> list[Any]:
    return [_server(app, sid)["OS-EXT-SRV-ATTR:host"] for sid in ids]


def test_affinity_puts_every_member_on_the_first_members_host(app: ComputeApp) -> None:
    group = _group(app, "affinity")
    app.cloud.seed("active", host="compute-1")  # compute-1 busier: the first member goes to compute-2
    first = _boot_in(app, group)
    more = _boot_in(app, group) + _boot_in(app, group, count=3)
    assert set(_hosts(app, first + more)) == {"compute-2"}


def test_affinity_fails_when_the_members_host_is_disabled(app: ComputeApp) -> None:
    """ServerGroupAffinityFilter passes only the members' hosts; ComputeFilter drops a disabled one."""
    group = _group(app, "affinity")
    (first,) = _boot_in(app, group)
    (host,) = _hosts(app, [first])
    app.cloud.set_host_enabled(host, False)
    (second,) = _boot_in(app, group)
    body = _server(app, second)
    assert (body["status"], body["fault"]["message"], body["OS-EXT-SRV-ATTR:host"]) == ("ERROR", NO_VALID_HOST, None)


def test_anti_affinity_spreads_members_and_a_third_has_no_valid_host(app: ComputeApp) -> None:
    """Two hosts: two members on different hosts; the third fails as the conductor leaves it (ERROR + fault)."""
    group = _group(app, "anti-affinity")
    pair = _boot_in(app, group) + _boot_in(app, group)
    assert sorted(_hosts(app, pair)) == ["compute-1", "compute-2"]
    (third,) = _boot_in(app, group)
    body = _server(app, third)
    assert (body["status"], body["fault"]["code"], body["fault"]["message"]) == ("ERROR", 500, NO_VALID_HOST)
    assert [s["status"] for s in map(lambda sid: _server(app, sid), pair)] == ["ACTIVE", "ACTIVE"]
    actions = call(app, "GET", f"/servers/{third}/os-instance-actions").json["instanceActions"]
    assert actions[0]["action"] == "create"


def test_anti_affinity_multi_create_that_does_not_fit_fails_whole(app: ComputeApp) -> None:
    """_ensure_sufficient_hosts: three servers of one request on two hosts -> every one of them is ERROR."""
    group = _group(app, "anti-affinity")
    ids = _boot_in(app, group, count=3)
    assert [_server(app, sid)["status"] for sid in ids] == ["ERROR"] * 3


def test_anti_affinity_max_server_per_host_2_64(app: ComputeApp) -> None:
    """_GroupAntiAffinityFilter: fewer than max_server_per_host members on the host (rules, from 2.64)."""
    group = _group(app, "anti-affinity", {"max_server_per_host": 2})
    ids = _boot_in(app, group, count=2) + _boot_in(app, group) + _boot_in(app, group)
    assert sorted(_hosts(app, ids)) == ["compute-1", "compute-1", "compute-2", "compute-2"]
    (fifth,) = _boot_in(app, group)
    assert _server(app, fifth)["status"] == "ERROR"


def test_a_failed_or_deleted_member_does_not_hold_a_host(app: ComputeApp) -> None:
    group = _group(app, "anti-affinity")
    pair = _boot_in(app, group) + _boot_in(app, group)
    (failed,) = _boot_in(app, group)
    assert call(app, "DELETE", f"/servers/{pair[0]}").code == 204
    app.cloud.settle()
    (again,) = _boot_in(app, group)  # the deleted member's host is free; the ERROR one holds none
    assert _server(app, again)["status"] == "ACTIVE"
    assert _server(app, failed)["status"] == "ERROR"


@pytest.mark.parametrize(("policy", "expected"), [("soft-affinity", [1, 3]), ("soft-anti-affinity", [2, 2])])
def test_soft_policies_only_weigh(app: ComputeApp, policy: str, expected: list[int]) -> None:
    """Soft policies are weighers: every member boots; soft-affinity piles up, soft-anti-affinity spreads."""
    app.cloud.seed("active")  # compute-1 busier: the first member goes to compute-2
    group = _group(app, policy)
    ids = _boot_in(app, group) + _boot_in(app, group) + _boot_in(app, group)
    assert [_server(app, sid)["status"] for sid in ids] == ["ACTIVE"] * 3
    hosts = [*_hosts(app, ids), "compute-1"]
    assert sorted(hosts.count(h) for h in ("compute-1", "compute-2")) == expected


def test_zone_listing_follows_the_hosts_aggregates(app: ComputeApp) -> None:
    """availability_zone.py index: zones of enabled compute services available, of disabled ones only not;
    internal (the control services) only in detail, where each zone lists its hosts."""
    _zone(app, "az1", "compute-2")
    listed = call(app, "GET", "/os-availability-zone").json["availabilityZoneInfo"]
    assert [(z["zoneName"], z["zoneState"]["available"]) for z in listed] == [("az1", True), ("nova", True)]
    app.cloud.set_host_enabled("compute-2", False)
    listed = call(app, "GET", "/os-availability-zone").json["availabilityZoneInfo"]
    assert [(z["zoneName"], z["zoneState"]["available"]) for z in listed] == [("nova", True), ("az1", False)]
    detail = {
        z["zoneName"]: z["hosts"] for z in call(app, "GET", "/os-availability-zone/detail").json["availabilityZoneInfo"]
    }
    # _describe_availability_zones_verbose: a zone only disabled services have is listed with hosts None
    assert (sorted(detail), detail["az1"], sorted(detail["nova"])) == (["az1", "internal", "nova"], None, ["compute-1"])


def test_unshelve_to_an_aggregate_zone_2_77(app: ComputeApp) -> None:
    """api.py:_validate_unshelve_az uses the same available zones as create."""
    _zone(app, "az1", "compute-2")
    sid = app.cloud.seed("shelved_offloaded")
    bad = call(app, "POST", f"/servers/{sid}/action", {"unshelve": {"availability_zone": "nowhere"}}, version="2.77")
    assert (bad.code, bad.message) == (400, "The requested availability zone is not available")
    ok = call(app, "POST", f"/servers/{sid}/action", {"unshelve": {"availability_zone": "az1"}}, version="2.77")
    assert ok.code == 202


def test_a_multi_create_shares_one_reservation_id_and_lists_by_it(app: ComputeApp) -> None:
    """compute/api.py:_create_instance makes one reservation_id per request; launch_index counts the servers;
    ?reservation_id= filters on it (Tempest's ServersOnMultiNodesTest finds its group's servers so)."""
    app.cloud.seed("active")
    reply = _create(app, min_count=2, max_count=2, return_reservation_id=True)
    reservation = reply.json["reservation_id"]
    listed = call(app, "GET", f"/servers/detail?reservation_id={reservation}").json["servers"]
    assert len(listed) == 2
    assert {s["OS-EXT-SRV-ATTR:reservation_id"] for s in listed} == {reservation}
    assert sorted(s["OS-EXT-SRV-ATTR:launch_index"] for s in listed) == [0, 1]
    other = _create(app, return_reservation_id=True).json["reservation_id"]
    assert other != reservation


def test_the_internal_zone_passes_the_api_then_has_no_host(app: ComputeApp) -> None:
    """get_availability_zones counts the control services' zone 'internal' as available, but no compute host is
    in it, so the AvailabilityZoneFilter leaves none: NoValidHost."""
    reply = _create(app, availability_zone="internal")
    assert reply.code == 202
    body = _server(app, reply.json["server"]["id"])
    assert (body["status"], body["fault"]["message"]) == ("ERROR", NO_VALID_HOST)
