"""Nova's image proxy: ``/v2.1/images`` over the fake Glance (``nova/api/openstack/compute/images.py``).

Deprecated in Nova but still served up to microversion 2.35 (image metadata up
to 2.38), and Tempest's compute image tests use it: ``GET /images[/detail]``
(filters ``name``, ``status``, ``server``, ``type``, ``minRam``, ``minDisk``;
``limit``/``marker``), ``GET``/``DELETE /images/{id}`` and
``/images/{id}/metadata[/{key}]``. Glance statuses show as Nova's
(``queued``/``saving`` -> ``SAVING``, ``views/images.py:_get_status``).
"""

from __future__ import annotations

import contextlib
from typing import Any

from lifecycle.api.cloud import Cloud
from lifecycle.api.context import RequestContext
from lifecycle.api.errors import ApiError, bad_request, not_found
from lifecycle.api.images import Image, listed, visible
from lifecycle.api.service import Reply, last_value
from lifecycle.api.versions import Version

__all__ = ["handle"]

MAX_PROXY: Version = (2, 35)
MAX_METADATA: Version = (2, 38)
_STATUS = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING", "deleted": "DELETED", "killed": "ERROR"}
_PROGRESS = {"queued": 25, "saving": 50, "active": 100}
_MISSING = "The resource could not be found."


def _links(base: str, image_id: str) -> list[dict[str, str]]:
    root = base.rsplit("/compute", 1)[0] if base.endswith("/compute") else base
    return [
        {"rel": "self", "href": f"{base}/v2.1/images/{image_id}"},
        {"rel": "bookmark", "href": f"{base}/images/{image_id}"},
        {"rel": "alternate", "type": "application/vnd.openstack.image", "href": f"{root}/image/images/{image_id}"},
    ]


def _detail(image: Image, base: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": image.id,
        "name": image.name,
        "minRam": image.min_ram,
        "minDisk": image.min_disk,
        "metadata": dict(image.properties),
        "created": image.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated": image.updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": _STATUS.get(image.status, "UNKNOWN"),
        "progress": _PROGRESS.get(image.status, 0),
        "OS-EXT-IMG-SIZE:size": image.size,
        "links": _links(base, image.id),
    }
    server = image.properties.get("instance_uuid")
    if server is not None:
        body["server"] = {
            "id": server,
            "links": [
                {"rel": "self", "href": f"{base}/v2.1/servers/{server}"},
                {"rel": "bookmark", "href": f"{base}/servers/{server}"},
            ],
        }
    return body


def _find(cloud: Cloud, context: RequestContext, image_id: str) -> Image:
    cloud.fleet.tick()
    image = cloud.images.get(image_id)
    if image is None or not visible(image, context):
        raise not_found("Image not found.")
    if image.source is not None and cloud.pace == "instant":
        with contextlib.suppress(ApiError):  # watching the snapshot steps its server, as Glance reads do
            cloud.read(image.source, lambda r: None)
        image = cloud.images.get(image_id) or image
    return image


def _owned(image: Image, context: RequestContext) -> None:
    if not (context.is_admin or image.owner == context.project_id):
        raise ApiError(403, f"Not authorized for image {image.id}.")


def _listing(cloud: Cloud, context: RequestContext, query: dict[str, list[str]], base: str, detail: bool) -> Reply:
    cloud.fleet.tick()

    def last(name: str) -> str | None:
        return last_value(query, name)

    images = [i for i in cloud.images.all() if listed(i, context, None)]  # Glance's default list
    name, status, server, kind = last("name"), last("status"), last("server"), last("type")
    if name is not None:
        images = [i for i in images if i.name == name]
    if status is not None:
        images = [i for i in images if _STATUS.get(i.status, "UNKNOWN") == status.upper()]
    if server is not None:
        images = [i for i in images if i.properties.get("instance_uuid") == server.rstrip("/").rsplit("/", 1)[-1]]
    if kind is not None:
        images = [i for i in images if i.properties.get("image_type") == kind]
    for field, attr in (("minRam", "min_ram"), ("minDisk", "min_disk")):
        text = last(field)
        if text is not None:
            if not text.isdigit():
                raise bad_request(f"Invalid {field} filter [{text}]")
            images = [i for i in images if getattr(i, attr) >= int(text)]
    marker, limit_text = last("marker"), last("limit")
    if marker is not None:
        ids = [i.id for i in images]
        if marker not in ids:
            raise bad_request(f"marker [{marker}] not found")
        images = images[ids.index(marker) + 1 :]
    if limit_text is not None:
        if not limit_text.isdigit():
            raise bad_request("limit param must be an integer")
        images = images[: int(limit_text)]
    if detail:
        return 200, {"images": [_detail(i, base) for i in images]}, {}
    return 200, {"images": [{"id": i.id, "name": i.name, "links": _links(base, i.id)} for i in images]}, {}


