"""The fake Compute API over WSGI (no socket): routes, Nova's codes, envelopes and filters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.actions import ACTIONS, API_ONLY, HTTP_VERBS, OTHER_ROUTES, RESET_OPERATIONS, action_operations
from lifecycle.api.context import ENVIRON_KEY, RequestContext
from lifecycle.api.images import CIRROS_ALT_ID, CIRROS_ID
from lifecycle.model.dialects import nova
from lifecycle.simulate.durations import Durations


class Reply:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.code = int(status.split()[0])
        self.headers = {k.lower(): v for k, v in headers}
        self.json: Any = json.loads(body) if body else None


MEMBER = RequestContext(roles=("member", "reader"))
"""A member (not an admin) of the default project, as a token would make it."""


def call(
    app: ComputeApp,
    method: str,
    path: str,
    body: Any = None,
    *,
    version: str | None = "2.100",
    context: RequestContext | None = None,
) -> Reply:
    raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
    headers: dict[str, Any] = {}
    if version is not None:
        headers["HTTP_OPENSTACK_API_VERSION"] = f"compute {version}"
    if context is not None:
        headers[ENVIRON_KEY] = context
    return Reply(*wsgi_request(app, method, path, raw, headers))


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud())


def create(app: ComputeApp, **extra: Any) -> str:
    body = {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none", **extra}}
    reply = call(app, "POST", "/v2.1/servers", body)
    assert reply.code == 202, reply.json
    return str(reply.json["server"]["id"])


def action(
    app: ComputeApp, server_id: str, body: Any, version: str = "2.100", context: RequestContext | None = None
) -> Reply:
    return call(app, "POST", f"/v2.1/servers/{server_id}/action", body, version=version, context=context)


def show(app: ComputeApp, server_id: str) -> dict[str, Any]:
    reply = call(app, "GET", f"/v2.1/servers/{server_id}")
    assert reply.code == 200, reply.json
    return dict(reply.json["server"])


# -- discovery and headers ------------------------------------------------------
def test_version_document_has_self_link(app: ComputeApp) -> None:
    """GET /v2.1 answers the version document keystoneauth needs, with a rel=self link."""
    reply = call(app, "GET", "/v2.1", version=None)
    doc = reply.json["version"]
    assert reply.code == 200
    assert doc["id"] == "v2.1"
    assert doc["min_version"] == "2.1"
    assert doc["version"] == "2.104"  # nova/api/openstack/api_version_request.py: _MAX_API_VERSION
    assert {"rel": "self", "href": "http://127.0.0.1/v2.1/"} in doc["links"]


def test_root_lists_versions_with_200(app: ComputeApp) -> None:
    """GET / answers 200 with v2.0 and v2.1 (Versions.index; api_samples/versions/versions-get-resp.json)."""
    reply = call(app, "GET", "/", version=None)
    assert reply.code == 200
    assert [v["id"] for v in reply.json["versions"]] == ["v2.0", "v2.1"]
    assert reply.json["versions"][0]["status"] == "DEPRECATED"
    legacy = call(app, "GET", "/v2/", version=None)
    assert legacy.code == 200
    assert legacy.json["version"]["id"] == "v2.0"
    assert legacy.json["version"]["links"][0] == reply.json["versions"][0]["links"][0]


def test_microversion_is_echoed_with_request_id(app: ComputeApp) -> None:
    """The asked microversion comes back in OpenStack-API-Version, with a request id."""
    reply = call(app, "GET", "/v2.1/servers", version="2.60")
    assert reply.headers["openstack-api-version"] == "compute 2.60"
    assert reply.headers["x-openstack-nova-api-version"] == "2.60"
    assert reply.headers["x-openstack-request-id"].startswith("req-")


@pytest.mark.parametrize(("version", "code"), [("2.x", 400), ("2.999", 406), ("latest", 200)])
def test_bad_microversions(app: ComputeApp, version: str, code: int) -> None:
    """A malformed microversion is 400, one out of range 406, 'latest' the newest."""
    reply = call(app, "GET", "/v2.1/servers", version=version)
    assert reply.code == code
    if code == 200:
        assert reply.headers["openstack-api-version"] == "compute 2.104"


# -- create -----------------------------------------------------------------------
def test_create_answers_minimal_body_and_builds(app: ComputeApp) -> None:
    """POST /servers is 202 with Nova's minimal body; the server starts BUILD/scheduling."""
    reply = call(
        app,
        "POST",
        "/v2.1/servers",
        {"server": {"name": "a", "imageRef": CIRROS_ID, "flavorRef": "2", "networks": "auto"}},
    )
    assert reply.code == 202
    assert set(reply.json["server"]) == {"id", "links", "adminPass", "OS-DCF:diskConfig", "security_groups"}
    body = show(app, reply.json["server"]["id"])
    assert (body["status"], body["OS-EXT-STS:vm_state"], body["OS-EXT-STS:task_state"]) == (
        "BUILD",
        "building",
        "scheduling",
    )
    assert body["flavor"]["original_name"] == "m1.small"
    assert body["addresses"]["private"][0]["version"] == 4


