"""The ``openstack`` CLI meets Nova's create and rebuild refusals on the fake: unknown zone, group policy, key.

One CLI process (its interactive mode reads the commands from stdin) at
microversion 2.90, logged in as the member ``demo`` with the clouds.yaml of
``lifecycle serve``. Expected words are Nova's (``compute/api.py:API.create``,
``servers.py:_action_rebuild``, the conductor's NoValidHost).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _helpers import FAST_WALL, environment_without_os_variables, json_documents

from lifecycle.api import serve_in_thread

OPENSTACK = Path(sys.executable).parent / "openstack"
pytestmark = pytest.mark.skipif(
    not OPENSTACK.exists(), reason="python-openstackclient is not installed: pip install python-openstackclient"
)
IMAGE = "--image cirros-0.6.2-x86_64-disk --network private --flavor m1.tiny"


def test_cli_zone_group_and_rebuild_key_refusals(tmp_path: Path) -> None:
    with serve_in_thread(**FAST_WALL) as fake:
        config = tmp_path / "clouds.yaml"
        config.write_text(fake.clouds_yaml(), encoding="utf-8")
        env = environment_without_os_variables()
        env.update(
            OS_CLIENT_CONFIG_FILE=str(config),
            OS_CLOUD="lifecycle-demo",
            HOME=str(tmp_path),
            OS_COMPUTE_API_VERSION="2.90",
        )
        commands = [
            f"server create {IMAGE} --availability-zone nowhere vm0",
            "server group create --policy anti-affinity g -f json",
            f"server create {IMAGE} --server-group g --min 3 --max 3 vmg -f json",
            "server list -f json -c Name -c Status",
            f"server create {IMAGE} --wait vm1 -f json",
            "server rebuild --image cirros-0.6.2-x86_64-disk --key-name nope vm1",
        ]
        done = subprocess.run(
            [str(OPENSTACK)], input="\n".join(commands) + "\n", env=env, capture_output=True, text=True, timeout=120
        )
    group, _, listed, created = json_documents(done.stdout)
    assert "BadRequestException: 400: Client Error for url: " in done.stderr
    assert "/v2.1/servers, The requested availability zone is not available" in done.stderr
    assert group["policy"] == "anti-affinity"
    # three servers of one anti-affinity request on two hosts: the scheduler fails them all
    assert sorted((s["Name"], s["Status"]) for s in listed) == [(f"vmg-{n}", "ERROR") for n in (1, 2, 3)]
    assert created["status"] == "ACTIVE"
    assert "/action, Invalid key_name provided." in done.stderr
