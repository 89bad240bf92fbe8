"""The fake Compute API driven by the real openstacksdk (skipped when it is not installed)."""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api.images import CIRROS_ID
from lifecycle.api.serve import FakeCompute

openstack = pytest.importorskip(
    "openstack", reason="openstacksdk is not installed: pip install 'server-lifecycle[sdk]'"
)

FAST = {"interval": 0.001, "wait": 10}


def boot(conn: Any, name: str = "vm1") -> Any:
    server = conn.compute.create_server(name=name, image_id=CIRROS_ID, flavor_id="1", networks="none")
    return conn.compute.wait_for_server(server, **FAST)


def wait(conn: Any, server: Any, status: str) -> Any:
    return conn.compute.wait_for_server(conn.compute.get_server(server.id), status=status, **FAST)


def statuses_until_idle(conn: Any, server: Any) -> list[str]:
    seen = []
    for _ in range(50):
        current = conn.compute.get_server(server.id)
        seen.append(current.status)
        if current.task_state is None:
            return seen
    raise AssertionError(f"task never ended: {seen}")


def test_create_waits_active(openstack_connection: Any) -> None:
    """create_server + wait_for_server reaches ACTIVE, with the FSM fields filled in."""
    server = boot(openstack_connection)
    assert (server.status, server.vm_state, server.task_state, server.power_state) == ("ACTIVE", "active", None, 1)
    assert server.launched_at is not None
    assert server.flavor.original_name == "m1.tiny"


def test_reboot_shows_reboot_then_active(openstack_connection: Any) -> None:
    """A soft reboot is seen as REBOOT, then ACTIVE."""
    conn = openstack_connection
    server = boot(conn)
    conn.compute.reboot_server(server, "SOFT")
    seen = statuses_until_idle(conn, server)
    assert seen[0] == "REBOOT"
    assert seen[-1] == "ACTIVE"


def test_stop_start_and_conflict(openstack_connection: Any) -> None:
    """stop reaches SHUTOFF; a reboot then is ConflictException with Nova's message; start reaches ACTIVE."""
    conn = openstack_connection
    server = boot(conn)
    conn.compute.stop_server(server)
    wait(conn, server, "SHUTOFF")
    with pytest.raises(openstack.exceptions.ConflictException) as info:
        conn.compute.reboot_server(server, "SOFT")
    assert info.value.status_code == 409
    assert info.value.details == f"Cannot 'reboot' instance {server.id} while it is in vm_state stopped"
    assert info.value.request_id.startswith("req-")
    conn.compute.start_server(server)
    assert wait(conn, server, "ACTIVE").power_state == 1


def test_resize_confirm_and_revert(openstack_connection: Any) -> None:
    """resize -> VERIFY_RESIZE -> confirm keeps the new flavor; resize -> revert restores the old one."""
    conn = openstack_connection
    server = boot(conn)
    conn.compute.resize_server(server, "2")
    assert wait(conn, server, "VERIFY_RESIZE").flavor.original_name == "m1.small"
    conn.compute.confirm_server_resize(server)
    assert wait(conn, server, "ACTIVE").flavor.original_name == "m1.small"
    conn.compute.resize_server(server, "3")
    wait(conn, server, "VERIFY_RESIZE")
    conn.compute.revert_server_resize(server)
    statuses_until_idle(conn, server)
    assert wait(conn, server, "ACTIVE").flavor.original_name == "m1.small"


def test_shelve_offloads_then_unshelve(openstack_connection: Any) -> None:
    """shelve ends SHELVED_OFFLOADED (Nova's default offload time 0); unshelve brings it back ACTIVE."""
    conn = openstack_connection
    server = boot(conn)
    conn.compute.shelve_server(server)
    # _shelve_offload_instance saves the power read after power-off (notification sample shelve_offload-end: shutdown)
    assert wait(conn, server, "SHELVED_OFFLOADED").power_state == 4
    conn.compute.unshelve_server(server)
    wait(conn, server, "ACTIVE")


