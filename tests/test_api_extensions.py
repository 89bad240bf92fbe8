"""``/extensions`` over WSGI: Nova's frozen list (``nova/api/openstack/compute/extension_info.py``).

Expected entries are read from doc/api_samples/extension-info: the ``os-agents`` sample
(extensions-get-resp.json) and names every Nova deployment lists.
"""

from __future__ import annotations

from lifecycle.api import Cloud, ComputeApp
from tests.test_api_routes import MEMBER, call

SAMPLE = {
    "alias": "os-agents",
    "description": "Agents support.",
    "links": [],
    "name": "Agents",
    "namespace": "http://docs.openstack.org/compute/ext/fake_xml",
    "updated": "2014-12-03T00:00:00Z",
}
"""doc/api_samples/extension-info/extensions-get-resp.json."""


def test_list_and_show() -> None:
    app = ComputeApp(Cloud(pace="manual"))
    listed = call(app, "GET", "/extensions", context=MEMBER).json["extensions"]
    assert SAMPLE in listed
    assert {"Hosts", "DiskConfig", "FlavorAccess"} <= {e["name"] for e in listed}
    assert len({e["alias"] for e in listed}) == len(listed)
    assert call(app, "GET", "/extensions/os-agents", context=MEMBER).json == {"extension": SAMPLE}
    assert call(app, "GET", "/extensions/os-consoles").json["extension"]["alias"] == "os-consoles"


def test_unknown_alias_is_404() -> None:
    reply = call(ComputeApp(Cloud(pace="manual")), "GET", "/extensions/os-nothing")
    assert reply.code == 404
    assert reply.message == "The resource could not be found."
