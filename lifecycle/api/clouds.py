"""A ``clouds.yaml`` for a running fake, so unmodified clients log in with a password.

openstacksdk, the ``openstack`` CLI and Ansible's ``openstack.cloud`` collection
all read the same file (``OS_CLIENT_CONFIG_FILE`` or ``./clouds.yaml``) and pick
a cloud by name (``--os-cloud`` / ``cloud:``). The fake's gives one cloud per
user: ``lifecycle`` is the admin, ``lifecycle-<user>`` every other user, each
scoped to the user's project, with Keystone v3 password auth against the
fake's ``/identity``. The text is written by hand (JSON strings are valid
YAML scalars), so no YAML library is needed.
"""

from __future__ import annotations

import json
from typing import Any

from lifecycle.api.accounts import Accounts, User

__all__ = ["auth_options", "cloud_name", "clouds_yaml"]


def cloud_name(user: User) -> str:
    """``lifecycle`` for the admin user, ``lifecycle-<name>`` for the others."""
    return "lifecycle" if user.name == "admin" else f"lifecycle-{user.name}"


def auth_options(auth_url: str, user: User) -> dict[str, Any]:
    """The keyword arguments of ``openstack.connect()`` that log ``user`` in to the fake."""
    return {
        "auth_type": "password",
        "auth": {
            "auth_url": auth_url,
            "username": user.name,
            "password": user.password,
            "project_name": user.project.name if user.project is not None else "",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "identity_api_version": "3",
        "region_name": "RegionOne",
        "interface": "public",
    }


def clouds_yaml(auth_url: str, accounts: Accounts) -> str:
    """The text of a ``clouds.yaml`` with one password cloud per user of ``accounts``."""
    lines = ["clouds:"]
    for user in sorted(accounts.users.values(), key=lambda u: (u.name != "admin", u.name)):
        options = auth_options(auth_url, user)
        lines.append(f"  {json.dumps(cloud_name(user))}:")
        lines.append(f"    auth_type: {options['auth_type']}")
        lines.append("    auth:")
        lines += [f"      {key}: {json.dumps(value)}" for key, value in options["auth"].items()]
        lines += [
            f"    {key}: {json.dumps(options[key])}" for key in ("identity_api_version", "region_name", "interface")
        ]
    return "\n".join(lines) + "\n"
