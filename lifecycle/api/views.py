"""Server bodies as Nova renders them (``nova/api/openstack/compute/views/servers.py``).

Fields appear from the microversion that introduced them, so a client pinned
to an old microversion sees the old shape.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from lifecycle.api.cloud import Record
from lifecycle.api.flavors import server_flavor_body
from lifecycle.api.hostnames import create_hostname
from lifecycle.api.versions import Version
from lifecycle.model.states import Status

__all__ = ["addresses", "server_body", "server_links", "server_summary"]

_PROGRESS = frozenset({Status.ACTIVE, Status.BUILD, Status.REBUILD, Status.RESIZE, Status.VERIFY_RESIZE})


def stamp(moment: datetime.datetime | None) -> str | None:
    """``created``/``updated`` format: seconds and ``Z``."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def usage_stamp(moment: datetime.datetime | None) -> str | None:
    """Nova's database times as its API prints them: microseconds, no zone (Nova's own quirk).

    ``OS-SRV-USG:*``, migrations, instance actions and keypairs (``doc/api_samples``).
    """
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def server_links(base: str, server_id: str) -> list[dict[str, str]]:
    """``self`` and ``bookmark`` links of a server."""
    return [
        {"rel": "self", "href": f"{base}/v2.1/servers/{server_id}"},
        {"rel": "bookmark", "href": f"{base}/servers/{server_id}"},
    ]


def addresses(record: Record) -> dict[str, list[dict[str, Any]]]:
    """The fixed IPs of the server's ports keyed by network name (``views/addresses.py``); none without ports."""
    out: dict[str, list[dict[str, Any]]] = {}
    for port in list(record.ports):
        out.setdefault(port.network.name, []).append(
            {"version": 4, "addr": port.ip, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": port.mac}
        )
    return out


def server_summary(record: Record, base: str) -> dict[str, Any]:
    """An entry of ``GET /servers``: id, name and links only."""
    return {"id": record.id, "name": record.server.name, "links": server_links(base, record.id)}


def _hostname(record: Record) -> str:
    """``instance.hostname``: the one set at create, or (a seeded server) its name sanitized as Nova's create does."""
    return record.hostname or create_hostname(None, record.server.name, record.id, 1, 0)


def server_body(record: Record, base: str, version: Version, *, admin: bool = True) -> dict[str, Any]:
    """The full body of ``GET /servers/{id}`` and of each ``GET /servers/detail`` entry.

    ``admin`` callers also see the ``OS-EXT-SRV-ATTR:*`` host fields (Nova's
    default policy ``os_compute_api:os-extended-server-attributes``) and a
    fault's ``details`` (``_get_fault``: to admins, or when the code is not 500).
    """
    server = record.server
    status = server.status
    vm, task = server.vm_state, server.task_state
    host_id = hashlib.sha224(f"{record.project_id}{record.host}".encode()).hexdigest() if record.host else ""
    body: dict[str, Any] = {
        "id": record.id,
        "name": server.name,
        "status": "UNKNOWN" if status is None else status.value,
        "tenant_id": record.project_id,
        "user_id": record.user_id,
        "metadata": dict(record.metadata),
        "hostId": host_id,
        "image": {"id": record.image_id, "links": [{"rel": "bookmark", "href": f"{base}/images/{record.image_id}"}]}
        if record.image_id
        else "",
        "flavor": server_flavor_body(record.flavor, base, version),
        "created": stamp(record.created),
        "updated": stamp(record.updated),
        "addresses": addresses(record),
        "accessIPv4": record.access_ipv4,
        "accessIPv6": record.access_ipv6,
        "links": server_links(base, record.id),
        "OS-DCF:diskConfig": record.disk_config,
        "OS-EXT-AZ:availability_zone": record.availability_zone if server.launched else "",
        "config_drive": record.config_drive,
        "key_name": record.key_name,
        "OS-SRV-USG:launched_at": usage_stamp(record.launched_at),
        "OS-SRV-USG:terminated_at": None,
        "OS-EXT-STS:task_state": None if task is None else task.value,
        "OS-EXT-STS:vm_state": None if vm is None else vm.value,
        "OS-EXT-STS:power_state": int(server.power_state),
        "os-extended-volumes:volumes_attached": [],
    }
    if status in _PROGRESS:
        body["progress"] = 100 if server.task_state is None and status is not Status.BUILD else 0
    groups = list(dict.fromkeys(g.name for port in list(record.ports) for g in port.groups))
    if groups:  # Nova leaves the key out when the ports have none (_add_security_grps)
        body["security_groups"] = [{"name": name} for name in groups]
    if admin:
        # views/servers.py:show (355-388): host, name, node; more from 2.3
        body["OS-EXT-SRV-ATTR:host"] = record.host
        body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = record.host
        body["OS-EXT-SRV-ATTR:instance_name"] = f"instance-{record.index:08x}"
        if version >= (2, 3):
            body.update(
                {
                    "OS-EXT-SRV-ATTR:hostname": _hostname(record),
                    "OS-EXT-SRV-ATTR:kernel_id": "",
                    "OS-EXT-SRV-ATTR:launch_index": record.launch_index,
                    "OS-EXT-SRV-ATTR:ramdisk_id": "",
                    "OS-EXT-SRV-ATTR:reservation_id": record.reservation_id or f"r-{record.id[:8]}",
                    "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                    "OS-EXT-SRV-ATTR:user_data": record.user_data,
                }
            )
    elif version >= (2, 90):
        body["OS-EXT-SRV-ATTR:hostname"] = _hostname(record)  # visible to everyone from 2.90
    if status is Status.ERROR and record.fault is not None:
        fault = {k: v for k, v in record.fault.items() if k != "details"}
        if record.fault.get("details") and (admin or record.fault["code"] != 500):
            fault["details"] = record.fault["details"]
        body["fault"] = fault
    if version >= (2, 9):
        body["locked"] = server.locked
    if version >= (2, 16):
        host = record.host
        body["host_status"] = record.host_status if host else ""
    if version >= (2, 19):
        body["description"] = record.description
    if version >= (2, 26):
        body["tags"] = list(record.tags)
    if version >= (2, 63):
        body["trusted_image_certificates"] = None
    if version >= (2, 71):
        body["server_groups"] = []
    if version >= (2, 73):
        body["locked_reason"] = record.locked_reason
    if version >= (2, 96):
        body["pinned_availability_zone"] = None
    if version >= (2, 100):
        body["scheduler_hints"] = {k: list(v) for k, v in record.scheduler_hints.items()}  # _get_scheduler_hints
    return body
