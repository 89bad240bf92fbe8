"""The small per-server routes: ips, password, consoles, volume attachments; and ``os-availability-zone``.

Each as Nova's controller (``ips.py``, ``server_password.py``,
``console_output.py``, ``remote_consoles.py``, ``volume_attachments.py``,
``availability_zone.py``). The fake has no volume service: a server has no
attachments, and attaching one answers Nova's 404 for an unknown volume.
Consoles need the server on a host (``check_instance_host``: 409 ``Instance X
is not ready`` while it is still being scheduled or after it was offloaded).
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from lifecycle.api.aggregates import host_zones
from lifecycle.api.errors import bad_request, conflict, not_found
from lifecycle.api.routing import Route, no_query, require_admin, require_version, server_of, unexpected, wrapped
from lifecycle.api.schema import Field, ascii_digits, enum, invalid, obj, string, validate
from lifecycle.api.store import state_of
from lifecycle.api.views import addresses
from lifecycle.model.states import VmState

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Record

__all__ = ["LEGACY_CONSOLES", "ROUTES", "console_output", "legacy_console"]

_NO_HOST = (VmState.BUILDING, VmState.SHELVED_OFFLOADED)
"""vm_states in which a server has no ``host`` (``check_instance_host`` refuses them)."""


def _on_host(record: Record) -> None:
    if record.server.vm_state in _NO_HOST or record.server.vm_state is None:
        raise conflict(f"Instance {record.id} is not ready")


# -- ips ------------------------------------------------------------------------
def _plain(record: Record) -> dict[str, list[dict[str, Any]]]:
    """``views/ips.py`` without the extended fields; nothing while the server builds."""
    if record.server.vm_state is VmState.BUILDING:
        return {}
    return {
        net: [{"version": a["version"], "addr": a["addr"]} for a in items] for net, items in addresses(record).items()
    }


def _ips(app: ComputeApp, request: Request, server_id: str) -> Reply:
    no_query(request)
    return 200, {"addresses": _plain(server_of(app, request, server_id))}, {}


def _ips_of(app: ComputeApp, request: Request, server_id: str, network: str) -> Reply:
    no_query(request)
    nets = _plain(server_of(app, request, server_id))
    if network not in nets:
        raise not_found("Instance is not a member of specified network")
    return 200, {network: nets[network]}, {}


# -- password -------------------------------------------------------------------
def _password(app: ComputeApp, request: Request, server_id: str) -> Reply:
    no_query(request)
    record = server_of(app, request, server_id)
    return 200, {"password": state_of(app.cloud).passwords.get(record.id, "")}, {}


def _clear_password(app: ComputeApp, request: Request, server_id: str) -> Reply:
    record = server_of(app, request, server_id)
    state_of(app.cloud).passwords.pop(record.id, None)
    return 204, None, {}


# -- console output (an action) ----------------------------------------------------
_LENGTH = re.compile(r"^-?[0-9]+$")


def console_output(cloud_record: Record, args: Any) -> dict[str, str]:
    """``os-getConsoleOutput``: the last ``length`` lines of the server's console (all for null or -1)."""
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise invalid(("os-getConsoleOutput",), args, f"{args!r} is not of type 'object'")
    extra = sorted(k for k in args if k != "length")
    if extra:
        raise invalid(("os-getConsoleOutput",), args, unexpected(extra))
    length = args.get("length")
    if length is not None:
        if isinstance(length, bool) or not isinstance(length, (int, str)):
            raise invalid(("length",), length, f"{length!r} is not of type 'integer', 'string', 'null'")
        if isinstance(length, str) and not _LENGTH.match(length):
            raise invalid(("length",), length, f"{length!r} does not match '^-?[0-9]+$'")
        if int(length) < -1:
            raise invalid(("length",), length, f"{length!r} is less than the minimum of -1")
    _on_host(cloud_record)
    server = cloud_record.server
    ips = [port.ip for port in list(cloud_record.ports)]
    lines = [  # a CirrOS-like boot log: Tempest wants more than 3 lines from a full read (unlimited size)
        f"[    0.000000] Linux version 6.1.0 (fake) booting {cloud_record.id}",
        "[    0.000000] Command line: LABEL=cirros-rootfs ro console=tty1 console=ttyS0",
        "[    1.020000] EXT4-fs (vda1): mounted filesystem with ordered data mode.",
        "Starting network...",
        *(f"udhcpc: lease of {ip} obtained, lease time 86400" for ip in ips),
        "checking http://169.254.169.254/2009-04-04/instance-id",
        f"{server.name} login:",
        f"vm_state={server.vm_state.value if server.vm_state else None} power_state={int(server.power_state)}",
    ]
    wanted = None if length is None or int(length) == -1 else int(length)
    shown = lines if wanted is None else (lines[-wanted:] if wanted else [])
    return {"output": "\n".join(shown)}


