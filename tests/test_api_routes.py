"""The compute routes beyond /servers, over WSGI: Nova's codes, limits, envelopes and shapes.

Expected values come from Nova (file and function named beside each) and its
doc/api_samples, never from the fake's own tables.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from _helpers import wsgi_request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.context import ENVIRON_KEY, RequestContext
from lifecycle.api.images import CIRROS_ID
from lifecycle.model.states import VmState

MEMBER = RequestContext(project_id="p2", user_id="bob", roles=("member", "reader"))
PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0l"
    "RE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcp"
    "SxsIbECHw== Generated-by-Nova"
)
"""doc/api_samples/os-keypairs/keypairs-import-post-req.json; its fingerprint is in keypairs-import-post-resp.json."""
SAMPLE_FINGERPRINT = "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c"


class Reply:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.code = int(status.split()[0])
        self.headers = {k.lower(): v for k, v in headers}
        self.json: Any = json.loads(body) if body else None

    @property
    def message(self) -> str:
        (envelope,) = self.json.values()
        assert envelope["code"] == self.code
        return str(envelope["message"])


def call(
    app: ComputeApp,
    method: str,
    path: str,
    body: Any = None,
    *,
    version: str = "2.100",
    context: RequestContext | None = None,
) -> Reply:
    raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
    headers: dict[str, Any] = {"HTTP_OPENSTACK_API_VERSION": f"compute {version}"}
    if context is not None:
        headers[ENVIRON_KEY] = context
    return Reply(*wsgi_request(app, method, f"/v2.1{path}", raw, headers))


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def active(app: ComputeApp, project_id: str | None = None, **fields: Any) -> str:
    sid = app.cloud.seed("active", **fields)
    if project_id is not None:  # the project a server belongs to (routing.project_of reads it)
        app.cloud.record(sid).project_id = project_id  # type: ignore[attr-defined]
    return sid


# -- metadata -----------------------------------------------------------------------
def test_metadata_crud(app: ComputeApp) -> None:
    """GET/POST/PUT/DELETE as server_metadata.py: POST merges, PUT replaces, PUT /key sets one, DELETE is 204."""
    sid = active(app, metadata={"a": "1"})
    assert call(app, "GET", f"/servers/{sid}/metadata").json == {"metadata": {"a": "1"}}
    assert call(app, "POST", f"/servers/{sid}/metadata", {"metadata": {"b": "2"}}).json == {
        "metadata": {"a": "1", "b": "2"}
    }
    assert call(app, "PUT", f"/servers/{sid}/metadata/c", {"meta": {"c": "3"}}).json == {"meta": {"c": "3"}}
    assert call(app, "GET", f"/servers/{sid}/metadata/c").json == {"meta": {"c": "3"}}
    assert call(app, "PUT", f"/servers/{sid}/metadata", {"metadata": {"z": "9"}}).json == {"metadata": {"z": "9"}}
    assert call(app, "DELETE", f"/servers/{sid}/metadata/z").code == 204
    assert call(app, "GET", f"/servers/{sid}").json["server"]["metadata"] == {}
    missing = call(app, "GET", f"/servers/{sid}/metadata/z")
    assert (missing.code, missing.message) == (404, "Metadata item was not found")
    assert call(app, "DELETE", f"/servers/{sid}/metadata/z").code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "metadata", {"metadata": {"bad/key": "v"}}, "Additional properties are not allowed ('bad/key' was"),
        ("POST", "metadata", {"metadata": {"k": 5}}, "Invalid input for field/attribute k. Value: 5."),
        ("POST", "metadata", {"metadata": {"k": "v" * 256}}, "is too long"),
        ("POST", "metadata", {"meta": {"k": "v"}}, "'metadata' is a required property"),
        ("PUT", "metadata/k", {"meta": {"k": "v", "j": "w"}}, "has too many properties"),
        ("PUT", "metadata/k", {"meta": {}}, "should be non-empty"),
        ("PUT", "metadata/k", {"meta": {"j": "v"}}, "Request body and URI mismatch"),
        ("POST", "metadata", b"{nope", "Malformed request body"),
    ],
)
def test_metadata_bad_input_is_400(app: ComputeApp, method: str, path: str, body: Any, message: str) -> None:
    """parameter_types.metadata: keys ^[a-zA-Z0-9-_:. ]{1,255}$, string values <= 255; meta has one item."""
    reply = call(app, method, f"/servers/{active(app)}/{path}", body)
    assert reply.code == 400
    assert message in reply.message


def test_metadata_quota_is_128_and_403(app: ComputeApp) -> None:
    """compute/api.py:_check_metadata_properties_quota: more than metadata_items (128) is 403 MetadataLimitExceeded."""
    sid = active(app)
    items = {f"k{n}": "v" for n in range(128)}
    assert call(app, "PUT", f"/servers/{sid}/metadata", {"metadata": items}).code == 200
    reply = call(app, "POST", f"/servers/{sid}/metadata", {"metadata": {"one-more": "v"}})
    assert (reply.code, reply.message) == (403, "Maximum number of metadata items exceeds 128")
    assert "forbidden" in reply.json


def test_metadata_state_and_lock_checks(app: ComputeApp) -> None:
    """update_instance_metadata: check_instance_lock (admins pass) then vm_state in ACTIVE/PAUSED/SUSPENDED/STOPPED."""
    building = app.cloud.seed("building", "scheduling")
    reply = call(app, "POST", f"/servers/{building}/metadata", {"metadata": {"a": "b"}})
    assert (reply.code, reply.message) == (
        409,
        f"Cannot 'update metadata' instance {building} while it is in vm_state building",
    )
    rebooting = app.cloud.seed("active", "rebooting")
    reply = call(app, "DELETE", f"/servers/{rebooting}/metadata/x")
    assert reply.code == 404  # the key is looked up first (server_metadata.py:delete)
    app.cloud.record(rebooting).metadata["x"] = "1"
    reply = call(app, "DELETE", f"/servers/{rebooting}/metadata/x")
    assert reply.code == 204  # check_instance_state(task_state=None): no task check, any task goes
    locked = active(app, locked=True, project_id="p2")
    member = call(app, "POST", f"/servers/{locked}/metadata", {"metadata": {"a": "b"}}, context=MEMBER)
    assert (member.code, member.message) == (409, f"Instance {locked} is locked")
    assert call(app, "POST", f"/servers/{locked}/metadata", {"metadata": {"a": "b"}}).code == 200


def test_metadata_of_another_project_is_404(app: ComputeApp) -> None:
    """common.get_instance: a server of another project does not exist for a member."""
    sid = active(app)
    reply = call(app, "GET", f"/servers/{sid}/metadata", context=MEMBER)
    assert (reply.code, reply.message) == (404, f"Instance {sid} could not be found.")


# -- tags ------------------------------------------------------------------------------
def test_tags_crud(app: ComputeApp) -> None:
    """server_tags.py: PUT /tags/x is 201 with Location (204 when present), GET /tags/x 204/404, PUT /tags replaces."""
    sid = active(app)
    added = call(app, "PUT", f"/servers/{sid}/tags/blue")
    assert (added.code, added.headers["location"]) == (201, f"http://127.0.0.1/v2.1/servers/{sid}/tags/blue")
    assert call(app, "PUT", f"/servers/{sid}/tags/blue").code == 204
    assert call(app, "GET", f"/servers/{sid}/tags/blue").code == 204
    missing = call(app, "GET", f"/servers/{sid}/tags/red")
    assert (missing.code, missing.message) == (404, f"Server {sid} has no tag 'red'")
    assert call(app, "PUT", f"/servers/{sid}/tags", {"tags": ["a", "b"]}).json == {"tags": ["a", "b"]}
    assert call(app, "GET", f"/servers/{sid}").json["server"]["tags"] == ["a", "b"]
    assert call(app, "DELETE", f"/servers/{sid}/tags/a").code == 204
    gone = call(app, "DELETE", f"/servers/{sid}/tags/a")
    assert (gone.code, gone.message) == (404, f"Instance {sid} has no tag 'a'")
    assert call(app, "DELETE", f"/servers/{sid}/tags").code == 204
    assert call(app, "GET", f"/servers/{sid}/tags").json == {"tags": []}


def test_tags_limits_and_validation(app: ComputeApp) -> None:
    """MAX_TAG_COUNT 50, MAX_TAG_LENGTH 60, no ',' or '/' (parameter_types.tag); 404 before 2.26."""
    sid = active(app)
    fifty = [f"t{n}" for n in range(50)]
    assert call(app, "PUT", f"/servers/{sid}/tags", {"tags": fifty}).code == 200
    full = call(app, "PUT", f"/servers/{sid}/tags/one-more")
    assert (full.code, full.message) == (400, "The number of tags exceeded the per-server limit 50")
    assert call(app, "PUT", f"/servers/{sid}/tags", {"tags": [*fifty, "x"]}).code == 400
    bad = call(app, "PUT", f"/servers/{sid}/tags/a,b")
    assert bad.code == 400
    assert bad.message.startswith("Tag 'a,b' is invalid. It must be a non empty string without characters '/' and ','.")
    assert call(app, "PUT", f"/servers/{sid}/tags", {"tags": ["x" * 61]}).code == 400
    assert call(app, "PUT", f"/servers/{sid}/tags", {"tags": "a"}).code == 400
    old = call(app, "GET", f"/servers/{sid}/tags", version="2.25")
    assert (old.code, old.message) == (404, "The resource could not be found.")


def test_tags_need_a_changeable_vm_state(app: ComputeApp) -> None:
    """_check_instance_in_valid_state: vm_state ACTIVE, PAUSED, SUSPENDED or STOPPED, else 409."""
    sid = app.cloud.seed("error")
    reply = call(app, "PUT", f"/servers/{sid}/tags/x")
    assert (reply.code, reply.message) == (409, f"Cannot 'update tag' instance {sid} while it is in vm_state error")
    assert call(app, "GET", f"/servers/{sid}/tags").code == 200


# -- keypairs -----------------------------------------------------------------------------
def test_keypair_import_fingerprint_matches_nova_sample(app: ComputeApp) -> None:
    """keypairs-import-post: 201 from 2.2 with the sample's fingerprint; list, show, delete 204."""
    reply = call(app, "POST", "/os-keypairs", {"keypair": {"name": "kp", "public_key": PUBLIC_KEY}})
    assert reply.code == 201
    assert reply.json["keypair"] == {
        "name": "kp",
        "public_key": PUBLIC_KEY,
        "fingerprint": SAMPLE_FINGERPRINT,
        "user_id": "admin",
        "type": "ssh",
    }
    listed = call(app, "GET", "/os-keypairs").json["keypairs"]
    assert [k["keypair"]["name"] for k in listed] == ["kp"]
    assert set(listed[0]["keypair"]) == {"name", "public_key", "fingerprint", "type"}
    shown = call(app, "GET", "/os-keypairs/kp").json["keypair"]
    assert {"created_at", "deleted", "deleted_at", "id", "updated_at", "user_id"} <= set(shown)
    assert call(app, "DELETE", "/os-keypairs/kp").code == 204
    missing = call(app, "GET", "/os-keypairs/kp")
    assert (missing.code, missing.message) == (404, "Keypair kp not found for user admin")


