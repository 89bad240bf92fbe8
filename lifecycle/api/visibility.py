"""Which servers a listing may show: Nova hides soft-deleted (and deleted) ones unless an admin asks.

``servers.py:_get_servers`` sets ``deleted=False`` when no ``deleted`` filter,
``changes-since`` or ``changes-before`` is given, and the database query then
also leaves out SOFT_DELETED servers (``db/main/api.py``
``instance_get_all_by_filters_sort``: ``soft_deleted`` defaults to False).
``deleted`` is an admin-only filter (dropped for others by
``remove_invalid_options``); ``deleted=true`` lists deleted and soft-deleted
servers. ``vm_state=deleted`` from a non-admin is 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecycle.api.routing import forbidden
from lifecycle.api.schema import BOOLEAN_VALUES
from lifecycle.model.states import VmState

if TYPE_CHECKING:
    from lifecycle.api.app import Request
    from lifecycle.api.cloud import Cloud, Record

__all__ = ["visible"]


def visible(cloud: Cloud, request: Request) -> tuple[list[Record], dict[str, list[str]]]:
    """The servers a ``GET /servers[/detail]`` starts from, and the query left for the other filters."""
    context = request.context
    query = {k: v for k, v in request.query.items() if k != "deleted"}
    if [v.lower() for v in request.query.get("vm_state", [])] == ["deleted"] and not context.is_admin:
        raise forbidden("Only administrators may list deleted instances")
    live = cloud.records()
    wanted = request.first("deleted") if context.is_admin else None
    if wanted is not None and BOOLEAN_VALUES.get(wanted.strip(), False):
        soft = [r for r in live if r.server.vm_state is VmState.SOFT_DELETED]
        gone = sorted(cloud.deleted.values(), key=lambda r: r.index, reverse=True)
        return sorted([*soft, *gone], key=lambda r: r.index, reverse=True), query
    if wanted is None and ("changes-since" in query or "changes-before" in query):
        return live, query  # recently (soft-)deleted servers show, as the API reference says
    return [r for r in live if r.server.vm_state is not VmState.SOFT_DELETED], query
