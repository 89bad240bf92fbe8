"""pytest fixtures for the fake Compute API (entry point ``pytest11: lifecycle_api``).

* ``compute_api``: a :class:`~lifecycle.api.serve.FakeCompute` running on a
  free loopback port for one test: ``compute_api.url`` is the endpoint,
  ``compute_api.cloud`` the control handle (seed, fail_next, advance, settle).
* ``openstack_connection``: an openstacksdk connection to it (``auth_type="none"``),
  skipped with a reason when openstacksdk is not installed.
* ``clouds_yaml``: the path of a ``clouds.yaml`` for ``compute_api`` (password
  auth; cloud ``lifecycle`` is the admin, ``lifecycle-demo`` and
  ``lifecycle-alt_demo`` members of two other projects), for the ``openstack``
  CLI, Ansible or ``openstack.connect(cloud=...)`` (set ``OS_CLIENT_CONFIG_FILE``).

Configure the cloud of one test with a marker::

    @pytest.mark.compute_api(pace="manual", reclaim_instance_interval=3600)
    def test_restore(compute_api, openstack_connection): ...

The quotas are Nova's defaults (10 servers, 20 cores, 50 GiB of RAM a project) and
are enforced; a test that boots more raises them:
``@pytest.mark.compute_api(quotas={"instances": 50, "cores": -1, "ram": -1})``.

This module imports nothing heavy at the top: pytest loads it in every session
of every project that installs server-lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from lifecycle.api.serve import FakeCompute

__all__ = ["clouds_yaml", "compute_api", "connect", "connect_as", "openstack_connection"]

SDK_MISSING = "openstacksdk is not installed: pip install 'server-lifecycle[sdk]'"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "compute_api(**options): options of the fake Compute API's Cloud (pace, durations, quotas, settings such "
        "as reclaim_instance_interval)",
    )


def connect(url: str, **options: Any) -> Any:
    """An openstacksdk connection to a fake endpoint ``url``, isolated from clouds.yaml and ``OS_*``.

    The SDK's warnings about its own deprecated options (it warns on every
    connect in 4.x) are silenced here, so suites run with ``-W error`` pass.
    """
    import warnings

    import openstack

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return openstack.connect(
            load_yaml_config=False,
            load_envvars=False,
            auth_type="none",
            compute_endpoint_override=url,
            **options,
        )


def connect_as(fake: FakeCompute, user: str = "admin", **options: Any) -> Any:
    """An openstacksdk connection logged in to ``fake`` as ``user`` with a password (Keystone v3)."""
    import warnings

    import openstack

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return openstack.connect(load_yaml_config=False, load_envvars=False, **fake.auth(user), **options)


@pytest.fixture
def clouds_yaml(compute_api: FakeCompute, tmp_path: Path) -> Path:
    """``compute_api``'s clouds.yaml, written in the test's temporary folder."""
    path = tmp_path / "clouds.yaml"
    path.write_text(compute_api.clouds_yaml(), encoding="utf-8")
    return path


@pytest.fixture
def compute_api(request: pytest.FixtureRequest) -> Iterator[FakeCompute]:
    """A fake Nova Compute API on 127.0.0.1 for this test (instant pace unless the marker says otherwise)."""
    from lifecycle.api.serve import serve_in_thread

    marker = request.node.get_closest_marker("compute_api")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    with serve_in_thread(**options) as fake:
        yield fake


@pytest.fixture
def openstack_connection(compute_api: FakeCompute) -> Any:
    """An ``openstack.connect(auth_type="none", compute_endpoint_override=...)`` connection to ``compute_api``."""
    import importlib.util

    if importlib.util.find_spec("openstack") is None:
        pytest.skip(SDK_MISSING)
    import warnings

    with warnings.catch_warnings():
        # openstacksdk 4.x warns about its own internals on many calls; not the test's concern.
        for category in (DeprecationWarning, PendingDeprecationWarning):
            warnings.filterwarnings("ignore", category=category, module=r"openstack(\.|$)")
        conn = connect(compute_api.url)
        yield conn
        conn.close()
