"""Glance's image members (``/v2/images/{id}/members``): sharing a ``shared`` image with other projects.

The owner adds a project (``pending``); that project accepts or rejects it
(``PUT .../members/{member}`` with ``{"status": ...}``). Any member may show
and boot the image by id (``glance/db/utils.py:is_image_visible`` asks for a
membership of any status); the default image list shows it to accepted members
only (``glance/db/sqlalchemy/api.py:_select_images_query``, ``member_status``
``accepted`` unless the request names another or ``all``).

Routes, checks and messages follow ``glance/api/v2/image_members.py``
(``ImageMembersController``), ``glance/domain/__init__.py:ImageMembership``
(the three statuses) and the default policies of ``glance/policies/image.py``
with the new defaults: ``add_member``/``delete_member`` the image's project
(``ADMIN_OR_PROJECT_MEMBER``), ``modify_member`` the member itself
(``ADMIN_OR_SHARED_MEMBER``), ``get_member(s)`` either
(``ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER``); a member lists only its own
membership (``_image_member_find`` filters on owner or member).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import ApiError

if TYPE_CHECKING:
    from lifecycle.api.context import RequestContext
    from lifecycle.api.images import Image, ImageService
    from lifecycle.api.service import Call, Reply

__all__ = ["MEMBERS_SCHEMA", "MEMBER_QUOTA", "MEMBER_SCHEMA", "MEMBER_STATUSES", "ROUTES", "Member"]

MEMBER_STATUSES = ("pending", "accepted", "rejected")
"""``ImageMembership.status``'s values (``glance/domain/__init__.py``)."""
MEMBER_QUOTA = 128
"""``image_member_quota``'s default (``glance/common/config.py``): members per image."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclasses.dataclass(eq=False)
class Member:
    """One project an image is shared with, and whether it took the image."""

    member_id: str
    image_id: str
    status: str = "pending"
    created: datetime.datetime = dataclasses.field(default_factory=_now)
    updated: datetime.datetime = dataclasses.field(default_factory=_now)

    def body(self) -> dict[str, Any]:
        """``image_members.py:ResponseSerializer._format_image_member``."""
        return {
            "member_id": self.member_id,
            "image_id": self.image_id,
            "status": self.status,
            "created_at": self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "updated_at": self.updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "schema": "/v2/schemas/member",
        }


def _image(service: ImageService, call: Call, image_id: str) -> Image:
    """``_lookup_image``: an image the caller cannot see is 404 ``Image X not found.``."""
    from lifecycle.api.images import visible

    image = service.images.get(image_id)
    if image is None or not visible(image, call.context):
        raise ApiError(404, f"Image {image_id} not found.")
    return image


def _owner_side(context: RequestContext, image: Image) -> bool:
    """``ADMIN_OR_PROJECT_MEMBER`` on the image (its ``project_id`` is the owner)."""
    return context.is_admin or ("member" in context.roles and image.owner == context.project_id)


def _mine(context: RequestContext, image: Image, member: Member) -> bool:
    """``_image_member_find``: an admin finds every membership, others their image's or their own."""
    return context.is_admin or image.owner == context.project_id or member.member_id == context.project_id


def _lookup(image: Image, member_id: str, context: RequestContext) -> Member:
    member = image.members.get(member_id)
    if member is None or not _mine(context, image, member):
        raise ApiError(404, f"{member_id} not found in the member list of the image {image.id}.")
    return member


def _body(call: Call) -> dict[str, Any]:
    """``RequestDeserializer._get_request_body``: a JSON object or list is required (``wsgi.py:from_json``)."""
    if str(call.environ.get("CONTENT_LENGTH") or "0").strip() in ("", "0"):  # wsgi.py: has_body
        raise ApiError(400, "Body expected in request.")
    body = call.json("Malformed JSON in request body.")
    if not isinstance(body, (dict, list)):
        raise ApiError(400, "Unexpected body type. Expected list/dict.")
    if not isinstance(body, dict):
        return {"": body}  # not a mapping: each route answers its own "Expected ... in the form" (TypeError)
    return body


def _index(service: ImageService, call: Call, image_id: str) -> Reply:
    """``GET .../members``: the owner sees every member, a member its own membership."""
    image = _image(service, call, image_id)
    if image.visibility != "shared":
        raise ApiError(403, f"Not allowed to list members for image {image_id}: Only shared images have members.")
    context = call.context
    with service.images.lock:
        members = [m.body() for m in image.members.values() if _mine(context, image, m)]
    return 200, {"members": members, "schema": "/v2/schemas/members"}, {}


def _show(service: ImageService, call: Call, image_id: str, member_id: str) -> Reply:
    """``GET .../members/{member}``: ``show`` turns every refusal into 404 (no information leaks)."""
    image = _image(service, call, image_id)
    if image.visibility != "shared":
        raise ApiError(404, "Only shared images have members.")
    with service.images.lock:
        return 200, _lookup(image, member_id, call.context).body(), {}


