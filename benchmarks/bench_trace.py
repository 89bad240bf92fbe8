"""Benchmark: streaming ``check_trace`` over long traces, against a bare ``json.loads`` loop over the same file.

Run: ``PYTHONPATH=. python benchmarks/bench_trace.py [LINES...]`` (default 1e6 and 1e7).
Traces are generated at run time into a temporary folder (never committed),
1,000 servers interleaved, one server body per line (~190 bytes), each server
going round ACTIVE -> REBOOT -> ACTIVE -> SHUTOFF -> ACTIVE:

* ``polled``: what a poller of ``GET /servers/detail`` records. Each round
  every server is seen once; a tenth of them has moved since the last round
  (its ``updated`` is that round's time), the others show the same body again.
* ``changes``: the worst case, every line a change with its own ``updated``.

``check_trace`` runs twice: with orjson (the ``[fast]`` extra) and with the
stdlib parser alone. Each measurement runs in its own process, so its peak RSS (``ru_maxrss``) is its
own. Targets: >= 500,000 observations per second, and peak memory flat (10x
the lines, about the same RSS).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

CYCLE = (
    ("ACTIVE", "active", None, 1),
    ("REBOOT", "active", "rebooting", 1),
    ("ACTIVE", "active", None, 1),
    ("SHUTOFF", "stopped", None, 4),
    ("ACTIVE", "active", None, 1),
)
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _body(sid: str, step: int, moment: int) -> str:
    status, vm, task, power = CYCLE[step % len(CYCLE)]
    updated = (START + datetime.timedelta(seconds=moment)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = {
        "id": sid,
        "status": status,
        "OS-EXT-STS:vm_state": vm,
        "OS-EXT-STS:task_state": task,
        "OS-EXT-STS:power_state": power,
        "updated": updated,
    }
    return json.dumps(fields, separators=(",", ":")) + "\n"


def generate(path: str, lines: int, scenario: str, servers: int = 1000) -> None:
    """Write ``lines`` server bodies of ``scenario`` (see the module docstring)."""
    ids = [f"5a7e{n:04d}-0000-4000-8000-{n:012d}" for n in range(servers)]
    steps = [0] * servers
    current = [_body(sid, 0, 0) for sid in ids]
    with open(path, "w", encoding="utf-8") as out:
        chunk: list[str] = []
        for n in range(lines):
            server, round_ = n % servers, n // servers
            if scenario == "changes" or (round_ + server) % 10 == 0:
                steps[server] += 1
                current[server] = _body(ids[server], steps[server], n if scenario == "changes" else round_ * 10)
            chunk.append(current[server])
            if len(chunk) >= 10_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))


_CHILD = r"""
import json, resource, sys, time
path, mode = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if mode == "baseline":
    count = 0
    with open(path, "rb") as handle:
        for line in handle:
            json.loads(line)
            count += 1
    extra = 0
else:
    if mode == "trace-stdlib":
        sys.modules["orjson"] = None  # as if the [fast] extra were not installed
    from lifecycle.validate.trace import check_trace, _fast_loads
    import pathlib
    report = check_trace(pathlib.Path(path), keep_explained=False)
    count = report.observations
    extra = len(report.unexplained)
elapsed = time.perf_counter() - start
print(json.dumps({"count": count, "seconds": elapsed, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "unexplained": extra, "orjson": mode != "baseline" and _fast_loads is not None}))
"""


def measure(path: str, mode: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, path, mode], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main(sizes: list[int]) -> int:
    failed = False
    rss: list[float] = []
    runs = [("polled", lines) for lines in sizes] + [("changes", sizes[0])]
    with tempfile.TemporaryDirectory() as folder:
        for scenario, lines in runs:
            path = os.path.join(folder, f"trace-{scenario}-{lines}.jsonl")
            start = time.perf_counter()
            generate(path, lines, scenario)
            made = time.perf_counter() - start
            size = os.path.getsize(path) / 2**20
            base = measure(path, "baseline")
            run = measure(path, "trace")
            stdlib = measure(path, "trace-stdlib")
            os.remove(path)
            rate = run["count"] / run["seconds"]
            base_rate = base["count"] / base["seconds"]
            if scenario == "polled":
                rss.append(run["rss_kib"] / 1024)
            print(f"{scenario}: {lines:,} lines ({size:,.0f} MiB, generated in {made:.1f} s)")
            print(f"  bare json.loads loop: {base_rate:>12,.0f} lines/s         peak {base['rss_kib'] / 1024:6.1f} MiB")
            print(
                f"  check_trace (stream): {rate:>12,.0f} observations/s  peak {run['rss_kib'] / 1024:6.1f} MiB"
                f"  ({rate / base_rate:.2f}x the bare loop, {run['unexplained']} unexplained)"
            )
            stdlib_rate = stdlib["count"] / stdlib["seconds"]
            versus = f"orjson: {rate / stdlib_rate:.2f}x" if run["orjson"] else "orjson is not installed: [fast]"
            peak = stdlib["rss_kib"] / 1024
            print(f"  without orjson:       {stdlib_rate:>12,.0f} observations/s  peak {peak:6.1f} MiB  ({versus})")
            if run["count"] != lines or run["unexplained"] or stdlib["count"] != lines or stdlib["unexplained"]:
                print("  FAIL: every line is an observation and every change is explained")
                failed = True
            if rate < 500_000:
                print("  below the goal of 500,000 observations/s")
    if len(rss) > 1:
        growth = rss[-1] / rss[0]
        print(f"peak memory {rss[0]:.1f} -> {rss[-1]:.1f} MiB for {sizes[-1] // sizes[0]}x the lines ({growth:.2f}x)")
        if growth > 1.2:
            print("FAIL: memory is not flat")
            failed = True
    return 1 if failed else 0


def _lines(text: str) -> int:
    try:
        value = int(float(text))
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"not a line count: {text!r} (e.g. 1e6)") from None
    if value < 1000:
        raise argparse.ArgumentTypeError(f"at least 1000 lines (got {text!r})")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", nargs="*", type=_lines, help="trace lengths to measure (default 1e6 1e7)")
    sys.exit(main(parser.parse_args().lines or [1_000_000, 10_000_000]))
