"""Personality files (``personality``, before 2.57): the injected-file quotas of create and rebuild.

Nova keeps each ``{"path", "contents"}`` pair as given (``api/openstack/compute/helpers.py``
``get_injected_files``: the contents stay base64 text) and checks them in
``compute/api.py`` ``_check_injected_file_quota``, called by
``_checks_for_create_and_rebuild``: first the number of files against the
``injected_files`` quota, then the longest path against
``injected_file_path_bytes`` and the longest contents against
``injected_file_content_bytes``. The controllers turn the ``OverQuota`` into a
403 with its message (``servers.py`` ``create`` and ``_action_rebuild``).
The fake injects nothing: it has no guest to write the files to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecycle.api.errors import ApiError
from lifecycle.api.store import state_of

if TYPE_CHECKING:
    from lifecycle.api.cloud import Cloud

__all__ = ["check_injected_files"]


def check_injected_files(cloud: Cloud, project_id: str, personality: Any) -> None:
    """403 when ``personality`` breaks the project's injected-file quotas (nothing when it is empty).

    The body was already checked against the schema (a list of ``path``/``contents`` strings).

    Raises:
        ApiError: 403 ``Personality file limit exceeded``, ``Personality file path exceeds
            maximum N`` or ``Personality file content exceeds maximum N`` (``nova/exception.py``
            ``OnsetFileLimitExceeded`` and its two subclasses).
    """
    if not personality:
        return
    state = state_of(cloud)
    files = int(state.limit(project_id, "injected_files"))
    if 0 <= files < len(personality):
        raise ApiError(403, "Personality file limit exceeded")
    max_path = max(len(item.get("path", "")) for item in personality)
    max_content = max(len(item.get("contents", "")) for item in personality)
    path_limit = state.limit(project_id, "injected_file_path_bytes")
    content_limit = state.limit(project_id, "injected_file_content_bytes")
    if 0 <= path_limit < max_path:  # "Favor path limit over content limit for reporting purposes"
        raise ApiError(403, f"Personality file path exceeds maximum {path_limit}")
    if 0 <= content_limit < max_content:
        raise ApiError(403, f"Personality file content exceeds maximum {content_limit}")
