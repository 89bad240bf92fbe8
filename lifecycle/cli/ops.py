"""List the operations legal in a state and where each leads, e.g. ``lifecycle ops SHUTOFF``.

Each accepted operation is followed through its task to where it rests, and a
composite request (Huawei's ``resize_with_stop``: stop, resize, confirm, start)
through every part the cloud chains itself; the statuses shown on the way are
listed too. With ``--all`` the refused operations
are listed with the cloud's 409 message.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lifecycle.cli._common import EXIT_OK, add_dialect, add_json, print_json
from lifecycle.cli._options import PLACE_HELP, add_settings, settings_of

if TYPE_CHECKING:
    from lifecycle.model.table import Table

HELP = "operations legal in a state, and where each leads"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("state", help=PLACE_HELP)
    parser.add_argument("task_state", nargs="?", default=None, help="task_state, when STATE is a vm_state")
    parser.add_argument("--power", metavar="POWER", help="power_state code or name (default: nominal for the state)")
    parser.add_argument("--all", action="store_true", help="also list refused operations with the reason")
    add_dialect(parser)
    add_json(parser)
    add_settings(parser)


def _settled(path: list[int], table: Table) -> list[int]:
    """``path`` followed through every remaining task step (``advance``) to where it rests."""
    from lifecycle.model.blueprint import ADVANCE

    while ADVANCE in table.step_row(path[-1]):
        path.append(table.step_row(path[-1])[ADVANCE])
    return path


def run(args: argparse.Namespace) -> int:
    from lifecycle.model.blueprint import ADVANCE, is_failure
    from lifecycle.model.nodes import State, start_node, state_of
    from lifecycle.model.settings import Settings
    from lifecycle.model.table import table_for
    from lifecycle.simulate.server import refusal

    table = table_for(args.dialect, Settings.from_kwargs(**settings_of(args)))
    place = args.state if args.task_state is None else (args.state, args.task_state)
    node = start_node(table, place, args.power)
    here = state_of(table, node)
    row = table.step_row(node)
    then = {op.name: op.then for op in table.blueprint.dialect.operations}
    legal: list[tuple[str, State, list[str]]] = []
    for trigger in table.triggers:
        if trigger not in row:
            continue
        path = _settled([row[trigger]], table)
        # a composite request: the cloud chains its own follow-ups (``Operation.then``),
        # as Table.settle_row does, so it ends where the last part settles
        for follow in then.get(trigger, ()):
            nxt = table.step_row(path[-1]).get(follow)
            if nxt is None:
                break
            path = _settled([*path, nxt], table)
        states = [state_of(table, n) for n in path]
        via: list[str] = []
        for state in states[:-1]:
            shown = state.status.value if state.status else str(state)
            if not via or via[-1] != shown:
                via.append(shown)
        legal.append((trigger, states[-1], via))
    refused: list[tuple[str, str]] = []
    if args.all:
        for op in table.blueprint.dialect.operations:
            if op.name not in row:
                error = refusal(
                    table.blueprint.dialect,
                    op,
                    server_id="<server>",
                    vm_state=here.vm_state,
                    task_state=here.task_state,
                    launched=here.launched,
                    allowed=(),
                    settings=table.blueprint.settings,
                )
                refused.append((op.name, error.message))
    if args.json:
        operations = [
            {
                "operation": name,
                "legal": True,
                "event": name == ADVANCE or is_failure(name),
                "leads_to": end.as_dict(),
                "via": via,
            }
            for name, end, via in legal
        ]
        operations += [{"operation": name, "legal": False, "reason": reason} for name, reason in refused]
        print_json({"state": here.as_dict(), "operations": operations})
        return EXIT_OK
    print(f"{here}, power_state {int(here.power_state)} ({here.power_state.name})")
    if not legal:
        print("no operation is legal here")
    width = max([len(name) for name, _, _ in legal] + [len(name) for name, _ in refused] + [9])
    for name, end, via in legal:
        print(f"  {name:<{width}}  -> {end}" + (f"  via {', '.join(via)}" if via else ""))
    for name, reason in refused:
        print(f"  {name:<{width}}  refused: {reason}")
    return EXIT_OK