def _create(service: ImageService, call: Call, image_id: str) -> Reply:
    """``POST .../members`` ``{"member": project}``: a ``pending`` membership."""
    body = _body(call)
    if "" in body and len(body) == 1:
        raise ApiError(400, 'Expected a member in the form: {"member": "image_id"}')
    if "member" not in body:
        raise ApiError(400, "Member to be added not specified")
    member_id = body["member"]
    if not member_id:
        raise ApiError(400, "Member can't be empty")
    if not isinstance(member_id, str) or len(member_id) > 255:  # the DB column is String(255)
        raise ApiError(400, 'Expected a member in the form: {"member": "image_id"}')
    image = _image(service, call, image_id)
    refused = ApiError(403, f"Not allowed to create members for image {image_id}.")
    if image.visibility != "shared" or not _owner_side(call.context, image):
        raise refused
    with service.images.lock:
        if len(image.members) + 1 > MEMBER_QUOTA:  # glance/quota: ImageMemberFactoryProxy
            raise ApiError(
                413,
                f"Image member limit exceeded for image {image_id}: The limit has been exceeded on the number of "
                f"allowed image members for this image. Attempted: {len(image.members) + 1}, "
                f"Maximum: {MEMBER_QUOTA}:",
            )
        if member_id in image.members:
            raise ApiError(409, f"Member {member_id} is duplicated for image {image_id}")
        member = Member(member_id, image.id)
        image.members[member_id] = member
        return 200, member.body(), {}


def _update(service: ImageService, call: Call, image_id: str, member_id: str) -> Reply:
    """``PUT .../members/{member}`` ``{"status": ...}``: the member (or an admin) accepts or rejects."""
    body = _body(call)
    if "" in body and len(body) == 1:
        raise ApiError(400, 'Expected a status in the form: {"status": "status"}')
    if "status" not in body:
        raise ApiError(400, "Status not specified")
    image = _image(service, call, image_id)
    context = call.context
    refused = ApiError(403, f"Not allowed to update members for image {image_id}.")
    if image.visibility != "shared":
        raise refused
    with service.images.lock:
        member = _lookup(image, member_id, context)
        # modify_member: ADMIN_OR_SHARED_MEMBER, the image's "member" being the caller when it is not the owner
        if not (context.is_admin or ("member" in context.roles and image.owner != context.project_id)):
            raise refused
        status = body["status"]
        if status not in MEMBER_STATUSES:
            raise ApiError(400, 'Incorrect request: Status must be "pending", "accepted" or "rejected".')
        member.status, member.updated = str(status), _now()
        return 200, member.body(), {}


def _delete(service: ImageService, call: Call, image_id: str, member_id: str) -> Reply:
    """``DELETE .../members/{member}``: the owner (or an admin) takes the image back."""
    image = _image(service, call, image_id)
    refused = ApiError(403, f"Not allowed to delete members for image {image_id}.")
    if image.visibility != "shared":
        raise refused
    with service.images.lock:
        member = _lookup(image, member_id, call.context)
        if not _owner_side(call.context, image):
            raise refused
        image.members.pop(member.member_id, None)
    return 204, None, {}


MEMBER_SCHEMA: dict[str, Any] = {
    "name": "member",
    "properties": {
        "member_id": {"type": "string", "description": "An identifier for the image member (tenantId)"},
        "image_id": {
            "type": "string",
            "description": "An identifier for the image",
            "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$",
        },
        "created_at": {"type": "string", "description": "Date and time of image member creation"},
        "updated_at": {"type": "string", "description": "Date and time of last modification of image member"},
        "status": {"type": "string", "description": "The status of this image member", "enum": list(MEMBER_STATUSES)},
        "schema": {"readOnly": True, "type": "string"},
    },
    "additionalProperties": False,
}
"""``GET /v2/schemas/member``: ``get_schema`` (``_MEMBER_SCHEMA``) as ``glance/schema.py:Schema.raw``."""
MEMBERS_SCHEMA: dict[str, Any] = {
    "name": "members",
    "properties": {
        "members": {"type": "array", "items": MEMBER_SCHEMA},
        "first": {"type": "string"},
        "next": {"type": "string"},
        "schema": {"type": "string"},
    },
    "links": [
        {"rel": "first", "href": "{first}"},
        {"rel": "next", "href": "{next}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}
"""``GET /v2/schemas/members``: ``get_collection_schema`` as ``glance/schema.py:CollectionSchema.raw``."""


def _member_schema(service: ImageService, call: Call) -> Reply:
    return 200, MEMBER_SCHEMA, {}


def _members_schema(service: ImageService, call: Call) -> Reply:
    return 200, MEMBERS_SCHEMA, {}


ROUTES = (
    (r"^/v2/schemas/member/?$", {"GET": _member_schema}),
    (r"^/v2/schemas/members/?$", {"GET": _members_schema}),
    (r"^/v2/images/([^/]+)/members/?$", {"GET": _index, "POST": _create}),
    (r"^/v2/images/([^/]+)/members/([^/]+)/?$", {"GET": _show, "PUT": _update, "DELETE": _delete}),
)
"""The member routes :class:`~lifecycle.api.images.ImageService` serves (handlers take the service first)."""
