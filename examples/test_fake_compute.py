"""Copy me: test your own OpenStack automation against the fake Compute API.

``safe_reboot`` stands for your code under test: it must cope with a server
that is busy (Nova answers 409) and wait for the reboot to finish. Run with::

    pip install 'server-lifecycle[sdk]' pytest
    pytest examples/test_fake_compute.py

The ``compute_api`` and ``openstack_connection`` fixtures come from the
server-lifecycle pytest plugin (installed with the package).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

openstack = pytest.importorskip("openstack", reason="needs openstacksdk: pip install 'server-lifecycle[sdk]'")


# --- your code under test ------------------------------------------------------
def safe_reboot(conn: Any, server_id: str, *, retries: int = 5, interval: float = 2.0, wait: float = 60) -> str:
    """Reboot a server, waiting out a running task when Nova says it is busy; returns the final status."""
    for _ in range(retries):
        try:
            conn.compute.reboot_server(server_id, "SOFT")
            break
        except openstack.exceptions.ConflictException as exc:
            if "task_state" not in str(exc.details):
                raise  # a state no retry can fix (stopped, shelved...)
            wait_for_no_task(conn, server_id, interval=interval, wait=wait)
    else:
        raise TimeoutError(f"server {server_id} stayed busy")
    server = conn.compute.get_server(server_id)
    return str(conn.compute.wait_for_server(server, status="ACTIVE", interval=interval, wait=wait).status)


def wait_for_no_task(conn: Any, server_id: str, *, interval: float, wait: float) -> None:
    """Poll the server (GET) until its task ends: the status alone may not move (a snapshot stays ACTIVE)."""
    deadline = time.monotonic() + wait
    while conn.compute.get_server(server_id).task_state is not None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"server {server_id} stayed busy")
        time.sleep(interval)


# --- the tests ------------------------------------------------------------------
def test_reboot_of_an_idle_server(openstack_connection: Any, compute_api: Any) -> None:
    """An ACTIVE server goes through REBOOT and comes back ACTIVE."""
    sid = compute_api.cloud.seed("active", name="web")
    assert safe_reboot(openstack_connection, sid, interval=0.01) == "ACTIVE"


def test_reboot_waits_out_a_snapshot(openstack_connection: Any, compute_api: Any) -> None:
    """A server in the middle of a snapshot refuses the reboot (409) until the snapshot ends."""
    sid = compute_api.cloud.seed("active", "image_uploading", name="web")
    assert safe_reboot(openstack_connection, sid, interval=0.01) == "ACTIVE"


def test_reboot_of_a_stopped_server_is_an_error(openstack_connection: Any, compute_api: Any) -> None:
    """A stopped server cannot be soft-rebooted: the 409 is not retried."""
    sid = compute_api.cloud.seed("stopped", name="web")
    with pytest.raises(openstack.exceptions.ConflictException, match="vm_state stopped"):
        safe_reboot(openstack_connection, sid, interval=0.01)


def test_reboot_that_fails_leaves_error(openstack_connection: Any, compute_api: Any) -> None:
    """If the guest does not come back, Nova puts the server in ERROR; the waiter raises."""
    sid = compute_api.cloud.seed("active", name="web")
    compute_api.cloud.fail_next(sid, "reboot", at_step="reboot_started")
    with pytest.raises(openstack.exceptions.ResourceFailure):
        safe_reboot(openstack_connection, sid, interval=0.01)
