"""``os-hypervisors``: every route of ``nova/api/openstack/compute/hypervisors.py`` over the cloud's hosts.

The views are :func:`lifecycle.api.hosts.hypervisor_body` (``_view_hypervisor``);
this module adds what the routes do around them: the resource counters shown
before 2.88 (summed from the flavors of the servers on each host), ``cpu_info``
(a JSON string before 2.28, an object from it), ``with_servers`` and
``hypervisor_hostname_pattern`` (2.53), ``limit``/``marker`` (2.33),
``statistics`` and ``uptime`` (removed at 2.88), ``search`` and ``servers``
(removed at 2.53). All are admin-only (``os_compute_api:os-hypervisors:*``).
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from lifecycle.api import hosts
from lifecycle.api.errors import ApiError, bad_request, not_found
from lifecycle.api.routing import NOT_FOUND, Route, require_admin, unexpected
from lifecycle.api.schema import ascii_digits

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Cloud, Record
    from lifecycle.api.hosts import Host

__all__ = ["ROUTES", "servers_on", "usage"]

POLICY = "os_compute_api:os-hypervisors:{}"

CAPACITY = {"vcpus": 16, "memory_mb": 32768, "local_gb": 500}
"""What each simulated host offers (one modest QEMU compute node)."""

CPU_INFO = {
    "arch": "x86_64",
    "model": "Nehalem",
    "vendor": "Intel",
    "features": ["pge", "clflush"],
    "topology": {"cores": 8, "threads": 1, "sockets": 2},
}
"""The shape of doc/api_samples/os-hypervisors/v2.28/hypervisors-detail-resp.json's ``cpu_info``."""

STAT_FIELDS = (
    "vcpus",
    "memory_mb",
    "local_gb",
    "vcpus_used",
    "memory_mb_used",
    "local_gb_used",
    "free_ram_mb",
    "free_disk_gb",
    "current_workload",
    "running_vms",
    "disk_available_least",
)
"""The counters ``_view_hypervisor`` shows before 2.88, and ``statistics`` sums."""

_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")
"""``parameter_types.boolean`` (oslo's ``strutils`` spellings)."""


def servers_on(cloud: Cloud, host: Host) -> list[Record]:
    """The live servers on ``host`` (read through the cloud, so each record is synced first)."""
    found = []
    for record in cloud.records():
        try:
            if cloud.read(record, lambda seen: seen.host) == host.name:
                found.append(record)
        except ApiError:  # deleted meanwhile
            continue
    return found


def usage(cloud: Cloud, host: Host) -> dict[str, int]:
    """The counters of one compute node (``ComputeNode``): capacity, use by its servers, what is free."""
    servers = servers_on(cloud, host)
    used_cpu = sum(r.flavor.vcpus for r in servers)
    used_ram = sum(r.flavor.ram for r in servers) + 512  # reserved_host_memory_mb's default
    used_disk = sum(r.flavor.disk + r.flavor.ephemeral for r in servers)
    return {
        **CAPACITY,
        "vcpus_used": used_cpu,
        "memory_mb_used": used_ram,
        "local_gb_used": used_disk,
        "free_ram_mb": CAPACITY["memory_mb"] - used_ram,
        "free_disk_gb": CAPACITY["local_gb"] - used_disk,
        "current_workload": sum(1 for r in servers if r.server.task_state is not None),
        "running_vms": len(servers),
        "disk_available_least": CAPACITY["local_gb"] - used_disk,
    }


def _uptime(cloud: Cloud) -> str:
    """``uptime``'s one line, as the libvirt driver's ``get_host_uptime`` returns it."""
    seconds = int(cloud.clock.now())
    days, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f" {clock} up {days} days, {rest // 3600}:{rest % 3600 // 60:02d}, 1 user,  load average: 0.00, 0.00, 0.00"


def _view(app: ComputeApp, request: Request, host: Host, *, detail: bool, with_servers: bool = False) -> dict[str, Any]:
    body = hosts.hypervisor_body(app.cloud, host, request.version, detail=detail)
    if detail and request.version < (2, 88):
        body.update(usage(app.cloud, host))
        body["cpu_info"] = dict(CPU_INFO) if request.version >= (2, 28) else json.dumps(CPU_INFO)
    if detail and request.version >= (2, 88):
        body["uptime"] = _uptime(app.cloud) if host.up else None
    servers = servers_on(app.cloud, host) if with_servers else []
    if servers:
        body["servers"] = [{"name": r.server.name, "uuid": r.id} for r in servers]
    elif with_servers and request.version >= (2, 75):
        body["servers"] = []
    return body


def _flag(request: Request, key: str) -> bool:
    text = request.first(key)
    if text is None:
        return False
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise bad_request(f"Invalid input for query parameters {key}. Value: {text}. {text!r} is not a valid boolean")


def _check_query(request: Request, allowed: tuple[str, ...]) -> None:
    extra = sorted(k for k in request.query if k not in allowed)
    if extra:
        raise bad_request(f"Invalid input for query parameters. {unexpected(extra)}")


