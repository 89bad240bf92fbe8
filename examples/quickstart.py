"""Walk one simulated Nova server through a day of operations, step by step.

Run: ``python examples/quickstart.py``. Prints every state the server passes
through, with the status a user of the API would see at each step.
"""

from __future__ import annotations

import lifecycle


def walk(server: lifecycle.Server, operation: str) -> None:
    """Request ``operation`` and print each task step until it settles."""
    server.perform(operation)
    print(f"{operation:>16}  {_row(server)}")
    while server.busy:
        server.advance()
        print(f"{'':>16}  {_row(server)}")


def _row(server: lifecycle.Server) -> str:
    vm = server.vm_state.value if server.vm_state else "-"
    task = server.task_state.value if server.task_state else "-"
    return f"{vm:<18} {task:<30} power={int(server.power_state)}  {server.status}"


def main() -> None:
    server = lifecycle.Server(name="web-1")
    print(f"{'operation':>16}  {'vm_state':<18} {'task_state':<30} power    status")
    for operation in ["create", "reboot", "stop", "resize", "confirm_resize", "start", "shelve", "unshelve"]:
        walk(server, operation)

    # An illegal request is refused with Nova's 409 wording and what would work instead.
    server.perform("pause")
    try:
        server.perform("resize")
    except lifecycle.InvalidStateError as exc:
        print(f"\nrefused: {exc}\n  allowed now: {', '.join(exc.allowed)}")

    # A failing task leaves the server where Nova leaves it.
    server.fail()
    print(f"\npause failed -> {_row(server)}")


if __name__ == "__main__":
    main()
