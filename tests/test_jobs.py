"""Huawei-style jobs on the fleet's clock: lifecycle, batches, partial success, lag and the two failure modes."""

from __future__ import annotations

import pytest

from lifecycle import Fleet, Job, JobRequestError, Jobs, JobStatus, Status, UnsupportedOperationError
from lifecycle.simulate.jobs import TASK_FAILED, JobNotFoundError

D = "huawei-ecs"


def _fleet(**options: object) -> Fleet:
    return Fleet(D, seed=7, **options)  # type: ignore[arg-type]


def test_a_job_goes_init_running_success_on_the_clock() -> None:
    """INIT for init_seconds, RUNNING while the server works, SUCCESS when it rests; times in the API format."""
    fleet = _fleet(durations={"stop": 20})
    jobs = Jobs(fleet, init_seconds=2)
    srv = fleet.create("web", vm_state="active")
    job = jobs.submit("stop", srv)
    assert job.status is JobStatus.INIT
    fleet.advance(5)
    assert job.status is JobStatus.RUNNING
    assert srv.task_state is not None
    assert job.wait() is JobStatus.SUCCESS
    assert fleet.now == 20
    assert srv.status is Status.SHUTOFF
    body = job.as_dict()
    assert body["status"] == "SUCCESS"
    assert body["begin_time"] == "2026-01-01T00:00:00Z"
    assert body["end_time"] == "2026-01-01T00:00:20Z"
    assert body["entities"]["server_id"] == srv.id
    assert body["entities"]["sub_jobs_total"] == 1
    assert (body["error_code"], body["fail_reason"]) == (None, None)
    assert jobs.get(job.job_id) is job


def test_composite_resize_with_stop_is_one_job_that_ends_active() -> None:
    """withStopServer: the job stays RUNNING through stop, resize and start, and succeeds when ACTIVE again."""
    fleet = _fleet(durations={"resize_with_stop": 10, "resize": 60, "start": 10})
    jobs = Jobs(fleet)
    srv = fleet.create(vm_state="active")
    job = jobs.submit("resize_with_stop", srv)
    fleet.advance(15)
    assert (srv.status, job.status) == (Status.RESIZE, JobStatus.RUNNING)
    assert job.wait() is JobStatus.SUCCESS
    assert fleet.now == 80
    assert srv.status is Status.ACTIVE
    ops = [e.operation for e in fleet.events.for_server(srv) if e.kind == "request"]
    assert ops == ["resize_with_stop", "resize", "confirm_resize", "start"]


def test_task_failure_fails_the_job_with_code_and_reason() -> None:
    """An injected failure in the resize fails the composite job; the ECS is rolled back to SHUTOFF, not started."""
    fleet = _fleet()
    jobs = Jobs(fleet)
    srv = fleet.create(vm_state="active")
    fleet.inject_failure("resize", server=srv, at_step="resize_migrating")
    job = jobs.submit("resize_with_stop", srv)
    assert job.wait() is JobStatus.FAIL
    assert job.error_code == TASK_FAILED
    assert job.fail_reason == "resize failed in task_state resize_migrating"
    fleet.run_until_idle()
    assert (srv.status, srv.pending) == (Status.SHUTOFF, ())


def test_batch_partial_success() -> None:
    """A batch stop with one failing server: the job FAILs, its sub-jobs tell which servers succeeded."""
    fleet = _fleet()
    jobs = Jobs(fleet)
    servers = [fleet.create(f"s{i}", vm_state="active") for i in range(3)]
    fleet.inject_failure("stop", server=servers[1])
    job = jobs.submit("stop", servers)
    assert job.wait() is JobStatus.FAIL
    assert [s.server_id for s in job.succeeded] == [servers[0].id, servers[2].id]
    assert [s.server_id for s in job.failed] == [servers[1].id]
    assert job.fail_reason == "1 of 3 sub-jobs failed; first: stop failed in task_state powering-off"
    assert [s.status for s in servers] == [Status.SHUTOFF, Status.ACTIVE, Status.SHUTOFF]
    subs = job.as_dict()["entities"]["sub_jobs"]
    assert [s["status"] for s in subs] == ["SUCCESS", "FAIL", "SUCCESS"]
    assert subs[1]["error_code"] == TASK_FAILED
    assert "server_id" not in job.as_dict()["entities"]


