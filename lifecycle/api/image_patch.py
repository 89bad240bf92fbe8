"""Glance's image schema checks and ``PATCH /v2/images/{id}`` (a JSON patch of the image's attributes).

``openstack image set --name/--property/--tag/--public``, ``image unset
--property`` and the SDK's ``update_image`` send a list of ``add``/``replace``/
``remove`` operations with the media type
``application/openstack-images-v2.1-json-patch`` (JSON Schema draft 10) or the
older ``...-v2.0-json-patch`` (draft 4, ``{"add": "/path", "value": ...}``).
The parsing and its errors follow ``glance/api/v2/images.py``
``RequestDeserializer.update``/``_validate_change``/``_validate_json_pointer``,
the changes ``ImagesController._do_add``/``_do_replace``/``_do_remove``, the
visibility policies ``glance/api/v2/policy.py:ImageAPIPolicy.update_property``
and the quotas ``image_property_quota``/``image_tag_quota``
(``glance/common/config.py``, 128 each).
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

from lifecycle.api.context import RequestContext
from lifecycle.api.errors import ApiError

if TYPE_CHECKING:
    from lifecycle.api.images import Image

__all__ = [
    "CONTAINER_FORMATS",
    "DISK_FORMATS",
    "PATCH_TYPES",
    "PROPERTY_QUOTA",
    "TAG_QUOTA",
    "Change",
    "apply_changes",
    "check_field",
    "check_tags",
    "check_visibility",
    "parse_changes",
]

PATCH_TYPES = {
    "application/openstack-images-v2.0-json-patch": 4,
    "application/openstack-images-v2.1-json-patch": 10,
}
"""The media types Glance's ``RequestDeserializer.update`` takes, with the JSON Schema draft each means."""
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
"""``[image_format] container_formats`` default (``glance/common/config.py``)."""
DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
"""``[image_format] disk_formats`` default (``glance/common/config.py``)."""
VISIBILITIES = ("community", "public", "private", "shared")
PROPERTY_QUOTA = 128
TAG_QUOTA = 128
_READ_ONLY = frozenset(
    {"created_at", "updated_at", "status", "checksum", "size", "virtual_size", "direct_url", "self", "file",
     "schema", "id", "os_hash_algo", "os_hash_value"}
)  # fmt: skip
"""``RequestDeserializer._readonly_properties``: 403 ``Attribute 'x' is read-only.``"""
_RESERVED = frozenset({"location", "deleted", "deleted_at"})
_RESERVED_NAMESPACE = "os_glance"
"""``glance/common/__init__.py:GLANCE_RESERVED_NS``: properties under it are Glance's own."""
BASE = frozenset(
    {"name", "visibility", "protected", "os_hidden", "tags", "disk_format", "container_format", "min_ram",
     "min_disk", "owner"}
)  # fmt: skip
"""The writable base attributes (``hasattr(image, path_root)`` in ``_do_*``): never removable."""


@dataclasses.dataclass(frozen=True)
class Change:
    """One parsed operation: ``op`` on the attribute ``path``."""

    op: str
    path: str
    value: Any = None
    draft: int = 10


def _schema_error(value: Any, reason: str) -> ApiError:
    """``exception.InvalidObject`` as ``schema.validate`` words it (the jsonschema message after the schema name)."""
    return ApiError(400, f"Provided object does not match schema 'image': {value!r} {reason}")


