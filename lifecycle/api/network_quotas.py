"""Neutron's quotas (``/v2.0/quotas``): limits per project, their defaults, and usage details.

``openstack quota show`` reads ``GET /v2.0/quotas/{project_id}`` (``--usage``:
``.../details.json``, ``--default``: ``.../default``) besides Nova's
``os-quota-sets``. The routes, policies and errors follow
``neutron/extensions/quotasv2.py:QuotaSetsController`` and
``quotasv2_detail.py``; the defaults ``neutron/conf/quota.py`` (a resource
without its own option, ``subnetpool``, takes ``default_quota`` -1: unlimited).
Creates are refused past a limit as Neutron's ``neutron/api/v2/base.py:Controller._create``
does (``quota.QUOTAS.make_reservation``, ``neutron/db/quota/driver_nolock.py``: 409
``OverQuota``, ``Quota exceeded for resources: ['port'].``); Nova's boot checks the
port quota first (:meth:`NetworkQuotas.instances_allowed`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import ApiError
from lifecycle.api.networks import NetworkError

if TYPE_CHECKING:
    from lifecycle.api.context import RequestContext
    from lifecycle.api.networks import Networks

__all__ = ["DEFAULT_QUOTAS", "PORT_LIMIT_EXCEEDED", "NetworkQuotas"]

PORT_LIMIT_EXCEEDED = "Maximum number of ports exceeded"
"""``nova/exception.py:PortLimitExceeded``'s message: Nova's 403 when Neutron's port quota refuses a server's port."""

DEFAULT_QUOTAS: dict[str, int] = {
    "network": 100,  # DEFAULT_QUOTA_NETWORK
    "subnet": 100,  # DEFAULT_QUOTA_SUBNET
    "subnetpool": -1,  # default_quota (DEFAULT_QUOTA)
    "port": 500,  # DEFAULT_QUOTA_PORT
    "router": 10,  # DEFAULT_QUOTA_ROUTER
    "floatingip": 50,  # DEFAULT_QUOTA_FIP
    "security_group": 10,  # DEFAULT_QUOTA_SG
    "security_group_rule": 100,  # DEFAULT_QUOTA_SG_RULE
    "rbac_policy": 10,  # DEFAULT_QUOTA_RBAC
}
"""``neutron/conf/quota.py``'s defaults for the resources an ML2 + L3 Neutron registers."""
_DB_INTEGER_MAX_VALUE = 2**31 - 1
"""``neutron_lib/db/constants.py:DB_INTEGER_MAX_VALUE``, the top of a limit's ``type:range``."""


def _may_read(context: RequestContext, project_id: str) -> None:
    """``get_quota``: one's own project, else ``ADMIN_OR_PROJECT_MANAGER`` (``neutron/conf/policies/quotas.py``)."""
    if project_id != context.project_id and not (context.is_admin or "manager" in context.roles):
        raise NetworkError(403, "PolicyNotAuthorized", "(rule:get_quota) is disallowed by policy")


def _admin(context: RequestContext, action: str) -> None:
    if not context.is_admin:
        raise NetworkError(403, "PolicyNotAuthorized", f"(rule:{action}) is disallowed by policy")


