"""What several test modules need alike: a WSGI request without a socket, a CLI's JSON output and environment, Chromium.

One place for each, so the WSGI environ the tests build, and what counts as a
clean ``openstack`` environment, cannot drift apart between test files.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = os.environ.get("LIFECYCLE_CHROMIUM", "/usr/bin/chromium")
"""Debian's Chromium (``scripts/_setup_browser``), or the one ``LIFECYCLE_CHROMIUM`` names."""
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""What the browser tests start Chromium with: no sandbox or GPU, and no calls home."""

FAST_WALL: dict[str, Any] = {"pace": "wall", "speed": 1000.0}
"""``serve_in_thread`` options for real clients: real time sped up, so a boot takes ~2 ms and a client's
wait loop (the CLI's 5 s polls, ``nova --poll``, Ansible's waits) ends on its first look."""

WsgiApp = Callable[[dict[str, Any], Callable[[str, list[tuple[str, str]]], Any]], Iterable[bytes]]


def wsgi_request(
    app: WsgiApp, method: str, path: str, raw: bytes = b"", headers: Mapping[str, Any] | None = None
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Send one request to ``app`` in-process; ``path`` may carry a ``?query``; ``headers`` are environ keys.

    Returns the status line, the headers and the whole body.
    """
    path, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
        **(headers or {}),
    }
    setup_testing_defaults(environ)
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, response_headers

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def json_documents(text: str) -> list[Any]:
    """Every JSON document in ``text``, one after another (what ``openstack ... -f json`` commands print)."""
    decoder, at = json.JSONDecoder(), 0
    docs: list[Any] = []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return docs
        doc, at = decoder.raw_decode(text, at)
        docs.append(doc)


def environment_without_os_variables() -> dict[str, str]:
    """This process's environment without any ``OS_*`` variable, so a developer's own cloud settings never leak in."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OS_")}


def run_pytest_in(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run pytest on ``folder`` in a child process that imports this checkout's ``lifecycle``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


OPENSTACK = Path(sys.executable).parent / "openstack"
"""The ``openstack`` command of the test extra's python-openstackclient, beside this Python."""


def run_openstack(fake: Any, tmp_path: Path, cloud: str, commands: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``commands`` in ONE ``openstack`` process (its interactive mode reads them from stdin) as ``cloud``.

    ``fake`` is a :class:`~lifecycle.api.serve.FakeCompute`; its clouds.yaml is written into ``tmp_path``,
    which is also the process's HOME, so nothing of the user's own configuration leaks in.
    """
    config = tmp_path / "clouds.yaml"
    config.write_text(fake.clouds_yaml(), encoding="utf-8")
    env = environment_without_os_variables()
    env.update(OS_CLIENT_CONFIG_FILE=str(config), OS_CLOUD=cloud, HOME=str(tmp_path))
    return subprocess.run(
        [str(OPENSTACK)], input="\n".join(commands) + "\n", env=env, capture_output=True, text=True, timeout=120
    )


def login(app: WsgiApp, user: str, password: str = "secret") -> str:
    """A token for ``user``, scoped to the project of the same name, from the fake Keystone (password auth)."""
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"name": "Default"}, "password": password}},
            },
            "scope": {"project": {"name": user, "domain": {"id": "default"}}},
        }
    }
    status, headers, _ = wsgi_request(app, "POST", "/identity/v3/auth/tokens", json.dumps(body).encode())
    assert status.startswith("201"), status
    return dict(headers)["X-Subject-Token"]
