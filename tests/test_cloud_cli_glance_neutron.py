"""The ``openstack`` CLI drives the fake Glance and Neutron beyond listing: image set/unset/save, quotas, ports.

One CLI process per user (its interactive mode reads the commands from
stdin) with the clouds.yaml of ``lifecycle serve`` and password auth. What the
commands must show comes from Glance (``image save`` checks the downloaded
bytes against ``checksum``, the md5 Glance keeps; a ``shared`` image is only
its owner's, a ``community`` one is everyone's but absent from other projects'
default lists: ``glance/db/utils.py:is_image_visible``,
``glance/db/sqlalchemy/api.py:_image_get_all``), Neutron (``neutron/conf/quota.py``
defaults) and Nova (a server booted on a port only unbinds it when deleted).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from _helpers import FAST_WALL, OPENSTACK, json_documents, run_openstack

from lifecycle.api import serve_in_thread

pytestmark = pytest.mark.skipif(
    not OPENSTACK.exists(), reason="python-openstackclient is not installed: pip install python-openstackclient"
)


def test_cli_image_update_save_visibility_quota_and_ports(tmp_path: Path) -> None:
    data = bytes(range(256)) * 64
    (tmp_path / "img.raw").write_bytes(data)
    out = tmp_path / "out.raw"
    with serve_in_thread(**FAST_WALL) as fake:
        done = run_openstack(
            fake,
            tmp_path,
            "lifecycle-demo",
            [
                f"image create --file {tmp_path / 'img.raw'} --disk-format raw --tag t1 --property os_distro=cirros "
                "img1 -f json",
                "image create --disk-format raw mine -f json",
                "image set --property hw_disk_bus=scsi --name img2 --tag t2 img1",
                "image unset --property os_distro --tag t1 img2",
                "image set --community img2",
                "image show img2 -f json",
                f"image save --file {out} img2",
                "quota show -f json",
                "port create --network private p1 -f json",
                "server create --image img2 --nic port-id=p1 --flavor m1.tiny --wait vm1 -f json",
                "port show p1 -f json",
                "server delete --wait vm1",
                "port show p1 -f json",
                "port delete p1",
                "port list -f json",
            ],
        )
        docs = json_documents(done.stdout)
        assert len(docs) == 9, done.stderr
        created, mine, shown, quotas, port, server, bound, unbound, ports = docs
        assert created["tags"] == ["t1"]
        assert (shown["name"], shown["tags"], shown["visibility"]) == ("img2", ["t2"], "community")
        assert shown["properties"]["hw_disk_bus"] == "scsi"
        assert "os_distro" not in shown["properties"]
        assert (shown["size"], shown["checksum"]) == (len(data), hashlib.md5(data, usedforsecurity=False).hexdigest())
        assert out.read_bytes() == data
        limits = {q["Resource"]: q["Limit"] for q in quotas}
        expected = {  # the SDK's names for Neutron's network, subnet, port, router, floatingip, security_group...
            "networks": 100,
            "subnets": 100,
            "ports": 500,
            "routers": 10,
            "floating_ips": 50,
            "security_groups": 10,
            "security_group_rules": 100,
            "rbac_policies": 10,
            "subnet_pools": -1,
        }
        assert {k: limits.get(k) for k in expected} == expected, sorted(limits.items())
        assert limits["instances"] == 10  # Nova's own, beside them
        assert (port["name"], port["status"], port["device_id"]) == ("p1", "DOWN", "")
        address = port["fixed_ips"][0]["ip_address"]
        assert address in str(server["addresses"])
        assert (bound["device_id"], bound["status"]) == (server["id"], "ACTIVE")
        assert (unbound["device_id"], unbound["status"]) == ("", "DOWN")
        assert ports == []
        assert "Traceback" not in done.stderr, done.stderr

        other = run_openstack(
            fake,
            tmp_path,
            "lifecycle-alt_demo",
            [
                "image list -f json",
                "image list --community -f json",
                "image show img2",  # by name: the name lookup lists, and the list leaves it out (as Glance)
                f"image show {created['id']} -f json",  # by id: community images are everyone's
                f"server create --image {mine['id']} --network private --flavor m1.tiny vm2",
            ],
        )
        assert len(json_documents(other.stdout)) == 3, (other.stdout, other.stderr)
        listed, community, seen = json_documents(other.stdout)
        assert "img2" not in [i["Name"] for i in listed]
        assert "mine" not in [i["Name"] for i in listed]
        assert [i["Name"] for i in community] == ["img2"]
        assert seen["id"] == created["id"]
        assert other.stderr.count(f"No Image found for {mine['id']}") == 1, other.stderr  # shared: the owner's
        assert other.stderr.count("No Image found for img2") == 1, other.stderr
