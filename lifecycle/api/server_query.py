"""The query schema of ``GET /servers`` and ``/servers/detail`` (``nova/api/openstack/compute/schemas/servers.py``).

Before 2.75 Nova's ``index_query`` allows any parameter (``additionalProperties``
True) and the filters drop what they do not know; from 2.75 ``index_query_v275``
sets ``additionalProperties`` False, so a parameter outside its properties is
a 400 (``Additional properties are not allowed ('foo' was unexpected)``),
whoever asks. Parameters starting with ``_`` always pass the schema
(``patternProperties``). Then ``servers.py:_get_servers`` refuses the
joined-table fields and ``_``-parameters with 400 ``Invalid filter field: X.``,
but only for callers that pass ``allow_all_filters`` (admins): for anyone else
``remove_invalid_options`` has already dropped them.
"""

from __future__ import annotations

from collections.abc import Mapping

from lifecycle.api.errors import bad_request
from lifecycle.api.routing import unexpected
from lifecycle.api.versions import Version

__all__ = ["INDEX_QUERY", "JOINED_TABLE", "check_list_query", "known_parameters"]

JOINED_TABLE = (
    "block_device_mapping",
    "services",
    "metadata",
    "system_metadata",
    "info_cache",
    "security_groups",
    "pci_devices",
)
"""``JOINED_TABLE_QUERY_PARAMS_SERVERS``: in the schema, refused later (admins)."""

INDEX_QUERY: Mapping[str, Version] = {
    **dict.fromkeys(
        [
            "user_id",
            "project_id",
            "tenant_id",
            "launch_index",
            "image_ref",
            "image",
            "kernel_id",
            "ramdisk_id",
            "hostname",
            "key_name",
            "power_state",
            "vm_state",
            "task_state",
            "host",
            "node",
            "flavor",
            "reservation_id",
            "launched_at",
            "terminated_at",
            "availability_zone",
            "name",
            "display_name",
            "description",
            "display_description",
            "locked_by",
            "uuid",
            "root_device_name",
            "config_drive",
            "access_ip_v4",
            "access_ip_v6",
            "auto_disk_config",
            "progress",
            "sort_key",
            "sort_dir",
            "all_tenants",
            "soft_deleted",
            "deleted",
            "status",
            "changes-since",
            "ip",
            "ip6",
            "created_at",
            "limit",
            "marker",
        ],
        (2, 1),
    ),
    **dict.fromkeys(JOINED_TABLE, (2, 1)),
    **dict.fromkeys(("tags", "tags-any", "not-tags", "not-tags-any"), (2, 26)),  # index_query_v226
    "changes-before": (2, 66),  # index_query_v266
    "locked": (2, 73),  # index_query_v273
}
"""Every property of ``index_query`` and the later schemas, with the microversion that brought it."""

STRICT_SINCE: Version = (2, 75)
"""``index_query_v275['additionalProperties'] = False``."""


def known_parameters(version: Version) -> frozenset[str]:
    """The query parameters the schema of ``version`` names."""
    return frozenset(name for name, since in INDEX_QUERY.items() if version >= since)


def check_list_query(query: Mapping[str, list[str]], version: Version, *, admin: bool) -> None:
    """400 for what Nova's servers list refuses; other parameters are left to the filters (which ignore unknowns)."""
    if version >= STRICT_SINCE:
        known = known_parameters(version)
        extra = sorted(key for key in query if key not in known and not key.startswith("_"))
        if extra:
            raise bad_request(unexpected(extra))
    if admin:  # servers.py:_get_servers, after remove_invalid_options kept everything for allow_all_filters
        for key in query:
            if key in JOINED_TABLE or key.startswith("_"):
                raise bad_request(f"Invalid filter field: {key}.")