def _metadata_body(body: Any, key: str) -> dict[str, str]:
    """``{"metadata": {...}}`` / ``{"meta": {...}}`` with string keys (1-255) and values (at most 255)."""
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, dict):
        raise bad_request(
            f"Invalid input for field/attribute {key}. Value: {items!r}. {items!r} is not of type 'object'"
        )
    for name, value in items.items():
        if not 1 <= len(name) <= 255:
            raise bad_request(
                f"Invalid input for field/attribute {key}. Value: {items!r}. Invalid metadata key {name!r}"
            )
        if not isinstance(value, str) or len(value) > 255:
            raise bad_request(
                f"Invalid input for field/attribute {key}.{name}. Value: {value!r}. Invalid metadata value"
            )
    return {str(k): str(v) for k, v in items.items()}


def _metadata(cloud: Cloud, context: RequestContext, image: Image, key: str | None, method: str, body: Any) -> Reply:
    props = image.properties
    if key is None:
        if method == "GET":
            return 200, {"metadata": dict(props)}, {}
        if method in ("POST", "PUT"):
            _owned(image, context)
            items = _metadata_body(body, "metadata")
            if method == "PUT":
                props.clear()
            props.update(items)
            return 200, {"metadata": items if method == "PUT" else dict(props)}, {}
        raise ApiError(405, "The method specified is not allowed for this resource.")
    if method == "GET":
        if key not in props:
            raise not_found(_MISSING)
        return 200, {"meta": {key: props[key]}}, {}
    if method == "PUT":
        _owned(image, context)
        items = _metadata_body(body, "meta")
        if key not in items:
            raise bad_request("Request body and URI mismatch")
        if len(items) > 1:
            raise bad_request("Request body contains too many items")
        props[key] = items[key]
        return 200, {"meta": {key: items[key]}}, {}
    if method == "DELETE":
        _owned(image, context)
        if key not in props:
            raise not_found("Invalid metadata key")
        del props[key]
        return 204, None, {}
    raise ApiError(405, "The method specified is not allowed for this resource.")


def handle(
    cloud: Cloud,
    context: RequestContext,
    version: Version,
    method: str,
    rest: str,
    query: dict[str, list[str]],
    base: str,
    body: Any,
) -> Reply:
    """Answer ``METHOD /v2.1/images/<rest>``."""
    parts = [p for p in rest.split("/") if p]
    limit = MAX_METADATA if len(parts) >= 2 and parts[1] == "metadata" else MAX_PROXY
    if version > limit:
        raise not_found(_MISSING)
    if not parts or parts == ["detail"]:
        if method != "GET":  # Nova routes only GET here: DELETE /images/ finds no route
            raise not_found(_MISSING)
        return _listing(cloud, context, query, base, detail=bool(parts))
    image = _find(cloud, context, parts[0])
    if len(parts) == 1:
        if method == "GET":
            return 200, {"image": _detail(image, base)}, {}
        if method == "DELETE":
            if not (context.is_admin or image.owner == context.project_id) or image.protected:
                raise ApiError(403, "You are not allowed to delete the image.")
            cloud.images.delete(image.id)
            return 204, None, {}
        raise ApiError(405, "The method specified is not allowed for this resource.")
    if parts[1] == "metadata" and len(parts) <= 3:
        return _metadata(cloud, context, image, parts[2] if len(parts) == 3 else None, method, body)
    raise not_found(_MISSING)