# -- remote consoles --------------------------------------------------------------
_PROTOCOL_TYPES = {
    "vnc": ("novnc",),  # xvpvnc passes the schema but compute/manager.py:get_vnc_console refuses it
    "spice": ("spice-html5", "spice-direct"),
    "serial": ("serial",),
    "mks": ("webmks",),
}
_PORTS = {"vnc": 6080, "spice": 6082, "serial": 6083, "mks": 6090}
_PATHS = {
    "novnc": "vnc_auto.html",
    "xvpvnc": "console",
    "spice-html5": "spice_auto.html",
    "serial": "",
    "webmks": "",
    "spice-direct": "",
}


def _remote_console(app: ComputeApp, request: Request, server_id: str) -> Reply:
    require_version(request, (2, 6))
    protocols = ["vnc", "spice", "serial", "rdp", *(["mks"] if request.version >= (2, 8) else [])]
    types = ["novnc", "xvpvnc", "spice-html5", "serial", "rdp-html5"]
    types += ["webmks"] if request.version >= (2, 8) else []
    types += ["spice-direct"] if request.version >= (2, 99) else []
    rule = obj(
        {"remote_console": obj({"protocol": enum(*protocols), "type": enum(*types)}, required=("protocol", "type"))},
        required=("remote_console",),
    )
    body = request.json()
    validate(body, rule, request.version)
    record = server_of(app, request, server_id)
    protocol, kind = body["remote_console"]["protocol"], body["remote_console"]["type"]
    if protocol == "rdp":
        raise bad_request(f"Unavailable console type {protocol}.")
    if kind not in _PROTOCOL_TYPES[protocol]:
        raise bad_request(f"Invalid console type {kind}")
    _on_host(record)
    return 200, {"remote_console": {"protocol": protocol, "type": kind, "url": _console_url(protocol, kind)}}, {}


LEGACY_CONSOLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "os-getVNCConsole": ("vnc", ("novnc", "xvpvnc")),
    "os-getSPICEConsole": ("spice", ("spice-html5",)),
    "os-getSerialConsole": ("serial", ("serial",)),
    "os-getRDPConsole": ("rdp", ()),
}
"""The console actions before 2.6 (``remote_consoles.py``): action -> (protocol, the types its schema allows)."""


def legacy_console(record: Record, key: str, args: Any, version: tuple[int, int]) -> Reply:
    """``os-getVNCConsole`` and friends (2.1 to 2.5): ``{"console": {"type", "url"}}``; 404 from 2.6."""
    if version >= (2, 6):
        raise not_found("The resource could not be found.")
    protocol, types = LEGACY_CONSOLES[key]
    if protocol == "rdp":  # removed in Nova 29.0.0 with the HyperV driver: a bare HTTPBadRequest
        raise bad_request(
            "The server could not comply with the request since it is either malformed or otherwise incorrect."
        )
    validate({key: args}, obj({key: obj({"type": enum(*types)}, required=("type",))}, required=(key,)), version)
    kind = args["type"]
    if kind not in _PROTOCOL_TYPES[protocol]:
        raise bad_request(f"Invalid console type {kind}")
    _on_host(record)
    return 200, {"console": {"type": kind, "url": _console_url(protocol, kind)}}, {}


def _console_url(protocol: str, kind: str) -> str:
    scheme = "ws" if protocol == "serial" else "http"
    return f"{scheme}://127.0.0.1:{_PORTS[protocol]}/{_PATHS[kind]}?path=%3Ftoken%3D{uuid.uuid4()}"


# -- volume attachments -------------------------------------------------------------
_DEVICE = re.compile(r"(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$")


def _attachments(app: ComputeApp, request: Request, server_id: str) -> Reply:
    no_query(request, (2, 75), ("limit", "offset"))
    for key in ("limit", "offset"):
        for text in request.query.get(key, []):
            if not ascii_digits(text):
                raise bad_request(
                    f"Invalid input for query parameters {key}. Value: {text}. '{text}' does not match '^[0-9]*$'"
                )
    server_of(app, request, server_id)
    return 200, {"volumeAttachments": []}, {}


def _attachment(app: ComputeApp, request: Request, server_id: str, volume_id: str) -> Reply:
    # volume_attachments.py:show validates show_query (any parameter) at every microversion
    server_of(app, request, server_id)
    raise not_found(f"Instance {server_id} is not attached to volume {volume_id}")


