"""``os-server-groups`` and the ``group`` scheduler hint (``nova/api/openstack/compute/server_groups.py``).

Before 2.64 a group is created with ``policies`` (one of ``affinity``,
``anti-affinity``, and from 2.15 the ``soft-`` ones) and shows ``policies`` and
``metadata``; from 2.64 with ``policy`` and ``rules`` (``max_server_per_host``,
anti-affinity only). ``project_id``/``user_id`` show from 2.13. A server
created with ``os:scheduler_hints: {"group": ID}`` becomes a member (an unknown
group is 400, a full one 403), and stops being one when it is deleted.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import ApiError, bad_request, not_found
from lifecycle.api.routing import Route, forbidden, no_query, unexpected, wrapped
from lifecycle.api.schema import ascii_digits, invalid, name
from lifecycle.api.store import ServerGroup, state_of

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Cloud, Record

__all__ = ["ROUTES", "add_member", "group_ids", "requested_group"]

HARD_POLICIES = ("anti-affinity", "affinity")
SOFT_POLICIES = ("soft-anti-affinity", "soft-affinity")


def _policies_known(request: Request) -> list[str]:
    return [*HARD_POLICIES, *(SOFT_POLICIES if request.version >= (2, 15) else ())]


def _parse(request: Request) -> tuple[str, str, dict[str, Any]]:
    """``(name, policy, rules)`` from a create body, checked as ``schemas/server_groups.py``."""
    spec = wrapped(request.json(), "server_group")
    if not isinstance(spec, dict):
        raise invalid(("server_group",), spec, f"{spec!r} is not of type 'object'")
    modern = request.version >= (2, 64)
    fields = ("name", "policy", "rules") if modern else ("name", "policies")
    for key in ("name", "policy" if modern else "policies"):
        if key not in spec:
            raise invalid(("server_group",), spec, f"'{key}' is a required property")
    extra = sorted(k for k in spec if k not in fields)
    if extra:
        raise invalid(("server_group",), spec, unexpected(extra))
    name()(spec["name"], ("server_group", "name"), request.version)
    known = _policies_known(request)
    if modern:
        policy = spec["policy"]
        if policy not in known or not isinstance(policy, str):
            raise invalid(("policy",), policy, f"{policy!r} is not one of {known!r}")
        rules = spec.get("rules", {})
        if not isinstance(rules, dict):
            raise invalid(("rules",), rules, f"{rules!r} is not of type 'object'")
        extra = sorted(k for k in rules if k != "max_server_per_host")
        if extra:
            raise invalid(("rules",), rules, unexpected(extra))
        if "max_server_per_host" in rules:
            value = rules["max_server_per_host"]
            if isinstance(value, bool) or not isinstance(value, (int, str)) or not ascii_digits(str(value)):
                raise invalid(("max_server_per_host",), value, f"{value!r} is not of type 'integer', 'string'")
            if int(value) < 1:
                raise invalid(("max_server_per_host",), value, f"{value!r} is less than the minimum of 1")
            rules = {"max_server_per_host": int(value)}
        if policy != "anti-affinity" and rules:
            raise bad_request("Only anti-affinity policy supports rules.")
        return spec["name"], policy, rules
    policies = spec["policies"]
    if not isinstance(policies, list):
        raise invalid(("policies",), policies, f"{policies!r} is not of type 'array'")
    if len(policies) != 1:
        why = "should be non-empty" if not policies else "is too long"
        raise invalid(("policies",), policies, f"{policies!r} {why}")
    if policies[0] not in known:
        raise invalid(("policies", 0), policies[0], f"{policies[0]!r} is not one of {known!r}")
    return spec["name"], policies[0], {}


def _view(app: ComputeApp, group: ServerGroup, request: Request) -> dict[str, Any]:
    live = set()
    for member in group.members:
        try:
            app.cloud.record(member)
            live.add(member)
        except ApiError:
            continue
    body: dict[str, Any] = {"id": group.id, "name": group.name}
    if request.version >= (2, 64):
        body["policy"] = group.policy
        body["rules"] = dict(group.rules)
    else:
        body["policies"] = [group.policy]
    body["members"] = [m for m in group.members if m in live]
    if request.version < (2, 64):
        body["metadata"] = {}
    if request.version >= (2, 13):
        body["project_id"] = group.project_id
        body["user_id"] = group.user_id
    return body


def _create(app: ComputeApp, request: Request) -> Reply:
    group_name, policy, rules = _parse(request)
    context = request.context
    state = state_of(app.cloud)
    with state.lock:
        mine = sum(1 for g in state.groups.values() if g.project_id == context.project_id)
        allowed = state.limit(context.project_id, "server_groups")
        if 0 <= allowed <= mine:
            raise forbidden("Quota exceeded, too many server groups.")
        group = ServerGroup(str(uuid.uuid4()), group_name, policy, context.project_id, context.user_id, rules)
        state.groups[group.id] = group
    return 200, {"server_group": _view(app, group, request)}, {}


def _find(app: ComputeApp, request: Request, group_id: str) -> ServerGroup:
    group = state_of(app.cloud).groups.get(group_id)
    context = request.context
    if group is None or (not context.is_admin and group.project_id != context.project_id):
        raise not_found(f"Instance group {group_id} could not be found.")
    return group


def _show(app: ComputeApp, request: Request, group_id: str) -> Reply:
    no_query(request)
    return 200, {"server_group": _view(app, _find(app, request, group_id), request)}, {}


def _delete(app: ComputeApp, request: Request, group_id: str) -> Reply:
    group = _find(app, request, group_id)
    state = state_of(app.cloud)
    with state.lock:
        state.groups.pop(group.id, None)
    return 204, None, {}


def _index(app: ComputeApp, request: Request) -> Reply:
    no_query(request, (2, 75), ("all_projects", "limit", "offset"))
    context = request.context
    state = state_of(app.cloud)
    with state.lock:
        groups = list(state.groups.values())
    # server_groups.py index: ``if 'all_projects' in req.GET and context.is_admin`` (the
    # parameter's presence, whatever its value); a member asking gets their own groups.
    if not ("all_projects" in request.query and context.is_admin):
        groups = [g for g in groups if g.project_id == context.project_id]
    for key in ("limit", "offset"):
        text = request.first(key)
        if text is not None and not ascii_digits(text):
            raise bad_request(
                f"Invalid input for query parameters {key}. Value: {text}. '{text}' does not match '^[0-9]*$'"
            )
    offset = int(request.first("offset") or 0)
    limit = min(int(request.first("limit") or 1000), 1000)
    groups = groups[offset : offset + limit]
    return 200, {"server_groups": [_view(app, g, request) for g in groups]}, {}


def requested_group(app: ComputeApp, request: Request, body: Any, count: int = 1) -> ServerGroup | None:
    """The group a create body's ``group`` hint names; 400 when unknown, 403 when ``count`` more do not fit."""
    hints: Any = {}
    if isinstance(body, dict):
        hints = body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints") or {}
    wanted = hints.get("group") if isinstance(hints, dict) else None
    if wanted is None:
        return None
    if not isinstance(wanted, str):
        raise invalid(("group",), wanted, f"{wanted!r} is not of type 'string'")
    try:
        uuid.UUID(wanted)
    except ValueError:
        raise invalid(("group",), wanted, f"{wanted!r} is not a 'uuid'") from None
    state = state_of(app.cloud)
    group = state.groups.get(wanted)
    context = request.context
    # compute/api.py _get_requested_instance_group -> InstanceGroup.get_by_uuid, whose
    # objects/instance_group.py _instance_group_get_query filters on the caller's project
    # unless is_admin: another project's group is "not found" (servers.py create: 400).
    if group is None or (not context.is_admin and group.project_id != context.project_id):
        raise bad_request(f"Instance group {wanted} could not be found.")
    allowed = state.limit(group.project_id, "server_group_members")
    if 0 <= allowed < sum(1 for m in group.members if _alive(app, m)) + count:
        raise forbidden("Quota exceeded, too many servers in group")
    return group


def add_member(app: ComputeApp, group: ServerGroup, record: Record) -> None:
    """Make a new server a member (:func:`requested_group` checked there is room)."""
    with state_of(app.cloud).lock:
        group.members = [*(m for m in group.members if _alive(app, m)), record.id]


def _alive(app: ComputeApp, server_id: str) -> bool:
    try:
        app.cloud.record(server_id)
    except ApiError:
        return False
    return True


def group_ids(cloud: Cloud, record: Record) -> list[str]:
    """The groups a server belongs to (``server_groups`` of show, update and rebuild, 2.71)."""
    state = state_of(cloud)
    with state.lock:
        return [g.id for g in state.groups.values() if record.id in g.members]


ROUTES: tuple[Route, ...] = (
    (r"os-server-groups", {"GET": _index, "POST": _create}),
    (r"os-server-groups/([^/]+)", {"GET": _show, "DELETE": _delete}),
)
