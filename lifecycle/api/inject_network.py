"""The ``injectNetworkInfo`` server action (``nova/api/openstack/compute/admin_actions.py``).

Nova's API checks the policy (admin-only, done before dispatch by
:func:`lifecycle.api.policy.authorize_action`), then ``compute/api.py``
``inject_network_info`` is ``@check_instance_lock`` only (no state check) and
casts to the compute host, which rewrites the guest's network config without
changing any state: so the fake answers 202 and changes nothing. The body's
value may be anything (the schema is ``'injectNetworkInfo': {}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import conflict

if TYPE_CHECKING:
    from lifecycle.api.actions import Reply
    from lifecycle.api.cloud import Cloud, Record
    from lifecycle.api.context import RequestContext

__all__ = ["ACTIONS"]


def _inject(cloud: Cloud, record: Record, context: RequestContext, args: Any) -> Reply:
    """``check_instance_lock``: a locked server is a 409 unless the caller is an admin."""
    if record.server.locked and not context.is_admin:
        raise conflict(f"Instance {record.id} is locked")
    return 202, None, {}


ACTIONS: Mapping[str, Callable[[Cloud, Record, RequestContext, Any], Reply]] = {"injectNetworkInfo": _inject}
"""The actions answered without a model transition."""