@pytest.mark.parametrize(
    ("body", "version", "message"),
    [
        (
            {"server": {"name": "a", "imageRef": CIRROS_ID, "flavorRef": "1"}},
            "2.37",
            "'networks' is a required property",
        ),
        ({"server": {"name": "a", "imageRef": CIRROS_ID, "flavorRef": "9"}}, "2.1", "Invalid flavorRef provided."),
        (
            {"server": {"imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}},
            "2.100",
            "'name' is a required property",
        ),
        ({"server": {"name": "a", "flavorRef": "1", "networks": "x"}}, "2.100", "is not one of ['none', 'auto']"),
        (
            {"server": {"name": "a", "flavorRef": "1", "networks": "none", "bogus": 1}},
            "2.100",
            "'bogus' was unexpected",
        ),
        ({"servers": {}}, "2.100", "'server' is a required property"),
        (b"{not json", "2.100", "Malformed request body"),
    ],
)
def test_create_validation(app: ComputeApp, body: Any, version: str, message: str) -> None:
    """Create bodies are validated as Nova does (networks required from 2.37) with a 400 badRequest."""
    reply = call(app, "POST", "/v2.1/servers", body, version=version)
    assert reply.code == 400
    assert message in reply.json["badRequest"]["message"]


def test_networks_optional_before_237(app: ComputeApp) -> None:
    """Before microversion 2.37 a create without networks is accepted."""
    reply = call(
        app, "POST", "/v2.1/servers", {"server": {"name": "a", "imageRef": CIRROS_ID, "flavorRef": "1"}}, version="2.36"
    )
    assert reply.code == 202


# -- errors -------------------------------------------------------------------------
def test_unknown_server_is_item_not_found(app: ComputeApp) -> None:
    """An unknown id is 404 itemNotFound with Nova's message."""
    reply = call(app, "GET", "/v2.1/servers/nope")
    assert reply.code == 404
    assert reply.json == {"itemNotFound": {"code": 404, "message": "Instance nope could not be found."}}


def test_invalid_state_is_nova_409(app: ComputeApp) -> None:
    """A refused action is 409 conflictingRequest worded exactly as Nova, with the API action name."""
    sid = app.cloud.seed("stopped")
    reply = action(app, sid, {"reboot": {"type": "SOFT"}})
    assert reply.code == 409
    assert reply.json == {
        "conflictingRequest": {
            "code": 409,
            "message": f"Cannot 'reboot' instance {sid} while it is in vm_state stopped",
        }
    }
    assert action(app, sid, {"os-stop": None}).json["conflictingRequest"]["message"].startswith("Cannot 'stop'")
    live = action(app, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}})
    assert live.json["conflictingRequest"]["message"].startswith("Cannot 'os-migrateLive'")


