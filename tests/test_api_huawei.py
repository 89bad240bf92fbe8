"""The fake ECS native API, driven by Huawei's own SDK (huaweicloudsdkecs) as a Huawei Cloud user drives ECS.

Expected values come from Huawei's pages (cited by path under
https://support.huaweicloud.com/intl/en-us/<path>.html) and the seed status
table (Table 4 of api-ecs/ecs_08_0002), not from the dialect under test.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("huaweicloudsdkecs", reason="Huawei's SDK is not installed: pip install 'server-lifecycle[huawei]'")

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkecs.v2 import (
    BatchRebootServersRequest,
    BatchRebootServersRequestBody,
    BatchRebootSeversOption,
    BatchStartServersOption,
    BatchStartServersRequest,
    BatchStartServersRequestBody,
    BatchStopServersOption,
    BatchStopServersRequest,
    BatchStopServersRequestBody,
    ChangeServerOsWithCloudInitOption,
    ChangeServerOsWithCloudInitRequest,
    ChangeServerOsWithCloudInitRequestBody,
    CreateServersRequest,
    CreateServersRequestBody,
    DeleteServersRequest,
    DeleteServersRequestBody,
    EcsClient,
    ListServersDetailsRequest,
    PrePaidServer,
    PrePaidServerNic,
    PrePaidServerRootVolume,
    ReinstallServerWithCloudInitOption,
    ReinstallServerWithCloudInitRequest,
    ReinstallServerWithCloudInitRequestBody,
    ResetServerPasswordOption,
    ResetServerPasswordRequest,
    ResetServerPasswordRequestBody,
    ResizePrePaidServerOption,
    ResizeServerRequest,
    ResizeServerRequestBody,
    ServerId,
    ShowJobRequest,
    ShowServerRequest,
)

from lifecycle.api.images import CIRROS_ID
from lifecycle.api.serve import FakeCompute, serve_in_thread

PROJECT = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def fake() -> Iterator[FakeCompute]:
    with serve_in_thread() as running:
        yield running


@pytest.fixture
def ecs(fake: FakeCompute) -> EcsClient:
    """The SDK as documented: any AK/SK, a project id (else it asks IAM for one), the endpoint overridden."""
    credentials = BasicCredentials("any-ak", "any-sk", PROJECT)
    return EcsClient.new_builder().with_credentials(credentials).with_endpoint(fake.endpoints["ecs"]).build()


def create(ecs: EcsClient, count: int = 1, name: str = "web", flavor: str = "s6.small.1") -> Any:
    server = PrePaidServer(
        image_ref="image-1",
        flavor_ref=flavor,
        name=name,
        vpcid="vpc-1",
        nics=[PrePaidServerNic(subnet_id="subnet-1")],
        root_volume=PrePaidServerRootVolume(volumetype="SSD"),
        count=count,
    )
    return ecs.create_servers(CreateServersRequest(body=CreateServersRequestBody(server=server)))


def wait_job(ecs: EcsClient, job_id: str, seen: Callable[[], None] | None = None) -> Any:
    """Poll the job as Terraform does (GO cloudservers/results_job.go: SUCCESS or FAIL ends it); bounded."""
    for _ in range(100):
        job = ecs.show_job(ShowJobRequest(job_id=job_id))
        if job.status in ("SUCCESS", "FAIL"):
            return job
        if seen is not None:
            seen()
    raise AssertionError(f"job {job_id} still {job.status}")


def show(ecs: EcsClient, server_id: str) -> Any:
    return ecs.show_server(ShowServerRequest(server_id=server_id)).server


def ids(*server_ids: str) -> list[ServerId]:
    return [ServerId(id=i) for i in server_ids]


def stop(ecs: EcsClient, *server_ids: str, kind: str = "SOFT") -> str:
    body = BatchStopServersRequestBody(os_stop=BatchStopServersOption(servers=ids(*server_ids), type=kind))
    return str(ecs.batch_stop_servers(BatchStopServersRequest(body=body)).job_id)


def start(ecs: EcsClient, *server_ids: str) -> str:
    body = BatchStartServersRequestBody(os_start=BatchStartServersOption(servers=ids(*server_ids)))
    return str(ecs.batch_start_servers(BatchStartServersRequest(body=body)).job_id)


def raw(fake: FakeCompute, method: str, path: str, body: Any = None, *, signed: bool = True) -> tuple[int, Any]:
    """A plain HTTP call (no SDK), for what the SDK cannot send."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signed:
        headers["Authorization"] = "SDK-HMAC-SHA256 Access=ak, SignedHeaders=host;x-sdk-date, Signature=00"
    request = urllib.request.Request(fake.root + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read()
            return answer.status, json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def test_create_job_succeeds_and_both_apis_show_active(fake: FakeCompute, ecs: EcsClient) -> None:
    """create answers job_id + serverIds (api-ecs/ecs_02_0101); the job ends SUCCESS and the ECS ACTIVE."""
    created = create(ecs)
    assert len(created.server_ids) == 1
    server_id = created.server_ids[0]
    statuses: set[str] = set()
    job = wait_job(ecs, created.job_id, lambda: statuses.add(show(ecs, server_id).status))
    assert job.status == "SUCCESS"
    assert job.entities.sub_jobs[0].entities.server_id == server_id
    assert "BUILD" in statuses  # Table 4: building + scheduling/networking/... is BUILD
    server = show(ecs, server_id)
    assert (server.status, server.os_ext_st_svm_state, server.os_ext_st_stask_state) == ("ACTIVE", "active", None)
    assert server.os_ext_st_spower_state == 1  # RUNNING
    assert server.flavor.id == "s6.small.1"
    # The same server through the Compute API (Nova's paths, same store, same clock).
    code, body = raw(fake, "GET", f"/compute/v2.1/servers/{server_id}")
    assert code == 200
    nova = body["server"]
    assert (nova["status"], nova["OS-EXT-STS:vm_state"], nova["OS-EXT-STS:power_state"]) == ("ACTIVE", "active", 1)


def test_batch_stop_is_one_job_with_a_sub_job_per_server(fake: FakeCompute, ecs: EcsClient) -> None:
    """os-stop of three ECSs is one job; entities.sub_jobs has one per server (api-ecs/ecs_02_0303, ecs_02_0901)."""
    created = create(ecs, count=3)
    assert wait_job(ecs, created.job_id).status == "SUCCESS"
    names = sorted(show(ecs, i).name for i in created.server_ids)
    assert names == ["web-0001", "web-0002", "web-0003"]
    job_id = stop(ecs, *created.server_ids, kind="HARD")
    during = show(ecs, created.server_ids[0])
    # Table 4: active + powering-off is shown ACTIVE.
    assert (during.status, during.os_ext_st_stask_state) == ("ACTIVE", "powering-off")
    job = wait_job(ecs, job_id)
    assert job.status == "SUCCESS"
    assert job.entities.sub_jobs_total == 3
    assert sorted(s.entities.server_id for s in job.entities.sub_jobs) == sorted(created.server_ids)
    assert {s.status for s in job.entities.sub_jobs} == {"SUCCESS"}
    assert [show(ecs, i).status for i in created.server_ids] == ["SHUTOFF"] * 3
    listed = ecs.list_servers_details(ListServersDetailsRequest(status="SHUTOFF"))
    assert listed.count == 3
    # start them again, and reboot one (type is required for reboot: api-ecs/ecs_02_0302)
    start = BatchStartServersRequestBody(os_start=BatchStartServersOption(servers=ids(*created.server_ids)))
    assert wait_job(ecs, ecs.batch_start_servers(BatchStartServersRequest(body=start)).job_id).status == "SUCCESS"
    reboot = BatchRebootServersRequestBody(
        reboot=BatchRebootSeversOption(servers=ids(created.server_ids[0]), type="HARD")
    )
    job_id = ecs.batch_reboot_servers(BatchRebootServersRequest(body=reboot)).job_id
    assert show(ecs, created.server_ids[0]).status == "HARD_REBOOT"
    assert wait_job(ecs, job_id).status == "SUCCESS"


def test_native_resize_refused_when_active_then_with_stop_server(fake: FakeCompute, ecs: EcsClient) -> None:
    """Resize needs a stopped ECS (api-ecs/ecs_02_0209: HTTP 400 Ecs.0100, ecs_07_0002), unless withStopServer."""
    created = create(ecs)
    server_id = created.server_ids[0]
    assert wait_job(ecs, created.job_id).status == "SUCCESS"
    option = ResizePrePaidServerOption(flavor_ref="s6.large.2")
    with pytest.raises(ClientRequestException) as refused:
        ecs.resize_server(ResizeServerRequest(server_id=server_id, body=ResizeServerRequestBody(resize=option)))
    assert (refused.value.status_code, refused.value.error_code) == (400, "Ecs.0100")
    assert show(ecs, server_id).flavor.id == "s6.small.1"
    same = ResizePrePaidServerOption(flavor_ref="s6.small.1", mode="withStopServer")
    with pytest.raises(ClientRequestException) as unchanged:
        ecs.resize_server(ResizeServerRequest(server_id=server_id, body=ResizeServerRequestBody(resize=same)))
    assert unchanged.value.error_code == "Ecs.0009"  # "Another flavor must be used for resizing"
    option = ResizePrePaidServerOption(flavor_ref="s6.large.2", mode="withStopServer")
    job_id = ecs.resize_server(
        ResizeServerRequest(server_id=server_id, body=ResizeServerRequestBody(resize=option))
    ).job_id
    statuses: list[str] = []
    job = wait_job(ecs, job_id, lambda: statuses.append(show(ecs, server_id).status))
    assert job.status == "SUCCESS"
    # stop (ACTIVE + powering-off), resize (RESIZE rows exist only under stopped), start: one job.
    assert "RESIZE" in statuses
    assert "SHUTOFF" in statuses
    after = show(ecs, server_id)
    assert (after.status, after.flavor.id, after.flavor.vcpus, after.flavor.ram) == (
        "ACTIVE",
        "s6.large.2",
        "2",
        "4096",
    )


def test_reinstall_and_change_os(fake: FakeCompute, ecs: EcsClient) -> None:
    """Reinstall / change OS need a stopped ECS (regional refs) and walk the REBUILD rows under stopped."""
    server_id = create(ecs).server_ids[0]
    fake.cloud.settle()
    body = ReinstallServerWithCloudInitRequestBody(
        os_reinstall=ReinstallServerWithCloudInitOption(adminpass="Pw-123456")
    )
    with pytest.raises(ClientRequestException) as refused:
        ecs.reinstall_server_with_cloud_init(ReinstallServerWithCloudInitRequest(server_id=server_id, body=body))
    assert (refused.value.status_code, refused.value.error_code) == (400, "Ecs.0100")
    assert wait_job(ecs, stop(ecs, server_id)).status == "SUCCESS"
    job_id = ecs.reinstall_server_with_cloud_init(
        ReinstallServerWithCloudInitRequest(server_id=server_id, body=body)
    ).job_id
    assert show(ecs, server_id).status == "REBUILD"
    assert wait_job(ecs, job_id).status == "SUCCESS"
    assert show(ecs, server_id).status == "SHUTOFF"
    change = ChangeServerOsWithCloudInitRequestBody(os_change=ChangeServerOsWithCloudInitOption(imageid="image-2"))
    job_id = ecs.change_server_os_with_cloud_init(
        ChangeServerOsWithCloudInitRequest(server_id=server_id, body=change)
    ).job_id
    assert wait_job(ecs, job_id).status == "SUCCESS"
    assert show(ecs, server_id).image.id == "image-2"


def test_reinstall_and_change_os_of_a_running_ecs_with_stop_server(fake: FakeCompute, ecs: EcsClient) -> None:
    """mode=withStopServer: "the system automatically stops the ECS before reinstalling its OS" (ecs_02_0203)."""
    server_id = create(ecs).server_ids[0]
    fake.cloud.settle()
    option = ReinstallServerWithCloudInitOption(adminpass="Pw-123456", mode="withStopServer")
    body = ReinstallServerWithCloudInitRequestBody(os_reinstall=option)
    job_id = ecs.reinstall_server_with_cloud_init(
        ReinstallServerWithCloudInitRequest(server_id=server_id, body=body)
    ).job_id
    statuses: list[str] = []
    assert wait_job(ecs, job_id, lambda: statuses.append(show(ecs, server_id).status)).status == "SUCCESS"
    assert "REBUILD" in statuses  # the stop and the reinstall are one job
    assert show(ecs, server_id).status == "SHUTOFF"
    assert wait_job(ecs, start(ecs, server_id)).status == "SUCCESS"
    change = ChangeServerOsWithCloudInitOption(imageid="image-3", mode="withStopServer")
    job_id = ecs.change_server_os_with_cloud_init(
        ChangeServerOsWithCloudInitRequest(
            server_id=server_id, body=ChangeServerOsWithCloudInitRequestBody(os_change=change)
        )
    ).job_id
    assert wait_job(ecs, job_id).status == "SUCCESS"
    after = show(ecs, server_id)
    assert (after.status, after.image.id) == ("SHUTOFF", "image-3")


def test_injected_failure_fails_the_job_and_its_sub_job(fake: FakeCompute, ecs: EcsClient) -> None:
    """A failed task makes its sub-job FAIL with error_code and fail_reason; the batch job is FAIL (ecs_02_0901)."""
    created = create(ecs, count=3)
    fake.cloud.settle()
    broken = created.server_ids[1]
    fake.cloud.fail_next(broken, "stop")
    job = wait_job(ecs, stop(ecs, *created.server_ids))
    assert job.status == "FAIL"
    assert job.error_code
    assert job.fail_reason
    by_server = {s.entities.server_id: s for s in job.entities.sub_jobs}
    assert by_server[broken].status == "FAIL"
    assert by_server[broken].error_code == job.error_code
    assert [by_server[i].status for i in created.server_ids if i != broken] == ["SUCCESS", "SUCCESS"]
    assert show(ecs, broken).status == "ACTIVE"  # a failed stop leaves it running
    # A failed native create is rolled back: no ERROR server remains (api-ecs/en-us_topic_0020212668).
    fake.cloud.fleet_for("huawei-ecs").inject_failure("create")
    failed = create(ecs, name="doomed")
    assert wait_job(ecs, failed.job_id).status == "FAIL"
    with pytest.raises(ClientRequestException) as gone:
        show(ecs, failed.server_ids[0])
    assert (gone.value.status_code, gone.value.error_code) == (404, "Ecs.0114")


def test_delete_reset_password_and_not_an_ecs(fake: FakeCompute, ecs: EcsClient) -> None:
    server_id = create(ecs).server_ids[0]
    fake.cloud.settle()
    option = ResetServerPasswordOption(new_password="New-Pass-1")
    ecs.reset_server_password(  # 204, no job, no status change (api-ecs/ecs_02_0306)
        ResetServerPasswordRequest(server_id=server_id, body=ResetServerPasswordRequestBody(reset_password=option))
    )
    assert show(ecs, server_id).status == "ACTIVE"
    body = DeleteServersRequestBody(servers=ids(server_id))
    assert wait_job(ecs, ecs.delete_servers(DeleteServersRequest(body=body)).job_id).status == "SUCCESS"
    with pytest.raises(ClientRequestException) as gone:
        show(ecs, server_id)
    assert gone.value.error_code == "Ecs.0114"
    nova_id = fake.cloud.seed("active")  # a Compute API (nova) server is not an ECS
    with pytest.raises(ClientRequestException) as other:
        show(ecs, nova_id)
    assert (other.value.status_code, other.value.error_code) == (404, "Ecs.0114")
    assert ecs.list_servers_details(ListServersDetailsRequest()).count == 0


def test_signature_required_and_prefix_paths(fake: FakeCompute) -> None:
    """No AK/SK signature: 401 from the gateway; the /ecs prefix serves the same API as the root paths."""
    code, body = raw(fake, "GET", f"/v1/{PROJECT}/cloudservers/detail", signed=False)
    assert code == 401
    assert body["error_code"] == "APIGW.0301"
    assert "Authorization" in body["error_msg"]
    code, body = raw(fake, "GET", f"/ecs/v1/{PROJECT}/cloudservers/detail")
    assert (code, body) == (200, {"count": 0, "servers": []})
    ecs_id = fake.cloud.seed("stopped", dialect="huawei-ecs")
    code, body = raw(fake, "GET", f"/ecs/v1/{PROJECT}/cloudservers/{ecs_id}")
    assert (code, body["server"]["status"]) == (200, "SHUTOFF")


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("cloudservers/action", {"reboot": {"servers": [{"id": "x"}], "type": "SOFTLY"}}, "SOFT, HARD"),
        ("cloudservers/action", {"os-pause": {"servers": []}}, "os-start, os-stop, reboot"),
        ("cloudservers/action", {"os-stop": {"servers": "all"}}, "servers must be a list"),
        ("cloudservers", {"server": {"name": "x"}}, "server.imageRef is required"),
        ("cloudservers/detail?status=PAUSED", None, "valid choices: BUILD"),
    ],
)
def test_bad_requests_name_the_bad_value(fake: FakeCompute, path: str, body: Any, expected: str) -> None:
    method = "GET" if body is None else "POST"
    code, answer = raw(
        fake, method, f"/v1.1/{PROJECT}/{path}" if path == "cloudservers" else f"/v1/{PROJECT}/{path}", body
    )
    assert code == 400
    assert answer["error"]["code"] == "Ecs.0005"
    assert expected in answer["error"]["message"]


