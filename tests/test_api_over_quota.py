"""Nova's over-quota 403s for ``instances``, ``cores`` and ``ram``: create, restore, resize.

Create and restore: ``compute/utils.py`` ``check_num_instances_quota``; resize:
``compute/api.py`` ``_check_quota_for_upsize``. Message: ``exception.TooManyInstances``;
numbers as ``compute/utils.py`` ``get_over_quota_detail``. The expected texts are
Nova's own tests' (cited at each test), over DevStack's flavors, which Nova's tests
also use (1: 1 vCPU/512 MB, 2: 1/2048, 3: 2/4096).
"""

from __future__ import annotations

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.context import DEFAULT_PROJECT, RequestContext
from lifecycle.api.images import CIRROS_ID
from lifecycle.api.serve import serve_in_thread
from lifecycle.cli import main
from tests.test_api_concurrency import request, run_all
from tests.test_api_routes import Reply, active, call


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def _bigger(app: ComputeApp, sid: str) -> tuple[str, int, int]:
    """A flavor with more vCPUs and RAM than the server's: (id, extra vcpus, extra ram)."""
    old = app.cloud.record(sid).flavor
    flavors = call(app, "GET", "/flavors/detail").json["flavors"]
    big = next(f for f in flavors if f["vcpus"] > old.vcpus and f["ram"] > old.ram)
    return str(big["id"]), big["vcpus"] - old.vcpus, big["ram"] - old.ram


@pytest.mark.parametrize("resource", ["cores", "ram"])
def test_upsize_over_quota_is_403(app: ComputeApp, resource: str) -> None:
    sid = active(app)
    project = app.cloud.record(sid).project_id
    flavor, more_cores, more_ram = _bigger(app, sid)
    used = app.cloud.record(sid).flavor.vcpus if resource == "cores" else app.cloud.record(sid).flavor.ram
    put = call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {resource: used}})
    assert put.code == 200
    reply = call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": flavor}})
    assert reply.code == 403
    delta = more_cores if resource == "cores" else more_ram
    assert reply.message == (
        f"Quota exceeded for {resource}: Requested {delta}, but already used {used} of {used} {resource}"
    )
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "ACTIVE"


def test_upsize_within_quota_and_downsize_are_accepted(app: ComputeApp) -> None:
    sid = active(app)
    project = app.cloud.record(sid).project_id
    flavor, _, _ = _bigger(app, sid)
    assert call(app, "PUT", f"/os-quota-sets/{project}", {"quota_set": {"cores": -1, "ram": -1}}).code == 200
    assert call(app, "POST", f"/servers/{sid}/action", {"resize": {"flavorRef": flavor}}).code == 202


def _create(app: ComputeApp, flavor: str = "1", context: RequestContext | None = None, **extra: object) -> Reply:
    server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": flavor, "networks": "none", **extra}
    return call(app, "POST", "/servers", {"server": server}, context=context)


def _set_quota(app: ComputeApp, **values: int) -> None:
    assert call(app, "PUT", f"/os-quota-sets/{DEFAULT_PROJECT}", {"quota_set": values}).code == 200


def test_create_past_the_instances_quota_is_403(app: ComputeApp) -> None:
    """unit/api/openstack/compute/test_servers.py test_create_instance_above_quota_instances."""
    for _ in range(10):  # Nova's default instances quota is 10
        assert _create(app).code == 202
    reply = _create(app)
    assert (reply.code, reply.message) == (
        403,
        "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances",
    )
    assert len(call(app, "GET", "/servers").json["servers"]) == 10


def test_create_past_the_ram_quota_is_403(app: ComputeApp) -> None:
    """test_servers.py test_create_instance_above_quota_ram: quota 10240, 8192 used, flavor 3 asks 4096."""
    _set_quota(app, ram=10 * 1024)
    for _ in range(2):
        assert _create(app, "3").code == 202
    reply = _create(app, "3")
    assert (reply.code, reply.message) == (
        403,
        "Quota exceeded for ram: Requested 4096, but already used 8192 of 10240 ram",
    )