def test_task_state_conflict_names_the_task(app: ComputeApp) -> None:
    """A request during a task is refused naming the task_state, as Nova does."""
    sid = app.cloud.seed("active", "image_snapshot")
    reply = action(app, sid, {"createImage": {"name": "again"}})
    assert reply.json["conflictingRequest"]["message"] == (
        f"Cannot 'createImage' instance {sid} while it is in task_state image_snapshot"
    )


def test_locked_server_is_409(app: ComputeApp) -> None:
    """Locking answers 202; a locked server refuses a member with 'Instance <id> is locked'; unlock frees it."""
    sid = app.cloud.seed("active")
    assert action(app, sid, {"lock": {"locked_reason": "maintenance"}}, context=MEMBER).code == 202
    body = show(app, sid)
    assert body["locked"] is True
    assert body["locked_reason"] == "maintenance"
    reply = action(app, sid, {"pause": None}, context=MEMBER)
    assert reply.json == {"conflictingRequest": {"code": 409, "message": f"Instance {sid} is locked"}}
    assert call(app, "DELETE", f"/v2.1/servers/{sid}", context=MEMBER).code == 409
    assert action(app, sid, {"unlock": None}, context=MEMBER).code == 202
    assert action(app, sid, {"pause": None}, context=MEMBER).code == 202


def test_admin_acts_on_a_locked_server(app: ComputeApp) -> None:
    """Nova's check_instance_lock lets an admin through; a member's unlock of an admin's lock is a 403."""
    other = app.cloud.accounts.project("demo").id
    sid = app.cloud.seed("active", project_id=other)
    assert action(app, sid, {"lock": None}).code == 202  # the admin locks a demo server: locked_by admin
    demo_member = RequestContext(project_id=other, user_id="demo", roles=("member", "reader"))
    assert action(app, sid, {"pause": None}, context=demo_member).code == 409
    refused = action(app, sid, {"unlock": None}, context=demo_member)
    assert refused.json == {
        "forbidden": {
            "code": 403,
            "message": "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.",
        }
    }
    assert action(app, sid, {"pause": None}).code == 202
    assert app.cloud.server(sid).task_state == "pausing"


def test_admins_pass_the_lock(app: ComputeApp) -> None:
    """check_instance_lock: ``if instance.locked and not context.is_admin`` (api.py:248)."""
    sid = app.cloud.seed("active", locked=True)
    assert action(app, sid, {"pause": None}, context=MEMBER).code == 409
    assert action(app, sid, {"pause": None}).code == 202  # the unauthenticated caller is the admin


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"frobnicate": None}, "There is no such action: frobnicate"),
        ({}, "Malformed request body"),
        (b"[1,", "Malformed request body"),
        ({"reboot": {"type": "GENTLE"}}, "is not one of"),
        ({"reboot": {}}, "'type' is a required property"),
        ({"resize": {"flavorRef": "1"}}, "When resizing, instances must change flavor!"),
        ({"resize": {"flavorRef": "404"}}, "Unable to locate requested flavor."),
        ({"os-resetState": {"state": "stopped"}}, "is not one of ['active', 'error']"),
    ],
)
def test_bad_actions_are_400(app: ComputeApp, body: Any, message: str) -> None:
    """Unknown actions and malformed action bodies are 400 badRequest."""
    sid = app.cloud.seed("active")
    reply = action(app, sid, body)
    assert reply.code == 400
    assert message in reply.json["badRequest"]["message"]


def test_action_body_with_two_keys_is_400_and_does_nothing(app: ComputeApp) -> None:
    """An action body must have exactly one key, as Nova's action_peek demands: two keys are 400, nothing runs."""
    sid = app.cloud.seed("active")
    reply = action(app, sid, {"pause": None, "os-stop": None})
    assert reply.code == 400
    assert reply.json == {"badRequest": {"code": 400, "message": "Malformed request body"}}
    body = show(app, sid)
    assert (body["status"], body["OS-EXT-STS:task_state"]) == ("ACTIVE", None)


