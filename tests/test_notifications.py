"""Nova's versioned notifications as trace input, from Nova's own samples and from the fake API's stream.

The samples in tests/data/nova_notification_samples are Nova's
doc/notification_samples (see SOURCE.md); the expected states are read from the
samples, never from the model.
"""

from __future__ import annotations

import copy
import json
import pathlib
from typing import Any

import pytest

from lifecycle import check_trace
from lifecycle.api.cloud import Cloud
from lifecycle.api.images import CIRROS_ID
from lifecycle.cli import main

SAMPLES = pathlib.Path(__file__).parent / "data" / "nova_notification_samples"


def _merge(base: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(base.get(key), dict) and isinstance(value, dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _resolve(value: Any, folder: pathlib.Path) -> Any:
    """Nova's nova/tests/json_ref.py:resolve_refs: a ``$ref`` is loaded, the rest of the dict overrides it."""
    if isinstance(value, list):
        return [_resolve(v, folder) for v in value]
    if not isinstance(value, dict):
        return value
    if "$ref" in value:
        rest = dict(value)
        path = folder / rest.pop("$ref").partition("#")[0]
        resolved = _resolve(json.loads(path.read_text()), path.parent)
        _merge(resolved, _resolve(rest, folder))
        return resolved
    return {k: _resolve(v, folder) for k, v in value.items()}


def sample(name: str) -> dict[str, Any]:
    return _resolve(json.loads((SAMPLES / f"{name}.json").read_text()), SAMPLES)  # type: ignore[no-any-return]


def data(message: dict[str, Any]) -> dict[str, Any]:
    return message["payload"]["nova_object.data"]  # type: ignore[no-any-return]


def lines(*messages: dict[str, Any]) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages)


def test_samples_resolve_to_instance_states() -> None:
    """The resolver works: the power_off end sample shows a stopped, shut down instance."""
    end = data(sample("instance-power_off-end"))
    assert (end["state"], end["task_state"], end["power_state"]) == ("stopped", None, "shutdown")


def test_power_off_samples_are_a_stop() -> None:
    start, end = sample("instance-power_off-start"), sample("instance-power_off-end")
    report = check_trace(lines(start, end), format="nova-notifications")
    assert report.ok, report.problems
    (server,) = report.servers.values()
    assert server.server_id == data(start)["uuid"]
    assert server.observations == 2
    (change,) = report.changes
    assert change.before.endswith(f"({data(start)['state']}/{data(start)['task_state']})")  # type: ignore[union-attr]
    assert change.after.endswith(f"({data(end)['state']})")
    assert change.explained
    assert change.in_progress is not None  # powering-off was running


def test_reboot_error_carries_its_fault() -> None:
    """instance.reboot.error: the sample's fault (exception and message) reaches the report."""
    start, error = sample("instance-reboot-start"), sample("instance-reboot-error")
    report = check_trace(lines(start, error), format="nova-notifications")
    assert report.ok
    fault = data(error)["fault"]["nova_object.data"]
    (change,) = report.changes
    assert change.fault == f"{fault['exception']}: {fault['exception_message']}"


def test_instance_update_old_and_new_states() -> None:
    """state_update's old pair is an observation too: here it contradicts the server's last state."""
    update = sample("instance-update")
    changed = copy.deepcopy(update)
    new = data(changed)
    new["state_update"]["nova_object.data"].update(old_state="active", old_task_state=None, state="stopped")
    new.update(state="stopped", task_state=None, power_state="shutdown")
    active = copy.deepcopy(sample("instance-power_off-end"))
    data(active).update(state="deleted", task_state=None, power_state="pending", uuid=new["uuid"])
    report = check_trace(lines(active, changed), format="nova-notifications")
    (bad,) = report.unexplained
    assert "(deleted)" in str(bad.before)
    assert "(active)" in bad.after


@pytest.mark.parametrize("wrap", ["plain", "envelope", "log", "oslo.log-json"])
def test_every_way_oslo_messaging_writes_a_notification(wrap: str) -> None:
    """The message, the messagingv2 envelope, a log driver line, and oslo.log's JSON formatter."""
    messages = [sample("instance-power_off-start"), sample("instance-power_off-end")]
    if wrap == "envelope":
        text = lines(*({"oslo.version": "2.0", "oslo.message": json.dumps(m)} for m in messages))
    elif wrap == "log":
        prefix = "2026-01-01 00:00:00.000 1 INFO oslo.messaging.notification.instance.power_off.end [-] "
        text = "".join(prefix + json.dumps(m) + "\n" for m in messages)
    elif wrap == "oslo.log-json":
        text = lines(*({"message": json.dumps(m), "levelname": "INFO"} for m in messages))
    else:
        text = lines(*messages)
    report = check_trace(text, format="nova-notifications")
    assert report.ok, report.problems
    assert report.observations == 2


def test_bad_notifications_are_problems_with_their_line() -> None:
    text = lines({"event_type": "instance.update"}, {"x": 1}, {"event_type": "service.update", "payload": {}})
    report = check_trace(text + "{bad\n", format="nova-notifications")
    assert [(p.line, p.message.split(":")[0]) for p in report.problems] == [
        (1, "instance.update"),
        (2, "not a Nova notification"),
        (4, "malformed JSON"),
    ]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="'servers' or 'nova-notifications'"):
        check_trace("{}", format="nova")


