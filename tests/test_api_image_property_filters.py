"""Image v2 list filters on extra properties (Glance ``api/v2/images.py`` ``RequestDeserializer.index``).

Every query parameter Glance does not pop (``limit``, ``marker``, sorting...)
is a filter; Tempest's ``test_create_backup`` lists a server's backups by
``image_type``, ``backup_type`` and ``instance_uuid`` (Nova's
``compute/api.py`` ``_create_image`` sets them).
"""

from __future__ import annotations

import json
from typing import Any

from _helpers import wsgi_request

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.gateway import Gateway


def _names(gateway: Gateway, query: str) -> list[str]:
    status, _, raw = wsgi_request(gateway, "GET", f"/image/v2/images?{query}", b"", {})
    assert status.startswith("200")
    body: Any = json.loads(raw)
    return sorted(i["name"] for i in body["images"])


def test_extra_property_filters_select_a_servers_backups() -> None:
    cloud = Cloud(pace="manual")
    gateway = Gateway(ComputeApp(cloud))
    first, second = cloud.seed("active"), cloud.seed("active")
    project = cloud.record(first).project_id
    cloud.images.snapshot(cloud.record(first), "b1", "backup", project, rotation=5, properties={"backup_type": "daily"})
    cloud.images.snapshot(
        cloud.record(first), "w1", "backup", project, rotation=5, properties={"backup_type": "weekly"}
    )
    cloud.images.snapshot(cloud.record(first), "s1", "snapshot", project)
    cloud.images.snapshot(
        cloud.record(second), "b2", "backup", project, rotation=5, properties={"backup_type": "daily"}
    )
    assert _names(gateway, f"image_type=backup&backup_type=daily&instance_uuid={first}") == ["b1"]
    assert _names(gateway, f"image_type=backup&instance_uuid={first}&sort_key=created_at&sort_dir=asc") == ["b1", "w1"]
    assert _names(gateway, "image_type=backup&backup_type=daily") == ["b1", "b2"]
    assert _names(gateway, "no_such_property=x") == []
    everything = _names(gateway, "")
    assert {"b1", "w1", "s1", "b2"} < set(everything)
    assert _names(gateway, "sort_key=name&sort_dir=asc&limit=100") == everything


def test_showing_an_old_backup_sees_the_rotation_a_newer_one_made() -> None:
    """Nova's ``_rotate_backups`` runs when the newest backup is done, whichever image is asked for next."""
    cloud = Cloud(pace="manual")
    gateway = Gateway(ComputeApp(cloud))
    sid = cloud.seed("active")
    project = cloud.record(sid).project_id
    old = cloud.images.snapshot(
        cloud.record(sid), "old", "backup", project, rotation=1, properties={"backup_type": "d"}
    )
    assert wsgi_request(gateway, "GET", f"/image/v2/images/{old.id}", b"", {})[0].startswith("200")
    cloud.images.snapshot(cloud.record(sid), "new", "backup", project, rotation=1, properties={"backup_type": "d"})
    assert wsgi_request(gateway, "GET", f"/image/v2/images/{old.id}", b"", {})[0].startswith("404")
