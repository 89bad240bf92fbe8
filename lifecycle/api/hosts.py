"""Compute hosts behind the fake API: their services (``os-services``) and hypervisors (``os-hypervisors``).

A :class:`Host` is one nova-compute service and its hypervisor. Servers are
placed on an up, enabled host when their build leaves scheduling, move on
migrate, resize, live-migrate and evacuate, lose their host when offloaded or
when the build fails (``_nil_out_instance_obj_host_and_node``), and come back to
the source host on a revert. A host that is forced down (``PUT
/os-services/{id}`` ``forced_down``, or :meth:`Cloud.set_host_up
<lifecycle.api.cloud.Cloud.set_host_up>`) makes its servers' model run with
``host_up=False``: evacuate is allowed, delete is local.

Shapes from ``nova/api/openstack/compute/services.py`` and ``hypervisors.py`` at
the pinned commit: integer ids before microversion 2.53, UUIDs from it;
``forced_down`` from 2.11.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import ApiError, bad_request, not_found
from lifecycle.api.versions import Version

if TYPE_CHECKING:
    from lifecycle.api.cloud import Cloud

__all__ = ["DEFAULT_HOSTS", "Host", "host_ip", "hypervisor_body", "hypervisors_reply", "service_body", "services_reply"]

DEFAULT_HOSTS = ("compute-1", "compute-2")
"""Two compute hosts, so that migrations and evacuations have somewhere to go."""

_CONTROL = (("nova-scheduler", 1), ("nova-conductor", 2))
"""The control-plane services listed beside the computes, on host ``controller``."""


@dataclasses.dataclass(eq=False)
class Host:
    """One compute host: its nova-compute service and its hypervisor."""

    name: str
    index: int
    forced_down: bool = False
    disabled: bool = False
    disabled_reason: str | None = None
    service_uuid: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    hypervisor_uuid: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def up(self) -> bool:
        """The service is up (``servicegroup_api.service_is_up``: forced down is down)."""
        return not self.forced_down

    @property
    def host_status(self) -> str:
        """A server's ``host_status`` on this host (views/servers.py: UP, DOWN, MAINTENANCE when disabled)."""
        if not self.up:
            return "DOWN"
        return "MAINTENANCE" if self.disabled else "UP"


def host_ip(host: Host) -> str:
    """The host's ``my_ip`` (``host_ip`` of its hypervisor; ``dest_host`` of the migrations to it)."""
    return f"192.168.1.{host.index + 10}"


def service_body(host: Host, version: Version, stamp: str) -> dict[str, Any]:
    """``_get_service_detail`` for a compute host's service."""
    body: dict[str, Any] = {
        "binary": "nova-compute",
        "host": host.name,
        "id": host.service_uuid if version >= (2, 53) else host.index + len(_CONTROL) + 1,
        "zone": "nova",
        "status": "disabled" if host.disabled else "enabled",
        "state": "up" if host.up else "down",
        "updated_at": stamp,
        "disabled_reason": host.disabled_reason,
    }
    if version >= (2, 11):
        body["forced_down"] = host.forced_down
    return body


def _control_bodies(version: Version, stamp: str) -> list[dict[str, Any]]:
    out = []
    for binary, number in _CONTROL:
        body: dict[str, Any] = {
            "binary": binary,
            "host": "controller",
            "id": str(uuid.UUID(int=number)) if version >= (2, 53) else number,
            "zone": "internal",
            "status": "enabled",
            "state": "up",
            "updated_at": stamp,
            "disabled_reason": None,
        }
        if version >= (2, 11):
            body["forced_down"] = False
        out.append(body)
    return out


def services_reply(cloud: Cloud, version: Version, query: Mapping[str, list[str]], stamp: str) -> dict[str, Any]:
    """``GET /os-services`` (``?host=`` and ``?binary=`` filter)."""
    from lifecycle.api.aggregates import host_zones

    zones = host_zones(cloud)  # services.py _get_services: service_get_all(set_zones=True), the aggregate's zone
    computes = [{**service_body(h, version, stamp), "zone": zones[h.name]} for h in cloud.hosts.values()]
    items = [*_control_bodies(version, stamp), *computes]
    for field in ("host", "binary"):
        wanted = query.get(field)
        if wanted:
            items = [s for s in items if s[field] == wanted[-1]]
    return {"services": items}


