"""``oncall runbook PIPELINE`` and ``oncall runbook list``."""

from typing import Annotated, Any

import typer

from oncall.cli.base import out_console, print_json
from oncall.cli.context import workspace
from oncall.cli.output import DocumentFormat
from oncall.config.workspace import Workspace


def runbook(
    ctx: typer.Context,
    pipeline: Annotated[
        str, typer.Argument(help="A pipeline id (profit, growth, engagement, aggregated), or list.")
    ],
    output: DocumentFormat = "text",
) -> None:
    """Show a pipeline's runbook (owners, on-call, SLA, sources, issues); `list` lists them."""
    ws = workspace(ctx)
    if pipeline == "list":
        _list(ws, output)
        return
    from oncall.runbooks import runbook_data, runbook_markdown

    book = ws.runbook(pipeline)
    if output == "json":
        print_json(runbook_data(book))
        return
    zone = ws.rotation(book.on_call.rotation).timezone if book.on_call.rotation else None
    document = runbook_markdown(book, ws.teams(), zone)
    if output == "md":
        typer.echo(document, nl=False)
        return
    from rich.markdown import Markdown

    out_console().print(Markdown(document, code_theme="ansi_dark", hyperlinks=False))


def _list(ws: Workspace, output: DocumentFormat) -> None:
    books = ws.runbooks()
    rows: list[dict[str, Any]] = [
        {
            "pipeline": b.id,
            "name": b.name,
            "policy": b.on_call.policy,
            "rotation": b.on_call.rotation,
            "checks": [issue.id for issue in b.common_issues],
        }
        for b in books
    ]
    if output == "json":
        print_json(rows)
    elif output == "md":
        from oncall.escape import md_inline

        lines = ["| pipeline | name | on call | checks |", "| --- | --- | --- | --- |"]
        for row in rows:
            lines.append(
                f"| {row['pipeline']} | {md_inline(row['name'])} | {row['rotation'] or '-'} "
                f"({row['policy']}) | {', '.join(row['checks'])} |"
            )
        typer.echo("\n".join(lines))
    else:
        from rich.table import Table

        from oncall.escape import rich_lines, rich_text

        table = Table(title="Runbooks", title_justify="left")
        for column in ("pipeline", "name", "on call", "checks"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(
                rich_text(row["pipeline"]),
                rich_text(row["name"]),
                rich_text(f"{row['rotation'] or '-'} ({row['policy']})"),
                rich_lines(row["checks"]),
            )
        out_console().print(table)
