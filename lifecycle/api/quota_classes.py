"""``os-quota-class-sets`` (``nova/api/openstack/compute/quota_classes.py``): admin-only show and update.

A class's quotas are its own values over Nova's ``[quota]`` defaults
(``DbQuotaDriver.get_class_quotas``). The ``default`` class is what every
project without its own limit gets (``get_defaults`` reads it), so updating it
moves the projects' defaults too. Before 2.50 the body leaves out
``server_groups`` and ``server_group_members``; 2.50 and 2.57 drop the
resources ``quota_sets.py`` drops. Show names the class (``id``), update does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import bad_request
from lifecycle.api.quota_config import DEFAULT_QUOTAS
from lifecycle.api.quotas import FILTERED_V236, FILTERED_V257, quota_value
from lifecycle.api.routing import Route, no_query, require_admin, unexpected, wrapped
from lifecycle.api.schema import invalid
from lifecycle.api.store import state_of

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request

__all__ = ["ROUTES"]

POLICY = "os_compute_api:os-quota-class-sets:{}"
EXTENDED = ("server_groups", "server_group_members")
"""Left out of the body before 2.50."""


def _hidden(request: Request) -> tuple[str, ...]:
    """``_get_filtered_quotas`` plus ``exclude_server_groups``."""
    if request.version >= (2, 57):
        return FILTERED_V257
    if request.version >= (2, 50):
        return FILTERED_V236
    return EXTENDED


def _classes(app: ComputeApp) -> dict[str, dict[str, int]]:
    return app.cloud.service_state("quota_classes", dict)


def _body(app: ComputeApp, request: Request, name: str, *, named: bool) -> dict[str, Any]:
    values = {**app.cloud.quota_config, **_classes(app).get(name, {})}
    hidden = _hidden(request)
    body: dict[str, Any] = {"id": name} if named else {}
    body.update({k: v for k, v in values.items() if k not in hidden})
    return {"quota_class_set": body}


def _show(app: ComputeApp, request: Request, name: str) -> Reply:
    no_query(request)
    require_admin(request.context, POLICY.format("show"))
    return 200, _body(app, request, name, named=True), {}


def _update(app: ComputeApp, request: Request, name: str) -> Reply:
    require_admin(request.context, POLICY.format("update"))
    spec = wrapped(request.json(), "quota_class_set")
    if not isinstance(spec, dict):
        raise invalid(("quota_class_set",), spec, f"{spec!r} is not of type 'object'")
    # the update schema drops what the body drops, except that 2.1-2.49 still accept the server group quotas
    accepted = set(DEFAULT_QUOTAS) - (set(_hidden(request)) if request.version >= (2, 50) else set())
    extra = sorted(k for k in spec if k not in accepted)
    if extra:
        raise invalid(("quota_class_set",), spec, unexpected(extra))
    values = {k: quota_value(k, v) for k, v in spec.items()}
    if len(name) > 255:
        raise bad_request("Invalid input received: quota_class_name has more than 255 characters.")
    state = state_of(app.cloud)
    with state.lock:
        _classes(app).setdefault(name, {}).update(values)
        if name == "default":  # get_defaults reads the default class
            state.default_quotas.update(values)
    return 200, _body(app, request, name, named=False), {}


ROUTES: tuple[Route, ...] = ((r"os-quota-class-sets/([^/]+)", {"GET": _show, "PUT": _update}),)
