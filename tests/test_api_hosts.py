"""Compute hosts in the fake API: host fields, moves, os-services and os-hypervisors as Nova has them.

Expected values from nova/api/openstack/compute/{services,hypervisors,evacuate,
migrate_server,shelve}.py and views/servers.py at 00a030403f.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_api_http import MEMBER, action, call, show

from lifecycle.api import Cloud, ComputeApp


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(shelved_offload_time=-1))


def _service_id(app: ComputeApp, host: str, version: str = "2.53") -> Any:
    services = call(app, "GET", "/v2.1/os-services", version=version).json["services"]
    return next(s["id"] for s in services if s["host"] == host and s["binary"] == "nova-compute")


def test_host_fields_are_for_admins(app: ComputeApp) -> None:
    """OS-EXT-SRV-ATTR:* only with the admin policy (views/servers.py:_show_extended_attributes)."""
    sid = app.cloud.seed("active")
    body = show(app, sid)
    assert body["OS-EXT-SRV-ATTR:host"] in ("compute-1", "compute-2")
    assert body["OS-EXT-SRV-ATTR:hypervisor_hostname"] == body["OS-EXT-SRV-ATTR:host"]
    member = call(app, "GET", f"/v2.1/servers/{sid}", context=MEMBER).json["server"]
    assert "OS-EXT-SRV-ATTR:host" not in member
    offloaded = app.cloud.seed("shelved_offloaded")
    assert show(app, offloaded)["OS-EXT-SRV-ATTR:host"] is None  # _shelve_offload_instance clears host


def test_migrate_moves_and_revert_comes_back(app: ComputeApp) -> None:
    """Cold migrate lands on the other host; revert returns to the source."""
    sid = app.cloud.seed("active")
    source = show(app, sid)["OS-EXT-SRV-ATTR:host"]
    assert action(app, sid, {"migrate": None}).code == 202
    app.cloud.settle(sid)
    moved = show(app, sid)
    assert moved["status"] == "VERIFY_RESIZE"
    assert moved["OS-EXT-SRV-ATTR:host"] != source
    assert action(app, sid, {"revertResize": None}).code == 202
    app.cloud.settle(sid)
    assert show(app, sid)["OS-EXT-SRV-ATTR:host"] == source


def test_unknown_target_hosts(app: ComputeApp) -> None:
    """Unknown hosts: 400 for migrate (2.56) and live-migrate (ComputeHostNotFound), 404 for evacuate."""
    sid = app.cloud.seed("active")
    reply = action(app, sid, {"migrate": {"host": "nowhere"}})
    assert (reply.code, reply.json["badRequest"]["message"]) == (400, "Compute host nowhere could not be found.")
    reply = action(app, sid, {"os-migrateLive": {"host": "nowhere", "block_migration": "auto"}})
    assert reply.code == 400
    reply = action(app, sid, {"evacuate": {"host": "nowhere"}})
    assert (reply.code, reply.json["itemNotFound"]["message"]) == (404, "Compute host nowhere not found.")


def test_forcing_a_host_down_allows_evacuate(app: ComputeApp) -> None:
    """PUT os-services/{id} forced_down (2.53): evacuate goes from 400 to accepted, lands elsewhere, SHUTOFF (2.95)."""
    sid = app.cloud.seed("active")
    host = show(app, sid)["OS-EXT-SRV-ATTR:host"]
    assert action(app, sid, {"evacuate": {}}).code == 400
    service = _service_id(app, host)
    reply = call(app, "PUT", f"/v2.1/os-services/{service}", {"forced_down": True}, version="2.53")
    assert reply.code == 200
    assert (reply.json["service"]["state"], reply.json["service"]["forced_down"]) == ("down", True)
    assert show(app, sid)["host_status"] == "DOWN"
    reply = action(app, sid, {"migrate": None})  # check_instance_host(check_is_up=True): ServiceUnavailable
    assert (reply.code, reply.json["conflictingRequest"]["message"]) == (409, "Service is unavailable at this time.")
    assert action(app, sid, {"evacuate": {}}).code == 200
    app.cloud.settle(sid)
    body = show(app, sid)
    assert (body["status"], body["OS-EXT-SRV-ATTR:host"] != host) == ("SHUTOFF", True)


def test_a_delete_on_a_down_host_is_local(app: ComputeApp) -> None:
    """A second DELETE is ignored while the host is up, a local delete once it is down (api.py:_delete 2596-2610)."""
    manual = ComputeApp(Cloud(pace="manual"))
    sid = manual.cloud.seed("active", "deleting")
    server = manual.cloud.server(sid)
    assert call(manual, "DELETE", f"/v2.1/servers/{sid}").code == 204
    due = server.due
    assert call(manual, "DELETE", f"/v2.1/servers/{sid}").code == 204
    assert server.due == due  # ignored: the run goes on as planned
    manual.cloud.set_host_up(show(manual, sid)["OS-EXT-SRV-ATTR:host"], False)
    assert server.settings.host_up is False


def test_services_and_hypervisors(app: ComputeApp) -> None:
    """Shapes: integer ids before 2.53, UUIDs from it; forced_down from 2.11; admin only (403 otherwise)."""
    old = call(app, "GET", "/v2.1/os-services", version="2.10").json["services"]
    assert all(isinstance(s["id"], int) and "forced_down" not in s for s in old)
    new = call(app, "GET", "/v2.1/os-services?binary=nova-compute", version="2.53").json["services"]
    assert [s["host"] for s in new] == ["compute-1", "compute-2"]
    assert all(len(s["id"]) == 36 and s["forced_down"] is False for s in new)
    assert call(app, "GET", "/v2.1/os-services", context=MEMBER).code == 403
    hypervisors = call(app, "GET", "/v2.1/os-hypervisors").json["hypervisors"]
    assert {h["hypervisor_hostname"] for h in hypervisors} == {"compute-1", "compute-2"}
    one = call(app, "GET", f"/v2.1/os-hypervisors/{hypervisors[0]['id']}").json["hypervisor"]
    assert one["service"]["host"] == one["hypervisor_hostname"]
    assert call(app, "GET", "/v2.1/os-hypervisors/nope", version="2.52").code == 404
    assert call(app, "GET", "/v2.1/os-hypervisors/nope").code == 400  # _validate_id: "Invalid uuid" from 2.53


def test_disable_and_legacy_force_down(app: ComputeApp) -> None:
    """PUT /os-services/disable-log-reason and /force-down (before 2.53, by host and binary)."""
    body = {"host": "compute-2", "binary": "nova-compute", "disabled_reason": "maintenance"}
    reply = call(app, "PUT", "/v2.1/os-services/disable-log-reason", body, version="2.11")
    assert reply.json["service"] == {**body, "status": "disabled"}
    reply = call(app, "PUT", "/v2.1/os-services/force-down", {**body, "forced_down": True}, version="2.11")
    assert reply.json["service"]["forced_down"] is True
    assert call(app, "PUT", "/v2.1/os-services/force-down", body, version="2.10").code == 404


def test_unshelve_host_and_az_rules(app: ComputeApp) -> None:
    """AZ from 2.77, host from 2.91; either needs SHELVED_OFFLOADED (409), an unknown host is 400."""
    shelved = app.cloud.seed("shelved")
    reply = action(app, shelved, {"unshelve": {"availability_zone": "nova"}}, version="2.77")
    assert reply.code == 409
    assert "The server status must be SHELVED_OFFLOADED." in reply.json["conflictingRequest"]["message"]
    assert action(app, shelved, {"unshelve": {"availability_zone": "nova"}}, version="2.76").code == 400
    offloaded = app.cloud.seed("shelved_offloaded")
    assert action(app, offloaded, {"unshelve": {"host": "nowhere"}}, version="2.91").code == 400
    assert action(app, offloaded, {"unshelve": {"host": "compute-2"}}, version="2.91").code == 202
    app.cloud.settle(offloaded)
    assert show(app, offloaded)["OS-EXT-SRV-ATTR:host"] == "compute-2"


def test_local_deletes_are_done_when_delete_answers() -> None:
    """api.py:_local_delete destroys the row inside the API call (offloaded, or host down): 404 right after."""
    manual = ComputeApp(Cloud(pace="manual"))
    offloaded = manual.cloud.seed("shelved_offloaded")
    hosted = manual.cloud.seed("active")
    assert call(manual, "DELETE", f"/v2.1/servers/{offloaded}").code == 204
    assert call(manual, "GET", f"/v2.1/servers/{offloaded}").code == 404
    assert call(manual, "DELETE", f"/v2.1/servers/{hosted}").code == 204
    assert show(manual, hosted)["OS-EXT-STS:task_state"] == "deleting"  # the compute host deletes it later
    down = manual.cloud.seed("active")
    manual.cloud.set_host_up(show(manual, down)["OS-EXT-SRV-ATTR:host"], False)
    assert call(manual, "DELETE", f"/v2.1/servers/{down}").code == 204
    assert call(manual, "GET", f"/v2.1/servers/{down}").code == 404


def test_extended_attributes_by_microversion(app: ComputeApp) -> None:
    """Admins: host, instance_name, hypervisor_hostname; the 2.3 set from 2.3; non-admins: hostname from 2.90."""
    sid = app.cloud.seed("active", name="Web Server 1")
    old = call(app, "GET", f"/v2.1/servers/{sid}", version="2.2").json["server"]
    assert "OS-EXT-SRV-ATTR:host" in old
    assert "OS-EXT-SRV-ATTR:reservation_id" not in old
    new = call(app, "GET", f"/v2.1/servers/{sid}", version="2.3").json["server"]
    assert new["OS-EXT-SRV-ATTR:launch_index"] == 0
    assert new["OS-EXT-SRV-ATTR:hostname"] == "web-server-1"
    member = call(app, "GET", f"/v2.1/servers/{sid}", version="2.89", context=MEMBER).json["server"]
    assert "OS-EXT-SRV-ATTR:hostname" not in member
    member = call(app, "GET", f"/v2.1/servers/{sid}", version="2.90", context=MEMBER).json["server"]
    assert member["OS-EXT-SRV-ATTR:hostname"] == "web-server-1"
    assert "OS-EXT-SRV-ATTR:host" not in member


def test_no_valid_host_on_resize_is_an_error_event(app: ComputeApp) -> None:
    """conductor _cold_migrate: vm_state kept, task cleared, and the instance action's event is an error."""
    sid = app.cloud.seed("active")
    app.cloud.fail_next(sid, "resize", fault="NoValidHost")
    assert action(app, sid, {"resize": {"flavorRef": "2"}}).code == 202
    app.cloud.settle(sid)
    body = show(app, sid)
    assert (body["status"], "fault" in body) == ("ACTIVE", False)  # faults are shown while ERROR only
    (resize,) = [a for a in call(app, "GET", f"/v2.1/servers/{sid}/os-instance-actions").json["instanceActions"]]
    assert (resize["action"], resize["message"]) == ("resize", "Error")
