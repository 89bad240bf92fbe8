"""``OS-DCF:diskConfig`` follows the server: create, update, rebuild and resize set it.

Nova: ``servers.py`` (create/update/_action_rebuild/_resize read ``OS-DCF:diskConfig`` into
``auto_disk_config``), ``views/servers.py`` (shows ``AUTO`` or ``MANUAL``); the values
are ``schemas/servers.py``'s ``['AUTO', 'MANUAL']``.
"""

from __future__ import annotations

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import call


def shown(app: ComputeApp, server: str) -> str:
    return str(call(app, "GET", f"/servers/{server}").json["server"]["OS-DCF:diskConfig"])


def active(app: ComputeApp, server: str) -> None:
    for _ in range(30):  # each read is a step at instant pace
        if call(app, "GET", f"/servers/{server}").json["server"]["status"] in ("ACTIVE", "VERIFY_RESIZE"):
            return
    raise AssertionError(call(app, "GET", f"/servers/{server}").json)


def test_disk_config_follows_every_request() -> None:
    app = ComputeApp(Cloud(pace="instant"))
    spec = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none", "OS-DCF:diskConfig": "AUTO"}
    made = call(app, "POST", "/servers", {"server": spec})
    assert made.json["server"]["OS-DCF:diskConfig"] == "AUTO"
    server = made.json["server"]["id"]
    active(app, server)
    assert shown(app, server) == "AUTO"
    updated = call(app, "PUT", f"/servers/{server}", {"server": {"OS-DCF:diskConfig": "MANUAL"}})
    assert updated.json["server"]["OS-DCF:diskConfig"] == "MANUAL"
    rebuilt = call(
        app, "POST", f"/servers/{server}/action", {"rebuild": {"imageRef": CIRROS_ID, "OS-DCF:diskConfig": "AUTO"}}
    )
    assert rebuilt.code == 202
    assert rebuilt.json["server"]["OS-DCF:diskConfig"] == "AUTO"
    active(app, server)
    resized = call(
        app, "POST", f"/servers/{server}/action", {"resize": {"flavorRef": "2", "OS-DCF:diskConfig": "MANUAL"}}
    )
    assert resized.code == 202
    active(app, server)
    assert shown(app, server) == "MANUAL"
    bad = call(app, "PUT", f"/servers/{server}", {"server": {"OS-DCF:diskConfig": "SOMETIMES"}})
    assert bad.code == 400
