"""``os-instance_usage_audit_log`` (``nova/api/openstack/compute/instance_usage_audit_log.py``).

Nova's periodic usage audit is off by default (``[DEFAULT] instance_usage_audit
= False``) and the fake does not run it, so no compute host has a task log:
every period reports each host as not run. The period is
``utils.last_completed_audit_period`` with the default ``month`` unit, before
now or before the show's timestamp (``%Y-%m-%d %H:%M:%S[.%f]``, else 400).
Admin-only.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import bad_request
from lifecycle.api.routing import Route, no_query, require_admin

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.app import ComputeApp, Request

__all__ = ["ROUTES", "last_completed_month"]

POLICY = "os_compute_api:os-instance-usage-audit-log:{}"


def _month_before(moment: datetime.datetime) -> datetime.datetime:
    if moment.month == 1:
        return datetime.datetime(moment.year - 1, 12, 1)
    return datetime.datetime(moment.year, moment.month - 1, 1)


def last_completed_month(before: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """``utils.last_completed_audit_period(unit='month', before=...)``: the last whole month ended by ``before``."""
    end = datetime.datetime(before.year, before.month, 1)
    if end >= before:
        end = _month_before(before)
    return _month_before(end), end


def _logs(app: ComputeApp, before: datetime.datetime) -> dict[str, Any]:
    """``_get_audit_task_logs`` with no task log: every compute host (disabled ones too) not run."""
    begin, end = last_completed_month(before)
    hosts = list(app.cloud.hosts)
    done = "ALL" if not hosts else f"0 of {len(hosts)}"
    return {
        "period_beginning": str(begin),
        "period_ending": str(end),
        "num_hosts": len(hosts),
        "num_hosts_done": 0,
        "num_hosts_running": 0,
        "num_hosts_not_run": len(hosts),
        "hosts_not_run": hosts,
        "total_instances": 0,
        "total_errors": 0,
        "overall_status": f"{done} hosts done. 0 errors.",
        "log": {},
    }


def _index(app: ComputeApp, request: Request) -> Reply:
    require_admin(request.context, POLICY.format("list"))
    no_query(request)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return 200, {"instance_usage_audit_logs": _logs(app, now)}, {}


def _show(app: ComputeApp, request: Request, stamp: str) -> Reply:
    require_admin(request.context, POLICY.format("show"))
    no_query(request)
    try:
        before = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f" if "." in stamp else "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise bad_request(f"Invalid timestamp for date {stamp}") from None
    return 200, {"instance_usage_audit_log": _logs(app, before)}, {}


ROUTES: tuple[Route, ...] = (
    (r"os-instance_usage_audit_log", {"GET": _index}),
    (r"os-instance_usage_audit_log/([^/]+)", {"GET": _show}),
)