def test_keypair_generate_and_errors(app: ComputeApp) -> None:
    """Before 2.92 a create without public_key returns a private_key; from 2.92 public_key is required."""
    made = call(app, "POST", "/os-keypairs", {"keypair": {"name": "gen"}}, version="2.91").json["keypair"]
    assert made["private_key"].startswith("-----BEGIN")
    assert made["public_key"].startswith("ssh-")
    assert call(app, "POST", "/os-keypairs", {"keypair": {"name": "gen2"}}, version="2.92").code == 400
    dup = call(app, "POST", "/os-keypairs", {"keypair": {"name": "gen", "public_key": PUBLIC_KEY}})
    assert (dup.code, dup.message) == (409, "Key pair 'gen' already exists.")
    bad = call(app, "POST", "/os-keypairs", {"keypair": {"name": "x", "public_key": "not a key"}})
    assert (bad.code, bad.message) == (400, "Keypair data is invalid: failed to generate fingerprint")
    assert call(app, "POST", "/os-keypairs", {"keypair": {"name": "bad/name"}}).code == 400
    assert (
        call(app, "POST", "/os-keypairs", {"keypair": {"name": "a@b", "public_key": PUBLIC_KEY}}, version="2.91").code
        == 400
    )
    dotted = call(app, "POST", "/os-keypairs", {"keypair": {"name": "a@b.c", "public_key": PUBLIC_KEY}}, version="2.92")
    assert dotted.code == 201
    assert call(app, "POST", "/os-keypairs", {"keypair": {"name": "t", "type": "rsa"}}).code == 400
    assert call(app, "DELETE", "/os-keypairs/kp", version="2.1").code == 404
    assert call(app, "POST", "/os-keypairs", {"keypair": {"name": "old"}}, version="2.1").code == 200


def test_keypair_quota_and_owner(app: ComputeApp) -> None:
    """key_pairs quota (100) is 403 KeypairLimitExceeded; another user's keypair is a 404 for a member."""
    app_state = call(app, "PUT", "/os-quota-sets/6f70656e737461636b20342065766572", {"quota_set": {"key_pairs": 1}})
    assert app_state.code == 200
    assert call(app, "POST", "/os-keypairs", {"keypair": {"name": "one", "public_key": PUBLIC_KEY}}).code == 201
    over = call(app, "POST", "/os-keypairs", {"keypair": {"name": "two", "public_key": PUBLIC_KEY}})
    assert (over.code, over.message) == (403, "Quota exceeded, too many key pairs.")
    assert call(app, "GET", "/os-keypairs/one", context=MEMBER).code == 404
    assert call(app, "GET", "/os-keypairs?user_id=admin", context=MEMBER).code == 403


def test_unknown_key_name_at_create_is_400(app: ComputeApp) -> None:
    """servers.py:create: KeypairNotFound is 400 'Invalid key_name provided.'; a known one is kept."""
    server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none", "key_name": "nope"}
    reply = call(app, "POST", "/servers", {"server": server})
    assert (reply.code, reply.message) == (400, "Invalid key_name provided.")
    call(app, "POST", "/os-keypairs", {"keypair": {"name": "nope", "public_key": PUBLIC_KEY}})
    made = call(app, "POST", "/servers", {"server": server})
    assert made.code == 202
    assert call(app, "GET", f"/servers/{made.json['server']['id']}").json["server"]["key_name"] == "nope"


