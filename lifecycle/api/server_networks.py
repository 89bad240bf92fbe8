"""What Nova's server routes ask of the Network service: security groups of a server.

``POST /servers`` with ``security_groups``, ``GET /servers/{id}/os-security-groups``
and the ``addSecurityGroup``/``removeSecurityGroup`` actions
(``nova/api/openstack/compute/security_groups.py``), over the cloud's
:class:`~lifecycle.api.networks.Networks`. Ansible's ``openstack.cloud.server``
reads the list on every run to decide whether anything must change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lifecycle.api.actions import Reply
from lifecycle.api.cloud import Cloud, Record
from lifecycle.api.context import RequestContext
from lifecycle.api.errors import ApiError, bad_request
from lifecycle.api.networks import SecurityGroup

__all__ = ["ACTIONS", "groups_body", "requested_groups"]


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


def _nova_group(group: SecurityGroup) -> dict[str, Any]:
    """A group in Nova's legacy format (``security_group_api._convert_to_nova_security_group_format``)."""
    rules = []
    for rule in group.rules():
        if rule["direction"] != "ingress" or rule["ethertype"] != "IPv4":
            continue
        remote = rule["remote_group_id"]
        rules.append(
            {
                "id": rule["id"],
                "parent_group_id": group.id,
                "ip_protocol": rule["protocol"],
                "from_port": rule["port_range_min"],
                "to_port": rule["port_range_max"],
                "group": {"name": group.name, "tenant_id": group.owner} if remote else {},
                "ip_range": {"cidr": rule["remote_ip_prefix"]} if rule["remote_ip_prefix"] else {},
            }
        )
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
    return {"security_groups": [_nova_group(g) for g in groups]}
