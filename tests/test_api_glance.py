"""The fake Glance v2 as the real one behaves: visibility, JSON-patch updates, tags and image data, over WSGI.

Expected values come from Glance's code: ``glance/db/utils.py:is_image_visible``
and ``glance/db/sqlalchemy/api.py:_image_get_all`` (who sees and lists what),
``glance/api/v2/images.py`` (``RequestDeserializer.update`` and
``ImagesController._do_*`` for PATCH), ``glance/api/v2/image_tags.py`` and
``glance/api/v2/image_data.py`` (upload, download, ``Content-MD5``, 204
without data, 413 past the size cap); Nova's ``servers.py`` create answers
400 ``Can not find requested image`` for an image Glance does not show.
"""

from __future__ import annotations

import hashlib
import http.client
import json
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from _helpers import login, wsgi_request

from lifecycle.api import Cloud, ComputeApp, serve_in_thread
from lifecycle.api.gateway import Gateway
from lifecycle.api.httpd import MAX_BODY
from lifecycle.api.images import CIRROS_ID, IMAGE_SIZE_CAP

PATCH = "application/openstack-images-v2.1-json-patch"
OCTETS = "application/octet-stream"


def call(
    gateway: Gateway, method: str, path: str, body: Any = None, token: str = "", content_type: str = ""
) -> tuple[int, Any, dict[str, str]]:
    raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    headers: dict[str, Any] = {"CONTENT_TYPE": content_type} if content_type else {}
    if token:
        headers["HTTP_X_AUTH_TOKEN"] = token
    status, response_headers, data = wsgi_request(gateway, method, path, raw, headers)
    kinds = dict(response_headers)
    parsed: Any = data
    if data and kinds.get("Content-Type") == "application/json":
        parsed = json.loads(data)
    return int(status.split()[0]), parsed, kinds


@pytest.fixture
def gateway() -> Gateway:
    return Gateway(ComputeApp(Cloud()))


def make(gateway: Gateway, token: str, **spec: Any) -> dict[str, Any]:
    code, image, _ = call(gateway, "POST", "/image/v2/images", {"disk_format": "raw", **spec}, token)
    assert code == 201, image
    return dict(image)


def listed(gateway: Gateway, token: str, query: str = "") -> list[str]:
    code, reply, _ = call(gateway, "GET", f"/image/v2/images{query}", token=token)
    assert code == 200, reply
    return [i["name"] for i in reply["images"]]


def boot(gateway: Gateway, token: str, image_id: str) -> tuple[int, Any]:
    server = {"server": {"name": "vm", "imageRef": image_id, "flavorRef": "1"}}
    code, reply, _ = call(gateway, "POST", "/v2.1/servers", server, token)
    return code, reply


def test_shared_is_the_owners_and_community_is_everyones_but_not_listed(gateway: Gateway) -> None:
    """is_image_visible: shared (the default) only for its owner (no members) and admins; community for all."""
    demo, alt = login(gateway, "demo"), login(gateway, "alt_demo")
    shared = make(gateway, demo, name="shared")
    community = make(gateway, demo, name="comm", visibility="community")
    assert shared["visibility"] == "shared"  # Glance's default for a new image
    assert call(gateway, "GET", f"/image/v2/images/{shared['id']}", token=alt)[0] == 404
    assert call(gateway, "GET", f"/image/v2/images/{community['id']}", token=alt)[0] == 200
    assert not {"shared", "comm"} & set(listed(gateway, alt))
    assert listed(gateway, alt, "?visibility=community") == ["comm"]
    assert {"shared", "comm"} <= set(listed(gateway, demo))  # the owner's own community image is listed
    assert "shared" in listed(gateway, "")  # the admin (no auth) sees it...
    assert "comm" not in listed(gateway, "")  # ...but another project's community image only when asked
    assert "comm" in listed(gateway, "", "?visibility=all")
    code, reply, _ = call(gateway, "GET", "/image/v2/images?visibility=everyone", token=alt)
    assert (code, reply["message"]) == (400, "Invalid visibility value: everyone")
    bad = call(gateway, "POST", "/image/v2/images", {"visibility": "everyone"}, demo)
    assert (bad[0], "everyone" in bad[1]["message"]) == (400, True)


