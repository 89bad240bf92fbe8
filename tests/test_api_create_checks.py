"""What the fake Compute API refuses as Nova refuses it: create and rebuild checks, list queries, metadata rules.

Expected statuses and messages come from Nova's code at the pinned commit (file
and function named beside each test), never from the fake's own tables.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.context import ENVIRON_KEY, RequestContext
from lifecycle.api.images import CIRROS_ID

MEMBER = RequestContext(project_id="p2", user_id="bob", roles=("member", "reader"))


class Reply:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.code = int(status.split()[0])
        self.json: Any = json.loads(body) if body else None

    @property
    def message(self) -> str:
        (envelope,) = self.json.values()
        assert envelope["code"] == self.code
        return str(envelope["message"])


def call(
    app: ComputeApp,
    method: str,
    path: str,
    body: Any = None,
    *,
    version: str = "2.100",
    context: RequestContext | None = None,
) -> Reply:
    raw = b"" if body is None else json.dumps(body).encode()
    headers: dict[str, Any] = {"HTTP_OPENSTACK_API_VERSION": f"compute {version}"}
    if context is not None:
        headers[ENVIRON_KEY] = context
    return Reply(*wsgi_request(app, method, f"/v2.1{path}", raw, headers))


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


# -- metadata: the model's update_metadata / delete_metadata rules ---------------------
@pytest.mark.parametrize(
    ("vm_state", "task_state", "method", "path", "body", "expected"),
    [
        # compute/api.py:update_instance_metadata: check_instance_state(vm_state=[ACTIVE, PAUSED,
        # SUSPENDED, STOPPED], task_state=None): None turns the task check off
        ("active", "rebooting", "POST", "metadata", {"metadata": {"a": "b"}}, 200),
        ("stopped", "powering-on", "PUT", "metadata/x", {"meta": {"x": "2"}}, 200),
        ("paused", None, "PUT", "metadata", {"metadata": {"a": "b"}}, 200),
        ("suspended", "resuming", "DELETE", "metadata/x", None, 204),
        (
            "error",
            None,
            "POST",
            "metadata",
            {"metadata": {"a": "b"}},
            "update metadata' instance {id} while it is in vm_state error",
        ),
        (
            "shelved",
            None,
            "PUT",
            "metadata/x",
            {"meta": {"x": "2"}},
            "update metadata' instance {id} while it is in vm_state shelved",
        ),
        (
            "resized",
            None,
            "DELETE",
            "metadata/x",
            None,
            "delete metadata' instance {id} while it is in vm_state resized",
        ),
        (
            "rescued",
            None,
            "DELETE",
            "metadata/x",
            None,
            "delete metadata' instance {id} while it is in vm_state rescued",
        ),
    ],
)
def test_metadata_changes_follow_nova_state_rule(
    app: ComputeApp, vm_state: str, task_state: str | None, method: str, path: str, body: Any, expected: Any
) -> None:
    sid = app.cloud.seed(vm_state, task_state, metadata={"x": "1"})
    reply = call(app, method, f"/servers/{sid}/{path}", body)
    if isinstance(expected, int):
        assert reply.code == expected
    else:  # common.raise_http_conflict_for_instance_invalid_state with server_metadata.py's action words
        assert (reply.code, reply.message) == (409, "Cannot '" + expected.format(id=sid))
        assert app.cloud.record(sid).metadata == {"x": "1"}


def test_metadata_change_during_a_task_leaves_the_task_running(app: ComputeApp) -> None:
    """The metadata rule sets no task: a reboot under way goes on and ends ACTIVE."""
    sid = app.cloud.seed("active", "rebooting")
    assert call(app, "PUT", f"/servers/{sid}/metadata/k", {"meta": {"k": "v"}}).code == 200
    assert app.cloud.record(sid).server.task_state is not None
    app.cloud.settle()
    body = call(app, "GET", f"/servers/{sid}").json["server"]
    assert (body["status"], body["metadata"]) == ("ACTIVE", {"k": "v"})


def test_metadata_lock_is_checked_before_state_and_admin_passes(app: ComputeApp) -> None:
    """check_instance_lock runs before check_instance_state (decorator order); admins pass it."""
    sid = app.cloud.seed("error", locked=True, project_id="p2", metadata={"x": "1"})
    member = call(app, "DELETE", f"/servers/{sid}/metadata/x", context=MEMBER)
    assert (member.code, member.message) == (409, f"Instance {sid} is locked")
    admin = call(app, "DELETE", f"/servers/{sid}/metadata/x")
    assert (admin.code, admin.message) == (
        409,
        f"Cannot 'delete metadata' instance {sid} while it is in vm_state error",
    )


# -- rebuild key_name (2.54) ---------------------------------------------------------------
def _keypair(app: ComputeApp, name: str, context: RequestContext | None = None) -> None:
    reply = call(app, "POST", "/os-keypairs", {"keypair": {"name": name}}, version="2.1", context=context)
    assert reply.code == 200, reply.json


def _rebuild(app: ComputeApp, sid: str, version: str = "2.54", **fields: Any) -> Reply:
    body = {"rebuild": {"imageRef": CIRROS_ID, **fields}}
    return call(app, "POST", f"/servers/{sid}/action", body, version=version)


def test_rebuild_with_an_unknown_key_name_is_400_and_changes_nothing(app: ComputeApp) -> None:
    """servers.py:_action_rebuild: KeypairNotFound (api.py:API.rebuild, KeyPair.get_by_name) -> 400."""
    _keypair(app, "mine")
    sid = app.cloud.seed("active", key_name="mine")
    reply = _rebuild(app, sid, key_name="nope")
    assert (reply.code, reply.message) == (400, "Invalid key_name provided.")
    server = app.cloud.record(sid)
    assert (server.server.task_state, server.key_name) == (None, "mine")


def test_rebuild_key_name_is_the_callers_own(app: ComputeApp) -> None:
    """api.py:API.rebuild looks the key up under context.user_id, not the server's user: another user's is 400."""
    _keypair(app, "bobs", context=MEMBER)
    sid = app.cloud.seed("active")
    assert _rebuild(app, sid, key_name="bobs").message == "Invalid key_name provided."
    _keypair(app, "admins")
    reply = _rebuild(app, sid, key_name="admins")
    assert (reply.code, reply.json["server"]["key_name"]) == (202, "admins")


def test_rebuild_key_name_null_unsets_it(app: ComputeApp) -> None:
    """api.py:API.rebuild: a falsy key_name sets instance.key_name None; the reply shows key_name from 2.54."""
    _keypair(app, "mine")
    sid = app.cloud.seed("active", key_name="mine")
    reply = _rebuild(app, sid, key_name=None)
    assert (reply.code, reply.json["server"]["key_name"]) == (202, None)
    app.cloud.settle()
    assert call(app, "GET", f"/servers/{sid}").json["server"]["key_name"] is None


def test_rebuild_state_is_checked_before_the_key(app: ComputeApp) -> None:
    """check_instance_lock/check_instance_state wrap API.rebuild, so a bad state is 409 even with a bad key."""
    sid = app.cloud.seed("paused")
    reply = _rebuild(app, sid, key_name="nope")
    assert (reply.code, reply.message) == (409, f"Cannot 'rebuild' instance {sid} while it is in vm_state paused")


def test_rebuild_key_name_before_2_54_is_an_unknown_field(app: ComputeApp) -> None:
    """schemas/servers.py: key_name enters rebuild in rebuild_v254; before, additionalProperties is False."""
    sid = app.cloud.seed("active")
    reply = _rebuild(app, sid, version="2.53", key_name="nope")
    assert reply.code == 400
    assert "'key_name' was unexpected" in reply.message


# -- GET /servers[/detail] query parameters (schemas/servers.py index_query*) ------------------------
@pytest.mark.parametrize("path", ["/servers", "/servers/detail"])
def test_unknown_list_parameters_are_400_from_2_75(app: ComputeApp, path: str) -> None:
    """index_query_v275['additionalProperties'] = False; before, index_query allows any parameter."""
    app.cloud.seed("active", name="one")
    old = call(app, "GET", f"{path}?bogus=1", version="2.74")
    assert (old.code, len(old.json["servers"])) == (200, 1)
    new = call(app, "GET", f"{path}?bogus=1", version="2.75")
    assert (new.code, new.message) == (400, "Additional properties are not allowed ('bogus' was unexpected)")
    member = call(app, "GET", f"{path}?bogus=1", version="2.100", context=MEMBER)
    assert member.code == 400  # the schema runs before any policy decides what a member may filter on


@pytest.mark.parametrize(
    ("query", "version"),
    [
        ("name=one&status=ACTIVE&limit=5&sort_key=display_name&sort_dir=asc", "2.75"),
        ("tags=a", "2.75"),  # index_query_v226
        ("changes-before=2030-01-01T00:00:00Z", "2.75"),  # index_query_v266
        ("locked=false", "2.75"),  # index_query_v273
        ("access_ip_v4=1&launch_index=0&progress=0&hostname=x&node=n", "2.100"),
        ("_private=1", "2.100"),  # patternProperties ^_ passes the schema; a member's is dropped
        ("metadata=x", "2.100"),  # JOINED_TABLE_QUERY_PARAMS_SERVERS: in the schema, dropped for members
    ],
)
def test_known_list_parameters_pass_from_2_75(app: ComputeApp, query: str, version: str) -> None:
    assert call(app, "GET", f"/servers?{query}", version=version, context=MEMBER).code == 200


@pytest.mark.parametrize("version", ["2.1", "2.100"])
@pytest.mark.parametrize("key", ["metadata", "security_groups", "_private"])
def test_joined_table_and_underscore_filters_are_400_for_admins(app: ComputeApp, version: str, key: str) -> None:
    """servers.py:_get_servers: 'Invalid filter field: X.' once remove_invalid_options kept them (allow_all_filters)."""
    reply = call(app, "GET", f"/servers/detail?{key}=x", version=version)
    assert (reply.code, reply.message) == (400, f"Invalid filter field: {key}.")


def test_a_parameter_of_a_later_microversion_is_unknown_from_2_75(app: ComputeApp) -> None:
    """locked enters index_query_v273 and is in v275; changes-before enters v266: both known at 2.75."""
    reply = call(app, "GET", "/servers?locked=true&not-a-filter=1", version="2.90")
    assert reply.message == "Additional properties are not allowed ('not-a-filter' was unexpected)"
