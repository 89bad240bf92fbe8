"""Property tests: random request sequences never leave the declared model."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle import InvalidStateError, Server, Settings, Status
from lifecycle.model.blueprint import ADVANCE, FAIL, blueprint, profiles
from lifecycle.model.dialects import nova

TRIGGERS = [op.name for op in nova.OPERATIONS] + [ADVANCE] * 8 + [FAIL]
STEPS = st.lists(st.sampled_from(TRIGGERS), min_size=50, max_size=150)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(steps=STEPS, profile=st.sampled_from(profiles()), locked=st.booleans())
def test_random_sequences_stay_in_the_model(steps: list[str], profile: Settings, locked: bool) -> None:
    """Whatever is requested, the server is only ever in declared pairs, never UNKNOWN, and may() predicts refusals.

    150 examples of 50-150 steps: about 15,000 steps per run.
    """
    pairs = set(blueprint("nova", profile).pairs)
    srv = Server(settings=profile, locked=locked)
    for trigger in steps:
        predicted = srv.may(trigger)
        try:
            srv.fire(trigger)
        except InvalidStateError:
            assert not predicted, f"{trigger} refused though may() said yes at {srv!r}"
        else:
            assert predicted, f"{trigger} accepted though may() said no"
        assert srv.pair in pairs
        assert srv.status is not Status.UNKNOWN
        if srv.status is Status.DELETED:
            srv = Server(settings=profile, locked=locked)


@settings(max_examples=60, deadline=None)
@given(steps=STEPS, profile=st.sampled_from(profiles()))
def test_compiled_table_agrees_with_the_machine(steps: list[str], profile: Settings) -> None:
    """Stepping the compiled table gives the same state as firing the transitions machine."""
    srv = Server(settings=profile, history=False)
    table = srv.table
    node = srv.node
    for trigger in steps:
        expected = table.step_row(node).get(trigger)
        if expected is None:
            assert not srv.may(trigger)
            continue
        srv.fire(trigger)
        assert srv.node == expected
        node = expected
