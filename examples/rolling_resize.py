"""A rolling resize of 50 servers with 10 % injected failures, simulated in well under a second.

Run: ``python examples/rolling_resize.py``. The campaign resizes five servers at a
time, waits for each batch, confirms the resizes that reached VERIFY_RESIZE and
repairs the ones that failed (ERROR) with a hard reboot, which leaves them on
the old flavor. It prints one row per batch and a final tally, then validates
its own event log with :func:`lifecycle.check_trace`.

Everything runs on a virtual clock: about 20 minutes of cloud time, no sleeping,
and the same output for the same seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import lifecycle
from lifecycle import Durations, Fleet, FleetServer, Status

SERVERS = 50
BATCH = 5
FAILURE_RATE = 0.10
SEED = 4


def rolling_resize(fleet: Fleet, servers: Sequence[FleetServer], batch: int) -> list[dict[str, object]]:
    """Resize ``servers`` ``batch`` at a time; returns one summary row per batch."""
    rows: list[dict[str, object]] = []
    for number, first in enumerate(range(0, len(servers), batch), start=1):
        group = servers[first : first + batch]
        started = fleet.now
        result = fleet.apply("resize", group)
        fleet.run_until_idle()
        resized = [s for s in result.accepted if s.status is Status.VERIFY_RESIZE]
        failed = [s for s in result.accepted if s.status is Status.ERROR]
        fleet.apply("confirm_resize", resized)
        fleet.apply("hard_reboot", failed)  # repair: back to ACTIVE on the old flavor
        fleet.run_until_idle()
        rows.append(
            {
                "batch": number,
                "servers": len(group),
                "refused": len(result.rejected),
                "resized": len(resized),
                "failed": ", ".join(s.name for s in failed) or "-",
                "start": started,
                "took": fleet.now - started,
            }
        )
    return rows


def validate(fleet: Fleet) -> lifecycle.TraceReport:
    """Check the simulated run with the trace validator: every change must be one the model explains."""
    return lifecycle.check_trace(fleet.events.snapshots(), dialect=fleet.dialect.name)


def main() -> None:
    fleet = Fleet(seed=SEED, durations=Durations(jitter=0.25))
    servers = [fleet.create(f"web-{i:02d}", vm_state="active") for i in range(SERVERS)]
    rule = fleet.inject_failure("resize", at_step="resize_migrating", probability=FAILURE_RATE, times=None)

    rows = rolling_resize(fleet, servers, BATCH)

    print(f"Rolling resize of {SERVERS} servers, {BATCH} at a time, {FAILURE_RATE:.0%} injected failure rate\n")
    print(f"{'batch':>5}  {'servers':>7}  {'refused':>7}  {'resized':>7}  {'start':>7}  {'took':>6}  failed")
    for row in rows:
        print(
            f"{row['batch']:>5}  {row['servers']:>7}  {row['refused']:>7}  {row['resized']:>7}  "
            f"{row['start']:>6.0f}s  {row['took']:>5.0f}s  {row['failed']}"
        )
    resized = sum(int(str(row["resized"])) for row in rows)
    print(
        f"\n{resized} resized, {rule.fired} failed and repaired, in {fleet.now / 60:.1f} simulated minutes; "
        f"now {', '.join(f'{n} {status}' for status, n in fleet.status_counts().items())}"
    )
    print(f"{len(fleet.events)} events logged")
    report = validate(fleet)
    verdict = "valid" if report.ok else f"INVALID: {len(report.unexplained)} unexplained change(s)"
    print(f"check_trace on {report.observations} snapshots of {len(report.servers)} servers: {verdict}")
    if not report.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
