"""``os-server-external-events`` as ``nova/api/openstack/compute/server_external_events.py`` answers it.

Expected values: that module's ``create`` (per-event 404/400/422/200 and the
207 when any failed), its schemas (event names per microversion, ``minItems``),
``nova/policies/server_external_events.py`` (``role:service`` only), the
``doc/api_samples/os-server-external-events`` response shape, and
``ComputeManager.power_update`` (a power-update in another state is a no-op).
"""

from __future__ import annotations

import uuid

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.context import RequestContext
from tests.test_api_routes import Reply, call

SERVICE = RequestContext(user_id="nova", roles=("admin", "service"))


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def send(app: ComputeApp, events: list[dict[str, str]], version: str = "2.100", **kw: object) -> Reply:
    context = kw.get("context", SERVICE)
    assert isinstance(context, RequestContext)
    return call(app, "POST", "/os-server-external-events", {"events": events}, version=version, context=context)


def test_the_api_sample_event_is_completed(app: ComputeApp) -> None:
    sid = app.cloud.seed("active")
    reply = send(app, [{"name": "network-changed", "server_uuid": sid, "status": "completed", "tag": "foo"}])
    assert reply.code == 200
    assert reply.json == {
        "events": [{"code": 200, "name": "network-changed", "server_uuid": sid, "status": "completed", "tag": "foo"}]
    }


def test_each_event_is_answered_on_its_own_and_any_failure_makes_207(app: ComputeApp) -> None:
    placed = app.cloud.seed("active")
    offloaded = app.cloud.seed("shelved_offloaded")
    missing = str(uuid.uuid4())
    events = [
        {"name": "network-vif-plugged", "server_uuid": placed},
        {"name": "network-vif-plugged", "server_uuid": missing},
        {"name": "network-vif-plugged", "server_uuid": offloaded},
        {"name": "volume-extended", "server_uuid": placed},  # a tag is required
    ]
    reply = send(app, events)
    assert reply.code == 207
    assert [(e["status"], e["code"]) for e in reply.json["events"]] == [
        ("completed", 200),
        ("failed", 404),
        ("failed", 422),
        ("failed", 400),
    ]


def test_only_the_service_role_may_send_events(app: ComputeApp) -> None:
    sid = app.cloud.seed("active")
    admin = RequestContext()  # admin, member, reader: not service
    reply = send(app, [{"name": "network-changed", "server_uuid": sid}], context=admin)
    assert (reply.code, reply.message) == (
        403,
        "Policy doesn't allow os_compute_api:os-server-external-events:create to be performed.",
    )


@pytest.mark.parametrize(
    ("name", "since"),
    [("volume-extended", "2.51"), ("power-update", "2.76"), ("accelerator-request-bound", "2.82"),
     ("volume-reimaged", "2.93")],
)  # fmt: skip
def test_event_names_arrive_with_their_microversion(app: ComputeApp, name: str, since: str) -> None:
    sid = app.cloud.seed("active")
    major, minor = since.split(".")
    before = f"{major}.{int(minor) - 1}"
    assert send(app, [{"name": name, "server_uuid": sid, "tag": "t"}], version=before).code == 400
    assert send(app, [{"name": name, "server_uuid": sid, "tag": "t"}], version=since).code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"events": []},
        {"events": [{"name": "network-changed"}]},
        {"events": [{"name": "network-changed", "server_uuid": "not-a-uuid"}]},
        {"events": [{"name": "network-changed", "server_uuid": str(uuid.uuid4()), "status": "done"}]},
        {"events": [{"name": "network-changed", "server_uuid": str(uuid.uuid4()), "extra": 1}]},
        {"event": []},
    ],
)
def test_a_body_outside_the_schema_is_400(app: ComputeApp, body: dict[str, object]) -> None:
    reply = call(app, "POST", "/os-server-external-events", body, context=SERVICE)
    assert reply.code == 400


def test_power_update_drives_the_server_and_is_a_no_op_elsewhere(app: ComputeApp) -> None:
    """ComputeManager.power_update: POWER_OFF of an active server stops it; POWER_ON of an active one does nothing."""
    sid = app.cloud.seed("active")
    assert send(app, [{"name": "power-update", "server_uuid": sid, "tag": "POWER_ON"}]).code == 200
    assert app.cloud.server(sid).vm_state.value == "active"
    assert send(app, [{"name": "power-update", "server_uuid": sid, "tag": "POWER_OFF"}]).code == 200
    app.cloud.settle(sid)
    body = call(app, "GET", f"/servers/{sid}").json["server"]
    assert (body["status"], body["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)


def test_power_update_is_notified_as_power_off_and_its_trace_explained() -> None:
    """ComputeManager.power_update sends instance.power_off.start/.end (NotificationAction.POWER_OFF)."""
    from lifecycle import check_trace

    sent: list[dict[str, object]] = []
    app = ComputeApp(Cloud(pace="manual", notifications=sent.append))
    sid = app.cloud.seed("active")
    assert send(app, [{"name": "power-update", "server_uuid": sid, "tag": "POWER_OFF"}]).code == 200
    app.cloud.settle(sid)
    types = [m["event_type"] for m in sent]
    assert "instance.power_off.start" in types
    assert "instance.power_off.end" in types
    report = check_trace(sent, format="nova-notifications")
    assert report.unexplained == []
