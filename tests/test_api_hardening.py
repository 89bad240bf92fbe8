"""Requests a hostile or careless client sends get Nova's 4xx, never a 500 or a frozen server.

Expected answers come from Nova: ``nova/api/openstack/wsgi.py`` (415
``Unsupported Content-Type`` for anything but its two JSON types, text/plain
and none), ``nova/api/validation/parameter_types.py`` (``non_negative_integer``
and the counts match ``^[0-9]+$``: ASCII digits only), PEP 3333 for how paths
reach a WSGI app.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any
from urllib.parse import quote

import pytest
from test_api_http import call, create

from lifecycle.api import Cloud, ComputeApp, serve_in_thread
from lifecycle.api import filters as filters_module
from lifecycle.api.images import CIRROS_ID


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud())


def _post(app: ComputeApp, body: bytes, content_type: str | None) -> int:
    environ_extra = {} if content_type is None else {"CONTENT_TYPE": content_type}
    return _call_with(app, "POST", "/v2.1/servers", body, environ_extra).code


def _call_with(app: ComputeApp, method: str, path: str, body: bytes, extra: dict[str, str]) -> Any:
    from _helpers import wsgi_request
    from test_api_http import Reply

    return Reply(*wsgi_request(app, method, path, body, {"HTTP_OPENSTACK_API_VERSION": "compute 2.100", **extra}))


_GOOD_BODY = json.dumps(
    {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}}
).encode()


@pytest.mark.parametrize(
    "content_type", ["text/xml", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"]
)
def test_a_non_json_content_type_is_415_as_in_nova(app: ComputeApp, content_type: str) -> None:
    reply = _call_with(app, "POST", "/v2.1/servers", _GOOD_BODY, {"CONTENT_TYPE": content_type})
    assert reply.code == 415
    assert reply.json == {"badMediaType": {"code": 415, "message": "Unsupported Content-Type"}}
    assert call(app, "GET", "/v2.1/servers").json == {"servers": []}  # nothing was created


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/plain",
        "application/json",
        "application/json; charset=UTF-8",
        "application/vnd.openstack.compute+json",
    ],
)
def test_json_plain_or_no_content_type_is_accepted(app: ComputeApp, content_type: str | None) -> None:
    assert _post(app, _GOOD_BODY, content_type) == 202


@pytest.mark.parametrize("depth", [65, 1000, 50_000])
def test_deeply_nested_json_is_400_not_500(app: ComputeApp, depth: int) -> None:
    """A body nested past the parser's recursion limit (or past any Nova body's depth) is malformed."""
    nested = "[" * depth + "]" * depth
    body = f'{{"server": {{"name": "vm", "flavorRef": "1", "metadata": {nested}}}}}'.encode()
    reply = _call_with(app, "POST", "/v2.1/servers", body, {"CONTENT_TYPE": "application/json"})
    assert reply.code == 400
    assert "Malformed request body" in reply.json["badRequest"]["message"]
    server = create(app)
    reply = _call_with(app, "POST", f"/v2.1/servers/{server}/action", b'{"reboot": ' + nested.encode() + b"}", {})
    assert reply.code == 400


@pytest.mark.parametrize("limit", ["²", "\u0661\u0662", "\uff11", "\u0663", "12\u0663"])
def test_unicode_digits_in_limit_are_400_not_500(app: ComputeApp, limit: str) -> None:
    """``str.isdigit`` takes superscripts and Arabic-Indic digits; Nova's ``^[0-9]*$`` does not."""
    create(app)
    for path in ("/v2.1/servers", "/v2.1/servers/detail"):
        reply = call(app, "GET", f"{path}?limit={quote(limit)}")
        assert reply.code == 400, (limit, reply.json)


LISTINGS = [
    "/v2.1/flavors",
    "/v2.1/flavors/detail",
    "/v2.1/os-keypairs",
    "/v2.1/os-server-groups",
    "/v2.1/os-migrations",
    "/v2.1/servers/{id}/os-instance-actions",
    "/v2.1/servers/{id}/os-volume_attachments",
]


@pytest.mark.parametrize("path", LISTINGS)
@pytest.mark.parametrize("key", ["limit", "offset"])
def test_unicode_digits_in_every_listing_are_never_500(app: ComputeApp, path: str, key: str) -> None:
    """The routes added later take ``limit``/``offset`` too: '²' passed ``isdigit`` and broke ``int()``."""
    server_id = create(app)
    for value in ("²", "\u0661\u0662"):
        reply = call(app, "GET", f"{path.format(id=server_id)}?{key}={quote(value)}")
        assert reply.code < 500, (path, value, reply.json)


