"""Fleet at scale: build time, memory per server, and one operation plus settle, against baselines.

Run: ``PYTHONPATH=. python benchmarks/fleet_scale.py`` (``--help`` for sizes).
Every ratio is against a baseline measured in the same run, on the same machine:

* memory: a bare object holding the three state fields (``__slots__``), per
  server, measured with tracemalloc; target: fleet - bare <= 2 KB.
* reboot all + settle: the same Nova machine (``lifecycle.model.machine``) driven
  directly with ``machine.events[t].trigger(obj)`` on bare model objects (the
  cheapest way to drive `transitions`); target: fleet <= 2x.
* 100,000 servers: traced memory after building them and after a reboot of all
  (history and event log on); target: < 500 MB.
* add_model: what registering each server on one machine would cost
  (``Machine.add_model`` default and ``model_override=True``), per model.

Timings are the best of ``--rounds`` runs; the VM is noisy, trust ratios.
"""

from __future__ import annotations

import argparse
import gc
import logging
import time
from collections.abc import Callable
from typing import Any

from _measure import Bare, fleet_of, traced

from lifecycle.model.blueprint import ADVANCE, blueprint
from lifecycle.model.machine import build_machine, machine_for
from lifecycle.model.states import PowerState
from lifecycle.simulate.fleet import Fleet


class BareModel:
    """What the bare `transitions` baseline drives: the attributes the machine reads and writes."""

    __slots__ = ("launched", "power_state", "state")

    def __init__(self) -> None:
        self.state = "active"
        self.power_state = PowerState.RUNNING
        self.launched = True


class OverrideModel:
    """A model for ``model_override=True``: only the predeclared ``trigger`` is bound by transitions."""

    state: str
    power_state: PowerState = PowerState.RUNNING
    launched = True

    def trigger(self, name: str) -> bool:  # replaced per instance by add_model
        raise NotImplementedError


def best(rounds: int, run: Callable[[], float]) -> float:
    """The smallest of ``rounds`` timings (each run returns its own seconds), each after a full collection."""
    timings = []
    for _ in range(rounds):
        gc.collect()
        timings.append(run())
    return min(timings)


def reboot_all(fleet: Fleet) -> float:
    fleet.apply("reboot")
    return fleet.run_until_idle()


def time_build(count: int) -> float:
    start = time.perf_counter()
    fleet_of(count)
    return time.perf_counter() - start


def time_fleet_reboot(count: int, **options: Any) -> float:
    fleet = fleet_of(count, **options)
    start = time.perf_counter()
    result = fleet.apply("reboot")
    fleet.run_until_idle()
    elapsed = time.perf_counter() - start
    assert len(result.accepted) == count
    assert fleet.status_counts() == {"ACTIVE": count}
    return elapsed


def time_bare_reboot(count: int) -> float:
    events = machine_for("nova").events
    models = [BareModel() for _ in range(count)]
    reboot, advance = events["reboot"], events[ADVANCE]
    start = time.perf_counter()
    for model in models:
        reboot.trigger(model)
    for model in models:
        while model.state != "active":
            advance.trigger(model)
    elapsed = time.perf_counter() - start
    assert all(m.state == "active" for m in models)
    return elapsed


def add_model_cost(count: int, **options: Any) -> tuple[float, float, float]:
    """Per model: seconds to add it, traced bytes it costs, and seconds of a reboot + settle through it.

    Timed and traced on separate fresh machines, so tracemalloc does not slow the timing.
    """
    cls = OverrideModel if options.get("model_override") else BareModelDict

    def add(machine: Any, models: list[Any]) -> float:
        start = time.perf_counter()
        for model in models:
            machine.add_model(model, initial="active")
        return time.perf_counter() - start

    timed_models = [cls() for _ in range(count)]
    seconds = add(build_machine(blueprint("nova"), **options), timed_models)
    traced_machine = build_machine(blueprint("nova"), **options)
    traced_models = [cls() for _ in range(count)]
    _, extra = traced(lambda: add(traced_machine, traced_models))
    start = time.perf_counter()
    for model in timed_models:
        model.trigger("reboot")
        while model.state != "active":
            model.trigger(ADVANCE)
    drive = time.perf_counter() - start
    return seconds / count, extra / count, drive / count


