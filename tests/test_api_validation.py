"""Request bodies are checked as Nova's jsonschema checks them: a bad field is a 400 naming it, nothing changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID

GOOD = {"name": "vm", "flavorRef": "1", "imageRef": CIRROS_ID, "networks": "none"}


def call(app: ComputeApp, method: str, path: str, body: Any = None, version: str = "2.90") -> tuple[int, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    headers = {"HTTP_OPENSTACK_API_VERSION": f"compute {version}"}
    status, _, payload = wsgi_request(app, method, f"/v2.1{path}", raw, headers)
    return int(status.split()[0]), json.loads(payload) if payload else None


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def bad_request(reply: tuple[int, Any]) -> str:
    code, body = reply
    assert code == 400, body
    return str(body["badRequest"]["message"])


@pytest.mark.parametrize(
    ("extra", "version", "words"),
    [
        ({"tags": 5}, "2.90", "Invalid input for field/attribute tags. Value: 5. 5 is not of type 'array'"),
        ({"tags": "abc"}, "2.90", "field/attribute tags. Value: abc. 'abc' is not of type 'array'"),
        ({"tags": [5]}, "2.90", "field/attribute tags[0]. Value: 5. 5 is not of type 'string'"),
        ({"tags": ["a,b"]}, "2.90", "may not contain ','"),
        ({"tags": [f"t{i}" for i in range(51)]}, "2.90", "at most 50 items"),
        ({"tags": ["a"]}, "2.40", "('tags' was unexpected)"),
        ({"imageRef": 5}, "2.90", "field/attribute imageRef. Value: 5. 5 is not of type 'string'"),
        ({"imageRef": {"a": 1}}, "2.90", "field/attribute imageRef"),
        ({"imageRef": ["x"]}, "2.90", "field/attribute imageRef"),
        ({"flavorRef": True}, "2.90", "field/attribute flavorRef"),
        ({"networks": [{"foo": 1}]}, "2.90", "field/attribute networks[0]. Value: {'foo': 1}. Additional properties"),
        ({"networks": [{"uuid": {"x": 1}}]}, "2.90", "field/attribute networks[0].uuid"),
        ({"networks": [{"fixed_ip": "10.0.0.999"}]}, "2.90", "field/attribute networks[0].fixed_ip"),
        ({"networks": "auto"}, "2.36", "field/attribute networks. Value: auto. 'auto' is not of type 'array'"),
        ({"key_name": 5}, "2.90", "field/attribute key_name"),
        ({"description": 5}, "2.90", "field/attribute description. Value: 5. 5 is not of type 'string', 'null'"),
        ({"description": "d"}, "2.10", "('description' was unexpected)"),
        ({"availability_zone": 5}, "2.90", "field/attribute availability_zone"),
        ({"adminPass": 5}, "2.90", "field/attribute adminPass"),
        ({"OS-DCF:diskConfig": "BOGUS"}, "2.90", "'BOGUS' is not one of ['AUTO', 'MANUAL']"),
        ({"block_device_mapping_v2": "x"}, "2.90", "field/attribute block_device_mapping_v2. Value: x."),
        ({"block_device_mapping_v2": [5]}, "2.90", "field/attribute block_device_mapping_v2[0]. Value: 5."),
        ({"name": " a"}, "2.90", "field/attribute name. Value:  a. ' a' is not a valid name"),
        ({"name": "a" * 256}, "2.90", "field/attribute name"),
        ({"accessIPv4": "1.2.3"}, "2.90", "field/attribute accessIPv4"),
        ({"hostname": "h"}, "2.89", "('hostname' was unexpected)"),
    ],
)
def test_create_rejects_ill_typed_fields(app: ComputeApp, extra: dict[str, Any], version: str, words: str) -> None:
    """Each ill-typed create field is a 400 that names the field and what was expected; no server is made."""
    assert words in bad_request(call(app, "POST", "/servers", {"server": {**GOOD, **extra}}, version))
    assert len(app.cloud) == 0


def test_create_rejects_unknown_top_level_key(app: ComputeApp) -> None:
    """A key next to ``server`` is refused (Nova: additionalProperties false); scheduler hints are allowed."""
    message = bad_request(call(app, "POST", "/servers", {"server": GOOD, "bogus": 1}))
    assert message == "Additional properties are not allowed ('bogus' was unexpected)"
    group = call(app, "POST", "/os-server-groups", {"server_group": {"name": "g", "policy": "affinity"}})[1]
    hints = {"server": GOOD, "OS-SCH-HNT:scheduler_hints": {"group": group["server_group"]["id"]}}
    assert call(app, "POST", "/servers", hints)[0] == 202


def test_create_accepts_a_full_valid_body(app: ComputeApp) -> None:
    """Every field the fake reads, well typed, is accepted and shown back (tags as a list, an int flavorRef)."""
    private, public = (app.cloud.networks.by_name(name) for name in ("private", "public"))
    assert private is not None
    assert public is not None
    call(app, "POST", "/os-keypairs", {"keypair": {"name": "k"}})
    # a zone must exist (compute/api.py:API.create): an aggregate puts compute-1 in az1
    aggregate = call(app, "POST", "/os-aggregates", {"aggregate": {"name": "a", "availability_zone": "az1"}})[1]
    call(app, "POST", f"/os-aggregates/{aggregate['aggregate']['id']}/action", {"add_host": {"host": "compute-1"}})
    spec = {
        **GOOD,
        "flavorRef": 2,
        "networks": [{"uuid": private.id, "fixed_ip": "10.0.0.5"}, {"port": None, "uuid": public.id}],
        "tags": ["a", "b"],
        "description": None,
        "key_name": "k",
        "availability_zone": "az1",
        "adminPass": "pw",
        "OS-DCF:diskConfig": "AUTO",
        "block_device_mapping_v2": [{"boot_index": 0, "uuid": "vol", "source_type": "volume"}],
        "config_drive": "true",
        "min_count": "1",
        "metadata": {"k": "v"},
    }
    code, body = call(app, "POST", "/servers", {"server": spec})
    assert code == 202, body
    assert (body["server"]["adminPass"], body["server"]["OS-DCF:diskConfig"]) == ("pw", "AUTO")
    shown = call(app, "GET", f"/servers/{body['server']['id']}")[1]["server"]
    assert (shown["tags"], shown["key_name"], shown["flavor"]["original_name"]) == (["a", "b"], "k", "m1.small")
    assert shown["config_drive"] == "True"
    assert shown["addresses"]["private"][0]["addr"] == "10.0.0.5"  # the fixed_ip asked for
    assert sorted(shown["addresses"]) == ["private", "public"]  # keyed by network name, as Nova does


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"imageRef": CIRROS_ID, "name": ""}, "field/attribute name. Value: . '' is too short"),
        ({"imageRef": {"x": 1}}, "field/attribute imageRef. Value: {'x': 1}. {'x': 1} is not of type 'string'"),
        ({"imageRef": ""}, "field/attribute imageRef. Value: . '' is too short"),
        ({"name": "n"}, "'imageRef' is a required property"),
        ({"imageRef": CIRROS_ID, "bogus": 1}, "('bogus' was unexpected)"),
        ({"imageRef": CIRROS_ID, "metadata": {"k": 1}}, "field/attribute metadata.k"),
        ("i", "field/attribute rebuild. Value: i. 'i' is not of type 'object'"),
    ],
)
def test_rebuild_rejects_bad_bodies_and_keeps_the_record(app: ComputeApp, args: Any, words: str) -> None:
    """A bad rebuild body is a 400 before anything happens: name, image and state stay as they were."""
    sid = app.cloud.seed("active", name="keep", image="img-0")
    assert words in bad_request(call(app, "POST", f"/servers/{sid}/action", {"rebuild": args}))
    shown = call(app, "GET", f"/servers/{sid}")[1]["server"]
    assert (shown["name"], shown["image"]["id"], shown["OS-EXT-STS:task_state"]) == ("keep", "img-0", None)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"type": "sOfT"}, 400),
        ({"type": "SOFT", "bogus": 1}, 400),
        ({"type": 5}, 400),
        ({"type": "soft"}, 202),
        ({"type": "Hard"}, 202),
    ],
)
def test_reboot_type_is_nova_enum_and_nothing_else(app: ComputeApp, args: dict[str, Any], code: int) -> None:
    """Reboot accepts exactly HARD/Hard/hard/SOFT/Soft/soft and no extra keys."""
    sid = app.cloud.seed("active")
    assert call(app, "POST", f"/servers/{sid}/action", {"reboot": args})[0] == code


@pytest.mark.parametrize(
    ("spec", "version", "code"),
    [
        ({"description": 5}, "2.19", 400),
        ({"description": "x"}, "2.18", 400),
        ({"description": "x"}, "2.19", 200),
        ({"description": None}, "2.19", 200),
        ({"accessIPv4": 5}, "2.90", 400),
        ({"accessIPv4": "10.0.0.1", "accessIPv6": "fe80::1"}, "2.90", 200),
        ({"accessIPv6": "10.0.0.1"}, "2.90", 400),
        ({"name": " x"}, "2.90", 400),
        ({"name": 5}, "2.90", 400),
    ],
)
def test_update_fields_are_typed(app: ComputeApp, spec: dict[str, Any], version: str, code: int) -> None:
    """PUT /servers/{id} checks name, description (from 2.19) and the access addresses; a 400 changes nothing."""
    sid = app.cloud.seed("active", name="keep")
    assert call(app, "PUT", f"/servers/{sid}", {"server": spec}, version)[0] == code
    shown = call(app, "GET", f"/servers/{sid}")[1]["server"]
    if code == 400:
        assert (shown["name"], shown["description"], shown["accessIPv4"]) == ("keep", None, "")


@pytest.mark.parametrize(
    ("args", "version", "code"),
    [
        ({"locked_reason": 5}, "2.73", 400),
        ({"locked_reason": "x" * 256}, "2.73", 400),
        ({"locked_reason": "x", "bogus": 1}, "2.73", 400),
        ({"locked_reason": "maintenance"}, "2.73", 202),
        (None, "2.73", 202),
        ({"locked_reason": 5}, "2.72", 202),
    ],
)
def test_lock_reason_is_a_short_string_from_273(app: ComputeApp, args: Any, version: str, code: int) -> None:
    """From 2.73 locked_reason must be a string of at most 255 characters; before, Nova does not read the body."""
    sid = app.cloud.seed("active")
    assert call(app, "POST", f"/servers/{sid}/action", {"lock": args}, version)[0] == code
    assert app.cloud.server(sid).locked is (code == 202)
