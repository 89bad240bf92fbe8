"""Glance's image members (``/v2/images/{id}/members``) in the fake, over WSGI.

Expected values come from Glance's code, not from the fake:
``glance/api/v2/image_members.py`` (the controller's checks and messages:
``Not allowed to create members for image X.`` wrapping ``Only shared images have
members.``, ``Member X is duplicated for image Y``, ``X not found in the member list
of the image Y.``, ``show`` turning refusals into 404, the deserializer's
``Member to be added not specified`` / ``Status not specified``; create answers 200),
``glance/domain/__init__.py`` (``ImageMembership``: a new member is ``pending``,
``Status must be "pending", "accepted" or "rejected".``), ``glance/policies/image.py``
(``add_member``/``delete_member`` the owner's, ``modify_member`` the member's),
``glance/db/utils.py:is_image_visible`` (any membership shows the image by id) and
``glance/db/sqlalchemy/api.py:_select_images_query`` (the list shows a shared image to
members with ``member_status``, ``accepted`` by default; ``images.py``
``_validate_member_status``: ``Invalid status: X``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import login, wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.gateway import Gateway

OCTETS = "application/octet-stream"


def call(
    gateway: Gateway, method: str, path: str, body: Any = None, token: str = "", content_type: str = ""
) -> tuple[int, Any]:
    raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    headers: dict[str, Any] = {"CONTENT_TYPE": content_type} if content_type else {}
    if token:
        headers["HTTP_X_AUTH_TOKEN"] = token
    status, _, data = wsgi_request(gateway, method, path, raw, headers)
    return int(status.split()[0]), json.loads(data) if data and data.startswith(b"{") else None


@pytest.fixture
def gateway() -> Gateway:
    return Gateway(ComputeApp(Cloud()))


def make(gateway: Gateway, token: str, **spec: Any) -> dict[str, Any]:
    code, image = call(gateway, "POST", "/image/v2/images", {"disk_format": "raw", **spec}, token)
    assert code == 201, image
    assert call(gateway, "PUT", f"/image/v2/images/{image['id']}/file", b"data", token, OCTETS)[0] == 204
    return dict(image)


def names(gateway: Gateway, token: str, query: str = "") -> set[str]:
    code, reply = call(gateway, "GET", f"/image/v2/images{query}", token=token)
    assert code == 200, reply
    return {i["name"] for i in reply["images"]}


def message(reply: Any) -> str:
    return str(reply["message"])


def boot(gateway: Gateway, token: str, image_id: str) -> int:
    server = {"server": {"name": "vm", "imageRef": image_id, "flavorRef": "1"}}
    return call(gateway, "POST", "/v2.1/servers", server, token)[0]


def test_share_accept_and_reject(gateway: Gateway) -> None:
    demo, alt = login(gateway, "demo"), login(gateway, "alt_demo")
    alt_id = gateway.cloud.accounts.project("alt_demo").id
    image = make(gateway, demo, name="golden")
    members = f"/image/v2/images/{image['id']}/members"
    code, member = call(gateway, "POST", members, {"member": alt_id}, demo)
    assert code == 200, member
    assert (member["member_id"], member["image_id"], member["status"], member["schema"]) == (
        alt_id,
        image["id"],
        "pending",
        "/v2/schemas/member",
    )
    # pending: shown and bootable by id, listed only when asked for pending (or all)
    assert call(gateway, "GET", f"/image/v2/images/{image['id']}", token=alt)[0] == 200
    assert boot(gateway, alt, image["id"]) == 202
    assert "golden" not in names(gateway, alt)
    assert "golden" in names(gateway, alt, "?member_status=pending")
    assert "golden" in names(gateway, alt, "?member_status=all")
    assert "golden" in names(gateway, alt, "?visibility=shared&member_status=pending")
    code, accepted = call(gateway, "PUT", f"{members}/{alt_id}", {"status": "accepted"}, alt)
    assert (code, accepted["status"]) == (200, "accepted")
    assert "golden" in names(gateway, alt)
    assert "golden" not in names(gateway, alt, "?member_status=pending")
    assert call(gateway, "PUT", f"{members}/{alt_id}", {"status": "rejected"}, alt)[1]["status"] == "rejected"
    assert "golden" not in names(gateway, alt)
    assert "golden" in names(gateway, alt, "?member_status=rejected")
    assert call(gateway, "GET", f"/image/v2/images/{image['id']}", token=alt)[0] == 200  # still shown by id
    # the owner lists every member, the member its own membership
    listed = call(gateway, "GET", members, token=demo)[1]
    assert ([m["member_id"] for m in listed["members"]], listed["schema"]) == ([alt_id], "/v2/schemas/members")
    assert [m["member_id"] for m in call(gateway, "GET", members, token=alt)[1]["members"]] == [alt_id]
    assert call(gateway, "GET", f"{members}/{alt_id}", token=alt)[1]["status"] == "rejected"
    # the owner takes it back: the image is the owner's alone again
    assert call(gateway, "DELETE", f"{members}/{alt_id}", token=demo) == (204, None)
    assert call(gateway, "GET", f"/image/v2/images/{image['id']}", token=alt)[0] == 404
    assert call(gateway, "GET", members, token=demo)[1]["members"] == []


def test_who_may_do_what(gateway: Gateway) -> None:
    demo, alt = login(gateway, "demo"), login(gateway, "alt_demo")
    alt_id = gateway.cloud.accounts.project("alt_demo").id
    demo_id = gateway.cloud.accounts.project("demo").id
    image = make(gateway, demo, name="golden")
    members = f"/image/v2/images/{image['id']}/members"
    # not a member yet: alt cannot see the image at all
    code, reply = call(gateway, "GET", members, token=alt)
    assert (code, message(reply)) == (404, f"Image {image['id']} not found.")
    assert call(gateway, "POST", members, {"member": alt_id}, demo)[0] == 200
    # a member cannot add members, remove itself, or see others' memberships; the owner cannot accept for it
    code, reply = call(gateway, "POST", members, {"member": "third"}, alt)
    assert (code, message(reply)) == (403, f"Not allowed to create members for image {image['id']}.")
    code, reply = call(gateway, "DELETE", f"{members}/{alt_id}", token=alt)
    assert (code, message(reply)) == (403, f"Not allowed to delete members for image {image['id']}.")
    code, reply = call(gateway, "PUT", f"{members}/{alt_id}", {"status": "accepted"}, demo)
    assert (code, message(reply)) == (403, f"Not allowed to update members for image {image['id']}.")
    assert call(gateway, "POST", members, {"member": "third"}, demo)[0] == 200
    assert [m["member_id"] for m in call(gateway, "GET", members, token=alt)[1]["members"]] == [alt_id]
    code, reply = call(gateway, "GET", f"{members}/third", token=alt)
    assert (code, message(reply)) == (404, f"third not found in the member list of the image {image['id']}.")
    code, reply = call(gateway, "PUT", f"{members}/third", {"status": "accepted"}, alt)
    assert code == 404, reply
    # an admin (no auth) may accept for a member
    assert call(gateway, "PUT", f"{members}/third", {"status": "accepted"})[1]["status"] == "accepted"
    code, reply = call(gateway, "POST", members, {"member": alt_id}, demo)
    assert (code, message(reply)) == (409, f"Member {alt_id} is duplicated for image {image['id']}")
    assert call(gateway, "GET", f"{members}/{demo_id}", token=demo)[0] == 404  # the owner is no member


def test_only_shared_images_have_members(gateway: Gateway) -> None:
    demo = login(gateway, "demo")
    alt_id = gateway.cloud.accounts.project("alt_demo").id
    for visibility in ("private", "public", "community"):
        token = "" if visibility == "public" else demo  # publicizing is the admin's
        image = make(gateway, token, name=visibility, visibility=visibility)
        members = f"/image/v2/images/{image['id']}/members"
        code, reply = call(gateway, "POST", members, {"member": alt_id}, token)
        assert (code, message(reply)) == (403, f"Not allowed to create members for image {image['id']}."), visibility
        code, reply = call(gateway, "GET", members, token=token)
        assert (code, message(reply)) == (
            403,
            f"Not allowed to list members for image {image['id']}: Only shared images have members.",
        )
        code, reply = call(gateway, "GET", f"{members}/{alt_id}", token=token)
        assert (code, message(reply)) == (404, "Only shared images have members.")
    # members of an image made private again no longer see it (is_image_visible asks only for shared images)
    alt = login(gateway, "alt_demo")
    image = make(gateway, demo, name="was-shared")
    assert call(gateway, "POST", f"/image/v2/images/{image['id']}/members", {"member": alt_id}, demo)[0] == 200
    patch = [{"op": "replace", "path": "/visibility", "value": "private"}]
    assert (
        call(
            gateway,
            "PATCH",
            f"/image/v2/images/{image['id']}",
            patch,
            demo,
            "application/openstack-images-v2.1-json-patch",
        )[0]
        == 200
    )
    assert call(gateway, "GET", f"/image/v2/images/{image['id']}", token=alt)[0] == 404


@pytest.mark.parametrize(
    ("method", "suffix", "body", "expected"),
    [
        ("POST", "", {}, "Member to be added not specified"),
        ("POST", "", {"member": ""}, "Member can't be empty"),
        ("POST", "", ["x"], 'Expected a member in the form: {"member": "image_id"}'),
        ("POST", "", b"{", "Malformed JSON in request body."),
        ("POST", "", "x", "Unexpected body type. Expected list/dict."),
        ("POST", "", None, "Body expected in request."),
        ("PUT", "/MEMBER", {}, "Status not specified"),
        ("PUT", "/MEMBER", ["accepted"], 'Expected a status in the form: {"status": "status"}'),
        (
            "PUT",
            "/MEMBER",
            {"status": "maybe"},
            'Incorrect request: Status must be "pending", "accepted" or "rejected".',
        ),
    ],
)
def test_bad_bodies_are_400(gateway: Gateway, method: str, suffix: str, body: Any, expected: str) -> None:
    demo, alt = login(gateway, "demo"), login(gateway, "alt_demo")
    alt_id = gateway.cloud.accounts.project("alt_demo").id
    image = make(gateway, demo, name="golden")
    members = f"/image/v2/images/{image['id']}/members"
    assert call(gateway, "POST", members, {"member": alt_id}, demo)[0] == 200
    code, reply = call(gateway, method, members + suffix.replace("MEMBER", alt_id), body, alt)
    assert (code, reply["code"], message(reply)) == (400, "400 Bad Request", expected)


def test_invalid_member_status_filter_is_400(gateway: Gateway) -> None:
    code, reply = call(gateway, "GET", "/image/v2/images?member_status=maybe", token=login(gateway, "demo"))
    assert (code, message(reply)) == (400, "Invalid status: maybe")


def test_member_quota_is_413(gateway: Gateway) -> None:
    """``image_member_quota`` 128 (``glance/common/config.py``): the 129th member is 413."""
    demo = login(gateway, "demo")
    image = make(gateway, demo, name="golden")
    members = f"/image/v2/images/{image['id']}/members"
    for n in range(128):
        assert call(gateway, "POST", members, {"member": f"p{n}"}, demo)[0] == 200
    code, reply = call(gateway, "POST", members, {"member": "p128"}, demo)
    assert code == 413
    assert "Attempted: 129, Maximum: 128" in message(reply)


def test_member_schemas(gateway: Gateway) -> None:
    """``/v2/schemas/member(s)``: ``get_schema`` and ``get_collection_schema`` (Tempest reads the names)."""
    code, member = call(gateway, "GET", "/image/v2/schemas/member", token=login(gateway, "demo"))
    assert (code, member["name"], member["properties"]["status"]["enum"]) == (
        200,
        "member",
        ["pending", "accepted", "rejected"],
    )
    code, members = call(gateway, "GET", "/image/v2/schemas/members")
    assert (code, members["name"], members["properties"]["members"]["items"]["name"]) == (200, "members", "member")
