"""``os-instance-actions``: every request a server accepted, with its events (``compute/instance_actions.py``).

Nova records an action when ``compute/api.py`` calls ``_record_action_start``
(create, delete, and each server action below) and the compute manager adds
an event per method it wraps with ``wrap_instance_event`` (named ``compute_`` +
the method). Here the dispatcher calls :func:`record_action` once for every
accepted request, so no handler records its own. An event is in progress while
the server still runs the task the action started; it ends ``Success``, or
``Error`` when the task left the server in ERROR.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lifecycle.api.cloud import now
from lifecycle.api.errors import ApiError, not_found
from lifecycle.api.routing import Route, limit_marker, next_links, no_query, project_of, server_of
from lifecycle.api.store import InstanceAction, state_of
from lifecycle.api.views import usage_stamp
from lifecycle.model.states import VmState

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Record

__all__ = ["ACTION_NAMES", "EVENTS", "ROUTES", "record_action", "settle_running", "settled_actions"]

ACTION_NAMES: Mapping[str, str] = {
    "os-stop": "stop",
    "os-start": "start",
    "reboot": "reboot",
    "rebuild": "rebuild",
    "revertResize": "revertResize",
    "confirmResize": "confirmResize",
    "resize": "resize",
    "migrate": "migrate",
    "pause": "pause",
    "unpause": "unpause",
    "suspend": "suspend",
    "resume": "resume",
    "rescue": "rescue",
    "unrescue": "unrescue",
    "changePassword": "changePassword",
    "shelve": "shelve",
    "shelveOffload": "shelveOffload",
    "unshelve": "unshelve",
    "os-migrateLive": "live-migration",
    "evacuate": "evacuate",
    "createImage": "createImage",
    "createBackup": "createBackup",
    "lock": "lock",
    "unlock": "unlock",
    "os-resetState": "resetState",
    "restore": "restore",
    "forceDelete": "delete",
    "trigger_crash_dump": "trigger_crash_dump",
}
"""Action body key -> the ``nova/compute/instance_actions.py`` name ``compute/api.py`` records for it."""

EVENTS: Mapping[str, tuple[str, ...]] = {
    "create": ("conductor_schedule_and_build_instances", "compute__do_build_and_run_instance"),
    "delete": ("compute_terminate_instance",),
    "restore": ("compute_restore_instance",),
    "stop": ("compute_stop_instance",),
    "start": ("compute_start_instance",),
    "reboot": ("compute_reboot_instance",),
    "rebuild": ("compute_rebuild_instance",),
    "resize": (
        "cold_migrate",
        "conductor_migrate_server",
        "compute_prep_resize",
        "compute_resize_instance",
        "compute_finish_resize",
    ),
    "migrate": (
        "cold_migrate",
        "conductor_migrate_server",
        "compute_prep_resize",
        "compute_resize_instance",
        "compute_finish_resize",
    ),
    "confirmResize": ("compute_confirm_resize",),
    "revertResize": ("compute_revert_resize", "compute_finish_revert_resize"),
    "pause": ("compute_pause_instance",),
    "unpause": ("compute_unpause_instance",),
    "suspend": ("compute_suspend_instance",),
    "resume": ("compute_resume_instance",),
    "rescue": ("compute_rescue_instance",),
    "unrescue": ("compute_unrescue_instance",),
    "changePassword": ("compute_set_admin_password",),
    "shelve": ("compute_shelve_instance",),
    "shelveOffload": ("compute_shelve_offload_instance",),
    "unshelve": ("schedule_instances", "compute_unshelve_instance"),
    "live-migration": (
        "conductor_live_migrate_instance",
        "compute_check_can_live_migrate_destination",
        "compute_live_migration",
    ),
    "evacuate": ("conductor_rebuild_server", "compute_rebuild_instance"),
    "createImage": ("compute_snapshot_instance",),
    "createBackup": ("compute_backup_instance",),
    "trigger_crash_dump": ("compute_trigger_crash_dump",),
    "attach_interface": ("compute_attach_interface",),
    "detach_interface": ("compute_detach_interface",),
}
"""Action -> the events its compute methods record (``@wrap_instance_event`` in ``nova/compute/manager.py``,
``conductor/manager.py``); lock, unlock and resetState happen in the API and record none."""

_SERVER_PATH = re.compile(r"^/v2\.1/servers/([^/]+)(/action)?/?$")
_INTERFACE_PATH = re.compile(r"^/v2\.1/servers/([^/]+)/os-interface(/[^/]+)?/?$")
"""``os-interface``: ``attach_interface`` (POST) and ``detach_interface`` (DELETE of one port), as
``compute/api.py`` records them (``instance_actions.ATTACH_INTERFACE``/``DETACH_INTERFACE``)."""


def settle_running(app: ComputeApp, request: Request) -> None:
    """Before a request on a server runs: finish the events of its last task while the server still shows how it ended.

    The request may start another task, which clears the fault a failed one left.
    """
    match = _SERVER_PATH.match(request.path)
    if match is None or request.method not in ("POST", "DELETE"):
        return
    state = state_of(app.cloud)
    with state.lock:
        latest = _running(state.actions.get(match.group(1), []))
        if latest is not None:
            _settle(latest)


def record_action(app: ComputeApp, request: Request, reply: Reply) -> None:
    """Record the action an accepted request started (the dispatcher calls this after every handler)."""
    status = reply[0]
    if not 200 <= status < 300:
        return
    path = request.path
    if request.method == "POST" and re.match(r"^/v2\.1/servers/?$", path):
        for server_id in request.created:
            _start(app, request, server_id, "create")
        return
    interface = _INTERFACE_PATH.match(path)
    if interface is not None:
        if request.method == "POST" and interface.group(2) is None:
            _start(app, request, interface.group(1), "attach_interface")
        elif request.method == "DELETE" and interface.group(2) is not None:
            _start(app, request, interface.group(1), "detach_interface")
        return
    match = _SERVER_PATH.match(path)
    if match is None:
        return
    server_id, is_action = match.group(1), match.group(2)
    if request.method == "DELETE" and not is_action:
        _start(app, request, server_id, "delete")
    elif request.method == "POST" and is_action:
        payload = request.json()
        key = next(iter(payload)) if isinstance(payload, dict) and payload else None
        name = ACTION_NAMES.get(str(key))
        if name is not None:
            _start(app, request, server_id, name)


def _start(app: ComputeApp, request: Request, server_id: str, name: str) -> None:
    from lifecycle.api.migrations import record_migration

    try:
        record = app.cloud.record(server_id)
    except ApiError:
        # Nova records the action before the work starts; here the request ran first, and a
        # delete may be over already (its steps can take no time): the deleted record still counts.
        found = app.cloud.deleted.get(server_id)
        if found is None:
            return
        record = found
    context = request.context
    action = InstanceAction(
        action=name,
        record=record,
        operation=record.operation,
        request_id=request.request_id,
        project_id=project_of(record) if context.is_admin else context.project_id,
        user_id=context.user_id,
        event=name,
        host=str(getattr(record, "host", None) or "compute"),
    )
    state = state_of(app.cloud)
    with state.lock:
        earlier = state.actions.setdefault(server_id, [])
        previous = _running(earlier)
        if previous is not None and name in EVENTS:
            _settle(previous, superseded=True)  # judged before the request ran (settle_running); else it was cut short
        earlier.append(action)
    record_migration(app, request, record, name)


def _settle(action: InstanceAction, *, superseded: bool = False) -> None:
    """Finish the events of the server's task-running action once its task is over.

    Only actions with events run a task (lock, unlock, resetState do not, so
    they leave the running one alone). The task failed when it left the server
    in ERROR, or the server still carries the fault it wrote (``os-resetState``
    keeps it, as Nova keeps its fault rows; an accepted operation clears it).
    Every failure leaves a fault, so one that leaves no ERROR (NoValidHost on
    a resize, a reboot whose guest still runs) is an ``Error`` too.
    ``superseded``: another task started, so this one is over.
    """
    if action.result is not None or action.action not in EVENTS:
        return
    record = action.record
    if record.server.busy and not record.gone and not superseded:
        return
    failed = record.fault is not None or record.server.vm_state is VmState.ERROR
    action.result = "Error" if failed and not superseded else "Success"
    # the task ended when the server last changed (at wall pace, before anyone looked)
    action.finish_time = now() if superseded else max(record.updated, action.start_time)


def _running(actions: list[InstanceAction]) -> InstanceAction | None:
    """The newest action with events: the one whose task the server runs or ran last."""
    return next((a for a in reversed(actions) if a.action in EVENTS), None)


def settled_actions(app: ComputeApp, server_id: str) -> list[InstanceAction]:
    """The actions of a server, oldest first, their events finished where the task is over."""
    state = state_of(app.cloud)
    with state.lock:
        found = list(state.actions.get(server_id, []))
        latest = _running(found)
        if latest is not None:
            _settle(latest)
    return found


def _actions_of(app: ComputeApp, request: Request, server_id: str) -> tuple[Record | None, list[InstanceAction]]:
    """The server's actions; from 2.21 a deleted server's too (``read_deleted='yes'``)."""
    state = state_of(app.cloud)
    try:
        record: Record | None = server_of(app, request, server_id)
    except ApiError:
        if request.version < (2, 21) or server_id not in state.actions:
            raise
        record = None
        context = request.context
        found = state.actions[server_id]
        if not context.is_admin and found and project_of(found[0].record) != context.project_id:
            raise
    return record, settled_actions(app, server_id)


def _brief(action: InstanceAction, request: Request) -> dict[str, Any]:
    body: dict[str, Any] = {
        "action": action.action,
        "instance_uuid": action.record.id,
        "message": "Error" if action.result == "Error" else None,
        "project_id": action.project_id,
        "request_id": action.request_id,
        "start_time": usage_stamp(action.start_time),
        "user_id": action.user_id,
    }
    if request.version >= (2, 58):
        body["updated_at"] = usage_stamp(action.finish_time or action.start_time)
    return body


def _index(app: ComputeApp, request: Request, server_id: str) -> Reply:
    if request.version >= (2, 58):
        allowed = ("limit", "marker", "changes-since", *(("changes-before",) if request.version >= (2, 66) else ()))
        no_query(request, (2, 58), allowed)
    _, found = _actions_of(app, request, server_id)
    newest = list(reversed(found))
    if request.version >= (2, 58):
        newest = _since_before(request, newest)
        start, stop = limit_marker(request, [a.request_id for a in newest])
        newest = newest[start:stop]
    body: dict[str, Any] = {"instanceActions": [_brief(a, request) for a in newest]}
    if request.version >= (2, 58):
        links = next_links(request, [a.request_id for a in newest], f"servers/{server_id}/os-instance-actions")
        if links:
            body["links"] = links
    return 200, body, {}


def _since_before(request: Request, actions: list[InstanceAction]) -> list[InstanceAction]:
    from lifecycle.api.filters import changes_window

    since, before = changes_window(request.first("changes-since"), request.first("changes-before"))

    def updated(a: InstanceAction) -> Any:
        return a.finish_time or a.start_time

    return [a for a in actions if (since is None or updated(a) >= since) and (before is None or updated(a) <= before)]


def _show(app: ComputeApp, request: Request, server_id: str, request_id: str) -> Reply:
    no_query(request)
    _, found = _actions_of(app, request, server_id)
    action = next((a for a in found if a.request_id == request_id), None)
    if action is None:
        raise not_found(f"Action {request_id} not found")
    body = _brief(action, request)
    context = request.context
    # Nova's policy os_compute_api:os-instance-actions:events is admin-only; members see events from 2.51.
    if context.is_admin or request.version >= (2, 51):
        body["events"] = [
            _event(action, name, request, admin=context.is_admin) for name in EVENTS.get(action.action, ())
        ]
    return 200, {"instanceAction": body}, {}


def _event(action: InstanceAction, name: str, request: Request, *, admin: bool) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event": name,
        "start_time": usage_stamp(action.start_time),
        "finish_time": usage_stamp(action.finish_time),
        "result": action.result,
    }
    if admin:
        event["traceback"] = None
        if request.version >= (2, 62):
            event["host"] = action.host
    if request.version >= (2, 62):
        event["hostId"] = hashlib.sha224((action.project_id + action.host).encode()).hexdigest()
    if admin and request.version >= (2, 84):
        event["details"] = None
    return event


ROUTES: tuple[Route, ...] = (
    (r"servers/([^/]+)/os-instance-actions", {"GET": _index}),
    (r"servers/([^/]+)/os-instance-actions/([^/]+)", {"GET": _show}),
)
