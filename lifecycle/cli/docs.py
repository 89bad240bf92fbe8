"""Write the generated documentation set (diagrams and tables for every dialect), or check it is current.

``lifecycle docs --out diagrams/`` writes DOT, Mermaid, Markdown, SVG and a few
PNGs. ``lifecycle docs --check`` exits 1 and names each file that differs
(DOT, Mermaid and Markdown compared byte for byte; SVG/PNG only required to
exist, since they vary with the Graphviz version).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lifecycle.cli._common import EXIT_INVALID, EXIT_OK, CliError

HELP = "write the diagrams/ documentation set, or --check that it is up to date"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="diagrams", metavar="DIR", help="directory of the set (default: diagrams)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 and list files that are stale")
    parser.add_argument(
        "--dialect",
        action="append",
        metavar="NAME",
        help="only this dialect's folder (repeatable); the index and difference table need the whole set",
    )


def run(args: argparse.Namespace) -> int:
    from lifecycle.diagrams import docset

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out} is not a directory")
    ds = docset.build(args.dialect)
    if args.check:
        if not out.is_dir() or not any(out.iterdir()):
            print(f"lifecycle docs: {out} has no documentation set; run: lifecycle docs --out {out}", file=sys.stderr)
            return EXIT_INVALID
        problems = docset.check(out, ds)
        for line in problems:
            print(f"{out.as_posix().rstrip('/')}/{line.split(': ', 1)[1]}: {line.split(': ', 1)[0]}", file=sys.stderr)
        if problems:
            print(
                f"lifecycle docs: {len(problems)} file(s) stale in {out}; run: lifecycle docs --out {out}",
                file=sys.stderr,
            )
            return EXIT_INVALID
        print(f"{out}: {len(ds.paths)} files up to date")
        return EXIT_OK
    written = docset.write(out, ds)
    print(f"wrote {len(written)} files to {out}")
    return EXIT_OK
