"""``os-aggregates``: host aggregates over the cloud's compute hosts (``nova/api/openstack/compute/aggregates.py``).

An aggregate has an integer id, a unique name, an optional availability zone
(kept, as Nova does, as the ``availability_zone`` metadata key), hosts and
metadata. Every route is admin-only (``os_compute_api:os-aggregates:*``).
Bodies are checked as ``schemas/aggregates.py``; a non-integer id is 400
(``utils.validate_integer``); an unknown host is 404 ``ComputeHostNotFound``;
a host already there is 409 ``AggregateHostExists``; a non-empty aggregate
cannot be deleted (400 ``InvalidAggregateAction``). Create and delete answer
200 (Nova's note: "for backwards compatibility"); ``uuid`` shows from 2.41.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
import uuid
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import action_peek, bad_request, conflict, not_found
from lifecycle.api.routing import Route, body_of, no_query, require_admin
from lifecycle.api.schema import Field, any_of, invalid, mapping, name, null, obj, pattern, string

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Cloud

__all__ = ["ROUTES", "Aggregate", "host_zones"]

POLICY = "os_compute_api:os-aggregates:{}"
AZ_KEY = "availability_zone"

_AZ = any_of(name(), null())
_HOST = pattern(r"^[a-zA-Z0-9-._]*$", min_len=1, max_len=255)
"""``parameter_types.fqdn``."""
_METADATA = mapping(pattern(r"^[a-zA-Z0-9-_:. ]{1,255}$"), any_of(string(max_len=255), null()))
"""``parameter_types.metadata_with_null``."""

CREATE = obj({"aggregate": obj({"name": name(), AZ_KEY: _AZ}, required=("name",))}, required=("aggregate",))
UPDATE = obj({"aggregate": obj({"name": name(), AZ_KEY: _AZ})}, required=("aggregate",))
ACTIONS = {
    "add_host": obj({"add_host": obj({"host": _HOST}, required=("host",))}, required=("add_host",)),
    "remove_host": obj({"remove_host": obj({"host": _HOST}, required=("host",))}, required=("remove_host",)),
    "set_metadata": obj(
        {"set_metadata": obj({"metadata": Field(_METADATA)}, required=("metadata",))}, required=("set_metadata",)
    ),
}


def _now() -> str:
    """Nova's naive UTC timestamps (``_marshall_aggregate`` drops the tzinfo)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None).isoformat()


@dataclasses.dataclass
class Aggregate:
    """One host aggregate (``nova.objects.Aggregate``)."""

    id: int
    name: str
    hosts: list[str] = dataclasses.field(default_factory=list)
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    uuid: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = dataclasses.field(default_factory=_now)
    updated_at: str | None = None


@dataclasses.dataclass
class _State:
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    aggregates: dict[int, Aggregate] = dataclasses.field(default_factory=dict)
    last_id: int = 0


def _state(cloud: Cloud) -> _State:
    return cloud.service_state("nova-aggregates", _State)


def host_zones(cloud: Cloud) -> dict[str, str]:
    """Every compute host's availability zone: its aggregate's ``availability_zone``, else ``nova``.

    ``availability_zones.get_host_availability_zone`` (the first aggregate of the host
    with the key; ``CONF.default_availability_zone`` when none has it).
    """
    state = _state(cloud)
    with state.lock:
        aggregates = sorted(state.aggregates.values(), key=lambda a: a.id)
        found = {h: "nova" for h in cloud.hosts}
        for host in found:
            zone = next((a.metadata[AZ_KEY] for a in aggregates if host in a.hosts and a.metadata.get(AZ_KEY)), None)
            if zone is not None:
                found[host] = zone
    return found


def _view(aggregate: Aggregate, request: Request, *, full: bool = True) -> dict[str, Any]:
    """``_marshall_aggregate``; create drops ``hosts`` and ``metadata`` (``full=False``)."""
    body: dict[str, Any] = {
        "availability_zone": aggregate.metadata.get(AZ_KEY),
        "created_at": aggregate.created_at,
        "deleted": False,
        "deleted_at": None,
        "id": aggregate.id,
        "name": aggregate.name,
        "updated_at": aggregate.updated_at,
    }
    if full:
        body["hosts"] = list(aggregate.hosts)
        body["metadata"] = dict(aggregate.metadata)
    if request.version >= (2, 41):
        body["uuid"] = aggregate.uuid
    return body


def _id(text: str) -> int:
    """``utils.validate_integer(id, 'id')``."""
    try:
        return int(text)
    except ValueError:
        raise bad_request("Invalid input received: id must be an integer") from None


