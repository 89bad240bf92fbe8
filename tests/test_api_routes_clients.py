"""The compute routes beyond /servers driven by the real clients: openstacksdk and the ``openstack`` CLI.

The CLI commands run in one ``openstack`` process (its interactive mode reads
them from stdin), so its start-up is paid once.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from _helpers import environment_without_os_variables, json_documents

from lifecycle.api import serve_in_thread
from lifecycle.api.images import CIRROS_ID

openstack = pytest.importorskip(
    "openstack", reason="openstacksdk is not installed: pip install 'server-lifecycle[sdk]'"
)

FAST = {"interval": 0.001, "wait": 10}
PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0l"
    "RE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcp"
    "SxsIbECHw== Generated-by-Nova"
)
"""doc/api_samples/os-keypairs/keypairs-import-post-req.json (fingerprint in keypairs-import-post-resp.json)."""
SAMPLE_FINGERPRINT = "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c"


def boot(conn: Any, **extra: Any) -> Any:
    server = conn.compute.create_server(name="vm1", image_id=CIRROS_ID, flavor_id="1", networks="auto", **extra)
    return conn.compute.wait_for_server(server, **FAST)


def test_sdk_metadata_tags_keypairs(openstack_connection: Any) -> None:
    """set/get/delete metadata, tags, keypair import/list/show/delete, and 400 on an unknown key_name."""
    compute = openstack_connection.compute
    server = boot(openstack_connection)
    assert compute.set_server_metadata(server, a="1", b="2").metadata == {"a": "1", "b": "2"}
    compute.delete_server_metadata(server, ["a"])
    assert compute.get_server_metadata(server).metadata == {"b": "2"}
    server.add_tag(compute, "blue")
    server.set_tags(compute, ["x", "y"])
    assert compute.get_server(server).tags == ["x", "y"]
    pair = compute.create_keypair(name="k1", public_key=PUBLIC_KEY)
    assert pair.fingerprint == SAMPLE_FINGERPRINT
    assert [k.name for k in compute.keypairs()] == ["k1"]
    assert compute.get_keypair("k1").fingerprint == SAMPLE_FINGERPRINT
    with pytest.raises(openstack.exceptions.BadRequestException, match=r"Invalid key_name provided\."):
        compute.create_server(name="vm2", image_id=CIRROS_ID, flavor_id="1", networks="none", key_name="nope")
    assert boot(openstack_connection, key_name="k1").key_name == "k1"
    compute.delete_keypair("k1")
    with pytest.raises(openstack.exceptions.NotFoundException):
        compute.get_keypair("k1")


def test_sdk_actions_migrations_groups_and_consoles(openstack_connection: Any) -> None:
    """server_actions with events, migrations of a resize, server groups with the hint, consoles, ips, volumes."""
    conn = openstack_connection
    compute = conn.compute
    group = compute.create_server_group(name="g", policy="anti-affinity", rules={"max_server_per_host": 2})
    server = boot(conn, scheduler_hints={"group": group.id})
    assert compute.get_server_group(group).member_ids == [server.id]
    compute.resize_server(server, "2")
    compute.wait_for_server(compute.get_server(server), status="VERIFY_RESIZE", **FAST)
    assert [a.action for a in compute.server_actions(server)] == ["resize", "create"]
    resize = next(iter(compute.server_actions(server)))
    events = compute.get_server_action(resize.request_id, server).events
    assert [e.event for e in events][-1] == "compute_finish_resize"
    assert {e.result for e in events} == {"Success"}
    assert [(m.status, m.migration_type) for m in compute.migrations()] == [("finished", "resize")]
    assert "login:" in compute.get_server_console_output(server)["output"]
    console = compute.create_server_remote_console(server, protocol="vnc", type="novnc")
    assert console.url.startswith("http://")
    assert list(compute.volume_attachments(server)) == []
    assert [ip.network_label for ip in compute.server_ips(server)] == ["private"]
    compute.delete_server_group(group)
    assert [g.name for g in compute.server_groups()] == []


def test_sdk_flavors_limits_quotas_zones(openstack_connection: Any) -> None:
    """Admin flavor create with extra specs, flavor filters, limits, quota set and its update, zones."""
    compute = openstack_connection.compute
    flavor = compute.create_flavor(name="f1", ram=64, vcpus=1, disk=0, id="77")
    assert compute.create_flavor_extra_specs(flavor, {"hw:cpu_policy": "dedicated"}).extra_specs == {
        "hw:cpu_policy": "dedicated"
    }
    assert compute.get_flavor_extra_specs_property(flavor, "hw:cpu_policy") == "dedicated"
    assert [f.name for f in compute.flavors(min_ram=8192)] == ["m1.large", "m1.xlarge"]
    compute.delete_flavor(flavor)
    limits = compute.get_limits()
    assert (limits.absolute.instances, limits.absolute.server_meta) == (10, 128)
    project = "6f70656e737461636b20342065766572"
    compute.update_quota_set(project, cores=40)
    assert compute.get_quota_set(project).cores == 40
    assert [z.name for z in compute.availability_zones()] == ["nova"]


def test_sdk_create_past_the_instances_quota(openstack_connection: Any) -> None:
    """The SDK raises Nova's 403 with its TooManyInstances text (compute/utils.py check_num_instances_quota)."""
    compute = openstack_connection.compute
    compute.update_quota_set("6f70656e737461636b20342065766572", instances=1)
    boot(openstack_connection)
    with pytest.raises(openstack.exceptions.ForbiddenException) as refused:
        boot(openstack_connection)
    assert "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances" in str(refused.value)
    assert len(list(compute.servers())) == 1


