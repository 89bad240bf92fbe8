"""The fake cloud driven by Ansible's ``openstack.cloud`` collection, run twice for idempotence.

``ansible-playbook`` reads the fake's clouds.yaml like any real cloud's; the
playbook creates a server by image, flavor and network name, stops it with
``server_action`` and reads it back with ``server_info``. The second run must
change nothing: ``openstack.cloud.server`` reads the server's security groups
(``/servers/{id}/os-security-groups``) and ports to decide that.

The collection comes from the PyPI ``ansible`` package (Galaxy is not reachable
from CI): ``scripts/_setup`` extracts ``ansible_collections/openstack/cloud``
from its wheel into ``.cache/ansible`` and puts ``ansible-core`` in its own
venv (``.cache/ansible-venv``) with openstacksdk 4.14.0, the newest the
collection's version check can read (it uses ``openstack.version``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from _helpers import FAST_WALL

from lifecycle.api import serve_in_thread
from lifecycle.api.serve import FakeCompute

CACHE = Path(__file__).parents[1] / ".cache"
VENV = Path(os.environ.get("LIFECYCLE_ANSIBLE_VENV", CACHE / "ansible-venv"))
PLAYBOOK_BIN = VENV / "bin" / "ansible-playbook"
COLLECTIONS = Path(os.environ.get("LIFECYCLE_ANSIBLE_COLLECTIONS", CACHE / "ansible"))
pytestmark = [
    pytest.mark.skipif(not PLAYBOOK_BIN.exists(), reason=f"no ansible-core venv at {VENV} (scripts/_setup makes it)"),
    pytest.mark.skipif(
        not (COLLECTIONS / "ansible_collections" / "openstack" / "cloud").is_dir(),
        reason=f"the openstack.cloud collection is not in {COLLECTIONS} (scripts/_setup extracts it)",
    ),
]

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    cloud: lifecycle-demo
  tasks:
    - name: a server, by names
      openstack.cloud.server:
        cloud: "{{ cloud }}"
        name: web
        image: cirros-0.6.2-x86_64-disk
        flavor: m1.tiny
        network: private
        security_groups: [default]  # the module removes every group not listed here
        auto_ip: false
        wait: true
        timeout: 60
      register: created
    - name: stopped
      openstack.cloud.server_action:
        cloud: "{{ cloud }}"
        server: web
        action: stop
        wait: true
        timeout: 60
      register: stopped
    - name: read back
      openstack.cloud.server_info:
        cloud: "{{ cloud }}"
        name: web
      register: info
    - name: record
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ {'created': created.changed, 'stopped': stopped.changed, 'servers': info.servers} | to_json }}"
"""


def play(fake: FakeCompute, tmp_path: Path, run: int) -> dict[str, Any]:
    config = tmp_path / "clouds.yaml"
    config.write_text(fake.clouds_yaml(), encoding="utf-8")
    book = tmp_path / "play.yml"
    book.write_text(PLAYBOOK, encoding="utf-8")
    out = tmp_path / f"run{run}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "ANSIBLE_"))}
    env.update(
        HOME=str(tmp_path),
        OS_CLIENT_CONFIG_FILE=str(config),
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
        ANSIBLE_PYTHON_INTERPRETER=str(VENV / "bin" / "python"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    done = subprocess.run(
        [str(PLAYBOOK_BIN), "-i", "localhost,", "-c", "local", "-e", f"out={out}", str(book)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(out.read_text(encoding="utf-8")))


def test_ansible_server_action_info_twice_is_idempotent(tmp_path: Path) -> None:
    """First run creates and stops; the second changes nothing and sees the same stopped server."""
    with serve_in_thread(**FAST_WALL) as fake:
        first = play(fake, tmp_path, 1)
        assert (first["created"], first["stopped"]) == (True, True)
        (server,) = first["servers"]
        assert (server["name"], server["status"]) == ("web", "SHUTOFF")
        assert server["project_id"] == fake.cloud.accounts.project("demo").id
        assert sorted(server["addresses"]) == ["private"]
        writes = [entry for entry in fake.app.log if entry[0] != "GET"]
        second = play(fake, tmp_path, 2)
        assert (second["created"], second["stopped"]) == (False, False)
        assert [entry for entry in fake.app.log if entry[0] != "GET"] == writes  # nothing asked of Nova
        assert [s["id"] for s in second["servers"]] == [server["id"]]
        assert len(fake.cloud) == 1
