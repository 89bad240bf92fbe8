"""Whether a flavor can boot an image: ``compute/api.py`` ``_validate_flavor_image_nostatus``.

An image's ``min_ram`` (MB) above the flavor's RAM is 400 ``FlavorMemoryTooSmall``;
its ``min_disk`` (GB) above a non-zero root disk is 400
``FlavorDiskSmallerThanMinDisk``, both sizes in bytes (a root disk of 0 is
not checked, as Nova's note says).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecycle.api.errors import bad_request

if TYPE_CHECKING:
    from lifecycle.api.flavors import Flavor
    from lifecycle.api.images import Image

__all__ = ["require_fit"]

GIB = 1024**3


def require_fit(flavor: Flavor, image: Image) -> None:
    """Refuse (400, Nova's words) a flavor too small for ``image``'s ``min_ram`` or ``min_disk``."""
    if flavor.ram < int(image.min_ram or 0):
        raise bad_request("Flavor's memory is too small for requested image.")
    root = flavor.disk * GIB
    needed = int(image.min_disk or 0) * GIB
    if root and needed > root:
        raise bad_request(
            "Flavor's disk is smaller than the minimum size specified in image metadata. "
            f"Flavor disk is {root} bytes, minimum size is {needed} bytes."
        )