@pytest.mark.skipif(shutil.which("openstack") is None, reason="python-openstackclient is not installed")
def test_cli_routes(tmp_path: Path) -> None:
    """server set/unset --property/--tag, keypair, flavor create/show/delete, server group, events, consoles."""
    command = shutil.which("openstack")
    assert command is not None
    key = tmp_path / "k.pub"
    key.write_text(PUBLIC_KEY + "\n")
    with serve_in_thread(pace="manual") as fake:
        fake.cloud.seed("active", name="web", networks="auto")
        env = environment_without_os_variables()
        env.update(OS_AUTH_TYPE="none", OS_ENDPOINT=fake.url, OS_IDENTITY_API_VERSION="3")
        env.update(OS_COMPUTE_API_VERSION="2.100")
        script = [
            "server set --property a=1 --property b=2 --tag blue web",
            "server unset --property a web",
            "server show web -f json -c properties -c tags",
            f"keypair create --public-key {key} k1 -f json",
            "keypair list -f json",
            "keypair delete k1",
            "flavor create --ram 64 --disk 1 --vcpus 1 --id 77 --property a=b f1 -f json",
            "flavor delete f1",
            "server group create --policy affinity g -f json",
            "server group list -f json",
            "server set --property c=3 web",
            "server event list web -f json",
            "console log show web",
            "console url show web -f json",
            "server volume list web -f json",
            "keypair show k1",  # deleted: a 404
        ]
        done = subprocess.run(
            [command], input="\n".join(script) + "\n", env=env, capture_output=True, text=True, timeout=120
        )
    docs = json_documents(done.stdout.split("[    0.000000]")[0])
    shown, made, listed, flavor, group, groups, events = docs
    assert (shown["properties"], shown["tags"]) == ({"b": "2"}, ["blue"])
    assert (made["fingerprint"], [k["Name"] for k in listed]) == (SAMPLE_FINGERPRINT, ["k1"])
    assert (flavor["id"], flavor["properties"]) == ("77", {"a": "b"})
    assert (group["policy"], [g["Name"] for g in groups]) == ("affinity", ["g"])
    assert events == []  # seeded servers were never asked to do anything; metadata changes are not actions
    tail = json_documents(done.stdout.split("power_state=1", 1)[1])
    assert tail[0]["protocol"] == "vnc"
    assert tail[1] == []
    assert "login:" in done.stdout
    assert done.stderr == "No Keypair found for k1\n"  # the CLI's wording of our 404
