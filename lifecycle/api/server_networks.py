"""What Nova's server routes ask of the Network service: security groups of a server.

``POST /servers`` with ``security_groups``, ``GET /servers/{id}/os-security-groups``
and the ``addSecurityGroup``/``removeSecurityGroup`` actions
(``nova/api/openstack/compute/security_groups.py``), over the cloud's
:class:`~lifecycle.api.networks.Networks`; also Nova's deprecated
``/os-security-groups`` proxy (microversions up to 2.35), which Tempest's
compute security-group tests use. Ansible's ``openstack.cloud.server``
reads the list on every run to decide whether anything must change.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from lifecycle.api.actions import Reply
from lifecycle.api.cloud import Cloud, Record
from lifecycle.api.context import RequestContext
from lifecycle.api.errors import ApiError, bad_request, not_found
from lifecycle.api.networks import SecurityGroup
from lifecycle.api.versions import Version

__all__ = [
    "ACTIONS",
    "groups_body",
    "proxy_create",
    "proxy_create_rule",
    "proxy_delete_rule",
    "proxy_group",
    "proxy_groups",
    "requested_groups",
]


def requested_groups(cloud: Cloud, context: RequestContext, spec: Any) -> list[str]:
    """The group names a create body asks for (``default`` when none), each one checked.

    Raises:
        ApiError: 400 naming a group the project does not have (``security_group_api.validate_name``).
    """
    if spec is None:
        return ["default"]
    names: list[str] = []
    for entry in spec if isinstance(spec, list) else []:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise bad_request(f"Invalid input for field/attribute security_groups. Value: {spec!r}.")
        if cloud.networks.find_group(name, context.project_id) is None:
            raise bad_request(f"Unable to find security_group with name or id '{name}'")
        if name not in names:
            names.append(name)
    return names or ["default"]


def _group_name(key: str, args: Any) -> str:
    """Nova's ``SecurityGroupActionController._parse``."""
    if not isinstance(args, dict):
        raise bad_request("Missing parameter dict")
    if "name" not in args:
        raise bad_request("Security group not specified")
    name = args["name"]
    if not isinstance(name, str):
        raise bad_request(f"Invalid input for field/attribute name. Value: {name!r}. {name!r} is not of type 'string'")
    if not name.strip():
        raise bad_request("Security group name cannot be empty")
    return name


def _add(cloud: Cloud, record: Record, context: RequestContext, args: Any) -> Reply:
    cloud.networks.add_group(record, _group_name("addSecurityGroup", args), context)
    return 202, None, {}


def _remove(cloud: Cloud, record: Record, context: RequestContext, args: Any) -> Reply:
    cloud.networks.remove_group(record, _group_name("removeSecurityGroup", args), context)
    return 202, None, {}


ACTIONS: Mapping[str, Callable[[Cloud, Record, RequestContext, Any], Reply]] = {
    "addSecurityGroup": _add,
    "removeSecurityGroup": _remove,
}
"""The security-group actions of ``POST /servers/{id}/action``."""


def _nova_rule(cloud: Cloud | None, group: SecurityGroup, rule: dict[str, Any]) -> dict[str, Any]:
    """A rule in Nova's legacy format (``SecurityGroupControllerBase._format_security_group_rule``)."""
    remote = rule["remote_group_id"]
    source = cloud.networks.groups.get(remote) if cloud is not None and remote else None
    named = source or group
    return {
        "id": rule["id"],
        "parent_group_id": group.id,
        "ip_protocol": rule["protocol"],
        "from_port": rule["port_range_min"],
        "to_port": rule["port_range_max"],
        "group": {"name": named.name, "tenant_id": named.owner} if remote else {},
        "ip_range": {"cidr": rule["remote_ip_prefix"]} if rule["remote_ip_prefix"] else {},
    }


def _nova_group(group: SecurityGroup, cloud: Cloud | None = None) -> dict[str, Any]:
    """A group in Nova's legacy format (``security_group_api._convert_to_nova_security_group_format``)."""
    rules = [
        _nova_rule(cloud, group, rule)
        for rule in group.rules()
        if rule["direction"] == "ingress" and (rule["ethertype"] == "IPv4" or rule in group.added)
    ]
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "tenant_id": group.owner,
        "rules": rules,
    }