def test_unknown_route_and_method(app: ComputeApp) -> None:
    """An unknown path is 404 and a wrong method on a known one 405."""
    assert call(app, "GET", "/v2.1/nothing").code == 404
    assert call(app, "PATCH", "/v2.1/servers").code == 405


# -- actions ----------------------------------------------------------------------
def test_every_model_operation_has_an_action() -> None:
    """The action table is derived from the dialect: every operation but create/delete is reachable."""
    table = action_operations(nova.DIALECT)
    reachable = {op.name for ops in table.values() for op in ops}
    assert reachable == {op.name for op in nova.DIALECT.operations} - HTTP_VERBS - OTHER_ROUTES - set(
        RESET_OPERATIONS.values()
    )
    assert set(ACTIONS) == set(table) | set(API_ONLY)
    assert {"os-stop", "os-start", "os-migrateLive", "confirmResize", "shelveOffload", "forceDelete"} <= set(ACTIONS)


@pytest.mark.parametrize(
    ("state", "body", "code"),
    [
        ("active", {"reboot": {"type": "HARD"}}, 202),
        ("active", {"os-stop": None}, 202),
        ("stopped", {"os-start": None}, 202),
        ("active", {"pause": None}, 202),
        ("paused", {"unpause": None}, 202),
        ("active", {"suspend": None}, 202),
        ("suspended", {"resume": None}, 202),
        ("active", {"rescue": {}}, 200),
        ("rescued", {"unrescue": None}, 202),
        ("active", {"resize": {"flavorRef": "2"}}, 202),
        ("resized", {"confirmResize": None}, 204),
        ("resized", {"revertResize": None}, 202),
        ("active", {"migrate": None}, 202),
        ("active", {"os-migrateLive": {"host": None, "block_migration": "auto"}}, 202),
        ("error", {"evacuate": {}}, 200),
        ("active", {"shelve": None}, 202),
        ("shelved", {"shelveOffload": None}, 202),
        ("shelved_offloaded", {"unshelve": None}, 202),
        ("active", {"rebuild": {"imageRef": CIRROS_ALT_ID}}, 202),
        ("active", {"createImage": {"name": "snap"}}, 202),
        ("active", {"createBackup": {"name": "b", "backup_type": "daily", "rotation": 1}}, 202),
        ("active", {"changePassword": {"adminPass": "s3cret"}}, 202),
        ("active", {"trigger_crash_dump": None}, 202),
        ("error", {"os-resetState": {"state": "active"}}, 202),
        ("stopped", {"forceDelete": None}, 202),
    ],
)
def test_action_codes(state: str, body: dict[str, Any], code: int) -> None:
    """Each action answers Nova's status code (202 mostly, 204 confirmResize, 200 rescue/evacuate)."""
    app = ComputeApp(Cloud(shelved_offload_time=-1, host_up="evacuate" not in body))
    sid = app.cloud.seed(state)
    reply = action(app, sid, body)
    assert reply.code == code, reply.json
    key = next(iter(body))
    if key == "rescue":
        assert "adminPass" in reply.json
    if key == "rebuild":
        assert reply.json["server"]["image"]["id"] == CIRROS_ALT_ID
    if key == "createImage":
        assert "image_id" in reply.json
    if key == "os-resetState":
        assert show(app, sid)["status"] == "ACTIVE"


def test_create_image_before_245_answers_location(app: ComputeApp) -> None:
    """createImage before 2.45 answers an empty body and a Location header."""
    sid = app.cloud.seed("active")
    reply = action(app, sid, {"createImage": {"name": "snap"}}, version="2.44")
    assert reply.code == 202
    assert reply.json is None
    assert "/images/" in reply.headers["location"]


def test_change_password_is_synchronous(app: ComputeApp) -> None:
    """changePassword finishes before the reply (an RPC call in Nova)."""
    sid = app.cloud.seed("active")
    action(app, sid, {"changePassword": {"adminPass": "x"}})
    assert show(app, sid)["OS-EXT-STS:task_state"] is None