# -- flavors ----------------------------------------------------------------------------------
def test_flavor_filters(app: ComputeApp) -> None:
    """flavors.py:_get_flavors: minRam, minDisk, sort by flavorid (a string), limit/marker, is_public for admins."""
    listed = call(app, "GET", "/flavors?minRam=4096").json["flavors"]
    assert [f["name"] for f in listed] == ["m1.medium", "m1.large", "m1.xlarge"]
    listed = call(app, "GET", "/flavors/detail?minDisk=80&sort_key=memory_mb&sort_dir=desc").json["flavors"]
    assert [f["disk"] for f in listed] == [160, 80]
    ids = [f["id"] for f in call(app, "GET", "/flavors").json["flavors"]]
    assert ids == ["1", "2", "3", "4", "42", "5", "84"]  # DevStack's list, flavorid sorted as text
    page = call(app, "GET", "/flavors?limit=2&marker=3").json["flavors"]
    assert [f["id"] for f in page] == ["4", "42"]
    assert call(app, "GET", "/flavors?marker=zz").message == "marker [zz] not found"
    assert call(app, "GET", "/flavors?minRam=big").message == "Invalid minRam filter [big]"
    assert call(app, "GET", "/flavors?minDisk=x").message == "Invalid minDisk filter [x]"
    assert call(app, "GET", "/flavors?is_public=maybe").message == "Invalid is_public filter [maybe]"
    assert call(app, "GET", "/flavors?sort_key=colour").code == 400
    assert call(app, "GET", "/flavors?bogus=1", version="2.75").code == 400


def test_flavor_create_delete_and_private(app: ComputeApp) -> None:
    """flavor-manage: admin create (sample body), is_public false is hidden unless is_public=none; members get 403."""
    body = {"flavor": {"name": "test_flavor", "ram": 1024, "vcpus": 2, "disk": 10, "id": "10", "rxtx_factor": 2.0}}
    made = call(app, "POST", "/flavors", body, version="2.75")
    assert made.code == 200
    expected = {"OS-FLV-DISABLED:disabled": False, "disk": 10, "OS-FLV-EXT-DATA:ephemeral": 0,
                "os-flavor-access:is_public": True, "id": "10", "name": "test_flavor", "ram": 1024, "swap": 0,
                "rxtx_factor": 2.0, "vcpus": 2, "description": None, "extra_specs": {}}  # fmt: skip
    assert {k: v for k, v in made.json["flavor"].items() if k != "links"} == expected
    assert call(app, "POST", "/flavors", body).message == "Flavor with ID 10 already exists."
    assert call(app, "POST", "/flavors", {"flavor": {**body["flavor"], "id": "11"}}).code == 409
    private = {"flavor": {"name": "p", "ram": 1, "vcpus": 1, "disk": 0, "os-flavor-access:is_public": False}}
    pid = call(app, "POST", "/flavors", private).json["flavor"]["id"]
    assert pid not in [f["id"] for f in call(app, "GET", "/flavors").json["flavors"]]
    assert pid in [f["id"] for f in call(app, "GET", "/flavors?is_public=none").json["flavors"]]
    denied = call(app, "POST", "/flavors", body, context=MEMBER)
    assert (denied.code, denied.message) == (
        403,
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.",
    )
    assert call(app, "DELETE", "/flavors/10", context=MEMBER).code == 403
    assert call(app, "DELETE", "/flavors/10").code == 202
    assert call(app, "DELETE", "/flavors/10").message == "Flavor 10 could not be found."
    assert call(app, "POST", "/flavors", {"flavor": {"name": "x", "ram": 0, "vcpus": 1, "disk": 0}}).code == 400
    assert call(app, "POST", "/flavors", {"flavor": {"name": "x", "vcpus": 1, "disk": 0}}).code == 400
    assert "rxtx_factor" not in call(app, "GET", "/flavors/1", version="2.102").json["flavor"]


def test_flavor_extra_specs(app: ComputeApp) -> None:
    """flavors_extraspecs.py: create merges, PUT /key needs the key in the body, DELETE; admin-only changes."""
    assert call(app, "GET", "/flavors/1/os-extra_specs").json == {"extra_specs": {}}
    made = call(app, "POST", "/flavors/1/os-extra_specs", {"extra_specs": {"hw:cpu_policy": "shared", "n": 2}})
    assert made.json == {"extra_specs": {"hw:cpu_policy": "shared", "n": 2}}
    assert call(app, "GET", "/flavors/1/os-extra_specs/n").json == {"n": "2"}
    assert call(app, "PUT", "/flavors/1/os-extra_specs/n", {"n": "3"}).json == {"n": "3"}
    assert call(app, "PUT", "/flavors/1/os-extra_specs/n", {"m": "3"}).message == "Request body and URI mismatch"
    assert call(app, "GET", "/flavors/1", version="2.61").json["flavor"]["extra_specs"]["n"] == "3"
    assert call(app, "DELETE", "/flavors/1/os-extra_specs/n").code == 200
    gone = call(app, "GET", "/flavors/1/os-extra_specs/n")
    assert (gone.code, gone.message) == (404, "Flavor 1 has no extra specs with key n.")
    assert call(app, "POST", "/flavors/1/os-extra_specs", {"extra_specs": {"a": "b"}}, context=MEMBER).code == 403
    assert call(app, "POST", "/flavors/1/os-extra_specs", {"extra_specs": {"a/b": "c"}}).code == 400
    assert call(app, "POST", "/flavors/1/os-extra_specs", {"extra_specs": {"a": [1]}}).code == 400
    assert call(app, "GET", "/flavors/nope/os-extra_specs").message == "Flavor nope could not be found."


# -- limits, quotas, zones ----------------------------------------------------------------------
def test_limits_shapes_per_microversion(app: ComputeApp) -> None:
    """doc/api_samples/limits: 2.1 has the full set, 2.57 the trimmed one; usage counts servers."""
    active(app, flavor="2")
    full = call(app, "GET", "/limits", version="2.1").json["limits"]
    assert full["rate"] == []
    assert set(full["absolute"]) == {
        "maxImageMeta", "maxPersonality", "maxPersonalitySize", "maxSecurityGroupRules", "maxSecurityGroups",
        "maxServerMeta", "maxTotalCores", "maxTotalFloatingIps", "maxTotalInstances", "maxTotalKeypairs",
        "maxTotalRAMSize", "maxServerGroups", "maxServerGroupMembers", "totalCoresUsed", "totalInstancesUsed",
        "totalRAMUsed", "totalSecurityGroupsUsed", "totalFloatingIpsUsed", "totalServerGroupsUsed",
    }  # fmt: skip
    trimmed = call(app, "GET", "/limits", version="2.57").json["limits"]["absolute"]
    assert trimmed == {
        "maxServerMeta": 128, "maxTotalCores": 20, "maxTotalInstances": 10, "maxTotalKeypairs": 100,
        "maxTotalRAMSize": 51200, "maxServerGroups": 10, "maxServerGroupMembers": 10, "totalCoresUsed": 1,
        "totalInstancesUsed": 1, "totalRAMUsed": 2048, "totalServerGroupsUsed": 0,
    }  # fmt: skip


