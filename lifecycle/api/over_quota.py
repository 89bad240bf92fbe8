"""Nova's over-quota 403s for ``instances``, ``cores`` and ``ram``: at create, restore and resize.

Create and restore: ``compute/utils.py`` ``check_num_instances_quota`` asks
``Quotas.check_deltas`` for ``max_count`` servers of the flavor (and their
cores and RAM) over the project's usage. Over it, the headroom decides: a
create whose ``min_count`` still fits runs as many servers as fit
(``min_count <= allowed <= max_count``), anything else is
``TooManyInstances``, which ``servers.py`` turns into 403 with its message,
the numbers joined as ``get_over_quota_detail`` joins them and the resources
sorted as ``nova/quota.py`` sorts its ``overs``.

Resize: ``compute/api.py`` ``_check_quota_for_upsize``: the deltas are
``compute/utils.py`` ``upsize_quota_delta`` (only growth counts), checked
against the project's quota over its current usage (``Quotas.check_deltas``,
``cores`` before ``ram``). ``-1`` is unlimited everywhere.

Usage is counted as Nova's default (``count_usage_from_placement = False``)
counts it: every server not deleted, soft-deleted and shelved ones included,
which is also why unshelve checks nothing (``_check_quota_unshelve_offloaded``
returns at once under that setting).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from lifecycle.api.quotas import usage
from lifecycle.api.routing import forbidden, project_of
from lifecycle.api.store import state_of

if TYPE_CHECKING:
    from lifecycle.api.cloud import Cloud, Record
    from lifecycle.api.errors import ApiError
    from lifecycle.api.flavors import Flavor

__all__ = ["check_num_instances", "check_upsize", "quota_lock"]

_COUNTED = ("instances", "cores", "ram")


def _too_many(
    overs: list[str], requested: dict[str, int | str], used: dict[str, int], limits: dict[str, int]
) -> ApiError:
    """``TooManyInstances`` as ``servers.py`` answers it, its fields joined as ``get_over_quota_detail`` joins them."""
    names = ", ".join(overs)
    reqs = ", ".join(str(requested[name]) for name in overs)
    useds = ", ".join(str(used[name]) for name in overs)
    allowed = ", ".join(str(limits[name]) for name in overs)
    return forbidden(f"Quota exceeded for {names}: Requested {reqs}, but already used {useds} of {allowed} {names}")


def quota_lock(cloud: Cloud) -> threading.Lock:
    """Held from a create's or restore's check to its last boot, so concurrent requests cannot pass the quota together.

    Nova closes the same race afterwards (``[quota] recheck_quota`` in the conductor);
    the fake, being one process, closes it before. Nothing else takes this lock, so
    it cannot join a lock cycle.
    """
    return cloud.service_state("quota_lock", threading.Lock)


def check_num_instances(cloud: Cloud, project_id: str, flavor: Flavor, min_count: int, max_count: int) -> int:
    """How many of ``max_count`` servers of ``flavor`` the project may create now.

    Raises:
        ApiError: 403 ``Quota exceeded for ...`` when not even ``min_count`` fit.
    """
    used = usage(cloud, project_id)
    state = state_of(cloud)
    limits = {name: state.limit(project_id, name) for name in _COUNTED}
    deltas = {"instances": max_count, "cores": max_count * flavor.vcpus, "ram": max_count * flavor.ram}
    overs = sorted(name for name in _COUNTED if 0 <= limits[name] < used[name] + deltas[name])
    if not overs:
        return max_count
    # get_headroom: an unlimited cores or ram quota follows the instances headroom
    headroom: dict[str, float] = {name: limits[name] - used[name] for name in _COUNTED}
    for name in ("cores", "ram"):
        if limits[name] == -1:
            if deltas[name]:
                headroom[name] = headroom["instances"] * deltas[name] / deltas["instances"]
            else:
                headroom[name] = headroom["instances"]
    allowed = headroom["instances"]
    if flavor.vcpus:
        allowed = min(allowed, headroom["cores"] // flavor.vcpus)
    if flavor.ram:
        allowed = min(allowed, headroom["ram"] // flavor.ram)
    if allowed > 0 and min_count <= allowed <= max_count:
        return check_num_instances(cloud, project_id, flavor, min_count, int(allowed))
    requested: dict[str, int | str] = {
        "instances": str(min_count) if min_count == max_count else f"{min_count}-{max_count}",
        "cores": deltas["cores"],
        "ram": deltas["ram"],
    }
    raise _too_many(overs, requested, used, limits)


def upsize_deltas(new: Flavor, old: Flavor) -> dict[str, int]:
    """``upsize_quota_delta``: the growth in ``cores`` and ``ram``, positive ones only."""
    deltas = {"cores": new.vcpus - old.vcpus, "ram": new.ram - old.ram}
    return {name: delta for name, delta in deltas.items() if delta > 0}


def check_upsize(cloud: Cloud, record: Record, new: Flavor) -> None:
    """Raise Nova's 403 when resizing ``record`` to ``new`` would pass its project's quota."""
    deltas = upsize_deltas(new, record.flavor)
    if not deltas:
        return
    project = project_of(record)
    used = usage(cloud, project)
    state = state_of(cloud)
    limits = {name: state.limit(project, name) for name in ("cores", "ram")}
    overs = [name for name in ("cores", "ram") if 0 <= limits[name] < used[name] + deltas.get(name, 0)]
    if overs:
        raise _too_many(overs, {name: deltas.get(name, 0) for name in overs}, used, limits)
