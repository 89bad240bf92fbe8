"""lifecycle watch against a real RabbitMQ broker, started here on 127.0.0.1 for this module.

The broker is Debian's ``rabbitmq-server`` (installed by scripts/_setup), run as
this user from a temporary folder: its own node name, ports, data, cookie and
epmd, so it touches nothing of a system broker. Skipped, saying why, where it is
not installed or does not come up.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("oslo_messaging", reason="the [watch] extra (oslo.messaging) is not installed")

SERVER = pathlib.Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
START_LIMIT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _queue_exists(port: int, name: str) -> bool:
    import amqp  # kombu's transport, installed with oslo.messaging

    connection = amqp.Connection(host=f"127.0.0.1:{port}", userid="guest", password="guest", connect_timeout=2)
    try:
        connection.connect()
        channel = connection.channel()
        try:
            channel.queue_declare(name, passive=True)
        except amqp.exceptions.NotFound:
            return False
        return True
    finally:
        with contextlib.suppress(Exception):
            connection.close()


@pytest.fixture(scope="module")
def rabbitmq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A broker on 127.0.0.1; yields its transport URL."""
    if not SERVER.exists() or shutil.which("epmd") is None:
        pytest.skip(f"RabbitMQ is not installed ({SERVER} missing): apt-get install rabbitmq-server")
    home = tmp_path_factory.mktemp("rabbitmq")
    (home / "enabled_plugins").write_text("[].\n")
    port, dist, epmd = _free_port(), _free_port(), _free_port()
    env = dict(
        os.environ,
        HOME=str(home),
        RABBITMQ_NODENAME=f"lifecycle-{os.getpid()}@localhost",
        RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
        RABBITMQ_NODE_PORT=str(port),
        RABBITMQ_DIST_PORT=str(dist),
        RABBITMQ_MNESIA_BASE=str(home / "mnesia"),
        RABBITMQ_LOG_BASE=str(home / "log"),
        RABBITMQ_ENABLED_PLUGINS_FILE=str(home / "enabled_plugins"),
        RABBITMQ_CONFIG_FILE=str(home / "rabbitmq"),
        RABBITMQ_ADVANCED_CONFIG_FILE=str(home / "advanced.config"),
        RABBITMQ_PID_FILE=str(home / "pid"),
        ERL_EPMD_ADDRESS="127.0.0.1",
        ERL_EPMD_PORT=str(epmd),
    )
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed at teardown
    broker = subprocess.Popen([str(SERVER)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_LIMIT
        while time.monotonic() < deadline and broker.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.25)
        else:
            tail = (home / "server.log").read_text(errors="replace")[-800:]
            pytest.skip(f"RabbitMQ did not start within {START_LIMIT:g} s (exit {broker.poll()}): {tail}")
        yield f"rabbit://guest:guest@127.0.0.1:{port}/"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(broker.pid, signal.SIGTERM)
        try:
            broker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(broker.pid, signal.SIGKILL)
            broker.wait(5)
        subprocess.run(["epmd", "-kill"], env=env, capture_output=True, timeout=10, check=False)
        log.close()


def test_watch_cli_reports_a_change_from_a_real_broker(rabbitmq: str, tmp_path: pathlib.Path) -> None:
    """The fake's notifications go through RabbitMQ as Nova sends them; the CLI reports the one forged jump."""
    from lifecycle import Fleet
    from lifecycle.validate.notifications import NovaNotifier
    from lifecycle.validate.watch import NOVA_TOPIC, import_oslo, transport_for

    messages: list[dict[str, Any]] = []
    fleet = Fleet(seed=4)
    fleet.listen(NovaNotifier(sink=messages.append))
    server = fleet.create("web")
    fleet.run_until_idle()
    server.stop()
    fleet.run_until_idle()
    forged = json.loads(json.dumps(messages[-1]))
    forged["event_type"] = "instance.pause.end"
    forged["payload"]["nova_object.data"].update(state="paused", power_state="paused", state_update=None)
    out = tmp_path / "findings.jsonl"
    command = [sys.executable, "-m", "lifecycle", "watch", "--transport-url", rabbitmq, "--json", "--duration", "30"]
    with open(out, "wb") as sink, open(tmp_path / "watch.err", "wb") as errors:
        watcher = subprocess.Popen(command, stdout=sink, stderr=errors)
    try:
        deadline = time.monotonic() + 20
        while not _queue_exists(int(rabbitmq.rsplit(":", 1)[1].rstrip("/")), f"{NOVA_TOPIC}.info"):
            assert time.monotonic() < deadline, "the watcher never subscribed"
            assert watcher.poll() is None, (tmp_path / "watch.err").read_text()
            time.sleep(0.2)
        messaging, _ = import_oslo()
        transport = transport_for(rabbitmq)
        notifier = messaging.Notifier(transport, driver="messagingv2", topics=[NOVA_TOPIC])
        for message in [*messages, forged]:
            notifier.prepare(publisher_id=message["publisher_id"]).info({}, message["event_type"], message["payload"])
        transport.cleanup()
        deadline = time.monotonic() + 20
        while not out.read_text().strip() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(20)
    (finding,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert (finding["kind"], finding["server_id"]) == ("change", server.id)
    assert (finding["before"], finding["after"]) == ("SHUTOFF (stopped)", "PAUSED (paused)")
    assert code == 1