def test_boot_follows_visibility_with_novas_400(gateway: Gateway) -> None:
    """Nova's create: an image Glance hides is 400 Can not find requested image; a community image boots."""
    demo, alt = login(gateway, "demo"), login(gateway, "alt_demo")
    for visibility in ("shared", "private", "community"):
        image = make(gateway, demo, name=visibility, visibility=visibility)
        octets = b"x" * 10
        assert call(gateway, "PUT", f"/image/v2/images/{image['id']}/file", octets, demo, OCTETS)[0] == 204
        code, reply = boot(gateway, alt, image["id"])
        if visibility == "community":
            assert code == 202, reply
        else:
            assert (code, reply["badRequest"]["message"]) == (400, "Can not find requested image")
            assert boot(gateway, demo, image["id"])[0] == 202  # the owner boots it


def test_patch_sets_and_removes_properties_name_tags_and_visibility(gateway: Gateway) -> None:
    """_do_add/_do_replace/_do_remove: properties come and go; base attributes change; the image is returned."""
    demo, alt = login(gateway, "demo"), login(gateway, "alt_demo")
    image = make(gateway, demo, name="one", tags=["a", "b", "a"], os_distro="cirros")
    assert image["tags"] == ["a", "b"]  # kept from create (a set in Glance)
    path = f"/image/v2/images/{image['id']}"
    ops = [
        {"op": "add", "path": "/hw_disk_bus", "value": "scsi"},
        {"op": "replace", "path": "/name", "value": "two"},
        {"op": "remove", "path": "/os_distro"},
        {"op": "replace", "path": "/tags", "value": ["c"]},
        {"op": "replace", "path": "/min_ram", "value": 512},
        {"op": "replace", "path": "/visibility", "value": "private"},
    ]
    code, shown, _ = call(gateway, "PATCH", path, ops, demo, PATCH)
    assert code == 200, shown
    assert (shown["name"], shown["hw_disk_bus"], shown["tags"], shown["min_ram"], shown["visibility"]) == (
        "two",
        "scsi",
        ["c"],
        512,
        "private",
    )
    assert "os_distro" not in shown
    assert call(gateway, "GET", path, token=demo)[1] == shown
    assert call(gateway, "GET", "/image/v2/images?hw_disk_bus=scsi", token=demo)[1]["images"][0]["id"] == image["id"]
    assert call(gateway, "GET", "/image/v2/images?tag=c", token=demo)[1]["images"][0]["id"] == image["id"]
    assert call(gateway, "GET", "/image/v2/images?tag=zz", token=demo)[1]["images"] == []
    # Glance's refusals, each with its status and words
    cases: list[tuple[Any, str, int, str]] = [
        ([{"op": "replace", "path": "/nope", "value": "x"}], PATCH, 409, "Property nope does not exist."),
        ([{"op": "remove", "path": "/nope"}], PATCH, 409, "Property nope does not exist."),
        ([{"op": "remove", "path": "/name"}], PATCH, 403, "Property name may not be removed."),
        ([{"op": "replace", "path": "/status", "value": "active"}], PATCH, 403, "Attribute 'status' is read-only."),
        ([{"op": "add", "path": "/deleted", "value": "x"}], PATCH, 403, "Attribute 'deleted' is reserved."),
        ([{"op": "add", "path": "/k", "value": 5}], PATCH, 400, "Provided object does not match schema 'image': 5 "),
        ([{"op": "move", "path": "/k"}], PATCH, 400, "Invalid operation: `move`."),
        ([{"op": "add", "path": "k", "value": "x"}], PATCH, 400, 'Pointer `k` does not start with "/".'),
        ([{"op": "add", "path": "/a/b", "value": "x"}], PATCH, 400, "Invalid JSON pointer for this resource: '/a/b'"),
        ([{"op": "add", "path": "/k"}], PATCH, 400, 'Operation "add" requires a member named "value".'),
        ({"op": "add"}, PATCH, 400, "Request body must be a JSON array of operation objects."),
        (["x"], PATCH, 400, "Operations must be JSON objects."),
        ([{"op": "replace", "path": "/visibility", "value": "public"}], PATCH, 403, "publicize_image"),
        ([{"op": "replace", "path": "/owner", "value": "x"}], PATCH, 403, "Owner can't be updated by non admin."),
        ([], "application/json", 415, "Image PATCH expects Content-Type one of"),
    ]
    for ops, kind, status, words in cases:
        code, reply, _ = call(gateway, "PATCH", path, ops, demo, kind)
        assert (code, reply["code"].split()[0]) == (status, str(status)), (ops, reply)
        assert words in reply["message"], (ops, reply)
    assert "Accept-Patch" in call(gateway, "PATCH", path, [], demo, "application/json")[2]
    # the old draft-4 form: an add of a present property conflicts
    old = "application/openstack-images-v2.0-json-patch"
    assert call(gateway, "PATCH", path, [{"add": "/hw_disk_bus", "value": "ide"}], demo, old)[0] == 409
    assert call(gateway, "PATCH", path, [{"add": "/fresh", "value": "1"}], demo, old)[1]["fresh"] == "1"
    # another project: not found (private); a public image it can see: modify_image is 403
    assert call(gateway, "PATCH", path, [], alt, PATCH)[0] == 404
    public = f"/image/v2/images/{CIRROS_ID}"
    assert call(gateway, "PATCH", public, [{"op": "add", "path": "/k", "value": "v"}], alt, PATCH)[0] == 403
    assert call(gateway, "GET", public, token=alt)[1].get("k") is None


