"""``oncall plan``: how each plan year was settled, and ``--rebalance`` to re-optimise it."""

from typing import Annotated

import typer

from oncall.cli.base import print_json
from oncall.cli.changes import render_outcome
from oncall.cli.context import workspace
from oncall.cli.options import DEFAULT_ROTATION, DryRunOption, RotationOption
from oncall.cli.output import TextFormat


def plan(
    ctx: typer.Context,
    rotation: RotationOption = DEFAULT_ROTATION,
    rebalance: Annotated[
        bool,
        typer.Option(
            "--rebalance",
            help="Re-optimise every week not published, swapped, over or in progress "
            "(the exact optimum, however many weeks move).",
        ),
    ] = False,
    dry_run: DryRunOption = False,
    output: TextFormat = "text",
) -> None:
    """Show each plan year (kept, repaired or solved) next to its proven optimum; with
    --rebalance, re-optimise the unpublished future and show every week that moves."""
    from oncall.rotation import api, changes

    ws = workspace(ctx)
    if rebalance:
        result = changes.rebalance(ws, rotation, dry_run)
        render_outcome(result.outcome, output, [], {"rotation": rotation})
        return
    from oncall.cli.fairness import year_data, years_text
    from oncall.rotation.fairness import plan_years

    engine = api.engine_for(ws, rotation)
    years = plan_years(engine, 0, engine.horizon - 1)
    if output == "json":
        print_json({"rotation": rotation, "plan_years": [year_data(y) for y in years]})
        return
    for line in years_text(years):
        typer.echo(line)
