"""Personality files at create and rebuild (before 2.57): Nova's injected-file quotas.

Expected values come from Nova: the defaults in ``nova/conf/quota.py``
(``injected_files`` 5, ``injected_file_content_bytes`` 10 * 1024,
``injected_file_path_bytes`` 255), the messages of ``nova/exception.py``
``OnsetFileLimitExceeded``/``OnsetFilePathLimitExceeded``/``OnsetFileContentLimitExceeded``,
the order of ``compute/api.py`` ``_check_injected_file_quota`` (count first, then
the path before the contents) and the 403 ``servers.py`` makes of ``OverQuota``.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.api import Cloud, ComputeApp
from lifecycle.api.images import CIRROS_ID
from tests.test_api_routes import active, call

NOVA_FILES, NOVA_CONTENT_BYTES, NOVA_PATH_BYTES = 5, 10 * 1024, 255
# Contents over the limit stay valid base64 (a multiple of 4 characters), so only the quota refuses them.


@pytest.fixture
def app() -> ComputeApp:
    return ComputeApp(Cloud(pace="manual"))


def _files(count: int, path: str = "/etc/f{}", contents: str = "aGk=") -> list[dict[str, str]]:
    return [{"path": path.format(i), "contents": contents} for i in range(count)]


def _create(app: ComputeApp, personality: Any, version: str = "2.56") -> Any:
    server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", "personality": personality}
    if tuple(int(part) for part in version.split(".")) >= (2, 37):  # networks required from 2.37
        server["networks"] = "auto"
    return call(app, "POST", "/servers", {"server": server}, version=version)


def test_up_to_the_quota_is_accepted(app: ComputeApp) -> None:
    reply = _create(app, _files(NOVA_FILES))
    assert reply.code == 202, reply.json
    longest = [{"path": "/" + "p" * (NOVA_PATH_BYTES - 1), "contents": "a" * NOVA_CONTENT_BYTES}]
    assert _create(app, longest, version="2.1").code == 202


@pytest.mark.parametrize(
    ("personality", "message"),
    [
        (_files(NOVA_FILES + 1), "Personality file limit exceeded"),
        (_files(1, path="/" + "p" * NOVA_PATH_BYTES), f"Personality file path exceeds maximum {NOVA_PATH_BYTES}"),
        (
            _files(1, contents="a" * (NOVA_CONTENT_BYTES + 4)),
            f"Personality file content exceeds maximum {NOVA_CONTENT_BYTES}",
        ),
        # both lengths over: the path is reported ("Favor path limit over content limit")
        (
            _files(1, path="/" + "p" * NOVA_PATH_BYTES, contents="a" * (NOVA_CONTENT_BYTES + 4)),
            f"Personality file path exceeds maximum {NOVA_PATH_BYTES}",
        ),
    ],
)
def test_over_the_quota_is_403_and_creates_nothing(app: ComputeApp, personality: Any, message: str) -> None:
    reply = _create(app, personality)
    assert (reply.code, reply.json) == (403, {"forbidden": {"code": 403, "message": message}})
    assert app.cloud.records() == []


def test_the_quota_follows_the_project_limit(app: ComputeApp) -> None:
    tenant = app.cloud.accounts.project("admin").id  # unauthenticated requests are this project's admin
    assert (
        call(app, "PUT", f"/os-quota-sets/{tenant}", {"quota_set": {"injected_files": 1}}, version="2.56").code == 200
    )
    assert _create(app, _files(1)).code == 202
    assert _create(app, _files(2)).code == 403


@pytest.mark.parametrize(
    "personality",
    [
        [{"path": "/etc/a", "contents": "aGk=", "mode": "0644"}],  # 'additionalProperties': False
        [{"path": 5, "contents": "aGk="}],
        [{"path": "/etc/a", "contents": None}],
        {"path": "/etc/a"},
        # 'format': 'base64': oslo's decode_as_bytes raises (TypeError) on this padding, so Nova says 400
        # (Tempest's test_personality_file_contents_not_encoded)
        [{"path": "/etc/testfile.txt", "contents": "This is a test file."}],
    ],
)
def test_malformed_personality_is_400(app: ComputeApp, personality: Any) -> None:
    reply = _create(app, personality)
    assert reply.code == 400
    assert "Invalid input for field/attribute personality" in reply.json["badRequest"]["message"]


def test_base64_contents_as_oslo_decodes_them(app: ComputeApp) -> None:
    """b64decode drops characters outside the alphabet: '*****' decodes (to nothing), as in Nova."""
    assert _create(app, [{"path": "/etc/a", "contents": "VGhpcyBpcyBhIHRlc3QgZmlsZS4="}]).code == 202
    assert _create(app, [{"path": "/etc/b", "contents": "*****"}]).code == 202
    reply = _create(app, [{"path": "/etc/c", "contents": "abc"}])
    assert (reply.code, reply.message) == (
        400,
        "Invalid input for field/attribute personality[0].contents. Value: abc. 'abc' is not a 'base64'",
    )


def test_personality_is_gone_from_2_57(app: ComputeApp) -> None:
    reply = _create(app, _files(1), version="2.57")
    assert reply.code == 400
    assert "'personality' was unexpected" in reply.json["badRequest"]["message"]


def test_rebuild_checks_the_quota_before_it_starts(app: ComputeApp) -> None:
    sid = active(app)
    body = {"rebuild": {"imageRef": CIRROS_ID, "personality": _files(NOVA_FILES + 1)}}
    reply = call(app, "POST", f"/servers/{sid}/action", body, version="2.56")
    assert (reply.code, reply.message) == (403, "Personality file limit exceeded")
    server = call(app, "GET", f"/servers/{sid}").json["server"]
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    body = {"rebuild": {"imageRef": CIRROS_ID, "personality": _files(NOVA_FILES)}}
    assert call(app, "POST", f"/servers/{sid}/action", body, version="2.56").code == 202
