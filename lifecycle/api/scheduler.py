"""Where a new server goes: availability zones, forced and requested hosts, server-group policies.

Nova decides this in several places, all followed here:

* ``compute/api.py:API.parse_availability_zone``: ``availability_zone`` is
  ``zone``, ``zone:host``, ``zone::node`` or ``zone:host:node``; more colons are
  400 ``Invalid input received: Unable to parse availability_zone``. A host or
  node needs ``os_compute_api:servers:create:forced_host`` (admin).
* ``servers.py:_validate_host_availability_zone``: with a forced host the zone
  is kept only if the host is in it, else dropped (bug #1934770), and
  ``API.create`` checks the zone only when no host is forced: a zone no enabled
  service is in is 400 ``The requested availability zone is not available``
  (``availability_zones.get_availability_zones(get_only_available=True)``,
  which also counts the control services' ``internal`` zone).
* 2.74 ``host``/``hypervisor_hostname`` (``_process_hosts_for_create``): admin
  only (``compute:servers:create:requested_destination``), exclusive with a
  forced host (400), unknown is 400 ``Compute host X could not be found.``
  (``API._validate_host_or_node``); unlike a forced host they still pass the filters.
* The scheduler, after the API answered 202: a forced host or node that does not
  exist is ``NoValidHost`` ``No such host - host: X node: Y``
  (``scheduler/utils.py:resources_from_request_spec``); a forced host skips the
  filters (``host_manager.get_filtered_hosts``); otherwise a host must be up and
  enabled (``ComputeFilter``), in the zone (``AvailabilityZoneFilter``) and pass
  the group's policy (``ServerGroupAffinityFilter``: on a host of the members,
  once there are any; ``ServerGroupAntiAffinityFilter``: fewer than
  ``max_server_per_host`` members there, 1 by default). ``soft-`` policies only
  weigh (``ServerGroupSoftAffinityWeigher``/``SoftAntiAffinityWeigher``); among
  equals the host with the fewest servers wins (the RAM weigher's spreading).
  The servers of one request are placed one after the other, each seeing the
  hosts taken before it (``_consume_selected_host``); if one cannot be placed
  the whole request fails (``_ensure_sufficient_hosts``: ``There are not enough
  hosts available.``) and every server of it ends in ERROR with that fault
  (``conductor/manager.py:schedule_and_build_instances``, ``_bury_in_cell0``).

* The scheduler hints of the request (``os:scheduler_hints``, kept in the RequestSpec as lists:
  ``objects/request_spec.py:_from_hints``): ``SameHostFilter`` keeps only hosts running one
  of the ``same_host`` servers, ``DifferentHostFilter`` drops hosts running one of the
  ``different_host`` ones (``affinity_filter.py``, ``utils.instance_uuids_overlap``).

Moves (resize, migrate, live-migrate, evacuate, unshelve of an offloaded server) are scheduled
with the same request spec (:func:`move_destination`): the hints, the pinned zone and the group's
policy, whose hosts include the moving member's own (``scheduler/utils.py:setup_instance_group``,
``InstanceGroup.get_hosts``), while the source is an ignored host for migrate
(``compute/api.py:API.resize``: libvirt cannot cold-migrate to the same host), live-migrate
(``conductor/tasks/live_migrate.py:_find_destination``) and evacuate
(``conductor/manager.py:rebuild_instance``); a resize may stay (DevStack's
``allow_resize_to_same_host``). A requested host still passes the filters; a forced one
(live-migrate before 2.30 or with ``force``, evacuate before 2.29 or with ``force``) skips them.
No host: ``NoValidHost`` ``There are not enough hosts available.`` (``_ensure_sufficient_hosts``),
which the conductor turns into each move's failure (:meth:`Cloud.perform
<lifecycle.api.cloud.Cloud.perform>` injects the model's ``no_valid_host`` fault).

The fake decides at the request (Nova's conductor does it right after) and
reserves the host on the record (``target_host``) until the build leaves
``scheduling``; a failure is the model's ``no_valid_host`` fault of ``create``.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lifecycle.api.aggregates import host_zones
from lifecycle.api.errors import ApiError, bad_request
from lifecycle.api.routing import require_admin
from lifecycle.api.schema import invalid

if TYPE_CHECKING:
    from lifecycle.api.cloud import Cloud, Record
    from lifecycle.api.context import RequestContext
    from lifecycle.api.store import ServerGroup

__all__ = [
    "DEFAULT_ZONE",
    "INTERNAL_ZONE",
    "NOT_ENOUGH_HOSTS",
    "Move",
    "Where",
    "available_zones",
    "boot_fields",
    "check",
    "check_destination",
    "check_zone",
    "hints_of",
    "host_passes",
    "move_destination",
    "preference",
    "requested",
    "schedule",
    "zone_of",
]

DEFAULT_ZONE = "nova"
"""``CONF.default_availability_zone``: the zone of a host no aggregate puts in one."""
INTERNAL_ZONE = "internal"
"""``CONF.internal_service_availability_zone``: the zone of the control services (scheduler, conductor)."""
NOT_AVAILABLE = "The requested availability zone is not available"
NOT_ENOUGH_HOSTS = "There are not enough hosts available."
"""``scheduler/manager.py:_ensure_sufficient_hosts``: the reason of a NoValidHost when the filters leave no host."""


@dataclasses.dataclass(frozen=True)
class Where:
    """What a create asks about placement."""

    zone: str | None = None
    """The zone asked for (None: any); the request spec's zone, so the server's pinned zone."""
    forced_host: str | None = None
    forced_node: str | None = None
    host: str | None = None
    """2.74 ``host``: a requested destination, which still passes the filters."""
    node: str | None = None
    """2.74 ``hypervisor_hostname``."""


def available_zones(cloud: Cloud) -> set[str]:
    """``get_availability_zones(get_only_available=True)``: the zones of the enabled services."""
    zones = host_zones(cloud)
    return {INTERNAL_ZONE, *(zones[h.name] for h in cloud.hosts.values() if not h.disabled)}


def check_zone(cloud: Cloud, zone: str | None) -> None:
    """400 ``The requested availability zone is not available`` unless ``zone`` is None or available."""
    if zone and zone not in available_zones(cloud):
        raise bad_request(NOT_AVAILABLE)


def requested(
    cloud: Cloud, context: RequestContext, zone_text: str | None, host: str | None = None, node: str | None = None
) -> Where:
    """Parse and check the placement a create asks for (400/403 as ``servers.py:create``), before the flavor.

    ``host``/``node`` are the 2.74 ``host`` and ``hypervisor_hostname`` fields.
    """
    zone, forced_host, forced_node = _parse(zone_text)
    if forced_host or forced_node:
        require_admin(context, "os_compute_api:servers:create:forced_host")
        zone = _host_zone(cloud, zone, forced_host)
    if host or node:
        require_admin(context, "compute:servers:create:requested_destination")
        if forced_host or forced_node:
            raise bad_request(
                "One mechanism with host and/or hypervisor_hostname and another mechanism "
                "with zone:host:node are mutually exclusive."
            )
    return Where(zone or None, forced_host or None, forced_node or None, host or None, node or None)


def _parse(text: str | None) -> tuple[str | None, str | None, str | None]:
    """``API.parse_availability_zone``."""
    if not text or ":" not in text:
        return text, None, None
    parts = text.split(":")
    if len(parts) == 2:
        return parts[0], parts[1], None
    if len(parts) == 3:
        if "::" in text:
            zone, node = text.split("::")
            return zone, None, node
        return parts[0], parts[1], parts[2]
    raise bad_request("Invalid input received: Unable to parse availability_zone")


def _host_zone(cloud: Cloud, zone: str | None, host: str | None) -> str | None:
    """``_validate_host_availability_zone``: the zone asked for if the forced host is in it, else None."""
    found = host_zones(cloud).get(host or "")
    in_aggregate_zone = found is not None and found != DEFAULT_ZONE
    if not in_aggregate_zone:
        return zone if zone == DEFAULT_ZONE else None
    return zone if zone == found else None


def check_destination(cloud: Cloud, where: Where) -> None:
    """``API._validate_host_or_node`` (in ``API.create``, after the zone): an unknown 2.74 host or node is 400."""
    if where.host is not None and where.host not in cloud.hosts:
        raise bad_request(f"Compute host {where.host} could not be found.")
    if where.node is not None:
        if where.host is None and where.node not in cloud.hosts:
            raise bad_request(f"Compute host {where.node} could not be found.")
        if where.host is not None and where.node != where.host:  # ComputeNode.get_by_host_and_nodename
            raise bad_request(f"Compute host {where.host} could not be found.")


def schedule(
    cloud: Cloud, where: Where, group: ServerGroup | None, count: int, hints: Mapping[str, list[str]] | None = None
) -> list[str] | str:
    """The hosts of ``count`` new servers, in order, or the reason of the ``NoValidHost`` they all fail with.

    ``hints``: the request's scheduler hints (:func:`hints_of`), for ``same_host``/``different_host``.
    """
    zones = host_zones(cloud)
    if where.forced_host or where.forced_node:
        name = where.forced_host or where.forced_node
        if name not in cloud.hosts or (where.forced_node and where.forced_host and where.forced_node != name):
            return f"No such host - host: {where.forced_host} node: {where.forced_node} "
        return [str(name)] * count  # forced: no filters
    load = _load(cloud)
    members = _member_hosts(cloud, group)
    chosen: list[str] = []
    for _ in range(count):
        candidates = [
            h.name
            for h in cloud.hosts.values()
            if h.up
            and not h.disabled
            and (where.zone is None or zones[h.name] == where.zone)
            and (where.host is None or h.name == where.host)
            and (where.node is None or h.name == where.node)
            and _passes(group, h.name, members)
            and _hints_pass(cloud, hints or {}, h.name)
        ]
        if not candidates:
            return NOT_ENOUGH_HOSTS
        best = min(candidates, key=lambda n: (_weight(group, n, members), load.get(n, 0), n))
        chosen.append(best)
        load[best] = load.get(best, 0) + 1
        members.append(best)
    return chosen


def zone_of(cloud: Cloud, host: str) -> str:
    """The zone a host is in (an aggregate's ``availability_zone``, else :data:`DEFAULT_ZONE`)."""
    return host_zones(cloud).get(host, DEFAULT_ZONE)


def _passes(group: ServerGroup | None, host: str, members: list[str]) -> bool:
    """The hard policies' filters (``scheduler/filters/affinity_filter.py``)."""
    if group is None:
        return True
    if group.policy == "affinity":
        return not members or host in members
    if group.policy == "anti-affinity":
        return members.count(host) < int(group.rules.get("max_server_per_host", 1))
    return True


def _weight(group: ServerGroup | None, host: str, members: list[str]) -> int:
    """The soft policies' weighers (``scheduler/weights/affinity.py``): lower sorts first."""
    if group is None:
        return 0
    if group.policy == "soft-affinity":
        return -members.count(host)
    if group.policy == "soft-anti-affinity":
        return members.count(host)
    return 0


def _placed_on(record: Record) -> str | None:
    """The host a server is on, or reserved while it is scheduled."""
    return record.host or record.target_host


def _load(cloud: Cloud) -> dict[str, int]:
    load: dict[str, int] = {}
    for record in cloud.records():
        host = _placed_on(record)
        if host is not None:
            load[host] = load.get(host, 0) + 1
    return load


def _member_hosts(cloud: Cloud, group: ServerGroup | None) -> list[str]:
    """The hosts of the group's live members, one entry per member (``InstanceGroup.get_hosts`` with counts)."""
    if group is None:
        return []
    hosts: list[str] = []
    for member in list(group.members):
        try:
            host = _placed_on(cloud.record(member))
        except ApiError:
            continue
        if host is not None:
            hosts.append(host)
    return hosts


def check(cloud: Cloud, where: Where) -> None:
    """``API.create``'s checks, after the flavor: the zone (unless a host is forced), then a 2.74 destination."""
    if where.forced_host is None:
        check_zone(cloud, where.zone)
    check_destination(cloud, where)


def boot_fields(cloud: Cloud, where: Where, hosts: list[str] | str, index: int) -> dict[str, Any]:
    """The :meth:`Cloud.boot <lifecycle.api.cloud.Cloud.boot>` fields of the ``index``-th server of a request."""
    fields: dict[str, Any] = {"pinned_az": where.zone}
    if isinstance(hosts, str):
        return {**fields, "availability_zone": where.zone or DEFAULT_ZONE, "no_valid_host": hosts}
    host = hosts[index]
    return {**fields, "availability_zone": zone_of(cloud, host), "target_host": host}


# -- scheduler hints (same_host, different_host) and moves ---------------------------------
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
    a server UUID string (``same_host``: any string) or an array of server ids (400
    otherwise). Other hints (``group`` is checked by
    :func:`lifecycle.api.server_groups.requested_group`) are kept as given, as Nova
    keeps hints no filter reads.

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


def _hosts_of(cloud: Cloud, server_ids: list[str]) -> list[str]:
    """The hosts the given servers are on or reserved on (``host_state.instances``), unknown ones ignored."""
    wanted = set(server_ids)
    return [host for r in cloud.placed() if r.id in wanted and (host := _placed_on(r)) is not None]


def _hints_pass(cloud: Cloud, hints: Mapping[str, list[str]], host: str) -> bool:
    """``SameHostFilter`` and ``DifferentHostFilter``."""
    same = hints.get("same_host")
    if same and host not in _hosts_of(cloud, list(same)):
        return False
    different = hints.get("different_host")
    return not (different and host in _hosts_of(cloud, list(different)))


def _group_of(cloud: Cloud, record: Record) -> ServerGroup | None:
    from lifecycle.api.store import state_of  # store imports the cloud module

    state = state_of(cloud)
    with state.lock:
        return next((g for g in state.groups.values() if record.id in g.members), None)


def host_passes(cloud: Cloud, record: Record, host: str) -> bool:
    """Whether a move may take ``record`` to ``host``: its hints and its group's hard policy.

    ``affinity_filter.py``: anti-affinity counts the other members on ``host`` (the host
    the server is on passes: "Move operations like resize can check the same source");
    affinity wants a host of the group's, its own one included (``setup_instance_group``
    fills ``instance_group.hosts`` with ``InstanceGroup.get_hosts()``, no member excluded).
    """
    if not _hints_pass(cloud, record.scheduler_hints, host):
        return False
    group = _group_of(cloud, record)
    if group is None or (group.policy == "anti-affinity" and record.host == host):
        return True
    if group.policy == "affinity":
        return _passes(group, host, _hosts_of(cloud, list(group.members)))
    others = _hosts_of(cloud, [m for m in group.members if m != record.id])
    return _passes(group, host, others)


def preference(cloud: Cloud, record: Record, host: str) -> int:
    """The soft policies' weight of ``host`` for a move of ``record`` (lower first)."""
    group = _group_of(cloud, record)
    others = [] if group is None else _hosts_of(cloud, [m for m in group.members if m != record.id])
    return _weight(group, host, others)


@dataclasses.dataclass(frozen=True)
class Move:
    """What a move asks of the scheduler (the defaults: pick any host the filters allow)."""

    host: str | None = None
    """A host the request names: the only candidate, still filtered (``requested_destination``)."""
    forced: bool = False
    """``host`` is forced: no filters (the conductor sends the move straight to it)."""
    zone: str | None = None
    """The zone of the request spec: unshelve's ``availability_zone`` (2.77), else (None) the pinned zone."""
    unpin: bool = False
    """Unshelve with ``availability_zone: null`` (2.91): any zone (``API.unshelve`` unpins the request spec)."""
    stay: bool = False
    """The source host may be chosen (a resize: DevStack's ``allow_resize_to_same_host``)."""


def move_destination(cloud: Cloud, record: Record, move: Move) -> str | None:
    """The host a move of ``record`` goes to, or None: the scheduler's ``NoValidHost``.

    The candidates are the up, enabled hosts (``ComputeFilter``) in the zone
    (``AvailabilityZoneFilter``), other than the source unless ``move.stay``
    (``ignore_hosts``), that pass the hints and the group's policy (:func:`host_passes`);
    then the soft policies, another host before the source, the fewest servers, the name.
    """
    if move.forced:
        return move.host
    zones = host_zones(cloud)
    load = _load(cloud)
    source = record.host
    candidates = [
        h.name
        for h in cloud.hosts.values()
        if h.up
        and not h.disabled
        and (move.stay or h.name != source)
        and (move.host is None or h.name == move.host)
        and (move.zone is None or zones[h.name] == move.zone)
        and host_passes(cloud, record, h.name)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda n: (preference(cloud, record, n), n == source, load.get(n, 0), n))