def test_quota_sets(app: ComputeApp) -> None:
    """quota_sets.py: show/defaults (sample values), detail with in_use, admin update checks usage, member 403."""
    project = "6f70656e737461636b20342065766572"
    shown = call(app, "GET", f"/os-quota-sets/{project}", version="2.1").json["quota_set"]
    assert shown == {
        "cores": 20, "fixed_ips": -1, "floating_ips": -1, "id": project, "injected_file_content_bytes": 10240,
        "injected_file_path_bytes": 255, "injected_files": 5, "instances": 10, "key_pairs": 100,
        "metadata_items": 128, "ram": 51200, "security_group_rules": -1, "security_groups": -1,
        "server_groups": 10, "server_group_members": 10,
    }  # fmt: skip
    assert set(call(app, "GET", f"/os-quota-sets/{project}/defaults", version="2.57").json["quota_set"]) == {
        "id", "cores", "instances", "key_pairs", "metadata_items", "ram", "server_groups", "server_group_members",
    }  # fmt: skip
    active(app)
    detail = call(app, "GET", f"/os-quota-sets/{project}/detail").json["quota_set"]
    assert detail["instances"] == {"in_use": 1, "limit": 10, "reserved": 0}
    updated = call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {"cores": 50, "instances": "5"}})
    assert updated.json["quota_set"]["cores"] == 50
    assert "id" not in updated.json["quota_set"]
    too_low = call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {"instances": 0}})
    assert (
        too_low.message == "Quota limit 0 for instances must be greater than or equal to already used and reserved 1."
    )
    assert call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {"instances": 0, "force": True}}).code == 200
    assert call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {"bogus": 1}}).code == 400
    assert call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {"cores": -2}}).code == 400
    assert call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {"cores": 1}}, context=MEMBER).code == 403
    assert call(app, "GET", f"/os-quota-sets/{project}", context=MEMBER).code == 403
    assert call(app, "GET", "/os-quota-sets/p2", context=MEMBER).code == 200
    assert call(app, "DELETE", f"/os-quota-sets/{project}").code == 202
    assert call(app, "GET", f"/os-quota-sets/{project}").json["quota_set"]["cores"] == 20


def test_availability_zones(app: ComputeApp) -> None:
    """availability-zone-list/detail samples: nova available; detail (admin) adds internal and the hosts."""
    assert call(app, "GET", "/os-availability-zone").json == {
        "availabilityZoneInfo": [{"hosts": None, "zoneName": "nova", "zoneState": {"available": True}}]
    }
    detail = call(app, "GET", "/os-availability-zone/detail").json["availabilityZoneInfo"]
    assert [z["zoneName"] for z in detail] == ["internal", "nova"]
    # The sample's hosts are its test services; here they are the ones os-services lists (see
    # tests/test_api_compute_fixes.py): nova-scheduler and nova-conductor on one controller host.
    assert sorted(detail[0]["hosts"]["controller"]) == ["nova-conductor", "nova-scheduler"]
    assert call(app, "GET", "/os-availability-zone/detail", context=MEMBER).code == 403


# -- server groups -------------------------------------------------------------------------------
def test_server_groups_per_microversion(app: ComputeApp) -> None:
    """server-groups samples: policies+metadata before 2.64, policy+rules from 2.64; project/user from 2.13."""
    old = call(app, "POST", "/os-server-groups", {"server_group": {"name": "test", "policies": ["anti-affinity"]}},
               version="2.13").json["server_group"]  # fmt: skip
    assert set(old) == {"id", "name", "policies", "members", "metadata", "project_id", "user_id"}
    new = call(app, "POST", "/os-server-groups",
               {"server_group": {"name": "test", "policy": "anti-affinity", "rules": {"max_server_per_host": 3}}},
               version="2.64").json["server_group"]  # fmt: skip
    assert {k: v for k, v in new.items() if k != "id"} == {
        "name": "test", "policy": "anti-affinity", "rules": {"max_server_per_host": 3}, "members": [],
        "project_id": "6f70656e737461636b20342065766572", "user_id": "admin",
    }  # fmt: skip
    listed = call(app, "GET", "/os-server-groups").json["server_groups"]
    assert sorted(g["id"] for g in listed) == sorted([old["id"], new["id"]])
    assert call(app, "GET", f"/os-server-groups/{new['id']}", version="2.1").json["server_group"]["policies"] == [
        "anti-affinity"
    ]
    assert call(app, "DELETE", f"/os-server-groups/{new['id']}").code == 204
    missing = call(app, "GET", f"/os-server-groups/{new['id']}")
    assert (missing.code, missing.message) == (404, f"Instance group {new['id']} could not be found.")


@pytest.mark.parametrize(
    ("body", "version", "message"),
    [
        ({"name": "g", "policies": ["soft-affinity"]}, "2.14", "is not one of"),
        ({"name": "g", "policies": ["affinity", "anti-affinity"]}, "2.15", "is too long"),
        ({"name": "g", "policy": "affinity"}, "2.63", "'policies' is a required property"),
        ({"name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}}, "2.64",
         "Only anti-affinity policy supports rules."),
        ({"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 0}}, "2.64", "minimum of 1"),
        ({"name": " g", "policy": "affinity"}, "2.64", "not a valid name"),
    ],
)  # fmt: skip
def test_server_group_bad_input(app: ComputeApp, body: dict[str, Any], version: str, message: str) -> None:
    """schemas/server_groups.py: one policy (soft ones from 2.15), rules only for anti-affinity (2.64)."""
    reply = call(app, "POST", "/os-server-groups", {"server_group": body}, version=version)
    assert reply.code == 400
    assert message in reply.message


def test_group_hint_adds_members_and_server_groups_shape(app: ComputeApp) -> None:
    """The group hint adds the server; server_groups shows in show (2.71), not in detail; unknown group 400."""
    group = call(app, "POST", "/os-server-groups", {"server_group": {"name": "g", "policy": "affinity"}}).json
    gid = group["server_group"]["id"]
    server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}
    made = call(app, "POST", "/servers", {"server": server, "os:scheduler_hints": {"group": gid}})
    sid = made.json["server"]["id"]
    assert call(app, "GET", f"/os-server-groups/{gid}").json["server_group"]["members"] == [sid]
    assert call(app, "GET", f"/servers/{sid}", version="2.71").json["server"]["server_groups"] == [gid]
    assert "server_groups" not in call(app, "GET", f"/servers/{sid}", version="2.70").json["server"]
    assert "server_groups" not in call(app, "GET", "/servers/detail", version="2.71").json["servers"][0]
    updated = call(app, "PUT", f"/servers/{sid}", {"server": {"name": "renamed"}}, version="2.71")
    assert updated.json["server"]["server_groups"] == [gid]
    unknown = "0fb6c4d1-0e2a-4e5b-9d4f-6a1c0b8e7d11"
    reply = call(app, "POST", "/servers", {"server": server, "os:scheduler_hints": {"group": unknown}})
    assert (reply.code, reply.message) == (400, f"Instance group {unknown} could not be found.")
    assert call(app, "POST", "/servers", {"server": server, "os:scheduler_hints": {"group": "g"}}).code == 400
    app.cloud.settle()
    assert call(app, "DELETE", f"/servers/{sid}").code == 204
    app.cloud.settle()
    assert call(app, "GET", f"/os-server-groups/{gid}").json["server_group"]["members"] == []


def test_group_member_quota(app: ComputeApp) -> None:
    """server_group_members quota: a create that would overfill the group is 403."""
    project = "6f70656e737461636b20342065766572"
    call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {"server_group_members": 1}})
    gid = call(app, "POST", "/os-server-groups", {"server_group": {"name": "g", "policy": "affinity"}}).json[
        "server_group"
    ]["id"]
    body = {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"},
            "os:scheduler_hints": {"group": gid}}  # fmt: skip
    assert call(app, "POST", "/servers", body).code == 202
    over = call(app, "POST", "/servers", body)
    assert (over.code, over.message) == (403, "Quota exceeded, too many servers in group")


