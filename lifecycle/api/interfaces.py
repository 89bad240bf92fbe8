"""``/servers/{id}/os-interface``: a server's ports, attached and detached (``attach_interfaces.py``).

Nova's ``InterfaceAttachmentController`` over the fake Network service:

* ``GET`` lists the ports whose ``device_id`` is the server (``list_ports``), each
  as ``_translate_interface_attachment_view`` shows it (``net_id``, ``port_id``,
  ``mac_addr``, ``port_state``, ``fixed_ips``; ``tag`` from 2.70);
* ``GET .../{port_id}``: 404 ``Instance X does not have a port with id Y`` for a
  port of another device;
* ``POST`` with ``net_id`` (and one ``fixed_ips`` address), ``port_id``, or
  neither (the project's networks and the shared ones: exactly one must be
  available): ``compute/api.py`` ``attach_interface``, an RPC call, so the answer
  (200) shows the port already bound; checked as ``check_instance_lock`` and
  ``check_instance_state(vm_state=[ACTIVE, PAUSED, STOPPED], task_state=[None])``
  (the model's ``attach_interface`` operation decides);
* ``DELETE .../{port_id}``: 202; ``detach_interface`` casts to the compute host, which
  deletes a port Nova made and unbinds one the user made (``preserve_on_delete``).
  A port not on the server is not looked at before the 202, as in Nova.

Policies ``os_compute_api:os-attach-interfaces:{list,show}`` (project reader) and
``{create,delete}`` (project member) (``nova/policies/attach_interfaces.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecycle.api import policy
from lifecycle.api.errors import bad_request, not_found
from lifecycle.api.networks import Network, Port
from lifecycle.api.routing import Route, no_query, project_of, server_of
from lifecycle.api.schema import Field, any_of, array, ip_address, obj, string, uuid_text, validate
from lifecycle.api.versions import text

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Record

__all__ = ["ROUTES"]

_ROOT = "os_compute_api:os-attach-interfaces:"

CREATE = obj(
    {
        "interfaceAttachment": obj(
            {
                "net_id": uuid_text(),  # parameter_types.network_id
                "port_id": uuid_text(),  # parameter_types.network_port_id
                "fixed_ips": array(obj({"ip_address": any_of(ip_address(4), ip_address(6))}, required=("ip_address",))),
                "tag": Field(string(min_len=1, max_len=60, forbid=",/"), since=(2, 49)),
            }
        )
    }
)
"""``schemas/attach_interfaces.py`` ``create`` (``tag`` from 2.49, ``create_v249``)."""


def _view(port: Port, version: tuple[int, int]) -> dict[str, Any]:
    """``_translate_interface_attachment_view`` of one port (the fake keeps no VIF tags: ``tag`` null)."""
    body = port.body()
    info: dict[str, Any] = {
        "net_id": body["network_id"],
        "port_id": body["id"],
        "mac_addr": body["mac_address"],
        "port_state": body["status"],
        "fixed_ips": body["fixed_ips"],
    }
    if version >= (2, 70):
        info["tag"] = None
    return info


def _server(app: ComputeApp, request: Request, server_id: str, action: str) -> Record:
    record = server_of(app, request, server_id)
    rule = policy.READER if action in ("list", "show") else policy.MEMBER
    policy.authorize(request.context, _ROOT + action, rule, project_of(record))
    return record


def _index(app: ComputeApp, request: Request, server_id: str) -> Reply:
    no_query(request)
    record = _server(app, request, server_id, "list")
    ports = [p for p in app.cloud.networks.live_ports() if p.record is record]
    return 200, {"interfaceAttachments": [_view(p, request.version) for p in ports]}, {}


def _show(app: ComputeApp, request: Request, server_id: str, port_id: str) -> Reply:
    no_query(request)
    record = _server(app, request, server_id, "show")
    context = request.context
    port = next(
        (
            p
            for p in app.cloud.networks.live_ports()
            if p.id == port_id and (context.is_admin or p.owner == context.project_id)
        ),
        None,
    )
    if port is None:
        raise not_found(f"Port id {port_id} could not be found.")
    if port.record is not record:
        raise not_found(f"Instance {server_id} does not have a port with id {port_id}")
    return 200, {"interfaceAttachment": _view(port, request.version)}, {}


def _network_for(app: ComputeApp, request: Request, net_id: str | None) -> Network:
    """The network asked for, or the only one available (``neutron.py`` ``_get_available_networks``)."""
    store, context = app.cloud.networks, request.context
    if net_id is not None:
        network = store.networks.get(net_id)
        if network is None or not store.visible(network, context):
            raise not_found(f"Network {net_id} could not be found.")
        return network
    available = [n for n in store.networks.values() if n.shared or (n.owner == context.project_id and not n.external)]
    if not available:
        raise bad_request(
            f"No specific network was requested and none are available for project '{context.project_id}'."
        )
    if len(available) > 1:
        raise bad_request(
            "More than one possible network found. Specify network ID(s) to select which one(s) to connect to."
        )
    return available[0]


def _create(app: ComputeApp, request: Request, server_id: str) -> Reply:
    body = request.json() if request.content_length else None
    if body is not None:
        validate(body, CREATE, request.version)
    record = _server(app, request, server_id, "create")
    spec: dict[str, Any] = (body or {}).get("interfaceAttachment") or {}
    net_id, port_id = spec.get("net_id"), spec.get("port_id")
    fixed = spec.get("fixed_ips") or []
    if len(fixed) > 1:  # 'minItems': 1, 'maxItems': 1
        raise bad_request(f"Invalid input for field/attribute fixed_ips. Value: {fixed}. {fixed!r} is too long")
    requested_ip = fixed[0]["ip_address"] if fixed else None
    if net_id and port_id:
        raise bad_request("Must not input both network_id and port_id")
    if requested_ip and not net_id:
        raise bad_request("Must input network_id when request IP address")
    store, context = app.cloud.networks, request.context
    port: Port | None = None
    network: Network | None = None
    if port_id:
        port = next((p for p in store.live_ports() if p.id == port_id), None)
        if port is None or not (context.is_admin or port.owner == context.project_id):
            raise not_found(f"Port id {port_id} could not be found.")
    else:
        network = _network_for(app, request, net_id)
        if network.subnet is None:
            raise bad_request(f"Network {network.id} requires a subnet in order to boot instances on.")
    with record.lock:
        # check_instance_lock, then check_instance_state: the model's attach_interface decides (409)
        app.cloud.perform(record, "attach_interface", microversion=text(request.version), admin=context.is_admin)
        attached = store.attach(record, network, port, requested_ip)
    return 200, {"interfaceAttachment": _view(attached, request.version)}, {}


def _delete(app: ComputeApp, request: Request, server_id: str, port_id: str) -> Reply:
    record = _server(app, request, server_id, "delete")
    context = request.context
    with record.lock:
        app.cloud.perform(record, "detach_interface", microversion=text(request.version), admin=context.is_admin)
        app.cloud.networks.detach(record, port_id)
    return 202, None, {}


ROUTES: tuple[Route, ...] = (
    (r"servers/([^/]+)/os-interface", {"GET": _index, "POST": _create}),
    (r"servers/([^/]+)/os-interface/([^/]+)", {"GET": _show, "DELETE": _delete}),
)
