"""The compute routes' responses checked against Tempest's own response schemas (``tempest.lib.api_schema``).

Tempest validates every compute response against these JSON schemas (status
code included) before a test looks at it, so a body that breaks one fails the
Tempest test whatever it checks. Skipped when tempest is not installed.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID

pytest.importorskip("tempest.lib.api_schema", reason="tempest is not installed: pip install tempest")
from tempest.lib.common import jsonschema_validator
from test_api_routes import PUBLIC_KEY, call

PROJECT = "6f70656e737461636b20342065766572"


def check(
    app: ComputeApp, module: str, name: str, method: str, path: str, body: Any = None, version: str = "2.1"
) -> Any:
    """Call the fake and validate the reply with Tempest's schema ``module.name``."""
    schema = getattr(importlib.import_module(f"tempest.lib.api_schema.response.compute.{module}"), name)
    reply = call(app, method, path, body, version=version)
    assert reply.code in schema["status_code"], (module, name, reply.code, reply.json)
    if "response_body" in schema:
        validator = jsonschema_validator.JSONSCHEMA_VALIDATOR(
            schema["response_body"], format_checker=jsonschema_validator.FORMAT_CHECKER
        )
        validator.validate(reply.json)
    return reply.json


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def test_server_subresources(app: ComputeApp) -> None:
    """metadata, ips, password, console output and consoles, tags."""
    sid = app.cloud.seed("active", networks="auto", metadata={"a": "1"})
    base = f"/servers/{sid}"
    check(app, "v2_1.servers", "list_server_metadata", "GET", f"{base}/metadata")
    check(app, "v2_1.servers", "set_server_metadata", "PUT", f"{base}/metadata", {"metadata": {"b": "2"}})
    check(app, "v2_1.servers", "update_server_metadata", "POST", f"{base}/metadata", {"metadata": {"c": "3"}})
    check(app, "v2_1.servers", "set_show_server_metadata_item", "PUT", f"{base}/metadata/d", {"meta": {"d": "4"}})
    check(app, "v2_1.servers", "set_show_server_metadata_item", "GET", f"{base}/metadata/d")
    check(app, "v2_1.servers", "delete_server_metadata_item", "DELETE", f"{base}/metadata/d")
    check(app, "v2_1.servers", "list_addresses", "GET", f"{base}/ips")
    check(app, "v2_1.servers", "list_addresses_by_network", "GET", f"{base}/ips/private")
    check(app, "v2_1.servers", "show_password", "GET", f"{base}/os-server-password")
    check(app, "v2_1.servers", "server_actions_delete_password", "DELETE", f"{base}/os-server-password")
    check(app, "v2_1.servers", "get_console_output", "POST", f"{base}/action", {"os-getConsoleOutput": {"length": 2}})
    check(app, "v2_1.servers", "get_vnc_console", "POST", f"{base}/action", {"os-getVNCConsole": {"type": "novnc"}})
    console = {"remote_console": {"protocol": "vnc", "type": "novnc"}}
    check(app, "v2_6.servers", "get_remote_consoles", "POST", f"{base}/remote-consoles", console, "2.6")
    check(app, "v2_26.servers", "update_all_tags", "PUT", f"{base}/tags", {"tags": ["a"]}, "2.26")
    check(app, "v2_26.servers", "update_tag", "PUT", f"{base}/tags/b", None, "2.26")
    check(app, "v2_26.servers", "list_tags", "GET", f"{base}/tags", None, "2.26")
    check(app, "v2_26.servers", "check_tag_existence", "GET", f"{base}/tags/b", None, "2.26")
    check(app, "v2_26.servers", "delete_tag", "DELETE", f"{base}/tags/b", None, "2.26")
    check(app, "v2_26.servers", "delete_all_tags", "DELETE", f"{base}/tags", None, "2.26")