# -- ips, password, consoles, volumes ----------------------------------------------------------------
def test_ips(app: ComputeApp) -> None:
    """server-ips samples: {addresses: {net: [{addr, version}]}} and {net: [...]}; unknown network 404."""
    sid = active(app, networks=["private"])
    addresses = call(app, "GET", f"/servers/{sid}/ips").json["addresses"]
    assert list(addresses) == ["private"]
    assert set(addresses["private"][0]) == {"addr", "version"}
    assert call(app, "GET", f"/servers/{sid}/ips/private").json == {"private": addresses["private"]}
    missing = call(app, "GET", f"/servers/{sid}/ips/public")
    assert (missing.code, missing.message) == (404, "Instance is not a member of specified network")


def test_server_password(app: ComputeApp) -> None:
    """server_password.py: GET answers the (empty) password, DELETE clears it with 204."""
    sid = active(app)
    assert call(app, "GET", f"/servers/{sid}/os-server-password").json == {"password": ""}
    assert call(app, "DELETE", f"/servers/{sid}/os-server-password").code == 204


def test_console_output(app: ComputeApp) -> None:
    """os-getConsoleOutput: 200 {output}; length keeps the last lines; bad length 400; not on a host 409."""
    sid = active(app)
    whole = call(app, "POST", f"/servers/{sid}/action", {"os-getConsoleOutput": {}})
    assert whole.code == 200
    lines = whole.json["output"].splitlines()
    assert len(lines) > 3  # a boot log: Tempest's test_get_console_output_with_unlimited_size wants more than 3
    last = call(app, "POST", f"/servers/{sid}/action", {"os-getConsoleOutput": {"length": 1}}).json["output"]
    assert last == lines[-1]
    assert (
        call(app, "POST", f"/servers/{sid}/action", {"os-getConsoleOutput": {"length": -1}}).json["output"]
        == (whole.json["output"])
    )
    assert call(app, "POST", f"/servers/{sid}/action", {"os-getConsoleOutput": {"length": "x"}}).code == 400
    assert call(app, "POST", f"/servers/{sid}/action", {"os-getConsoleOutput": {"length": -2}}).code == 400
    assert call(app, "POST", f"/servers/{sid}/action", {"os-getConsoleOutput": {"lines": 1}}).code == 400
    building = app.cloud.seed("building", "scheduling")
    reply = call(app, "POST", f"/servers/{building}/action", {"os-getConsoleOutput": None})
    assert (reply.code, reply.message) == (409, f"Instance {building} is not ready")


def test_remote_consoles(app: ComputeApp) -> None:
    """remote_consoles.py (2.6+): the remote_console body; rdp 400; mks from 2.8; 404 before 2.6."""
    sid = active(app)
    body = {"remote_console": {"protocol": "vnc", "type": "novnc"}}
    reply = call(app, "POST", f"/servers/{sid}/remote-consoles", body, version="2.6")
    assert reply.code == 200
    console = reply.json["remote_console"]
    assert (console["protocol"], console["type"]) == ("vnc", "novnc")
    assert "token" in console["url"]
    rdp = {"remote_console": {"protocol": "rdp", "type": "rdp-html5"}}
    assert call(app, "POST", f"/servers/{sid}/remote-consoles", rdp).message == "Unavailable console type rdp."
    mks = {"remote_console": {"protocol": "mks", "type": "webmks"}}
    assert call(app, "POST", f"/servers/{sid}/remote-consoles", mks, version="2.7").code == 400
    assert call(app, "POST", f"/servers/{sid}/remote-consoles", mks, version="2.8").code == 200
    mixed = {"remote_console": {"protocol": "vnc", "type": "serial"}}
    assert call(app, "POST", f"/servers/{sid}/remote-consoles", mixed).message == "Invalid console type serial"
    assert call(app, "POST", f"/servers/{sid}/remote-consoles", body, version="2.5").code == 404


def test_volume_attachments_without_volumes(app: ComputeApp) -> None:
    """No volume service: an empty list, 404 on show and on attach (VolumeNotFound), 400 on a bad body."""
    sid = active(app)
    assert call(app, "GET", f"/servers/{sid}/os-volume_attachments").json == {"volumeAttachments": []}
    vol = "a26887c6-c47b-4654-abb5-dfadf7d3f803"
    shown = call(app, "GET", f"/servers/{sid}/os-volume_attachments/{vol}")
    assert (shown.code, shown.message) == (404, f"Instance {sid} is not attached to volume {vol}")
    attach = call(app, "POST", f"/servers/{sid}/os-volume_attachments", {"volumeAttachment": {"volumeId": vol}})
    assert (attach.code, attach.message) == (404, f"Volume {vol} could not be found.")
    bad = call(app, "POST", f"/servers/{sid}/os-volume_attachments", {"volumeAttachment": {"volumeId": "x"}})
    assert bad.code == 400


# -- instance actions and migrations ---------------------------------------------------------------
def test_instance_actions_record_accepted_requests(app: ComputeApp) -> None:
    """create, stop and start are recorded (newest first) with events; a refused request is not recorded."""
    server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}
    sid = call(app, "POST", "/servers", {"server": server}).json["server"]["id"]
    app.cloud.settle()
    assert call(app, "POST", f"/servers/{sid}/action", {"os-start": None}).code == 409
    assert call(app, "POST", f"/servers/{sid}/action", {"os-stop": None}).code == 202
    listed = call(app, "GET", f"/servers/{sid}/os-instance-actions", version="2.58").json["instanceActions"]
    assert [a["action"] for a in listed] == ["stop", "create"]
    assert set(listed[0]) == {"action", "instance_uuid", "message", "project_id", "request_id", "start_time",
                              "updated_at", "user_id"}  # fmt: skip
    running = call(app, "GET", f"/servers/{sid}/os-instance-actions/{listed[0]['request_id']}").json["instanceAction"]
    assert [(e["event"], e["result"]) for e in running["events"]] == [("compute_stop_instance", None)]
    app.cloud.settle()
    done = call(app, "GET", f"/servers/{sid}/os-instance-actions/{listed[0]['request_id']}", version="2.84").json
    (event,) = done["instanceAction"]["events"]
    assert event["result"] == "Success"
    assert set(event) == {"event", "start_time", "finish_time", "result", "traceback", "host", "hostId", "details"}
    old = call(app, "GET", f"/servers/{sid}/os-instance-actions/{listed[0]['request_id']}", version="2.1").json
    assert "updated_at" not in old["instanceAction"]
    missing = call(app, "GET", f"/servers/{sid}/os-instance-actions/req-nope")
    assert (missing.code, missing.message) == (404, "Action req-nope not found")


