"""A minimal Image v2 (Glance): seeded images, and the snapshots, backups and shelve images servers make.

Clients resolve ``--image NAME`` here (``GET /v2/images?name=...``), Nova's
create checks ``imageRef`` against it (400 ``Can not find requested image``),
and ``createImage``/``createBackup``/``shelve`` add an image whose status walks
``queued -> saving -> active`` in step with the server's task: queued while
the snapshot is pending, ``saving`` in ``*_uploading``, ``active`` when the task
ends (``nova/compute/manager.py:_snapshot_instance`` updates Glance as the
task states move; a failed snapshot deletes its image). A backup that ends
rotates the server's older backups of the same type away
(``manager.py:_rotate_backups``); an unshelved server's shelve image goes
(``manager.py:_unshelve_instance`` deletes it).

Errors follow Glance's webob envelope ``{"code": "404 Not Found", "title",
"message"}``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import hashlib
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from lifecycle.api.context import RequestContext
from lifecycle.api.errors import ApiError
from lifecycle.api.image_members import ROUTES as MEMBER_ROUTES
from lifecycle.api.image_members import Member
from lifecycle.api.image_patch import TAG_QUOTA, apply_changes, check_field, check_tags, check_visibility, parse_changes
from lifecycle.api.service import Call, Handler, JsonService, Reply, reason

if TYPE_CHECKING:
    from lifecycle.api.cloud import Cloud, Record
    from lifecycle.simulate.events import Event

__all__ = [
    "CIRROS_ALT_ID",
    "CIRROS_ID",
    "IMAGE_SIZE_CAP",
    "STORE_CAP",
    "Image",
    "ImageService",
    "Images",
    "default_images",
    "require_image",
]

IMAGE_SIZE_CAP = 16 * 1024 * 1024
"""The largest image the fake keeps, in bytes (Glance's ``image_size_cap``, 1 TiB there): 413 above."""
STORE_CAP = 64 * 1024 * 1024
"""The most uploaded data one fake cloud holds, in bytes: 413 ``Image storage media is full`` above."""

CIRROS_ID = "a3b6f9e2-5c1d-4f8a-9e27-0c1f6d2b8a41"
"""The id of the default ``cirros-0.6.2-x86_64-disk`` image."""
CIRROS_ALT_ID = "6d3c1e84-2b9f-4a57-8c0e-3f5a7b9d1e26"
"""The id of the second default image (``cirros-0.6.2-x86_64-disk-alt``), to rebuild to."""

_QUEUED_TASKS = frozenset(
    {"image_snapshot", "image_snapshot_pending", "image_backup", "image_pending_upload", "shelving",
     "shelving_image_pending_upload"}
)  # fmt: skip
_SAVING_TASKS = frozenset({"image_uploading", "shelving_image_uploading"})
_OFFLOADED = frozenset({"shelved", "shelved_offloaded"})
_UPDATABLE_LIST_FILTERS = ("name", "status", "owner", "disk_format", "container_format")
_NOT_FILTERS = frozenset(
    {"limit", "marker", "sort_key", "sort_dir", "sort", "member_status", "tag", "size_min", "size_max",
     "created_at", "updated_at", "os_hidden", "visibility"}
)  # fmt: skip
"""Glance's ``images.py`` ``RequestDeserializer.index`` pops these; every other parameter is a filter.

Filters that are not base attributes match an image's (flattened) extra
property exactly: Nova's backups are listed by ``image_type``, ``backup_type``
and ``instance_uuid`` this way."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclasses.dataclass(eq=False)
class Image:
    """One image as Glance stores it; ``source`` is the server still making it."""

    id: str
    name: str
    owner: str
    status: str = "active"
    visibility: str = "public"
    disk_format: str = "qcow2"
    container_format: str = "bare"
    size: int | None = 21430272
    min_disk: int = 0
    min_ram: int = 0
    protected: bool = False
    properties: dict[str, str] = dataclasses.field(default_factory=dict)
    created: datetime.datetime = dataclasses.field(default_factory=_now)
    updated: datetime.datetime = dataclasses.field(default_factory=_now)
    source: Record | None = None
    """The server whose task makes this image (until the task ends)."""
    origin: Record | None = None
    """The server that made this image (a shelve image goes when it is unshelved)."""
    rotation: int = 0
    """A backup's ``rotation``: how many backups of its server and type to keep once it is active."""
    kind: str = ""
    """``snapshot``, ``backup``, ``shelved``, or ``""`` for an uploaded image."""
    os_hidden: bool = False
    tags: list[str] = dataclasses.field(default_factory=list)
    data: bytes | None = None
    """The uploaded bytes (``PUT .../file``); seeded and server-made images have none."""
    checksum: str | None = None
    """The md5 of :attr:`data` (Glance's ``checksum``), ``None`` without data."""
    hash_value: str | None = None
    """The sha512 of :attr:`data` (Glance's ``os_hash_value``, ``os_hash_algo`` ``sha512``)."""
    members: dict[str, Member] = dataclasses.field(default_factory=dict)
    """The projects a ``shared`` image is shared with, by project id (``lifecycle.api.image_members``)."""

    def store(self, data: bytes) -> None:
        """Keep uploaded data and its hashes, as ``glance_store`` hands them back (``glance/location.py:set_data``)."""
        self.data, self.size = data, len(data)
        self.checksum = hashlib.md5(data, usedforsecurity=False).hexdigest()
        self.hash_value = hashlib.sha512(data).hexdigest()
        self.status, self.updated = "active", _now()

    def body(self) -> dict[str, Any]:
        """The JSON Glance shows for the image (``glance/api/v2/images.py``, ``ResponseSerializer._format_image``).

        ``checksum``/``os_hash_*`` are the hashes of the uploaded data, ``null``
        for an image without any (as Glance shows a queued image).
        """
        return {
            **self.properties,
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "visibility": self.visibility,
            "protected": self.protected,
            "os_hidden": self.os_hidden,
            "tags": list(self.tags),
            "disk_format": self.disk_format,
            "container_format": self.container_format,
            "size": self.size if self.status == "active" else None,
            "virtual_size": None,
            "min_disk": self.min_disk,
            "min_ram": self.min_ram,
            "checksum": self.checksum,
            "os_hash_algo": "sha512" if self.hash_value else None,
            "os_hash_value": self.hash_value,
            "owner": self.owner,
            "created_at": _stamp(self.created),
            "updated_at": _stamp(self.updated),
            "self": f"/v2/images/{self.id}",
            "file": f"/v2/images/{self.id}/file",
            "schema": "/v2/schemas/image",
        }


def default_images(owner: str) -> list[Image]:
    """DevStack's CirrOS image, and a second public image (to rebuild to)."""
    return [
        Image(CIRROS_ID, "cirros-0.6.2-x86_64-disk", owner, min_disk=0),
        Image(CIRROS_ALT_ID, "cirros-0.6.2-x86_64-disk-alt", owner),
    ]


class Images:
    """The images of one fake cloud (thread-safe); servers' snapshots walk their status lazily."""

    def __init__(self, images: Iterable[Image] | None = None, *, owner: str = "") -> None:
        from lifecycle.api.context import DEFAULT_PROJECT

        self._images: dict[str, Image] = {}
        self._lock = threading.RLock()
        self.lock = self._lock
        """Held while an image's fields change, so readers see whole updates."""
        for image in default_images(owner or DEFAULT_PROJECT) if images is None else images:
            self._images[image.id] = image

    def add(self, image: Image) -> Image:
        """Add (or replace) an image."""
        with self._lock:
            self._images[image.id] = image
        return image

    def get(self, image_id: str) -> Image | None:
        """The image ``image_id`` (its status brought up to date), if it exists."""
        with self._lock:
            image = self._images.get(image_id)
            if image is not None:
                self._walk(image)
            return self._images.get(image_id)

    def all(self) -> list[Image]:
        """Every image, oldest first, statuses brought up to date."""
        with self._lock:
            for image in list(self._images.values()):
                self._walk(image)
            return sorted(self._images.values(), key=lambda i: i.created)

    def stored_bytes(self) -> int:
        """How much uploaded data the cloud holds (bounded by :data:`STORE_CAP`)."""
        with self._lock:
            return sum(len(i.data) for i in self._images.values() if i.data is not None)

    def delete(self, image_id: str) -> None:
        """Forget an image."""
        with self._lock:
            self._images.pop(image_id, None)

    def snapshot(
        self,
        record: Record,
        name: str,
        kind: str,
        project_id: str,
        *,
        rotation: int = 0,
        properties: dict[str, str] | None = None,
    ) -> Image:
        """The image a server's ``createImage``/``createBackup``/``shelve`` makes (queued)."""
        base = self._images.get(record.image_id)
        image = Image(
            str(uuid.uuid4()),
            name,
            project_id,
            status="queued",
            visibility="private",
            size=None,
            min_disk=record.flavor.disk,
            min_ram=base.min_ram if base is not None else 0,  # inherited from the image booted (compute/utils.py)
            properties={
                "image_type": "backup" if kind == "backup" else "snapshot",
                "instance_uuid": record.id,
                "base_image_ref": record.image_id,
                "user_id": record.user_id,
                "image_location": "snapshot",
                **(properties or {}),
            },
            source=record,
            origin=record,
            kind=kind,
            rotation=rotation,
        )
        return self.add(image)

    def on_event(self, event: Event) -> None:
        """A fleet listener: a snapshot, backup or shelve whose task failed loses its image, as in Nova."""
        if event.kind != "failure":
            return
        with self._lock:
            for image in list(self._images.values()):
                if image.source is not None and image.source.id == event.server_id:
                    del self._images[image.id]

    def _walk(self, image: Image) -> None:
        """Bring a server-made image's status in line with its server's task (lock held)."""
        if image.kind == "shelved" and image.source is None:
            origin = image.origin
            if origin is not None and (origin.gone or (_vm(origin) not in _OFFLOADED and not _busy(origin))):
                self._images.pop(image.id, None)  # unshelved: Nova deletes the shelve image
            return
        record = image.source
        if record is None:
            return
        task = record.server.task_state
        task_name = None if task is None else str(task.value)
        status = image.status
        if task_name in _QUEUED_TASKS:
            status = "queued"
        elif task_name in _SAVING_TASKS:
            status = "saving"
        elif record.gone or _vm(record) == "error":
            self._images.pop(image.id, None)  # the snapshot failed: Nova deletes the image
            return
        else:
            status = "active"
            image.size = 21430272
            image.source = None
            if image.kind == "backup":
                self._rotate(image)
        if status != image.status:
            image.status, image.updated = status, _now()

    def _rotate(self, image: Image) -> None:
        """Keep the newest ``rotation`` backups of this server and type (Nova's ``_rotate_backups``)."""
        props = image.properties
        same = [
            i
            for i in self._images.values()
            if i.kind == "backup"
            and i.source is None
            and i.properties.get("instance_uuid") == props.get("instance_uuid")
            and i.properties.get("backup_type") == props.get("backup_type")
        ]
        same.sort(key=lambda i: i.created, reverse=True)
        for old in same[image.rotation :]:
            self._images.pop(old.id, None)


def _vm(record: Record) -> str:
    vm = record.server.vm_state
    return "" if vm is None else str(vm.value)


def _busy(record: Record) -> bool:
    return record.server.task_state is not None


def visible(image: Image, context: RequestContext) -> bool:
    """Whether the caller may show (and Nova boot) the image: ``glance/db/utils.py:is_image_visible``.

    Admins see every image; ``public`` and ``community`` images are everyone's;
    ``private`` and ``shared`` ones their owner's, and a ``shared`` one also its
    members' whatever their membership's status (``image_member_find`` without ``status``).
    """
    return (
        image.visibility in ("public", "community")
        or context.is_admin
        or image.owner == context.project_id
        or (image.visibility == "shared" and context.project_id in image.members)
    )


def listed(image: Image, context: RequestContext, visibility: str | None, member_status: str = "accepted") -> bool:
    """Whether ``GET /v2/images`` lists the image (``glance/db/sqlalchemy/api.py:_image_get_all``).

    Without a ``visibility`` filter another project's ``community`` image is
    left out (showable and bootable, but not in the default list); with one,
    only images of that visibility (``all``: every one the caller may see).
    Another project's ``shared`` image is listed to a member whose membership
    has ``member_status`` (``all``: any) (``_select_images_query``; admins see all).
    """
    if not visible(image, context):
        return False
    if not context.is_admin and image.visibility == "shared" and image.owner != context.project_id:
        member = image.members.get(context.project_id)
        if member is None or member_status not in ("all", member.status):
            return False
    if visibility is None:
        return image.visibility != "community" or image.owner == context.project_id
    return visibility == "all" or image.visibility == visibility


def _match_filter(name: str, wanted: str) -> Callable[[Image], bool]:
    """Glance's ``in:a,b`` operator, or an exact match."""
    values = {v for v in wanted[3:].split(",")} if wanted.startswith("in:") else {wanted}
    if name == "id":
        return lambda i: i.id in values
    return lambda i: str(i.body().get(name)) in values


def _property_filter(name: str, wanted: str) -> Callable[[Image], bool]:
    """An attribute's or extra property's exact value (an image without it never matches)."""

    def rule(image: Image) -> bool:
        body = image.body()
        value = body.get(name)
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        return name in body and shown == wanted

    return rule


class ImageService(JsonService):
    """The Image v2 WSGI app (``/image``)."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.images: Images = cloud.images
        self.routes = [
            (re.compile(r"^/?$"), {"GET": self._versions}),
            (re.compile(r"^/versions/?$"), {"GET": self._versions_ok}),
            (re.compile(r"^/v2/?$"), {"GET": self._versions}),
            (re.compile(r"^/v2/images/?$"), {"GET": self._list, "POST": self._create}),
            (
                re.compile(r"^/v2/images/([^/]+)/?$"),
                {"GET": self._show, "DELETE": self._delete, "PATCH": self._update},
            ),
            (re.compile(r"^/v2/images/([^/]+)/file/?$"), {"PUT": self._upload, "GET": self._download}),
            (re.compile(r"^/v2/images/([^/]+)/tags/([^/]+)$"), {"PUT": self._add_tag, "DELETE": self._remove_tag}),
            (re.compile(r"^/v2/images/([^/]+)/tasks/?$"), {"GET": self._tasks}),
            *self._member_routes(),
            (re.compile(r"^/v2/schemas/images?/?$"), {"GET": self._schema}),
        ]

    def _member_routes(self) -> list[tuple[re.Pattern[str], dict[str, Handler]]]:
        """``lifecycle.api.image_members``'s routes, their handlers bound to this service."""
        return [
            (re.compile(pattern), {m: functools.partial(h, self) for m, h in methods.items()})
            for pattern, methods in MEMBER_ROUTES
        ]

    def error_body(self, code: int, message: str) -> Any:
        return {"code": f"{code} {reason(code)}", "title": reason(code), "message": message}

    def _doc(self, call: Call) -> dict[str, Any]:
        return {
            "versions": [
                {
                    "id": f"v2.{minor}",
                    "status": "CURRENT" if minor == 16 else "SUPPORTED",
                    "links": [{"rel": "self", "href": f"{call.base}/v2/"}],
                }
                for minor in (16, 15, 9, 0)
            ]
        }

    def _versions(self, call: Call) -> Reply:
        return 300, self._doc(call), {}

    def _versions_ok(self, call: Call) -> Reply:
        return 200, self._doc(call), {}

    def _visible(self, call: Call, image: Image) -> bool:
        return visible(image, call.context)

    def _walked(self, image: Image) -> None:
        """A client reading a server-made image also watches its server: at instant pace its task steps on."""
        self.cloud.fleet.tick()  # let due steps happen (wall pace), as a read of the server would
        record = image.source
        if record is not None and not record.gone and self.cloud.pace == "instant":
            with contextlib.suppress(ApiError):
                self.cloud.read(record, lambda r: None)

    def _list(self, call: Call) -> Reply:
        self.cloud.fleet.tick()
        images = self.images.all()
        for image in images:
            self._walked(image)
        visibility = call.first("visibility")
        if visibility is not None and visibility not in ("community", "public", "private", "shared", "all"):
            raise ApiError(400, f"Invalid visibility value: {visibility}")  # RequestDeserializer._get_filters
        member_status = call.first("member_status") or "accepted"
        if member_status not in ("pending", "accepted", "rejected", "all"):
            raise ApiError(400, f"Invalid status: {member_status}")  # RequestDeserializer._validate_member_status
        keep = [i for i in self.images.all() if listed(i, call.context, visibility, member_status)]
        tags = call.query.get("tag", [])  # every tag given must be on the image (_make_conditions_from_filters)
        keep = [i for i in keep if all(t in i.tags for t in tags)]
        for name in call.query:
            wanted = call.first(name)
            if name in _NOT_FILTERS or wanted is None:
                continue
            if name in ("id", *_UPDATABLE_LIST_FILTERS):
                rule = _match_filter(name, wanted)
            else:
                rule = _property_filter(name, wanted)
            keep = [i for i in keep if rule(i)]
        marker, limit_text = call.first("marker"), call.first("limit")
        if marker is not None:
            ids = [i.id for i in keep]
            if marker not in ids:
                raise ApiError(400, f"Invalid marker. Image {marker} could not be found.")
            keep = keep[ids.index(marker) + 1 :]
        limit = len(keep)
        if limit_text is not None:
            if not limit_text.isdigit():
                raise ApiError(400, "limit param must be an integer")
            limit = int(limit_text)
        page = keep[:limit]
        body: dict[str, Any] = {
            "images": [i.body() for i in page],
            "first": "/v2/images",
            "schema": "/v2/schemas/images",
        }
        if len(keep) > limit and page:
            body["next"] = f"/v2/images?marker={page[-1].id}&limit={limit}"
        return 200, body, {}

    def _find(self, call: Call, image_id: str) -> Image:
        # every image walks first: a newer backup of the same server turning active rotates this one away
        for other in self.images.all():
            if other.id != image_id:
                self._walked(other)
        image = self.images.get(image_id)
        if image is None or not self._visible(call, image):
            raise ApiError(404, f"No image found with ID {image_id}")
        self._walked(image)
        return self.images.get(image_id) or image

    def _show(self, call: Call, image_id: str) -> Reply:
        return 200, self._find(call, image_id).body(), {}

    def _delete(self, call: Call, image_id: str) -> Reply:
        image = self._find(call, image_id)
        context = call.context
        if not (context.is_admin or image.owner == context.project_id):
            raise ApiError(403, "You are not permitted to delete this image.")
        if image.protected:
            raise ApiError(403, f"Image {image_id} is protected and cannot be deleted.")
        self.images.delete(image_id)
        return 204, None, {}

    def _create(self, call: Call) -> Reply:
        """``POST /v2/images``: a queued image record (data comes with ``PUT .../file``)."""
        spec = call.json("Malformed request body")
        if not isinstance(spec, dict):
            raise ApiError(400, "Body expected in request.")
        for key in ("direct_url", "self", "file", "schema", "stores"):  # RequestDeserializer._check_allowed
            if key in spec:
                raise ApiError(403, f"Attribute '{key}' is read-only.")
        for key, value in spec.items():
            if key not in ("id", "owner", "status", "checksum", "size", "virtual_size", "created_at", "updated_at"):
                check_field(key, value)
        visibility = spec.get("visibility", "shared")
        check_visibility(visibility, call.context, call.context.project_id)
        fields: dict[str, Any] = {k: spec[k] for k in ("min_ram", "min_disk", "protected", "os_hidden") if k in spec}
        tags = check_tags(spec.get("tags", []))
        if len(tags) > TAG_QUOTA:
            raise ApiError(
                413,
                "The limit has been exceeded on the number of allowed image tags. "
                f"Attempted: {len(tags)}, Maximum: {TAG_QUOTA}",
            )
        known = {"name", "visibility", "disk_format", "container_format", "min_ram", "min_disk", "protected", "tags",
                 "os_hidden"}  # fmt: skip
        extra = {k: v for k, v in spec.items() if k not in known}
        for key in extra:
            if key in ("location", "deleted", "deleted_at") or key.startswith("os_glance"):
                raise ApiError(403, f"Attribute '{key}' is reserved.")
            if len(key) > 255:
                raise ApiError(400, "Custom property should not be greater than 255 characters.")
        if any(not isinstance(v, str) for v in extra.values()) or "id" in extra:
            raise ApiError(400, "Image properties must be strings; the fake does not take image ids.")
        image = Image(
            str(uuid.uuid4()),
            str(spec.get("name") or ""),
            call.context.project_id,
            status="queued",
            visibility=visibility,
            disk_format=str(spec.get("disk_format") or "raw"),
            container_format=str(spec.get("container_format") or "bare"),
            size=None,
            properties=extra,
            tags=tags,
            **fields,
        )
        self.images.add(image)
        return 201, image.body(), {"Location": f"{call.base}/v2/images/{image.id}"}

    def _upload(self, call: Call, image_id: str) -> Reply:
        """``PUT /v2/images/{id}/file``: the data arrive, the image is active."""
        image = self._find(call, image_id)
        if not (call.context.is_admin or image.owner == call.context.project_id):
            raise ApiError(403, "You are not permitted to upload data for this image.")
        if image.status != "queued":
            raise ApiError(409, f"Image status transition from {image.status} to saving is not allowed")
        kind = str(call.environ.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()
        if kind != "application/octet-stream":  # image_data.py RequestDeserializer.upload: get_content_type
            raise ApiError(415, f"Invalid content type {kind or None}")
        data = self._read_data(call)
        with self.images.lock:
            held = self.images.stored_bytes()
            if held + len(data) > STORE_CAP:
                raise ApiError(
                    413,
                    f"Image storage media is full: {held + len(data)} bytes would pass the fake's {STORE_CAP}.",
                )
            image.store(data)
        return 204, None, {}

    def _read_data(self, call: Call) -> bytes:
        """The upload, at most :data:`IMAGE_SIZE_CAP` bytes (413 as ``ImageSizeLimitExceeded``, reading no more)."""
        too_large = ApiError(413, "The incoming image is too large: The provided image is too large.")
        text = str(call.environ.get("CONTENT_LENGTH") or "").strip()
        if text and not text.isdigit():
            raise ApiError(400, "Invalid or missing image size in request headers.")
        stream = call.environ["wsgi.input"]
        if text:
            length = int(text)
            if length > IMAGE_SIZE_CAP:
                raise too_large
            return bytes(stream.read(length)) if length else b""
        data = bytes(stream.read(IMAGE_SIZE_CAP + 1))  # no length (chunked): read one past the cap at most
        if len(data) > IMAGE_SIZE_CAP:
            raise too_large
        return data

    def _download(self, call: Call, image_id: str) -> Reply:
        """``GET /v2/images/{id}/file``: the data with ``Content-MD5``; 204 for an image without data.

        ``image_data.py``: ``ImageProxy.get_data`` raises ``NotFound`` without
        locations, which the serializer answers ``204 No Content``.
        """
        image = self._find(call, image_id)
        if image.data is None:
            return 204, None, {}
        headers = {"Content-Type": "application/octet-stream"}
        if image.checksum:
            headers["Content-MD5"] = image.checksum
        return 200, image.data, headers

    def _modifiable(self, call: Call, image_id: str) -> Image:
        """The image, if the caller passes ``modify_image`` (admin or owner): else 403 (it is visible)."""
        image = self._find(call, image_id)
        if not (call.context.is_admin or image.owner == call.context.project_id):
            raise ApiError(403, "You are not authorized to complete modify_image action.")
        return image

    def _update(self, call: Call, image_id: str) -> Reply:
        """``PATCH /v2/images/{id}``: a JSON patch (``lifecycle.api.image_patch``), the image as it now is."""
        changes = parse_changes(str(call.environ.get("CONTENT_TYPE") or ""), call.json("Malformed request body"))
        image = self._modifiable(call, image_id)
        with self.images.lock:
            apply_changes(image, changes, call.context)
            if changes:
                image.updated = _now()
        return 200, image.body(), {}

    def _add_tag(self, call: Call, image_id: str, tag: str) -> Reply:
        """``PUT /v2/images/{id}/tags/{tag}`` (``image_tags.py:Controller.update``): 204, even if already there."""
        check_tags([tag])
        image = self._modifiable(call, image_id)
        with self.images.lock:
            if tag not in image.tags:
                if len(image.tags) >= TAG_QUOTA:
                    raise ApiError(
                        413,
                        f"Image tag limit exceeded for image {image_id}: The limit has been exceeded on the number "
                        f"of allowed image tags. Attempted: {len(image.tags) + 1}, Maximum: {TAG_QUOTA}:",
                    )
                image.tags.append(tag)
                image.updated = _now()
        return 204, None, {}

    def _remove_tag(self, call: Call, image_id: str, tag: str) -> Reply:
        """``DELETE /v2/images/{id}/tags/{tag}``: 204, or 404 when the image has no such tag."""
        image = self._modifiable(call, image_id)
        with self.images.lock:
            if tag not in image.tags:
                raise ApiError(404, "The resource could not be found.")
            image.tags.remove(tag)
            image.updated = _now()
        return 204, None, {}

    def _tasks(self, call: Call, image_id: str) -> Reply:
        """``GET /v2/images/{id}/tasks`` (2.12): the fake runs no import tasks."""
        self._find(call, image_id)
        return 200, {"tasks": []}, {}

    def _schema(self, call: Call) -> Reply:
        return 200, {"name": "image", "properties": {}, "additionalProperties": {"type": "string"}}, {}


def require_image(images: Images, context: RequestContext, image_id: str) -> Image:
    """The image a server boots or rebuilds from, checked as Nova's ``compute/api.py:_get_image`` does.

    Raises:
        ApiError: 400 ``Can not find requested image`` when Glance would not show it to the caller,
            400 ``Image X is not active.`` while it is still being made.
    """
    image = images.get(image_id)
    if image is None or not visible(image, context):
        raise ApiError(400, "Can not find requested image")
    if image.status != "active":
        raise ApiError(400, f"Image {image_id} is not active.")
    return image
