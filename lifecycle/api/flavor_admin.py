"""Flavor administration and listing: create/delete (admin), ``os-extra_specs``, the list's filters.

As ``nova/api/openstack/compute/flavors.py`` and ``flavors_extraspecs.py``:
create and delete, and every extra-spec change, are admin-only (403 otherwise);
the list takes ``minRam``, ``minDisk``, ``is_public`` (admins only; ``none``
lists all), ``sort_key``/``sort_dir``, ``limit`` and ``marker`` (a flavor id),
and from 2.102 ``name``. A server keeps the flavor it was built with, as Nova
embeds it, so changing a flavor's extra specs does not change servers.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import uuid
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import bad_request, conflict, not_found
from lifecycle.api.flavor_access import forget, projects
from lifecycle.api.flavors import Flavor, flavor_body
from lifecycle.api.metadata import KEY_PATTERN
from lifecycle.api.routing import Route, no_query, require_admin, unexpected, wrapped
from lifecycle.api.schema import (
    BOOLEAN_VALUES,
    Check,
    Field,
    any_of,
    ascii_digits,
    boolean,
    invalid,
    name,
    obj,
    string,
    validate,
)

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request

__all__ = ["ROUTES", "listed"]

_ID = re.compile(r"^(?! )[a-zA-Z0-9. _-]+(?<! )$")
_MAX_INT = 2147483647  # nova/db/constants.py SQL_INT_MAX
_LOCK = threading.Lock()
_SORT_KEYS = {
    "flavorid": "id",
    "id": "id",
    "name": "name",
    "memory_mb": "ram",
    "root_gb": "disk",
    "vcpus": "vcpus",
    "ephemeral_gb": "ephemeral",
    "swap": "swap",
    "rxtx_factor": "rxtx_factor",
    "is_public": "is_public",
    "description": "description",
}
"""``sort_key`` values (``schemas/flavors.py``) -> the :class:`Flavor` field they sort on."""


def _number(minimum: int) -> Check:
    """``parameter_types.flavor_param_positive``/``_non_negative``: an integer (or digits) in range."""

    def check(value: Any, path: tuple[str | int, ...], version: tuple[int, int]) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise invalid(path, value, f"{value!r} is not of type 'integer', 'string'")
        if isinstance(value, str) and not re.match(r"^[0-9]+$", value.strip()):
            raise invalid(path, value, f"{value!r} does not match '^[0-9]+$'")
        number = int(value)
        if number < minimum:
            raise invalid(path, value, f"{value!r} is less than the minimum of {minimum}")
        if number > _MAX_INT:
            raise invalid(path, value, f"{value!r} is greater than the maximum of {_MAX_INT}")

    return check


def _flavor_id(value: Any, path: tuple[str | int, ...], version: tuple[int, int]) -> None:
    if value is None:
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return  # type ['string', 'number', 'null']: minLength and pattern bind strings only
    string(min_len=1, max_len=255)(value, path, version)
    if not _ID.match(value):
        raise invalid(path, value, f"{value!r} does not match {_ID.pattern!r}")


def _rxtx(value: Any, path: tuple[str | int, ...], version: tuple[int, int]) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise invalid(path, value, f"{value!r} is not of type 'number', 'string'")
    try:
        number = float(value)
    except ValueError:
        raise invalid(path, value, f"{value!r} is not of type 'number'") from None
    if not 0 < number <= 3.40282e38:
        raise invalid(path, value, f"{value!r} is less than or equal to the minimum of 0")


_CREATE = obj(
    {
        "flavor": obj(
            {
                "name": name(),
                "id": _flavor_id,
                "ram": _number(1),
                "vcpus": _number(1),
                "disk": _number(0),
                "OS-FLV-EXT-DATA:ephemeral": _number(0),
                "swap": any_of(_number(0), string(max_len=0)),
                "rxtx_factor": Field(_rxtx, before=(2, 102)),
                "os-flavor-access:is_public": boolean(),
                "description": Field(string(max_len=65535, nullable=True), since=(2, 55)),
            },
            required=("name", "ram", "vcpus", "disk"),
        )
    },
    required=("flavor",),
)


def _parse_is_public(text: str | None) -> bool | None:
    """``FlavorsController._parse_is_public``: absent is True, ``none`` is all, else a strict boolean."""
    if text is None:
        return True
    if text.strip().lower() == "none":
        return None
    lowered = text.strip().lower()  # strutils.bool_from_string(strict=True): these spellings, any case
    if lowered in ("1", "t", "true", "on", "y", "yes"):
        return True
    if lowered in ("0", "f", "false", "off", "n", "no"):
        return False
    raise bad_request(f"Invalid is_public filter [{text}]")


def listed(app: ComputeApp, request: Request) -> list[Flavor]:
    """The flavors ``GET /flavors[/detail]`` shows, filtered, sorted and paged as ``_get_flavors``."""
    allowed = ["is_public", "minRam", "minDisk", "sort_key", "sort_dir", "limit", "marker"]
    if request.version >= (2, 102):
        allowed.append("name")
    no_query(request, (2, 75), tuple(allowed))
    context = request.context
    flavors = list(app.cloud.flavors.values())
    public = _parse_is_public(request.first("is_public")) if context.is_admin else True
    if public is True:  # _flavor_get_all_from_db: public ones, or private ones granted to the project
        flavors = [f for f in flavors if f.is_public or context.project_id in projects(app.cloud, f.id)]
    elif public is False:
        flavors = [f for f in flavors if not f.is_public]
    for key, attr in (("minRam", "ram"), ("minDisk", "disk")):
        text = request.first(key)
        if text is not None:
            try:
                least = int(text)
            except ValueError:
                raise bad_request(f"Invalid {key} filter [{text}]") from None
            flavors = [f for f in flavors if getattr(f, attr) >= least]
    wanted_name = request.first("name") if request.version >= (2, 102) else None
    if wanted_name is not None:
        flavors = [f for f in flavors if f.name == wanted_name]
    sort_key = request.first("sort_key") or "flavorid"
    if sort_key not in _SORT_KEYS:
        raise bad_request(
            f"Invalid input for query parameters sort_key. Value: {sort_key}. "
            f"'{sort_key}' is not one of {sorted(_SORT_KEYS)}"
        )
    sort_dir = request.first("sort_dir") or "asc"
    if sort_dir not in ("asc", "desc"):
        raise bad_request(
            f"Invalid input for query parameters sort_dir. Value: {sort_dir}. "
            f"'{sort_dir}' is not one of ['asc', 'desc']"
        )
    field = _SORT_KEYS[sort_key]
    flavors.sort(
        key=lambda f: (
            str(getattr(f, field) or "") if field in ("id", "name", "description") else getattr(f, field),
            f.id,
        )
    )
    if sort_dir == "desc":
        flavors.reverse()
    marker = request.first("marker")
    if marker is not None:
        ids = [f.id for f in flavors]
        if marker not in ids:
            raise bad_request(f"marker [{marker}] not found")
        flavors = flavors[ids.index(marker) + 1 :]
    text = request.first("limit")
    if text is not None:
        if not ascii_digits(text):
            raise bad_request(
                f"Invalid input for query parameters limit. Value: {text}. '{text}' does not match '^[0-9]*$'"
            )
        flavors = flavors[: min(int(text), 1000)]
    return flavors


def _create(app: ComputeApp, request: Request) -> Reply:
    require_admin(request.context, "os_compute_api:os-flavor-manage:create")
    body = request.json()
    validate(body, _CREATE, request.version)
    spec = body["flavor"]
    flavor_id = str(spec.get("id") or uuid.uuid4())  # nova/compute/flavors.py create: str(flavorid)
    with _LOCK:
        if flavor_id in app.cloud.flavors:
            raise conflict(f"Flavor with ID {flavor_id} already exists.")
        if any(f.name == spec["name"] for f in app.cloud.flavors.values()):
            raise conflict(f"Flavor with name {spec['name']} already exists.")
        flavor = Flavor(
            id=flavor_id,
            name=spec["name"],
            vcpus=int(spec["vcpus"]),
            ram=int(spec["ram"]),
            disk=int(spec["disk"]),
            ephemeral=int(spec.get("OS-FLV-EXT-DATA:ephemeral", 0)),
            swap=int(spec.get("swap") or 0),
            description=spec.get("description"),
            is_public=bool(BOOLEAN_VALUES.get(spec.get("os-flavor-access:is_public", True))),
            rxtx_factor=float(spec.get("rxtx_factor", 1.0)),
        )
        app.cloud.flavors[flavor.id] = flavor
    return 200, {"flavor": flavor_body(flavor, request.base, request.version, detail=True)}, {}


def _delete(app: ComputeApp, request: Request, flavor_id: str) -> Reply:
    require_admin(request.context, "os_compute_api:os-flavor-manage:delete")
    with _LOCK:
        if app.cloud.flavors.pop(flavor_id, None) is None:
            raise not_found(f"Flavor {flavor_id} could not be found.")
        forget(app.cloud, flavor_id)
    return 202, None, {}


def _update(app: ComputeApp, request: Request, flavor_id: str) -> Reply:
    if request.version < (2, 55):
        raise not_found("The resource could not be found.")
    require_admin(request.context, "os_compute_api:os-flavor-manage:update")
    body = request.json()
    validate(
        body,
        obj(
            {"flavor": obj({"description": string(max_len=65535, nullable=True)}, required=("description",))},
            required=("flavor",),
        ),
        request.version,
    )
    with _LOCK:
        flavor = app.cloud.flavor(flavor_id)
        flavor = dataclasses.replace(flavor, description=body["flavor"]["description"])
        app.cloud.flavors[flavor.id] = flavor
    return 200, {"flavor": flavor_body(flavor, request.base, request.version, detail=True)}, {}


# -- extra specs ----------------------------------------------------------------
def _specs(value: Any, field: str | None, *, exactly_one: bool) -> dict[str, str]:
    """``flavors_extraspecs`` schema: metadata keys, string or number values of at most 255 characters."""
    path: tuple[str | int, ...] = (field,) if field else ()
    if not isinstance(value, dict):
        raise invalid(path, value, f"{value!r} is not of type 'object'")
    if exactly_one and not value:
        raise invalid(path, value, f"{value!r} should be non-empty")
    if exactly_one and len(value) > 1:
        raise invalid(path, value, f"{value!r} has too many properties")
    bad = [k for k in value if not KEY_PATTERN.match(k)]
    if bad:
        raise invalid(path, value, unexpected(bad))
    out = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise invalid((key,), item, f"{item!r} is not of type 'string', 'number'")
        text = item if isinstance(item, str) else str(item)
        if len(text) > 255:
            if isinstance(item, str):
                raise invalid((key,), item, f"{item!r} is too long")
            raise bad_request("Invalid input received: extra_specs value has more than 255 characters.")
        out[key] = text
    return out


def _with_specs(app: ComputeApp, flavor_id: str, specs: dict[str, str], *, drop: str | None = None) -> None:
    with _LOCK:
        flavor = app.cloud.flavor(flavor_id)
        merged = {**dict(flavor.extra_specs), **specs}
        if drop is not None:
            if drop not in merged:
                raise not_found(f"Flavor {flavor_id} has no extra specs with key {drop}.")
            del merged[drop]
        app.cloud.flavors[flavor.id] = dataclasses.replace(flavor, extra_specs=tuple(sorted(merged.items())))


def _spec_index(app: ComputeApp, request: Request, flavor_id: str) -> Reply:
    no_query(request)
    return 200, {"extra_specs": dict(app.cloud.flavor(flavor_id).extra_specs)}, {}


def _spec_create(app: ComputeApp, request: Request, flavor_id: str) -> Reply:
    require_admin(request.context, "os_compute_api:os-flavor-extra-specs:create")
    body = request.json()
    wrapped(body, "extra_specs")
    specs = _specs(body["extra_specs"], "extra_specs", exactly_one=False)
    _with_specs(app, flavor_id, specs)
    return 200, body, {}


def _spec_show(app: ComputeApp, request: Request, flavor_id: str, key: str) -> Reply:
    no_query(request)
    specs = dict(app.cloud.flavor(flavor_id).extra_specs)
    if key not in specs:
        raise not_found(f"Flavor {flavor_id} has no extra specs with key {key}.")
    return 200, {key: specs[key]}, {}


def _spec_update(app: ComputeApp, request: Request, flavor_id: str, key: str) -> Reply:
    require_admin(request.context, "os_compute_api:os-flavor-extra-specs:update")
    body = request.json()
    specs = _specs(body, None, exactly_one=True)
    if key not in specs:
        raise bad_request("Request body and URI mismatch")
    _with_specs(app, flavor_id, specs)
    return 200, body, {}


def _spec_delete(app: ComputeApp, request: Request, flavor_id: str, key: str) -> Reply:
    require_admin(request.context, "os_compute_api:os-flavor-extra-specs:delete")
    _with_specs(app, flavor_id, {}, drop=key)
    return 200, None, {}


ROUTES: tuple[Route, ...] = (
    (r"flavors", {"POST": _create}),
    (r"flavors/([^/]+)", {"DELETE": _delete, "PUT": _update}),
    (r"flavors/([^/]+)/os-extra_specs", {"GET": _spec_index, "POST": _spec_create}),
    (r"flavors/([^/]+)/os-extra_specs/([^/]+)", {"GET": _spec_show, "PUT": _spec_update, "DELETE": _spec_delete}),
)
