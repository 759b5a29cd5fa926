"""The ``pipeline`` app: the top-level options and the commands, in the order ``--help`` lists.

Only wiring: each command lives in its own module of ``pipelines.cli``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from oncall.cli.base import WorkspaceOption, new_app
from pipelines.cli import server
from pipelines.cli.context import PipelineState
from pipelines.cli.demo_data import demo_data
from pipelines.cli.diagnose import diagnose
from pipelines.cli.list import list_pipelines
from pipelines.cli.run import run

HELP = "Run the Spark pipelines (profit, growth, engagement, aggregated) and make demo data."

app = new_app(HELP)


@app.callback()
def main_callback(
    ctx: typer.Context,
    workspace: WorkspaceOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress display or notes on stderr.")
    ] = False,
) -> None:
    """Run the Spark pipelines (profit, growth, engagement, aggregated) and make demo data."""
    ctx.obj = PipelineState(workspace_option=workspace, quiet=quiet)


app.command("list")(list_pipelines)
app.command("run")(run)
app.command("demo-data")(demo_data)
app.command("diagnose")(diagnose)
app.add_typer(server.app, name="server")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="pipeline")