def test_status_lags_a_successful_delete_job() -> None:
    """With status_lag the delete job is SUCCESS while the ECS still shows ACTIVE (deleting); without, it waits."""
    fleet = _fleet(durations={"delete": 30})
    lagging = Jobs(fleet, status_lag=True)
    srv = fleet.create(vm_state="active")
    job = lagging.submit("delete", srv)
    assert job.status is JobStatus.SUCCESS
    assert (srv.status, srv.task_state and srv.task_state.value) == (Status.ACTIVE, "deleting")
    fleet.run_until_idle()
    assert srv.status is Status.DELETED
    lagging.stop()

    fleet2 = _fleet(durations={"delete": 30})
    strict = Jobs(fleet2)
    srv2 = fleet2.create(vm_state="active")
    job2 = strict.submit("delete", srv2)
    assert job2.status is JobStatus.RUNNING
    job2.wait()
    assert srv2.status is Status.DELETED


def test_wrong_state_at_once_is_http_400_ecs_0100_and_starts_nothing() -> None:
    """precondition='immediate': the whole batch is refused with Huawei's body, no server moves, no job exists."""
    fleet = _fleet()
    jobs = Jobs(fleet)
    up = fleet.create("up", vm_state="active")
    down = fleet.create("down", vm_state="stopped", id="ecs-down")
    with pytest.raises(JobRequestError) as info:
        jobs.submit("stop", [up, down])
    err = info.value
    assert (err.http_status, err.code) == (400, "Ecs.0100")
    message = "The ECS status does not meet requirements: cannot 'os-stop' ECS ecs-down while it is in vm_state stopped"
    assert err.body() == {"error": {"code": "Ecs.0100", "message": message, "details": [
        {"code": "Ecs.0100", "message": message}]}}  # fmt: skip
    assert list(err.errors) == ["ecs-down"]
    assert str(err) == f"HTTP 400 Ecs.0100: {message}"
    assert up.task_state is None
    assert len(jobs) == 0


def test_wrong_state_as_a_failed_sub_job() -> None:
    """precondition='job': the request is accepted, the refused server's sub-job FAILs with Ecs.0100 at once."""
    fleet = _fleet()
    jobs = Jobs(fleet, precondition="job")
    up = fleet.create("up", vm_state="active")
    down = fleet.create("down", vm_state="stopped")
    job = jobs.submit("stop", [up, down])
    assert job.status is JobStatus.RUNNING
    assert job.sub_jobs[1].status is JobStatus.FAIL
    assert job.sub_jobs[1].error_code == "Ecs.0100"
    assert job.sub_jobs[1].fail_reason is not None
    assert "cannot 'os-stop'" in job.sub_jobs[1].fail_reason
    assert job.wait() is JobStatus.FAIL
    assert up.status is Status.SHUTOFF
    assert jobs.submit("start", down, precondition="immediate").wait() is JobStatus.SUCCESS


def test_locked_and_unknown_servers_and_batch_limits() -> None:
    """A locked ECS is refused like a wrong state; an unknown one is 404 Ecs.0114; more than 1000 is Ecs.0118."""
    fleet = _fleet()
    jobs = Jobs(fleet)
    srv = fleet.create(vm_state="active", id="ecs-l", locked=True)
    with pytest.raises(JobRequestError, match="ECS ecs-l is locked") as info:
        jobs.submit("reboot", srv)
    assert info.value.http_status == 400
    with pytest.raises(JobRequestError) as missing:
        jobs.submit("reboot", ["nope"])
    assert (missing.value.http_status, missing.value.code) == (404, "Ecs.0114")
    with pytest.raises(JobRequestError) as big:
        jobs.submit("reboot", [srv] * 1001)
    assert big.value.code == "Ecs.0118"
    with pytest.raises(UnsupportedOperationError, match="not offered by Huawei Cloud ECS"):
        jobs.submit("pause", srv)
    with pytest.raises(JobNotFoundError):
        jobs.get("ff808081")


