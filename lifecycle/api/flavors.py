"""The flavors the fake offers: DevStack's defaults, so ``m1.tiny``, ``m1.small`` ... resolve as on a dev cloud."""

from __future__ import annotations

import dataclasses
from typing import Any

from lifecycle.api.versions import Version

__all__ = ["DEFAULT_FLAVORS", "Flavor", "flavor_body", "server_flavor_body"]


@dataclasses.dataclass(frozen=True, slots=True)
class Flavor:
    """A flavor as Nova stores it (the fields the API shows)."""

    id: str
    name: str
    vcpus: int
    ram: int
    disk: int
    ephemeral: int = 0
    swap: int = 0
    description: str | None = None
    extra_specs: tuple[tuple[str, str], ...] = ()
    is_public: bool = True
    rxtx_factor: float = 1.0


DEFAULT_FLAVORS: tuple[Flavor, ...] = (
    Flavor("1", "m1.tiny", 1, 512, 1),
    Flavor("2", "m1.small", 1, 2048, 20),
    Flavor("3", "m1.medium", 2, 4096, 40),
    Flavor("4", "m1.large", 4, 8192, 80),
    Flavor("5", "m1.xlarge", 8, 16384, 160),
    Flavor("42", "m1.nano", 1, 128, 1),
    Flavor("84", "m1.micro", 1, 192, 1),
)
"""DevStack's ``create_flavors`` set."""


def _links(base: str, kind: str, ident: str) -> list[dict[str, str]]:
    return [
        {"rel": "self", "href": f"{base}/v2.1/{kind}/{ident}"},
        {"rel": "bookmark", "href": f"{base}/{kind}/{ident}"},
    ]


def flavor_body(flavor: Flavor, base: str, version: Version, *, detail: bool) -> dict[str, Any]:
    """A flavor of ``GET /flavors[/detail|/{id}]`` (``nova/api/openstack/compute/views/flavors.py``)."""
    body: dict[str, Any] = {"id": flavor.id, "name": flavor.name, "links": _links(base, "flavors", flavor.id)}
    if version >= (2, 55):
        body["description"] = flavor.description
    if not detail:
        return body
    body.update(
        {
            "ram": flavor.ram,
            "disk": flavor.disk,
            "vcpus": flavor.vcpus,
            "swap": flavor.swap if flavor.swap or version >= (2, 75) else "",
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
            "os-flavor-access:is_public": flavor.is_public,
        }
    )
    if version < (2, 102):  # 2.102 dropped the deprecated fields
        body["OS-FLV-DISABLED:disabled"] = False
        body["rxtx_factor"] = flavor.rxtx_factor
    if version >= (2, 61):
        body["extra_specs"] = dict(flavor.extra_specs)
    return body


def server_flavor_body(flavor: Flavor, base: str, version: Version) -> dict[str, Any]:
    """The ``flavor`` of a server: a link before 2.47, the embedded description from 2.47."""
    if version < (2, 47):
        return {"id": flavor.id, "links": [_links(base, "flavors", flavor.id)[1]]}
    return {
        "original_name": flavor.name,
        "vcpus": flavor.vcpus,
        "ram": flavor.ram,
        "disk": flavor.disk,
        "ephemeral": flavor.ephemeral,
        "swap": flavor.swap,
        "extra_specs": dict(flavor.extra_specs),
    }
