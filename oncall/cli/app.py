"""``oncall``: the team's rotation, runbooks, calendars and incident answers.

This module only wires command modules together; it must stay cheap to import (no pyspark, no
pydantic, no holidays) so that ``oncall --help`` and every command start instantly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from oncall.cli import (
    fairness,
    handoff,
    ical,
    leave,
    owners,
    publish,
    runbook,
    schedule,
    serve,
    swap,
    validate,
    whois,
)
from oncall.cli.base import new_app
from oncall.cli.context import CliState

app = new_app(
    "On-call for the data pipelines: fair rotations, runbooks, calendars and incident answers."
)


@app.callback()
def main_callback(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace folder (default: $ONCALL_WORKSPACE, else the nearest ancestor "
            "holding runbooks/ or schedules/).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """On-call for the data pipelines: fair rotations, runbooks, calendars and incident answers."""
    ctx.obj = CliState(workspace_option=workspace)


app.command("validate")(validate.validate)
app.command("owners")(owners.owners)
app.command("runbook")(runbook.runbook)
app.command("schedule")(schedule.schedule)
app.add_typer(leave.app, name="leave")
app.add_typer(swap.app, name="swap")
app.command("publish")(publish.publish)
app.command("fairness")(fairness.fairness)
app.command("ical")(ical.ical)
app.command("serve")(serve.serve)
app.command("whois")(whois.whois)
app.add_typer(handoff.app, name="handoff")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="oncall")