def groups_body(cloud: Cloud, record: Record) -> dict[str, Any]:
    """``GET /servers/{id}/os-security-groups``."""
    try:
        groups = cloud.networks.server_groups(record)
    except ApiError:
        groups = []
    return {"security_groups": [_nova_group(g, cloud) for g in groups]}


# -- the os-security-groups proxy (nova/api/openstack/compute/security_groups.py, microversions 2.1-2.35) --
MAX_PROXY_VERSION: Version = (2, 35)
"""Nova's ``MAX_PROXY_API_SUPPORT_VERSION``: from 2.36 the proxy routes are gone (404)."""


def _proxy(version: Version) -> None:
    if version > MAX_PROXY_VERSION:
        raise not_found("The resource could not be found.")


def _visible_group(cloud: Cloud, context: RequestContext, group_id: str) -> SecurityGroup:
    group = cloud.networks.groups.get(group_id)
    if group is None or not (context.is_admin or group.owner == context.project_id):
        raise not_found(f"Security group {group_id} not found.")
    return group


def _group_spec(body: Any) -> dict[str, str]:
    """The ``security_group`` object of a create/update body (Nova's ``security_groups`` schema)."""
    spec = body.get("security_group") if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        raise bad_request("Invalid input for field/attribute security_group. Value: None. None is not of type 'object'")
    out: dict[str, str] = {}
    for field in ("name", "description"):
        value = spec.get(field)
        if not isinstance(value, str) or len(value) > 255:
            raise bad_request(
                f"Invalid input for field/attribute {field}. Value: {value!r}. "
                f"{value!r} is not a string of at most 255 characters"
            )
        out[field] = value
    return out


def proxy_groups(cloud: Cloud, context: RequestContext, version: Version, all_tenants: bool = False) -> Reply:
    """``GET /os-security-groups``: the caller's project's groups; every project's for an admin's ``all_tenants``."""
    _proxy(version)
    cloud.networks.default_group(context.project_id)
    every = all_tenants and context.is_admin
    groups = [g for g in list(cloud.networks.groups.values()) if every or g.owner == context.project_id]
    return 200, {"security_groups": [_nova_group(g, cloud) for g in groups]}, {}


def proxy_create(cloud: Cloud, context: RequestContext, version: Version, body: Any) -> Reply:
    """``POST /os-security-groups``: a new group of the caller's project (200, as Nova)."""
    _proxy(version)
    spec = _group_spec(body)
    if spec["name"] == "default":
        raise bad_request("Default security group already exists.")  # Neutron's 409, a 400 through Nova
    group = cloud.networks.create_group(spec["name"], context.project_id, spec["description"])
    return 200, {"security_group": _nova_group(group, cloud)}, {}


def proxy_group(
    cloud: Cloud, context: RequestContext, version: Version, group_id: str, method: str, body: Any
) -> Reply:
    """``GET``/``PUT``/``DELETE /os-security-groups/{id}``."""
    _proxy(version)
    group = _visible_group(cloud, context, group_id)
    if method == "GET":
        return 200, {"security_group": _nova_group(group, cloud)}, {}
    if method == "PUT":
        spec = _group_spec(body)
        group.name, group.description = spec["name"], spec["description"]
        return 200, {"security_group": _nova_group(group, cloud)}, {}
    if any(group in port.groups for port in cloud.networks.live_ports()):
        raise bad_request(f"Security Group {group_id} in use.")
    if group.name == "default":
        raise bad_request("Insufficient rights for removing default security group.")
    cloud.networks.delete_group(group)
    return 202, None, {}


