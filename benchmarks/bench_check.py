"""Benchmark: check() of one long sequence against a bare dict-lookup loop, and the CLI cold start.

Run: ``PYTHONPATH=. python benchmarks/bench_check.py [N]``. Every number is
measured in this run; the ratios are what the targets are about:
check() >= 1,000,000 operations per second and within 5x of the bare loop, and
``lifecycle status`` starting in under 150 ms.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time

from lifecycle.sequence import check


def _legal_sequence(n: int, seed: int = 7) -> list[str]:
    """A random sequence of ``n`` settled steps that is legal all the way (so check() walks every step)."""
    from lifecycle.blueprint import ADVANCE, FAIL
    from lifecycle.table import table_for

    table = table_for("nova")
    rng = random.Random(seed)
    node = table.node_for((None, None))
    table.explore([node], settled=True)
    ops: list[str] = []
    while len(ops) < n:
        row = table.settle_row(node)
        choices = [t for t in row if t not in (ADVANCE, FAIL) and t not in ("delete", "force_delete")]
        op = rng.choice(choices)
        ops.append(op)
        node = row[op]
    return ops


def _best(fn: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def _cold_start(repeat: int = 15) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "lifecycle", "status", "active", "rebooting"]
    bare = [sys.executable, "-c", "pass"]
    runs, base = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        runs.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run(bare, capture_output=True, check=True)
        base.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000, statistics.median(base) * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    ops = _legal_sequence(n)
    result = check(ops)
    assert result.ok, result.violation
    lookup = {op: i for i, op in enumerate(sorted(set(ops)))}

    def bare_loop() -> None:
        get = lookup.get
        out: list[int | None] = []
        append = out.append
        for op in ops:
            append(get(op))

    t_check = _best(lambda: check(ops))
    t_bare = _best(bare_loop)
    t_states = _best(lambda: check(ops).states, repeat=2)
    rate = n / t_check
    print(f"steps: {n:,} settled operations (legal), nova defaults")
    print(f"check():           {t_check * 1000:8.1f} ms  {rate / 1e6:6.2f} M ops/s   (target >= 1.00 M ops/s)")
    print(f"bare dict loop:    {t_bare * 1000:8.1f} ms  {n / t_bare / 1e6:6.2f} M ops/s")
    print(f"ratio check/bare:  {t_check / t_bare:8.2f} x                   (target <= 5 x)")
    print(f"check().states:    {t_states * 1000:8.1f} ms  (rich states built lazily, on demand)")
    cold, python = _cold_start()
    print(
        f"cold start `lifecycle status active rebooting`: {cold:6.1f} ms (python -c pass: {python:.1f} ms; "
        f"ratio {cold / python:.2f} x; target < 150 ms)"
    )
    ok = rate >= 1_000_000 and t_check / t_bare <= 5 and cold < 150
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    main()