def test_unknown_server_in_a_batch_is_404(fake: FakeCompute) -> None:
    code, answer = raw(fake, "POST", f"/v1/{PROJECT}/cloudservers/action", {"os-start": {"servers": [{"id": "nope"}]}})
    assert (code, answer["error"]["code"]) == (404, "Ecs.0114")
    code, answer = raw(fake, "GET", f"/v1/{PROJECT}/jobs/nope")
    assert code == 404
    code, answer = raw(fake, "GET", f"/v1/{PROJECT}/volumes")
    assert code == 404


def test_compute_api_resize_of_an_ecs_is_the_nova_compatible_one(fake: FakeCompute, ecs: EcsClient) -> None:
    """Huawei's Nova-compatible resize takes a running ECS and waits in VERIFY_RESIZE (api-ecs/ecs_03_0308)."""
    server_id = create(ecs).server_ids[0]
    fake.cloud.settle()
    code, _ = raw(fake, "POST", f"/compute/v2.1/servers/{server_id}/action", {"resize": {"flavorRef": "2"}})
    assert code == 202
    fake.cloud.settle()
    code, body = raw(fake, "GET", f"/compute/v2.1/servers/{server_id}")
    assert (body["server"]["status"], body["server"]["OS-EXT-STS:vm_state"]) == ("VERIFY_RESIZE", "resized")
    assert show(ecs, server_id).status == "VERIFY_RESIZE"  # Table 4: resized + null
    code, _ = raw(fake, "POST", f"/compute/v2.1/servers/{server_id}/action", {"confirmResize": None})
    assert code == 204
    after = show(ecs, server_id)
    assert (after.status, after.flavor.id) == ("ACTIVE", "2")


