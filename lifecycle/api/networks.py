"""A minimal Network v2 (Neutron): networks, subnets, a port per server per network, security groups.

Clients resolve ``--network NAME`` here; Nova's create plugs a server into the
networks it asks for (``networks: "auto"`` takes ``private``), one port each
with a fixed IP, and the server's ``addresses`` list them keyed by network
name, as Nova's view does (``nova/api/openstack/compute/views/addresses.py``).
Security groups live per project (a ``default`` one made on first use, as
Neutron does) and sit on ports: Nova's ``addSecurityGroup`` adds one to every
port of the server (``nova/network/security_group_api.py:add_to_instance``).

The HTTP side is :mod:`lifecycle.api.network_service`; its errors use Neutron's envelope.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import secrets
import threading
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lifecycle.api.context import DEFAULT_PROJECT, RequestContext
from lifecycle.api.errors import ApiError

if TYPE_CHECKING:
    from lifecycle.api.cloud import Record

__all__ = ["Network", "NetworkError", "Networks", "Port", "SecurityGroup", "Subnet", "default_networks"]

_NAMESPACE = uuid.UUID("7b0e9a52-3c64-4d1f-8e2a-6e6574776f72")


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _standard(owner: str, revision: int = 1) -> dict[str, Any]:
    """The attributes every Neutron resource ends with: its project (both names), revision and timestamps."""
    return {
        "tenant_id": owner,
        "project_id": owner,
        "revision_number": revision,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }


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
            **_standard(self.owner, revision=0),
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
            **_standard(self.owner),
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
        rule = {**self._rule(str(uuid.uuid4()), "ingress", "IPv4", None), **fields}
        self.added.append(rule)
        return rule

    def _defaults(self, rows: list[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
        return [
            self._rule(_id("rule", f"{self.id}:{direction}:{family}"), direction, family, remote)
            for direction, family, remote in rows
        ]

    def _rule(self, rule_id: str, direction: str, family: str, remote: str | None) -> dict[str, Any]:
        """A rule of this group in Neutron's ``security-group-rules`` shape, any port and protocol."""
        return {
            "id": rule_id,
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

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "stateful": True,
            "tags": [],
            "security_group_rules": self.rules(),
            **_standard(self.owner),
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
    name: str = ""
    preserve: bool = False
    """Made by a Neutron ``POST /ports`` (Nova's ``preserve_on_delete``): a detach unbinds it, not deletes it."""
    description: str = ""
    admin_state_up: bool = True

    @property
    def device_id(self) -> str:
        return "" if self.record is None else self.record.id

    def body(self) -> dict[str, Any]:
        bound = self.record is not None
        return {
            "id": self.id,
            "name": self.name,
            "network_id": self.network.id,
            "mac_address": self.mac,
            "fixed_ips": (
                [{"subnet_id": self.network.subnet.id, "ip_address": self.ip}]
                if self.network.subnet and self.ip
                else []
            ),
            "device_id": self.device_id,
            "device_owner": "compute:nova" if bound else "",
            "status": "ACTIVE" if bound else "DOWN",
            "admin_state_up": self.admin_state_up,
            "security_groups": [g.id for g in self.groups],
            "port_security_enabled": True,
            "allowed_address_pairs": [],
            "extra_dhcp_opts": [],
            "binding:vnic_type": "normal",
            "description": self.description,
            "tags": [],
            **_standard(self.owner),
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
        from lifecycle.api.network_quotas import NetworkQuotas  # it reads this store: imported late

        self.quotas = NetworkQuotas(self)
        """The projects' Neutron quotas (``/v2.0/quotas``)."""

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
                    self._release(port)
            return list(self.ports.values())

    def _release(self, port: Port) -> None:
        """A server lets a port go: a port the user made is unbound (``preserve_on_delete``), Nova's are deleted."""
        port.record = None
        if not port.preserve:
            self.ports.pop(port.id, None)

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
                ip = fixed or self._free_ip(target, None)  # skips addresses created ports hold
                port = Port(str(uuid.uuid4()), target, ip, mac, project_id, list(groups), record)
                self.ports[port.id] = port
                record.ports.append(port)

    def _free_ip(self, network: Network, wanted: str | None) -> str:
        """A fixed IP on the network's subnet: ``wanted`` if free and inside it, else the next unused one.

        Raises:
            NetworkError: 400 ``InvalidIpForNetwork`` (outside the subnet), 409 ``IpAddressAlreadyAllocated``.
        """
        subnet = network.subnet
        if subnet is None:
            raise NetworkError(400, "BadRequest", f"Network {network.id} has no subnet to allocate an IP from.")
        used = {p.ip for p in self.live_ports() if p.network is network}
        if wanted is not None:
            try:
                inside = ipaddress.ip_address(wanted) in ipaddress.ip_network(subnet.cidr)
            except ValueError:
                inside = False
            if not inside:
                raise NetworkError(
                    400, "InvalidIpForNetwork", f"IP address {wanted} is not a valid IP for the specified network."
                )
            if wanted in used:
                raise NetworkError(
                    409, "IpAddressAlreadyAllocated", f"IP address {wanted} already allocated in subnet {subnet.id}"
                )
            return wanted
        for _ in range(ipaddress.ip_network(subnet.cidr).num_addresses):  # skip addresses asked for explicitly
            address = subnet.allocate()
            if address not in used:
                return address
        raise NetworkError(
            409, "IpAddressGenerationFailure", f"No more IP addresses available on network {network.id}."
        )

    def create_port(
        self,
        network: Network,
        project_id: str,
        *,
        fixed_ip: str | None = None,
        name: str = "",
        groups: list[SecurityGroup] | None = None,
        description: str = "",
        mac: str | None = None,
        admin_state_up: bool = True,
    ) -> Port:
        """Neutron's ``POST /ports``: an unbound port (``device_id`` empty, ``DOWN``) that a server may take.

        ``groups`` default to the project's ``default`` group, ``mac`` to a random ``fa:16:3e`` one.

        Raises:
            NetworkError: 409 ``OverQuota`` past the project's port quota, ``_free_ip``'s errors.
        """
        with self._lock:
            self.quotas.check(project_id, port=1)  # base.py:Controller._create reserves before the plugin runs
            mac = mac or "fa:16:3e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))
            port = Port(str(uuid.uuid4()), network, self._free_ip(network, fixed_ip), mac, project_id, [], None, name)
            port.groups = list(groups) if groups is not None else [self.default_group(project_id)]
            port.description, port.admin_state_up = description, admin_state_up
            port.preserve = True
            self.ports[port.id] = port
            return port

    def delete_port(self, port: Port) -> None:
        """Neutron's ``DELETE /ports/{id}``: gone, also from the server it was bound to."""
        with self._lock:
            self.ports.pop(port.id, None)
            if port.record is not None and port in port.record.ports:
                port.record.ports.remove(port)
            port.record = None

    def attach(self, record: Record, network: Network | None, port: Port | None, fixed_ip: str | None) -> Port:
        """Nova's ``attach_interface`` (``neutron.py`` ``allocate_for_instance`` for one request):
        bind ``port``, or make one on ``network`` (with ``fixed_ip`` if asked), owned by the server's project.

        Raises:
            ApiError: 409 ``Port X is still in use.`` (bound elsewhere), ``Fixed IP address X is already in use
                on instance Y.``; 403 ``Maximum number of ports exceeded`` past the project's port quota.
        """
        with self._lock:
            if port is not None:
                if port.record is not None and not port.record.gone:
                    raise ApiError(409, f"Port {port.id} is still in use.")
                port.record = record
                record.ports.append(port)
                return port
            assert network is not None
            if fixed_ip is not None:
                holder = next((p for p in self.live_ports() if p.network is network and p.ip == fixed_ip), None)
                if holder is not None:
                    raise ApiError(
                        409, f"Fixed IP address {fixed_ip} is already in use on instance {holder.device_id}."
                    )
            owner = str(getattr(record, "project_id", DEFAULT_PROJECT))
            try:
                created = self.create_port(network, owner, fixed_ip=fixed_ip)
            except NetworkError as exc:
                if exc.kind != "OverQuota":
                    raise
                # neutron.py:_create_port_minimal: OverQuotaClient -> PortLimitExceeded, 403 in attach_interfaces.py
                from lifecycle.api.network_quotas import PORT_LIMIT_EXCEEDED

                raise ApiError(403, PORT_LIMIT_EXCEEDED) from None
            created.preserve = False
            created.groups = [self.default_group(owner)]
            created.record = record
            record.ports.append(created)
            return created

    def detach(self, record: Record, port_id: str) -> None:
        """Nova's ``detach_interface``: a port Nova made is deleted, one the user made is unbound
        (``deallocate_port_for_instance``: ``preserve_on_delete``). A port not on the server: nothing
        (the API casts to the compute host and answers 202 before it looks)."""
        with self._lock:
            port = next((p for p in record.ports if p.id == port_id), None)
            if port is None:
                return
            record.ports.remove(port)
            self._release(port)

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
                self._release(port)

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
