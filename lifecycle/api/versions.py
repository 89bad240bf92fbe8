"""Version discovery and microversion negotiation.

keystoneauth discovers the endpoint before the first call: ``GET /v2.1`` must
answer a version document with a ``rel=self`` link, or every SDK call fails
with ``DiscoveryFailure`` (see docs/fake-api.md). The microversion a request
asks for (``OpenStack-API-Version: compute X``) selects response shapes and is
echoed back, as Nova does (``nova/api/openstack/wsgi.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lifecycle.api.errors import ApiError

__all__ = ["MAX_VERSION", "MIN_VERSION", "Version", "legacy_version_doc", "negotiate", "version_doc", "versions_list"]

Version = tuple[int, int]

MIN_VERSION: Version = (2, 1)
MAX_VERSION: Version = (2, 104)
"""The newest microversion Nova has (``api_version_request.py``); openstacksdk 4.x asks for at most 2.100."""

_UPDATED = "2013-07-23T11:33:21Z"
_MEDIA_TYPES = [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]
_FORMAT = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def text(version: Version) -> str:
    """``(2, 60)`` as ``"2.60"``."""
    return f"{version[0]}.{version[1]}"


def _doc(base: str) -> dict[str, Any]:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": text(MAX_VERSION),
        "min_version": text(MIN_VERSION),
        "updated": _UPDATED,
        "links": [{"rel": "self", "href": f"{base}/v2.1/"}],
        "media-types": _MEDIA_TYPES,
    }


def version_doc(base: str) -> dict[str, Any]:
    """The body of ``GET /v2.1``; ``base`` is the URL of the root (no trailing slash)."""
    return {"version": _doc(base)}


def _legacy_doc(base: str) -> dict[str, Any]:
    """The deprecated v2.0 entry of ``nova/api/openstack/compute/versions.py`` ``VERSIONS``."""
    return {
        "id": "v2.0",
        "status": "DEPRECATED",
        "version": "",
        "min_version": "",
        "updated": "2025-07-04T12:00:00Z",
        "links": [{"rel": "self", "href": f"{base}/v2/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2"}],
    }


def legacy_version_doc(base: str) -> dict[str, Any]:
    """The body of ``GET /v2`` (doc/api_samples/versions/v2-version-get-resp.json)."""
    doc = _legacy_doc(base)
    doc["links"].append({"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"})
    return {"version": doc}


def versions_list(base: str) -> dict[str, Any]:
    """The body of ``GET /``: v2.0 then v2.1 (``Versions.index``, doc/api_samples/versions/versions-get-resp.json).

    Nova answers ``/`` itself with 200; only other paths of the root get 300 Multiple Choices.
    """
    entries = [_legacy_doc(base), _doc(base)]
    for entry in entries:
        del entry["media-types"]
    return {"versions": entries}


def negotiate(headers: Mapping[str, str]) -> Version:
    """The microversion a request asks for: the ``compute`` entry of ``OpenStack-API-Version``, else the legacy header.

    No header means 2.1, ``latest`` the newest; a malformed value is 400 and one
    out of range 406, as in Nova.
    """
    wanted: str | None = None
    for entry in headers.get("openstack-api-version", "").split(","):
        service, _, value = entry.strip().partition(" ")
        if service.lower() == "compute" and value.strip():
            wanted = value.strip()
    if wanted is None:
        wanted = headers.get("x-openstack-nova-api-version", "").strip() or None
    if wanted is None:
        return MIN_VERSION
    if wanted.lower() == "latest":
        return MAX_VERSION
    match = _FORMAT.match(wanted)
    if match is None:
        raise ApiError(400, f"API Version String {wanted} is of invalid format. Must be of format MajorNum.MinorNum.")
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise ApiError(
            406,
            f"Version {wanted} is not supported by the API. Minimum is {text(MIN_VERSION)} "
            f"and maximum is {text(MAX_VERSION)}.",
        )
    return version
