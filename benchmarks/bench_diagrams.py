"""How long the diagrams take: the whole docs set, one SVG, and the model alone (a baseline in the same run).

Targets from the issue: the full set for both dialects under 10 s, one SVG under
1 s on the CI machine (2 cores). Prints numbers and ratios; asserts nothing.

    PYTHONPATH=. python benchmarks/bench_diagrams.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _time(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from lifecycle.diagrams import docset, model
    from lifecycle.diagrams.dot import to_dot
    from lifecycle.diagrams.render import pipe
    from lifecycle.model.blueprint import blueprint

    blueprint("nova")  # warm the blueprint cache: it is not what is measured
    baseline = _time(lambda: to_dot(model.overview("nova")), args.rounds)
    rows: list[tuple[str, float]] = [("baseline: overview DOT text (model + writer)", baseline)]
    overview_dot = to_dot(model.overview("nova"))
    full_dot = to_dot(model.full("nova"))
    resize_dot = to_dot(model.operation("nova", "resize"))
    rows.append(("full lifecycle DOT text", _time(lambda: to_dot(model.full("nova")), args.rounds)))
    rows.append(("one SVG: overview (dot)", _time(lambda: pipe(overview_dot, "svg"), args.rounds)))
    rows.append(("one SVG: resize (dot)", _time(lambda: pipe(resize_dot, "svg"), args.rounds)))
    rows.append(("one SVG: full lifecycle (dot)", _time(lambda: pipe(full_dot, "svg"), args.rounds)))
    rows.append(("docs set text only (both dialects)", _time(docset.build, args.rounds)))
    from lifecycle.diagrams import explorer, export

    def explorer_page() -> str:
        return explorer.page({name: export.export(name) for name in ("nova", "huawei-ecs")})

    rows.append(("explorer: model.json data + page (both dialects)", _time(explorer_page, args.rounds)))

    def whole_set() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            docset.write(Path(tmp), docset.build())

    rows.append(("whole docs set incl. SVG/PNG (both dialects)", _time(whole_set, args.rounds)))
    print(f"median of {args.rounds} rounds; ratio = time / baseline")
    for name, seconds in rows:
        print(f"{name:48s} {seconds * 1000:9.1f} ms {seconds / baseline:9.1f}x")
    print("targets: whole set < 10 s, one SVG < 1 s")


if __name__ == "__main__":
    main()