def test_patch_quotas_and_all_or_nothing(gateway: Gateway) -> None:
    """image_property_quota (128): 413, and nothing of the refused patch is applied."""
    demo = login(gateway, "demo")
    image = make(gateway, demo, name="q")
    path = f"/image/v2/images/{image['id']}"
    ops = [{"op": "add", "path": "/name", "value": "renamed"}]
    ops += [{"op": "add", "path": f"/p{n}", "value": "v"} for n in range(129)]
    code, reply, _ = call(gateway, "PATCH", path, ops, demo, PATCH)
    assert (code, reply["message"]) == (
        413,
        "The limit has been exceeded on the number of allowed image properties. Attempted: 129, Maximum: 128",
    )
    assert call(gateway, "GET", path, token=demo)[1]["name"] == "q"


def test_tag_routes(gateway: Gateway) -> None:
    """image_tags.py: PUT adds (204, idempotent), DELETE removes (204), an absent tag is 404."""
    demo, alt = login(gateway, "demo"), login(gateway, "alt_demo")
    image = make(gateway, demo, name="t", tags=["keep"])
    tags = f"/image/v2/images/{image['id']}/tags"
    assert call(gateway, "PUT", f"{tags}/new", token=demo)[0] == 204
    assert call(gateway, "PUT", f"{tags}/new", token=demo)[0] == 204
    assert call(gateway, "GET", f"/image/v2/images/{image['id']}", token=demo)[1]["tags"] == ["keep", "new"]
    assert call(gateway, "DELETE", f"{tags}/keep", token=demo)[0] == 204
    assert call(gateway, "DELETE", f"{tags}/keep", token=demo)[0] == 404
    assert call(gateway, "PUT", f"{tags}/{'x' * 256}", token=demo)[0] == 400
    assert call(gateway, "PUT", f"{tags}/new", token=alt)[0] == 404  # shared, not theirs: hidden
    assert call(gateway, "GET", f"/image/v2/images/{image['id']}", token=demo)[1]["tags"] == ["new"]


