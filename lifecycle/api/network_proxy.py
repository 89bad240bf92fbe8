"""``os-networks`` and ``os-tenant-networks``: Nova's deprecated read-only proxies to the Network service.

Both list and show the networks the caller sees in Neutron
(``nova/network/neutron.py`` ``API.get_all``/``get``), shaped as nova-network
used to: ``os-networks`` gives the thirty nova-network fields with only ``id``
and ``label`` set, eleven for a non-admin
(``nova/api/openstack/compute/networks.py`` ``network_dict``);
``os-tenant-networks`` gives ``id``, ``label`` and the string ``"None"`` as
``cidr`` (``tenant_networks.py`` ``network_dict``, "yes, this is bananas").
An unknown or invisible network is 404 ``Network not found``. Both are gone
(404) from 2.36, Nova's ``MAX_PROXY_API_SUPPORT_VERSION``; the policy is
``PROJECT_READER_OR_ADMIN`` (``nova/policies/networks.py``, ``tenant_networks.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import not_found
from lifecycle.api.policy import READER, authorize
from lifecycle.api.routing import NOT_FOUND, Route, no_query
from lifecycle.api.versions import Version

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.context import RequestContext
    from lifecycle.api.networks import Network

__all__ = ["MAX_PROXY_VERSION", "ROUTES"]

MAX_PROXY_VERSION: Version = (2, 35)
"""Nova's ``MAX_PROXY_API_SUPPORT_VERSION``."""

_FIELDS = (
    "id", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2", "cidr_v6", "gateway_v6", "label", "netmask_v6",
)  # fmt: skip
_ADMIN_FIELDS = (
    "created_at", "updated_at", "deleted_at", "deleted", "injected", "bridge", "vlan", "vpn_public_address",
    "vpn_public_port", "vpn_private_address", "dhcp_start", "project_id", "host", "bridge_interface",
    "multi_host", "priority", "rxtx_base", "mtu", "dhcp_server", "enable_dhcp", "share_address",
)  # fmt: skip


def _networks_dict(network: Network, context: RequestContext) -> dict[str, Any]:
    """``networks.py`` ``network_dict``: every field ``None`` but ``id`` and ``label``."""
    fields = _FIELDS + (_ADMIN_FIELDS if context.is_admin else ())
    body: dict[str, Any] = dict.fromkeys(fields)
    body.update(id=network.id, label=network.name)
    return body


def _tenant_dict(network: Network, context: RequestContext) -> dict[str, Any]:
    """``tenant_networks.py`` ``network_dict``: ``cidr`` is ``str(None)``."""
    return {"id": network.id, "cidr": "None", "label": network.name}


_VIEWS = {
    "os-networks": ("os_compute_api:os-networks:{}", _networks_dict),
    "os-tenant-networks": ("os_compute_api:os-tenant-networks:{}", _tenant_dict),
}


def _gate(request: Request, collection: str, verb: str) -> None:
    if request.version > MAX_PROXY_VERSION:
        raise not_found(NOT_FOUND)
    context = request.context
    authorize(context, _VIEWS[collection][0].format(verb), READER, context.project_id)
    no_query(request)


def _visible(app: ComputeApp, request: Request) -> list[Network]:
    networks = app.cloud.networks
    return [n for n in networks.networks.values() if networks.visible(n, request.context)]


def _index(app: ComputeApp, request: Request, collection: str) -> Reply:
    _gate(request, collection, "list")
    view = _VIEWS[collection][1]
    return 200, {"networks": [view(n, request.context) for n in _visible(app, request)]}, {}


def _show(app: ComputeApp, request: Request, collection: str, network_id: str) -> Reply:
    _gate(request, collection, "show")
    found = next((n for n in _visible(app, request) if n.id == network_id), None)
    if found is None:
        raise not_found("Network not found")
    return 200, {"network": _VIEWS[collection][1](found, request.context)}, {}


ROUTES: tuple[Route, ...] = (
    (r"(os-networks|os-tenant-networks)", {"GET": _index}),
    (r"(os-networks|os-tenant-networks)/([^/]+)", {"GET": _show}),
)
