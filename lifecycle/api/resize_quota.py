"""Resize's quota check: an upsize past the project's ``cores`` or ``ram`` quota is 403.

``compute/api.py`` ``_check_quota_for_upsize``: the deltas are
``compute/utils.py`` ``upsize_quota_delta`` (only growth counts), checked
against the project's quota over its current usage (``Quotas.check_deltas``,
``cores`` before ``ram``); an excess is ``TooManyInstances``, which
``servers.py`` ``_resize`` turns into 403 with its message, the numbers
joined as ``get_over_quota_detail`` joins them. ``-1`` is unlimited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lifecycle.api.quotas import usage
from lifecycle.api.routing import forbidden, project_of
from lifecycle.api.store import state_of

if TYPE_CHECKING:
    from lifecycle.api.cloud import Cloud, Record
    from lifecycle.api.flavors import Flavor

__all__ = ["check_upsize"]


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
    if not overs:
        return
    names = ", ".join(overs)
    requested = ", ".join(str(deltas.get(name, 0)) for name in overs)
    useds = ", ".join(str(used[name]) for name in overs)
    allowed = ", ".join(str(limits[name]) for name in overs)
    raise forbidden(f"Quota exceeded for {names}: Requested {requested}, but already used {useds} of {allowed} {names}")