def test_data_round_trip_hashes_and_caps(gateway: Gateway) -> None:
    """Upload then download the same bytes; checksum md5 and os_hash_value sha512 of them; 204 without data."""
    demo = login(gateway, "demo")
    image = make(gateway, demo, name="d")
    assert (image["checksum"], image["os_hash_algo"], image["os_hash_value"]) == (None, None, None)
    file = f"/image/v2/images/{image['id']}/file"
    assert call(gateway, "GET", file, token=demo)[0] == 204  # queued: no data (glance_store NotFound -> 204)
    data = bytes(range(256)) * 40
    assert call(gateway, "PUT", file, data, demo, OCTETS)[0] == 204
    shown = call(gateway, "GET", f"/image/v2/images/{image['id']}", token=demo)[1]
    assert (shown["status"], shown["size"], shown["checksum"], shown["os_hash_algo"], shown["os_hash_value"]) == (
        "active",
        len(data),
        hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha512",
        hashlib.sha512(data).hexdigest(),
    )
    code, body, headers = call(gateway, "GET", file, token=demo)
    assert (code, body, headers["Content-Type"], headers["Content-MD5"]) == (200, data, OCTETS, shown["checksum"])
    assert call(gateway, "GET", f"/image/v2/images/{CIRROS_ID}/file", token=demo)[0] == 204  # seeded: no data
    assert call(gateway, "GET", f"/image/v2/images/{CIRROS_ID}", token=demo)[1]["checksum"] is None


def test_upload_past_the_cap_is_413_without_reading_it_all(gateway: Gateway) -> None:
    """image_size_cap: ImageSizeLimitExceeded is 413, the image stays queued, at most the cap + 1 bytes are read."""

    class Endless:
        """A body that never ends, counting what the service reads of it."""

        def __init__(self) -> None:
            self.taken = 0

        def read(self, size: int = -1) -> bytes:
            assert size >= 0, "an unbounded read of an endless body"
            self.taken += size
            return b"\0" * size

    demo = login(gateway, "demo")
    image = make(gateway, demo, name="huge")
    path = f"/image/v2/images/{image['id']}/file"
    for length in (str(IMAGE_SIZE_CAP + 1), ""):  # announced too large; no length at all (chunked)
        stream = Endless()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "PUT",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_TYPE": OCTETS,
            "CONTENT_LENGTH": length,
            "HTTP_X_AUTH_TOKEN": demo,
            "wsgi.input": stream,
        }
        setup_testing_defaults(environ)
        seen: list[str] = []

        def start(status: str, headers: list[tuple[str, str]], seen: list[str] = seen) -> None:
            seen.append(status)

        body = b"".join(gateway(environ, start))
        assert seen[0].startswith("413"), (seen, body)
        assert json.loads(body)["message"] == "The incoming image is too large: The provided image is too large."
        assert stream.taken <= IMAGE_SIZE_CAP + 1
    assert call(gateway, "GET", f"/image/v2/images/{image['id']}", token=demo)[1]["status"] == "queued"


def test_served_upload_takes_image_sized_bodies_and_refuses_past_the_cap() -> None:
    """Over HTTP: image data may pass Nova's 112 KiB body cap (up to the image cap); past it, Glance's 413 at once."""
    data = b"\x01" * (MAX_BODY * 2)
    with serve_in_thread() as fake:
        host, port = "127.0.0.1", fake.port
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.request(
            "POST", "/image/v2/images", json.dumps({"disk_format": "raw"}), {"Content-Type": "application/json"}
        )
        image = json.loads(connection.getresponse().read())
        path = f"/image/v2/images/{image['id']}/file"
        connection.request("PUT", path, data, {"Content-Type": OCTETS})
        answer = connection.getresponse()
        assert (answer.status, answer.read()) == (204, b"")
        connection.request("GET", path)
        answer = connection.getresponse()
        assert (answer.status, answer.read() == data) == (200, True)
        connection.request("PUT", "/v2.1/servers/x/metadata", data, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        assert (answer.status, "overLimit" in json.loads(answer.read())) == (413, True)  # Nova's cap still holds
        connection.close()
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.putrequest("PUT", path)
        connection.putheader("Content-Type", OCTETS)
        connection.putheader("Content-Length", str(IMAGE_SIZE_CAP + 1))
        connection.endheaders()  # no byte of the body: the answer comes first
        answer = connection.getresponse()
        assert (answer.status, json.loads(answer.read())["message"]) == (
            413,
            "The incoming image is too large: The provided image is too large.",
        )
        connection.close()
