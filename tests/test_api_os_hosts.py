"""``os-hosts`` (up to 2.42) over WSGI, as ``nova/api/openstack/compute/hosts.py`` and ``schemas/hosts.py`` have it."""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from tests.test_api_routes import MEMBER, call

OLD = "2.42"


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def test_list_show_update(app: ComputeApp) -> None:
    listed = call(app, "GET", "/os-hosts", version=OLD).json["hosts"]
    computes = [h for h in listed if h["service"] == "compute"]
    assert {h["host_name"] for h in computes} == set(app.cloud.hosts)
    assert all(h["zone"] == "nova" for h in computes)
    assert call(app, "GET", "/os-hosts?zone=nova", version=OLD).json["hosts"] == computes
    name = computes[0]["host_name"]
    shown = call(app, "GET", f"/os-hosts/{name}", version=OLD).json["host"]
    assert [r["resource"]["project"] for r in shown] == ["(total)", "(used_now)", "(used_max)"]
    updated = call(app, "PUT", f"/os-hosts/{name}", {"status": "Disable"}, version=OLD)
    assert updated.json == {"host": name, "status": "disabled"}
    assert app.cloud.hosts[name].disabled
    assert name not in {h["host_name"] for h in call(app, "GET", "/os-hosts", version=OLD).json["hosts"]}


def test_gone_from_243(app: ComputeApp) -> None:
    assert call(app, "GET", "/os-hosts", version="2.43").code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("GET", "/os-hosts/nohost", None, 404),
        ("PUT", "/os-hosts/nohost", {"status": "enable"}, 404),
        ("PUT", "/os-hosts/compute-1", {"status": "invalid"}, 400),
        ("PUT", "/os-hosts/compute-1", {"maintenance_mode": "on"}, 400),
        ("PUT", "/os-hosts/compute-1", {}, 400),
        ("PUT", "/os-hosts/compute-1", {"status": "enable", "x": 1}, 400),
        ("PUT", "/os-hosts/compute-1", [], 400),
        ("PUT", "/os-hosts/compute-1", {"maintenance_mode": "enable"}, 501),
        ("GET", "/os-hosts/compute-1/reboot", None, 501),
        ("GET", "/os-hosts/nohost/startup", None, 404),
    ],
)
def test_refusals(app: ComputeApp, method: str, path: str, body: Any, code: int) -> None:
    reply = call(app, method, path, body, version=OLD)
    assert reply.code == code, reply.json
    assert reply.message


@pytest.mark.parametrize("path", ["/os-hosts", "/os-hosts/compute-1", "/os-hosts/compute-1/shutdown"])
def test_members_are_refused_403(app: ComputeApp, path: str) -> None:
    reply = call(app, "GET", path, version=OLD, context=MEMBER)
    assert reply.code == 403
    assert reply.message.startswith("Policy doesn't allow os_compute_api:os-hosts:")
