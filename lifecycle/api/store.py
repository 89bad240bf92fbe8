"""The compute resources that are not servers: keypairs, server groups, quotas, instance actions, migrations.

They live on the :class:`~lifecycle.api.cloud.Cloud` they belong to (one
:class:`ComputeState` per cloud, in its service state, made on first use), so
every route module and every app serving the cloud sees the same ones.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
from typing import Any

from lifecycle.api.cloud import Cloud, Record, now
from lifecycle.api.quota_config import DEFAULT_QUOTAS

__all__ = [
    "DEFAULT_QUOTAS",
    "ComputeState",
    "InstanceAction",
    "Keypair",
    "Migration",
    "ServerGroup",
    "state_of",
]


@dataclasses.dataclass
class Keypair:
    """One keypair of one user (``nova/objects/keypair.py``)."""

    name: str
    user_id: str
    public_key: str
    fingerprint: str
    type: str = "ssh"
    id: int = 0
    created_at: datetime.datetime = dataclasses.field(default_factory=now)


@dataclasses.dataclass
class ServerGroup:
    """One server group (``nova/objects/instance_group.py``)."""

    id: str
    name: str
    policy: str
    project_id: str
    user_id: str
    rules: dict[str, Any] = dataclasses.field(default_factory=dict)
    members: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class InstanceAction:
    """One recorded request on a server (``nova/objects/instance_action.py``) and its one event."""

    action: str
    record: Record
    operation: str | None
    request_id: str
    project_id: str
    user_id: str
    event: str
    start_time: datetime.datetime = dataclasses.field(default_factory=now)
    finish_time: datetime.datetime | None = None
    result: str | None = None
    host: str = "compute"


@dataclasses.dataclass
class Migration:
    """One migration row (``nova/objects/migration.py``): made by resize, migrate, live-migrate, evacuate."""

    id: int
    uuid: str
    record: Record
    migration_type: str
    old_flavor: str
    new_flavor: str
    project_id: str
    user_id: str
    source_compute: str = "compute"
    dest_compute: str | None = "compute"
    """None when the scheduler found no host (the conductor's row never got one)."""
    status: str = "pre-migrating"
    request_id: str = ""
    """The request that started it (links the row to its instance action)."""
    created_at: datetime.datetime = dataclasses.field(default_factory=now)
    updated_at: datetime.datetime | None = None
    dest_host: str | None = None
    """The destination's IP (``migration.dest_host = driver.get_host_ip_addr()``)."""
    ended_at: datetime.datetime | None = None
    """When the move's run ended (success or failure): the time of its status change."""
    closed_at: datetime.datetime | None = None
    """When a confirm or revert of a finished resize/migration ended."""
    unplaced: bool = False
    """The scheduler found no host: the conductor sets the row to ``error`` (an evacuation too)."""


@dataclasses.dataclass
class ComputeState:
    """Everything of one cloud's Compute API beyond its servers and flavors."""

    keypairs: dict[tuple[str, str], Keypair] = dataclasses.field(default_factory=dict)
    groups: dict[str, ServerGroup] = dataclasses.field(default_factory=dict)
    quotas: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    """project id -> the limits set for it (missing ones are the defaults)."""
    default_quotas: dict[str, int] = dataclasses.field(default_factory=lambda: dict(DEFAULT_QUOTAS))
    """The ``default`` quota class: the cloud's ``[quota]`` configuration, then what admins set on it."""
    actions: dict[str, list[InstanceAction]] = dataclasses.field(default_factory=dict)
    """server id -> its actions, oldest first; kept after the server is deleted (Nova keeps the rows)."""
    migrations: list[Migration] = dataclasses.field(default_factory=list)
    migrations_followed: bool = False
    """A fleet listener notes when migrating runs end (``lifecycle.api.migrations``)."""
    passwords: dict[str, str] = dataclasses.field(default_factory=dict)
    """server id -> the encrypted password its guest posted to the metadata service."""
    lock: threading.RLock = dataclasses.field(default_factory=threading.RLock, repr=False)
    counter: int = 0

    def next_id(self) -> int:
        """A new integer primary key."""
        with self.lock:
            self.counter += 1
            return self.counter

    def limit(self, project_id: str, resource: str) -> int:
        """The quota limit of ``resource`` for a project."""
        return self.quotas.get(project_id, {}).get(resource, self.default_quotas[resource])


def state_of(cloud: Cloud) -> ComputeState:
    """The :class:`ComputeState` of ``cloud`` (kept by :meth:`Cloud.service_state`, made on first use)."""
    return cloud.service_state("compute", lambda: ComputeState(default_quotas=dict(cloud.quota_config)))
