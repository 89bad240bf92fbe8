"""Draw a lifecycle diagram from the model, e.g. ``lifecycle diagram --operation resize -o resize.svg``.

Kinds: ``overview`` (vm_states and the operations between them), ``full`` (every
state and transition, vm_states as clusters), ``operation`` (the steps of one
operation and the status at each). Formats: svg and png need Graphviz ``dot``;
dot and mermaid (overview and operation only) do not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lifecycle.cli._common import EXIT_OK, EXIT_USAGE, CliError, add_dialect

HELP = "draw an overview, full or per-operation diagram (svg, png, dot, mermaid)"

KINDS = ("overview", "full", "operation")
FORMATS = ("svg", "png", "dot", "mermaid")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dialect(parser)
    parser.add_argument("--kind", choices=KINDS, default="overview", help="which diagram (default: overview)")
    parser.add_argument("--operation", metavar="OP", help="the operation, for --kind operation (e.g. resize)")
    parser.add_argument("--format", choices=FORMATS, default=None, help="output format (default: from -o, else svg)")
    parser.add_argument("-o", "--output", default="-", metavar="PATH", help="file to write, or - for stdout (default)")


_SUFFIXES = {"svg": "svg", "png": "png", "dot": "dot", "gv": "dot", "mmd": "mermaid", "mermaid": "mermaid"}


def _format(args: argparse.Namespace) -> str:
    """The format asked for, checked against the output file's suffix so a file never lies about its content."""
    if args.output == "-":
        return str(args.format or "svg")
    suffix = Path(args.output).suffix.lower().lstrip(".")
    implied = _SUFFIXES.get(suffix)
    if implied is None and not args.format:
        known = ", ".join(f".{s}" for s in _SUFFIXES)
        raise CliError(f"cannot tell the format from {args.output!r}: use one of {known}, or --format")
    if args.format and implied is not None and implied != args.format:
        raise CliError(f"--format {args.format} does not match the file name {args.output!r} ({implied})")
    return str(args.format or implied)


def run(args: argparse.Namespace) -> int:
    from lifecycle.diagrams import model
    from lifecycle.diagrams.render import render

    fmt = _format(args)
    if args.operation is not None and not args.operation.strip():
        raise CliError("--operation needs an operation name (e.g. --operation resize)")
    if args.kind == "operation" and not args.operation:
        raise CliError("--kind operation needs --operation OP (e.g. --operation resize)", EXIT_USAGE)
    if args.operation and args.kind == "full":
        raise CliError("--operation draws one operation; it does not go with --kind full")
    if args.operation:
        args.kind = "operation"
    if fmt == "png" and args.output == "-" and sys.stdout.isatty():
        raise CliError("PNG is binary: write it to a file with -o PATH.png, or redirect stdout")
    if args.kind == "full" and fmt == "mermaid":
        raise CliError("mermaid is available for --kind overview and operation; use svg, png or dot for full")
    if args.kind == "overview":
        diagram = model.overview(args.dialect)
    elif args.kind == "full":
        diagram = model.full(args.dialect)
    else:
        diagram = model.operation(args.dialect, args.operation)
    data = render(diagram, fmt)  # type: ignore[arg-type]
    if args.output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        from lifecycle.diagrams.output import write_atomic

        try:
            replaced = write_atomic(Path(args.output), data)  # refuses links, folders, FIFOs, devices
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror}") from None
        if replaced:
            print(f"lifecycle diagram: replaced the existing file {args.output}", file=sys.stderr)
    return EXIT_OK
