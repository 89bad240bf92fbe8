"""``os-simple-tenant-usage``: hours of use per project (``nova/api/openstack/compute/simple_tenant_usage.py``).

A server counts in a period when it was launched before the period's end
(``InstanceList.get_active_by_window_joined``); its ``hours`` are the part of the
period since its launch (``_hours_for``), and the project's totals are its
servers' hours times their flavor's vCPUs, RAM and disk. ``start``/``end``
take Nova's three formats (else 400 ``Invalid datetime string``); an end after
now is cut to now; ``detailed=1`` lists each server. From 2.40 ``limit`` and
``marker`` page over the servers. Listing every project is admin-only; a
project may read its own usage (``PROJECT_READER_OR_ADMIN``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import bad_request, not_found
from lifecycle.api.routing import NOT_FOUND, Route, forbidden, next_links, no_query, project_of, require_admin
from lifecycle.api.schema import ascii_digits

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request
    from lifecycle.api.cloud import Record

__all__ = ["ROUTES"]

POLICY = "os_compute_api:os-simple-tenant-usage:{}"
FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")
"""``_parse_datetime``'s formats, tried in order."""
PAGING = ("limit", "marker")


def _moment(text: str | None, now: datetime.datetime) -> datetime.datetime:
    if not text:
        return now
    for fmt in FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.UTC)
        except ValueError:
            continue
    raise bad_request("Invalid datetime string: Datetime is in invalid format")


def _first(request: Request, key: str) -> str | None:
    """The first value of ``key`` (Nova reads ``parse_qs(...)[key][0]``), or None."""
    values = request.query.get(key)
    return values[0] if values else None


def _period(request: Request) -> tuple[datetime.datetime, datetime.datetime]:
    """``_parse_qs_params`` (the first value of each parameter), then an end after now is now."""
    now = datetime.datetime.now(datetime.UTC)
    start = _moment(_first(request, "start"), now)
    stop = _moment(_first(request, "end"), now)
    if not start < stop:
        raise bad_request("Invalid start time. The start time cannot occur after the end time.")
    return start, min(stop, now)


def _naive(moment: datetime.datetime) -> str:
    """``timeutils.normalize_time`` serialised: naive UTC with microseconds."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _page(app: ComputeApp, request: Request, records: list[Record]) -> list[Record]:
    if request.version < (2, 40):
        return records
    marker = request.first("marker")
    if marker is not None:
        ids = [r.id for r in records]
        if marker not in ids:
            raise bad_request(f"Marker {marker} could not be found.")
        records = records[ids.index(marker) + 1 :]
    text = request.first("limit")
    if text is not None:
        if not ascii_digits(text):
            raise bad_request(
                f"Invalid input for query parameters limit. Value: {text}. '{text}' does not match '^[0-9]*$'"
            )
        records = records[: min(int(text), 1000)]
    return records


def _usages(
    records: Iterable[Record], start: datetime.datetime, stop: datetime.datetime, *, detailed: bool
) -> list[dict[str, Any]]:
    """``_tenant_usages_for_period``: one summary per project, in the order its first server comes."""
    summaries: dict[str, dict[str, Any]] = {}
    now = datetime.datetime.now(datetime.UTC)
    for record in records:
        launched = record.launched_at
        if launched is None:
            continue
        hours = max((stop - max(launched, start)).total_seconds(), 0.0) / 3600.0
        flavor = record.flavor
        vm = record.server.vm_state
        info: dict[str, Any] = {
            "hours": hours,
            "flavor": flavor.name,
            "instance_id": record.id,
            "name": record.server.name,
            "tenant_id": project_of(record),
            "memory_mb": flavor.ram,
            "local_gb": flavor.disk + flavor.ephemeral,
            "vcpus": flavor.vcpus,
            "started_at": _naive(launched),
            "ended_at": None,
            "state": None if vm is None else vm.value,
            "uptime": int((now - launched).total_seconds()),
        }
        summary = summaries.get(info["tenant_id"])
        if summary is None:
            summary = {"tenant_id": info["tenant_id"]}
            if detailed:
                summary["server_usages"] = []
            summary.update(
                total_local_gb_usage=0,
                total_vcpus_usage=0,
                total_memory_mb_usage=0,
                total_hours=0,
                start=_naive(start),
                stop=_naive(stop),
            )
            summaries[info["tenant_id"]] = summary
        summary["total_local_gb_usage"] += info["local_gb"] * hours
        summary["total_vcpus_usage"] += info["vcpus"] * hours
        summary["total_memory_mb_usage"] += info["memory_mb"] * hours
        summary["total_hours"] += hours
        if detailed:
            summary["server_usages"].append(info)
    return list(summaries.values())


def _in_window(app: ComputeApp, stop: datetime.datetime, project: str | None) -> list[Record]:
    """Servers launched before ``stop`` (none of the cloud's live servers has terminated), oldest first."""
    found = [
        r
        for r in reversed(app.cloud.records())
        if r.launched_at is not None and r.launched_at < stop and (project is None or project_of(r) == project)
    ]
    return found


def _index(app: ComputeApp, request: Request) -> Reply:
    if request.path.endswith("/"):  # ``/os-simple-tenant-usage/`` is a show of the empty id: Nova's router has none
        raise not_found(NOT_FOUND)
    require_admin(request.context, POLICY.format("list"))
    no_query(request, (2, 75), ("start", "end", "detailed", *(PAGING if request.version >= (2, 40) else ())))
    start, stop = _period(request)
    detailed = _first(request, "detailed") == "1"
    records = _page(app, request, _in_window(app, stop, None))
    body: dict[str, Any] = {"tenant_usages": _usages(records, start, stop, detailed=detailed)}
    if request.version >= (2, 40):
        links = next_links(request, [r.id for r in records], "os-simple-tenant-usage")
        if links:
            body["tenant_usages_links"] = links
    return 200, body, {}


def _show(app: ComputeApp, request: Request, project: str) -> Reply:
    context = request.context
    if not context.is_admin and context.project_id != project:
        raise forbidden(f"Policy doesn't allow {POLICY.format('show')} to be performed.")
    no_query(request, (2, 75), ("start", "end", *(PAGING if request.version >= (2, 40) else ())))
    start, stop = _period(request)
    records = _page(app, request, _in_window(app, stop, project))
    usages = _usages(records, start, stop, detailed=True)
    body: dict[str, Any] = {"tenant_usage": usages[0] if usages else {}}
    if request.version >= (2, 40):
        links = next_links(request, [r.id for r in records], f"os-simple-tenant-usage/{project}")
        if links:
            body["tenant_usage_links"] = links
    return 200, body, {}


ROUTES: tuple[Route, ...] = (
    (r"os-simple-tenant-usage", {"GET": _index}),
    (r"os-simple-tenant-usage/([^/]+)", {"GET": _show}),
)