def test_resize_switches_flavor_and_revert_restores(app: ComputeApp) -> None:
    """The flavor changes at VERIFY_RESIZE, stays on confirm and comes back on revert."""
    sid = app.cloud.seed("active", flavor="1")
    action(app, sid, {"resize": {"flavorRef": "3"}})
    app.cloud.settle(sid)
    body = show(app, sid)
    assert (body["status"], body["flavor"]["original_name"]) == ("VERIFY_RESIZE", "m1.medium")
    action(app, sid, {"revertResize": None})
    app.cloud.settle(sid)
    body = show(app, sid)
    assert (body["status"], body["flavor"]["original_name"]) == ("ACTIVE", "m1.tiny")


def test_snapshot_keeps_status_active(app: ComputeApp) -> None:
    """During createImage the status stays ACTIVE while task_state walks the snapshot."""
    sid = app.cloud.seed("active")
    action(app, sid, {"createImage": {"name": "snap"}})
    seen = []
    while True:
        body = show(app, sid)
        seen.append((body["status"], body["OS-EXT-STS:task_state"]))
        if body["OS-EXT-STS:task_state"] is None:
            break
    assert {status for status, _ in seen} == {"ACTIVE"}
    assert ("ACTIVE", "image_snapshot") in seen


# -- time and failures ------------------------------------------------------------------
def test_instant_pace_takes_one_step_per_read(app: ComputeApp) -> None:
    """Each GET shows the next state of a running task: reboot shows REBOOT then ACTIVE."""
    sid = app.cloud.seed("active")
    action(app, sid, {"reboot": {"type": "SOFT"}})
    tasks = [show(app, sid)["OS-EXT-STS:task_state"] for _ in range(4)]
    assert tasks == ["rebooting", "reboot_pending", "reboot_started", None]


def test_instant_pace_refusals_do_not_move_time(app: ComputeApp) -> None:
    """A request refused with 409 is no read: however many come, the task stays where it was until a GET."""
    sid = app.cloud.seed("active")
    action(app, sid, {"reboot": {"type": "SOFT"}})
    for _ in range(10):
        assert action(app, sid, {"reboot": {"type": "SOFT"}}).code == 409
    assert show(app, sid)["OS-EXT-STS:task_state"] == "rebooting"


def test_manual_pace_moves_only_on_advance() -> None:
    """At manual pace reads change nothing; advancing the clock takes the steps."""
    app = ComputeApp(Cloud(pace="manual", durations={"start": 10}))
    sid = app.cloud.seed("stopped")
    action(app, sid, {"os-start": None})
    assert [show(app, sid)["status"] for _ in range(3)] == ["SHUTOFF"] * 3
    app.cloud.advance(10)
    assert show(app, sid)["status"] == "ACTIVE"


