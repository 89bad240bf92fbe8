"""Arguments of the wrong type or shape raise the library's own errors, naming the argument and the accepted forms."""

from __future__ import annotations

from typing import Any

import pytest

import lifecycle
from lifecycle import Fleet, LifecycleError, UnknownStateError, check, check_trace, plan, reachable


@pytest.mark.parametrize("operations", [None, 5, "create", b"create", {"create": 1}], ids=repr)
def test_check_wants_a_list_of_operation_names(operations: Any) -> None:
    """check() given no list (None, an int, a lone str, a mapping) raises a TypeError saying a list is expected."""
    with pytest.raises(LifecycleError) as info:
        check(operations)
    assert isinstance(info.value, TypeError)
    assert "operations" in str(info.value)
    assert "list" in str(info.value)


@pytest.mark.parametrize("observations", [None, 5, 1.5], ids=repr)
def test_check_trace_wants_observations(observations: Any) -> None:
    """check_trace() given something that holds no observations raises a TypeError naming the accepted forms."""
    with pytest.raises(LifecycleError) as info:
        check_trace(observations)
    assert isinstance(info.value, TypeError)
    assert "observations" in str(info.value)


@pytest.mark.parametrize("start", [5, 1.5, ("active",), ("active", None, None), object()], ids=repr)
def test_bad_start_is_an_unknown_state_with_the_choices(start: Any) -> None:
    """A start of the wrong type or shape raises UnknownStateError listing the valid forms."""
    for call in (
        lambda: check(["reboot"], start=start),
        lambda: plan(start, "ACTIVE"),
        lambda: plan("ACTIVE", start),
        lambda: reachable(start),
    ):
        with pytest.raises(UnknownStateError) as info:
            call()
        assert "SHUTOFF" in str(info.value)
        assert "stopped" in str(info.value)


def test_fleet_apply_wants_a_list_of_servers() -> None:
    """fleet.apply("reboot", "web") raises instead of trying servers 'w', 'e' and 'b'."""
    fleet = Fleet()
    fleet.create("web")
    fleet.run_until_idle()
    with pytest.raises(LifecycleError) as info:
        fleet.apply("reboot", "web")
    assert isinstance(info.value, TypeError)
    assert "list" in str(info.value)
    assert fleet.apply("reboot", ["web"]).accepted


def test_argument_errors_are_lifecycle_errors() -> None:
    """The errors are catchable as LifecycleError and as the matching built-in."""
    with pytest.raises(TypeError, match="operations must be a list"):
        lifecycle.check(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown status or vm_state 5"):
        lifecycle.reachable(5)  # type: ignore[arg-type]
