"""``os-quota-class-sets`` over WSGI (``nova/api/openstack/compute/quota_classes.py``).

Key sets per microversion follow Nova's api_samples
(``os-quota-class-sets/quota-classes-show-get-resp.json``: 13 keys with ``id``;
``v2.50``: ``server_groups``/``server_group_members`` in, the four network ones
out; ``v2.57``: the three injected-file ones out too).
"""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from tests.test_api_routes import MEMBER, call

V21 = {
    "id", "cores", "fixed_ips", "floating_ips", "injected_file_content_bytes", "injected_file_path_bytes",
    "injected_files", "instances", "key_pairs", "metadata_items", "ram", "security_group_rules", "security_groups",
}  # fmt: skip
V250 = (V21 - {"fixed_ips", "floating_ips", "security_group_rules", "security_groups"}) | {
    "server_groups",
    "server_group_members",
}
V257 = V250 - {"injected_file_content_bytes", "injected_file_path_bytes", "injected_files"}


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


@pytest.mark.parametrize(("version", "keys"), [("2.1", V21), ("2.50", V250), ("2.57", V257), ("2.100", V257)])
def test_show_keys_per_microversion(app: ComputeApp, version: str, keys: set[str]) -> None:
    shown = call(app, "GET", "/os-quota-class-sets/test_class", version=version).json["quota_class_set"]
    assert set(shown) == keys
    assert shown["id"] == "test_class"
    assert shown["cores"] == 20  # nova/conf/quota.py default
    assert shown["ram"] == 51200


def test_update_a_class_and_the_default_class_moves_project_defaults(app: ComputeApp) -> None:
    updated = call(app, "PUT", "/os-quota-class-sets/gold", {"quota_class_set": {"cores": 50}}, version="2.57")
    assert updated.code == 200
    assert "id" not in updated.json["quota_class_set"]
    assert updated.json["quota_class_set"]["cores"] == 50
    assert call(app, "GET", "/os-quota-class-sets/gold").json["quota_class_set"]["cores"] == 50
    assert call(app, "GET", "/os-quota-sets/p9").json["quota_set"]["cores"] == 20  # only "default" is read
    call(app, "PUT", "/os-quota-class-sets/default", {"quota_class_set": {"cores": 40}})
    assert call(app, "GET", "/os-quota-sets/p9").json["quota_set"]["cores"] == 40


@pytest.mark.parametrize(
    ("version", "body", "fragment"),
    [
        ("2.1", {"quota_class_set": {"cores": "x"}}, "does not match"),
        ("2.1", {"quota_class_set": {"cores": -2}}, "less than the minimum of -1"),
        ("2.1", {"quota_class_set": {"bogus": 1}}, "Additional properties are not allowed ('bogus' was unexpected)"),
        ("2.57", {"quota_class_set": {"injected_files": 1}}, "'injected_files' was unexpected"),
        ("2.50", {"quota_class_set": {"floating_ips": 1}}, "'floating_ips' was unexpected"),
        ("2.1", {"quota_class_set": []}, "is not of type 'object'"),
        ("2.1", {"quotas": {}}, "'quota_class_set' is a required property"),
        ("2.1", ["x"], "is not of type 'object'"),
    ],
)
def test_bad_update_is_400(app: ComputeApp, version: str, body: Any, fragment: str) -> None:
    reply = call(app, "PUT", "/os-quota-class-sets/gold", body, version=version)
    assert reply.code == 400
    assert fragment in reply.message


def test_long_class_name_is_400(app: ComputeApp) -> None:
    reply = call(app, "PUT", f"/os-quota-class-sets/{'c' * 256}", {"quota_class_set": {"cores": 1}})
    assert reply.code == 400
    assert reply.message == "Invalid input received: quota_class_name has more than 255 characters."


def test_server_group_quotas_accepted_before_2_50_but_not_shown(app: ComputeApp) -> None:
    reply = call(app, "PUT", "/os-quota-class-sets/gold", {"quota_class_set": {"server_groups": 3}}, version="2.1")
    assert reply.code == 200
    assert "server_groups" not in reply.json["quota_class_set"]
    assert call(app, "GET", "/os-quota-class-sets/gold", version="2.50").json["quota_class_set"]["server_groups"] == 3


@pytest.mark.parametrize(("method", "rule"), [("GET", "show"), ("PUT", "update")])
def test_members_are_refused_403(app: ComputeApp, method: str, rule: str) -> None:
    body = {"quota_class_set": {"cores": 1}} if method == "PUT" else None
    reply = call(app, method, "/os-quota-class-sets/default", body, context=MEMBER)
    assert reply.code == 403
    assert reply.message == f"Policy doesn't allow os_compute_api:os-quota-class-sets:{rule} to be performed."