class NetworkQuotas:
    """The project limits one fake Neutron keeps (thread-safe); usage is counted from the :class:`Networks`."""

    def __init__(self, store: Networks) -> None:
        self.store = store
        self._limits: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def limits(self, project_id: str) -> dict[str, int]:
        """``get_project_quotas``: the defaults, overridden by what was set for the project."""
        with self._lock:
            return {**DEFAULT_QUOTAS, **self._limits.get(project_id, {})}

    def used(self, project_id: str) -> dict[str, int]:
        """What the project holds of each resource (routers, floating IPs and RBAC policies: the fake has none)."""
        store = self.store
        networks = [n for n in store.networks.values() if n.owner == project_id]
        subnets = [n.subnet for n in store.networks.values() if n.subnet is not None and n.subnet.owner == project_id]
        with store._lock:
            groups = [g for g in store.groups.values() if g.owner == project_id]
        return {
            "network": len(networks),
            "subnet": len(subnets),
            "subnetpool": 0,
            "port": sum(1 for p in store.live_ports() if p.owner == project_id),
            "router": 0,
            "floatingip": 0,
            "security_group": len(groups),
            "security_group_rule": sum(len(g.rules()) for g in groups),
            "rbac_policy": 0,
        }

    def check(self, project_id: str, **deltas: int) -> None:
        """Refuse creating ``deltas`` more of each resource past the project's limits.

        ``driver_nolock.py:DbQuotaNoLockDriver.make_reservation`` (a limit of -1 is
        unlimited; over when ``limit < used + delta``) and ``driver.py:quota_limit_check``
        (a new security group's default rules) raise ``neutron_lib.exceptions.OverQuota``,
        a ``Conflict``: 409 ``Quota exceeded for resources: %(overs)s.`` with the sorted list.
        Callers hold the store's lock so the check and the create are one step.

        Raises:
            NetworkError: 409 ``OverQuota``.
        """
        limits, used = self.limits(project_id), self.used(project_id)
        overs = sorted(name for name, delta in deltas.items() if -1 < limits[name] < used[name] + delta)
        if overs:
            raise NetworkError(409, "OverQuota", f"Quota exceeded for resources: {overs}.")

    def instances_allowed(self, project_id: str, ports_per_instance: int, num_instances: int) -> int:
        """How many of ``num_instances`` servers the port quota leaves room for.

        Nova's ``nova/network/neutron.py:API.validate_networks``: an unlimited port quota
        (or no port to make) allows all; a project already over its limit is
        ``PortLimitExceeded`` with the counts; else the free ports divided by the ports
        each server needs. ``compute/api.py:_create_instance`` then refuses the request
        when that is below ``min_count`` (``PortLimitExceeded``, which ``servers.py``
        ``create`` maps as every ``OverQuota`` to 403) and lowers ``max_count`` otherwise.

        Raises:
            ApiError: 403 ``The number of defined ports: N is over the limit: Q``.
        """
        limit = self.limits(project_id)["port"]
        if not ports_per_instance or limit == -1:
            return num_instances
        ports = self.used(project_id)["port"]
        free = limit - ports
        if free < 0:
            raise ApiError(403, f"The number of defined ports: {ports} is over the limit: {limit}")
        if free >= ports_per_instance * num_instances:
            return num_instances
        return free // ports_per_instance

    # -- the routes ----------------------------------------------------------
    def show(self, context: RequestContext, project_id: str) -> dict[str, Any]:
        """``GET /v2.0/quotas/{id}``."""
        _may_read(context, project_id)
        return {"quota": self.limits(project_id)}

    def default(self, context: RequestContext, project_id: str) -> dict[str, Any]:
        """``GET /v2.0/quotas/{id}/default``: the defaults every project shares."""
        _may_read(context, project_id)
        return {"quota": dict(DEFAULT_QUOTAS)}

    def details(self, context: RequestContext, project_id: str) -> dict[str, Any]:
        """``GET /v2.0/quotas/{id}/details``: limit, used and reserved (always 0 here) per resource."""
        if project_id != context.project_id and not context.is_admin:
            raise NetworkError(
                403,
                "AdminRequired",
                "User does not have admin privileges: Only admin is authorized to access quotas for another project.",
            )
        limits, used = self.limits(project_id), self.used(project_id)
        return {"quota": {k: {"limit": limits[k], "used": used[k], "reserved": 0} for k in DEFAULT_QUOTAS}}

    def index(self, context: RequestContext) -> dict[str, Any]:
        """``GET /v2.0/quotas``: the projects with limits of their own (``get_all_quotas``)."""
        _may_read(context, "")
        with self._lock:
            projects = sorted(self._limits)
        return {"quotas": [{**self.limits(p), "project_id": p, "tenant_id": p} for p in projects]}

    def update(self, context: RequestContext, project_id: str, body: Any) -> dict[str, Any]:
        """``PUT /v2.0/quotas/{id}`` (admin): new limits, none below what the project uses unless ``force``."""
        _admin(context, "update_quota")
        if not body:
            raise NetworkError(400, "HTTPBadRequest", "Resource body required")
        spec = body.get("quota") if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise NetworkError(400, "HTTPBadRequest", "Unable to find 'quota' in request body")
        spec = dict(spec)
        force = spec.pop("force", None)
        spec.pop("check_limit", None)
        unknown = sorted(k for k in spec if k not in DEFAULT_QUOTAS)
        if unknown:  # base.Controller.prepare_request_body -> _verify_attributes
            names = ", ".join(unknown)
            raise NetworkError(400, "HTTPBadRequest", f"Unrecognized attribute(s) '{names}'")
        limits: dict[str, int] = {}
        for name, raw in spec.items():
            limits[name] = _to_int(name, raw)
        if force is not True:
            used = self.used(project_id)
            for name, limit in limits.items():
                if limit != -1 and used[name] > limit:
                    raise NetworkError(
                        400,
                        "HTTPBadRequest",
                        f"Quota limit {limit} for {name} must be greater than or equal to already used {used[name]}",
                    )
        with self._lock:
            self._limits.setdefault(project_id, {}).update(limits)
        return {"quota": self.limits(project_id)}

    def delete(self, context: RequestContext, project_id: str) -> None:
        """``DELETE /v2.0/quotas/{id}`` (admin): back to the defaults."""
        _admin(context, "delete_quota")
        with self._lock:
            self._limits.pop(project_id, None)


def _to_int(name: str, raw: Any) -> int:
    """``converters.convert_to_int`` (``InvalidInput``), then ``type:range [-1, DB_INTEGER_MAX_VALUE]``.

    Both from ``neutron_lib``; a range failure is ``attributes._validate_attributes``'s ``HTTPBadRequest``.
    """
    try:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError
        value = int(raw)
    except (TypeError, ValueError):
        raise NetworkError(400, "InvalidInput", f"Invalid input for operation: '{raw}' is not an integer.") from None
    if value < -1:
        raise NetworkError(
            400, "HTTPBadRequest", f"Invalid input for {name}. Reason: '{value}' is too small - must be at least '-1'."
        )
    if value > _DB_INTEGER_MAX_VALUE:
        raise NetworkError(
            400,
            "HTTPBadRequest",
            f"Invalid input for {name}. Reason: '{value}' is too large - must be no larger than "
            f"'{_DB_INTEGER_MAX_VALUE}'.",
        )
    return value
