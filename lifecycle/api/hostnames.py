"""A server's hostname (``OS-EXT-SRV-ATTR:hostname``): sanitized from its name, or the one asked for.

Nova sets ``instance.hostname`` once, at create (``compute/api.py``
``_populate_instance_names``): the ``hostname`` the request gave (2.90), else
the display name through ``utils.sanitize_hostname`` (``Server-<uuid>`` when
that leaves nothing; ``-<n>`` appended for each server of a multi-create).
Renaming the server does not change it; ``PUT /servers/{id}`` and ``rebuild``
set it from 2.90. The requested value is checked as ``parameter_types.hostname``
(2.90 to 2.93: 2 to 63 letters, digits and inner dashes) and from 2.94 as
``parameter_types.fqdn`` (1 to 255 of ``[a-zA-Z0-9-._]``, so an FQDN is kept as given).
"""

from __future__ import annotations

import re

from lifecycle.api.errors import bad_request
from lifecycle.api.schema import Check, pattern, versioned

__all__ = ["HOSTNAME", "create_hostname", "sanitize_hostname"]

_HOSTNAME_PATTERN = "^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$"
_FQDN_PATTERN = "^[a-zA-Z0-9-._]*$"


HOSTNAME: Check = versioned(
    pattern(_HOSTNAME_PATTERN, min_len=2, max_len=63), {(2, 94): pattern(_FQDN_PATTERN, min_len=1, max_len=255)}
)
"""The ``hostname`` of create, update and rebuild: ``parameter_types.hostname``, ``fqdn`` from 2.94."""


def sanitize_hostname(name: str) -> str:
    """``nova/utils.py`` ``sanitize_hostname``: Latin-1 only, 63 characters, ``[ _.]`` to ``-``,
    other non-word characters dropped, lower case, no leading or trailing ``.``/``-``."""
    text = name.encode("latin-1", "ignore").decode("latin-1")[:63]
    text = re.sub(r"[ _\.]", "-", text)
    text = re.sub(r"[^\w.-]+", "", text)
    return text.lower().strip(".-")


def create_hostname(requested: str | None, display_name: str, server_id: str, count: int, index: int) -> str:
    """The hostname of the ``index``-th (0-based) of ``count`` servers a create makes (``_populate_instance_names``)."""
    if requested:
        return requested
    hostname = sanitize_hostname(display_name)
    if not hostname:
        return f"Server-{server_id}"
    return f"{hostname}-{index + 1}" if count > 1 else hostname


def check_single(requested: str | None, max_count: int) -> None:
    """One hostname cannot name several servers (``compute/api.py`` ``create``).

    Raises:
        ApiError: 400 ``Unable to allocate a single hostname to multiple instances``.
    """
    if requested and max_count > 1:
        raise bad_request("Unable to allocate a single hostname to multiple instances")
