"""Which fields each server response carries, per microversion (``servers.py`` ``show``/``update``/``_action_rebuild``).

:func:`~lifecycle.api.views.server_body` renders the full ``GET /servers/{id}``
body; :func:`shape` trims it for the other responses as Nova's controllers ask
their view builder to:

* ``detail`` (each ``GET /servers/detail`` entry): no ``server_groups`` (2.71
  shows them in show, update and rebuild only, to spare a query per server);
* ``update`` and ``rebuild`` before 2.75: no AZ, config drive, key name (rebuild
  shows it from 2.54), usage times, security groups, extended status, volumes,
  host status, ``OS-EXT-SRV-ATTR`` fields, extended addresses or pinned AZ;
* ``rebuild`` adds ``user_data`` from 2.57 (and never ``OS-EXT-SRV-ATTR:user_data``).
"""

from __future__ import annotations

from typing import Any

from lifecycle.api.cloud import Record
from lifecycle.api.versions import Version

__all__ = ["VIEWS", "shape"]

VIEWS = ("show", "detail", "update", "rebuild")

SHOW_ONLY_BEFORE_275 = (
    "OS-EXT-AZ:availability_zone",
    "config_drive",
    "key_name",
    "OS-SRV-USG:launched_at",
    "OS-SRV-USG:terminated_at",
    "security_groups",
    "OS-EXT-STS:task_state",
    "OS-EXT-STS:vm_state",
    "OS-EXT-STS:power_state",
    "os-extended-volumes:volumes_attached",
    "host_status",
    "pinned_availability_zone",
)
"""Fields ``update``/``rebuild`` leave out before 2.75 (``show_all_attributes`` false)."""


def shape(
    record: Record, body: dict[str, Any], view: str, version: Version, *, groups: list[str] | None = None
) -> dict[str, Any]:
    """Trim the full body of ``record`` for ``view`` (one of :data:`VIEWS`); ``groups`` fills ``server_groups``."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; valid choices: {', '.join(VIEWS)}")
    if "server_groups" in body:
        if view == "detail":
            del body["server_groups"]
        else:
            body["server_groups"] = list(groups or [])
    if "pinned_availability_zone" in body:
        body["pinned_availability_zone"] = record.pinned_az
    if view in ("update", "rebuild") and version < (2, 75):
        for key in SHOW_ONLY_BEFORE_275:
            if key == "key_name" and view == "rebuild" and version >= (2, 54):
                continue
            body.pop(key, None)
        for key in [k for k in body if k.startswith("OS-EXT-SRV-ATTR:")]:
            if not (key == "OS-EXT-SRV-ATTR:hostname" and version >= (2, 90)):
                del body[key]
        body["addresses"] = {
            net: [{"version": a["version"], "addr": a["addr"]} for a in items]
            for net, items in body.get("addresses", {}).items()
        }
    if view == "rebuild":
        body.pop("OS-EXT-SRV-ATTR:user_data", None)
        if version >= (2, 57):
            body["user_data"] = record.user_data
    return body
