"""lifecycle watch: notifications through oslo.messaging (fake:// in memory), and polling the fake cloud."""

from __future__ import annotations

import json
import pathlib
import threading
import time
from typing import Any

import pytest

from lifecycle.cli import main
from lifecycle.validate.trace import Audit, Change, Finding
from lifecycle.validate.watch import NOVA_TOPIC, import_oslo, poll_cloud, transport_for, watch_notifications

pytest.importorskip("oslo_messaging", reason="the [watch] extra (oslo.messaging) is not installed")


def _send_through(transport: Any, messages: list[dict[str, Any]]) -> None:
    """Send messages as Nova does: a messagingv2 Notifier on the versioned topic."""
    messaging, _ = import_oslo()
    notifier = messaging.Notifier(transport, driver="messagingv2", topics=[NOVA_TOPIC])
    for message in messages:
        prepared = notifier.prepare(publisher_id=message["publisher_id"])
        level = "error" if message["priority"] == "ERROR" else "info"
        getattr(prepared, level)({}, message["event_type"], message["payload"])


def _watch_until(transport: Any, audit: Audit, found: list[Finding], until: Any, limit: float = 20.0) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=watch_notifications, args=(transport, audit, found.append), kwargs={"stop": stop})
    thread.start()
    try:
        deadline = time.monotonic() + limit
        while not until() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)


def test_watch_reports_an_unexplained_change_from_the_fake_clouds_notifications() -> None:
    """The fake cloud sends its notifications through oslo.messaging's fake:// transport; a forged jump is reported."""
    from lifecycle.api.cloud import Cloud
    from lifecycle.validate.notifications import NovaNotifier

    transport = transport_for("fake://")
    messages: list[dict[str, Any]] = []
    cloud = Cloud(notifications=NovaNotifier(transport=transport, sink=messages.append), seed=2)
    record = cloud.boot(name="web", flavor=cloud.flavor("1"))
    cloud.settle()
    cloud.perform(record, "stop")
    cloud.settle()
    forged = json.loads(json.dumps(messages[-1]))
    data = forged["payload"]["nova_object.data"]
    data.update(state="paused", task_state=None, power_state="paused")  # stopped -> paused: start, then pause
    data["state_update"] = None
    forged["event_type"] = "instance.pause.end"
    _send_through(transport, [forged])
    audit = Audit()
    found: list[Finding] = []
    _watch_until(transport, audit, found, lambda: bool(_reported(found)))
    transport.cleanup()
    (change,) = _reported(found)
    assert isinstance(change, Change)
    assert change.server_id == record.id
    assert change.before == "SHUTOFF (stopped)"
    assert change.after == "PAUSED (paused)"
    assert change.last_good == "SHUTOFF (stopped)"
    assert audit.report.observations > len(messages)
    assert {m["event_type"] for m in messages} >= {"instance.create.end", "instance.power_off.end"}


def test_a_bad_transport_url_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--transport-url", "nosuch://x", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert "cannot use transport URL 'nosuch://x'" in err
    assert "Traceback" not in err


def _reported(found: list[Finding]) -> list[Finding]:
    """What a watcher reports: everything but explained changes."""
    return [f for f in found if not (isinstance(f, Change) and f.explained)]


def _clouds_yaml(tmp_path: pathlib.Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text(f"clouds:\n  fake:\n    auth_type: none\n    compute_endpoint_override: {url}\n")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))


def test_polling_the_fake_cloud_audits_as_it_goes(
    compute_api: Any, openstack_connection: Any, tmp_path: pathlib.Path
) -> None:
    """changes-since polls: each change is judged as it is seen; a reset to an unreachable state is reported."""
    cloud = compute_api.cloud
    web = cloud.boot(name="web", flavor=cloud.flavor("1"))
    cloud.settle()
    audit = Audit(stuck=None)
    found: list[Finding] = []
    poll_cloud(openstack_connection, audit, found.append, interval=0.1, polls=1)
    assert not _reported(found)
    assert audit.report.observations == 1
    cloud.perform(web, "stop")
    cloud.settle()
    poll_cloud(openstack_connection, audit, found.append, interval=0.1, polls=1)
    assert [str(f).split(": ", 1)[1] for f in found] == ["ACTIVE (active) -> SHUTOFF (stopped): stop"]
    cloud.reset_state(web, "paused")  # os-resetState: stopped -> paused takes two requests (start, pause)
    poll_cloud(openstack_connection, audit, found.append, interval=0.1, polls=1)
    (change,) = _reported(found)
    assert isinstance(change, Change)
    assert (change.before, change.after) == ("SHUTOFF (stopped)", "PAUSED (paused)")


def test_polling_every_project_needs_all_projects(compute_api: Any, openstack_connection: Any) -> None:
    """Nova lists the token's project only; all_tenants (admin) lists every project's servers."""
    cloud = compute_api.cloud
    cloud.boot(name="mine", flavor=cloud.flavor("1"))
    cloud.boot(name="theirs", flavor=cloud.flavor("1"), project_id="another-project")
    cloud.settle()
    own = Audit(stuck=None)
    poll_cloud(openstack_connection, own, [].append, interval=0.1, polls=1)
    assert own.report.observations == 1
    every = Audit(stuck=None)
    poll_cloud(openstack_connection, every, [].append, interval=0.1, polls=1, all_projects=True)
    assert every.report.observations == 2


def test_watch_all_projects_needs_a_cloud(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--transport-url", "fake://", "--all-projects", "--polls", "1"]) == 2
    assert "--all-projects applies to --cloud" in capsys.readouterr().err


def test_watch_cloud_cli_polls_and_reports_stuck_builds(
    compute_api: Any, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _clouds_yaml(tmp_path, compute_api.url, monkeypatch)
    cloud = compute_api.cloud
    stuck = cloud.seed("building", "spawning", name="stuck")
    cloud.fleet.set_state(stuck, "building", "spawning")  # as after os-resetState: nothing runs the task on
    args = ["watch", "--cloud", "fake", "--all-projects", "--polls", "2", "--interval", "0.2", "--json"]
    args += ["--task-timeout", "0"]
    code = main([*args, "--stuck-grace", "0"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [(f["kind"], f["rule"]) for f in lines] == [("stuck", "task_timeout")]
    assert main(["watch", "--cloud", "nosuch-cloud", "--polls", "1"]) == 2
    assert "cannot use cloud 'nosuch-cloud'" in capsys.readouterr().err
