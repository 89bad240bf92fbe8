"""Resizing to a smaller disk, as Nova with DevStack's libvirt driver answers it.

* ``compute/api.py`` ``API.resize``: a flavor with no root disk is only for
  volume-backed servers: 400 ``Resize to zero disk flavor is not allowed.``
  (``CannotResizeDisk``, turned into 400 by ``servers.py`` ``_resize``).
* ``virt/libvirt/driver.py`` ``migrate_disk_and_power_off`` (12744-12750): a
  smaller root disk (not volume-backed) or ephemeral disk raises
  ``InstanceFaultRollback(ResizeError("Unable to resize disk down."))`` while the
  task is ``resize_migrating``; ``manager.py`` ``_resize_instance`` puts the old
  vm_state back with no task (``_error_out_instance_on_exception``) and the
  flavor stays the old one.
"""

from __future__ import annotations

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.context import RequestContext
from tests.test_api_routes import call


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def _statuses(app: ComputeApp, sid: str) -> list[str]:
    seen = []
    while True:
        body = call(app, "GET", f"/servers/{sid}").json["server"]
        seen.append(f"{body['status']}/{body['OS-EXT-STS:task_state']}")
        if body["OS-EXT-STS:task_state"] is None:
            return seen
        app.cloud.advance(0.5)


@pytest.mark.parametrize("start", ["active", "stopped"])
def test_a_smaller_root_disk_rolls_back_in_resize_migrating(app: ComputeApp, start: str) -> None:
    sid = app.cloud.seed(start, flavor="2")  # m1.small: 20 GB
    assert call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "1"}}).code == 202  # m1.tiny: 1 GB
    seen = _statuses(app, sid)
    status = "ACTIVE" if start == "active" else "SHUTOFF"
    assert seen[-2:] == ["RESIZE/resize_migrating", f"{status}/None"]
    body = call(app, "GET", f"/servers/{sid}").json["server"]
    assert body["flavor"]["original_name"] == "m1.small"
    events = call(app, "GET", f"/servers/{sid}/os-instance-actions").json["instanceActions"]
    assert events[0]["action"] == "resize"
    fault = app.cloud.server(sid).fault
    assert fault is not None
    assert (fault.exception, fault.message) == ("InstanceFaultRollback", "Unable to resize disk down.")
    # nothing lingers: the next resize, to a bigger disk, goes through
    assert call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "3"}}).code == 202
    app.cloud.settle(sid)
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "VERIFY_RESIZE"


def test_a_volume_backed_server_may_shrink_its_root_flavor() -> None:
    app = ComputeApp(Cloud(pace="manual", volume_backed=True))
    sid = app.cloud.seed("active", flavor="2")
    assert call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "1"}}).code == 202
    app.cloud.settle(sid)
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "VERIFY_RESIZE"


def test_a_zero_disk_flavor_is_400_and_starts_nothing(app: ComputeApp) -> None:
    flavor = {"flavor": {"name": "diskless", "ram": 512, "vcpus": 1, "disk": 0, "id": "90"}}
    assert call(app, "POST", "/flavors", flavor).code == 200
    sid = app.cloud.seed("active", flavor="2")
    reply = call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "90"}})
    assert (reply.code, reply.message) == (400, "Resize to zero disk flavor is not allowed.")
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "ACTIVE"
    assert app.cloud.fleet.faults.rules == []


def test_a_refused_shrink_leaves_no_failure_behind(app: ComputeApp) -> None:
    """A member's resize of a locked server is 409 (check_instance_lock): the disk rule must not wait for the next."""
    member = RequestContext(roles=("member", "reader"))
    sid = app.cloud.seed("active", flavor="2", locked=True)
    refused = call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "1"}}, context=member)
    assert refused.code == 409
    assert app.cloud.fleet.faults.rules == []


def test_a_shrink_no_host_can_take_fails_at_the_scheduler_and_leaves_no_rule(app: ComputeApp) -> None:
    """conductor _cold_migrate: NoValidHost at resize_prep comes before the driver's disk check; nothing lingers."""
    sid = app.cloud.seed("active", flavor="2")
    for host in app.cloud.hosts.values():
        host.disabled = True
    assert call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "1"}}).code == 202
    app.cloud.settle(sid)
    fault = app.cloud.server(sid).fault
    assert fault is not None
    assert fault.kind == "no_valid_host"
    assert [r for r in app.cloud.fleet.faults.rules if not r.exhausted] == []
    for host in app.cloud.hosts.values():
        host.disabled = False
    assert call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "3"}}).code == 202
    app.cloud.settle(sid)
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "VERIFY_RESIZE"
