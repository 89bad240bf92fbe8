"""Moves no host can take fail as Nova's conductor fails them (NoValidHost), and group policies hold on moves.

Expected outcomes come from Nova (pinned commit 00a030403f):

* the scheduler's reason when the filters leave no host: ``scheduler/manager.py``
  ``_ensure_sufficient_hosts``: ``There are not enough hosts available.``, the fault message
  ``No valid host was found. %(reason)s`` (``exception.NoValidHost``), code 500;
* cold migrate and resize: ``compute/api.py:API.resize`` casts to the conductor (202 at every
  microversion); ``conductor/manager.py:_cold_migrate`` on NoValidHost keeps the vm_state, clears
  the task (``_set_vm_state_and_notify`` adds the fault) and ``MigrationTask.rollback`` sets the
  migration ``error`` (it was made with no destination: ``_preallocate_migration``);
* live migration: ``conductor/manager.py:_live_migrate`` ``_set_vm_state(instance.vm_state)`` and the
  migration ``error``; before 2.34 ``migrate_server.py:_migrate_live`` answers NoValidHost with 400;
  ``conductor/tasks/live_migrate.py:_find_destination`` ignores the source host;
* evacuate: ``conductor/manager.py:rebuild_instance`` on NoValidHost: migration ``error``,
  ``vm_state`` ERROR, task None; a forced host (2.29 ``force``) skips the scheduler;
* unshelve of an offloaded server: ``conductor/manager.py:unshelve_instance``: task None, the server
  stays SHELVED_OFFLOADED;
* ``scheduler/filters/affinity_filter.py``: anti-affinity refuses a host holding another member
  (the source passes); affinity wants a host of the group's, which ``scheduler/utils.py``
  ``setup_instance_group`` fills from ``InstanceGroup.get_hosts()`` (the moving member included), so
  a lone affinity member cannot cold-migrate off its host.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import call

NO_HOST = "No valid host was found. There are not enough hosts available."


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))  # two hosts, compute-1 and compute-2


def _group(app: ComputeApp, policy: str) -> str:
    reply = call(app, "POST", "/os-server-groups", {"server_group": {"name": "g", "policy": policy}})
    assert reply.code == 200, reply.json
    return str(reply.json["server_group"]["id"])


def _boot(app: ComputeApp, group: str | None = None) -> str:
    body: dict[str, Any] = {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "auto"}}
    if group is not None:
        body["os:scheduler_hints"] = {"group": group}
    reply = call(app, "POST", "/servers", body)
    assert reply.code == 202, reply.json
    app.cloud.settle()
    server_id = str(reply.json["server"]["id"])
    assert _show(app, server_id)["status"] == "ACTIVE"
    return server_id


def _show(app: ComputeApp, server_id: str) -> dict[str, Any]:
    body: dict[str, Any] = call(app, "GET", f"/servers/{server_id}").json["server"]
    return body


def _where(app: ComputeApp, server_id: str) -> tuple[str, str | None, str | None]:
    server = _show(app, server_id)
    return server["status"], server["OS-EXT-STS:task_state"], server["OS-EXT-SRV-ATTR:host"]


def _act(app: ComputeApp, server_id: str, body: Any, version: str = "2.100") -> Any:
    return call(app, "POST", f"/servers/{server_id}/action", body, version=version)


def _migrations(app: ComputeApp, server_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = call(app, "GET", f"/os-migrations?instance_uuid={server_id}").json["migrations"]
    return rows


def _pair(app: ComputeApp) -> tuple[str, str]:
    """Two anti-affinity members, one on each of the two hosts."""
    gid = _group(app, "anti-affinity")
    first, second = _boot(app, gid), _boot(app, gid)
    assert _where(app, first)[2] != _where(app, second)[2]
    return first, second


def _action_result(app: ComputeApp, server_id: str, name: str) -> Any:
    actions = call(app, "GET", f"/servers/{server_id}/os-instance-actions").json["instanceActions"]
    found = next(a for a in actions if a["action"] == name)
    detail = call(app, "GET", f"/servers/{server_id}/os-instance-actions/{found['request_id']}").json
    return [e["result"] for e in detail["instanceAction"]["events"]]


def test_an_anti_affinity_member_cannot_cold_migrate_onto_the_other_members_host(app: ComputeApp) -> None:
    first, _ = _pair(app)
    host = _where(app, first)[2]
    assert _act(app, first, {"migrate": None}).code == 202  # API.resize casts: the failure is asynchronous
    app.cloud.settle()
    assert _where(app, first) == ("ACTIVE", None, host)  # vm_state kept, task cleared, where it was
    (row,) = _migrations(app, first)
    assert (row["migration_type"], row["status"], row["dest_compute"]) == ("migration", "error", None)
    fault = app.cloud.server(first).fault
    assert fault is not None
    assert fault.kind == "no_valid_host"
    recorded = app.cloud.record(first).fault  # shown only in ERROR (views/servers.py), kept for the action
    assert recorded is not None
    assert (recorded["code"], recorded["message"]) == (500, NO_HOST)
    assert "Error" in _action_result(app, first, "migrate")


def test_a_resize_may_stay_on_its_host_but_not_go_to_a_members(app: ComputeApp) -> None:
    """A resize may keep the source (DevStack's allow_resize_to_same_host), which anti-affinity lets pass."""
    first, _ = _pair(app)
    host = _where(app, first)[2]
    assert _act(app, first, {"resize": {"flavorRef": "2"}}).code == 202
    app.cloud.settle()
    assert _where(app, first) == ("VERIFY_RESIZE", None, host)
    (row,) = _migrations(app, first)
    assert (row["migration_type"], row["status"], row["dest_compute"]) == ("resize", "finished", host)


def test_a_refused_move_leaves_no_failure_behind(app: ComputeApp) -> None:
    first, second = _pair(app)
    fleet = app.cloud.server(first).fleet
    before = list(fleet.faults.rules)
    assert _act(app, first, {"pause": None}).code == 202
    app.cloud.settle()
    assert _act(app, first, {"migrate": None}).code == 409  # PAUSED: the state check refuses it first
    assert fleet.faults.rules == before
    assert _migrations(app, first) == []
    assert _act(app, first, {"unpause": None}).code == 202
    app.cloud.settle()
    assert call(app, "DELETE", f"/servers/{second}").code == 204
    app.cloud.settle()
    other = next(h for h in app.cloud.hosts if h != _where(app, first)[2])
    assert _act(app, first, {"migrate": None}).code == 202  # the other member left: its host is free
    app.cloud.settle()
    assert _where(app, first) == ("VERIFY_RESIZE", None, other)


def test_a_live_migration_no_host_can_take(app: ComputeApp) -> None:
    first, second = _pair(app)
    host = _where(app, first)[2]
    other = _where(app, second)[2]
    body = {"os-migrateLive": {"host": None, "block_migration": "auto"}}
    old = _act(app, first, body, version="2.33")  # migrate_server is an RPC call before 2.34
    assert (old.code, old.json["badRequest"]["message"]) == (400, NO_HOST)
    assert _migrations(app, first) == []
    assert _act(app, first, body, version="2.34").code == 202
    app.cloud.settle()
    assert _where(app, first) == ("ACTIVE", None, host)
    (row,) = _migrations(app, first)
    assert (row["migration_type"], row["status"], row["dest_compute"]) == ("live-migration", "error", None)
    # A host asked for but not forced still passes the filters; a forced one skips them (2.30 force).
    named = {"os-migrateLive": {"host": other, "block_migration": "auto"}}
    assert _act(app, first, named, version="2.67").code == 202
    app.cloud.settle()
    assert _where(app, first) == ("ACTIVE", None, host)
    forced = {"os-migrateLive": {"host": other, "block_migration": "auto", "force": True}}
    assert _act(app, first, forced, version="2.67").code == 202
    app.cloud.settle()
    assert _where(app, first) == ("ACTIVE", None, other)
    assert [r["status"] for r in _migrations(app, first)] == ["completed", "error", "error"]


def test_an_evacuation_no_host_can_take_ends_in_error(app: ComputeApp) -> None:
    first, second = _pair(app)
    source, other = _where(app, first)[2], _where(app, second)[2]
    assert source is not None
    assert other is not None
    app.cloud.set_host_up(source, False)
    assert _act(app, first, {"evacuate": {}}).code == 200
    app.cloud.settle()
    server = _show(app, first)
    assert (server["status"], server["OS-EXT-STS:task_state"], server["OS-EXT-SRV-ATTR:host"]) == (
        "ERROR",
        None,
        source,
    )
    assert (server["fault"]["code"], server["fault"]["message"]) == (500, NO_HOST)
    (row,) = _migrations(app, first)
    assert (row["migration_type"], row["status"]) == ("evacuation", "error")
    # Forced (2.29-2.67 force): no filters; API.evacuate names the destination on the row.
    forced = {"evacuate": {"host": other, "force": True}}
    assert _act(app, first, forced, version="2.29").code == 200
    app.cloud.settle()
    assert _where(app, first)[2] == other
    assert _migrations(app, first)[0]["dest_compute"] == other


def test_an_offloaded_member_unshelves_only_where_the_policy_allows(app: ComputeApp) -> None:
    first, second = _pair(app)
    other = _where(app, second)[2]
    assert _act(app, first, {"shelve": None}).code == 202  # shelved_offload_time 0: offloaded at once
    app.cloud.settle()
    assert _where(app, first) == ("SHELVED_OFFLOADED", None, None)
    assert _act(app, first, {"unshelve": {"host": other}}, version="2.91").code == 202
    app.cloud.settle()
    assert _where(app, first) == ("SHELVED_OFFLOADED", None, None)  # unshelve_instance: task None, no host
    assert _act(app, first, {"unshelve": None}, version="2.91").code == 202  # the one-run rule is spent
    app.cloud.settle()
    status, task, host = _where(app, first)
    assert (status, task) == ("ACTIVE", None)
    assert host not in (None, other)


def test_a_lone_affinity_member_cannot_cold_migrate(app: ComputeApp) -> None:
    """The group's hosts include the member's own, which a cold migration ignores: no host passes."""
    member = _boot(app, _group(app, "affinity"))
    host = _where(app, member)[2]
    assert _act(app, member, {"migrate": None}).code == 202
    app.cloud.settle()
    assert _where(app, member) == ("ACTIVE", None, host)
    assert _migrations(app, member)[0]["status"] == "error"
    plain = _boot(app)  # no group: the other host takes it
    start = _where(app, plain)[2]
    assert _act(app, plain, {"migrate": None}).code == 202
    app.cloud.settle()
    status, _, moved = _where(app, plain)
    assert status == "VERIFY_RESIZE"
    assert moved not in (None, start)


def test_a_cold_migration_row_walks_novas_statuses(app: ComputeApp) -> None:
    """``conductor/tasks/migrate.py`` ``_preallocate_migration``: ``pre-migrating`` (task ``resize_prep``);
    ``compute/manager.py`` ``_resize_instance``: ``migrating`` then ``post-migrating`` as the task moves to
    ``resize_migrated``; ``_finish_resize_helper``: ``finished`` with VERIFY_RESIZE; confirm: ``confirmed``."""
    server_id = _boot(app)
    assert _act(app, server_id, {"migrate": None}).code == 202
    seen: list[tuple[str | None, str]] = []
    for _ in range(20):
        (row,) = _migrations(app, server_id)
        pair = (_show(app, server_id)["OS-EXT-STS:task_state"], row["status"])
        if not seen or seen[-1] != pair:
            seen.append(pair)
        server = app.cloud.server(server_id)
        due = server.due
        if not server.busy or due is None:
            break
        app.cloud.advance(max(0.0, due - app.cloud.clock.now()))
    assert seen == [
        ("resize_prep", "pre-migrating"),
        ("resize_migrating", "migrating"),
        ("resize_migrated", "post-migrating"),
        ("resize_finish", "post-migrating"),
        (None, "finished"),
    ]
    assert _act(app, server_id, {"confirmResize": None}).code == 204
    app.cloud.settle()
    assert [r["status"] for r in _migrations(app, server_id)] == ["confirmed"]


def test_a_requested_host_still_passes_the_filters(app: ComputeApp) -> None:
    """2.56 ``migrate`` ``host``: ``API.resize`` sets ``requested_destination``, which the filters still judge."""
    first, second = _pair(app)
    host, other = _where(app, first)[2], _where(app, second)[2]
    assert _act(app, first, {"migrate": {"host": other}}, version="2.56").code == 202
    app.cloud.settle()
    assert _where(app, first) == ("ACTIVE", None, host)
    assert [r["status"] for r in _migrations(app, first)] == ["error"]


def test_a_move_stays_in_the_zone_the_server_was_created_in(app: ComputeApp) -> None:
    """``AvailabilityZoneFilter`` reads the request spec's zone: the one asked for at create, kept for moves."""
    made = call(app, "POST", "/os-aggregates", {"aggregate": {"name": "a", "availability_zone": "az1"}})
    assert made.code == 200, made.json
    added = call(
        app, "POST", f"/os-aggregates/{made.json['aggregate']['id']}/action", {"add_host": {"host": "compute-2"}}
    )
    assert added.code == 200, added.json
    free = _boot(app)  # first on an empty cloud: the least loaded host, by name on ties (compute-1)
    body = {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "auto"}}
    reply = call(app, "POST", "/servers", {"server": {**body["server"], "availability_zone": "nova"}})
    app.cloud.settle()
    pinned = str(reply.json["server"]["id"])
    assert _where(app, pinned)[2] == _where(app, free)[2] == "compute-1"  # nova: the host outside az1
    for server in (pinned, free):
        assert _act(app, server, {"migrate": None}).code == 202
    app.cloud.settle()
    assert _where(app, pinned) == ("ACTIVE", None, "compute-1")
    assert _migrations(app, pinned)[0]["status"] == "error"
    assert _where(app, free) == ("VERIFY_RESIZE", None, "compute-2")  # no zone asked: any zone