class BareModelDict:
    """A plain object (with ``__dict__``) for the default ``add_model``, which sets ~250 attributes on it."""

    power_state = PowerState.RUNNING
    launched = True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000, help="fleet size for time and memory (10000)")
    parser.add_argument("--big", type=int, default=100_000, help="fleet size for the memory ceiling (100000; 0: skip)")
    parser.add_argument("--add-models", type=int, default=1_000, help="models for the add_model rows (1000; 0: skip)")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many timings (3)")
    args = parser.parse_args(argv)
    n, rounds = args.servers, args.rounds
    logging.getLogger("transitions").setLevel(logging.ERROR)  # model_override logs every skipped name

    fleet_of(10)  # build the blueprint, machine and table once, outside every measurement
    print(f"Fleet benchmark, {n:,} servers, best of {rounds}\n")

    build = best(rounds, lambda: time_build(n))
    print(f"build {n:,} seeded servers: {build:.2f} s ({build / n * 1e6:.1f} us/server)")

    bare = best(rounds, lambda: time_bare_reboot(n))
    table = best(rounds, lambda: time_fleet_reboot(n))
    machine = best(rounds, lambda: time_fleet_reboot(n, engine="machine"))
    print(f"\nreboot all + settle ({n:,} servers, 4 writes each)    seconds   us/server   ratio")
    print(f"  bare transitions machine, events[t].trigger  {bare:>8.3f}   {bare / n * 1e6:>8.1f}    1.00 (baseline)")
    print(
        f"  Fleet, engine='table' (default)              {table:>8.3f}   {table / n * 1e6:>8.1f}    "
        f"{table / bare:.2f}  (target <= 2)"
    )
    print(
        f"  Fleet, engine='machine'                      {machine:>8.3f}   {machine / n * 1e6:>8.1f}    "
        f"{machine / bare:.2f}"
    )

    _, bare_bytes = traced(lambda: [Bare() for _ in range(n)])
    fleet, fleet_bytes = traced(lambda: fleet_of(n))
    _, quiet_bytes = traced(lambda: fleet_of(n, history=False, events=False))

    _, campaign_bytes = traced(lambda: reboot_all(fleet))
    per = {k: v / n for k, v in [("bare", bare_bytes), ("fleet", fleet_bytes), ("quiet", quiet_bytes)]}
    print("\nmemory per server (tracemalloc)                 bytes   over bare")
    print(f"  bare object, 3 state fields (baseline)     {per['bare']:>8.0f}")
    print(f"  Fleet server (history + event log on)      {per['fleet']:>8.0f}   {per['fleet'] - per['bare']:>+6.0f} B")
    print(f"  Fleet server (history, events off)         {per['quiet']:>8.0f}   {per['quiet'] - per['bare']:>+6.0f} B")
    print(
        f"  ... plus one reboot (4 events, 4 history)  {per['fleet'] + campaign_bytes / n:>8.0f}   "
        f"{per['fleet'] + campaign_bytes / n - per['bare']:>+6.0f} B   (target: <= +2048 B)"
    )
    fleet = None  # free it before the big fleet

    if args.big:
        big, big_bytes = traced(lambda: fleet_of(args.big))

        _, big_campaign_bytes = traced(lambda: reboot_all(big))
        print(
            f"\n{args.big:,} servers: {big_bytes / 2**20:.0f} MiB built, "
            f"{(big_bytes + big_campaign_bytes) / 2**20:.0f} MiB after a reboot of all (target < 500 MB)"
        )
        big = None

    if args.add_models:
        m = args.add_models
        print(
            f"\nregistering each server on one machine ({m:,} models)   add us/model   bytes/model   reboot+settle us"
        )
        print(f"  unregistered model + events[t].trigger (ours){0:>14}{0:>14}{bare / n * 1e6:>17.1f}")
        for label, options in [
            ("add_model, model_override=True", {"model_override": True}),
            ("add_model (default)", {}),
        ]:
            seconds, size, drive = add_model_cost(m, **options)
            print(f"  {label:<46}{seconds * 1e6:>14.0f}{size:>14,.0f}{drive * 1e6:>17.1f}")


if __name__ == "__main__":
    main()
