"""Where a server may go: the scheduler filters the fake applies when it places or moves one.

Nova's scheduler keeps a request's ``os:scheduler_hints`` in its RequestSpec
(``nova/objects/request_spec.py`` ``_from_hints``: every value a list of
strings) and filters hosts with them on the first placement and on every move
(migrate, live-migrate, evacuate). The filters modelled here, from
``nova/scheduler/filters/affinity_filter.py``:

* ``SameHostFilter``: with ``same_host``, only a host running one of the named
  servers passes (``utils.instance_uuids_overlap``).
* ``DifferentHostFilter``: with ``different_host``, a host running one of them fails.
* ``ServerGroupAffinityFilter``: a member of an ``affinity`` group goes to a
  host of the other members, once one has a host.
* ``ServerGroupAntiAffinityFilter``: a member of an ``anti-affinity`` group goes
  to a host with fewer than ``max_server_per_host`` (1 by default) members;
  the host it already runs on passes (a resize may stay).

The ``soft-`` policies are weighers in Nova (``nova/scheduler/weights/affinity.py``):
they only rank hosts, as :func:`preference` does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lifecycle.api.schema import invalid

if TYPE_CHECKING:
    from lifecycle.api.cloud import Cloud, Record

__all__ = ["hints_of", "host_passes", "preference"]

_SERVER_HINTS = ("same_host", "different_host")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def hints_of(body: Any) -> dict[str, list[str]]:
    """The scheduler hints of a create body as Nova's RequestSpec keeps them (each value a list).

    ``same_host``/``different_host`` are checked as ``schemas/servers.py`` ``_hints``:
    a server UUID string or an array of server ids (400 otherwise). Other hints
    (``group`` is checked by :func:`lifecycle.api.server_groups.requested_group`)
    are kept as given, as Nova keeps hints no filter reads.

    Raises:
        ApiError: 400 for a malformed ``same_host`` or ``different_host``.
    """
    hints: Any = {}
    if isinstance(body, dict):
        hints = body.get("os:scheduler_hints", body.get("OS-SCH-HNT:scheduler_hints")) or {}
    if not isinstance(hints, dict):
        return {}
    out: dict[str, list[str]] = {}
    for key, value in hints.items():
        if key in _SERVER_HINTS:
            if isinstance(value, str):
                if key == "different_host" and not _is_uuid(value):  # 'format': 'uuid'
                    raise invalid((key,), value, f"{value!r} is not a 'uuid'")
                value = [value]
            if not isinstance(value, list):
                raise invalid((key,), value, f"{value!r} is not of type 'string', 'array'")
            for item in value:
                if not isinstance(item, str) or not 1 <= len(item) <= 255:  # parameter_types.server_id
                    raise invalid((key,), item, f"{item!r} is not of type 'string'")
        out[str(key)] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return out


def _group_of(cloud: Cloud, record: Record) -> tuple[str, list[str], Mapping[str, Any]] | None:
    """``(policy, other members, rules)`` of the server's group, if it has one."""
    from lifecycle.api.store import state_of  # store imports the cloud module: import when placing

    state = state_of(cloud)
    with state.lock:
        for group in state.groups.values():
            if record.id in group.members:
                return group.policy, [m for m in group.members if m != record.id], dict(group.rules)
    return None


def _hosts_of(cloud: Cloud, server_ids: list[str]) -> list[str]:
    """The hosts the given servers run on (``host_state.instances``), unknown ones ignored."""
    wanted = set(server_ids)
    return [r.host for r in cloud.records() if r.id in wanted and r.host is not None]


def host_passes(cloud: Cloud, record: Record, host: str) -> bool:
    """Every modelled filter lets ``record`` go to ``host``."""
    hints = record.scheduler_hints
    same = hints.get("same_host")
    if same and host not in _hosts_of(cloud, same):
        return False
    different = hints.get("different_host")
    if different and host in _hosts_of(cloud, different):
        return False
    group = _group_of(cloud, record)
    if group is None:
        return True
    policy, others, rules = group
    if policy == "affinity":
        group_hosts = _hosts_of(cloud, others)
        return not group_hosts or host in group_hosts
    if policy == "anti-affinity":
        if record.host == host:
            return True  # "Move operations like resize can check the same source compute node"
        return _hosts_of(cloud, others).count(host) < int(rules.get("max_server_per_host", 1))
    return True


def preference(cloud: Cloud, record: Record, host: str) -> int:
    """The soft policies' weight (lower first): members of a ``soft-affinity`` group on the host
    count for it, of a ``soft-anti-affinity`` group against it (``ServerGroupSoft*Weigher``)."""
    group = _group_of(cloud, record)
    if group is None or group[0] not in ("soft-affinity", "soft-anti-affinity"):
        return 0
    members = _hosts_of(cloud, group[1]).count(host)
    return -members if group[0] == "soft-affinity" else members
