"""Cold start of the CLI: ``lifecycle check`` and ``lifecycle diagram`` against ``lifecycle status``, same run.

Run: ``python benchmarks/bench_cold_start.py [--runs N]`` (``--quick`` for a smoke run).
Each command is a fresh ``python -m lifecycle ...`` process, timed like hyperfine
does: one warm-up run each, then ``--runs`` rounds in which every command runs once
in turn (so machine noise hits all of them alike); the figure is the median.
Ratios are against ``lifecycle status active rebooting`` measured in the same
rounds. Goal (issue 14): check and diagram <= 1.5x status. ``python -c pass``
is shown for scale (the interpreter's own start). The commands run as an
installed package does, with bytecode caches: ``PYTHONDONTWRITEBYTECODE`` is
dropped from their environment, so the warm-up run writes the ``.pyc`` files
(otherwise every start compiles every module it imports, and a command that
imports more modules looks slower than it is).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

PEER = "status"
COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    PEER: ["-m", "lifecycle", "status", "active", "rebooting"],
    "check": ["-m", "lifecycle", "check", "create", "reboot", "stop", "start", "resize", "confirm_resize"],
    "check --json huawei-ecs": ["-m", "lifecycle", "check", "--dialect", "huawei-ecs", "--json", "create", "stop"],
    "diagram (overview svg)": ["-m", "lifecycle", "diagram"],
    "diagram --format dot": ["-m", "lifecycle", "diagram", "--format", "dot"],
    "diagram --operation resize": ["-m", "lifecycle", "diagram", "--operation", "resize"],
}
GOAL = 1.5


_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _once(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], capture_output=True, check=False, env=_ENV)
    return time.perf_counter() - start


def measure(runs: int, commands: dict[str, list[str]] = COMMANDS) -> dict[str, float]:
    """Median seconds of each command over ``runs`` interleaved rounds (after one warm-up each)."""
    for args in commands.values():
        _once(args)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, args in commands.items():
            samples[name].append(_once(args))
    return {name: statistics.median(times) for name, times in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="interleaved rounds (21)")
    parser.add_argument("--quick", action="store_true", help="one round of status and check: a smoke run")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    commands = {k: COMMANDS[k] for k in ("python -c pass", PEER, "check")} if args.quick else COMMANDS
    medians = measure(runs, commands)
    peer = medians[PEER]
    print(f"cold start, median of {runs} interleaved runs; ratio = time / `lifecycle {PEER}` (same run)")
    print(f"{'command':32s} {'ms':>8s} {'ratio':>7s}")
    worst = 0.0
    for name, seconds in medians.items():
        ratio = seconds / peer
        if name.startswith(("check", "diagram")):
            worst = max(worst, ratio)
        print(f"{name:32s} {seconds * 1000:8.1f} {ratio:7.2f}")
    verdict = "met" if worst <= GOAL else "MISSED"
    print(f"goal: check and diagram <= {GOAL}x status; worst {worst:.2f}x: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
