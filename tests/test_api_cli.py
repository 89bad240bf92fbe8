"""The fake Compute API driven by the real ``openstack`` CLI (python-openstackclient).

The commands run in one ``openstack`` process (its interactive mode reads them
from stdin), so the CLI's ~1.3 s start-up is paid once.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from _helpers import environment_without_os_variables, json_documents

from lifecycle.api import serve_in_thread

OPENSTACK = shutil.which("openstack")
pytestmark = pytest.mark.skipif(
    OPENSTACK is None, reason="python-openstackclient is not installed: pip install python-openstackclient"
)


def test_cli_list_show_reboot_stop_start_delete() -> None:
    """openstack server list/show/reboot/stop/start/delete work against the fake; a 409 prints Nova's message."""
    assert OPENSTACK is not None
    with serve_in_thread(pace="manual") as fake:
        cloud = fake.cloud
        web = cloud.seed("active", name="web")
        db = cloud.seed("active", name="db")
        cold = cloud.seed("stopped", name="cold")
        doomed = cloud.seed("active", name="doomed")
        env = environment_without_os_variables()
        env.update(OS_AUTH_TYPE="none", OS_ENDPOINT=fake.url, OS_IDENTITY_API_VERSION="3")
        script = "\n".join(
            [
                "server list -n -f json",
                "server show web -f json",
                f"server reboot --hard {web}",
                f"server stop {db}",
                f"server start {cold}",
                f"server delete {doomed}",
                f"server start {web}",  # refused: web is rebooting
            ]
        )
        done = subprocess.run([OPENSTACK], input=script + "\n", env=env, capture_output=True, text=True, timeout=60)
        listed, shown = json_documents(done.stdout)
        assert {row["Name"]: row["Status"] for row in listed} == {
            "web": "ACTIVE",
            "db": "ACTIVE",
            "cold": "SHUTOFF",
            "doomed": "ACTIVE",
        }
        assert (shown["id"], shown["OS-EXT-STS:vm_state"], shown["flavor"]["original_name"]) == (
            web,
            "active",
            "m1.tiny",
        )
        assert f"Cannot 'start' instance {web} while it is in vm_state active" in done.stderr
        assert done.stderr.count("Exception") == 1, done.stderr
        tasks = {sid: cloud.server(sid).task_state for sid in (web, db, cold, doomed)}
        assert tasks == {web: "rebooting_hard", db: "powering-off", cold: "powering-on", doomed: "deleting"}
        cloud.settle()
        assert [cloud.server(sid).status for sid in (web, db, cold)] == ["ACTIVE", "SHUTOFF", "ACTIVE"]
        assert len(cloud) == 3
