"""The request bodies the fake validates, declared as Nova's schemas declare them.

One table per body (``nova/api/openstack/compute/schemas/servers.py``,
``lock_server.py``). Fields the fake ignores are still declared so that a
valid Nova body is accepted; fields it reads are typed so that an invalid one
is a 400 here, as in Nova, instead of a corrupted record or a 500.
"""

from __future__ import annotations

from collections.abc import Mapping

from lifecycle.api.schema import (
    Check,
    Field,
    any_of,
    array,
    boolean,
    count,
    enum,
    free_object,
    integer,
    ip_address,
    mapping,
    name,
    obj,
    string,
    versioned,
)
from lifecycle.api.versions import Version

__all__ = ["ACTION_BODIES", "CREATE", "MAX_COUNT", "REBOOT_TYPES", "REBUILD", "SERVER", "UPDATE"]

MAX_COUNT = 100
"""The most servers one create may ask for (the fake's own limit; Nova's is the quota)."""

REBOOT_TYPES = ("HARD", "Hard", "hard", "SOFT", "Soft", "soft")

_DISK_CONFIG = enum("AUTO", "MANUAL")
_METADATA = mapping(string(min_len=1, max_len=255), string(max_len=255))
_DESCRIPTION = Field(string(max_len=255, nullable=True), since=(2, 19))
_ACCESS_V4 = ip_address(4)
_ACCESS_V6 = ip_address(6)
_TAG = string(min_len=1, max_len=60, forbid=",/")
_NETWORK = obj(
    {
        "uuid": string(),
        "port": string(nullable=True),
        "fixed_ip": any_of(ip_address(4), ip_address(6)),
        "tag": Field(_TAG, since=(2, 32)),
    }
)
_NETWORK_LIST = array(_NETWORK)
_FREE_OBJECT = free_object()

SERVER: Mapping[str, Field | Check] = {
    "name": name(),
    "imageRef": string(),
    "flavorRef": any_of(string(min_len=1), integer(minimum=1)),
    "adminPass": string(),
    "metadata": _METADATA,
    "networks": versioned(_NETWORK_LIST, {(2, 37): any_of(_NETWORK_LIST, enum("none", "auto"))}),
    "OS-DCF:diskConfig": _DISK_CONFIG,
    "accessIPv4": _ACCESS_V4,
    "accessIPv6": _ACCESS_V6,
    "personality": Field(array(), before=(2, 57)),
    "key_name": string(min_len=1, max_len=255),
    "availability_zone": string(min_len=1, max_len=255),
    "block_device_mapping": array(_FREE_OBJECT),
    "block_device_mapping_v2": array(_FREE_OBJECT),
    "config_drive": boolean(),
    "min_count": count(maximum=MAX_COUNT),
    "max_count": count(maximum=MAX_COUNT),
    "return_reservation_id": boolean(),
    "security_groups": array(obj({"name": string()})),
    "user_data": string(max_len=65535, nullable=True),
    "description": _DESCRIPTION,
    "tags": Field(array(_TAG, max_items=50), since=(2, 52)),
    "trusted_image_certificates": Field(array(string(min_len=1), nullable=True), since=(2, 63)),
    "host": Field(string(min_len=1, max_len=255), since=(2, 74)),
    "hypervisor_hostname": Field(string(min_len=1, max_len=255), since=(2, 74)),
    "hostname": Field(string(min_len=1, max_len=255), since=(2, 90)),
}
"""The ``server`` object of ``POST /servers``."""

CREATE = obj(
    {
        "server": obj(SERVER, required=("name", "flavorRef")),
        "os:scheduler_hints": _FREE_OBJECT,
        "OS-SCH-HNT:scheduler_hints": _FREE_OBJECT,
    },
    required=("server",),
)
"""``POST /servers`` (``networks`` becomes required at 2.37: checked by the handler, as its message is Nova's)."""

UPDATE = obj(
    {
        "server": obj(
            {
                "name": name(),
                "description": _DESCRIPTION,
                "accessIPv4": _ACCESS_V4,
                "accessIPv6": _ACCESS_V6,
                "OS-DCF:diskConfig": _DISK_CONFIG,
                "hostname": Field(string(min_len=1, max_len=255), since=(2, 90)),
                "pinned_availability_zone": Field(string(min_len=1, max_len=255, nullable=True), since=(2, 104)),
            }
        )
    },
    required=("server",),
)
"""``PUT /servers/{id}``."""

REBUILD = obj(
    {
        "name": name(),
        "imageRef": string(min_len=1),
        "adminPass": string(),
        "metadata": _METADATA,
        "preserve_ephemeral": boolean(),
        "OS-DCF:diskConfig": _DISK_CONFIG,
        "accessIPv4": _ACCESS_V4,
        "accessIPv6": _ACCESS_V6,
        "personality": Field(array(), before=(2, 57)),
        "description": _DESCRIPTION,
        "key_name": Field(string(min_len=1, max_len=255, nullable=True), since=(2, 54)),
        "user_data": Field(string(max_len=65535, nullable=True), since=(2, 57)),
        "trusted_image_certificates": Field(array(string(min_len=1), nullable=True), since=(2, 63)),
        "hostname": Field(string(min_len=1, max_len=255), since=(2, 90)),
    },
    required=("imageRef",),
)

ACTION_BODIES: Mapping[str, tuple[Check, Version]] = {
    "reboot": (obj({"type": enum(*REBOOT_TYPES)}, required=("type",)), (2, 1)),
    "rebuild": (REBUILD, (2, 1)),
    "lock": (obj({"locked_reason": string(min_len=1, max_len=255)}, nullable=True), (2, 73)),
}
"""Action body key -> (the rule for its argument, the microversion from which Nova validates it)."""
