"""``os-simple-tenant-usage`` over WSGI: Nova's shapes, totals, dates and refusals.

Expected values from ``nova/api/openstack/compute/simple_tenant_usage.py``
(``_hours_for``, ``_parse_datetime``, ``_parse_qs_params``), ``nova/exception.py``
(``InvalidStrTime``, ``MarkerNotFound``), ``nova/policies/simple_tenant_usage.py``
and doc/api_samples/os-simple-tenant-usage (the fields).
"""

from __future__ import annotations

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import MEMBER, call

SUMMARY_FIELDS = {
    "start",
    "stop",
    "tenant_id",
    "total_hours",
    "total_local_gb_usage",
    "total_memory_mb_usage",
    "total_vcpus_usage",
}
SERVER_FIELDS = {
    "ended_at",
    "flavor",
    "hours",
    "instance_id",
    "local_gb",
    "memory_mb",
    "name",
    "started_at",
    "state",
    "tenant_id",
    "uptime",
    "vcpus",
}
"""doc/api_samples/os-simple-tenant-usage/simple-tenant-usage-get-detail.json."""
PERIOD = "start=2000-01-01T00:00:00&end=2999-01-01T00:00:00"


@pytest.fixture
def app() -> ComputeApp:
    app = ComputeApp(Cloud(pace="instant"))
    spec = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}
    server = call(app, "POST", "/servers", {"server": spec}, context=MEMBER).json["server"]["id"]
    for _ in range(20):
        if call(app, "GET", f"/servers/{server}").json["server"]["status"] == "ACTIVE":
            break
    return app


def test_detailed_listing_has_nova_fields(app: ComputeApp) -> None:
    usages = call(app, "GET", f"/os-simple-tenant-usage?{PERIOD}&detailed=1").json["tenant_usages"]
    (usage,) = usages
    assert set(usage) == SUMMARY_FIELDS | {"server_usages"}
    assert usage["tenant_id"] == MEMBER.project_id
    (server,) = usage["server_usages"]
    assert set(server) == SERVER_FIELDS
    assert server["state"] == "active"
    assert server["vcpus"] == 1  # m1.tiny
    assert usage["total_vcpus_usage"] == pytest.approx(server["hours"])
    plain = call(app, "GET", f"/os-simple-tenant-usage?{PERIOD}").json["tenant_usages"][0]
    assert "server_usages" not in plain


def test_a_project_reads_its_own_usage_only(app: ComputeApp) -> None:
    own = call(app, "GET", f"/os-simple-tenant-usage/{MEMBER.project_id}?{PERIOD}", context=MEMBER)
    assert own.code == 200
    assert own.json["tenant_usage"]["tenant_id"] == MEMBER.project_id
    other = call(app, "GET", f"/os-simple-tenant-usage/someone-else?{PERIOD}", context=MEMBER)
    assert other.code == 403
    assert call(app, "GET", f"/os-simple-tenant-usage?{PERIOD}", context=MEMBER).code == 403
    assert call(app, "GET", f"/os-simple-tenant-usage/nobody?{PERIOD}").json == {"tenant_usage": {}}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=yesterday", "Invalid datetime string: Datetime is in invalid format"),
        (
            "start=2999-01-01T00:00:00&end=2000-01-01T00:00:00",
            "Invalid start time. The start time cannot occur after the end time.",
        ),
        (f"{PERIOD}&marker=nope", "Marker nope could not be found."),
        (f"{PERIOD}&limit=x", "Invalid input for query parameters limit. Value: x. 'x' does not match '^[0-9]*$'"),
    ],
)
def test_bad_queries_are_400(app: ComputeApp, query: str, message: str) -> None:
    reply = call(app, "GET", f"/os-simple-tenant-usage?{query}", version="2.40")
    assert reply.code == 400
    assert reply.message == message


def test_paging_from_240(app: ComputeApp) -> None:
    page = call(app, "GET", f"/os-simple-tenant-usage?{PERIOD}&limit=1", version="2.40").json
    assert page["tenant_usages_links"][0]["rel"] == "next"
    assert call(app, "GET", f"/os-simple-tenant-usage?{PERIOD}&bogus=1", version="2.75").code == 400
    assert call(app, "GET", f"/os-simple-tenant-usage?{PERIOD}&bogus=1", version="2.74").code == 200
