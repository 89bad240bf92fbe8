"""plan() and reachable(): shortest operation lists over the compiled table."""

from __future__ import annotations

import pytest

from lifecycle import Status, UnknownStateError, check, plan, reachable


def test_plan_from_offloaded_to_verify_resize() -> None:
    """The issue's example: unshelve, then resize."""
    assert plan("SHELVED_OFFLOADED", "VERIFY_RESIZE") == ["unshelve", "resize"]


@pytest.mark.parametrize(
    ("start", "goal"),
    [(None, "SHUTOFF"), ("SHUTOFF", "PAUSED"), ("RESCUE", "SHELVED_OFFLOADED"), ("ERROR", "ACTIVE"), ("new", "ACTIVE")],
)
def test_plans_are_legal_and_reach_the_goal(start: str | None, goal: str) -> None:
    """Each plan, run with check(), is legal and ends showing the goal."""
    steps = plan(start, goal)
    assert steps
    result = check(steps, start=start)
    assert result.ok
    assert result.end.status is Status(goal)


def test_plan_to_a_transient_status_ends_at_the_request() -> None:
    """A status shown only while a task runs is reached by requesting it."""
    assert plan("SHUTOFF", "REBOOT") == ["start", "reboot"]
    assert plan("ACTIVE", ("active", "rebooting")) == ["reboot"]


def test_plan_already_there_is_empty() -> None:
    """A server already showing the goal (or reaching it by itself) needs nothing."""
    assert plan("ACTIVE", "ACTIVE") == []
    assert plan(("active", "rebooting"), "ACTIVE") == []


def test_unreachable_goals_give_none() -> None:
    """Nothing leaves DELETED; ERROR needs a failure; SOFT_DELETED needs the setting."""
    assert plan("DELETED", "ACTIVE") is None
    assert plan("ACTIVE", "ERROR") is None
    assert plan("ACTIVE", "ERROR", failures=True) == ["reboot", "fail"]
    assert plan("ACTIVE", "SOFT_DELETED") is None
    assert plan("ACTIVE", "SOFT_DELETED", reclaim_instance_interval=60) == ["delete"]


def test_plan_rejects_unknown_names() -> None:
    """An unknown goal names the valid choices."""
    with pytest.raises(UnknownStateError, match="Did you mean 'VERIFY_RESIZE'"):
        plan("ACTIVE", "VERIFY_RESISE")


def test_reachable_lists_statuses_in_order() -> None:
    """From SHUTOFF everything but BUILD (and SOFT_DELETED, off by default) is reachable; ERROR only by failing."""
    found = reachable("SHUTOFF")
    assert Status.BUILD not in found
    assert Status.SOFT_DELETED not in found
    assert Status.ERROR in found
    assert Status.VERIFY_RESIZE in found
    assert Status.ERROR not in reachable("SHUTOFF", failures=False)
    assert reachable("DELETED") == [Status.DELETED]
    assert Status.BUILD in reachable()
