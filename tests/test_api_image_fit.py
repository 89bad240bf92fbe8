"""A flavor too small for an image's ``min_ram``/``min_disk`` is refused at create, in Nova's words.

From ``nova/compute/api.py`` ``_validate_flavor_image_nostatus`` and ``nova/exception.py``
(``FlavorMemoryTooSmall``, ``FlavorDiskSmallerThanMinDisk``, sizes in bytes).
"""

from __future__ import annotations

import dataclasses

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import Reply, call


def app_with(*, min_ram: int = 0, min_disk: int = 0) -> ComputeApp:
    app = ComputeApp(Cloud(pace="manual"))
    image = app.cloud.images.get(CIRROS_ID)
    assert image is not None
    app.cloud.images.add(dataclasses.replace(image, id="big", min_ram=min_ram, min_disk=min_disk))
    return app


def boot(app: ComputeApp, flavor: str) -> Reply:
    spec = {"name": "vm", "imageRef": "big", "flavorRef": flavor, "networks": "none"}
    return call(app, "POST", "/servers", {"server": spec})


def test_min_ram_above_the_flavor_is_400() -> None:
    app = app_with(min_ram=1024)  # m1.tiny (flavor 1) has 512 MB, m1.small (2) 2048
    refused = boot(app, "1")
    assert refused.code == 400
    assert refused.message == "Flavor's memory is too small for requested image."
    assert boot(app, "2").code == 202


@pytest.mark.parametrize(("min_disk", "code"), [(1, 202), (2, 400)])
def test_min_disk_against_the_root_disk(min_disk: int, code: int) -> None:
    reply = boot(app_with(min_disk=min_disk), "1")  # m1.tiny: a 1 GB root disk
    assert reply.code == code
    if code == 400:
        assert reply.message == (
            "Flavor's disk is smaller than the minimum size specified in image metadata. "
            f"Flavor disk is {1024**3} bytes, minimum size is {2 * 1024**3} bytes."
        )


def rebuild(app: ComputeApp, sid: str) -> Reply:
    return call(app, "POST", f"/servers/{sid}/action", {"rebuild": {"imageRef": "big"}})


@pytest.mark.parametrize(
    ("min_ram", "min_disk", "message"),
    [
        (1024, 0, "Flavor's memory is too small for requested image."),
        (
            0,
            2,
            "Flavor's disk is smaller than the minimum size specified in image metadata. "
            f"Flavor disk is {1024**3} bytes, minimum size is {2 * 1024**3} bytes.",
        ),
    ],
)
def test_rebuild_checks_the_image_against_the_server_flavor(min_ram: int, min_disk: int, message: str) -> None:
    """compute/api.py API.rebuild runs _checks_for_create_and_rebuild with the server's flavor
    (servers.py _action_rebuild: INVALID_FLAVOR_IMAGE_EXCEPTIONS are 400); nothing starts."""
    app = app_with(min_ram=min_ram, min_disk=min_disk)
    tiny = app.cloud.seed("active", flavor="1")
    refused = rebuild(app, tiny)
    assert (refused.code, refused.message) == (400, message)
    assert call(app, "GET", f"/servers/{tiny}").json["server"]["OS-EXT-STS:task_state"] is None
    assert call(app, "GET", f"/servers/{tiny}").json["server"]["image"]["id"] == CIRROS_ID
    assert rebuild(app, app.cloud.seed("active", flavor="3")).code == 202  # m1.medium: 4096 MB, 40 GB


def test_rebuild_state_check_comes_before_the_fit() -> None:
    """The lock and state checks (decorators of API.rebuild) come first: a busy server is 409."""
    app = app_with(min_ram=1024)
    assert rebuild(app, app.cloud.seed("active", "rebooting", flavor="1")).code == 409
