"""The request bodies the fake validates, declared as Nova's schemas declare them.

One table per body (``nova/api/openstack/compute/schemas/servers.py``,
``lock_server.py``). Fields the fake ignores are still declared so that a
valid Nova body is accepted; fields it reads are typed so that an invalid one
is a 400 here, as in Nova, instead of a corrupted record or a 500.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from lifecycle.api.hostnames import HOSTNAME
from lifecycle.api.schema import (
    BOOLEAN_VALUES,
    Check,
    Field,
    Path,
    any_of,
    anything,
    array,
    boolean,
    count,
    enum,
    free_object,
    integer,
    invalid,
    ip_address,
    mapping,
    name,
    non_negative_integer,
    null,
    obj,
    pattern,
    string,
    uuid_text,
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


def _base64(value: Any, path: Path, version: Version) -> None:
    """``'format': 'base64'`` (``validators.py`` ``_validate_base64_format``): what oslo's
    ``base64.decode_as_bytes`` decodes. ``b64decode`` drops characters outside the alphabet, so only
    text whose rest is badly padded fails (``This is a test file.``)."""
    string()(value, path, version)
    try:
        base64.b64decode(value)
    except (binascii.Error, ValueError):
        raise invalid(path, value, f"{value!r} is not a 'base64'") from None


_PERSONALITY = array(obj({"path": string(), "contents": _base64}))
"""``parameter_types.personality``."""
_FLAVOR_REF = any_of(string(min_len=1), integer(minimum=1))

SERVER: Mapping[str, Field | Check] = {
    "name": name(),
    "imageRef": string(),
    "flavorRef": _FLAVOR_REF,
    "adminPass": string(),
    "metadata": _METADATA,
    "networks": versioned(_NETWORK_LIST, {(2, 37): any_of(_NETWORK_LIST, enum("none", "auto"))}),
    "OS-DCF:diskConfig": _DISK_CONFIG,
    "accessIPv4": _ACCESS_V4,
    "accessIPv6": _ACCESS_V6,
    "personality": Field(_PERSONALITY, before=(2, 57)),
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
    "hostname": Field(HOSTNAME, since=(2, 90)),
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
                "hostname": Field(HOSTNAME, since=(2, 90)),
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
        "personality": Field(_PERSONALITY, before=(2, 57)),
        "description": _DESCRIPTION,
        "key_name": Field(string(min_len=1, max_len=255, nullable=True), since=(2, 54)),
        "user_data": Field(string(max_len=65535, nullable=True), since=(2, 57)),
        "trusted_image_certificates": Field(array(string(min_len=1), nullable=True), since=(2, 63)),
        "hostname": Field(HOSTNAME, since=(2, 90)),
    },
    required=("imageRef",),
)

_ANY = anything()
_ADMIN_PASS = string()  # parameter_types.admin_password: any string, no length or pattern
_FQDN = pattern("^[a-zA-Z0-9-._]*$", min_len=1, max_len=255)  # parameter_types.fqdn
_HOST_OR_NULL = pattern("^[a-zA-Z0-9-._]*$", min_len=1, max_len=255, nullable=True)  # migrate_server.host
_BOOLEAN = boolean()
_EVACUATE_V214 = obj({"host": _FQDN, "adminPass": _ADMIN_PASS})
_MIGRATE_LIVE_V225 = {"block_migration": enum(*BOOLEAN_VALUES, "auto"), "host": _HOST_OR_NULL}

ACTION_BODIES: Mapping[str, tuple[Check, Version]] = {
    # servers.py (schemas/servers.py): reboot, resize, createImage, confirm/revert, start/stop, crash dump
    "reboot": (obj({"type": enum(*REBOOT_TYPES)}, required=("type",)), (2, 1)),
    "rebuild": (REBUILD, (2, 1)),
    "resize": (obj({"flavorRef": _FLAVOR_REF, "OS-DCF:diskConfig": _DISK_CONFIG}, required=("flavorRef",)), (2, 1)),
    "createImage": (obj({"name": name(), "metadata": _METADATA}, required=("name",)), (2, 1)),
    "confirmResize": (_ANY, (2, 1)),
    "revertResize": (_ANY, (2, 1)),
    "os-start": (_ANY, (2, 1)),
    "os-stop": (_ANY, (2, 1)),
    "trigger_crash_dump": (null(), (2, 1)),
    # create_backup.py
    "createBackup": (
        obj(
            {"name": name(), "backup_type": string(), "rotation": non_negative_integer(), "metadata": _METADATA},
            required=("name", "backup_type", "rotation"),
        ),
        (2, 1),
    ),
    # admin_password.py
    "changePassword": (obj({"adminPass": _ADMIN_PASS}, required=("adminPass",)), (2, 1)),
    # rescue.py
    "rescue": (obj({"adminPass": _ADMIN_PASS, "rescue_image_ref": uuid_text()}, nullable=True), (2, 1)),
    "unrescue": (_ANY, (2, 1)),
    # evacuate.py: onSharedStorage required until 2.14, force in 2.29-2.67
    "evacuate": (
        versioned(
            obj({"host": _FQDN, "onSharedStorage": _BOOLEAN, "adminPass": _ADMIN_PASS}, required=("onSharedStorage",)),
            {
                (2, 14): _EVACUATE_V214,
                (2, 29): obj({"host": _FQDN, "adminPass": _ADMIN_PASS, "force": _BOOLEAN}),
                (2, 68): _EVACUATE_V214,
            },
        ),
        (2, 1),
    ),
    # migrate_server.py: migrate is validated from 2.56 only; os-migrateLive per 2.0/2.25/2.30/2.68
    "migrate": (obj({"host": _HOST_OR_NULL}, nullable=True), (2, 56)),
    "os-migrateLive": (
        versioned(
            obj(
                {"block_migration": _BOOLEAN, "disk_over_commit": _BOOLEAN, "host": _HOST_OR_NULL},
                required=("block_migration", "disk_over_commit", "host"),
            ),
            {
                (2, 25): obj(_MIGRATE_LIVE_V225, required=("block_migration", "host")),
                (2, 30): obj({**_MIGRATE_LIVE_V225, "force": _BOOLEAN}, required=("block_migration", "host")),
                (2, 68): obj(_MIGRATE_LIVE_V225, required=("block_migration", "host")),
            },
        ),
        (2, 1),
    ),
    # admin_actions.py
    "os-resetState": (obj({"state": enum("active", "error")}, required=("state",)), (2, 1)),
    # shelve.py: unshelve takes an availability_zone from 2.77 and a host from 2.91
    "shelve": (_ANY, (2, 1)),
    "shelveOffload": (_ANY, (2, 1)),
    "unshelve": (
        versioned(
            _ANY,
            {
                (2, 77): obj({"availability_zone": name()}, required=("availability_zone",), nullable=True),
                (2, 91): obj({"availability_zone": string(nullable=True), "host": string()}, nullable=True),
            },
        ),
        (2, 1),
    ),
    # pause_server.py, suspend_server.py, deferred_delete.py
    "pause": (_ANY, (2, 1)),
    "unpause": (_ANY, (2, 1)),
    "suspend": (_ANY, (2, 1)),
    "resume": (_ANY, (2, 1)),
    "restore": (_ANY, (2, 1)),
    "forceDelete": (_ANY, (2, 1)),
    # lock_server.py: a reason from 2.73
    "lock": (obj({"locked_reason": string(min_len=1, max_len=255)}, nullable=True), (2, 73)),
    "unlock": (_ANY, (2, 1)),
}
"""Action body key -> (the rule for its argument, the microversion from which Nova validates it).

Each rule is the action's schema in ``nova/api/openstack/compute/schemas/<file>.py``
for the request's microversion (``@validation.schema`` ranges in the controller).
"""