def _matching(cloud: Cloud, pattern: str) -> list[Host]:
    """``compute_node_search_by_hypervisor``: a ``LIKE %pattern%`` on the hostname; none is 404."""
    found = [h for h in cloud.hosts.values() if pattern in h.name]
    if not found:
        raise not_found(f"No hypervisor matching '{pattern}' could be found.")
    return found


def _listing(app: ComputeApp, request: Request, *, detail: bool) -> Reply:
    require_admin(request.context, POLICY.format("list-detail" if detail else "list"))
    version = request.version
    found = list(app.cloud.hosts.values())
    with_servers = False
    if version >= (2, 53):
        _check_query(request, ("limit", "marker", "hypervisor_hostname_pattern", "with_servers"))
        with_servers = _flag(request, "with_servers")
        pattern = request.first("hypervisor_hostname_pattern")
        if pattern is not None:
            if request.first("limit") is not None or request.first("marker") is not None:
                raise bad_request(
                    "Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported."
                )
            found = _matching(app.cloud, pattern)
    if version >= (2, 33):
        found = _page(request, found)
    body = [_view(app, request, h, detail=detail, with_servers=with_servers) for h in found]
    return 200, {"hypervisors": body}, {}


def _page(request: Request, found: list[Host]) -> list[Host]:
    """``limit`` and ``marker`` (a hypervisor id) from 2.33; an unknown marker is 400."""
    marker = request.first("marker")
    if marker is not None:
        ids = [str(h.hypervisor_uuid if request.version >= (2, 53) else h.index + 1) for h in found]
        if marker not in ids:
            raise bad_request(f"marker [{marker}] not found")
        found = found[ids.index(marker) + 1 :]
    limit = request.first("limit")
    if limit is not None:
        if not ascii_digits(limit):
            raise bad_request(
                f"Invalid input for query parameters limit. Value: {limit}. '{limit}' does not match '^[0-9]*$'"
            )
        found = found[: int(limit)]
    return found


def _index(app: ComputeApp, request: Request) -> Reply:
    return _listing(app, request, detail=False)


def _detail(app: ComputeApp, request: Request) -> Reply:
    return _listing(app, request, detail=True)


def _show(app: ComputeApp, request: Request, ref: str) -> Reply:
    require_admin(request.context, POLICY.format("show"))
    with_servers = False
    if request.version >= (2, 53):
        _check_query(request, ("with_servers",))
        with_servers = _flag(request, "with_servers")
    host = _find(app, request, ref)
    return 200, {"hypervisor": _view(app, request, host, detail=True, with_servers=with_servers)}, {}


def _find(app: ComputeApp, request: Request, ref: str) -> Host:
    """``_validate_id`` then the lookup: a non-UUID id is 400 from 2.53, an unknown one 404."""
    if request.version >= (2, 53):
        try:
            uuid.UUID(ref)
        except ValueError:
            raise bad_request(f"Invalid uuid {ref}") from None
    return hosts.find_hypervisor(app.cloud, ref, request.version)


def _statistics(app: ComputeApp, request: Request) -> Reply:
    if request.version >= (2, 88):
        raise not_found(NOT_FOUND)
    require_admin(request.context, POLICY.format("statistics"))
    stats = {key: 0 for key in ("count", *STAT_FIELDS)}
    for host in app.cloud.hosts.values():
        stats["count"] += 1
        for key, value in usage(app.cloud, host).items():
            stats[key] += value
    return 200, {"hypervisor_statistics": stats}, {}


def _uptime_route(app: ComputeApp, request: Request, ref: str) -> Reply:
    if request.version >= (2, 88):
        raise not_found(NOT_FOUND)
    require_admin(request.context, POLICY.format("uptime"))
    host = _find(app, request, ref)
    if not host.up:  # ComputeServiceUnavailable
        raise bad_request(f"Compute service of {host.name} is unavailable at this time.")
    body = _view(app, request, host, detail=False)
    body["uptime"] = _uptime(app.cloud)
    return 200, {"hypervisor": body}, {}


def _search(app: ComputeApp, request: Request, pattern: str) -> Reply:
    if request.version >= (2, 53):
        raise not_found(NOT_FOUND)
    require_admin(request.context, POLICY.format("search"))
    return 200, {"hypervisors": [_view(app, request, h, detail=False) for h in _matching(app.cloud, pattern)]}, {}


def _servers(app: ComputeApp, request: Request, pattern: str) -> Reply:
    if request.version >= (2, 53):
        raise not_found(NOT_FOUND)
    require_admin(request.context, POLICY.format("servers"))
    found = _matching(app.cloud, pattern)
    return 200, {"hypervisors": [_view(app, request, h, detail=False, with_servers=True) for h in found]}, {}


ROUTES: tuple[Route, ...] = (
    (r"os-hypervisors", {"GET": _index}),
    (r"os-hypervisors/detail", {"GET": _detail}),
    (r"os-hypervisors/statistics", {"GET": _statistics}),
    (r"os-hypervisors/([^/]+)", {"GET": _show}),
    (r"os-hypervisors/([^/]+)/uptime", {"GET": _uptime_route}),
    (r"os-hypervisors/([^/]+)/search", {"GET": _search}),
    (r"os-hypervisors/([^/]+)/servers", {"GET": _servers}),
)