def test_instance_action_events_for_a_member(app: ComputeApp) -> None:
    """A member sees events from 2.51 only, without traceback or host (instance_actions.py:show)."""
    sid = active(app, project_id="p2")
    call(app, "POST", f"/servers/{sid}/action", {"os-stop": None})
    request_id = call(app, "GET", f"/servers/{sid}/os-instance-actions").json["instanceActions"][0]["request_id"]
    path = f"/servers/{sid}/os-instance-actions/{request_id}"
    assert "events" not in call(app, "GET", path, version="2.50", context=MEMBER).json["instanceAction"]
    (event,) = call(app, "GET", path, version="2.62", context=MEMBER).json["instanceAction"]["events"]
    assert set(event) == {"event", "start_time", "finish_time", "result", "hostId"}


def test_instance_actions_of_deleted_servers_from_2_21(app: ComputeApp) -> None:
    """_get_instance reads deleted servers from 2.21: their actions stay; before 2.21 the server is a 404."""
    sid = active(app)
    call(app, "DELETE", f"/servers/{sid}")
    app.cloud.settle()
    assert call(app, "GET", f"/servers/{sid}").code == 404
    assert [a["action"] for a in call(app, "GET", f"/servers/{sid}/os-instance-actions", version="2.21").json[
        "instanceActions"
    ]] == ["delete"]  # fmt: skip
    assert call(app, "GET", f"/servers/{sid}/os-instance-actions", version="2.20").code == 404


def test_a_delete_over_before_its_reply_still_records_its_action() -> None:
    """Tempest's test_get_list_deleted_instance_actions: 'create' and 'delete', however fast the delete ran."""
    from lifecycle.simulate.durations import Durations

    app = ComputeApp(Cloud(pace="wall", durations=Durations(scale=0)))  # every step takes no time
    body = {"server": {"name": "a", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}}
    sid = call(app, "POST", "/servers", body).json["server"]["id"]
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "ACTIVE"
    assert call(app, "DELETE", f"/servers/{sid}").code == 204
    actions = call(app, "GET", f"/servers/{sid}/os-instance-actions", version="2.21").json["instanceActions"]
    assert sorted(a["action"] for a in actions) == ["create", "delete"]


def test_instance_actions_paging(app: ComputeApp) -> None:
    """2.58: limit, marker (a request id) and a next link; bad limit 400; unknown marker 400."""
    sid = active(app)
    for body in ({"lock": None}, {"unlock": None}, {"lock": None}):
        call(app, "POST", f"/servers/{sid}/action", body)
    page = call(app, "GET", f"/servers/{sid}/os-instance-actions?limit=2", version="2.58").json
    assert [a["action"] for a in page["instanceActions"]] == ["lock", "unlock"]
    marker = page["instanceActions"][-1]["request_id"]
    assert page["links"][0]["rel"] == "next"
    assert f"marker={marker}" in page["links"][0]["href"]
    rest = call(app, "GET", f"/servers/{sid}/os-instance-actions?marker={marker}", version="2.58").json
    assert [a["action"] for a in rest["instanceActions"]] == ["lock"]
    assert call(app, "GET", f"/servers/{sid}/os-instance-actions?limit=x", version="2.58").code == 400
    bad = call(app, "GET", f"/servers/{sid}/os-instance-actions?marker=req-x", version="2.58")
    assert (bad.code, bad.message) == (400, "Marker req-x could not be found.")
    assert call(app, "GET", f"/servers/{sid}/os-instance-actions?bogus=1", version="2.58").code == 400


def test_migrations_follow_resize_and_live_migration(app: ComputeApp) -> None:
    """os-migrations: a resize row goes pre-migrating (resize_prep) -> finished -> confirmed;
    a live migration lists in progress."""
    sid = active(app)
    assert call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "2"}}).code == 202
    (row,) = call(app, "GET", "/os-migrations", version="2.80").json["migrations"]
    assert (row["migration_type"], row["status"], row["instance_uuid"]) == ("resize", "pre-migrating", sid)
    assert (row["old_instance_type_id"], row["new_instance_type_id"]) == (1, 2)
    assert {"uuid", "user_id", "project_id"} <= set(row)
    app.cloud.settle()
    assert call(app, "GET", "/os-migrations").json["migrations"][0]["status"] == "finished"
    call(app, "POST", f"/servers/{sid}/action", {"confirmResize": None})
    app.cloud.settle()
    assert call(app, "GET", "/os-migrations").json["migrations"][0]["status"] == "confirmed"
    assert "migration_type" not in call(app, "GET", "/os-migrations", version="2.22").json["migrations"][0]
    live = {"os-migrateLive": {"host": None, "block_migration": "auto"}}
    assert call(app, "POST", f"/servers/{sid}/action", live).code == 202
    (running,) = call(app, "GET", f"/servers/{sid}/migrations", version="2.23").json["migrations"]
    assert running["status"] == "running"
    shown = call(app, "GET", f"/servers/{sid}/migrations/{running['id']}", version="2.23")
    assert shown.json["migration"]["server_uuid"] == sid
    resize_id = call(app, "GET", "/os-migrations?migration_type=resize").json["migrations"][0]["id"]
    reply = call(app, "GET", f"/servers/{sid}/migrations/{resize_id}", version="2.23")
    assert (reply.code, reply.message) == (404, f"Migration {resize_id} for server {sid} is not live-migration.")
    app.cloud.settle()
    assert call(app, "GET", f"/servers/{sid}/migrations", version="2.23").json == {"migrations": []}
    assert call(app, "GET", "/os-migrations?status=completed").json["migrations"][0]["migration_type"] == (
        "live-migration"
    )
    assert call(app, "GET", f"/servers/{sid}/migrations", version="2.22").code == 404
    assert call(app, "GET", "/os-migrations", context=MEMBER).code == 403
    assert call(app, "GET", "/os-migrations?marker=nope", version="2.59").message == "Marker nope could not be found."


