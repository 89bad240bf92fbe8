"""The fake cloud driven by python-novaclient's ``nova`` command, logged in with a password.

``nova`` finds Compute in the fake Keystone's catalog, resolves ``--image NAME``
through Glance and ``--nic net-name=NAME`` through Neutron, and prints Nova's
409 message for an illegal request.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _helpers import FAST_WALL, environment_without_os_variables

from lifecycle.api import serve_in_thread
from lifecycle.api.serve import FakeCompute

NOVA = Path(sys.executable).parent / "nova"
pytestmark = pytest.mark.skipif(
    not NOVA.exists(), reason="python-novaclient is not installed: pip install python-novaclient"
)


def nova(fake: FakeCompute, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    auth = fake.auth("demo")["auth"]
    env = environment_without_os_variables()
    env.update(
        HOME=str(tmp_path),
        OS_AUTH_URL=auth["auth_url"],
        OS_USERNAME=auth["username"],
        OS_PASSWORD=auth["password"],
        OS_PROJECT_NAME=auth["project_name"],
        OS_USER_DOMAIN_NAME="Default",
        OS_PROJECT_DOMAIN_NAME="Default",
        OS_IDENTITY_API_VERSION="3",
    )
    return subprocess.run([str(NOVA), *args], env=env, capture_output=True, text=True, timeout=60)


def test_nova_boots_by_names_and_walks_the_lifecycle(tmp_path: Path) -> None:
    """nova boot --image NAME --nic net-name=NAME --poll, list, stop, a refused reboot, delete."""
    with serve_in_thread(**FAST_WALL) as fake:
        booted = nova(
            fake,
            tmp_path,
            "boot",
            "--image",
            "cirros-0.6.2-x86_64-disk",
            "--flavor",
            "m1.tiny",
            "--nic",
            "net-name=private",
            "--poll",
            "vm1",
        )
        assert booted.returncode == 0, booted.stderr
        (server,) = fake.cloud.records()
        assert (server.server.status, server.project_id) == ("ACTIVE", fake.cloud.accounts.project("demo").id)
        listed = nova(fake, tmp_path, "list")
        assert "vm1" in listed.stdout
        assert "private=10.0." in listed.stdout  # addresses keyed by network name
        assert nova(fake, tmp_path, "stop", "vm1").returncode == 0
        fake.cloud.settle()
        assert fake.cloud.server(server.id).status == "SHUTOFF"
        refused = nova(fake, tmp_path, "reboot", "vm1")
        assert refused.returncode == 1
        assert "Unable to reboot the specified server(s)." in refused.stderr
        assert f"Cannot 'reboot' instance {server.id} while it is in vm_state stopped (HTTP 409)" in refused.stdout
        assert nova(fake, tmp_path, "delete", "vm1").returncode == 0
        fake.cloud.settle()
        assert len(fake.cloud) == 0