def _device(value: Any, path: tuple[str | int, ...], version: tuple[int, int]) -> None:
    if value is None:
        return
    string()(value, path, version)
    if not _DEVICE.search(value):
        raise invalid(path, value, f"{value!r} does not match {_DEVICE.pattern!r}")


def _uuid(value: Any, path: tuple[str | int, ...], version: tuple[int, int]) -> None:
    string()(value, path, version)
    try:
        uuid.UUID(value)
    except ValueError:
        raise invalid(path, value, f"{value!r} is not a 'uuid'") from None


_ATTACH = obj(
    {
        "volumeAttachment": obj(
            {
                "volumeId": _uuid,
                "device": _device,
                "tag": Field(string(min_len=1, max_len=60, forbid=",/"), since=(2, 49)),
                "delete_on_termination": Field(enum(True, False), since=(2, 79)),
            },
            required=("volumeId",),
        )
    },
    required=("volumeAttachment",),
)


def _attach(app: ComputeApp, request: Request, server_id: str) -> Reply:
    body = request.json()
    validate(body, _ATTACH, request.version)
    server_of(app, request, server_id)
    raise not_found(f"Volume {body['volumeAttachment']['volumeId']} could not be found.")


def _detach(app: ComputeApp, request: Request, server_id: str, volume_id: str) -> Reply:
    server_of(app, request, server_id)
    raise not_found(f"Instance {server_id} is not attached to volume {volume_id}")


def _swap(app: ComputeApp, request: Request, server_id: str, volume_id: str) -> Reply:
    wrapped(request.json(), "volumeAttachment")
    server_of(app, request, server_id)
    raise not_found(f"Instance {server_id} is not attached to volume {volume_id}")


# -- availability zones --------------------------------------------------------------
def _zones(app: ComputeApp) -> list[tuple[str, bool, list[str]]]:
    """``availability_zones.get_availability_zones``: ``(zone, available, hosts)``, the zones of enabled compute
    hosts (available) then those of disabled ones only (not available); a host's zone is its aggregate's."""
    zones = host_zones(app.cloud)
    hosts = app.cloud.hosts.values()
    enabled = {zones[h.name] for h in hosts if not h.disabled}
    disabled = {zones[h.name] for h in hosts if h.disabled} - enabled
    return [
        (zone, zone in enabled, sorted(h.name for h in hosts if zones[h.name] == zone))
        for zone in [*sorted(enabled), *sorted(disabled)]
    ]


def _az(app: ComputeApp, request: Request) -> Reply:
    no_query(request)
    info = [{"zoneName": z, "zoneState": {"available": up}, "hosts": None} for z, up, _ in _zones(app)]
    return 200, {"availabilityZoneInfo": info}, {}


def _az_detail(app: ComputeApp, request: Request) -> Reply:
    no_query(request)
    require_admin(request.context, "os_compute_api:os-availability-zone:detail")
    service = {"active": True, "available": True, "updated_at": None}
    info: list[dict[str, Any]] = [
        {
            "zoneName": "internal",
            "zoneState": {"available": True},
            "hosts": {"conductor": {"nova-conductor": dict(service)}, "scheduler": {"nova-scheduler": dict(service)}},
        }
    ]
    for zone, up, hosts in _zones(app):
        info.append({"zoneName": zone, "zoneState": {"available": up}, "hosts": _compute_services(app, hosts)})
    return 200, {"availabilityZoneInfo": info}, {}


def _compute_services(app: ComputeApp, hosts: list[str]) -> dict[str, Any]:
    """``{host: {"nova-compute": {available, active, updated_at}}}`` (``availability_zone.py:_describe_...detail``)."""
    found = app.cloud.hosts
    return {
        h: {"nova-compute": {"active": found[h].up, "available": not found[h].disabled, "updated_at": None}}
        for h in hosts
    }


ROUTES: tuple[Route, ...] = (
    (r"servers/([^/]+)/ips", {"GET": _ips}),
    (r"servers/([^/]+)/ips/([^/]+)", {"GET": _ips_of}),
    (r"servers/([^/]+)/os-server-password", {"GET": _password, "DELETE": _clear_password}),
    (r"servers/([^/]+)/remote-consoles", {"POST": _remote_console}),
    (r"servers/([^/]+)/os-volume_attachments", {"GET": _attachments, "POST": _attach}),
    (r"servers/([^/]+)/os-volume_attachments/([^/]+)", {"GET": _attachment, "PUT": _swap, "DELETE": _detach}),
    (r"os-availability-zone", {"GET": _az}),
    (r"os-availability-zone/detail", {"GET": _az_detail}),
)
