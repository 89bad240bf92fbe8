"""The pytest plugin, run inside pytester: fixtures, the marker and readable assertion failures."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lifecycle import Fleet

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run pytest on a test file with only our plugin loaded (the installed copy may predate it)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    # Modules imported before an in-process run are kept by pytester: warm the dialect checks once.
    for dialect in ("nova", "huawei-ecs"):
        Fleet(dialect)

    def go(source: str, *args: str) -> pytest.RunResult:
        pytester.makepyfile(test_user=source)
        return pytester.runpytest_inprocess("-p", "lifecycle.pytest_plugin", "--strict-markers", *args)

    return go


PASSING = """
import pytest

from lifecycle import Status
from lifecycle.testing import assert_status

pytestmark = pytest.mark.lifecycle(shelved_offload_time=-1)


def test_one(lifecycle_server, lifecycle_fleet, lifecycle_clock):
    assert lifecycle_server.fleet is lifecycle_fleet
    assert lifecycle_clock is lifecycle_fleet.clock
    assert lifecycle_clock.now() == 0
    lifecycle_server.reboot()
    lifecycle_clock.advance(30)
    assert_status(lifecycle_server, "ACTIVE")


def test_two(lifecycle_server, lifecycle_fleet):
    assert lifecycle_fleet.clock.now() == 0
    assert len(lifecycle_fleet) == 1
    assert lifecycle_server.name == "server-1"
    assert lifecycle_server.status is Status.ACTIVE
    assert lifecycle_fleet.dialect.name == "nova"
    assert lifecycle_fleet.settings.shelved_offload_time == -1


@pytest.mark.lifecycle("huawei-ecs", vm_state="stopped", durations={"start": 1}, seed=9)
def test_marked(lifecycle_server, lifecycle_fleet):
    assert lifecycle_fleet.dialect.name == "huawei-ecs"
    assert lifecycle_fleet.settings.shelved_offload_time == -1
    assert lifecycle_fleet.seed == 9
    assert lifecycle_server.status.value == "SHUTOFF"
    lifecycle_server.start()
    lifecycle_fleet.clock.advance(1)
    assert lifecycle_server.status.value == "ACTIVE"
"""

FAILING = """
import pytest

from lifecycle.pytest_plugin import assert_status


def test_reboot_not_done(lifecycle_server, lifecycle_clock):
    lifecycle_server.reboot()
    lifecycle_clock.advance(5)
    assert_status(lifecycle_server, "ACTIVE")


@pytest.mark.lifecycle(shelve_offload_time=0)
def test_typo(lifecycle_fleet):
    pass
"""


def test_fixtures_are_fresh_and_the_marker_chooses_options(run) -> None:  # type: ignore[no-untyped-def]
    """Fixtures are new per test on a clock at 0; markers (module, then test) pick dialect, settings and state."""
    result = run(PASSING, "-v")
    result.assert_outcomes(passed=3)


def test_failures_are_readable(run) -> None:  # type: ignore[no-untyped-def]
    """assert_status shows the timed step history; a misspelt marker setting errors with the valid choice."""
    result = run(FAILING)
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: server server-1 * shows REBOOT, expected ACTIVE",
            "*now: vm_state=active task_state=reboot_started power_state=1 at t=5s",
            "*history (last 4 of 4):",
            "*t=      0.0s server-1 create (create): - -> active*",
            "*t=      0.0s server-1 reboot (request): active -> active.rebooting*",
            "*t=      5.0s server-1 reboot (step): active.reboot_pending -> active.reboot_started*",
            "*allowed now: hard_reboot, delete, force_delete, update_metadata, *",
        ]
    )
    result.stdout.fnmatch_lines(["*unknown setting 'shelve_offload_time'. Did you mean 'shelved_offload_time'?*"])
    assert "lifecycle/testing.py" not in result.stdout.str()  # __tracebackhide__


def test_marker_is_registered_for_strict_markers(run) -> None:  # type: ignore[no-untyped-def]
    """--markers lists the lifecycle marker (so --strict-markers accepts it)."""
    result = run("", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.lifecycle(dialect='nova', **options):*"])


def test_entry_point_is_declared() -> None:
    """pyproject registers the plugin under pytest11, so installing the package enables it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"]["lifecycle"] == "lifecycle.pytest_plugin"
    assert "hypothesis>=6.100" in project["optional-dependencies"]["testing"]


def test_plugin_import_is_light() -> None:
    """Importing the plugin (pytest does it for every run) loads neither transitions nor the simulator."""
    heavy = "('transitions', 'lifecycle.simulate.fleet', 'lifecycle.simulate.server')"
    code = f"import sys, lifecycle.pytest_plugin; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