# -- response shapes ---------------------------------------------------------------------------------
def test_update_and_rebuild_bodies_before_2_75_carry_no_show_only_fields(app: ComputeApp) -> None:
    """servers.py update/_action_rebuild: show_all_attributes only from 2.75; user_data in rebuild from 2.57."""
    sid = active(app)
    show_only = {"OS-EXT-STS:vm_state", "OS-EXT-AZ:availability_zone", "config_drive", "OS-SRV-USG:launched_at",
                 "os-extended-volumes:volumes_attached", "key_name", "host_status"}  # fmt: skip
    old = call(app, "PUT", f"/servers/{sid}", {"server": {"name": "a"}}, version="2.74").json["server"]
    assert not show_only & set(old)
    new = call(app, "PUT", f"/servers/{sid}", {"server": {"name": "b"}}, version="2.75").json["server"]
    assert show_only <= set(new)
    rebuilt = call(app, "POST", f"/servers/{sid}/action", {"rebuild": {"imageRef": CIRROS_ID, "user_data": "aGk="}},
                   version="2.57").json["server"]  # fmt: skip
    assert rebuilt["user_data"] == "aGk="
    assert "key_name" in rebuilt  # shown in rebuild from 2.54
    app.cloud.settle()
    rebuilt = call(app, "POST", f"/servers/{sid}/action", {"rebuild": {"imageRef": CIRROS_ID}}, version="2.53").json
    assert "key_name" not in rebuilt["server"]
    assert "user_data" not in rebuilt["server"]


def test_access_ipv6_is_normalised(app: ComputeApp) -> None:
    """Nova stores accessIPv6 as an address: it reads back in canonical form."""
    sid = active(app)
    reply = call(app, "PUT", f"/servers/{sid}", {"server": {"accessIPv6": "2001:DB8:0::0001"}})
    assert reply.json["server"]["accessIPv6"] == "2001:db8::1"


def test_pinned_availability_zone_2_104(app: ComputeApp) -> None:
    """servers.py:update at 2.104: unpin with null; pin only to the current zone; no direct change."""
    server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none", "availability_zone": "nova"}
    sid = call(app, "POST", "/servers", {"server": server}).json["server"]["id"]
    assert call(app, "GET", f"/servers/{sid}", version="2.96").json["server"]["pinned_availability_zone"] == "nova"
    unpinned = call(app, "PUT", f"/servers/{sid}", {"server": {"pinned_availability_zone": None}}, version="2.104")
    assert unpinned.json["server"]["pinned_availability_zone"] is None
    other = call(app, "PUT", f"/servers/{sid}", {"server": {"pinned_availability_zone": "az9"}}, version="2.104")
    assert (other.code, other.message) == (
        409,
        "Server can only be pinned to its current availability zone 'nova', but 'az9' was requested.",
    )
    assert (
        call(app, "PUT", f"/servers/{sid}", {"server": {"pinned_availability_zone": None}}, version="2.103").code == 400
    )


def test_soft_deleted_servers_hidden_unless_admin_asks() -> None:
    """servers.py:_get_servers + the DB query: SOFT_DELETED is hidden by default; deleted=true lists it (admin)."""
    app = ComputeApp(Cloud(pace="manual", reclaim_instance_interval=3600))
    kept = active(app, name="kept")
    soft = active(app, name="soft")
    hard = active(app, name="hard")
    call(app, "DELETE", f"/servers/{soft}")
    app.cloud.settle()
    assert app.cloud.server(soft).vm_state is VmState.SOFT_DELETED
    call(app, "POST", f"/servers/{hard}/action", {"forceDelete": None})
    app.cloud.settle()
    assert [s["name"] for s in call(app, "GET", "/servers").json["servers"]] == ["kept"]
    listed = call(app, "GET", "/servers/detail?deleted=true").json["servers"]
    assert {(s["name"], s["status"]) for s in listed} == {("soft", "SOFT_DELETED"), ("hard", "DELETED")}
    # deleted is an admin-only filter: a member's is dropped (remove_invalid_options) and the default applies
    # (a member of the servers' own project: listings show only the caller's project, as Nova's _get_servers)
    owner = RequestContext(roles=("member", "reader"))
    assert [s["name"] for s in call(app, "GET", "/servers?deleted=true", context=owner).json["servers"]] == ["kept"]
    assert call(app, "GET", "/servers?vm_state=deleted", context=MEMBER).code == 403
    assert call(app, "GET", f"/servers/{kept}").code == 200


def test_no_route_answers_500_on_garbage(app: ComputeApp) -> None:
    """Every new route answers bad bodies with 400 (or 404/405), never 500."""
    sid = active(app)
    paths = [f"/servers/{sid}/metadata", f"/servers/{sid}/metadata/k", f"/servers/{sid}/tags",
             f"/servers/{sid}/tags/t", "/os-keypairs", "/flavors", "/flavors/1/os-extra_specs",
             "/flavors/1/os-extra_specs/k", "/os-quota-sets/p", "/os-server-groups", f"/servers/{sid}/remote-consoles",
             f"/servers/{sid}/os-volume_attachments", f"/servers/{sid}/os-volume_attachments/v"]  # fmt: skip
    bodies: list[Any] = [b"{", b"[]", b"null", b"5", b'"x"', b'{"a": {"b": []}}']
    for path in paths:
        for method in ("POST", "PUT"):
            for body in bodies:
                reply = call(app, method, path, body)
                assert reply.code < 500, (method, path, body, reply.code, reply.json)
                if reply.code >= 400:
                    assert reply.message  # Nova's envelope, with the status inside


def test_multi_create_records_an_action_per_server(app: ComputeApp) -> None:
    """compute/api.py:_provision_instances records CREATE for every instance of one request."""
    body = {"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none", "max_count": 3}}
    assert call(app, "POST", "/servers", body).code == 202
    ids = [s["id"] for s in call(app, "GET", "/servers").json["servers"]]
    assert len(ids) == 3
    for sid in ids:
        actions = call(app, "GET", f"/servers/{sid}/os-instance-actions").json["instanceActions"]
        assert [a["action"] for a in actions] == ["create"]


def test_a_failed_task_shows_in_events_and_migrations(app: ComputeApp) -> None:
    """A resize that fails leaves ERROR: its events end 'Error' (message 'Error') and its migration 'error'."""
    sid = active(app)
    app.cloud.fail_next(sid, "resize")
    assert call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "2"}}).code == 202
    app.cloud.settle()
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "ERROR"
    (action,) = call(app, "GET", f"/servers/{sid}/os-instance-actions").json["instanceActions"]
    assert action["message"] == "Error"
    shown = call(app, "GET", f"/servers/{sid}/os-instance-actions/{action['request_id']}").json["instanceAction"]
    assert {e["result"] for e in shown["events"]} == {"Error"}
    assert call(app, "GET", "/os-migrations").json["migrations"][0]["status"] == "error"


def test_evacuation_row_ends_done(app: ComputeApp) -> None:
    """An evacuation's migration row (migration_type evacuation) ends 'done' (compute/manager.py rebuild)."""
    sid = active(app)
    host = app.cloud.record(sid).host
    assert host is not None
    app.cloud.set_host_up(host, False)  # evacuate needs the source host down (api.py:API.evacuate)
    assert call(app, "POST", f"/servers/{sid}/action", {"evacuate": {}}).code == 200
    app.cloud.settle()
    (row,) = call(app, "GET", "/os-migrations").json["migrations"]
    assert (row["migration_type"], row["status"]) == ("evacuation", "done")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=70),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_WRAPPERS = ["metadata", "meta", "tags", "keypair", "flavor", "extra_specs", "quota_set", "server_group",
             "remote_console", "volumeAttachment", "os-getConsoleOutput"]  # fmt: skip
