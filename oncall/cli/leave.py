"""``oncall leave add|remove|list``: personal leave, kept in the rotation file itself."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from oncall.cli.base import new_app
from oncall.cli.changes import render_outcome
from oncall.cli.context import workspace
from oncall.cli.options import DEFAULT_ROTATION, DryRunOption, RotationOption
from oncall.cli.output import RowsFormat, TextFormat, render_rows
from oncall.cli.schedule import parse_day

if TYPE_CHECKING:
    from oncall.rotation.changes import LeaveResult

app = new_app("Add, remove and list personal leave (kept in the rotation file, comments intact).")


def _leave_data(leave: Any) -> dict[str, Any]:
    return {"start": leave.start.isoformat(), "end": leave.end.isoformat(), "reason": leave.reason}


def _render(result: "LeaveResult", verb: str, output: TextFormat, zone: str) -> None:
    from oncall.cli.cover import cover_data, describe
    from oncall.rotation.engine import describe_leave

    lines = [f"{verb}: {describe_leave(result.member, leave)}" for leave in result.leave]
    lines += [f"added cover {describe(cover, zone)}" for cover in result.covers]
    render_outcome(
        result.outcome,
        output,
        lines,
        {
            "member": result.member,
            verb: [_leave_data(leave) for leave in result.leave],
            "covers": [cover_data(cover) for cover in result.covers],
        },
        zone=zone,
    )


@app.command("add")
def add(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The member id.")],
    start: Annotated[str, typer.Argument(help="First day of leave (YYYY-MM-DD).")],
    end: Annotated[
        str | None,
        typer.Argument(
            help="Last day of leave, inclusive (default: the first day).", show_default=False
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (shown in the schedule).")
    ] = None,
    cover: Annotated[
        str | None,
        typer.Option(
            "--cover",
            help="Where the member stays on call during the leave (a published week, the week "
            "in progress): 'auto' adds the fairest cover, or give a member id. Without it, the "
            "fairest cover is suggested.",
            show_default=False,
        ),
    ] = None,
    rotation: RotationOption = DEFAULT_ROTATION,
    output: TextFormat = "text",
    dry_run: DryRunOption = False,
) -> None:
    """Add leave for a member and show every week that changes because of it."""
    from oncall.config.limits import checked_text
    from oncall.rotation import changes

    reason = checked_text(reason, "--reason")
    first = parse_day(start, "START")
    assert first is not None
    ws = workspace(ctx)
    result = changes.add_leave(
        ws, rotation, member, first, parse_day(end, "END"), reason, dry_run, cover
    )
    _render(result, "added", output, ws.rotation(rotation).timezone)


@app.command("remove")
def remove(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The member id.")],
    day: Annotated[str, typer.Argument(help="A day of the leave to remove (YYYY-MM-DD).")],
    rotation: RotationOption = DEFAULT_ROTATION,
    output: TextFormat = "text",
    dry_run: DryRunOption = False,
) -> None:
    """Remove a member's leave covering DAY and show every week that changes because of it."""
    from oncall.rotation import changes

    when = parse_day(day, "DAY")
    assert when is not None
    ws = workspace(ctx)
    result = changes.remove_leave(ws, rotation, member, when, dry_run)
    _render(result, "removed", output, ws.rotation(rotation).timezone)


@app.command("list")
def list_leave(
    ctx: typer.Context,
    member: Annotated[
        str | None, typer.Option("--member", "-m", help="Only this member.", show_default=False)
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include leave that has ended.")] = False,
    rotation: RotationOption = DEFAULT_ROTATION,
    output: RowsFormat = "table",
) -> None:
    """List leave (from today on, or --all), by start date."""
    from oncall import clock
    from oncall.errors import UsageError

    ws = workspace(ctx)
    rot = ws.rotation(rotation)
    if member is not None and rot.member(member) is None:
        known = ", ".join(m.id for m in rot.members)
        raise UsageError(f"unknown member {member!r} of rotation {rotation!r} (known: {known})")
    today = clock.today(rot.zone)
    rows = sorted(
        (
            {
                "member": m.id,
                "start": leave.start.isoformat(),
                "end": leave.end.isoformat(),
                "days": (leave.end - leave.start).days + 1,
                "reason": leave.reason,
            }
            for m in rot.members
            if member in (None, m.id)
            for leave in m.leave
            if show_all or leave.end >= today
        ),
        key=lambda row: (row["start"], row["member"]),
    )
    columns = ["member", "start", "end", "days", "reason"]
    render_rows(rows, columns, output, f"Leave in {rotation}", right=["days"])
