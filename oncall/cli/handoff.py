"""``oncall handoff``: the Monday hand-off agenda, and the items carried from week to week."""

import sys
from typing import Annotated

import typer

from oncall.cli.base import new_app, print_json, warn
from oncall.cli.context import workspace
from oncall.cli.options import DEFAULT_ROTATION, RotationOption
from oncall.cli.output import AgendaFormat
from oncall.escape import terminal

app = new_app(
    "The Monday hand-off agenda (Markdown or JSON), and items carried over between hand-offs.",
    invoke_without_command=True,
)
app.info.no_args_is_help = False


@app.callback()
def handoff(
    ctx: typer.Context,
    rotation: RotationOption = DEFAULT_ROTATION,
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="A day of the week to prepare (YYYY-MM-DD; default: today).",
            show_default=False,
        ),
    ] = None,
    output: AgendaFormat = "md",
) -> None:
    """The Monday hand-off agenda of the week containing --date (default: this week)."""
    if ctx.invoked_subcommand is not None:
        return
    from oncall import clock
    from oncall.incident.handoff import agenda, render_markdown

    ws = workspace(ctx)
    ws.lenient = True  # a typo made minutes ago must not take the agenda down
    zone = ws.rotation(rotation).zone
    when = clock.parse_date(day, what="--date") if day else clock.today(zone)
    warnings: list[str] = []
    data = agenda(ws, rotation, when, clock.now(), warnings)
    for line in [*ws.fallbacks, *warnings]:
        warn(line)
    if output == "json":
        print_json(data)
    else:
        sys.stdout.write(render_markdown(data))


@app.command("carry")
def carry(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What to carry over, in one line.")],
    owner: Annotated[
        str | None,
        typer.Option("--owner", help="The member id who follows it up.", show_default=False),
    ] = None,
    rotation: RotationOption = DEFAULT_ROTATION,
) -> None:
    """Add an item every agenda lists until it is closed."""
    from oncall import clock
    from oncall.config.limits import checked_text
    from oncall.incident.items import carry as carry_item

    text = checked_text(text, "TEXT") or ""
    ws = workspace(ctx)
    item = carry_item(ws, rotation, text, clock.today(ws.rotation(rotation).zone), owner)
    typer.echo(terminal(f"carried over #{item.id}: {item.text}"))


@app.command("close")
def close(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(metavar="ID", help="The item number.")],
    rotation: RotationOption = DEFAULT_ROTATION,
) -> None:
    """Close a carried-over item (it stays in the file, dated)."""
    from oncall import clock
    from oncall.incident.items import close as close_item

    ws = workspace(ctx)
    item = close_item(ws, rotation, item_id, clock.today(ws.rotation(rotation).zone))
    typer.echo(terminal(f"closed #{item.id}: {item.text}"))


@app.command("items")
def items(
    ctx: typer.Context,
    rotation: RotationOption = DEFAULT_ROTATION,
    show_all: Annotated[bool, typer.Option("--all", help="Closed items too.")] = False,
    output: AgendaFormat = "md",
) -> None:
    """List the carried-over items (open ones unless --all)."""
    from oncall.config.models import plain
    from oncall.escape import md_inline
    from oncall.incident.items import load_items

    found = [i for i in load_items(workspace(ctx), rotation) if show_all or i.closed is None]
    if output == "json":
        print_json([plain(i) for i in found])
        return
    for i in found:
        box = "x" if i.closed else " "
        owner = f" ({i.owner})" if i.owner else ""
        typer.echo(f"- [{box}] #{i.id} {md_inline(i.text)}{owner}, since {i.added.isoformat()}")
    if not found:
        typer.echo("no items")
