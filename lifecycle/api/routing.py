"""What the compute routes beyond ``/servers`` share: their table entry type and the checks every one makes.

Each route module (``metadata``, ``keypairs``...) declares ``ROUTES``: a path
pattern below ``/v2.1/`` and a handler per method. A handler takes the
:class:`~lifecycle.api.app.ComputeApp`, the request and the path's groups, and
returns a :data:`~lifecycle.api.actions.Reply`. :class:`~lifecycle.api.app.ComputeApp`
mounts them all, after its own routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from lifecycle.api.context import DEFAULT_PROJECT, RequestContext
from lifecycle.api.errors import ApiError, bad_request, conflict, not_found
from lifecycle.api.schema import Check, ascii_digits, invalid, validate
from lifecycle.api.versions import Version
from lifecycle.model.states import VmState

if TYPE_CHECKING:
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Record

__all__ = [
    "ROUTE_MODULES",
    "Route",
    "body_of",
    "forbidden",
    "limit_marker",
    "next_links",
    "no_query",
    "project_of",
    "require_admin",
    "require_state",
    "require_version",
    "server_of",
    "unexpected",
    "wrapped",
]

Handler = Callable[..., Any]
Route = tuple[str, Mapping[str, Handler]]
"""``(pattern below /v2.1/, {method: handler(app, request, *groups)})``."""

ROUTE_MODULES = (
    "lifecycle.api.metadata",
    "lifecycle.api.keypairs",
    "lifecycle.api.flavor_admin",
    "lifecycle.api.quotas",
    "lifecycle.api.server_groups",
    "lifecycle.api.server_extras",
    "lifecycle.api.instance_actions",
    "lifecycle.api.migrations",
    "lifecycle.api.aggregates",
    "lifecycle.api.hypervisors",
    "lifecycle.api.flavor_access",
    "lifecycle.api.tenant_usage",
    "lifecycle.api.os_hosts",
    "lifecycle.api.server_diagnostics",
    "lifecycle.api.usage_audit",
    "lifecycle.api.extensions",
    "lifecycle.api.network_proxy",
    "lifecycle.api.quota_classes",
    "lifecycle.api.interfaces",
    "lifecycle.api.external_events",
)
"""The modules whose ``ROUTES`` the Compute API mounts."""

NOT_FOUND = "The resource could not be found."


def forbidden(message: str) -> ApiError:
    """A 403 forbidden."""
    return ApiError(403, message)


def require_version(request: Request, since: Version) -> None:
    """A route added by a microversion is a 404 below it (Nova's ``VersionNotFoundForAPIMethod``)."""
    if request.version < since:
        raise not_found(NOT_FOUND)


def require_admin(context: RequestContext, rule: str) -> None:
    """Nova's default policy for an admin-only rule: 403 with its policy message."""
    if not context.is_admin:
        raise forbidden(f"Policy doesn't allow {rule} to be performed.")


def project_of(record: Record) -> str:
    """The project a server belongs to (the default project when the cloud keeps none)."""
    return str(getattr(record, "project_id", None) or DEFAULT_PROJECT)


def server_of(app: ComputeApp, request: Request, server_id: str) -> Record:
    """The live server ``server_id`` as the caller may see it: another project's server is a 404."""
    record = app.cloud.record(server_id)
    context = request.context
    if not context.is_admin and project_of(record) != context.project_id:
        raise not_found(f"Instance {server_id} could not be found.")
    return record


def require_state(record: Record, action: str, vm_states: tuple[VmState, ...], *, lock: bool, is_admin: bool) -> None:
    """Nova's ``check_instance_lock`` then ``check_instance_state(vm_state=..., task_state=None)``.

    The 409 is worded as ``common.raise_http_conflict_for_instance_invalid_state``.
    """
    server = record.server
    if lock and server.locked and not is_admin:
        raise conflict(f"Instance {record.id} is locked")
    if server.vm_state not in vm_states:
        vm = None if server.vm_state is None else server.vm_state.value
        raise conflict(f"Cannot '{action}' instance {record.id} while it is in vm_state {vm}")
    if server.task_state is not None:
        raise conflict(f"Cannot '{action}' instance {record.id} while it is in task_state {server.task_state.value}")


def body_of(request: Request, rule: Check) -> Any:
    """The request's JSON body, checked against ``rule`` (400 in Nova's words)."""
    body = request.json()
    validate(body, rule, request.version)
    return body


def no_query(request: Request, since: Version = (2, 102), allowed: tuple[str, ...] = ()) -> None:
    """From ``since`` (2.102 for most routes) Nova's query schemas refuse unknown parameters."""
    if request.version < since:
        return
    extra = sorted(k for k in request.query if k not in allowed)
    if extra:
        raise bad_request(unexpected(extra))


def limit_marker(request: Request, ids: list[str], *, max_limit: int = 1000) -> tuple[int, int]:
    """``(start, stop)`` of a page from ``limit``/``marker`` (Nova's ``common.get_limit_and_marker``).

    A marker not in ``ids`` is 400 ``Marker X could not be found.`` (``MarkerNotFound``).
    """
    start = 0
    marker = request.first("marker")
    if marker is not None:
        if marker not in ids:
            raise bad_request(f"Marker {marker} could not be found.")
        start = ids.index(marker) + 1
    text = request.first("limit")
    limit = max_limit
    if text is not None:
        if not ascii_digits(text):
            raise bad_request(
                f"Invalid input for query parameters limit. Value: {text}. '{text}' does not match '^[0-9]*$'"
            )
        limit = min(int(text), max_limit)
    return start, start + limit


def next_links(request: Request, items: list[str], collection: str, *, max_limit: int = 1000) -> list[dict[str, str]]:
    """Nova's ``_get_collection_links``: a ``next`` link when the page is as long as the limit.

    ``items`` are the ids of the page, in order.
    """
    text = request.first("limit")
    wanted = int(text) if text is not None and ascii_digits(text) else max_limit
    page = min(wanted, max_limit)
    if not page or page != len(items):
        return []
    query = {key: values[-1] for key, values in request.query.items()}
    query["marker"] = items[-1]
    return [{"rel": "next", "href": f"{request.base}/v2.1/{collection}?{urlencode(query)}"}]


def wrapped(body: Any, field: str) -> Any:
    """The value of a body that must be exactly ``{field: value}`` (Nova's ``required`` + ``additionalProperties``)."""
    if not isinstance(body, dict):
        raise invalid((), body, f"{body!r} is not of type 'object'")
    if field not in body:
        raise invalid((), body, f"'{field}' is a required property")
    extra = sorted(k for k in body if k != field)
    if extra:
        raise invalid((), body, unexpected(extra))
    return body[field]


def unexpected(keys: list[str]) -> str:
    """jsonschema's complaint about properties a schema does not allow."""
    verb = "was" if len(keys) == 1 else "were"
    return f"Additional properties are not allowed ({', '.join(repr(k) for k in keys)} {verb} unexpected)"
