"""``oncall validate``: check every file of the workspace."""

import typer

from oncall.cli.base import print_json, report
from oncall.cli.context import workspace
from oncall.cli.output import TextFormat


def validate(
    ctx: typer.Context,
    output: TextFormat = "text",
) -> None:
    """Check every file of the workspace; one line per problem, exit 2 if any."""
    from oncall.checkup import check_workspace

    ws = workspace(ctx)
    problems = [str(p) for p in check_workspace(ws)]
    files = len(ws.rotation_ids()) + len(ws.runbook_ids()) + int(ws.teams_path.is_file())
    if output == "json":
        print_json(
            {"workspace": str(ws.root), "files": files, "valid": not problems, "problems": problems}
        )
    else:
        for line in problems:
            report("error", line)
        if not problems:
            typer.echo(f"{ws.root}: {files} files valid")
    if problems:
        raise typer.Exit(2)
