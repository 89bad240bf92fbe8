"""ECS server bodies, as ``GET /v1/{project_id}/cloudservers/{id}`` renders them (``api-ecs/ecs_02_0208``).

The fields are the SDK's ``ServerDetail`` (``huaweicloudsdkecs/v2/model/server_detail.py``,
``attribute_map``): Nova's ``OS-EXT-STS`` triple and friends, plus Huawei's own
(``enterprise_project_id``, ``sys_tags``). The status comes from the server's
dialect (Huawei's Table 4 for an ECS), exactly as the Compute API shows it.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from lifecycle.api import views
from lifecycle.api.cloud import Record
from lifecycle.api.flavors import Flavor
from lifecycle.model.states import Status

__all__ = ["ECS_FLAVORS", "server_detail"]

ECS_FLAVORS: tuple[Flavor, ...] = (
    Flavor("s6.small.1", "s6.small.1", 1, 1024, 0),
    Flavor("s6.medium.2", "s6.medium.2", 1, 2048, 0),
    Flavor("s6.large.2", "s6.large.2", 2, 4096, 0),
)
"""[inf] A few general-purpose flavors, named as Huawei names them (``<series>.<size>.<GiB per vCPU>``;
the id is the name, the disk is a separate root volume). Offered by the ECS API besides the Cloud's own."""

_USER = "fake"


def flavor_of(flavor: Flavor) -> dict[str, Any]:
    """``ServerFlavor``: Huawei sends the numbers as strings."""
    return {
        "id": flavor.id,
        "name": flavor.name,
        "disk": str(flavor.disk),
        "vcpus": str(flavor.vcpus),
        "ram": str(flavor.ram),
    }


def _addresses(record: Record) -> dict[str, list[dict[str, Any]]]:
    """The Compute API's addresses (one per network, keyed by the VPC id), as ``ServerAddress``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for net, entries in views.addresses(record).items():
        port = str(uuid.UUID(hashlib.sha256(f"{record.id}/{net}".encode()).hexdigest()[:32], version=4))
        out[net] = [
            {
                **entry,
                "version": str(entry["version"]),
                "OS-EXT-IPS:port_id": port,
            }
            for entry in entries
        ]
    return out


def server_detail(record: Record, project_id: str) -> dict[str, Any]:
    """One ``ServerDetail``."""
    server = record.server
    status = server.status
    vm, task = server.vm_state, server.task_state
    host = "compute-1" if server.launched else ""
    body: dict[str, Any] = {
        "id": record.id,
        "name": server.name,
        "status": "UNKNOWN" if status is None else status.value,
        "OS-EXT-STS:vm_state": None if vm is None else vm.value,
        "OS-EXT-STS:task_state": None if task is None else task.value,
        "OS-EXT-STS:power_state": int(server.power_state),
        "tenant_id": project_id,
        "user_id": _USER,
        "created": views.stamp(record.created),
        "updated": views.stamp(record.updated),
        "hostId": hashlib.sha224(f"{project_id}{host}".encode()).hexdigest() if host else "",
        "OS-EXT-SRV-ATTR:host": host,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": host,
        "OS-EXT-SRV-ATTR:instance_name": f"instance-{record.index:08x}",
        "addresses": _addresses(record),
        "key_name": record.key_name,
        "image": {"id": record.image_id},
        "flavor": flavor_of(record.flavor),
        "security_groups": [{"name": "default"}],
        "OS-EXT-AZ:availability_zone": record.availability_zone,
        "OS-DCF:diskConfig": "MANUAL",
        "accessIPv4": record.access_ipv4,
        "accessIPv6": record.access_ipv6,
        "config_drive": record.config_drive,
        "metadata": dict(record.metadata),
        "OS-SRV-USG:launched_at": views.usage_stamp(record.launched_at),
        "OS-SRV-USG:terminated_at": None,
        "os-extended-volumes:volumes_attached": [],
        "description": record.description or "",
        "host_status": "UP" if host else "",
        "locked": server.locked,
        "tags": list(record.tags),
        "enterprise_project_id": "0",
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
    }
    if status is Status.ERROR and record.fault is not None:
        body["fault"] = dict(record.fault)
    return body
