"""``os-aggregates`` over WSGI: Nova's codes, messages and shapes.

Expected values come from ``nova/api/openstack/compute/aggregates.py`` (controller),
``schemas/aggregates.py`` and ``nova/exception.py``, and
doc/api_samples/os-aggregates (the fields of an aggregate).
"""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from tests.test_api_routes import MEMBER, call

SAMPLE_FIELDS = {"availability_zone", "created_at", "deleted", "deleted_at", "hosts", "id", "metadata", "name"}
"""doc/api_samples/os-aggregates/aggregates-get-resp.json, before 2.41 (``uuid`` and ``updated_at`` aside)."""


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def create(app: ComputeApp, name: str = "agg1", **extra: Any) -> dict[str, Any]:
    reply = call(app, "POST", "/os-aggregates", {"aggregate": {"name": name, **extra}})
    assert reply.code == 200, reply.json
    return dict(reply.json["aggregate"])


def test_create_show_list_update_delete(app: ComputeApp) -> None:
    made = create(app, availability_zone="nova-az")
    assert "hosts" not in made
    assert "metadata" not in made
    assert isinstance(made["id"], int)
    assert "uuid" in made
    shown = call(app, "GET", f"/os-aggregates/{made['id']}", version="2.1").json["aggregate"]
    assert set(shown) >= SAMPLE_FIELDS
    assert "uuid" not in shown
    assert shown["metadata"] == {"availability_zone": "nova-az"}
    assert shown["availability_zone"] == "nova-az"
    listed = call(app, "GET", "/os-aggregates").json["aggregates"]
    assert [a["name"] for a in listed] == ["agg1"]
    updated = call(app, "PUT", f"/os-aggregates/{made['id']}", {"aggregate": {"name": "agg2"}})
    assert updated.code == 200
    assert updated.json["aggregate"]["name"] == "agg2"
    assert call(app, "DELETE", f"/os-aggregates/{made['id']}").code == 200
    assert call(app, "GET", f"/os-aggregates/{made['id']}").code == 404


def test_hosts_and_metadata(app: ComputeApp) -> None:
    made = create(app)
    host = sorted(app.cloud.hosts)[0]
    path = f"/os-aggregates/{made['id']}/action"
    added = call(app, "POST", path, {"add_host": {"host": host}})
    assert added.code == 200
    assert added.json["aggregate"]["hosts"] == [host]
    again = call(app, "POST", path, {"add_host": {"host": host}})
    assert again.code == 409
    assert again.message == f"Aggregate {made['id']} already has host {host}."
    unknown = call(app, "POST", path, {"add_host": {"host": "nohost"}})
    assert unknown.code == 404
    assert unknown.message == "Compute host nohost could not be found."
    busy = call(app, "DELETE", f"/os-aggregates/{made['id']}")
    assert busy.code == 400
    assert "not empty" in busy.message
    assert call(app, "POST", path, {"remove_host": {"host": host}}).json["aggregate"]["hosts"] == []
    gone = call(app, "POST", path, {"remove_host": {"host": host}})
    assert gone.code == 404
    assert gone.message == f"Cannot remove host {host} in aggregate {made['id']}"
    meta = call(app, "POST", path, {"set_metadata": {"metadata": {"k": "v", "x": "y"}}})
    assert meta.json["aggregate"]["metadata"] == {"k": "v", "x": "y"}
    meta = call(app, "POST", path, {"set_metadata": {"metadata": {"k": None}}})
    assert meta.json["aggregate"]["metadata"] == {"x": "y"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"aggregate": {"name": ""}}, 400),
        ({"aggregate": {"name": "a" * 256}}, 400),
        ({"aggregate": {}}, 400),
        ({"aggregate": {"name": "a", "extra": 1}}, 400),
        ({"aggregate": {"name": 5}}, 400),
        ([], 400),
        ("x", 400),
    ],
)
def test_bad_create_bodies_are_400(app: ComputeApp, body: Any, code: int) -> None:
    reply = call(app, "POST", "/os-aggregates", body)
    assert reply.code == code
    assert reply.message


def test_duplicate_name_is_409(app: ComputeApp) -> None:
    create(app)
    reply = call(app, "POST", "/os-aggregates", {"aggregate": {"name": "agg1"}})
    assert reply.code == 409
    assert reply.message == "Aggregate agg1 already exists."


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/os-aggregates", None),
        ("POST", "/os-aggregates", {"aggregate": {"name": "m"}}),
        ("GET", "/os-aggregates/{id}", None),
        ("DELETE", "/os-aggregates/{id}", None),
        ("POST", "/os-aggregates/{id}/action", {"add_host": {"host": "h"}}),
    ],
)
def test_members_are_refused_403(app: ComputeApp, method: str, path: str, body: Any) -> None:
    made = create(app)
    reply = call(app, method, path.format(id=made["id"]), body, context=MEMBER)
    assert reply.code == 403
    assert reply.message.startswith("Policy doesn't allow os_compute_api:os-aggregates:")


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("GET", "/os-aggregates/abc", None, 400),
        ("GET", "/os-aggregates/999", None, 404),
        ("PUT", "/os-aggregates/999", {"aggregate": {"name": "n"}}, 404),
        ("PUT", "/os-aggregates/1", {"aggregate": {}}, 400),
        ("POST", "/os-aggregates/1/action", {"fly": {}}, 400),
        ("POST", "/os-aggregates/1/action", {"add_host": {"host": "bad host!"}}, 400),
        ("POST", "/os-aggregates/1/action", {"set_metadata": {"metadata": {"k": 1}}}, 400),
        ("POST", "/os-aggregates/1/action", {"add_host": {}, "remove_host": {}}, 400),
        ("DELETE", "/os-aggregates/x", None, 400),
    ],
)
def test_bad_ids_and_actions(app: ComputeApp, method: str, path: str, body: Any, code: int) -> None:
    create(app)
    reply = call(app, method, path, body)
    assert reply.code == code, reply.json
    assert reply.message
