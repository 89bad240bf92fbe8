"""The order of ``GET /servers`` and ``/servers/detail``: ``sort_key``/``sort_dir`` as Nova applies them.

``nova/api/openstack/common.py`` ``get_sort_params`` collects every ``sort_key``
and ``sort_dir`` (stripped; ``created_at``/``desc`` when none is given);
``servers.py`` ``remove_invalid_sort_keys`` drops the keys of
``SERVER_LIST_IGNORE_SORT_KEY`` (with their direction) and refuses ``host`` and
``node`` to non-admins (403 ``Only administrators can sort servers by host``);
``compute/instance_list.py`` ``InstanceSortContext`` sorts by ``created_at``,
``id`` desc when no key is left and adds ``uuid`` asc; the database's
``db/utils.py`` ``process_sort_params`` gives keys without a direction the
first direction and appends ``created_at`` and ``id`` in it. A direction other
than ``asc``/``desc``, or more directions than keys, is ``InvalidInput`` in the
cell's query, which ``compute/multi_cell_list.py`` treats as a failed cell and
skips (``[api] list_records_by_skipping_down_cells`` is True by default): the
list is empty, 200. NULL sorts first ascending (MySQL's order).

Which keys the query schema accepts is :data:`lifecycle.api.server_query.SORT_KEYS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lifecycle.api import views
from lifecycle.api.routing import forbidden
from lifecycle.api.server_query import ignored_sort_keys
from lifecycle.api.versions import Version

if TYPE_CHECKING:
    from lifecycle.api.cloud import Record

__all__ = ["sort_servers"]

ADMIN_ONLY = ("host", "node")
"""``_get_servers``: ``remove_invalid_sort_keys(..., ('host', 'node'))``."""


def _state(value: Any) -> Any:
    return None if value is None else value.value


def _flavor_key(record: Record) -> Any:
    ref = record.flavor.id
    return (0, int(ref), "") if ref.isascii() and ref.isdigit() else (1, 0, ref)


COLUMNS: Mapping[str, Callable[[Record], Any]] = {
    "access_ip_v4": lambda r: r.access_ipv4 or None,
    "access_ip_v6": lambda r: r.access_ipv6 or None,
    "auto_disk_config": lambda r: r.disk_config == "AUTO",
    "availability_zone": lambda r: r.availability_zone if r.server.launched else None,
    "config_drive": lambda r: r.config_drive,
    "created_at": lambda r: r.created,
    "display_description": lambda r: r.description,
    "display_name": lambda r: r.server.name,
    "host": lambda r: r.host,
    "hostname": views._hostname,
    "id": lambda r: r.index,
    "image_ref": lambda r: r.image_id,
    "instance_type_id": _flavor_key,
    "kernel_id": lambda r: "",
    "key_name": lambda r: r.key_name,
    "launch_index": lambda r: r.launch_index,
    "launched_at": lambda r: r.launched_at,
    "locked": lambda r: r.server.locked,
    "locked_by": lambda r: r.locked_by,
    "node": lambda r: r.host,
    "power_state": lambda r: int(r.server.power_state),
    "progress": lambda r: 0,
    "project_id": lambda r: r.project_id,
    "ramdisk_id": lambda r: "",
    "root_device_name": lambda r: "/dev/vda",
    "task_state": lambda r: _state(r.server.task_state),
    "terminated_at": lambda r: None,
    "updated_at": lambda r: r.updated,
    "user_id": lambda r: r.user_id,
    "uuid": lambda r: r.id,
    "vm_state": lambda r: _state(r.server.vm_state),
}
"""Each sort key the schema lets through (and the defaults) -> the instance column's value."""


def sort_params(query: Mapping[str, list[str]], version: Version, *, admin: bool) -> tuple[list[str], list[str]]:
    """``get_sort_params`` then ``remove_invalid_sort_keys``: the keys and directions the database gets."""
    keys = [k.strip() for k in query.get("sort_key", [])] or ["created_at"]
    dirs = [d.strip() for d in query.get("sort_dir", [])] or ["desc"]
    ignored = ignored_sort_keys(version)
    for key in list(keys):
        if key in ignored:
            if len(dirs) > keys.index(key):
                dirs.pop(keys.index(key))
            keys.pop(keys.index(key))
        elif key in ADMIN_ONLY and not admin:
            raise forbidden(f"Only administrators can sort servers by {key}")
    return keys, dirs


def _full_order(keys: list[str], dirs: list[str]) -> list[tuple[str, str]] | None:
    """``InstanceSortContext`` and ``process_sort_params``: the whole order, or None for InvalidInput."""
    if not keys:
        keys, dirs = ["created_at", "id"], ["desc", "desc"]
    if "uuid" not in keys:
        keys, dirs = [*keys, "uuid"], [*dirs, "asc"]
    first = dirs[0] if dirs else "desc"
    if any(d not in ("asc", "desc") for d in dirs) or len(dirs) > len(keys):
        return None
    dirs = [*dirs, *[first] * (len(keys) - len(dirs))]
    for key in ("created_at", "id"):
        if key not in keys:
            keys, dirs = [*keys, key], [*dirs, first]
    return list(zip(keys, dirs, strict=True))


def sort_servers(
    records: list[Record], query: Mapping[str, list[str]], version: Version, *, admin: bool
) -> list[Record]:
    """``records`` in the order Nova lists them for this query (empty when the cell query fails)."""
    keys, dirs = sort_params(query, version, admin=admin)
    order = _full_order(keys, dirs)
    if order is None:
        return []
    ordered = list(records)
    for key, direction in reversed(order):  # stable sorts, least significant key first
        ordered.sort(key=_nulls_first(COLUMNS[key]), reverse=direction == "desc")
    return ordered


def _nulls_first(column: Callable[[Record], Any]) -> Callable[[Record], tuple[bool, Any]]:
    """A sort key putting NULL (None) below every value, as MySQL orders NULLs."""

    def key(record: Record) -> tuple[bool, Any]:
        value = column(record)
        return value is not None, value

    return key
