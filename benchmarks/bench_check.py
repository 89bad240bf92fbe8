"""check() of one long legal sequence against its peers, measured in the same run.

Run: ``python benchmarks/bench_check.py [--steps N] [--rounds R]`` (``--quick``: a smoke run).

The sequence is ``--steps`` settled operations (each legal once the previous
ones have run), Nova defaults. Peers, each walking the very same sequence:

* **dict walk over states**: ``{state: {operation: state}}`` built beforehand
  from the model, a state being ``(vm_state, task_state, power_state,
  launched)`` as strings and ints (power and launched decide a few operations,
  so the pair alone is not enough), walked with one lookup per step: the floor
  for any checker that knows where each operation lands;
* **bare transitions**: the dialect's `transitions` machine fired directly
  (``machine.events[op].trigger(model)``, then ``advance`` until the task
  ends) on a slotted model, the cheapest way to drive that library (timed on
  the first ``--machine-steps`` steps, per step);
* **op -> int map**: one dict lookup per step and nothing else (the old
  baseline, shown for scale: it checks nothing).

Figures: million steps per second and the ratio of each to check() (time /
check's time, same run; the median of ``--rounds``). Goal (issue 14): check()
stays at the dict floor (ratio to the state walk about 1).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from lifecycle.model.blueprint import ADVANCE, FAIL
from lifecycle.model.table import Table, table_for
from lifecycle.validate.sequence import check


def legal_sequence(table: Table, n: int, seed: int = 7) -> list[str]:
    """A random sequence of ``n`` settled steps that is legal all the way (so every checker walks every step)."""
    rng = random.Random(seed)
    node = table.node_for((None, None))
    ops: list[str] = []
    while len(ops) < n:
        row = table.settle_row(node)
        choices = [t for t in row if t not in (ADVANCE, FAIL, "delete", "force_delete")]
        op = rng.choice(choices)
        ops.append(op)
        node = row[op]
    return ops


State = tuple[str | None, str | None, int, bool]


def state_of(table: Table, node: int) -> State:
    vm, task, power, launched = table.nodes[node]
    return (None if vm is None else vm.value, None if task is None else task.value, int(power), launched)


def state_walk_table(table: Table) -> dict[State, dict[str, State]]:
    """``{state: {op: state}}`` over every settled state reachable from before create."""
    return {
        state_of(table, node): {op: state_of(table, nxt) for op, nxt in table.settle_row(node).items()}
        for node in table.explore([table.node_for((None, None))], settled=True)
    }


def timed(fn: Callable[[], object]) -> float:
    """CPU seconds of ``fn()`` (steadier than wall time on a shared machine; everything here is one thread)."""
    start = time.process_time()
    fn()
    return time.process_time() - start


class Model:
    """What the bare transitions peer drives: the attributes the machine reads and writes."""

    __slots__ = ("launched", "power_state", "state")

    def __init__(self) -> None:
        from lifecycle.model.states import PowerState

        self.state = "new"
        self.power_state = PowerState.NOSTATE
        self.launched = False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000, help="length of the sequence (1000000)")
    parser.add_argument("--machine-steps", type=int, default=20_000, help="steps the transitions peer runs (20000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; medians are shown (5)")
    parser.add_argument("--quick", action="store_true", help="20,000 steps, one round: a smoke run")
    args = parser.parse_args(argv)
    n, m, rounds = (20_000, 300, 1) if args.quick else (args.steps, args.machine_steps, args.rounds)

    table = table_for("nova")
    ops = legal_sequence(table, n)
    result = check(ops)
    assert result.ok, result.violation
    walk = state_walk_table(table)
    end = state_of(table, result._nodes[-1])  # the node check() ends on, to prove the walk agrees
    lookup = {op: i for i, op in enumerate(sorted(set(ops)))}
    events = table.machine.events

    def state_walk() -> None:
        state = state_of(table, table.node_for((None, None)))
        for op in ops:
            state = walk[state][op]
        assert state == end

    def op_map() -> None:
        get = lookup.get
        for op in ops:
            get(op)

    def machine() -> None:
        model = Model()
        advance = events[ADVANCE]
        running = advance.transitions  # {source state: [transitions]}: a task runs there
        for op in ops[:m]:
            events[op].trigger(model)
            while model.state in running:
                advance.trigger(model)

    state_walk()
    machine()
    samples: dict[str, list[float]] = {"check": [], "walk": [], "map": [], "machine": []}
    for _ in range(rounds):
        samples["check"].append(timed(lambda: check(ops)) / n)
        samples["walk"].append(timed(state_walk) / n)
        samples["map"].append(timed(op_map) / n)
        samples["machine"].append(timed(machine) / m)
    per = {k: statistics.median(v) for k, v in samples.items()}
    ratio = {k: statistics.median(a / b for a, b in zip(v, samples["check"], strict=True)) for k, v in samples.items()}
    print(f"check() of {n:,} settled legal steps (nova defaults), median of {rounds}; ratio = peer time / check time")
    print(f"{'':44s} {'M steps/s':>10s} {'ns/step':>8s} {'ratio':>8s}")
    rows = [
        ("check()", "check"),
        ("peer: dict walk over states", "walk"),
        (f"peer: bare transitions ({m:,} steps)", "machine"),
        ("for scale: op -> int map (checks nothing)", "map"),
    ]
    for label, key in rows:
        print(f"{label:44s} {1e-6 / per[key]:>10.2f} {per[key] * 1e9:>8.0f} {ratio[key]:>8.2f}")
    print(f"goal: check() at the dict floor: state walk / check = {ratio['walk']:.2f} (1.00 = same speed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