def test_keypairs_flavors_limits_quotas_zones_groups(app: ComputeApp) -> None:
    """keypairs (2.1, 2.2), flavor admin and extra specs, limits (2.1, 2.57), quotas, zones, server groups."""
    check(app, "v2_1.keypairs", "create_keypair", "POST", "/os-keypairs", {"keypair": {"name": "k0"}})
    made = {"keypair": {"name": "k1", "public_key": PUBLIC_KEY}}
    check(app, "v2_2.keypairs", "create_keypair", "POST", "/os-keypairs", made, "2.2")
    for module, version in (("v2_1", "2.1"), ("v2_2", "2.2")):
        check(app, f"{module}.keypairs", "get_keypair", "GET", "/os-keypairs/k1", None, version)
        check(app, f"{module}.keypairs", "list_keypairs", "GET", "/os-keypairs", None, version)
    check(app, "v2_1.keypairs", "delete_keypair", "DELETE", "/os-keypairs/k0")
    check(app, "v2_2.keypairs", "delete_keypair", "DELETE", "/os-keypairs/k1", None, "2.2")
    specs = "/flavors/1/os-extra_specs"
    check(app, "v2_1.flavors_extra_specs", "set_get_flavor_extra_specs", "POST", specs, {"extra_specs": {"a": "b"}})
    check(app, "v2_1.flavors_extra_specs", "set_get_flavor_extra_specs", "GET", specs)
    check(app, "v2_1.flavors_extra_specs", "set_get_flavor_extra_specs_key", "GET", f"{specs}/a")
    check(app, "v2_1.flavors_extra_specs", "set_get_flavor_extra_specs_key", "PUT", f"{specs}/a", {"a": "c"})
    check(app, "v2_1.flavors_extra_specs", "unset_flavor_extra_specs", "DELETE", f"{specs}/a")
    flavor = {"flavor": {"name": "t", "ram": 64, "vcpus": 1, "disk": 1}}
    check(app, "v2_1.flavors", "create_update_get_flavor_details", "POST", "/flavors", flavor)
    check(app, "v2_1.flavors", "list_flavors", "GET", "/flavors?minRam=100")
    check(app, "v2_1.flavors", "list_flavors_details", "GET", "/flavors/detail?minDisk=2")
    check(app, "v2_1.flavors", "delete_flavor", "DELETE", "/flavors/42")
    check(app, "v2_1.limits", "get_limit", "GET", "/limits")
    check(app, "v2_57.limits", "get_limit", "GET", "/limits", None, "2.57")
    for module, version in (("v2_1", "2.1"), ("v2_57", "2.57")):
        check(app, f"{module}.quotas", "get_quota_set", "GET", f"/os-quota-sets/{PROJECT}", None, version)
        check(
            app, f"{module}.quotas", "get_quota_set_details", "GET", f"/os-quota-sets/{PROJECT}/detail", None, version
        )
        update = {"quota_set": {"cores": 30}}
        check(app, f"{module}.quotas", "update_quota_set", "PUT", f"/os-quota-sets/{PROJECT}", update, version)
    check(app, "v2_1.quotas", "get_quota_set", "GET", f"/os-quota-sets/{PROJECT}/defaults")
    check(app, "v2_1.quotas", "delete_quota", "DELETE", f"/os-quota-sets/{PROJECT}")
    check(app, "v2_1.availability_zone", "list_availability_zone_list", "GET", "/os-availability-zone")
    check(app, "v2_1.availability_zone", "list_availability_zone_list_detail", "GET", "/os-availability-zone/detail")
    group = {"server_group": {"name": "g", "policies": ["affinity"]}}
    gid = check(app, "v2_1.server_groups", "create_show_server_group", "POST", "/os-server-groups", group)[
        "server_group"
    ]["id"]
    for module, version in (("v2_1", "2.1"), ("v2_13", "2.13"), ("v2_64", "2.64")):
        check(
            app, f"{module}.server_groups", "create_show_server_group", "GET", f"/os-server-groups/{gid}", None, version
        )
        check(app, f"{module}.server_groups", "list_server_groups", "GET", "/os-server-groups", None, version)
    check(app, "v2_1.server_groups", "delete_server_group", "DELETE", f"/os-server-groups/{gid}")


def test_instance_actions_migrations_and_server_shapes(app: ComputeApp) -> None:
    """instance actions (2.1 to 2.84), migrations (2.1 to 2.80), server show/detail/update/rebuild per version."""
    sid = app.cloud.seed("active", networks="auto")
    call(app, "POST", f"/servers/{sid}/action", {"os-stop": None})
    app.cloud.settle()
    check(app, "v2_1.servers", "list_instance_actions", "GET", f"/servers/{sid}/os-instance-actions")
    check(app, "v2_58.servers", "list_instance_actions", "GET", f"/servers/{sid}/os-instance-actions", None, "2.58")
    request_id = call(app, "GET", f"/servers/{sid}/os-instance-actions").json["instanceActions"][0]["request_id"]
    for module, version in (
        ("v2_1", "2.1"),
        ("v2_51", "2.51"),
        ("v2_58", "2.58"),
        ("v2_62", "2.62"),
        ("v2_84", "2.84"),
    ):
        path = f"/servers/{sid}/os-instance-actions/{request_id}"
        check(app, f"{module}.servers", "show_instance_action", "GET", path, None, version)
    call(app, "POST", f"/servers/{sid}/action", {"os-start": None})
    app.cloud.settle()
    call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": "2"}})
    app.cloud.settle()
    for module, version in (("v2_1", "2.1"), ("v2_23", "2.23"), ("v2_59", "2.59"), ("v2_80", "2.80")):
        check(app, f"{module}.migrations", "list_migrations", "GET", "/os-migrations", None, version)
    call(app, "POST", f"/servers/{sid}/action", {"confirmResize": None})
    app.cloud.settle()
    versions = ("2.1", "2.26", "2.47", "2.57", "2.63", "2.71", "2.73", "2.75", "2.96", "2.98", "2.100")
    for version in versions:
        module = "v" + version.replace(".", "_")
        check(app, f"{module}.servers", "get_server", "GET", f"/servers/{sid}", None, version)
        check(app, f"{module}.servers", "list_servers_detail", "GET", "/servers/detail", None, version)
        check(app, f"{module}.servers", "update_server", "PUT", f"/servers/{sid}", {"server": {"name": "n"}}, version)
        rebuild = {"rebuild": {"imageRef": CIRROS_ID}}
        check(
            app,
            f"{module}.servers",
            "rebuild_server_with_admin_pass",
            "POST",
            f"/servers/{sid}/action",
            rebuild,
            version,
        )
        app.cloud.settle()