def test_a_huawei_cloud_creates_ecs_servers_through_the_compute_api_too() -> None:
    """Cloud(dialect="huawei-ecs"): the Compute API's servers are ECSs, which the ECS API acts on."""
    with serve_in_thread(dialect="huawei-ecs") as fake:
        credentials = BasicCredentials("any-ak", "any-sk", PROJECT)
        ecs = EcsClient.new_builder().with_credentials(credentials).with_endpoint(fake.root).build()
        code, body = raw(
            fake,
            "POST",
            "/v2.1/servers",
            {"server": {"name": "n1", "imageRef": CIRROS_ID, "flavorRef": "1"}},
        )
        assert code == 202
        server_id = body["server"]["id"]
        fake.cloud.settle()
        assert show(ecs, server_id).status == "ACTIVE"
        assert wait_job(ecs, stop(ecs, server_id)).status == "SUCCESS"
        code, body = raw(fake, "GET", f"/v2.1/servers/{server_id}")
        assert body["server"]["status"] == "SHUTOFF"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1.1/P/cloudservers", ["server"]),
        ("POST", "/v1.1/P/cloudservers", {"server": {"name": 5}}),
        ("POST", "/v1.1/P/cloudservers", {"server": {**{k: "x" for k in ("imageRef", "name", "vpcid")}}}),
        ("POST", "/v1/P/cloudservers/action", {"os-start": {"servers": [{"id": "a"}, {"id": "a"}]}}),
        ("POST", "/v1/P/cloudservers/action", {"os-start": {"servers": []}}),
        ("POST", "/v1/P/cloudservers/delete", {"servers": [{"id": 1}]}),
        ("POST", "/v1/P/cloudservers/delete", {"servers": [], "delete_volume": "yes"}),
        ("POST", "/v1.1/P/cloudservers/S/resize", {"resize": {"flavorRef": "s6.large.2", "mode": "fast"}}),
        ("POST", "/v1.1/P/cloudservers/S/resize", {"resize": {"flavorRef": "m9.huge"}}),
        ("POST", "/v2/P/cloudservers/S/changeos", {"os-change": {}}),
        ("PUT", "/v1/P/cloudservers/S/os-reset-password", {"reset-password": {"new_password": 7}}),
        ("GET", "/v1/P/cloudservers/detail?limit=0", None),
        ("GET", "/v1/P/cloudservers/detail?offset=x", None),
    ],
)
def test_malformed_requests_are_400_never_500(fake: FakeCompute, method: str, path: str, body: Any) -> None:
    """Each bad request is refused with a 400 and a message, and nothing is created."""
    server_id = fake.cloud.seed("active", dialect="huawei-ecs")
    code, answer = raw(fake, method, path.replace("/S/", f"/{server_id}/").replace("/P/", f"/{PROJECT}/"), body)
    assert code == 400, answer
    assert answer["error"]["code"].startswith("Ecs.")
    assert answer["error"]["message"]
    assert len(fake.cloud) == 1
    assert fake.cloud.server(server_id).status.value == "ACTIVE"
