"""``GET /servers/{id}/diagnostics`` (``nova/api/openstack/compute/server_diagnostics.py``).

Admin-only. Before 2.48 the libvirt driver's own flat dict
(doc/api_samples/os-server-diagnostics/server-diagnostics-get-resp.json); from
2.48 the standard view of ``views/server_diagnostics.py``. A server with no
host yet is 409 ``InstanceNotReady`` (``check_instance_host``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import conflict
from lifecycle.api.routing import Route, no_query, require_admin, server_of

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Record

__all__ = ["ROUTES"]

POWER_NAMES = {0: "pending", 1: "running", 3: "paused", 4: "shutdown", 6: "crashed", 7: "suspended"}
"""``nova/compute/power_state.py`` ``STATE_MAP``."""


def _standard(record: Record, state: str, uptime: int) -> dict[str, Any]:
    """The 2.48 view: every field of ``views/server_diagnostics.py``, one vCPU/disk/NIC per flavor."""
    flavor = record.flavor
    macs = [port.mac for port in record.ports]
    return {
        "state": state,
        "driver": "libvirt",
        "hypervisor": "qemu",
        "hypervisor_os": "linux",
        "uptime": uptime,
        "config_drive": bool(record.config_drive),
        "num_cpus": flavor.vcpus,
        "num_nics": len(macs),
        "num_disks": 1,
        "cpu_details": [{"id": n, "time": 0, "utilisation": None} for n in range(flavor.vcpus)],
        "nic_details": [
            {
                "mac_address": mac,
                **dict.fromkeys(("rx_octets", "rx_errors", "rx_drop", "rx_packets"), 0),
                "rx_rate": None,
                **dict.fromkeys(("tx_octets", "tx_errors", "tx_drop", "tx_packets"), 0),
                "tx_rate": None,
            }
            for mac in macs
        ],
        "disk_details": [
            {"read_bytes": 0, "read_requests": 0, "write_bytes": 0, "write_requests": 0, "errors_count": -1}
        ],
        "memory_details": {"maximum": flavor.ram * 1024, "used": 0},
    }


def _legacy(record: Record) -> dict[str, Any]:
    """The libvirt driver's ``get_diagnostics`` keys (cpuN_time, memory, vda_*)."""
    body: dict[str, Any] = {f"cpu{n}_time": 0 for n in range(record.flavor.vcpus)}
    body["memory"] = record.flavor.ram * 1024
    body.update({"vda_read": 0, "vda_read_req": 0, "vda_write": 0, "vda_write_req": 0, "vda_errors": -1})
    return body


def _index(app: ComputeApp, request: Request, server_id: str) -> Reply:
    no_query(request)
    record = server_of(app, request, server_id)
    require_admin(request.context, "os_compute_api:os-server-diagnostics")

    def render(seen: Record) -> tuple[str | None, int, int]:
        launched = seen.launched_at
        uptime = 0 if launched is None else int((seen.updated - launched).total_seconds())
        return seen.host, int(seen.server.power_state), max(uptime, 0)

    host, power, uptime = app.cloud.read(record, render)
    if host is None:
        raise conflict(f"Instance {record.id} is not ready")
    if request.version >= (2, 48):
        return 200, _standard(record, POWER_NAMES.get(power, "pending"), uptime), {}
    return 200, _legacy(record), {}


ROUTES: tuple[Route, ...] = ((r"servers/([^/]+)/diagnostics", {"GET": _index}),)