def test_create_past_the_cores_quota_is_403(app: ComputeApp) -> None:
    """test_servers.py test_create_instance_above_quota_cores: quota 10, 9 used, flavor 3 asks 2."""
    _set_quota(app, cores=10)
    for _ in range(9):
        assert _create(app, "1").code == 202
    reply = _create(app, "3")
    assert (reply.code, reply.message) == (403, "Quota exceeded for cores: Requested 2, but already used 9 of 10 cores")


def test_a_configured_ram_quota_counts_every_user_of_the_project() -> None:
    """functional/test_servers.py test_resize_server_overquota_multiple_users: ``[quota] ram = 4000``."""
    app = ComputeApp(Cloud(pace="manual", quotas={"ram": 4000}))
    other = RequestContext(user_id="other", roles=("member", "reader"))
    assert _create(app, "1").code == 202
    assert _create(app, "2", context=other).code == 202
    reply = _create(app, "2")
    assert (reply.code, reply.message) == (
        403,
        "Quota exceeded for ram: Requested 2048, but already used 2560 of 4000 ram",
    )
    assert call(app, "GET", f"/os-quota-sets/{DEFAULT_PROJECT}").json["quota_set"]["ram"] == 4000
    assert call(app, "GET", "/os-quota-class-sets/default").json["quota_class_set"]["ram"] == 4000


def test_min_count_runs_as_many_as_fit_and_names_the_range_when_none_do(app: ComputeApp) -> None:
    """check_num_instances_quota: ``min_count <= allowed <= max_count`` runs ``allowed``; else ``min-max`` is named."""
    _set_quota(app, instances=4)
    assert _create(app, min_count=2, max_count=6).code == 202
    assert len(call(app, "GET", "/servers").json["servers"]) == 4
    reply = _create(app, min_count=1, max_count=3)
    assert (reply.code, reply.message) == (
        403,
        "Quota exceeded for instances: Requested 1-3, but already used 4 of 4 instances",
    )


def test_unlimited_quotas_and_other_projects_do_not_count(app: ComputeApp) -> None:
    _set_quota(app, instances=-1, cores=-1, ram=-1)
    assert _create(app, min_count=20, max_count=20).code == 202
    # another project starts from the defaults, and counts only its own servers
    stranger = RequestContext(project_id="p2", user_id="u2", roles=("member", "reader"))
    for _ in range(10):
        assert _create(app, context=stranger).code == 202
    assert _create(app, context=stranger).code == 403


def test_restore_counts_the_server_again() -> None:
    """api.py API.restore checks one more server; a soft-deleted one is not counted (_get_counts_in_db)."""
    app = ComputeApp(Cloud(reclaim_instance_interval=3600, quotas={"instances": 1}))
    sid = _create(app).json["server"]["id"]
    app.cloud.settle(sid)
    assert call(app, "DELETE", f"/servers/{sid}").code == 204
    app.cloud.settle(sid)
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "SOFT_DELETED"
    assert _create(app).code == 202  # the soft-deleted server leaves room
    reply = call(app, "POST", f"/servers/{sid}/action", {"restore": None})
    assert (reply.code, reply.message) == (
        403,
        "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances",
    )
    assert call(app, "GET", f"/servers/{sid}").json["server"]["status"] == "SOFT_DELETED"


def test_concurrent_creates_do_not_pass_the_quota_together() -> None:
    with serve_in_thread(quotas={"instances": 5}) as fake:

        def client(i: int) -> int:
            body = {"server": {"name": f"vm-{i}", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}}
            return request(fake, "POST", "/servers", body)[0]

        codes = run_all(client, 16)
        assert sorted(codes) == [202] * 5 + [403] * 11
        assert len(request(fake, "GET", "/servers")[1]["servers"]) == 5


@pytest.mark.parametrize(
    ("option", "named"),
    [("--quota=servers=5", "'servers'"), ("--quota=instances=many", "'instances=many'"), ("--quota=ram=-2", "-2")],
)
def test_serve_refuses_a_bad_quota(option: str, named: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", option]) == 2
    err = capsys.readouterr().err
    assert "--quota" in err
    assert named in err
    assert "traceback" not in err.lower()
