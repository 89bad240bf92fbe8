"""``limits`` and ``os-quota-sets`` (``nova/api/openstack/compute/limits.py``, ``quota_sets.py``, ``views/limits.py``).

Limits are Nova's defaults unless an admin sets a project's; usage is counted
from the cloud (servers, their cores and RAM, keypairs, server groups). The
fake enforces ``metadata_items``, ``key_pairs``, ``server_groups`` and
``server_group_members``, and ``instances``, ``cores`` and ``ram`` at create, restore and
resize (:mod:`lifecycle.api.over_quota`). The limits start from the cloud's
``[quota]`` configuration (:mod:`lifecycle.api.quota_config`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import bad_request
from lifecycle.api.quota_config import DEFAULT_QUOTAS
from lifecycle.api.routing import Route, forbidden, no_query, project_of, unexpected, wrapped
from lifecycle.api.schema import BOOLEAN_VALUES, invalid
from lifecycle.api.store import state_of
from lifecycle.model.states import VmState

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Cloud

__all__ = ["FILTERED_V236", "FILTERED_V257", "ROUTES", "quota_value", "usage"]

FILTERED_V236 = ("fixed_ips", "floating_ips", "security_group_rules", "security_groups")
FILTERED_V257 = (*FILTERED_V236, "injected_files", "injected_file_content_bytes", "injected_file_path_bytes")
"""``quota_sets.py``: resources a microversion no longer shows (and no longer accepts)."""

LIMIT_NAMES: dict[str, tuple[str, ...]] = {
    "ram": ("maxTotalRAMSize",),
    "instances": ("maxTotalInstances",),
    "cores": ("maxTotalCores",),
    "key_pairs": ("maxTotalKeypairs",),
    "floating_ips": ("maxTotalFloatingIps",),
    "metadata_items": ("maxServerMeta", "maxImageMeta"),
    "injected_files": ("maxPersonality",),
    "injected_file_content_bytes": ("maxPersonalitySize",),
    "security_groups": ("maxSecurityGroups",),
    "security_group_rules": ("maxSecurityGroupRules",),
    "server_groups": ("maxServerGroups",),
    "server_group_members": ("maxServerGroupMembers",),
}
"""``views/limits.py``: quota resource -> its ``absolute`` names."""

USED_NAMES = {
    "totalRAMUsed": "ram",
    "totalCoresUsed": "cores",
    "totalInstancesUsed": "instances",
    "totalFloatingIpsUsed": "floating_ips",
    "totalSecurityGroupsUsed": "security_groups",
    "totalServerGroupsUsed": "server_groups",
}
_MAX_INT = 0x7FFFFFFF
# The order Nova's QUOTAS.resources lists them in (nova/quota.py).
_ORDER = tuple(DEFAULT_QUOTAS)


def _filtered(request: Request) -> tuple[str, ...]:
    if request.version >= (2, 57):
        return FILTERED_V257
    if request.version >= (2, 36):
        return FILTERED_V236
    return ()


def usage(cloud: Cloud, project_id: str, user_id: str | None = None) -> dict[str, int]:
    """What a project (and, for keypairs, a user) uses now.

    Servers count as ``objects/instance.py`` ``_get_counts_in_db`` counts them:
    every one not deleted, except the soft-deleted (restoring one counts it again).
    """
    records = [
        r for r in cloud.records() if project_of(r) == project_id and r.server.vm_state is not VmState.SOFT_DELETED
    ]
    state = state_of(cloud)
    used = dict.fromkeys(DEFAULT_QUOTAS, 0)
    used["instances"] = len(records)
    used["cores"] = sum(r.flavor.vcpus for r in records)
    used["ram"] = sum(r.flavor.ram for r in records)
    with state.lock:
        used["server_groups"] = sum(1 for g in state.groups.values() if g.project_id == project_id)
        used["key_pairs"] = sum(1 for k in state.keypairs.values() if user_id is None or k.user_id == user_id)
    return used


def _project(request: Request, project_id: str, rule: str) -> None:
    """Nova's policy: a member sees its own project's quotas; another project's are admin-only."""
    context = request.context
    if not context.is_admin and project_id != context.project_id:
        raise forbidden(f"Policy doesn't allow {rule} to be performed.")


def _limits_of(app: ComputeApp, project_id: str) -> dict[str, int]:
    state = state_of(app.cloud)
    return {name: state.limit(project_id, name) for name in _ORDER}


