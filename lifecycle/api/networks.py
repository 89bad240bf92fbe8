"""A minimal Network v2 (Neutron): networks, subnets, a port per server per network, security groups.

Clients resolve ``--network NAME`` here; Nova's create plugs a server into the
networks it asks for (``networks: "auto"`` takes ``private``), one port each
with a fixed IP, and the server's ``addresses`` list them keyed by network
name, as Nova's view does (``nova/api/openstack/compute/views/addresses.py``).
Security groups live per project (a ``default`` one made on first use, as
Neutron does) and sit on ports: Nova's ``addSecurityGroup`` adds one to every
port of the server (``nova/network/security_group_api.py:add_to_instance``).

Errors use Neutron's envelope ``{"NeutronError": {"type", "message", "detail"}}``.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import re
import secrets
import threading
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lifecycle.api.context import DEFAULT_PROJECT, RequestContext
from lifecycle.api.errors import ApiError
from lifecycle.api.service import Call, JsonService, Reply

if TYPE_CHECKING:
    from lifecycle.api.cloud import Cloud, Record

__all__ = ["NetworkError", "NetworkService", "Networks", "Port", "SecurityGroup"]

_NAMESPACE = uuid.UUID("7b0e9a52-3c64-4d1f-8e2a-6e6574776f72")
_PAGING = frozenset({"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"})


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


class NetworkError(ApiError):
    """A Neutron error: its ``type`` (``NetworkNotFound``) goes in the envelope."""

    def __init__(self, code: int, kind: str, message: str) -> None:
        super().__init__(code, message)
        self.kind = kind


@dataclasses.dataclass(eq=False)
class Subnet:
    """An IPv4 subnet handing out fixed IPs in order."""

    id: str
    name: str
    network_id: str
    cidr: str
    owner: str
    next_host: int = 10

    def allocate(self) -> str:
        """The next free address (the gateway is the first; wraps within the subnet)."""
        net = ipaddress.ip_network(self.cidr)
        hosts = net.num_addresses - 2
        address = net.network_address + 2 + (self.next_host % max(hosts - 1, 1))
        self.next_host += 1
        return str(address)

    def body(self) -> dict[str, Any]:
        net = ipaddress.ip_network(self.cidr)
        return {
            "id": self.id,
            "name": self.name,
            "network_id": self.network_id,
            "cidr": self.cidr,
            "ip_version": 4,
            "gateway_ip": str(net.network_address + 1),
            "enable_dhcp": True,
            "allocation_pools": [{"start": str(net.network_address + 2), "end": str(net.broadcast_address - 1)}],
            "dns_nameservers": [],
            "host_routes": [],
            "ipv6_ra_mode": None,
            "ipv6_address_mode": None,
            "subnetpool_id": None,
            "description": "",
            "tags": [],
            "tenant_id": self.owner,
            "project_id": self.owner,
            "revision_number": 0,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }


@dataclasses.dataclass(eq=False)
class Network:
    """A network with (at most) one IPv4 subnet."""

    id: str
    name: str
    owner: str
    subnet: Subnet | None
    shared: bool = True
    external: bool = False

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": "ACTIVE",
            "admin_state_up": True,
            "subnets": [] if self.subnet is None else [self.subnet.id],
            "shared": self.shared,
            "router:external": self.external,
            "is_default": False,
            "mtu": 1450,
            "port_security_enabled": True,
            "availability_zones": ["nova"],
            "availability_zone_hints": [],
            "ipv4_address_scope": None,
            "ipv6_address_scope": None,
            "l2_adjacency": True,
            "description": "",
            "tags": [],
            "tenant_id": self.owner,
            "project_id": self.owner,
            "revision_number": 1,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }


@dataclasses.dataclass(eq=False)
class SecurityGroup:
    """A security group of a project; ``default`` lets everything out and its own members in."""

    id: str
    name: str
    owner: str
    description: str = ""
    added: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    """Rules created on the group (Neutron's ``security-group-rules`` shape)."""

    def rules(self) -> list[dict[str, Any]]:
        """The group's rules: Neutron's defaults (all egress; ``default`` also admits its members), then the added."""
        rows: list[tuple[str, str, str | None]] = [("egress", "IPv4", None), ("egress", "IPv6", None)]
        if self.name == "default":
            rows += [("ingress", "IPv4", self.id), ("ingress", "IPv6", self.id)]
        return [*self._defaults(rows), *self.added]

    def add_rule(self, **fields: Any) -> dict[str, Any]:
        """Add an ingress/egress rule; returns it."""
        rule = {
            "id": str(uuid.uuid4()),
            "security_group_id": self.id,
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": None,
            "port_range_min": None,
            "port_range_max": None,
            "remote_ip_prefix": None,
            "remote_group_id": None,
            "description": "",
            "tenant_id": self.owner,
            "project_id": self.owner,
            **fields,
        }
        self.added.append(rule)
        return rule

    def _defaults(self, rows: list[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
        return [
            {
                "id": _id("rule", f"{self.id}:{direction}:{family}"),
                "security_group_id": self.id,
                "direction": direction,
                "ethertype": family,
                "protocol": None,
                "port_range_min": None,
                "port_range_max": None,
                "remote_ip_prefix": None,
                "remote_group_id": remote,
                "description": "",
                "tenant_id": self.owner,
                "project_id": self.owner,
            }
            for direction, family, remote in rows
        ]

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "stateful": True,
            "tags": [],
            "tenant_id": self.owner,
            "project_id": self.owner,
            "security_group_rules": self.rules(),
            "revision_number": 1,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }


@dataclasses.dataclass(eq=False)
class Port:
    """A server's port on a network, with one fixed IP and its security groups."""

    id: str
    network: Network
    ip: str
    mac: str
    owner: str
    groups: list[SecurityGroup]
    record: Record | None = None

    @property
    def device_id(self) -> str:
        return "" if self.record is None else self.record.id

    def body(self) -> dict[str, Any]:
        bound = self.record is not None
        return {
            "id": self.id,
            "name": "",
            "network_id": self.network.id,
            "mac_address": self.mac,
            "fixed_ips": [{"subnet_id": self.network.subnet.id, "ip_address": self.ip}] if self.network.subnet else [],
            "device_id": self.device_id,
            "device_owner": "compute:nova" if bound else "",
            "status": "ACTIVE" if bound else "DOWN",
            "admin_state_up": True,
            "security_groups": [g.id for g in self.groups],
            "port_security_enabled": True,
            "allowed_address_pairs": [],
            "extra_dhcp_opts": [],
            "binding:vnic_type": "normal",
            "description": "",
            "tags": [],
            "tenant_id": self.owner,
            "project_id": self.owner,
            "revision_number": 1,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }


def _network(name: str, cidr: str, owner: str, *, shared: bool = True, external: bool = False) -> Network:
    net_id = _id("network", name)
    subnet = Subnet(_id("subnet", name), f"{name}-subnet", net_id, cidr, owner)
    return Network(net_id, name, owner, subnet, shared=shared, external=external)


def default_networks() -> list[Network]:
    """DevStack's two networks: ``private`` (tenant traffic) and ``public``, both shared and plug-able."""
    return [
        _network("private", "10.0.0.0/16", DEFAULT_PROJECT),
        _network("public", "172.24.4.0/24", DEFAULT_PROJECT),
    ]


class Networks:
    """The networks, ports and security groups of one fake cloud (thread-safe)."""

    def __init__(self, networks: Iterable[Network] | None = None) -> None:
        self.networks: dict[str, Network] = {n.id: n for n in (default_networks() if networks is None else networks)}
        self.ports: dict[str, Port] = {}
        self.groups: dict[str, SecurityGroup] = {}
        self._lock = threading.RLock()

    # -- lookups --------------------------------------------------------------
    def by_name(self, name: str) -> Network | None:
        """The network called ``name``, if any."""
        return next((n for n in self.networks.values() if n.name == name), None)

    def default_group(self, project_id: str) -> SecurityGroup:
        """The project's ``default`` security group, made on first use as Neutron does."""
        with self._lock:
            for group in self.groups.values():
                if group.owner == project_id and group.name == "default":
                    return group
            group = SecurityGroup(
                _id("secgroup", f"{project_id}:default"), "default", project_id, "Default security group"
            )
            self.groups[group.id] = group
            return group

    def create_group(self, name: str, project_id: str, description: str = "") -> SecurityGroup:
        """A new security group of ``project_id``."""
        group = SecurityGroup(str(uuid.uuid4()), name, project_id, description)
        with self._lock:
            self.groups[group.id] = group
        return group

    def delete_group(self, group: SecurityGroup) -> None:
        """Forget a security group, and the rules of other groups that name it as their remote (Neutron cascades)."""
        with self._lock:
            self.groups.pop(group.id, None)
            for other in self.groups.values():
                other.added = [r for r in other.added if r.get("remote_group_id") != group.id]

    def find_group(self, ref: str, project_id: str) -> SecurityGroup | None:
        """A group by id, or by name among the project's (``neutronv20.find_resourceid_by_name_or_id``)."""
        self.default_group(project_id)
        with self._lock:
            found = self.groups.get(ref)
            if found is not None:
                return found
            named = [g for g in self.groups.values() if g.name == ref and g.owner == project_id]
        if len(named) > 1:
            raise ApiError(
                409, f"Multiple security_group matches found for name '{ref}', use an ID to be more specific."
            )
        return named[0] if named else None

    def ports_of(self, record: Record) -> list[Port]:
        """The server's ports, in plug order."""
        with self._lock:
            return list(record.ports)

    def live_ports(self) -> list[Port]:
        """Every port; a deleted server's ports go with it (Nova deletes the ports it made)."""
        with self._lock:
            for port in list(self.ports.values()):
                if port.record is not None and port.record.gone:
                    del self.ports[port.id]
            return list(self.ports.values())

    # -- what Nova does ----------------------------------------------------
    def requested(self, spec: Any, context: RequestContext) -> list[tuple[Network | Port, str | None]]:
        """Check a create body's ``networks`` as Nova does; what to plug ``(network or port, fixed_ip)``.

        Raises:
            ApiError: 400 ``Network X could not be found.`` / ``Port id X could not be found.``,
                409 ``Port X is still in use.``
        """
        if spec in ("none", None, []):
            return []
        if spec == "auto":
            private = self.by_name("private") or next(iter(self.networks.values()), None)
            return [] if private is None else [(private, None)]
        plan: list[tuple[Network | Port, str | None]] = []
        for entry in spec if isinstance(spec, list) else []:
            if not isinstance(entry, dict):
                continue
            fixed = entry.get("fixed_ip")
            if entry.get("port"):
                port = self.ports.get(str(entry["port"]))
                if port is None or not (context.is_admin or port.owner == context.project_id):
                    raise ApiError(400, f"Port id {entry['port']} could not be found.")
                if port.record is not None and not port.record.gone:
                    raise ApiError(409, f"Port {port.id} is still in use.")
                plan.append((port, None))
                continue
            net_id = str(entry.get("uuid") or "")
            network = self.networks.get(net_id)
            if network is None or not self.visible(network, context):
                raise ApiError(400, f"Network {net_id} could not be found.")
            if network.subnet is None:
                raise ApiError(400, f"Network {net_id} requires a subnet in order to boot instances on.")
            plan.append((network, None if fixed is None else str(fixed)))
        return plan

    def visible(self, network: Network, context: RequestContext) -> bool:
        """Neutron shows shared and external networks to all, others to their project and admins."""
        return network.shared or network.external or context.is_admin or network.owner == context.project_id

    def plug(
        self,
        record: Record,
        plan: list[tuple[Network | Port, str | None]],
        project_id: str,
        group_names: Iterable[str] = ("default",),
    ) -> None:
        """Give a new server its ports (Nova's ``allocate_for_instance``)."""
        groups = [self.find_group(name, project_id) or self.default_group(project_id) for name in group_names]
        with self._lock:
            for target, fixed in plan:
                if isinstance(target, Port):
                    target.record = record
                    record.ports.append(target)
                    continue
                if target.subnet is None:
                    continue
                mac = "fa:16:3e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))
                ip = fixed or target.subnet.allocate()
                port = Port(str(uuid.uuid4()), target, ip, mac, project_id, list(groups), record)
                self.ports[port.id] = port
                record.ports.append(port)

    def plug_names(self, record: Record, names: Iterable[str], project_id: str) -> None:
        """Plug a seeded server into networks given by name or id (unknown ones are skipped)."""
        plan: list[tuple[Network | Port, str | None]] = []
        for name in names:
            network = self.networks.get(name) or self.by_name(name)
            if network is not None:
                plan.append((network, None))
        self.plug(record, plan, project_id)

    def unplug(self, record: Record) -> None:
        """Delete a server's ports (Nova deletes the ports it made when the server goes)."""
        with self._lock:
            for port in record.ports:
                self.ports.pop(port.id, None)

    def addresses(self, record: Record) -> dict[str, list[dict[str, Any]]]:
        """The server's ``addresses``: fixed IPs keyed by network name."""
        from lifecycle.api.views import addresses

        return addresses(record)

    def server_groups(self, record: Record) -> list[SecurityGroup]:
        """The security groups on the server's ports, each once, in order."""
        seen: dict[str, SecurityGroup] = {}
        for port in self.ports_of(record):
            for group in port.groups:
                seen.setdefault(group.id, group)
        return list(seen.values())

    def add_group(self, record: Record, name: str, context: RequestContext) -> None:
        """Nova's ``addSecurityGroup`` (``security_group_api.add_to_instance``)."""
        group = self._group_for(record, name, context)
        with self._lock:
            for port in self.ports_of(record):
                if group not in port.groups:
                    port.groups.append(group)

    def remove_group(self, record: Record, name: str, context: RequestContext) -> None:
        """Nova's ``removeSecurityGroup`` (``security_group_api.remove_from_instance``)."""
        group = self._group_for(record, name, context)
        found = False
        with self._lock:
            for port in self.ports_of(record):
                if group in port.groups:
                    port.groups.remove(group)
                    found = True
        if not found:
            raise ApiError(404, f"Security group {name} not associated with the instance {record.id}")

    def _group_for(self, record: Record, name: str, context: RequestContext) -> SecurityGroup:
        group = self.find_group(name, context.project_id)
        if group is None:
            raise ApiError(404, f"Security group {name} is not found for project {context.project_id}")
        if not self.ports_of(record):
            raise ApiError(404, f"instance_id {record.id} could not be found as device id on any ports")
        return group


def _filtered(items: list[dict[str, Any]], call: Call) -> list[dict[str, Any]]:
    """Neutron's list filters: exact matches on attributes, several values allowed; unknown ones are 400."""
    for key, values in call.query.items():
        if key in _PAGING:
            continue
        if items and key not in items[0]:
            raise NetworkError(400, "HTTPBadRequest", f"[{key!r}] is invalid attribute for filtering")
        wanted = {v.lower() if v.lower() in ("true", "false") else v for v in values}
        items = [i for i in items if _text(i.get(key)) in wanted]
    fields = call.query.get("fields")
    if fields:
        items = [{k: v for k, v in i.items() if k in fields} for i in items]
    return items


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class NetworkService(JsonService):
    """The Network v2.0 WSGI app (``/network``)."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.store: Networks = cloud.networks
        self.routes = [
            (re.compile(r"^/?$"), {"GET": self._versions}),
            (re.compile(r"^/v2\.0/?$"), {"GET": self._resources}),
            (re.compile(r"^/v2\.0/networks/?$"), {"GET": self._networks, "POST": self._create_network}),
            (re.compile(r"^/v2\.0/networks/([^/]+)/?$"), {"GET": self._network, "DELETE": self._delete_network}),
            (re.compile(r"^/v2\.0/subnets/?$"), {"GET": self._subnets, "POST": self._create_subnet}),
            (re.compile(r"^/v2\.0/subnets/([^/]+)/?$"), {"GET": self._subnet, "DELETE": self._delete_subnet}),
            (re.compile(r"^/v2\.0/ports/?$"), {"GET": self._ports}),
            (re.compile(r"^/v2\.0/ports/([^/]+)/?$"), {"GET": self._port}),
            (re.compile(r"^/v2\.0/security-groups/?$"), {"GET": self._groups, "POST": self._create_group}),
            (re.compile(r"^/v2\.0/security-groups/([^/]+)/?$"), {"GET": self._group, "DELETE": self._delete_group}),
            (re.compile(r"^/v2\.0/security-group-rules/?$"), {"GET": self._rules, "POST": self._create_rule}),
            (re.compile(r"^/v2\.0/security-group-rules/([^/]+)/?$"), {"GET": self._rule, "DELETE": self._delete_rule}),
            (re.compile(r"^/v2\.0/floatingips/?$"), {"GET": self._floating_ips}),
            (re.compile(r"^/v2\.0/extensions/?$"), {"GET": self._extensions}),
        ]

    def error_of(self, exc: ApiError) -> Any:
        kind = (
            exc.kind
            if isinstance(exc, NetworkError)
            else {
                400: "HTTPBadRequest",
                403: "HTTPForbidden",
                404: "HTTPNotFound",
                405: "HTTPMethodNotAllowed",
                409: "HTTPConflict",
            }.get(exc.code, "HTTPInternalServerError")
        )
        return {"NeutronError": {"type": kind, "message": exc.message, "detail": ""}}

    def _versions(self, call: Call) -> Reply:
        link = {"rel": "self", "href": f"{call.base}/v2.0/"}
        return 200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [link]}]}, {}

    def _resources(self, call: Call) -> Reply:
        names = ("network", "subnet", "port", "security_group", "security_group_rule", "floatingip")
        resources = [
            {
                "name": n,
                "collection": f"{n.replace('_', '-')}s",
                "links": [{"rel": "self", "href": f"{call.base}/v2.0/{n.replace('_', '-')}s"}],
            }
            for n in names
        ]
        return 200, {"resources": resources}, {}

    # -- networks and subnets ---------------------------------------------------
    def _visible_networks(self, call: Call) -> list[Network]:
        return [n for n in self.store.networks.values() if self.store.visible(n, call.context)]

    def _networks(self, call: Call) -> Reply:
        return 200, {"networks": _filtered([n.body() for n in self._visible_networks(call)], call)}, {}

    def _network(self, call: Call, net_id: str) -> Reply:
        found = next((n for n in self._visible_networks(call) if n.id == net_id), None)
        if found is None:
            raise NetworkError(404, "NetworkNotFound", f"Network {net_id} could not be found.")
        return 200, {"network": found.body()}, {}

    def _subnets(self, call: Call) -> Reply:
        subnets = [n.subnet.body() for n in self._visible_networks(call) if n.subnet is not None]
        return 200, {"subnets": _filtered(subnets, call)}, {}

    def _find_subnet(self, call: Call, subnet_id: str) -> tuple[Network, Subnet]:
        for network in self._visible_networks(call):
            if network.subnet is not None and network.subnet.id == subnet_id:
                return network, network.subnet
        raise NetworkError(404, "SubnetNotFound", f"Subnet {subnet_id} could not be found.")

    def _subnet(self, call: Call, subnet_id: str) -> Reply:
        return 200, {"subnet": self._find_subnet(call, subnet_id)[1].body()}, {}

    def _spec(self, call: Call, kind: str) -> dict[str, Any]:
        body = call.json("Failed to parse request. Malformed JSON")
        spec = body.get(kind) if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise NetworkError(400, "HTTPBadRequest", f"Resource body required with '{kind}' as its key.")
        for field in ("name", "description"):
            if not isinstance(spec.get(field, ""), str):
                raise NetworkError(
                    400, "HTTPBadRequest", f"Invalid input for {field}. Reason: '{spec[field]}' is not a valid string."
                )
        return spec

    def _create_network(self, call: Call) -> Reply:
        spec = self._spec(call, "network")
        context = call.context
        shared = spec.get("shared", False)
        if not isinstance(shared, bool):
            raise NetworkError(400, "HTTPBadRequest", f"Invalid input for shared. Reason: '{shared}' is not a boolean.")
        if shared and not context.is_admin:
            raise NetworkError(403, "PolicyNotAuthorized", "(rule:create_network:shared) is disallowed by policy.")
        network = Network(str(uuid.uuid4()), str(spec.get("name", "")), context.project_id, None, shared=shared)
        with self.store._lock:
            self.store.networks[network.id] = network
        return 201, {"network": network.body()}, {}

    def _owned_network(self, call: Call, network: Network) -> None:
        context = call.context
        if not (context.is_admin or network.owner == context.project_id):
            raise NetworkError(404, "NetworkNotFound", f"Network {network.id} could not be found.")

    def _delete_network(self, call: Call, net_id: str) -> Reply:
        network = self.store.networks.get(net_id)
        if network is None or not self.store.visible(network, call.context):
            raise NetworkError(404, "NetworkNotFound", f"Network {net_id} could not be found.")
        self._owned_network(call, network)
        if any(p.network is network for p in self.store.live_ports()):
            raise NetworkError(
                409,
                "NetworkInUse",
                f"Unable to complete operation on network {net_id}. "
                "There are one or more ports still in use on the network.",
            )
        with self.store._lock:
            self.store.networks.pop(net_id, None)
        return 204, None, {}

    def _create_subnet(self, call: Call) -> Reply:
        spec = self._spec(call, "subnet")
        net_id = str(spec.get("network_id", ""))
        network = self.store.networks.get(net_id)
        if network is None or not self.store.visible(network, call.context):
            raise NetworkError(404, "NetworkNotFound", f"Network {net_id} could not be found.")
        self._owned_network(call, network)
        if spec.get("ip_version", 4) not in (4, "4"):
            raise NetworkError(400, "HTTPBadRequest", "This fake Neutron offers IPv4 subnets only (ip_version 4).")
        try:
            cidr = ipaddress.IPv4Network(str(spec.get("cidr")), strict=True)
        except ValueError:
            raise NetworkError(
                400, "HTTPBadRequest", f"Invalid input for cidr. Reason: '{spec.get('cidr')}' is not a valid IP subnet."
            ) from None
        if cidr.num_addresses < 4:
            raise NetworkError(400, "HTTPBadRequest", f"Invalid input for cidr. Reason: {cidr} is too small.")
        if network.subnet is not None:
            raise NetworkError(409, "HTTPConflict", f"Network {net_id} already has a subnet; this fake offers one.")
        subnet = Subnet(str(uuid.uuid4()), str(spec.get("name", "")), net_id, str(cidr), call.context.project_id)
        network.subnet = subnet
        return 201, {"subnet": subnet.body()}, {}

    def _delete_subnet(self, call: Call, subnet_id: str) -> Reply:
        network, _ = self._find_subnet(call, subnet_id)
        self._owned_network(call, network)
        if any(p.network is network for p in self.store.live_ports()):
            raise NetworkError(
                409,
                "SubnetInUse",
                f"Unable to complete operation on subnet {subnet_id}: One or more ports have an IP allocation from "
                "this subnet.",
            )
        network.subnet = None
        return 204, None, {}

    # -- ports ------------------------------------------------------------------
    def _visible_ports(self, call: Call) -> list[Port]:
        context = call.context
        return [p for p in self.store.live_ports() if context.is_admin or p.owner == context.project_id]

    def _ports(self, call: Call) -> Reply:
        return 200, {"ports": _filtered([p.body() for p in self._visible_ports(call)], call)}, {}

    def _port(self, call: Call, port_id: str) -> Reply:
        found = next((p for p in self._visible_ports(call) if p.id == port_id), None)
        if found is None:
            raise NetworkError(404, "PortNotFound", f"Port {port_id} could not be found.")
        return 200, {"port": found.body()}, {}

    # -- security groups ----------------------------------------------------
    def _visible_groups(self, call: Call) -> list[SecurityGroup]:
        context = call.context
        self.store.default_group(context.project_id)
        with self.store._lock:
            groups = list(self.store.groups.values())
        return [g for g in groups if context.is_admin or g.owner == context.project_id]

    def _groups(self, call: Call) -> Reply:
        return 200, {"security_groups": _filtered([g.body() for g in self._visible_groups(call)], call)}, {}

    def _find_group(self, call: Call, group_id: str) -> SecurityGroup:
        found = next((g for g in self._visible_groups(call) if g.id == group_id), None)
        if found is None:
            raise NetworkError(404, "SecurityGroupNotFound", f"Security group {group_id} does not exist")
        return found

    def _group(self, call: Call, group_id: str) -> Reply:
        return 200, {"security_group": self._find_group(call, group_id).body()}, {}

    def _create_group(self, call: Call) -> Reply:
        body = call.json("Failed to parse request. Malformed JSON")
        spec = body.get("security_group") if isinstance(body, dict) else None
        if not isinstance(spec, dict) or not isinstance(spec.get("name", ""), str):
            raise NetworkError(
                400,
                "HTTPBadRequest",
                "Invalid input for security_group. Reason: expected an object with a string name.",
            )
        name = str(spec.get("name", ""))
        if name == "default":
            raise NetworkError(409, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
        description = spec.get("description", "")
        if not isinstance(description, str):
            raise NetworkError(
                400, "HTTPBadRequest", f"Invalid input for description. Reason: '{description}' is not a valid string."
            )
        group = self.store.create_group(name, call.context.project_id, description)
        return 201, {"security_group": group.body()}, {}

    def _delete_group(self, call: Call, group_id: str) -> Reply:
        group = self._find_group(call, group_id)
        if group.name == "default" and not call.context.is_admin:
            raise NetworkError(
                409, "SecurityGroupCannotRemoveDefault", "Insufficient rights for removing default security group."
            )
        if any(group in p.groups for p in self.store.live_ports()):
            raise NetworkError(409, "SecurityGroupInUse", f"Security Group {group_id} in use.")
        self.store.delete_group(group)
        return 204, None, {}

    def _rules(self, call: Call) -> Reply:
        rules = [r for g in self._visible_groups(call) for r in g.rules()]
        return 200, {"security_group_rules": _filtered(rules, call)}, {}

    def _create_rule(self, call: Call) -> Reply:
        spec = self._spec(call, "security_group_rule")
        group = self._find_group(call, str(spec.get("security_group_id", "")))
        direction = spec.get("direction", "ingress")
        if direction not in ("ingress", "egress"):
            raise NetworkError(
                400,
                "HTTPBadRequest",
                f"Invalid input for direction. Reason: {direction!r} is not in ['ingress', 'egress'].",
            )
        ethertype = spec.get("ethertype", "IPv4")
        if ethertype not in ("IPv4", "IPv6"):
            raise NetworkError(
                400, "HTTPBadRequest", f"Invalid input for ethertype. Reason: {ethertype!r} is not in ['IPv4', 'IPv6']."
            )
        ports = []
        for field in ("port_range_min", "port_range_max"):
            value = spec.get(field)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535):
                raise NetworkError(
                    400, "HTTPBadRequest", f"Invalid input for {field}. Reason: '{value}' is not a valid port."
                )
            ports.append(value)
        if ports[0] is not None and ports[1] is not None and ports[0] > ports[1]:
            raise NetworkError(
                400, "SecurityGroupInvalidPortRange", "For TCP/UDP protocols, port_range_min must be <= port_range_max"
            )
        fields = {
            "direction": direction,
            "ethertype": ethertype,
            "protocol": spec.get("protocol"),
            "port_range_min": ports[0],
            "port_range_max": ports[1],
            "remote_ip_prefix": spec.get("remote_ip_prefix"),
            "remote_group_id": spec.get("remote_group_id"),
        }
        for rule in group.rules():
            if all(rule.get(k) == v for k, v in fields.items()):
                raise NetworkError(
                    409, "SecurityGroupRuleExists", f"Security group rule already exists. Rule id is {rule['id']}."
                )
        return 201, {"security_group_rule": group.add_rule(**fields)}, {}

    def _find_rule(self, call: Call, rule_id: str) -> tuple[SecurityGroup, dict[str, Any]]:
        for group in self._visible_groups(call):
            for rule in group.rules():
                if rule["id"] == rule_id:
                    return group, rule
        raise NetworkError(404, "SecurityGroupRuleNotFound", f"Security group rule {rule_id} does not exist")

    def _rule(self, call: Call, rule_id: str) -> Reply:
        return 200, {"security_group_rule": self._find_rule(call, rule_id)[1]}, {}

    def _delete_rule(self, call: Call, rule_id: str) -> Reply:
        group, rule = self._find_rule(call, rule_id)
        if rule in group.added:
            group.added.remove(rule)
        return 204, None, {}

    def _floating_ips(self, call: Call) -> Reply:
        return 200, {"floatingips": []}, {}

    def _extensions(self, call: Call) -> Reply:
        aliases = ("security-group", "port-security", "binding", "external-net", "standard-attr-tag")
        return (
            200,
            {
                "extensions": [
                    {"alias": a, "name": a, "description": "", "links": [], "updated": "2026-01-01T00:00:00-00:00"}
                    for a in aliases
                ]
            },
            {},
        )
