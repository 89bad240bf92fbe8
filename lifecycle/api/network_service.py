"""The Network v2.0 WSGI app (``/network``) over a cloud's :class:`~lifecycle.api.networks.Networks`.

Neutron's routes for networks, subnets, ports, security groups and their rules
(floating IPs always empty), with Neutron's exact-match list filters and its
``{"NeutronError": {"type", "message", "detail"}}`` envelope.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import ApiError
from lifecycle.api.network_quotas import NetworkQuotas
from lifecycle.api.networks import Network, NetworkError, Networks, Port, SecurityGroup, Subnet
from lifecycle.api.service import Call, JsonService, Reply

if TYPE_CHECKING:
    from lifecycle.api.cloud import Cloud

__all__ = ["NetworkService"]

_PAGING = frozenset({"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"})


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
        self.quotas: NetworkQuotas = cloud.networks.quotas
        self.routes = [
            (re.compile(r"^/?$"), {"GET": self._versions}),
            (re.compile(r"^/v2\.0/?$"), {"GET": self._resources}),
            (re.compile(r"^/v2\.0/networks/?$"), {"GET": self._networks, "POST": self._create_network}),
            (re.compile(r"^/v2\.0/networks/([^/]+)/?$"), {"GET": self._network, "DELETE": self._delete_network}),
            (re.compile(r"^/v2\.0/subnets/?$"), {"GET": self._subnets, "POST": self._create_subnet}),
            (re.compile(r"^/v2\.0/subnets/([^/]+)/?$"), {"GET": self._subnet, "DELETE": self._delete_subnet}),
            (re.compile(r"^/v2\.0/ports/?$"), {"GET": self._ports, "POST": self._create_port}),
            (re.compile(r"^/v2\.0/ports/([^/]+)/?$"), {"GET": self._port, "DELETE": self._delete_port}),
            (re.compile(r"^/v2\.0/security-groups/?$"), {"GET": self._groups, "POST": self._create_group}),
            (re.compile(r"^/v2\.0/security-groups/([^/]+)/?$"), {"GET": self._group, "DELETE": self._delete_group}),
            (re.compile(r"^/v2\.0/security-group-rules/?$"), {"GET": self._rules, "POST": self._create_rule}),
            (re.compile(r"^/v2\.0/security-group-rules/([^/]+)/?$"), {"GET": self._rule, "DELETE": self._delete_rule}),
            (re.compile(r"^/v2\.0/floatingips/?$"), {"GET": self._floating_ips}),
            (re.compile(r"^/v2\.0/extensions/?$"), {"GET": self._extensions}),
            (re.compile(r"^/v2\.0/quotas(?:\.json)?/?$"), {"GET": self._quota_index}),
            (re.compile(r"^/v2\.0/quotas/project(?:\.json)?/?$"), {"GET": self._quota_project}),
            (
                re.compile(r"^/v2\.0/quotas/([^/]+?)(?:\.json)?/?$"),
                {"GET": self._quota_show, "PUT": self._quota_update, "DELETE": self._quota_delete},
            ),
            (re.compile(r"^/v2\.0/quotas/([^/]+)/default(?:\.json)?/?$"), {"GET": self._quota_default}),
            (re.compile(r"^/v2\.0/quotas/([^/]+)/details(?:\.json)?/?$"), {"GET": self._quota_details}),
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
            self.quotas.check(context.project_id, network=1)
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
        with self.store._lock:
            self.quotas.check(call.context.project_id, subnet=1)
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

    def _create_port(self, call: Call) -> Reply:
        """``POST /v2.0/ports``: an unbound port on a network the caller may use (``--nic port-id=`` boots on it).

        Checks as ``neutron/api/v2/base.py:Controller.create`` and the IPAM do:
        ``network_id`` required, a visible network (404), ``fixed_ips`` in its
        subnet (400) and free (409), security groups the project's (404), and
        the project's port quota (409 ``OverQuota``, in :meth:`Networks.create_port`).
        """
        spec = self._spec(call, "port")
        context = call.context
        if "network_id" not in spec:
            raise NetworkError(
                400, "HTTPBadRequest", "Failed to parse request. Required attribute 'network_id' not specified"
            )
        net_id = str(spec["network_id"])
        network = self.store.networks.get(net_id)
        if network is None or not self.store.visible(network, context):
            raise NetworkError(404, "NetworkNotFound", f"Network {net_id} could not be found.")
        ip = self._fixed_ip(network, spec.get("fixed_ips"))
        groups = None
        if "security_groups" in spec:
            refs = spec["security_groups"]
            if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
                raise NetworkError(
                    400, "HTTPBadRequest", f"Invalid input for security_groups. Reason: '{refs}' is not a list."
                )
            groups = [self._find_group(call, ref) for ref in refs]
        state = spec.get("admin_state_up", True)
        if not isinstance(state, bool):
            raise NetworkError(
                400, "HTTPBadRequest", f"Invalid input for admin_state_up. Reason: '{state}' is not a boolean."
            )
        mac = spec.get("mac_address")
        if mac is not None and (
            not isinstance(mac, str) or re.fullmatch(r"(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}", mac) is None
        ):
            raise NetworkError(
                400, "HTTPBadRequest", f"Invalid input for mac_address. Reason: '{mac}' is not a valid MAC address."
            )
        port = self.store.create_port(
            network,
            context.project_id,
            fixed_ip=ip,
            groups=groups,
            name=str(spec.get("name", "")),
            description=str(spec.get("description", "")),
            mac=None if mac is None else mac.lower(),
            admin_state_up=state,
        )
        return 201, {"port": port.body()}, {}

    def _fixed_ip(self, network: Network, fixed: Any) -> str | None:
        """The one ``fixed_ips`` address asked for (``None``: allocate); 400 when it is not in the subnet."""
        if fixed is None:
            return None
        if not isinstance(fixed, list) or not all(isinstance(f, dict) for f in fixed):
            raise NetworkError(
                400,
                "HTTPBadRequest",
                f"Invalid input for fixed_ips. Reason: Invalid data format for fixed IP: '{fixed}'.",
            )
        if len(fixed) > 1:
            raise NetworkError(
                400, "HTTPBadRequest", "This fake Neutron gives a port one fixed IP (one subnet per network)."
            )
        if not fixed:
            return None
        entry = fixed[0]
        subnet = network.subnet
        wanted_subnet = entry.get("subnet_id")
        if wanted_subnet is not None and (subnet is None or wanted_subnet != subnet.id):
            raise NetworkError(
                400,
                "InvalidInput",
                f"Invalid input for operation: Failed to create port on network {network.id}, because fixed_ips "
                f"included invalid subnet {wanted_subnet}.",
            )
        if "ip_address" not in entry:
            return None
        text = entry["ip_address"]
        try:
            address = ipaddress.IPv4Address(str(text))
        except ValueError:
            raise NetworkError(
                400, "HTTPBadRequest", f"Invalid input for fixed_ips. Reason: '{text}' is not a valid IP address."
            ) from None
        cidr = None if subnet is None else ipaddress.IPv4Network(subnet.cidr)
        # the network and broadcast addresses and the gateway (the cidr's first host) are never a port's
        if cidr is None or address not in cidr or address in (cidr.network_address, cidr.broadcast_address, cidr[1]):
            raise NetworkError(
                400,
                "InvalidIpForNetwork",
                f"IP address {address} is not a valid IP for any of the subnets on the specified network.",
            )
        return str(address)

    def _delete_port(self, call: Call, port_id: str) -> Reply:
        """``DELETE /v2.0/ports/{id}``: the caller's port (or any, for an admin); 404 otherwise."""
        found = next((p for p in self._visible_ports(call) if p.id == port_id), None)
        if found is None:
            raise NetworkError(404, "PortNotFound", f"Port {port_id} could not be found.")
        self.store.delete_port(found)
        return 204, None, {}

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
        project_id = call.context.project_id
        with self.store._lock:
            self.quotas.check(project_id, security_group=1)  # base.py:Controller._create
            self.store.default_group(project_id)  # securitygroups_db.py: _ensure_default_security_group
            # create_security_group: quota_limit_check for the egress rules every new group gets
            self.quotas.check(project_id, security_group_rule=len(SecurityGroup("", name, project_id).rules()))
            group = self.store.create_group(name, project_id, description)
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
        with self.store._lock:
            self.quotas.check(group.owner, security_group_rule=1)  # the rules the fake counts are its group's
            for rule in group.rules():
                if all(rule.get(k) == v for k, v in fields.items()):
                    raise NetworkError(
                        409, "SecurityGroupRuleExists", f"Security group rule already exists. Rule id is {rule['id']}."
                    )
            added = group.add_rule(**fields)
        return 201, {"security_group_rule": added}, {}

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

    # -- quotas (lifecycle.api.network_quotas) ------------------------------
    def _quota_index(self, call: Call) -> Reply:
        return 200, self.quotas.index(call.context), {}

    def _quota_project(self, call: Call) -> Reply:
        """``GET /v2.0/quotas/project``: who asks (``QuotaSetsController.project``)."""
        return 200, {"project": {"project_id": call.context.project_id}}, {}

    def _quota_show(self, call: Call, project_id: str) -> Reply:
        return 200, self.quotas.show(call.context, project_id), {}

    def _quota_default(self, call: Call, project_id: str) -> Reply:
        return 200, self.quotas.default(call.context, project_id), {}

    def _quota_details(self, call: Call, project_id: str) -> Reply:
        return 200, self.quotas.details(call.context, project_id), {}

    def _quota_update(self, call: Call, project_id: str) -> Reply:
        body = call.json("Failed to parse request. Malformed JSON")
        return 200, self.quotas.update(call.context, project_id, body), {}

    def _quota_delete(self, call: Call, project_id: str) -> Reply:
        self.quotas.delete(call.context, project_id)
        return 204, None, {}

    def _extensions(self, call: Call) -> Reply:
        aliases = (
            "security-group",
            "port-security",
            "binding",
            "external-net",
            "standard-attr-tag",
            "quotas",
            "quota_details",
        )
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
