"""``oncall``: the team's rotation, runbooks, calendars and incident answers.

This module only wires command modules together; it must stay cheap to import (no pyspark, no
pydantic, no holidays) so that ``oncall --help`` and every command start instantly.

Typer turns every registered command into a Click command on each start, which costs time per
command; so ``main()`` registers only the command being run (``oncall whois ...`` builds just
``whois``), and the full app is built for ``--help``, completion and tests
(``from oncall.cli.app import app``).
"""

from importlib import import_module

import typer

from oncall.cli.base import WorkspaceOption, new_app
from oncall.cli.context import CliState

HELP = "On-call for the data pipelines: fair rotations, runbooks, calendars and incident answers."

#: command name -> (module under oncall.cli, attribute, "command" or "group"), in help order
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("validate", "validate", "command"),
    "owners": ("owners", "owners", "command"),
    "runbook": ("runbook", "runbook", "command"),
    "schedule": ("schedule", "schedule", "command"),
    "leave": ("leave", "app", "group"),
    "swap": ("swap", "app", "group"),
    "cover": ("cover", "app", "group"),
    "publish": ("publish", "publish", "command"),
    "plan": ("plan", "plan", "command"),
    "fairness": ("fairness", "fairness", "command"),
    "whois": ("whois", "whois", "command"),
    "shifts": ("shifts", "shifts", "command"),
    "handoff": ("handoff", "app", "group"),
    "ical": ("ical", "ical", "command"),
    "serve": ("serve", "serve", "command"),
}

#: top-level options that take a value (to find the command name in argv without parsing)
_VALUE_OPTIONS = {"--workspace", "-w"}


def main_callback(
    ctx: typer.Context,
    workspace: WorkspaceOption = None,
) -> None:
    """On-call for the data pipelines: fair rotations, runbooks, calendars and incident answers."""
    ctx.obj = CliState(workspace_option=workspace)


def build_app(only: str | None = None) -> typer.Typer:
    """The ``oncall`` app with every command, or with the command ``only``."""
    app = new_app(HELP)
    app.callback()(main_callback)
    for name, (module, attribute, kind) in COMMANDS.items():
        if only is not None and name != only:
            continue
        target = getattr(import_module(f"oncall.cli.{module}"), attribute)
        if kind == "group":
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    return app


def command_name(argv: list[str]) -> str | None:
    """The command named in ``argv`` (after the top-level options), if it is a known one."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in _VALUE_OPTIONS:
            index += 2
        elif token.startswith("-"):
            index += 1
        else:
            return token if token in COMMANDS else None
    return None


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the full app, built on first use
        app = build_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point."""
    import sys

    build_app(command_name(sys.argv[1:]))(prog_name="oncall")
