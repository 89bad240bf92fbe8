"""The bundled dialects are checked here, in CI, so that using them at run time need not check them again.

``blueprint()`` skips the declaration checks for the dialects this package ships
(they were most of a process's first use); these tests run every check on each of
them under every settings profile and under combinations of the profiles, and
prove that the table filled from the blueprint's edges is exactly what firing
the `transitions` machine gives.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from lifecycle import DeclarationError
from lifecycle.model import dialects
from lifecycle.model.blueprint import blueprint, check_dialect, check_settings, profiles
from lifecycle.model.settings import Settings
from lifecycle.model.table import Table

BUNDLED = dialects.builtin()


def _combinations() -> list[Settings]:
    """Every profile, and each pair of profiles (and all of them) merged: settings-dependent routes can interact."""
    flips = [{k: v for k, v in p.as_dict().items() if v != getattr(Settings(), k)} for p in profiles()[1:]]
    merged = [Settings()]
    for size in (1, 2, len(flips)):
        for group in itertools.combinations(flips, size):
            merged.append(Settings(**{k: v for flip in group for k, v in flip.items()}))
    return list(dict.fromkeys(merged))


def test_both_clouds_are_bundled() -> None:
    """The registry finds the shipped modules, so the skip applies to them."""
    assert {"nova", "huawei-ecs"} <= set(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_dialect_passes_the_whole_check(name: str) -> None:
    """Every vm_state reachable under some profile, and each profile's own checks (raises otherwise)."""
    check_dialect.__wrapped__(dialects.get(name))


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("settings", _combinations(), ids=str)
def test_bundled_dialect_passes_every_check_under(name: str, settings: Settings) -> None:
    """Deterministic edges, one route per legal request, every task finishes, every status known."""
    assert check_settings(name, settings).edges


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("settings", profiles(), ids=str)
def test_table_rows_are_what_the_machine_fires(name: str, settings: Settings) -> None:
    """Each row filled from the edges equals firing every trigger of the machine, on every reachable node."""
    table = Table(blueprint(name, settings))
    starts = [table.node_for((None, None))]
    starts += [table.node_for(pair) for pair in table.blueprint.pairs if pair[0] is not None]
    nodes = table.explore(starts)
    assert len(nodes) > 50
    for node in nodes:
        assert list(table.step_row(node).items()) == list(table.fire_machine(node).items()), table.describe(node)


def test_a_copy_of_a_bundled_dialect_is_checked() -> None:
    """Only the shipped object is trusted: a modified copy is checked on first use like any user dialect."""
    nova = dialects.get("nova")
    broken = dataclasses.replace(nova, name="nova-copy", operations=nova.operations[:1])
    assert dialects.is_bundled(nova)
    assert not dialects.is_bundled(broken)
    with pytest.raises(DeclarationError, match="reachable under no settings"):
        blueprint(broken)