_FUZZ_ROUTES = [("POST", "/servers/{sid}/metadata"), ("PUT", "/servers/{sid}/metadata"),
                ("PUT", "/servers/{sid}/metadata/k"), ("PUT", "/servers/{sid}/tags"), ("POST", "/os-keypairs"),
                ("POST", "/flavors"), ("POST", "/flavors/1/os-extra_specs"), ("PUT", "/flavors/1/os-extra_specs/k"),
                ("PUT", "/os-quota-sets/p"), ("POST", "/os-server-groups"), ("POST", "/servers/{sid}/remote-consoles"),
                ("POST", "/servers/{sid}/os-volume_attachments"), ("POST", "/servers/{sid}/action")]  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(_FUZZ_ROUTES),
    body=_JSON | st.builds(lambda key, value: {key: value}, st.sampled_from(_WRAPPERS), _JSON),
    version=st.sampled_from(["2.1", "2.26", "2.57", "2.64", "2.75", "2.92", "2.100", "2.104"]),
)
def test_fuzzed_bodies_never_500(app: ComputeApp, route: tuple[str, str], body: Any, version: str) -> None:
    """Any JSON to any new route is answered below 500, in Nova's envelope when refused."""
    sid = app.cloud.records()[0].id if app.cloud.records() else app.cloud.seed("active")
    method, path = route
    reply = call(app, method, path.format(sid=sid), body, version=version)
    assert reply.code < 500, (route, body, reply.json)
    if reply.code >= 400:
        assert reply.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/servers/{sid}/os-instance-actions", "/os-migrations", "/os-keypairs", "/flavors/detail",
                          "/os-server-groups", "/limits", "/servers/{sid}/tags", "/servers/{sid}/ips"]),
    query=st.dictionaries(st.sampled_from(["limit", "marker", "changes-since", "changes-before", "minRam", "minDisk",
                                           "is_public", "sort_key", "sort_dir", "all_projects", "offset", "user_id",
                                           "tenant_id", "status", "x"]),
                          st.text(max_size=20), max_size=3),
    version=st.sampled_from(["2.1", "2.58", "2.66", "2.75", "2.100", "2.104"]),
)  # fmt: skip
def test_fuzzed_queries_never_500(app: ComputeApp, path: str, query: dict[str, str], version: str) -> None:
    """Any query string to a listing is answered below 500."""
    sid = app.cloud.records()[0].id if app.cloud.records() else app.cloud.seed("active")
    reply = call(app, "GET", f"{path.format(sid=sid)}?{urlencode(query)}", version=version)
    assert reply.code < 500, (path, query, reply.json)


@pytest.mark.parametrize(
    ("path", "since"),
    [("/servers/{sid}", "2.102"), ("/servers/{sid}/metadata", "2.102"), ("/servers/{sid}/tags", "2.102"),
     ("/servers/{sid}/ips", "2.102"), ("/flavors/1/os-extra_specs", "2.102"), ("/os-availability-zone", "2.102"),
     ("/limits", "2.75"), ("/os-keypairs", "2.75"), ("/flavors", "2.75")],
)  # fmt: skip
def test_unknown_query_parameters_refused(app: ComputeApp, path: str, since: str) -> None:
    """Nova's query schemas refuse unknown parameters from 2.75 (limits, keypairs, flavors) or 2.102 (the rest)."""
    sid = active(app)
    url = path.format(sid=sid) + "?bogus=1"
    major, minor = since.split(".")
    assert call(app, "GET", url, version=f"{major}.{int(minor) - 1}").code == 200
    refused = call(app, "GET", url, version=since)
    assert (refused.code, refused.message) == (400, "Additional properties are not allowed ('bogus' was unexpected)")


def test_lenient_queries_stay_lenient(app: ComputeApp) -> None:
    """quota-set defaults and volume attachment show keep additionalProperties True at every microversion."""
    sid = active(app)
    assert call(app, "GET", "/os-quota-sets/p/defaults?bogus=1", version="2.104").code == 200
    vol = "a26887c6-c47b-4654-abb5-dfadf7d3f803"
    assert call(app, "GET", f"/servers/{sid}/os-volume_attachments/{vol}?bogus=1", version="2.104").code == 404
    assert call(app, "GET", "/flavors/1?bogus=1", version="2.104").code == 400
    assert call(app, "GET", f"/servers/{sid}/os-volume_attachments?limit=x").code == 400


def test_create_with_too_much_metadata_is_403(app: ComputeApp) -> None:
    """_validate_and_build_base_options checks the metadata_items quota (128): 403, and nothing is created."""
    items = {f"k{n}": "v" for n in range(129)}
    server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none", "metadata": items}
    reply = call(app, "POST", "/servers", {"server": server})
    assert (reply.code, reply.message) == (403, "Maximum number of metadata items exceeds 128")
    assert call(app, "GET", "/servers").json["servers"] == []


def test_a_failure_is_remembered_after_the_next_request(app: ComputeApp) -> None:
    """A resize that failed into ERROR keeps its 'Error' after os-resetState and a new stop, unread in between."""
    sid = app.cloud.seed("active")
    app.cloud.fail_next(sid, "resize")
    call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "2"}})
    app.cloud.settle()
    call(app, "POST", f"/servers/{sid}/action", {"os-resetState": {"state": "active"}})
    assert call(app, "POST", f"/servers/{sid}/action", {"os-stop": None}).code == 202
    app.cloud.settle()
    actions = call(app, "GET", f"/servers/{sid}/os-instance-actions").json["instanceActions"]
    assert [(a["action"], a["message"]) for a in actions] == [("stop", None), ("resetState", None), ("resize", "Error")]
    stop = call(app, "GET", f"/servers/{sid}/os-instance-actions/{actions[0]['request_id']}").json["instanceAction"]
    assert [e["result"] for e in stop["events"]] == ["Success"]


def test_legacy_console_actions_before_2_6(app: ComputeApp) -> None:
    """remote_consoles.py: os-getVNCConsole & co. answer {console: {type, url}} up to 2.5, 404 from 2.6."""
    sid = active(app)
    reply = call(app, "POST", f"/servers/{sid}/action", {"os-getVNCConsole": {"type": "novnc"}}, version="2.5")
    assert reply.code == 200
    assert reply.json["console"]["type"] == "novnc"
    assert reply.json["console"]["url"].startswith("http://")
    xvp = call(app, "POST", f"/servers/{sid}/action", {"os-getVNCConsole": {"type": "xvpvnc"}}, version="2.5")
    assert (xvp.code, xvp.message) == (400, "Invalid console type xvpvnc")
    assert call(app, "POST", f"/servers/{sid}/action", {"os-getVNCConsole": {}}, version="2.5").code == 400
    assert (
        call(app, "POST", f"/servers/{sid}/action", {"os-getRDPConsole": {"type": "rdp-html5"}}, version="2.1").code
        == 400
    )
    spice = call(app, "POST", f"/servers/{sid}/action", {"os-getSPICEConsole": {"type": "spice-html5"}}, version="2.1")
    assert spice.json["console"]["type"] == "spice-html5"
    late = call(app, "POST", f"/servers/{sid}/action", {"os-getVNCConsole": {"type": "novnc"}}, version="2.6")
    assert (late.code, late.message) == (404, "The resource could not be found.")