def test_rescue_pause_suspend(openstack_connection: Any) -> None:
    """rescue/unrescue, pause/unpause and suspend/resume each reach their status and come back."""
    conn = openstack_connection
    server = boot(conn)
    for there, back, status in (
        (conn.compute.rescue_server, conn.compute.unrescue_server, "RESCUE"),
        (conn.compute.pause_server, conn.compute.unpause_server, "PAUSED"),
        (conn.compute.suspend_server, conn.compute.resume_server, "SUSPENDED"),
    ):
        there(server)
        wait(conn, server, status)
        back(server)
        wait(conn, server, "ACTIVE")


def test_snapshot_keeps_active_with_task_state(openstack_connection: Any) -> None:
    """A snapshot shows task_state image_snapshot while the status stays ACTIVE, and blocks other actions."""
    conn = openstack_connection
    server = boot(conn)
    image_id = server.create_image(conn.compute, "snap")
    assert image_id
    current = conn.compute.get_server(server.id)
    assert (current.status, current.task_state) == ("ACTIVE", "image_snapshot_pending")
    current = conn.compute.get_server(server.id)
    assert (current.status, current.task_state) == ("ACTIVE", "image_snapshot")
    with pytest.raises(openstack.exceptions.ConflictException, match="task_state image_pending_upload"):
        conn.compute.reboot_server(server, "SOFT")
    openstack.resource.wait_for_status(conn.compute, current, None, None, attribute="task_state", **FAST)
    assert conn.compute.get_server(server.id).status == "ACTIVE"


@pytest.mark.compute_api(reclaim_instance_interval=3600)
def test_soft_delete_and_restore(openstack_connection: Any) -> None:
    """With reclaim_instance_interval set, delete soft-deletes and restore brings the server back."""
    conn = openstack_connection
    server = boot(conn)
    conn.compute.delete_server(server)
    wait(conn, server, "SOFT_DELETED")
    conn.compute.restore_server(server)
    wait(conn, server, "ACTIVE")


def test_delete_then_not_found(openstack_connection: Any, compute_api: FakeCompute) -> None:
    """delete + wait_for_delete ends on 404; get_server then raises NotFoundException."""
    conn = openstack_connection
    server = boot(conn)
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, **FAST)
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.compute.get_server(server.id)
    assert len(compute_api.cloud) == 0


def test_list_find_and_injected_failure(openstack_connection: Any, compute_api: FakeCompute) -> None:
    """servers() and find_server see seeded servers; an injected resize failure surfaces as ResourceFailure."""
    conn = openstack_connection
    sid = compute_api.cloud.seed("active", name="web")
    compute_api.cloud.seed("stopped", name="db")
    assert sorted(s.name for s in conn.compute.servers()) == ["db", "web"]
    assert conn.compute.find_server("web").id == sid
    assert [s.name for s in conn.compute.servers(status="SHUTOFF")] == ["db"]
    compute_api.cloud.fail_next(sid, "resize", at_step=1)
    conn.compute.resize_server(sid, "2")
    with pytest.raises(openstack.exceptions.ResourceFailure):
        conn.compute.wait_for_server(conn.compute.get_server(sid), status="VERIFY_RESIZE", **FAST)
    assert conn.compute.get_server(sid).vm_state == "error"


def test_docs_create_image_wait_recipe_waits(openstack_connection: Any) -> None:
    """The createImage wait recipe in docs/fake-api.md, given the server object from before the action, really waits."""
    import pathlib
    import re

    doc = (pathlib.Path(__file__).parent.parent / "docs" / "fake-api.md").read_text()
    recipe = re.search(r"`(openstack\.resource\.wait_for_status\([^`]*attribute=\"task_state\"\))`", doc)
    assert recipe is not None, "the createImage wait recipe is missing from docs/fake-api.md"
    code = recipe.group(1).replace('attribute="task_state")', 'attribute="task_state", interval=0.001, wait=10)')
    conn = openstack_connection
    srv = boot(conn)  # its local task_state is None, as any object fetched before the action
    srv.create_image(conn.compute, "snap")
    eval(code, {"openstack": openstack, "conn": conn, "srv": srv})
    srv.backup(conn.compute, "backup", "daily", 1)  # 409 image_snapshot_* if the recipe did not wait
