"""Resize over the project's ``cores``/``ram`` quota is 403 (``compute/api.py`` ``_check_quota_for_upsize``).

Message: ``exception.TooManyInstances``; numbers as ``compute/utils.py``
``get_over_quota_detail`` (requested = the upsize delta, used = current usage).
"""

from __future__ import annotations

import pytest

from lifecycle.api import Cloud, ComputeApp
from tests.test_api_routes import active, call


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def _bigger(app: ComputeApp, sid: str) -> tuple[str, int, int]:
    """A flavor with more vCPUs and RAM than the server's: (id, extra vcpus, extra ram)."""
    old = app.cloud.record(sid).flavor
    flavors = call(app, "GET", "/flavors/detail").json["flavors"]
    big = next(f for f in flavors if f["vcpus"] > old.vcpus and f["ram"] > old.ram)
    return str(big["id"]), big["vcpus"] - old.vcpus, big["ram"] - old.ram


@pytest.mark.parametrize("resource", ["cores", "ram"])
def test_upsize_over_quota_is_403(app: ComputeApp, resource: str) -> None:
    sid = active(app)
    project = app.cloud.record(sid).project_id
    flavor, more_cores, more_ram = _bigger(app, sid)
    used = app.cloud.record(sid).flavor.vcpus if resource == "cores" else app.cloud.record(sid).flavor.ram
    put = call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {resource: used}})
    assert put.code == 200
    reply = call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": flavor}})
    assert reply.code == 403
    delta = more_cores if resource == "cores" else more_ram
    assert reply.message == (
        f"Quota exceeded for {resource}: Requested {delta}, but already used {used} of {used} {resource}"
    )
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "ACTIVE"


def test_upsize_within_quota_and_downsize_are_accepted(app: ComputeApp) -> None:
    sid = active(app)
    project = app.cloud.record(sid).project_id
    flavor, _, _ = _bigger(app, sid)
    assert call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {"cores": -1, "ram": -1}}).code == 200
    assert call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": flavor}}).code == 202
