"""``os-instance_usage_audit_log`` over WSGI (``nova/api/openstack/compute/instance_usage_audit_log.py``).

The period follows ``nova/utils.py`` ``last_completed_audit_period`` (unit ``month``):
the last whole month that ended by the given moment.
"""

from __future__ import annotations

import datetime

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.usage_audit import last_completed_month
from tests.test_api_routes import MEMBER, call

D = datetime.datetime


@pytest.mark.parametrize(
    ("before", "period"),
    [
        (D(2012, 6, 15, 10), (D(2012, 5, 1), D(2012, 6, 1))),
        (D(2012, 6, 1), (D(2012, 4, 1), D(2012, 5, 1))),  # the month must end strictly before it
        (D(2013, 1, 20), (D(2012, 12, 1), D(2013, 1, 1))),
        (D(2013, 1, 1), (D(2012, 11, 1), D(2012, 12, 1))),
    ],
)
def test_last_completed_month(before: D, period: tuple[D, D]) -> None:
    assert last_completed_month(before) == period


def test_index_and_show() -> None:
    app = ComputeApp(Cloud(pace="manual"))
    logs = call(app, "GET", "/os-instance_usage_audit_log").json["instance_usage_audit_logs"]
    assert logs["num_hosts"] == len(app.cloud.hosts)
    assert sorted(logs["hosts_not_run"]) == sorted(app.cloud.hosts)
    assert logs["overall_status"] == f"0 of {len(app.cloud.hosts)} hosts done. 0 errors."
    shown = call(app, "GET", "/os-instance_usage_audit_log/2012-06-15 10:00:00").json["instance_usage_audit_log"]
    assert shown["period_beginning"] == "2012-05-01 00:00:00"
    assert shown["period_ending"] == "2012-06-01 00:00:00"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/os-instance_usage_audit_log/yesterday", 400),
        ("/os-instance_usage_audit_log/2012-13-01 00:00:00", 400),
        ("/os-instance_usage_audit_log/2012-06-01", 400),
    ],
)
def test_bad_timestamps_are_400(path: str, code: int) -> None:
    reply = call(ComputeApp(Cloud(pace="manual")), "GET", path)
    assert reply.code == code
    assert reply.message.startswith("Invalid timestamp for date ")


@pytest.mark.parametrize("path", ["/os-instance_usage_audit_log", "/os-instance_usage_audit_log/2012-06-01 00:00:00"])
def test_members_are_refused_403(path: str) -> None:
    reply = call(ComputeApp(Cloud(pace="manual")), "GET", path, context=MEMBER)
    assert reply.code == 403
