"""The ``openstack`` CLI meets the compute fixes a reviewer asked for: server groups across projects, sorting.

Two CLI processes (their interactive mode reads the commands from stdin), as
``alt_demo`` then ``demo``, with the clouds.yaml of ``lifecycle serve``. Expected
words are Nova's (``objects/instance_group.py`` scoping, ``servers.py`` create's
400 ``Instance group X could not be found.``, ``server_groups.py`` index).
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from _helpers import FAST_WALL, environment_without_os_variables, json_documents

from lifecycle.api import serve_in_thread
from lifecycle.api.pytest_plugin import connect_as
from lifecycle.api.serve import FakeCompute

OPENSTACK = Path(sys.executable).parent / "openstack"
pytestmark = pytest.mark.skipif(
    not OPENSTACK.exists(), reason="python-openstackclient is not installed: pip install python-openstackclient"
)
IMAGE = "--image cirros-0.6.2-x86_64-disk --network private --flavor m1.tiny"


def run(fake: FakeCompute, tmp_path: Path, cloud: str, commands: list[str]) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "clouds.yaml"
    config.write_text(fake.clouds_yaml(), encoding="utf-8")
    env = environment_without_os_variables()
    env.update(OS_CLIENT_CONFIG_FILE=str(config), OS_CLOUD=cloud, HOME=str(tmp_path), OS_COMPUTE_API_VERSION="2.64")
    return subprocess.run(
        [str(OPENSTACK)], input="\n".join(commands) + "\n", env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_group_hint_of_another_project_and_member_all_projects(tmp_path: Path) -> None:
    with serve_in_thread(**FAST_WALL) as fake:
        alt = run(fake, tmp_path, "lifecycle-alt_demo", ["server group create --policy anti-affinity theirs -f json"])
        (theirs,) = json_documents(alt.stdout)
        done = run(
            fake,
            tmp_path,
            "lifecycle-demo",
            [
                "server group create --policy affinity mine -f json",
                f"server create {IMAGE} --hint group={theirs['id']} vm0",
                "server group list --all-projects -f json",
                f"server create {IMAGE} --wait vm-b -f json",
                f"server create {IMAGE} --wait vm-a -f json",
            ],
        )
        # openstacksdk sends sort_key/sort_dir as query parameters (the CLI sorts on its side)
        with warnings.catch_warnings():  # openstacksdk warns about its own deprecated internals
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            conn = connect_as(fake, "demo")
            by_name = [s.name for s in conn.compute.servers(sort_key="display_name", sort_dir="asc")]
            newest_first = [s.name for s in conn.compute.servers()]
    mine, listed, _, _ = json_documents(done.stdout)
    assert f"/v2.1/servers, Instance group {theirs['id']} could not be found." in done.stderr
    assert [g["ID"] for g in listed] == [mine["id"]]  # a member's all_projects is ignored (200, own groups)
    assert (by_name, newest_first) == (["vm-a", "vm-b"], ["vm-a", "vm-b"])
    assert "vm0" not in by_name