def check_field(name: str, value: Any) -> None:
    """Validate one attribute against Glance's image schema (``images.py:get_base_properties``); 400 if it fails.

    Custom properties must be strings (``get_schema``'s ``additionalProperties``).
    """
    if name in ("min_ram", "min_disk"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _schema_error(value, "is not of type 'integer'")
        if value < 0:
            raise _schema_error(value, "is less than the minimum of 0")
    elif name in ("protected", "os_hidden"):
        if not isinstance(value, bool):
            raise _schema_error(value, "is not of type 'boolean'")
    elif name == "visibility":
        if value not in VISIBILITIES:
            raise _schema_error(value, f"is not one of {list(VISIBILITIES)!r}")
    elif name in ("container_format", "disk_format"):
        allowed = CONTAINER_FORMATS if name == "container_format" else DISK_FORMATS
        if value is not None and value not in allowed:
            raise _schema_error(value, f"is not one of {[None, *allowed]!r}")
    elif name in ("name", "owner"):
        if value is not None and not isinstance(value, str):
            raise _schema_error(value, "is not of type 'null', 'string'")
        if isinstance(value, str) and len(value) > 255:
            raise _schema_error(value, "is too long")
    elif name == "tags":
        check_tags(value)
    elif not isinstance(value, str):
        raise _schema_error(value, "is not of type 'string'")


def check_tags(value: Any) -> list[str]:
    """A ``tags`` array of strings of at most 255 characters; duplicates collapse (Glance keeps a set)."""
    if not isinstance(value, list):
        raise _schema_error(value, "is not of type 'array'")
    for tag in value:
        if not isinstance(tag, str):
            raise _schema_error(tag, "is not of type 'string'")
        if len(tag) > 255:
            raise _schema_error(tag, "is too long")
    return list(dict.fromkeys(value))


def check_visibility(value: Any, context: RequestContext, owner: str) -> None:
    """``publicize_image`` is admin-only, ``communitize_image`` the owner's (or an admin's): else 403."""
    if value == "public" and not context.is_admin:
        raise ApiError(403, "You are not authorized to complete publicize_image action.")
    if value == "community" and not (context.is_admin or owner == context.project_id):
        raise ApiError(403, "You are not authorized to complete communitize_image action.")


def _pointer(pointer: Any) -> str:
    """``_decode_json_pointer``: one ``/``-rooted token (``~1`` is ``/``, ``~0`` is ``~``)."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise ApiError(400, f'Pointer `{pointer}` does not start with "/".')
    if re.search(r"/\s*?/", pointer[1:]):
        raise ApiError(400, f'Pointer `{pointer}` contains adjacent "/".')
    if len(pointer) > 1 and pointer.endswith("/"):
        raise ApiError(400, f'Pointer `{pointer}` end with "/".')
    if re.search("~[^01]", pointer) or pointer.endswith("~"):
        raise ApiError(400, f'Pointer `{pointer}` contains "~" not part of a recognized escape sequence.')
    parts = [p.replace("~1", "/").replace("~0", "~").strip() for p in pointer.lstrip("/").split("/")]
    if len(parts) != 1:  # _validate_path: only `locations` goes deeper, and the fake has no locations
        raise ApiError(400, f"Invalid JSON pointer for this resource: '/{'/'.join(parts)}'")
    return parts[0]


def _operation(raw: dict[str, Any], draft: int) -> tuple[str, Any]:
    ops = ("add", "remove", "replace")
    if draft == 4:  # _get_change_operation_d4: the op is the member's name, the path its value
        named = [k for k in ops if k in raw]
        if len(named) != 1:
            raise ApiError(
                400, 'Operation objects must contain exactly one member named "add", "remove", or "replace".'
            )
        return named[0], raw[named[0]]
    op = raw.get("op")
    if op is None:
        raise ApiError(
            400, "Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace."
        )
    if op not in ops:
        raise ApiError(400, f"Invalid operation: `{op}`. It must be one of the following: add, remove, replace.")
    if "path" not in raw:
        raise ApiError(400, "Unable to find 'path' in JSON Schema change")
    return str(op), raw["path"]


def parse_changes(content_type: str, body: Any) -> list[Change]:
    """The changes of a PATCH body (``RequestDeserializer.update``): 415 for another media type, 400/403 if bad."""
    draft = PATCH_TYPES.get(content_type.split(";", 1)[0].strip().lower())
    if draft is None:
        allowed = ", ".join(sorted(PATCH_TYPES))
        raise ApiError(415, f"Image PATCH expects Content-Type one of: {allowed}", headers={"Accept-Patch": allowed})
    if not isinstance(body, list):
        raise ApiError(400, "Request body must be a JSON array of operation objects.")
    changes = []
    for raw in body:
        if not isinstance(raw, dict):
            raise ApiError(400, "Operations must be JSON objects.")
        op, pointer = _operation(raw, draft)
        path = _pointer(pointer)
        if op != "remove" and "value" not in raw:
            raise ApiError(400, f'Operation "{op}" requires a member named "value".')
        if path in _READ_ONLY:
            raise ApiError(403, f"Attribute '{path}' is read-only.")
        if path in _RESERVED or path.startswith(_RESERVED_NAMESPACE):
            raise ApiError(403, f"Attribute '{path}' is reserved.")
        if len(path) > 255:
            raise ApiError(400, "Custom property should not be greater than 255 characters.")
        value = raw.get("value")
        if op != "remove":
            check_field(path, value)
        changes.append(Change(op, path, value, draft))
    return changes


def apply_changes(image: Image, changes: list[Change], context: RequestContext) -> None:
    """Apply the changes (``ImagesController.update``) all or nothing; the caller checked ``modify_image``."""
    fields: dict[str, Any] = {
        "name": image.name, "visibility": image.visibility, "protected": image.protected,
        "os_hidden": image.os_hidden, "tags": list(image.tags), "disk_format": image.disk_format,
        "container_format": image.container_format, "min_ram": image.min_ram, "min_disk": image.min_disk,
        "owner": image.owner,
    }  # fmt: skip
    props = dict(image.properties)
    for change in changes:
        path, value = change.path, change.value
        if change.op == "remove":
            if path in BASE:
                raise ApiError(403, f"Property {path} may not be removed.")
            if path not in props:
                raise ApiError(409, f"Property {path} does not exist.")
            del props[path]
            continue
        if path == "visibility":
            check_visibility(value, context, image.owner)
        if path == "owner" and change.op == "replace" and not context.is_admin:
            raise ApiError(403, "Owner can't be updated by non admin.")
        if change.op == "add" and change.draft == 4 and (path in BASE or path in props):
            raise ApiError(409, f"Property {path} already present.")
        if path in BASE:
            fields[path] = check_tags(value) if path == "tags" else value
        elif change.op == "replace" and path not in props:
            raise ApiError(409, f"Property {path} does not exist.")
        else:
            props[path] = value
    if len(props) > PROPERTY_QUOTA:
        raise ApiError(
            413,
            "The limit has been exceeded on the number of allowed image properties. "
            f"Attempted: {len(props)}, Maximum: {PROPERTY_QUOTA}",
        )
    if len(fields["tags"]) > TAG_QUOTA:
        raise ApiError(
            413,
            "The limit has been exceeded on the number of allowed image tags. "
            f"Attempted: {len(fields['tags'])}, Maximum: {TAG_QUOTA}",
        )
    for name, value in fields.items():
        setattr(image, name, value)
    image.properties = props