def _find(state: _State, text: str) -> Aggregate:
    found = state.aggregates.get(_id(text))
    if found is None:
        raise not_found(f"Aggregate {text} could not be found.")
    return found


def _name_free(state: _State, wanted: str, mine: int | None = None) -> None:
    if any(a.name == wanted and a.id != mine for a in state.aggregates.values()):
        raise conflict(f"Aggregate {wanted} already exists.")


def _index(app: ComputeApp, request: Request) -> Reply:
    require_admin(request.context, POLICY.format("index"))
    no_query(request)
    with _state(app.cloud).lock:
        found = list(_state(app.cloud).aggregates.values())
    return 200, {"aggregates": [_view(a, request) for a in found]}, {}


def _create(app: ComputeApp, request: Request) -> Reply:
    spec = body_of(request, CREATE)["aggregate"]
    require_admin(request.context, POLICY.format("create"))
    state = _state(app.cloud)
    with state.lock:
        _name_free(state, spec["name"])
        state.last_id += 1
        aggregate = Aggregate(state.last_id, spec["name"])
        if spec.get(AZ_KEY):
            aggregate.metadata[AZ_KEY] = spec[AZ_KEY]
        state.aggregates[aggregate.id] = aggregate
    return 200, {"aggregate": _view(aggregate, request, full=False)}, {}


def _show(app: ComputeApp, request: Request, ref: str) -> Reply:
    require_admin(request.context, POLICY.format("show"))
    no_query(request)
    state = _state(app.cloud)
    with state.lock:
        return 200, {"aggregate": _view(_find(state, ref), request)}, {}


def _update(app: ComputeApp, request: Request, ref: str) -> Reply:
    spec = body_of(request, UPDATE)["aggregate"]
    if not spec:  # anyOf: [{required: [name]}, {required: [availability_zone]}]
        raise invalid(("aggregate",), spec, f"{spec!r} is not valid under any of the given schemas")
    require_admin(request.context, POLICY.format("update"))
    state = _state(app.cloud)
    with state.lock:
        aggregate = _find(state, ref)
        if "name" in spec:
            _name_free(state, spec["name"], aggregate.id)
            aggregate.name = spec["name"]
        if AZ_KEY in spec:
            if spec[AZ_KEY]:
                aggregate.metadata[AZ_KEY] = spec[AZ_KEY]
            else:
                aggregate.metadata.pop(AZ_KEY, None)
        aggregate.updated_at = _now()
        return 200, {"aggregate": _view(aggregate, request)}, {}


def _delete(app: ComputeApp, request: Request, ref: str) -> Reply:
    require_admin(request.context, POLICY.format("delete"))
    state = _state(app.cloud)
    with state.lock:
        aggregate = _find(state, ref)
        if aggregate.hosts:
            raise bad_request(f"Cannot delete aggregate: {aggregate.id}. Reason: Host aggregate is not empty")
        del state.aggregates[aggregate.id]
    return 200, None, {}


def _action(app: ComputeApp, request: Request, ref: str) -> Reply:
    body = request.json()
    action = action_peek(body, ACTIONS)
    body_of(request, ACTIONS[action])
    require_admin(request.context, POLICY.format(action))
    state = _state(app.cloud)
    with state.lock:
        aggregate = _find(state, ref)
        if action == "set_metadata":
            for key, value in body[action]["metadata"].items():
                if value is None:
                    aggregate.metadata.pop(key, None)
                else:
                    aggregate.metadata[key] = value
        else:
            _move_host(app, aggregate, ref, action, body[action]["host"])
        aggregate.updated_at = _now()
        return 200, {"aggregate": _view(aggregate, request)}, {}


def _move_host(app: ComputeApp, aggregate: Aggregate, ref: str, action: str, host: str) -> None:
    """``add_host_to_aggregate`` / ``remove_host_from_aggregate`` of ``nova/compute/api.py``."""
    if action == "add_host":
        if host not in app.cloud.hosts:
            raise not_found(f"Compute host {host} could not be found.")
        if host in aggregate.hosts:
            raise conflict(f"Aggregate {aggregate.id} already has host {host}.")
        aggregate.hosts.append(host)
    elif host in aggregate.hosts:
        aggregate.hosts.remove(host)
    else:  # AggregateHostNotFound / ComputeHostNotFound, both worded so by the controller
        raise not_found(f"Cannot remove host {host} in aggregate {ref}")


ROUTES: tuple[Route, ...] = (
    (r"os-aggregates", {"GET": _index, "POST": _create}),
    (r"os-aggregates/([^/]+)", {"GET": _show, "PUT": _update, "DELETE": _delete}),
    (r"os-aggregates/([^/]+)/action", {"POST": _action}),
)
