"""``oncall cover add|list|remove|suggest``: someone answers instead of the person on call, for
any span of time (a sick afternoon, a dentist hour, three days across a hand-off)."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from oncall.cli.base import new_app, print_json
from oncall.cli.changes import render_outcome
from oncall.cli.context import workspace
from oncall.cli.options import DEFAULT_ROTATION, DryRunOption, RotationOption
from oncall.cli.output import RowsFormat, TextFormat, render_rows

if TYPE_CHECKING:
    from datetime import datetime

    from oncall.config.models import Rotation
    from oncall.config.workspace import Workspace
    from oncall.rotation.changes import CoverResult
    from oncall.rotation.model import Cover

app = new_app(
    "Covers: someone answers instead of the person on call for any span of time; the weekly "
    "plan underneath never changes."
)

FromOption = Annotated[
    str,
    typer.Option(
        "--from",
        help="Start, ISO 8601 (2027-01-06T13:00; without an offset: the rotation's zone; a bare "
        "date: its midnight).",
    ),
]
UntilOption = Annotated[
    str, typer.Option("--until", help="End (exclusive), in the same forms as --from.")
]


def cover_data(cover: "Cover") -> dict[str, Any]:
    """A cover as JSON (the ``cover`` of ``oncall whois``, plus its record)."""
    return {
        "id": cover.id,
        "member": cover.member,
        "from": cover.start.isoformat(),
        "until": cover.until.isoformat(),
        "reason": cover.reason,
        "for": cover.instead_of,
        "created": cover.created.isoformat() if cover.created else None,
        "removed": cover.removed.isoformat() if cover.removed else None,
    }


def _span(rotation: "Rotation", start: str, until: str) -> "tuple[datetime, datetime]":
    from oncall import clock

    first = clock.parse_datetime(start, what="--from", default_zone=rotation.zone)
    last = clock.parse_datetime(until, what="--until", default_zone=rotation.zone)
    if last <= first:
        from oncall.errors import UsageError

        raise UsageError("--until: must be after --from")
    return first, last


def _rotation(ctx: typer.Context, rotation_id: str) -> "tuple[Workspace, Rotation]":
    ws = workspace(ctx)
    return ws, ws.rotation(rotation_id)


def describe(cover: "Cover", zone: str) -> str:
    """``carol covers for alice Wed 6 Jan 00:00 CET - Sat 9 Jan 00:00 CET (sick)``."""
    from oncall.text import short_when

    whom = cover.instead_of or "the primary engineer"
    why = f" ({cover.reason})" if cover.reason else ""
    return (
        f"#{cover.id} {cover.member} covers for {whom} {short_when(cover.start, zone)} - "
        f"{short_when(cover.until, zone)}{why}"
    )


@app.command("add")
def add(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="Who answers (a member id).")],
    start: FromOption,
    until: UntilOption,
    instead_of: Annotated[
        str | None,
        typer.Option(
            "--for",
            help="Whom the cover stands in for, in whichever role they hold then (primary or "
            "backup); default: whoever is the primary engineer.",
            show_default=False,
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (shown in whois).")] = None,
    rotation: RotationOption = DEFAULT_ROTATION,
    output: TextFormat = "text",
    dry_run: DryRunOption = False,
) -> None:
    """MEMBER answers from --from until --until (refused when MEMBER is on leave then)."""
    from oncall.config.limits import checked_text
    from oncall.rotation import changes

    reason = checked_text(reason, "--reason")
    ws, rot = _rotation(ctx, rotation)
    first, last = _span(rot, start, until)
    result = changes.add_cover(ws, rotation, member, first, last, instead_of, reason, dry_run)
    _render(result, "would add" if dry_run else "added", rot, output)


def _render(result: "CoverResult", verb: str, rotation: "Rotation", output: TextFormat) -> None:
    render_outcome(
        result.outcome,
        output,
        [f"{verb} cover {describe(result.cover, rotation.timezone)}"],
        {"cover": cover_data(result.cover)},
        zone=rotation.timezone,
        spans_first=True,
    )


@app.command("remove")
def remove(
    ctx: typer.Context,
    cover_id: Annotated[int, typer.Argument(metavar="ID", help="The cover's id (cover list).")],
    rotation: RotationOption = DEFAULT_ROTATION,
    output: TextFormat = "text",
    dry_run: DryRunOption = False,
) -> None:
    """Remove a cover: whoever was planned answers again (the record stays, marked removed)."""
    from oncall.rotation import changes

    ws, rot = _rotation(ctx, rotation)
    result = changes.remove_cover(ws, rotation, cover_id, dry_run)
    _render(result, "would remove" if dry_run else "removed", rot, output)


@app.command("list")
def list_covers(
    ctx: typer.Context,
    show_all: Annotated[
        bool, typer.Option("--all", help="Include covers that are over or removed.")
    ] = False,
    rotation: RotationOption = DEFAULT_ROTATION,
    output: RowsFormat = "table",
) -> None:
    """List covers (current and coming, or --all), by start."""
    from oncall import clock
    from oncall.rotation import store

    ws, rot = _rotation(ctx, rotation)
    now = clock.now()
    covers = sorted(
        (c for c in store.load_state(ws, rot).covers if show_all or (c.active and c.until > now)),
        key=lambda c: (c.start, c.id),
    )
    from oncall.text import short_when

    rows = [
        {
            "id": c.id,
            "member": c.member,
            "for": c.instead_of or "(primary)",
            "from": short_when(c.start, rot.timezone),
            "until": short_when(c.until, rot.timezone),
            "hours": c.hours,
            "reason": c.reason,
            "state": "removed" if not c.active else ("over" if c.until <= now else "active"),
        }
        for c in covers
    ]
    columns = ["id", "member", "for", "from", "until", "hours", "reason", "state"]
    data = [cover_data(c) for c in covers]
    render_rows(rows, columns, output, f"Covers in {rotation}", data, right=["hours"])


@app.command("suggest")
def suggest(
    ctx: typer.Context,
    start: FromOption,
    until: UntilOption,
    rotation: RotationOption = DEFAULT_ROTATION,
    output: TextFormat = "text",
) -> None:
    """Who should cover --from .. --until: the fairest available member first (not on leave,
    not on call the week before or after if avoidable, fewest hours covered so far)."""
    from oncall.errors import UsageError
    from oncall.escape import terminal
    from oncall.rotation.api import engine_for
    from oncall.rotation.duty import rank
    from oncall.text import short_when

    ws, rot = _rotation(ctx, rotation)
    first, last = _span(rot, start, until)
    if last <= first:
        raise UsageError("--until: must be after --from")
    candidates, left_out = rank(engine_for(ws, rotation), first, last)
    if output == "json":
        print_json(
            {
                "from": first.isoformat(),
                "until": last.isoformat(),
                "candidates": [
                    {
                        "member": c.member,
                        "name": getattr(rot.member(c.member), "name", c.member),
                        "hours_covered": c.hours,
                        "weeks": c.weeks,
                        "adjacent": c.adjacent,
                        "backup": c.is_backup,
                        "why": c.why(),
                    }
                    for c in candidates
                ],
                "unavailable": left_out,
            }
        )
        return
    span = f"{short_when(first, rot.timezone)} - {short_when(last, rot.timezone)}"
    if not candidates:
        typer.echo(terminal(f"nobody can cover {span}"))
    else:
        typer.echo(terminal(f"who could cover {span}, fairest first:"))
        for position, c in enumerate(candidates, 1):
            typer.echo(terminal(f"  {position}. {c.member}: {c.why()}"))
        best = candidates[0].member
        typer.echo(
            terminal(
                f"apply: oncall cover add {best} --from {first.isoformat()} "
                f"--until {last.isoformat()}"
            )
        )
    for line in left_out:
        typer.echo(terminal(f"  not: {line}"))
