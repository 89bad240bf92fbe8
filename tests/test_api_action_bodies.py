"""Every action body is checked as Nova's JSON schema for the request's microversion; a bad one changes nothing.

The bad and good bodies are read off ``nova/api/openstack/compute/schemas/*.py``
(pinned commit 00a030403f) and the ``@validation.schema`` version ranges of the
controllers (``evacuate.py``, ``migrate_server.py``, ``shelve.py``...); the good
ones include Nova's own ``doc/api_samples`` request bodies.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_api_http import action, call

from lifecycle.api import Cloud, ComputeApp

# (action key, the server's state, invalid argument, microversion, a word the 400 names)
INVALID: list[tuple[str, str, Any, str, str]] = [
    ("createImage", "active", {"name": 42}, "2.100", "name"),
    ("createImage", "active", {"name": "snap", "extra": 1}, "2.100", "extra"),
    ("createImage", "active", {"name": "snap", "metadata": "x"}, "2.100", "metadata"),
    ("createImage", "active", None, "2.100", "createImage"),
    ("resize", "active", {"flavorRef": "2", "extra": True}, "2.100", "extra"),
    ("resize", "active", {"flavorRef": ""}, "2.100", "flavorRef"),
    ("resize", "active", {"flavorRef": "2", "OS-DCF:diskConfig": "auto"}, "2.100", "diskConfig"),
    ("rescue", "active", {"adminPass": 1234}, "2.100", "adminPass"),
    ("rescue", "active", {"rescue_image_ref": "not-a-uuid"}, "2.100", "rescue_image_ref"),
    ("rescue", "active", {"adminPass": "x", "foo": 1}, "2.100", "foo"),
    ("createBackup", "active", {"name": "b", "backup_type": "daily", "rotation": -1}, "2.100", "rotation"),
    ("createBackup", "active", {"name": "b", "backup_type": "daily", "rotation": "two"}, "2.100", "rotation"),
    ("createBackup", "active", {"name": "b", "backup_type": 7, "rotation": 1}, "2.100", "backup_type"),
    ("createBackup", "active", {"name": "b", "backup_type": "daily"}, "2.100", "rotation"),
    ("changePassword", "active", {"adminPass": 5}, "2.100", "adminPass"),
    ("changePassword", "active", {}, "2.100", "adminPass"),
    ("changePassword", "active", {"adminPass": "x", "user": "root"}, "2.100", "user"),
    ("evacuate", "error", {"host": "bad host!"}, "2.100", "host"),
    ("evacuate", "error", {"host": ""}, "2.100", "host"),
    ("evacuate", "error", {"host": "h1", "force": True}, "2.100", "force"),  # force only 2.29-2.67
    ("evacuate", "error", {"host": "h1"}, "2.13", "onSharedStorage"),  # required before 2.14
    ("evacuate", "error", {"adminPass": 1}, "2.30", "adminPass"),
    ("os-migrateLive", "active", {"host": None}, "2.100", "block_migration"),
    ("os-migrateLive", "active", {"block_migration": "maybe", "host": None}, "2.100", "block_migration"),
    ("os-migrateLive", "active", {"block_migration": "auto", "host": None, "force": False}, "2.100", "force"),
    ("os-migrateLive", "active", {"block_migration": "auto", "host": None}, "2.24", "auto"),
    ("os-migrateLive", "active", {"block_migration": False, "host": "h/1"}, "2.30", "host"),
    ("migrate", "active", {"host": "bad host"}, "2.56", "host"),
    ("migrate", "active", {"host": "h1", "x": 1}, "2.100", "x"),
    ("reboot", "active", {"type": "soft", "force": True}, "2.100", "force"),
    ("reboot", "active", None, "2.100", "reboot"),
    ("trigger_crash_dump", "active", {}, "2.100", "trigger_crash_dump"),
    ("os-resetState", "active", {"state": "stopped"}, "2.100", "state"),
    ("unshelve", "shelved_offloaded", {}, "2.77", "availability_zone"),
    ("unshelve", "shelved_offloaded", {"availability_zone": 5}, "2.77", "availability_zone"),
    ("unshelve", "shelved_offloaded", {"host": 5}, "2.91", "host"),
    ("unshelve", "shelved_offloaded", {"zone": "x"}, "2.100", "zone"),
    ("lock", "active", {"locked_reason": ""}, "2.100", "locked_reason"),
    ("lock", "active", {"locked_reason": "r", "by": "me"}, "2.100", "by"),
]


def _snapshot(app: ComputeApp, server_id: str) -> tuple[Any, ...]:
    server = app.cloud.server(server_id)
    shown = call(app, "GET", f"/v2.1/servers/{server_id}").json["server"]
    shown.pop("updated", None)
    return (server.pair, server.locked, len(app.cloud.fleet.events), shown)


@pytest.mark.parametrize(("key", "state", "args", "version", "word"), INVALID)
def test_an_invalid_action_body_is_400_and_changes_nothing(
    key: str, state: str, args: Any, version: str, word: str
) -> None:
    app = ComputeApp(Cloud(pace="manual"))
    server_id = app.cloud.seed(state, name="vm")
    before = _snapshot(app, server_id)
    reply = action(app, server_id, {key: args}, version=version)
    assert reply.code == 400, reply.json
    assert word in reply.json["badRequest"]["message"]
    assert _snapshot(app, server_id) == before


# (action key, state, valid argument, microversion): Nova's api_samples and the schema's edge cases
VALID: list[tuple[str, str, Any, str]] = [
    ("createImage", "active", {"name": "foo-image", "metadata": {"meta_var": "meta_val"}}, "2.100"),
    ("createBackup", "active", {"name": "Backup 1", "backup_type": "daily", "rotation": 1}, "2.100"),
    ("createBackup", "active", {"name": "Backup 1", "backup_type": "weekly", "rotation": "0"}, "2.100"),
    ("changePassword", "active", {"adminPass": "foo"}, "2.100"),
    ("rescue", "active", {"adminPass": "MySecretPass"}, "2.100"),
    ("rescue", "active", {"rescue_image_ref": "70a599e0-31e7-49b7-b260-868f441e862b"}, "2.100"),
    ("rescue", "active", None, "2.100"),
    ("resize", "active", {"flavorRef": "2", "OS-DCF:diskConfig": "AUTO"}, "2.100"),
    ("evacuate", "error", {"host": "b419863b7d814906a68fb31703c0dbd6", "adminPass": "MySecretPass"}, "2.100"),
    ("evacuate", "error", {"host": "testHost", "onSharedStorage": "False"}, "2.1"),
    ("evacuate", "error", {"host": "testHost", "force": False}, "2.29"),
    ("os-migrateLive", "active", {"host": None, "block_migration": "auto"}, "2.100"),
    ("os-migrateLive", "active", {"host": None, "block_migration": False, "disk_over_commit": False}, "2.1"),
    ("os-migrateLive", "active", {"host": None, "block_migration": "auto", "force": False}, "2.30"),
    ("migrate", "active", {"anything": "goes before 2.56"}, "2.55"),
    ("migrate", "active", None, "2.100"),
    ("trigger_crash_dump", "active", None, "2.100"),
    ("os-stop", "active", {"ignored": True}, "2.100"),
    ("pause", "active", None, "2.100"),
    ("unshelve", "shelved_offloaded", None, "2.100"),
    ("unshelve", "shelved_offloaded", {"availability_zone": None}, "2.91"),
    ("unshelve", "shelved_offloaded", {"availability_zone": "nova"}, "2.77"),
    ("lock", "active", {"locked_reason": "I don't want to work"}, "2.73"),
    ("lock", "active", {"locked_reason": 5}, "2.72"),  # not validated before 2.73: ignored
]


@pytest.mark.parametrize(("key", "state", "args", "version"), VALID)
def test_a_valid_action_body_is_accepted(key: str, state: str, args: Any, version: str) -> None:
    # evacuate needs the source host down and a target host the cloud has (api.py:API.evacuate, evacuate.py)
    hosts = ("a-source", "b419863b7d814906a68fb31703c0dbd6", "testHost") if key == "evacuate" else ("compute-1",)
    if key == "os-migrateLive":  # before 2.34 the API waits for the scheduler: NoValidHost (400) with
        hosts = ("compute-1", "compute-2")  # no host but the source (migrate_server.py:_migrate_live)
    app = ComputeApp(Cloud(pace="manual", hosts=hosts))
    server_id = app.cloud.seed(state, name="vm")
    if key == "evacuate":
        app.cloud.set_host_up("a-source", False)
    reply = action(app, server_id, {key: args}, version=version)
    assert reply.code in (200, 202, 204), reply.json


def test_every_action_has_a_body_rule() -> None:
    """No action reaches its handler unchecked: each has Nova's schema (``{}`` where Nova takes anything)."""
    from lifecycle.api.actions import ACTIONS
    from lifecycle.api.bodies import ACTION_BODIES
    from lifecycle.api.server_extras import LEGACY_CONSOLES

    # read-only actions whose handlers check Nova's schema themselves (server_extras.py), before anything else
    self_checked = {"os-getConsoleOutput", *LEGACY_CONSOLES}
    assert sorted(set(ACTIONS) - self_checked) == sorted(ACTION_BODIES)
