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