def update_service(cloud: Cloud, service_id: str, body: Any, version: Version, stamp: str) -> dict[str, Any]:
    """``PUT /os-services/{id}`` from 2.53 (by UUID), or ``PUT /os-services/{action}`` before it.

    Raises:
        ApiError: 400 for a bad body or id, 404 for an unknown service.
    """
    if not isinstance(body, dict):
        raise bad_request("Malformed request body")
    if version >= (2, 53):
        host = next((h for h in cloud.hosts.values() if h.service_uuid == service_id), None)
        if host is None:
            try:
                uuid.UUID(service_id)
            except ValueError:
                raise bad_request(f"Invalid uuid {service_id}") from None
            raise not_found(f"Service {service_id} could not be found.")
        changed = False
        if "status" in body:
            if body["status"] not in ("enabled", "disabled"):
                raise bad_request(
                    f"Invalid input for field/attribute status. Value: {body['status']}. "
                    "'{body['status']}' is not one of ['enabled', 'disabled']"
                )
            if body["status"] == "enabled" and body.get("disabled_reason"):
                raise bad_request("Specifying 'disabled_reason' with status 'enabled' is invalid.")
            cloud.set_host_enabled(host.name, body["status"] == "enabled", body.get("disabled_reason"))
            changed = True
        if "forced_down" in body:
            if not isinstance(body["forced_down"], bool):
                raise bad_request(f"Invalid input for field/attribute forced_down. Value: {body['forced_down']}.")
            cloud.set_host_up(host.name, not body["forced_down"])
            changed = True
        if not changed:
            raise bad_request("No updates were requested. Fields 'status' or 'forced_down' should be specified.")
        return {"service": service_body(host, version, stamp)}
    return _update_v21(cloud, service_id, body, version)


def _update_v21(cloud: Cloud, action: str, body: dict[str, Any], version: Version) -> dict[str, Any]:
    actions = ["enable", "disable", "disable-log-reason"] + (["force-down"] if version >= (2, 11) else [])
    if action not in actions:
        raise not_found("Unknown action")
    name, binary = body.get("host"), body.get("binary")
    if not isinstance(name, str) or binary != "nova-compute":
        raise bad_request("Invalid attribute in the request")
    if name not in cloud.hosts:
        raise not_found(f"Host '{name}' is not mapped to any cell")
    out: dict[str, Any] = {"host": name, "binary": binary}
    if action == "force-down":
        if not isinstance(body.get("forced_down"), bool):
            raise bad_request("Missing forced_down field")
        cloud.set_host_up(name, not body["forced_down"])
        out["forced_down"] = body["forced_down"]
    else:
        reason = body.get("disabled_reason") if action == "disable-log-reason" else None
        if action == "disable-log-reason" and not reason:
            raise bad_request("Missing disabled reason field")
        cloud.set_host_enabled(name, action == "enable", reason)
        out["status"] = "enabled" if action == "enable" else "disabled"
        if reason:
            out["disabled_reason"] = reason
    return {"service": out}


def hypervisor_body(cloud: Cloud, host: Host, version: Version, *, detail: bool) -> dict[str, Any]:
    """One hypervisor of ``GET /os-hypervisors`` (and ``/detail``, ``/{id}``)."""
    body: dict[str, Any] = {
        "id": host.hypervisor_uuid if version >= (2, 53) else host.index + 1,
        "hypervisor_hostname": host.name,
        "state": "up" if host.up else "down",
        "status": "disabled" if host.disabled else "enabled",
    }
    if detail:
        body.update(
            {
                "host_ip": host_ip(host),
                "hypervisor_type": "QEMU",
                "hypervisor_version": 8002000,
                "service": {
                    "host": host.name,
                    "id": host.service_uuid if version >= (2, 53) else host.index + len(_CONTROL) + 1,
                    "disabled_reason": host.disabled_reason,
                },
            }
        )
        if version < (2, 88):
            running = sum(1 for r in cloud.records() if r.host == host.name)
            body.update({"vcpus": 16, "memory_mb": 32768, "local_gb": 500, "running_vms": running})
    return body


def hypervisors_reply(cloud: Cloud, version: Version, *, detail: bool) -> dict[str, Any]:
    """``GET /os-hypervisors`` or ``/os-hypervisors/detail``."""
    return {"hypervisors": [hypervisor_body(cloud, h, version, detail=detail) for h in cloud.hosts.values()]}


def find_hypervisor(cloud: Cloud, ref: str, version: Version) -> Host:
    """The host whose hypervisor has id ``ref``.

    Raises:
        ApiError: 404 ``Hypervisor with ID ... could not be found.``
    """
    for host in cloud.hosts.values():
        if ref in (host.hypervisor_uuid, str(host.index + 1)) and (version >= (2, 53)) == (ref == host.hypervisor_uuid):
            return host
    raise ApiError(404, f"Hypervisor with ID {ref} could not be found.")