def test_the_fake_api_emits_nova_notifications(tmp_path: pathlib.Path) -> None:
    """Every change of the fake cloud becomes Nova notifications, and they validate."""
    path = tmp_path / "notifications.jsonl"
    cloud = Cloud(notifications=path, seed=5)
    record = cloud.boot(name="web", flavor=cloud.flavor("1"))
    cloud.settle()
    for operation in ("stop", "start", "reboot", "pause", "unpause"):
        cloud.perform(record, operation)
        cloud.settle()
    cloud.fail_next(record.id, "reboot")
    cloud.perform(record, "reboot")
    cloud.settle()
    assert cloud.notifier is not None
    cloud.notifier.close()
    messages = [json.loads(line) for line in path.read_text().splitlines()]
    kinds = [m["event_type"] for m in messages]
    for expected in (
        "instance.create.end",
        "instance.power_off.start",
        "instance.power_on.end",
        "instance.reboot.error",
    ):
        assert expected in kinds
    assert {m["publisher_id"] for m in messages} == {"nova-compute:fake-host"}
    report = check_trace(path, format="nova-notifications")
    assert report.ok, [str(c) for c in report.unexplained]
    (server,) = report.servers.values()
    assert [f.message for f in server.faults] == ["InstanceFault: reboot failed in the simulation"]
    assert main(["trace", "--format", "nova-notifications", "-q", str(path)]) == 0


def test_lifecycle_serve_writes_notifications(tmp_path: pathlib.Path) -> None:
    """``lifecycle serve --notifications FILE``: a boot through the HTTP API, then its notifications validate."""
    import signal
    import subprocess
    import sys
    import urllib.request

    path = tmp_path / "nova.jsonl"
    command = [sys.executable, "-m", "lifecycle", "serve", "--port", "0", "--pace", "instant", "--quiet"]
    command += ["--notifications", str(path)]
    served = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert served.stdout is not None
        url = served.stdout.readline().split(" at ")[1].split()[0]
        body = json.dumps({"server": {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1"}})
        request = urllib.request.Request(
            f"{url}/servers", data=body.encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            server_id = json.load(answer)["server"]["id"]
        for _ in range(20):  # instant pace: each GET shows the next step
            with urllib.request.urlopen(f"{url}/servers/{server_id}", timeout=10) as answer:
                if json.load(answer)["server"]["status"] == "ACTIVE":
                    break
    finally:
        served.send_signal(signal.SIGINT)
        served.wait(10)
        if served.stdout is not None:
            served.stdout.close()
    kinds = [json.loads(line)["event_type"] for line in path.read_text().splitlines()]
    assert kinds[0] == "instance.update"
    assert "instance.create.end" in kinds
    report = check_trace(path, format="nova-notifications")
    assert report.ok
    assert report.servers[server_id].last == "ACTIVE (active)"


def test_unversioned_compute_instance_update_is_read_too() -> None:
    """Legacy ``compute.instance.update``: the states flat in the payload (nova/notifications/base.py,
    ``_compute_states_payload``: old_state, state, old_task_state, new_task_state)."""

    def legacy(old: tuple[str, str | None], new: tuple[str, str | None]) -> dict[str, Any]:
        states = {"old_state": old[0], "old_task_state": old[1], "state": new[0], "new_task_state": new[1]}
        return {"event_type": "compute.instance.update", "payload": {"instance_id": "i-1", **states}}

    text = lines(
        legacy(("active", None), ("active", "powering-off")), legacy(("active", "powering-off"), ("stopped", None))
    )
    report = check_trace(text, format="nova-notifications")
    assert report.ok
    assert [c.explanation for c in report.changes] == [("stop",), ()]
    assert report.servers["i-1"].last == "SHUTOFF (stopped)"