def test_wall_pace_finishes_in_real_time() -> None:
    """At wall pace a task finishes by itself once its (scaled) duration has passed."""
    import time

    app = ComputeApp(Cloud(pace="wall", durations=Durations(scale=0.001)))
    sid = create(app)
    deadline = time.monotonic() + 5
    while show(app, sid)["status"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert show(app, sid)["OS-SRV-USG:launched_at"] is not None


def test_wall_pace_timestamps_tell_when_a_change_happened_not_when_it_was_read() -> None:
    """``updated`` and ``launched_at`` are the moment the build ended, however late a client looks."""
    import datetime
    import time

    app = ComputeApp(Cloud(pace="wall", durations=Durations(scale=0.001)))
    sid = create(app)
    time.sleep(0.3)  # the build (a few ms here) ends by itself, unseen
    time.sleep(2.1)  # then nobody looks for two seconds
    read = datetime.datetime.now(datetime.UTC)
    body = show(app, sid)
    assert body["status"] == "ACTIVE"
    updated = datetime.datetime.strptime(body["updated"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    created = datetime.datetime.strptime(body["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    assert updated - created <= datetime.timedelta(seconds=1)
    assert read - updated >= datetime.timedelta(seconds=1)
    assert body["OS-SRV-USG:launched_at"].startswith(body["updated"][:19].replace("Z", ""))


def test_injected_resize_failure_shows_error_with_fault(app: ComputeApp) -> None:
    """fail_next makes the next resize fail at the given step: ERROR, with a fault, old flavor kept."""
    sid = app.cloud.seed("active")
    app.cloud.fail_next(sid, "resize", at_step="resize_migrating")
    action(app, sid, {"resize": {"flavorRef": "2"}})
    app.cloud.settle(sid)
    body = show(app, sid)
    assert (body["status"], body["OS-EXT-STS:vm_state"], body["OS-EXT-STS:task_state"]) == ("ERROR", "error", None)
    assert body["fault"]["code"] == 500
    assert body["flavor"]["original_name"] == "m1.tiny"
    assert action(app, sid, {"reboot": {"type": "HARD"}}).code == 202


def test_reset_state_to_error_creates_no_fault(app: ComputeApp) -> None:
    """os-resetState to error records no instance fault, as in Nova; a seeded ERROR server has none either."""
    sid = app.cloud.seed("active")
    assert action(app, sid, {"os-resetState": {"state": "error"}}).code == 202
    body = show(app, sid)
    assert body["status"] == "ERROR"
    assert "fault" not in body
    assert "fault" not in show(app, app.cloud.seed("error"))


@pytest.mark.parametrize(
    ("state", "operation", "body", "action_name"),
    [
        ("active", "hard_reboot", {"reboot": {"type": "HARD"}}, "reboot"),
        ("resized", "revert_resize", {"revertResize": None}, "revertResize"),
    ],
)
def test_fault_names_the_api_action(app: ComputeApp, state: str, operation: str, body: Any, action_name: str) -> None:
    """A failed task's fault names the action as the API knows it, never the model's operation name."""
    sid = app.cloud.seed(state)
    app.cloud.fail_next(sid, operation)
    assert action(app, sid, body).code == 202
    app.cloud.settle(sid)
    shown = show(app, sid)
    assert shown["status"] == "ERROR"
    assert shown["fault"]["message"] == f"Failed to {action_name} instance {sid}"


# -- delete ---------------------------------------------------------------------------
def test_delete_then_404(app: ComputeApp) -> None:
    """DELETE is 204; once the server reaches DELETED the API answers 404."""
    sid = app.cloud.seed("active")
    assert call(app, "DELETE", f"/v2.1/servers/{sid}").code == 204
    assert show(app, sid)["OS-EXT-STS:task_state"] == "deleting"
    assert call(app, "GET", f"/v2.1/servers/{sid}").code == 404
    assert len(app.cloud) == 0


def test_soft_delete_and_restore() -> None:
    """With reclaim_instance_interval > 0 DELETE soft-deletes; restore brings the server back."""
    app = ComputeApp(Cloud(reclaim_instance_interval=3600))
    sid = app.cloud.seed("active")
    call(app, "DELETE", f"/v2.1/servers/{sid}")
    app.cloud.settle(sid)
    assert show(app, sid)["status"] == "SOFT_DELETED"
    assert action(app, sid, {"restore": None}).code == 202
    app.cloud.settle(sid)
    assert show(app, sid)["status"] == "ACTIVE"


# -- listing ----------------------------------------------------------------------------
def test_status_active_matches_every_active_vm_state(app: ComputeApp) -> None:
    """?status=ACTIVE matches a rebooting server too (Nova filters on vm_state only); REBOOT only it."""
    cloud = app.cloud
    idle, rebooting, stopped = cloud.seed("active"), cloud.seed("active", "reboot_started"), cloud.seed("stopped")
    cloud.pace = "manual"

    def ids(query: str) -> set[str]:
        reply = call(app, "GET", f"/v2.1/servers/detail?{query}")
        assert reply.code == 200, reply.json
        return {s["id"] for s in reply.json["servers"]}

    assert ids("status=ACTIVE") == {idle, rebooting}
    assert ids("status=REBOOT") == {rebooting}
    # Nova's quirk: SHUTOFF is a vm_state default, so the task filter is dropped for both statuses.
    assert ids("status=SHUTOFF&status=REBOOT") == {stopped, rebooting, idle}
    assert ids("vm_state=stopped") == {stopped}
    assert ids("task_state=reboot_started") == {rebooting}
    assert call(app, "GET", "/v2.1/servers?status=BOGUS").code == 400


def test_name_filter_is_a_regex_and_list_is_summary(app: ComputeApp) -> None:
    """?name= is a regular expression; GET /servers lists id, name and links only."""
    for name in ("web-1", "web-2", "db-1"):
        app.cloud.seed("active", name=name)
    reply = call(app, "GET", "/v2.1/servers?name=^web")
    assert sorted(s["name"] for s in reply.json["servers"]) == ["web-1", "web-2"]
    assert set(reply.json["servers"][0]) == {"id", "name", "links"}


def test_pagination_with_limit_and_marker(app: ComputeApp) -> None:
    """limit/marker page through servers newest first, with a next link."""
    ids = [app.cloud.seed("active") for _ in range(5)][::-1]
    first = call(app, "GET", "/v2.1/servers?limit=2")
    assert [s["id"] for s in first.json["servers"]] == ids[:2]
    assert f"marker={ids[1]}" in first.json["servers_links"][0]["href"]
    second = call(app, "GET", f"/v2.1/servers?limit=2&marker={ids[1]}")
    assert [s["id"] for s in second.json["servers"]] == ids[2:4]
    assert call(app, "GET", "/v2.1/servers?marker=nope").code == 400


def test_update_renames(app: ComputeApp) -> None:
    """PUT /servers/{id} renames the server and answers the full body."""
    sid = app.cloud.seed("active", name="old")
    reply = call(app, "PUT", f"/v2.1/servers/{sid}", {"server": {"name": "new"}})
    assert reply.code == 200
    assert reply.json["server"]["name"] == "new"
    assert call(app, "PUT", f"/v2.1/servers/{sid}", {"server": {"flavor": "2"}}).code == 400


# -- views ------------------------------------------------------------------------------
def test_server_body_fields(app: ComputeApp) -> None:
    """A server body carries the fields the CLI prints, in Nova's formats."""
    sid = app.cloud.seed("active", metadata={"k": "v"})
    body = show(app, sid)
    for field in [
        "id",
        "name",
        "status",
        "tenant_id",
        "user_id",
        "metadata",
        "hostId",
        "image",
        "flavor",
        "created",
        "updated",
        "addresses",
        "links",
        "OS-EXT-STS:vm_state",
        "OS-EXT-STS:task_state",
        "OS-EXT-STS:power_state",
        "OS-SRV-USG:launched_at",
        "OS-SRV-USG:terminated_at",
        "OS-EXT-AZ:availability_zone",
        "key_name",
        "locked",
        "description",
        "tags",
        "os-extended-volumes:volumes_attached",
    ]:
        assert field in body, field
    assert body["OS-EXT-STS:power_state"] == 1
    assert body["metadata"] == {"k": "v"}
    assert body["created"].endswith("Z")
    assert "." in body["OS-SRV-USG:launched_at"]


def test_old_microversion_shapes(app: ComputeApp) -> None:
    """At 2.1 the flavor is a link and later fields (locked, tags) are absent."""
    sid = app.cloud.seed("active")
    body = call(app, "GET", f"/v2.1/servers/{sid}", version=None).json["server"]
    assert body["flavor"]["id"] == "1"
    assert "locked" not in body
    assert "tags" not in body


def test_flavors(app: ComputeApp) -> None:
    """GET /flavors, /flavors/detail and /flavors/{id} show DevStack's flavors; unknown is 404."""
    names = [f["name"] for f in call(app, "GET", "/v2.1/flavors").json["flavors"]]
    assert "m1.tiny" in names
    assert "m1.small" in names
    detail = call(app, "GET", "/v2.1/flavors/detail").json["flavors"]
    assert all({"ram", "vcpus", "disk", "extra_specs"} <= set(f) for f in detail)
    assert call(app, "GET", "/v2.1/flavors/2").json["flavor"]["ram"] == 2048
    assert call(app, "GET", "/v2.1/flavors/m1.tiny").code == 404


def test_gateway_serves_compute_under_its_prefix_and_at_the_root() -> None:
    from lifecycle.api.gateway import Gateway

    gateway = Gateway(ComputeApp(Cloud()))
    replies = {}
    for path in ("/v2.1", "/compute/v2.1"):
        seen: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], seen: dict[str, Any] = seen) -> None:
            seen["status"] = status

        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "h", "SERVER_PORT": "1"}
        environ["wsgi.input"] = None
        body = json.loads(b"".join(gateway(environ, start)))
        replies[path] = (seen["status"], body["version"]["links"][0]["href"])
    assert replies["/v2.1"] == ("200 OK", "http://h:1/v2.1/")
    assert replies["/compute/v2.1"] == ("200 OK", "http://h:1/compute/v2.1/")


def test_unauthenticated_context_is_the_default_projects_admin() -> None:
    from lifecycle.api.context import ENVIRON_KEY, RequestContext, context_of

    assert context_of({}).is_admin
    member = RequestContext(project_id="p2", user_id="u", roles=("member",))
    assert context_of({ENVIRON_KEY: member}) is member
    assert not member.is_admin


def test_failure_kinds_leave_novas_fault(app: ComputeApp) -> None:
    """A build that finds no host ends ERROR with NoValidHost's fault (conductor/manager.py, exception.py:1360)."""
    app.cloud.fleet.inject_failure("create", fault="NoValidHost")
    sid = create(app)
    app.cloud.settle(sid)
    body = show(app, sid)
    assert body["status"] == "ERROR"
    assert body["fault"]["code"] == 500
    assert body["fault"]["message"] == "No valid host was found. There are not enough hosts available."
    # views/servers.py:_get_fault: details to admins, or when the code is not 500
    assert body["fault"]["details"].startswith("NoValidHost")
    member = call(app, "GET", f"/v2.1/servers/{sid}", context=MEMBER).json["server"]
    assert set(member["fault"]) == {"code", "created", "message"}


def test_no_valid_host_on_resize_keeps_the_server(app: ComputeApp) -> None:
    """_cold_migrate: NoValidHost keeps vm_state and clears the task; no fault is shown outside ERROR."""
    sid = app.cloud.seed("active")
    app.cloud.fail_next(sid, "resize", fault="no_valid_host")
    assert action(app, sid, {"resize": {"flavorRef": "2"}}).code == 202
    app.cloud.settle(sid)
    body = show(app, sid)
    assert (body["status"], body["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert "fault" not in body


def test_microversion_and_host_rules_over_http() -> None:
    """trigger_crash_dump is 404 before 2.17; evacuate is 400 while the host is up and ends SHUTOFF from 2.95."""
    up = ComputeApp(Cloud())
    sid = up.cloud.seed("active")
    assert action(up, sid, {"trigger_crash_dump": None}, version="2.16").code == 404
    assert action(up, sid, {"trigger_crash_dump": None}, version="2.17").code == 202
    reply = action(up, sid, {"evacuate": {}})
    host = show(up, sid)["OS-EXT-SRV-ATTR:host"]
    assert (reply.code, reply.json["badRequest"]["message"]) == (400, f"Compute service of {host} is still in use.")
    down = ComputeApp(Cloud())  # the source down, another host up to take the server
    for version, status in (("2.94", "ACTIVE"), ("2.95", "SHUTOFF")):
        sid = down.cloud.seed("active")
        source = show(down, sid)["OS-EXT-SRV-ATTR:host"]
        down.cloud.set_host_up(source, False)
        assert action(down, sid, {"evacuate": {}}, version=version).code == 200
        down.cloud.settle(sid)
        assert show(down, sid)["status"] == status
        down.cloud.set_host_up(source, True)
