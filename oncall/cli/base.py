"""What every command of both CLIs shares: the error-to-exit-code mapping, consoles, output.

Data goes to stdout, talk to stderr. Rich is imported only when something is rendered for a
person, so ``--format json`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from oncall.errors import OncallError

if TYPE_CHECKING:
    from rich.console import Console


class OncallGroup(TyperGroup):
    """A command group that turns ``OncallError`` into its message lines and exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except OncallError as error:
            for line in shown_lines(error):
                report("error", line)
            raise typer.Exit(error.exit_code) from None


def shown_lines(error: OncallError) -> list[str]:
    """An error's lines as the CLI prints them: the option at fault spelled as a flag."""
    option = getattr(error, "option", None)
    if not option or not error.lines:
        return list(error.lines)
    return [f"--{option.replace('_', '-')}: {error.lines[0]}", *error.lines[1:]]


#: the workspace option both CLIs take before their command
WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $ONCALL_WORKSPACE, else the nearest ancestor "
        "holding runbooks/ or schedules/).",
        show_default=False,
    ),
]


def new_app(help_text: str, **options: Any) -> typer.Typer:
    """A Typer app (or sub-app) wired to ``OncallGroup``, with the team's defaults."""
    return typer.Typer(
        cls=OncallGroup,
        help=help_text,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        **options,
    )


def _color_on(stream: Any) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def report(level: str, line: str) -> None:
    """One plain line on stderr: ``error: ...`` or ``warning: ...`` (never Rich markup, and
    never a control character or line break from the text it quotes)."""
    from oncall.escape import terminal

    line = terminal(line)
    prefix = f"{level}:"
    if _color_on(sys.stderr):
        colour = {"error": "31", "warning": "33"}.get(level, "36")
        prefix = f"\033[{colour}m{prefix}\033[0m"
    sys.stderr.write(f"{prefix} {line}\n")


def warn(line: str) -> None:
    """A warning on stderr."""
    report("warning", line)


def out_console() -> Console:
    """A Rich console for data on stdout (made per use: it reads the terminal width then)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def err_console() -> Console:
    """A Rich console for talk and progress on stderr (made per use, like ``out_console``)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Data as JSON on stdout (UTF-8, two-space indent, stable key order as given)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


class TableFormat(StrEnum):
    """``pipeline``'s table-or-JSON formats (to move to ``oncall.cli.output`` with its CLI)."""

    table = "table"
    json = "json"
