"""The options several ``oncall`` commands share, defined once: each command names the default
in its own help (``--start`` means this week for ``schedule``, all history for ``fairness``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

#: the rotation most commands act on when ``--rotation`` is not given
DEFAULT_ROTATION = "data-engineering"

RotationOption = Annotated[
    str, typer.Option("--rotation", "-r", help="The rotation id (a file in schedules/).")
]

DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Show the weeks that would change; write nothing."),
]


def start_option(help: str) -> Any:
    """The type of a ``--start/-s`` option (a date in the first week; None when not given)."""
    return Annotated[str | None, typer.Option("--start", "-s", help=help, show_default=False)]


def until_option(help: str) -> Any:
    """The type of an ``--until`` option (a date in the last week; None when not given)."""
    return Annotated[str | None, typer.Option("--until", help=help, show_default=False)]


def weeks_option(help: str, optional: bool = False) -> Any:
    """The type of a ``--weeks/-n`` option (``optional``: None when not given)."""
    if optional:
        return Annotated[int | None, typer.Option("--weeks", "-n", help=help, show_default=False)]
    return Annotated[int, typer.Option("--weeks", "-n", help=help)]


StartOption = start_option(
    "First week: a date in it (a non-Monday means its Monday..Sunday week). Default: this week."
)
#: ``--start`` of commands that look back over the rotation's history (``fairness``)
HistoryStartOption = start_option(
    "First week: a date in it. Default: the rotation's first week (all history)."
)
UntilOption = until_option("Last week: a date in it.")
#: ``--until`` of ``fairness``
HistoryUntilOption = until_option("Last week: a date in it. Default: 52 weeks from this week.")
WeeksOption = weeks_option("How many weeks.")
#: ``--weeks`` of ``publish``, which also takes ``--until`` (so neither has a default of its own)
OptionalWeeksOption = weeks_option("How many weeks [default: 4].", optional=True)