@pytest.mark.parametrize("field", ["min_count", "max_count"])
@pytest.mark.parametrize("value", ["²", "\u0661", "\u0663", "1²"])
def test_unicode_digits_in_counts_are_400_not_500(app: ComputeApp, field: str, value: str) -> None:
    body = {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none", field: value}}
    reply = call(app, "POST", "/v2.1/servers", body)
    assert reply.code == 400
    assert field in reply.json["badRequest"]["message"]
    assert call(app, "GET", "/v2.1/servers").json == {"servers": []}


def test_non_ascii_server_ids_in_paths_are_decoded_as_utf8() -> None:
    """Over HTTP the path's UTF-8 bytes reach the app as Latin-1 (PEP 3333); the app must re-decode them."""
    with serve_in_thread() as fake:
        server_id = fake.cloud.seed("active", server_id="srv-ü-日本")
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
        try:
            conn.request("GET", f"/v2.1/servers/{quote(server_id)}")
            reply = conn.getresponse()
            body = json.loads(reply.read())
            assert reply.status == 200, body
            assert body["server"]["id"] == server_id
            conn.request("GET", "/v2.1/servers/%FF%FE")  # not UTF-8: no such server, not a 500
            assert conn.getresponse().status == 404
        finally:
            conn.close()


def test_a_latin1_path_info_from_any_wsgi_server_finds_the_server(app: ComputeApp) -> None:
    server_id = app.cloud.seed("active", server_id="srv-ü")
    pep3333_path = f"/v2.1/servers/{server_id}".encode().decode("latin-1")
    reply = _call_with(app, "GET", pep3333_path, b"", {})
    assert reply.code == 200
    assert reply.json["server"]["id"] == server_id


@pytest.mark.parametrize("field", ["name", "key_name", "availability_zone"])
def test_a_catastrophic_regex_filter_is_cut_off_with_400(field: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``(a|aa)+$`` against 40 a's and a '!' backtracks ~2**40 ways: the budget stops it."""
    cloud = Cloud()
    for i in range(3):
        cloud.seed("active", name="a" * 40 + "!", key_name="a" * 40 + "!", availability_zone="a" * 40 + "!")
        assert i < 3
    app = ComputeApp(cloud)
    monkeypatch.setattr(filters_module, "REGEX_SECONDS", 0.2)
    reply = call(app, "GET", f"/v2.1/servers?{field}={quote('(a|aa)+$')}")
    assert reply.code == 400
    assert "took more than" in reply.json["badRequest"]["message"]


def test_a_catastrophic_regex_does_not_block_other_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """While one request burns its regex budget, another request is answered first."""
    monkeypatch.setattr(filters_module, "REGEX_SECONDS", 1.5)
    finished: dict[str, float] = {}
    with serve_in_thread() as fake:
        fake.cloud.seed("active", name="a" * 60 + "!")

        def slow() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=30)
            conn.request("GET", f"/v2.1/servers?name={quote('(a|aa)+$')}")
            finished["slow_status"] = conn.getresponse().status
            finished["slow"] = time.monotonic()
            conn.close()

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.3)  # the slow request is matching by now
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=30)
        conn.request("GET", "/v2.1")
        assert conn.getresponse().status == 200
        finished["fast"] = time.monotonic()
        conn.close()
        thread.join(30)
    assert finished["slow_status"] == 400
    assert finished["fast"] < finished["slow"]


def test_an_invalid_regex_is_still_400(app: ComputeApp) -> None:
    reply = call(app, "GET", "/v2.1/servers?name=" + quote("(unclosed"))
    assert reply.code == 400
    assert "Invalid regular expression for name filter" in reply.json["badRequest"]["message"]


def test_a_body_over_the_cap_is_413_under_any_wsgi_server(app: ComputeApp) -> None:
    """The app enforces Nova's cap itself too, for servers that do not (it reads nothing)."""
    reply = _call_with(app, "POST", "/v2.1/servers", b"", {"CONTENT_LENGTH": str(10**12)})
    assert reply.code == 413
    assert reply.json == {"overLimit": {"code": 413, "message": "Request is too large."}}