def test_create_job_rolls_back_a_failed_server() -> None:
    """A batch create where one server fails: that sub-job FAILs and its server is DELETED, not ERROR."""
    fleet = _fleet()
    jobs = Jobs(fleet)
    fleet.inject_failure("create", times=1)
    job = jobs.create(3)
    assert job.wait() is JobStatus.FAIL
    assert len(job.succeeded) == 2
    assert fleet.status_counts() == {"ACTIVE": 2, "DELETED": 1}
    assert job.failed[0].fail_reason == "create failed in task_state scheduling"


def test_instant_and_zero_second_requests_finish_at_once() -> None:
    """reset_password has no task, and a composite of 0 s steps ends inside submit: both jobs are done at once."""
    fleet = _fleet(durations={"resize_with_stop": 0, "resize": 0, "start": 0})
    jobs = Jobs(fleet)
    srv = fleet.create(vm_state="active")
    assert jobs.submit("reset_password", srv).status is JobStatus.SUCCESS
    job = jobs.submit("resize_with_stop", srv)
    assert (job.status, srv.status) == (JobStatus.SUCCESS, Status.ACTIVE)


def test_a_request_on_a_busy_server_supersedes_its_job() -> None:
    """Deleting an ECS while its stop job runs fails that job ('superseded by delete')."""
    fleet = _fleet()
    jobs = Jobs(fleet)
    srv = fleet.create(vm_state="active")
    job = jobs.submit("stop", srv)
    srv.delete()
    assert job.status is JobStatus.FAIL
    assert job.fail_reason == "superseded by delete"


def test_attached_service_carries_composites_without_a_job() -> None:
    """With a job service attached, a plain FleetServer request of a composite runs to its end on the clock."""
    fleet = _fleet()
    Jobs(fleet)
    srv = fleet.create(vm_state="active")
    srv.resize_with_stop()
    fleet.run_until_idle()
    assert srv.status is Status.ACTIVE


def test_nova_fleet_speaks_nova() -> None:
    """The same service on a Nova fleet refuses with HTTP 409 conflictingRequest."""
    fleet = Fleet("nova", seed=1)
    jobs = Jobs(fleet)
    srv = fleet.create(vm_state="stopped")
    with pytest.raises(JobRequestError) as info:
        jobs.submit("stop", srv)
    assert (info.value.http_status, info.value.code) == (409, "conflictingRequest")
    assert isinstance(jobs.submit("start", srv), Job)


def test_bad_service_options_are_refused() -> None:
    """Unknown precondition modes and negative INIT times name the bad value."""
    fleet = _fleet()
    with pytest.raises(ValueError, match="'later'"):
        Jobs(fleet, precondition="later")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="-1"):
        Jobs(fleet, init_seconds=-1)


def test_a_composite_whose_next_request_is_refused_fails() -> None:
    """If the ECS moved where the next request is refused, the composite job fails instead of hanging."""
    fleet = _fleet(durations={"resize_with_stop": 10})
    jobs = Jobs(fleet)
    srv = fleet.create(vm_state="active")
    job = jobs.submit("resize_with_stop", srv)
    fleet.advance(1)
    srv.pending = ("confirm_resize",)  # stands for a server moved where the next request is refused
    assert job.wait() is JobStatus.FAIL
    assert job.fail_reason == "confirm_resize refused in stopped"


def test_the_clouds_own_follow_up_ignores_the_lock() -> None:
    """Locking an ECS mid-job does not stop withStopServer's resize and start (the cloud makes those requests)."""
    fleet = _fleet()
    jobs = Jobs(fleet)
    srv = fleet.create(vm_state="active")
    job = jobs.submit("resize_with_stop", srv)
    srv.lock()
    assert job.wait() is JobStatus.SUCCESS
    assert srv.status is Status.ACTIVE
