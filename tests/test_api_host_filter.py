"""``GET /servers?host=``: an admin-only exact filter (``servers.py`` ``_get_servers``, ``compute/api.py`` ``get_all``).

A caller without ``allow_all_filters`` (a member) has it dropped silently by
``remove_invalid_options``: the list is unfiltered, not a 4xx.
"""

from __future__ import annotations

import pytest

from lifecycle.api import Cloud, ComputeApp
from tests.test_api_routes import MEMBER, active, call


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def _ids(app: ComputeApp, query: str, **kw: object) -> set[str]:
    reply = call(app, "GET", f"/servers/detail?{query}", **kw)  # type: ignore[arg-type]
    assert reply.code == 200
    return {s["id"] for s in reply.json["servers"]}


def test_admin_filters_by_exact_host(app: ComputeApp) -> None:
    first, second = active(app), active(app)
    host = app.cloud.record(first).host
    assert host is not None
    assert host != app.cloud.record(second).host
    assert _ids(app, f"host={host}") == {first}
    assert _ids(app, f"host={host[:-1]}") == set()  # exact, not a regex
    assert _ids(app, "host=") == {first, second}  # empty is no filter


def test_member_host_filter_is_ignored(app: ComputeApp) -> None:
    first = active(app, project_id=MEMBER.project_id)
    second = active(app, project_id=MEMBER.project_id)
    assert _ids(app, "host=nowhere", context=MEMBER) == {first, second}
