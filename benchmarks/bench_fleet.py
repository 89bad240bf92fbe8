"""Fleet campaigns against a SimPy model of the same timed steps, measured in the same run.

Run: ``python benchmarks/bench_fleet.py [--sizes 10000,100000] [--rounds 3]``
(needs the ``bench`` extra: ``pip install -e '.[bench]'``; ``--quick`` is a smoke run).

Two campaigns on every server of a fleet seeded ACTIVE:

* **reboot + settle**: ``fleet.apply("reboot")`` then ``run_until_idle()``: 3 timed
  task steps per server (rebooting 2 s, reboot_pending 3 s, reboot_started 15 s);
* **resize + confirm**: ``apply("resize")``, ``run_until_idle()`` (4 steps, 75 s),
  then ``apply("confirm_resize")``.

The peer is SimPy (the usual Python discrete-event simulator) running one
process per server that writes the same (vm_state, task_state) pairs after the
same durations (read from ``lifecycle.simulate.durations.DEFAULTS``), on slotted records (``_measure.Bare``).
It does less than the fleet: no legality check, no history, no event log, no
faults, no locks. Figures: microseconds per server and the ratio fleet / SimPy
in the same round (the median of ``--rounds``). Memory: tracemalloc bytes per
server still held after both campaigns, fleet (history and event log on) and
SimPy's records. Goals (issue 14): ratio <= 1 at every size, us/server flat
across sizes, fleet memory <= 1 KB per server.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Iterator

import simpy
from _measure import Bare, fleet_of, traced

from lifecycle.simulate.durations import DEFAULTS
from lifecycle.simulate.fleet import Fleet

REBOOT = [(task, DEFAULTS["reboot"][task]) for task in ("rebooting", "reboot_pending", "reboot_started")]
RESIZE = [
    (task, DEFAULTS["resize"][task]) for task in ("resize_prep", "resize_migrating", "resize_migrated", "resize_finish")
]


def _task(env: simpy.Environment, rec: Bare, steps: list[tuple[str, float]], end: str) -> Iterator[simpy.Event]:
    for task, seconds in steps:
        rec.task_state = task
        yield env.timeout(seconds)
    rec.vm_state, rec.task_state = end, None


def simpy_campaigns(count: int) -> tuple[float, float, list[Bare]]:
    """Seconds of both campaigns in SimPy (reboot + settle; resize + confirm) and the records."""
    env = simpy.Environment()
    records = [Bare() for _ in range(count)]
    start = time.process_time()
    for rec in records:
        env.process(_task(env, rec, REBOOT, "active"))
    env.run()
    reboot = time.process_time() - start
    start = time.process_time()
    for rec in records:
        env.process(_task(env, rec, RESIZE, "resized"))
    env.run()
    for rec in records:  # confirm_resize: no task, the pair changes at once
        rec.vm_state = "active"
    resize = time.process_time() - start
    assert all(r.vm_state == "active" and r.task_state is None for r in records)
    return reboot, resize, records


def fleet_campaigns(fleet: Fleet) -> tuple[float, float]:
    """Seconds of both campaigns on ``fleet``."""
    count = len(fleet)
    start = time.process_time()
    assert len(fleet.apply("reboot").accepted) == count
    fleet.run_until_idle()
    reboot = time.process_time() - start
    start = time.process_time()
    assert len(fleet.apply("resize").accepted) == count
    fleet.run_until_idle()
    assert len(fleet.apply("confirm_resize").accepted) == count
    resize = time.process_time() - start
    assert fleet.status_counts() == {"ACTIVE": count}
    return reboot, resize


def measure(count: int, rounds: int) -> dict[str, float]:
    """Per-server figures at one size: medians over ``rounds`` of per-round ratios."""
    rows: dict[str, list[float]] = {k: [] for k in ("reboot", "resize", "simpy_reboot", "simpy_resize", "build")}
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        fleet = fleet_of(count)
        rows["build"].append(time.process_time() - start)
        gc.collect()
        sim_reboot, sim_resize, _ = simpy_campaigns(count)
        gc.collect()
        reboot, resize = fleet_campaigns(fleet)
        del fleet
        for key, value in (
            ("reboot", reboot),
            ("resize", resize),
            ("simpy_reboot", sim_reboot),
            ("simpy_resize", sim_resize),
        ):
            rows[key].append(value)
    out = {key: statistics.median(values) / count * 1e6 for key, values in rows.items()}
    out["reboot_ratio"] = statistics.median(a / b for a, b in zip(rows["reboot"], rows["simpy_reboot"], strict=True))
    out["resize_ratio"] = statistics.median(a / b for a, b in zip(rows["resize"], rows["simpy_resize"], strict=True))
    return out


def memory(count: int) -> tuple[float, float]:
    """Bytes per server after both campaigns: the fleet (history and log on), and SimPy's records."""

    def fleet_run() -> Fleet:
        fleet = fleet_of(count)
        fleet_campaigns(fleet)
        return fleet

    _, fleet_bytes = traced(fleet_run)
    _, simpy_bytes = traced(lambda: simpy_campaigns(count)[2])
    return fleet_bytes / count, simpy_bytes / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="fleet sizes, comma-separated (10000,100000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size; medians are shown (3)")
    parser.add_argument(
        "--memory", type=int, default=None, help="fleet size for the memory figure (default: the last size; 0: skip)"
    )
    parser.add_argument("--quick", action="store_true", help="one round of 1,000 servers: a smoke run")
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    rounds = 1 if args.quick else args.rounds
    fleet_of(10)  # blueprint and table built outside every measurement

    print(f"Fleet vs SimPy (same timed steps), median of {rounds} round(s); ratio = fleet / SimPy, same round")
    print(f"{'servers':>9} {'campaign':18} {'fleet us/srv':>12} {'SimPy us/srv':>12} {'ratio':>6}")
    results = {}
    for count in sizes:
        r = results[count] = measure(count, rounds)
        for name, key in (("reboot + settle", "reboot"), ("resize + confirm", "resize")):
            print(f"{count:>9,} {name:18} {r[key]:>12.1f} {r['simpy_' + key]:>12.1f} {r[key + '_ratio']:>6.2f}")
        print(f"{count:>9,} {'build (seeded)':18} {r['build']:>12.1f}")
    if len(sizes) > 1:
        first, last = results[sizes[0]], results[sizes[-1]]
        for key in ("reboot", "resize"):
            growth = last[key] / first[key]
            peer = last["simpy_" + key] / first["simpy_" + key]
            print(
                f"us/server {sizes[0]:,} -> {sizes[-1]:,}, {key}: fleet x{growth:.2f}, SimPy x{peer:.2f} (goal: flat)"
            )
    count = sizes[-1] if args.memory is None else args.memory
    if not count:
        return 0
    fleet_bytes, simpy_bytes = memory(count)
    print(
        f"memory after both campaigns, {count:,} servers: fleet {fleet_bytes:.0f} B/server "
        f"(history + event log on; goal <= 1024), SimPy records {simpy_bytes:.0f} B/server, "
        f"ratio {fleet_bytes / simpy_bytes:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
