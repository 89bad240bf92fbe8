"""``OS-EXT-SRV-ATTR:hostname``: Nova's sanitization of names and the 2.90/2.94 ``hostname`` field.

The sanitization cases are Nova's own unit tests (``nova/tests/unit/test_utils.py``
``GenericUtilsTestCase.test_hostname_*``); the FQDN values come from
``doc/api_samples/servers/v2.94``; the rules of create from ``compute/api.py``
``_populate_instance_names`` and ``AmbiguousHostnameForMultipleInstances``.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.hostnames import sanitize_hostname
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import call


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("\u7684myamazinghostname", "myamazinghostname"),
        ("....test.example.com...", "test-example-com"),
        ("----my-amazing-hostname---", "my-amazing-hostname"),
        ("(#@&$!(@*--#&91)(__=+--test-host.example!!.com-0+", "91----test-host-example-com-0"),
        ("<}\x1fh\x10e\x08l\x02l\x05o\x12!{>", "hello"),
        ("\u7684", ""),
        ("---...", ""),
        (" a b c ", "a-b-c"),
        ("a" * 64, "a" * 63),
        ("a" * 62 + "-a", "a" * 62),  # trimmed to 63, then the trailing dash
    ],
)
def test_sanitize_hostname_as_nova_unit_tests(name: str, expected: str) -> None:
    assert sanitize_hostname(name) == expected


def _create(app: ComputeApp, version: str = "2.94", **server: Any) -> Any:
    body = {"server": {"name": "new-server-test", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "auto"}}
    body["server"].update(server)
    return call(app, "POST", "/servers", body, version=version)


def _hostname(app: ComputeApp, server_id: str, version: str = "2.94") -> str:
    return str(call(app, "GET", f"/servers/{server_id}", version=version).json["server"]["OS-EXT-SRV-ATTR:hostname"])


def test_fqdn_hostname_kept_from_2_94(app: ComputeApp) -> None:
    """v2.94 server-create-req/server-get-resp: ``custom-hostname.example.com`` reads back as given."""
    reply = _create(app, hostname="custom-hostname.example.com")
    assert reply.code == 202, reply.json
    sid = reply.json["server"]["id"]
    assert _hostname(app, sid) == "custom-hostname.example.com"
    # update (server-update-req) and rebuild set it; a rename does not
    update = {"server": {"hostname": "new-server-hostname.example.com"}}
    reply = call(app, "PUT", f"/servers/{sid}", update, version="2.94")
    assert reply.json["server"]["OS-EXT-SRV-ATTR:hostname"] == "new-server-hostname.example.com"
    call(app, "PUT", f"/servers/{sid}", {"server": {"name": "renamed"}}, version="2.94")
    assert _hostname(app, sid) == "new-server-hostname.example.com"
    app.cloud.settle()  # rebuild needs an ACTIVE server
    rebuild = {"rebuild": {"imageRef": CIRROS_ID, "hostname": "custom-hostname.example.com"}}
    reply = call(app, "POST", f"/servers/{sid}/action", rebuild, version="2.94")
    assert reply.json["server"]["OS-EXT-SRV-ATTR:hostname"] == "custom-hostname.example.com"


def test_long_fqdn_from_2_94_but_not_2_90(app: ComputeApp) -> None:
    """Tempest's ServersV294TestFqdnHostnames: 78 characters with dots, beyond ``parameter_types.hostname``."""
    fqdn = "x" * 52 + "-guest-test.domaintest.com"
    reply = _create(app, hostname=fqdn)
    assert reply.code == 202
    assert _hostname(app, reply.json["server"]["id"]) == fqdn
    old = _create(app, version="2.90", hostname=fqdn)
    assert old.code == 400
    assert "Invalid input for field/attribute hostname" in old.json["badRequest"]["message"]
    assert _create(app, version="2.90", hostname="custom-hostname").code == 202


@pytest.mark.parametrize(
    ("version", "hostname"),
    [("2.90", "a"), ("2.90", "-lead"), ("2.90", "a.b"), ("2.90", "x" * 64), ("2.94", "a b"), ("2.94", "x" * 256)],
)
def test_bad_hostname_is_400(app: ComputeApp, version: str, hostname: str) -> None:
    reply = _create(app, version=version, hostname=hostname)
    assert reply.code == 400
    assert app.cloud.records() == []


def test_name_sanitized_when_no_hostname_is_asked(app: ComputeApp) -> None:
    """Tempest's ServersTestFqdnHostnames: ``guest-instance-1.domain.com`` becomes ``guest-instance-1-domain-com``."""
    sid = _create(app, name="guest-instance-1.domain.com").json["server"]["id"]
    assert _hostname(app, sid) == "guest-instance-1-domain-com"
    empty = _create(app, name="\u7684").json["server"]["id"]
    assert _hostname(app, empty) == f"Server-{empty}"


def test_multi_create_indexes_hostnames_and_refuses_one_hostname(app: ComputeApp) -> None:
    reply = _create(app, name="web.example", min_count=2, max_count=2)
    assert reply.code == 202
    hosts = sorted(_hostname(app, s["id"]) for s in call(app, "GET", "/servers/detail", version="2.94").json["servers"])
    assert hosts == ["web-example-1", "web-example-2"]
    reply = _create(app, hostname="one", max_count=2)
    assert (reply.code, reply.message) == (400, "Unable to allocate a single hostname to multiple instances")
