"""``injectNetworkInfo`` over WSGI (``nova/api/openstack/compute/admin_actions.py``, ``compute/api.py``)."""

from __future__ import annotations

import pytest

from lifecycle.api import Cloud, ComputeApp
from tests.test_api_routes import MEMBER, active, call


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def test_inject_network_info_is_202_for_an_admin_and_changes_nothing(app: ComputeApp) -> None:
    sid = active(app)
    before = call(app, "GET", f"/servers/{sid}").json["server"]
    reply = call(app, "POST", f"/servers/{sid}/action", {"injectNetworkInfo": None})
    assert reply.code == 202
    after = call(app, "GET", f"/servers/{sid}").json["server"]
    assert (after["status"], after["OS-EXT-STS:task_state"]) == (before["status"], None)


def test_inject_network_info_is_admin_only(app: ComputeApp) -> None:
    sid = active(app, project_id=MEMBER.project_id)
    reply = call(app, "POST", f"/servers/{sid}/action", {"injectNetworkInfo": None}, context=MEMBER)
    assert reply.code == 403
    assert reply.message == "Policy doesn't allow os_compute_api:os-admin-actions:inject_network_info to be performed."
