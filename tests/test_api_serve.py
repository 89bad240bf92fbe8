"""Serving the fake: the thread helper and the ``lifecycle serve`` command."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from lifecycle.api import serve_in_thread
from lifecycle.cli import main


def test_serve_in_thread_listens_on_loopback_and_stops() -> None:
    """serve_in_thread binds 127.0.0.1 on a free port, answers, and releases the port afterwards."""
    with serve_in_thread() as fake:
        assert fake.url == f"http://127.0.0.1:{fake.port}/v2.1"
        with urllib.request.urlopen(fake.url, timeout=5) as reply:
            assert json.load(reply)["version"]["links"][0]["href"] == f"{fake.url}/"
    with pytest.raises(OSError):  # noqa: PT011 - connection refused or reset, platform-dependent
        urllib.request.urlopen(fake.url, timeout=2)


@pytest.mark.parametrize(
    "argv",
    [["serve", "--port", "70000"], *(["serve", f"--speed={bad}"] for bad in ("0", "-1", "nan", "inf", "-inf"))],
)
def test_serve_command_refuses_bad_options(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """lifecycle serve names a bad option in one line and exits 2."""
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("lifecycle serve: --")


def test_a_taken_port_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    """The bind's own OSError reaches the user, not a traceback from tearing down a half-built server."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use"), serve_in_thread(port=port):
            pass
        assert main(["serve", "--port", str(port), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in err
    assert "Traceback" not in err


def test_plugin_entry_point_and_sdk_extra_are_declared() -> None:
    """pyproject registers the fake's pytest plugin and offers openstacksdk as the 'sdk' extra."""
    import pathlib
    import tomllib

    project = tomllib.loads((pathlib.Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"]["lifecycle_api"] == "lifecycle.api.pytest_plugin"
    assert any(dep.startswith("openstacksdk") for dep in project["optional-dependencies"]["sdk"])
    assert any(dep.startswith("python-openstackclient") for dep in project["optional-dependencies"]["test"])


def test_the_api_plugin_imports_nothing_heavy() -> None:
    """pytest loads lifecycle.api.pytest_plugin in every session: it must not import the app, fleet or transitions."""
    import subprocess
    import sys

    code = (
        "import sys, lifecycle.api.pytest_plugin; "
        "print(sorted(m for m in ('transitions', 'lifecycle.simulate.fleet', 'lifecycle.api.app') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
