"""``os-flavor-access``, private flavors' visibility, and flavor create details, over WSGI.

Expected values from ``nova/api/openstack/compute/flavor_access.py`` and ``flavors.py``,
``schemas/flavors.py`` (``id`` is ``['string', 'number', 'null']``), ``nova/exception.py``
(``FlavorAccessExists``, ``FlavorAccessNotFound``) and ``nova/objects/flavor.py``
(``_flavor_get_all_from_db``: public, or granted to the caller's project).
"""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import MEMBER, call


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def private(app: ComputeApp, flavor_id: Any = "priv") -> str:
    body = {
        "flavor": {
            "name": f"n-{flavor_id}",
            "id": flavor_id,
            "ram": 64,
            "vcpus": 1,
            "disk": 1,
            "os-flavor-access:is_public": False,
        }
    }
    reply = call(app, "POST", "/flavors", body)
    assert reply.code == 200, reply.json
    return str(reply.json["flavor"]["id"])


def test_an_integer_id_is_kept_as_its_string() -> None:
    app = ComputeApp(Cloud(pace="manual"))
    assert private(app, 521115171) == "521115171"
    assert call(app, "GET", "/flavors/521115171").code == 200


def test_access_list_add_remove(app: ComputeApp) -> None:
    flavor = private(app)
    path = f"/flavors/{flavor}/action"
    assert call(app, "GET", f"/flavors/{flavor}/os-flavor-access").json == {"flavor_access": []}
    added = call(app, "POST", path, {"addTenantAccess": {"tenant": MEMBER.project_id}})
    assert added.code == 200
    assert added.json == {"flavor_access": [{"flavor_id": flavor, "tenant_id": MEMBER.project_id}]}
    again = call(app, "POST", path, {"addTenantAccess": {"tenant": MEMBER.project_id}})
    assert again.code == 409
    assert again.message == (
        f"Flavor access already exists for flavor {flavor} and project {MEMBER.project_id} combination."
    )
    assert call(app, "POST", path, {"removeTenantAccess": {"tenant": MEMBER.project_id}}).json == {"flavor_access": []}
    gone = call(app, "POST", path, {"removeTenantAccess": {"tenant": MEMBER.project_id}})
    assert gone.code == 404
    assert gone.message == f"Flavor access not found for {flavor} / {MEMBER.project_id} combination."


def test_public_flavors_have_no_access_list(app: ComputeApp) -> None:
    listed = call(app, "GET", "/flavors/1/os-flavor-access")
    assert listed.code == 404
    assert listed.message == "Access list not available for public flavors."
    added = call(app, "POST", "/flavors/1/action", {"addTenantAccess": {"tenant": "p2"}}, version="2.7")
    assert added.code == 409
    assert added.message == "Can not add access to a public flavor."


def test_a_member_sees_a_private_flavor_only_once_granted(app: ComputeApp) -> None:
    flavor = private(app)
    ids = [f["id"] for f in call(app, "GET", "/flavors", context=MEMBER).json["flavors"]]
    assert flavor not in ids
    assert call(app, "GET", f"/flavors/{flavor}", context=MEMBER).code == 404
    server = {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": flavor, "networks": "none"}}
    refused = call(app, "POST", "/servers", server, context=MEMBER)
    assert refused.code == 400
    assert refused.message == "Invalid flavorRef provided."
    call(app, "POST", f"/flavors/{flavor}/action", {"addTenantAccess": {"tenant": MEMBER.project_id}})
    ids = [f["id"] for f in call(app, "GET", "/flavors", context=MEMBER).json["flavors"]]
    assert flavor in ids
    assert call(app, "GET", f"/flavors/{flavor}", context=MEMBER).code == 200
    assert call(app, "POST", "/servers", server, context=MEMBER).code == 202


@pytest.mark.parametrize(("text", "public"), [("f", False), ("T", True), ("no", False), ("1", True)])
def test_is_public_filter_takes_oslo_spellings(app: ComputeApp, text: str, public: bool) -> None:
    flavor = private(app)
    ids = [f["id"] for f in call(app, "GET", f"/flavors?is_public={text}").json["flavors"]]
    assert (flavor in ids) is not public
    assert call(app, "GET", "/flavors?is_public=maybe").code == 400


@pytest.mark.parametrize(
    ("body", "context", "code"),
    [
        ({"addTenantAccess": {"tenant": "p2"}}, MEMBER, 403),
        ({"removeTenantAccess": {"tenant": "p2"}}, MEMBER, 403),
        ({"addTenantAccess": {"tenant": ""}}, None, 400),
        ({"addTenantAccess": {}}, None, 400),
        ({"addTenantAccess": {"tenant": "p", "x": 1}}, None, 400),
        ({"addTenantAccess": "p2"}, None, 400),
        ({"fly": {}}, None, 400),
        ({}, None, 400),
        ([], None, 400),
    ],
)
def test_bad_actions(app: ComputeApp, body: Any, context: Any, code: int) -> None:
    flavor = private(app)
    reply = call(app, "POST", f"/flavors/{flavor}/action", body, context=context)
    assert reply.code == code, reply.json
    assert reply.message


def test_unknown_flavor_is_404(app: ComputeApp) -> None:
    assert call(app, "GET", "/flavors/nope/os-flavor-access").code == 404
    assert call(app, "POST", "/flavors/nope/action", {"addTenantAccess": {"tenant": "p2"}}).code == 404
    assert call(app, "GET", "/flavors/1/os-flavor-access", context=MEMBER).code == 403