def _limits(app: ComputeApp, request: Request) -> Reply:
    no_query(request, (2, 75), ("tenant_id",))
    context = request.context
    project_id = request.first("tenant_id") or context.project_id
    _project(request, project_id, "os_compute_api:limits:other_project")
    limits = _limits_of(app, project_id)
    used = usage(app.cloud, project_id, context.user_id)
    filtered = _filtered(request)
    absolute: dict[str, Any] = {}
    for resource, names in LIMIT_NAMES.items():
        if resource in filtered:
            continue
        for name in names:
            if name == "maxImageMeta" and request.version >= (2, 39):
                continue  # 2.39 dropped the image metadata limit (the image proxy went away)
            absolute[name] = limits[resource]
    for name, resource in USED_NAMES.items():
        if resource not in filtered:
            absolute[name] = used[resource]
    return 200, {"limits": {"rate": [], "absolute": absolute}}, {}


def _format(project_id: str | None, values: dict[str, Any], request: Request) -> dict[str, Any]:
    body: dict[str, Any] = {} if project_id is None else {"id": project_id}
    filtered = _filtered(request)
    body.update({k: values[k] for k in _ORDER if k not in filtered})
    return {"quota_set": body}


def _show(app: ComputeApp, request: Request, project_id: str) -> Reply:
    no_query(request, (2, 75), ("user_id",))
    _project(request, project_id, "os_compute_api:os-quota-sets:show")
    return 200, _format(project_id, _limits_of(app, project_id), request), {}


def _detail(app: ComputeApp, request: Request, project_id: str) -> Reply:
    no_query(request, (2, 75), ("user_id",))
    _project(request, project_id, "os_compute_api:os-quota-sets:detail")
    limits = _limits_of(app, project_id)
    used = usage(app.cloud, project_id, request.first("user_id"))
    values = {k: {"in_use": used[k], "limit": limits[k], "reserved": 0} for k in _ORDER}
    return 200, _format(project_id, values, request), {}


def _defaults(app: ComputeApp, request: Request, project_id: str) -> Reply:
    # quota_sets.py:defaults validates defaults_query (any parameter) at every microversion
    _project(request, project_id, "os_compute_api:os-quota-sets:defaults")
    return 200, _format(project_id, dict(state_of(app.cloud).default_quotas), request), {}


def quota_value(key: str, value: Any) -> int:
    """``_common_quota``: an integer (or a string of one) from -1 to 2**31-1."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise invalid((key,), value, f"{value!r} is not of type 'integer', 'string'")
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value) is None:
        raise invalid((key,), value, f"{value!r} does not match '^-?[0-9]+$'")
    number = int(value)
    if number < -1:
        raise invalid((key,), value, f"{value!r} is less than the minimum of -1")
    if number > _MAX_INT:
        raise invalid((key,), value, f"{value!r} is greater than the maximum of {_MAX_INT}")
    return number


def _update(app: ComputeApp, request: Request, project_id: str) -> Reply:
    no_query(request, (2, 75), ("user_id",))
    if not request.context.is_admin:
        raise forbidden("Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.")
    spec = wrapped(request.json(), "quota_set")
    if not isinstance(spec, dict):
        raise invalid(("quota_set",), spec, f"{spec!r} is not of type 'object'")
    known = set(_ORDER) - set(_filtered(request))
    extra = sorted(k for k in spec if k not in known and k != "force")
    if extra:
        raise invalid(("quota_set",), spec, unexpected(extra))
    force = spec.get("force", False)
    if force not in BOOLEAN_VALUES:
        raise invalid(("force",), force, f"{force!r} is not one of {list(BOOLEAN_VALUES)!r}")
    values = {k: quota_value(k, v) for k, v in spec.items() if k != "force"}
    if not BOOLEAN_VALUES[force]:
        used = usage(app.cloud, project_id)
        for key, value in values.items():
            if value != -1 and value < used[key]:
                raise bad_request(
                    f"Quota limit {value} for {key} must be greater than or equal to already used and "
                    f"reserved {used[key]}."
                )
    state = state_of(app.cloud)
    with state.lock:
        state.quotas.setdefault(project_id, {}).update(values)
    return 200, _format(None, _limits_of(app, project_id), request), {}


def _reset(app: ComputeApp, request: Request, project_id: str) -> Reply:
    no_query(request, (2, 75), ("user_id",))
    if not request.context.is_admin:
        raise forbidden("Policy doesn't allow os_compute_api:os-quota-sets:delete to be performed.")
    state = state_of(app.cloud)
    with state.lock:
        state.quotas.pop(project_id, None)
    return 202, None, {}


ROUTES: tuple[Route, ...] = (
    (r"limits", {"GET": _limits}),
    (r"os-quota-sets/([^/]+)", {"GET": _show, "PUT": _update, "DELETE": _reset}),
    (r"os-quota-sets/([^/]+)/detail", {"GET": _detail}),
    (r"os-quota-sets/([^/]+)/defaults", {"GET": _defaults}),
)