def _port(value: Any, protocol: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        if protocol.upper() == "ICMP":
            raise bad_request("Invalid input received: Type and Code must be integers for ICMP protocol type") from None
        raise bad_request("Invalid input received: To and From ports must be integers") from None


def _ingress_rule(spec: dict[str, Any]) -> dict[str, Any] | None:
    """Nova's ``security_group_api._new_ingress_rule``: the rule's fields, or ``None`` when too few are given."""
    protocol, low, high = spec.get("ip_protocol"), spec.get("from_port"), spec.get("to_port")
    values: dict[str, Any] = {}
    if spec.get("group_id"):
        values["group_id"] = spec["group_id"]
        upper = str(protocol).upper() if protocol else ""
        if upper == "ICMP" and low is None and high is None:
            low, high = -1, -1
        elif upper in ("TCP", "UDP") and low is None and high is None:
            low, high = 1, 65535
    else:
        cidr = spec.get("cidr") or "0.0.0.0/0"
        try:
            ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            raise bad_request(f"{cidr} is not a valid IP network.") from None
        values["cidr"] = str(cidr)
    if protocol and low is not None and high is not None:
        protocol = str(protocol)
        low, high = _port(low, protocol), _port(high, protocol)
        upper = protocol.upper()
        if upper not in ("TCP", "UDP", "ICMP"):
            raise bad_request(f"Invalid IP protocol {protocol}.")
        if upper in ("TCP", "UDP") and low > high:
            raise bad_request(f"Invalid port range {low}:{high}. Former value cannot be greater than the later")
        if upper in ("TCP", "UDP") and (low < 1 or high > 65535):
            raise bad_request(f"Invalid port range {low}:{high}. Valid {upper} ports should be between 1-65535")
        if upper == "ICMP" and not (-1 <= low <= 255 and -1 <= high <= 255):
            raise bad_request(f"Invalid port range {low}:{high}. For ICMP, the type:code must be valid")
        values.update(protocol=protocol.lower(), from_port=low, to_port=high)
    elif "cidr" in values:
        return None  # a cidr rule needs a protocol and ports
    return values


def proxy_create_rule(cloud: Cloud, context: RequestContext, version: Version, body: Any) -> Reply:
    """``POST /os-security-group-rules`` (``SecurityGroupRulesController.create``): an ingress rule, 200."""
    _proxy(version)
    spec = body.get("security_group_rule") if isinstance(body, dict) else None
    if not isinstance(spec, dict) or not isinstance(spec.get("parent_group_id"), str):
        raise bad_request(
            "Invalid input for field/attribute security_group_rule. 'parent_group_id' is a required property"
        )
    for field in ("parent_group_id", "group_id"):  # the create_rules schema: format uuid
        value = spec.get(field)
        try:
            if value is not None:
                uuid.UUID(str(value))
        except ValueError:
            raise bad_request(
                f"Invalid input for field/attribute {field}. Value: {value}. '{value}' is not a 'uuid'"
            ) from None
    group = _visible_group(cloud, context, spec["parent_group_id"])
    if spec.get("group_id") is not None:
        _visible_group(cloud, context, str(spec["group_id"]))
    values = _ingress_rule(spec)
    if values is None:
        raise bad_request("Not enough parameters to build a valid rule.")
    cidr = values.get("cidr")
    if cidr is not None:
        net, _, prefix = str(cidr).partition("/")
        if net not in ("0.0.0.0", "::") and prefix == "0":
            raise bad_request(f"Bad prefix for network in cidr {cidr}")
    fields = {
        "protocol": values.get("protocol"),
        "port_range_min": values.get("from_port"),
        "port_range_max": values.get("to_port"),
        "remote_ip_prefix": cidr,
        "remote_group_id": values.get("group_id"),
        "ethertype": "IPv6" if cidr and ":" in str(cidr) else "IPv4",
    }
    if any(all(rule.get(k) == v for k, v in fields.items()) for rule in group.added):
        raise bad_request(f"This rule already exists in group {group.id}")
    rule = group.add_rule(**fields)
    return 200, {"security_group_rule": _nova_rule(cloud, group, rule)}, {}


def proxy_delete_rule(cloud: Cloud, context: RequestContext, version: Version, rule_id: str) -> Reply:
    """``DELETE /os-security-group-rules/{id}``: 202."""
    _proxy(version)
    try:
        uuid.UUID(rule_id)
    except ValueError:
        raise bad_request("Security group id should be uuid") from None
    for group in list(cloud.networks.groups.values()):
        for rule in group.added:
            if rule["id"] == rule_id and (context.is_admin or group.owner == context.project_id):
                group.added.remove(rule)
                return 202, None, {}
    raise not_found(f"Security group with rule {rule_id} not found.")
