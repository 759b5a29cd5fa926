"""``oncall owners``: who owns each pipeline."""

import typer

from oncall.cli.base import out_console, print_json
from oncall.cli.context import workspace
from oncall.cli.output import TableFormat


def owners(
    ctx: typer.Context,
    output: TableFormat = "table",
) -> None:
    """Show each pipeline's owner teams, on-call rotation and policy."""
    from oncall.runbooks import owners_rows

    rows = owners_rows(workspace(ctx).runbooks())
    if output == "json":
        print_json(
            [{k: row[k] for k in ("pipeline", "name", "primary", "secondary")} for row in rows]
        )
        return
    from rich.table import Table

    from oncall.escape import rich_lines, rich_text

    table = Table(title="Pipeline owners", title_justify="left", expand=False)
    for column in ("pipeline", "primary owners", "secondary", "on call"):
        table.add_column(column, overflow="fold")
    for row in rows:
        on_call = f"{row['rotation'] or 'no rotation'}, {row['policy']}"
        if row["support"]:
            on_call += f"; support: {', '.join(row['support'])}"
        name = rich_text(row["pipeline"])
        name.append("\n")
        name.append_text(rich_text(row["name"], "dim"))
        table.add_row(
            name,
            rich_lines(row["primary"]),
            rich_lines(row["secondary"]),
            rich_text(on_call),
        )
    out_console().print(table)
