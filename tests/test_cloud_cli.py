"""The whole fake cloud driven by the real ``openstack`` CLI with a clouds.yaml and password auth.

Nothing points the CLI at the fake but the clouds.yaml ``lifecycle serve
--print-clouds-yaml`` writes: it logs in to the fake Keystone, finds Nova,
Glance and Neutron in the catalog and resolves ``--image NAME`` and
``--network NAME`` there, as it would on a real cloud. The commands run in one
``openstack`` process (its interactive mode reads stdin) to pay its start-up once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _helpers import FAST_WALL, OPENSTACK, environment_without_os_variables, json_documents, run_openstack

from lifecycle.api import serve_in_thread
from lifecycle.api.accounts import Accounts

pytestmark = pytest.mark.skipif(
    not OPENSTACK.exists(), reason="python-openstackclient is not installed: pip install python-openstackclient"
)


def test_cli_creates_by_image_and_network_name_and_walks_the_lifecycle(tmp_path: Path) -> None:
    """server create --image NAME --network NAME --wait, then list/show/stop/start/delete, as a member."""
    with serve_in_thread(**FAST_WALL) as fake:
        done = run_openstack(
            fake,
            tmp_path,
            "lifecycle-demo",
            [
                "image list -f json",
                "network list -f json",
                "server create --image cirros-0.6.2-x86_64-disk --network private --flavor m1.tiny --wait vm1 -f json",
                "server list -f json",
                "server stop vm1",
                "server show vm1 -f json",
                "server start vm1",
                "server show vm1 -f json",
                "server delete --wait vm1",
                "server list -f json",
            ],
        )
        docs = json_documents(done.stdout)
        assert len(docs) == 7, done.stderr
        images, networks, created, listed, stopped, started, after = docs
        assert [i["Name"] for i in images] == ["cirros-0.6.2-x86_64-disk", "cirros-0.6.2-x86_64-disk-alt"]
        assert sorted(n["Name"] for n in networks) == ["private", "public"]
        assert (created["name"], created["status"], created["OS-EXT-STS:vm_state"]) == ("vm1", "ACTIVE", "active")
        assert "private" in str(created["addresses"])  # keyed by network name, as Nova's view
        assert [(s["Name"], s["Status"], s["Image"]) for s in listed] == [("vm1", "ACTIVE", "cirros-0.6.2-x86_64-disk")]
        assert (stopped["status"], stopped["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)
        assert (started["status"], started["OS-EXT-STS:power_state"]) == ("ACTIVE", 1)
        assert after == []
        demo = fake.cloud.accounts.project("demo").id
        assert created["project_id"] == demo
        assert "Exception" not in done.stderr, done.stderr


def test_cli_member_gets_nova_403_and_other_projects_404(tmp_path: Path) -> None:
    """A member's live migration is Nova's policy 403; another project's server is not found; admin lists all."""
    with serve_in_thread() as fake:
        cloud = fake.cloud
        mine = cloud.seed("active", name="mine", project_id=cloud.accounts.project("demo").id)
        cloud.seed("active", name="theirs", project_id=cloud.accounts.project("alt_demo").id)
        member = run_openstack(
            fake,
            tmp_path,
            "lifecycle-demo",
            ["server list -n -f json", f"server migrate --live-migration {mine}", "server show theirs"],
        )
        (listed,) = json_documents(member.stdout)
        assert [s["Name"] for s in listed] == ["mine"]
        assert "ForbiddenException: 403" in member.stderr
        assert "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live to be performed." in member.stderr
        assert "No Server found for theirs" in member.stderr
        admin = run_openstack(fake, tmp_path, "lifecycle", ["server list -n --all-projects -f json"])
        (everything,) = json_documents(admin.stdout)
        assert sorted(s["Name"] for s in everything) == ["mine", "theirs"]


def test_print_clouds_yaml_serves_a_cloud_the_cli_logs_in_to(tmp_path: Path) -> None:
    """`lifecycle serve --print-clouds-yaml` prints a clouds.yaml the real CLI uses as is."""
    command = [sys.executable, "-m", "lifecycle", "serve", "--port", "0", "--pace", "instant"]
    with subprocess.Popen(
        [*command, "--print-clouds-yaml", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as serve:
        try:
            _log_in_with_printed_clouds_yaml(serve, tmp_path)
        finally:
            serve.terminate()
            serve.wait(timeout=10)


def _log_in_with_printed_clouds_yaml(serve: subprocess.Popen[str], tmp_path: Path) -> None:
    assert serve.stdout is not None
    lines: list[str] = []
    while sum(line.strip().startswith("interface:") for line in lines) < 3 and len(lines) < 100:
        line = serve.stdout.readline()  # one cloud per default user, each ending with its interface
        if not line:
            break
        lines.append(line)
    config = tmp_path / "clouds.yaml"
    config.write_text("".join(lines), encoding="utf-8")
    env = environment_without_os_variables()
    env.update(OS_CLIENT_CONFIG_FILE=str(config), HOME=str(tmp_path))
    done = subprocess.run(
        [str(OPENSTACK), "--os-cloud", "lifecycle-alt_demo", "token", "issue", "-f", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    token = json.loads(done.stdout)
    assert len(token["id"]) == 64, done.stderr
    project = Accounts().project_by_name("alt_demo")
    assert project is not None
    assert token["project_id"] == project.id
