"""Placement by scheduler hints and server-group policies (``nova/scheduler/filters/affinity_filter.py``).

Expected hosts follow the filters' ``host_passes``: ``SameHostFilter`` keeps
only hosts running a named server, ``DifferentHostFilter`` drops them,
``ServerGroupAffinityFilter`` keeps the members' hosts and
``ServerGroupAntiAffinityFilter`` drops hosts with ``max_server_per_host``
members. The fake has two hosts and otherwise picks the least loaded one, so
each case is built where the least loaded host is the wrong answer. A server
takes its host when the API first reads it after scheduling (as a client
waiting for ACTIVE does), so each boot here reads its server.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import call


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def _create(app: ComputeApp, hints: dict[str, Any] | None = None, version: str = "2.100", **server: Any) -> Any:
    server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "auto", **server}
    body: dict[str, Any] = {"server": server}
    if hints is not None:
        body["os:scheduler_hints"] = hints
    return call(app, "POST", "/servers", body, version=version)


def _boot(app: ComputeApp, hints: dict[str, Any] | None = None, **server: Any) -> str:
    reply = _create(app, hints, **server)
    assert reply.code == 202, reply.json
    app.cloud.settle()
    server_id = str(reply.json["server"]["id"])
    _host(app, server_id)  # a client waits for ACTIVE: the read syncs the record, which takes its host
    return server_id


def _host(app: ComputeApp, server_id: str) -> str:
    host = call(app, "GET", f"/servers/{server_id}").json["server"]["OS-EXT-SRV-ATTR:host"]
    assert host is not None
    return str(host)


def test_same_host_goes_to_the_named_servers_host(app: ComputeApp) -> None:
    first = _boot(app)
    second = _boot(app)
    assert _host(app, first) != _host(app, second)
    _boot(app, {"same_host": first})  # the first's host now holds two: the other is the least loaded
    third = _boot(app, {"same_host": first})
    fourth = _boot(app, {"same_host": [first]})  # the array form
    assert _host(app, third) == _host(app, fourth) == _host(app, first)


def test_different_host_avoids_the_named_servers(app: ComputeApp) -> None:
    first = _boot(app)
    other = _boot(app, {"same_host": first})  # both on one host: the other host is the least loaded
    crowded = _host(app, first)
    assert _host(app, other) == crowded
    # Move the load so that the least loaded host is the crowded one, then ask to avoid it.
    for _ in range(3):
        _boot(app, {"different_host": first})
    away = _boot(app, {"different_host": [first, other]})
    assert _host(app, away) != crowded


@pytest.mark.parametrize(("policy", "same"), [("affinity", True), ("anti-affinity", False)])
def test_group_policy_places_a_multi_create(app: ComputeApp, policy: str, same: bool) -> None:
    """Tempest's ``_create_servers_with_group``: min_count=2, return_reservation_id, list by reservation.

    Other servers are placed first so that the least loaded rule alone would give the wrong answer:
    one server (the two members would split) for affinity, two on one host (they would join) for
    anti-affinity.
    """
    filler = _boot(app)
    if not same:
        app.cloud.record(_boot(app)).host = _host(app, filler)  # the control handle stacks them
    group = call(app, "POST", "/os-server-groups", {"server_group": {"name": "g", "policy": policy}}).json
    gid = group["server_group"]["id"]
    reply = _create(app, {"group": gid}, min_count=2, max_count=2, return_reservation_id=True)
    assert reply.code == 202
    reservation = reply.json["reservation_id"]
    assert re.fullmatch(r"r-[0-9a-z]{8}", reservation)  # utils.generate_uid('r')
    app.cloud.settle()
    listed = call(app, "GET", f"/servers/detail?reservation_id={reservation}").json["servers"]
    assert len(listed) == 2
    assert {s["OS-EXT-SRV-ATTR:reservation_id"] for s in listed} == {reservation}
    members = call(app, "GET", f"/os-server-groups/{gid}").json["server_group"]["members"]
    assert sorted(members) == sorted(s["id"] for s in listed)
    hosts = {s["OS-EXT-SRV-ATTR:host"] for s in listed}
    assert len(hosts) == (1 if same else 2)


def test_anti_affinity_max_server_per_host(app: ComputeApp) -> None:
    """2.64 ``rules``: up to ``max_server_per_host`` members share a host, then the next goes elsewhere."""
    body = {"server_group": {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}}}
    gid = call(app, "POST", "/os-server-groups", body).json["server_group"]["id"]
    first = _boot(app, {"group": gid})
    # Two plain servers on the other host make the first's host the least loaded one.
    _boot(app, {"different_host": first})
    _boot(app, {"different_host": first})
    second = _boot(app, {"group": gid})
    assert _host(app, second) == _host(app, first)  # 1 member there < 2
    _boot(app, {"same_host": first})
    _boot(app, {"same_host": first})
    third = _boot(app, {"group": gid})  # now the first's host is the least loaded, but holds 2 members
    assert _host(app, third) != _host(app, first)


def test_scheduler_hints_shown_from_2_100_as_the_request_spec_keeps_them(app: ComputeApp) -> None:
    """doc/api_samples/servers/v2.100: ``"same_host": "<uuid>"`` in the request reads back as a list."""
    first = _boot(app)
    second = _boot(app, {"same_host": first})
    assert call(app, "GET", f"/servers/{second}").json["server"]["scheduler_hints"] == {"same_host": [first]}
    assert call(app, "GET", f"/servers/{first}").json["server"]["scheduler_hints"] == {}
    assert "scheduler_hints" not in call(app, "GET", f"/servers/{second}", version="2.99").json["server"]


@pytest.mark.parametrize(
    ("hints", "field"),
    [
        ({"different_host": "not-a-uuid"}, "different_host"),  # 'format': 'uuid'
        ({"different_host": 5}, "different_host"),
        ({"same_host": {"a": 1}}, "same_host"),
        ({"same_host": [7]}, "same_host"),
    ],
)
def test_malformed_host_hints_are_400(app: ComputeApp, hints: dict[str, Any], field: str) -> None:
    reply = _create(app, hints)
    assert reply.code == 400
    assert f"Invalid input for field/attribute {field}" in reply.json["badRequest"]["message"]
    assert app.cloud.records() == []


def test_a_move_keeps_to_the_hints() -> None:
    """Nova schedules a cold migration with the server's request spec: ``different_host`` still holds.

    Three hosts: the least loaded destination runs the server named in the hint, so only the
    filter sends the migration to the other one.
    """
    app = ComputeApp(Cloud(pace="manual", hosts=("compute-1", "compute-2", "compute-3")))
    first = _boot(app)
    second = _boot(app, {"different_host": first})
    crowded = next(
        h for h in ("compute-1", "compute-2", "compute-3") if h not in {_host(app, first), _host(app, second)}
    )
    for _ in range(2):
        app.cloud.record(_boot(app)).host = crowded  # the control handle loads the third host
    assert call(app, "POST", f"/servers/{second}/action", {"migrate": None}).code == 202
    app.cloud.settle()
    assert _host(app, second) == crowded  # not the first's host, although it is the least loaded
