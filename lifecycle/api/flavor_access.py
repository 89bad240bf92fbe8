"""``os-flavor-access`` and who may see a private flavor (``nova/api/openstack/compute/flavor_access.py``).

A private flavor (``os-flavor-access:is_public: false``) has a list of projects
that may use it, kept here per cloud. Every route is admin-only by Nova's
default policy. A public flavor has no list: listing it is 404 ``Access list
not available for public flavors.``, adding to it 409 from 2.7. Visibility
follows ``Flavor._flavor_get_query_from_db`` (``nova/objects/flavor.py``): a
non-admin sees public flavors and the private ones their project was given;
for the rest a show is 404 and a server create 400 ``Invalid flavorRef``.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import action_peek, conflict, not_found
from lifecycle.api.routing import Route, no_query, require_admin, wrapped
from lifecycle.api.schema import obj, string

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Cloud
    from lifecycle.api.context import RequestContext
    from lifecycle.api.flavors import Flavor

__all__ = ["ROUTES", "forget", "projects", "visible"]

POLICY = "os_compute_api:os-flavor-access"

_TENANT = string(min_len=1, max_len=255)
"""``schemas/flavor_access.py``: ``tenant`` is a string of 1 to 255 characters."""
ACTIONS = {
    "addTenantAccess": obj({"tenant": _TENANT}, required=("tenant",)),
    "removeTenantAccess": obj({"tenant": _TENANT}, required=("tenant",)),
}


@dataclasses.dataclass
class _State:
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    access: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def _state(cloud: Cloud) -> _State:
    return cloud.service_state("nova-flavor-access", _State)


def projects(cloud: Cloud, flavor_id: str) -> list[str]:
    """The projects given access to flavor ``flavor_id``, in the order they were added."""
    state = _state(cloud)
    with state.lock:
        return list(state.access.get(flavor_id, ()))


def visible(cloud: Cloud, flavor: Flavor, context: RequestContext) -> bool:
    """Whether ``context`` may see and use ``flavor``: admins all, others public or granted ones."""
    return context.is_admin or flavor.is_public or context.project_id in projects(cloud, flavor.id)


def _body(cloud: Cloud, flavor: Flavor) -> dict[str, Any]:
    """``_marshall_flavor_access``."""
    return {"flavor_access": [{"flavor_id": flavor.id, "tenant_id": p} for p in projects(cloud, flavor.id)]}


def _index(app: ComputeApp, request: Request, flavor_id: str) -> Reply:
    require_admin(request.context, POLICY)
    no_query(request)
    flavor = app.cloud.flavor(flavor_id)
    if flavor.is_public:
        raise not_found("Access list not available for public flavors.")
    return 200, _body(app.cloud, flavor), {}


def _action(app: ComputeApp, request: Request, flavor_id: str) -> Reply:
    """``addTenantAccess`` / ``removeTenantAccess`` (other flavor actions are not Nova's: 400)."""
    body = request.json()
    action = action_peek(body, ACTIONS)
    spec = wrapped(body, action)
    ACTIONS[action](spec, (action,), request.version)
    tenant = spec["tenant"]
    if action == "addTenantAccess":
        require_admin(request.context, f"{POLICY}:add_tenant_access")
    else:
        require_admin(request.context, f"{POLICY}:remove_tenant_access")
    flavor = app.cloud.flavor(flavor_id)
    state = _state(app.cloud)
    with state.lock:
        granted = state.access.setdefault(flavor.id, [])
        if action == "addTenantAccess":
            if flavor.is_public and request.version >= (2, 7):
                raise conflict("Can not add access to a public flavor.")
            if tenant in granted:
                raise conflict(f"Flavor access already exists for flavor {flavor.id} and project {tenant} combination.")
            granted.append(tenant)
        elif tenant in granted:
            granted.remove(tenant)
        else:
            raise not_found(f"Flavor access not found for {flavor.id} / {tenant} combination.")
    return 200, _body(app.cloud, flavor), {}


def forget(cloud: Cloud, flavor_id: str) -> None:
    """A deleted flavor's access list goes with it."""
    state = _state(cloud)
    with state.lock:
        state.access.pop(flavor_id, None)


ROUTES: tuple[Route, ...] = (
    (r"flavors/([^/]+)/os-flavor-access", {"GET": _index}),
    (r"flavors/([^/]+)/action", {"POST": _action}),
)
