"""``os-hosts`` (removed at 2.43): the legacy host API of ``nova/api/openstack/compute/hosts.py``.

Listing names every enabled service's host with its topic and zone (the
services of :func:`lifecycle.api.hosts.services_reply`); a show gives a
compute host's resources (total, used now, used max, per project); an update
enables or disables the host (``maintenance_mode`` and the power actions are
what the libvirt driver does not implement: 501). An unknown host is 404
``HostMappingNotFound``. Admin-only (``os_compute_api:os-hosts:*``); from
2.43 every route is 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecycle.api import hosts
from lifecycle.api.errors import ApiError, not_found
from lifecycle.api.hypervisors import servers_on, usage
from lifecycle.api.routing import NOT_FOUND, Route, body_of, project_of, require_admin
from lifecycle.api.schema import enum, invalid, obj

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.hosts import Host

__all__ = ["ROUTES"]

POLICY = "os_compute_api:os-hosts:{}"
_SWITCH = enum("enable", "disable", "Enable", "Disable", "ENABLE", "DISABLE")
UPDATE = obj({"status": _SWITCH, "maintenance_mode": _SWITCH})
"""``schemas/hosts.py`` ``update`` (the anyOf is checked in :func:`_update`)."""
NOT_SUPPORTED = "The requested functionality is not supported."


def _legacy(request: Request, rule: str) -> None:
    """The API is gone from 2.43 (``@wsgi.api_version("2.1", "2.42")``); then Nova's default policy."""
    if request.version >= (2, 43):
        raise not_found(NOT_FOUND)
    require_admin(request.context, POLICY.format(rule))


def _host(app: ComputeApp, name: str) -> Host:
    found = app.cloud.hosts.get(name)
    if found is None:
        raise not_found(f"Host '{name}' is not mapped to any cell")
    return found


def _index(app: ComputeApp, request: Request) -> Reply:
    _legacy(request, "list")
    services = hosts.services_reply(app.cloud, (2, 1), {}, "")["services"]
    zone = request.first("zone")
    listed = [
        {"host_name": s["host"], "service": s["binary"].removeprefix("nova-"), "zone": s["zone"]}
        for s in services
        if s["status"] == "enabled" and (not zone or s["zone"] == zone)
    ]
    return 200, {"hosts": listed}, {}


def _show(app: ComputeApp, request: Request, name: str) -> Reply:
    _legacy(request, "show")
    host = _host(app, name)
    node = usage(app.cloud, host)
    servers = servers_on(app.cloud, host)

    def resource(project: str, cpu: int, memory: int, disk: int) -> dict[str, Any]:
        return {"resource": {"host": name, "project": project, "cpu": cpu, "memory_mb": memory, "disk_gb": disk}}

    out = [
        resource("(total)", node["vcpus"], node["memory_mb"], node["local_gb"]),
        resource("(used_now)", node["vcpus_used"], node["memory_mb_used"], node["local_gb_used"]),
        resource(
            "(used_max)",
            sum(r.flavor.vcpus for r in servers),
            sum(r.flavor.ram for r in servers),
            sum(r.flavor.disk + r.flavor.ephemeral for r in servers),
        ),
    ]
    projects: dict[str, list[int]] = {}
    for record in servers:
        totals = projects.setdefault(project_of(record), [0, 0, 0])
        totals[0] += record.flavor.vcpus
        totals[1] += record.flavor.ram
        totals[2] += record.flavor.disk + record.flavor.ephemeral
    out.extend(resource(project, *totals) for project, totals in projects.items())
    return 200, {"host": out}, {}


def _update(app: ComputeApp, request: Request, name: str) -> Reply:
    body = body_of(request, UPDATE)
    if "status" not in body and "maintenance_mode" not in body:
        raise invalid((), body, f"{body!r} is not valid under any of the given schemas")
    _legacy(request, "update")
    host = _host(app, name)
    result: dict[str, Any] = {"host": name}
    if "maintenance_mode" in body:  # libvirt's host_maintenance_mode: NotImplementedError
        raise ApiError(501, NOT_SUPPORTED)
    enabled = body["status"].strip().lower() == "enable"
    app.cloud.set_host_enabled(host.name, enabled)
    result["status"] = "enabled" if enabled else "disabled"
    return 200, result, {}


def _power(rule: str) -> Any:
    def handler(app: ComputeApp, request: Request, name: str) -> Reply:
        _legacy(request, rule)
        _host(app, name)
        raise ApiError(501, NOT_SUPPORTED)  # libvirt's host_power_action: NotImplementedError

    return handler


ROUTES: tuple[Route, ...] = (
    (r"os-hosts", {"GET": _index}),
    (r"os-hosts/([^/]+)", {"GET": _show, "PUT": _update}),
    (r"os-hosts/([^/]+)/startup", {"GET": _power("start")}),
    (r"os-hosts/([^/]+)/shutdown", {"GET": _power("shutdown")}),
    (r"os-hosts/([^/]+)/reboot", {"GET": _power("reboot")}),
)
