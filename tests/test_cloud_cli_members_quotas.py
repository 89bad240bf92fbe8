"""The ``openstack`` CLI shares an image with another project and meets Neutron's port quota.

What the commands must show comes from the services: a new member is
``pending`` and the image stays out of the member's list until it accepts
(``glance/domain/__init__.py:ImageMemberFactory``, ``glance/db/sqlalchemy/api.py``
``_select_images_query`` with ``member_status`` ``accepted``); a port past the
quota is Neutron's 409 ``Quota exceeded for resources: ['port'].``
(``neutron_lib/exceptions:OverQuota``) and a server that would need one Nova's
403 ``Maximum number of ports exceeded`` (``nova/exception.py:PortLimitExceeded``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import FAST_WALL, OPENSTACK, json_documents, run_openstack

from lifecycle.api import serve_in_thread

pytestmark = pytest.mark.skipif(
    not OPENSTACK.exists(), reason="python-openstackclient is not installed: pip install python-openstackclient"
)


def test_cli_image_members_and_port_quota(tmp_path: Path) -> None:
    with serve_in_thread(**FAST_WALL) as fake:
        alt = fake.cloud.accounts.project("alt_demo").id
        owner = run_openstack(
            fake,
            tmp_path,
            "lifecycle-demo",
            [
                "image create --disk-format raw golden -f json",
                f"image add project golden {alt} -f json",
                "image member list golden -f json",
            ],
        )
        image, member, members = json_documents(owner.stdout)
        assert (member["member_id"], member["status"], image["visibility"]) == (alt, "pending", "shared")
        assert [(m["Member ID"], m["Status"]) for m in members] == [(alt, "pending")]
        shared = run_openstack(
            fake,
            tmp_path,
            "lifecycle-alt_demo",
            [
                "image list -f json",
                "image show golden",  # by name: not in the list while pending
                f"image set --accept {image['id']}",
                "image list -f json",
                "image show golden -f json",
            ],
        )
        pending, accepted, shown = json_documents(shared.stdout)
        assert "golden" not in [i["Name"] for i in pending]
        assert "golden" in [i["Name"] for i in accepted]
        assert shown["id"] == image["id"]
        assert shared.stderr.count("No Image found for golden") == 1, shared.stderr
        run_openstack(fake, tmp_path, "lifecycle", ["quota set --ports 1 demo"])
        full = run_openstack(
            fake,
            tmp_path,
            "lifecycle-demo",
            [
                "port create --network private p1 -f json",
                "port create --network private p2 -f json",
                "server create --image cirros-0.6.2-x86_64-disk --network private --flavor m1.tiny vm -f json",
            ],
        )
        assert [p["name"] for p in json_documents(full.stdout)] == ["p1"]
        assert "Quota exceeded for resources: ['port']." in full.stderr, full.stderr
        assert "Maximum number of ports exceeded" in full.stderr, full.stderr
        assert "Traceback" not in owner.stderr + shared.stderr + full.stderr
