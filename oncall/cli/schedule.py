"""``oncall schedule``: who is on call each week, with holidays and why a week changed.

Also the options and helpers the other rotation commands share (``leave``, ``swap``,
``publish``, ``fairness``). Heavy imports (the engine, Rich) happen inside the commands.
"""

import sys
from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from oncall.cli.base import out_console, print_json, report, warn
from oncall.cli.context import workspace
from oncall.cli.options import DEFAULT_ROTATION, RotationOption, StartOption, WeeksOption
from oncall.cli.output import RowsFormat

if TYPE_CHECKING:
    from oncall.config.models import Rotation
    from oncall.rotation.model import Holiday, Schedule


def parse_day(text: str | None, what: str) -> date | None:
    """A ``YYYY-MM-DD`` option or argument; exit 2 naming ``what`` if it is not a date."""
    if text is None:
        return None
    from oncall.clock import parse_date

    return parse_date(text, what=what)


def note_snapped(given: date | None, what: str) -> None:
    """Say on stderr when a date was taken to mean its week's Monday."""
    if given is not None and given.weekday() != 0:
        from datetime import timedelta

        monday = given - timedelta(days=given.weekday())
        report("note", f"{what} {given.isoformat()} is not a Monday: using its week, from {monday}")


def holidays_text(holidays: "tuple[Holiday, ...]") -> str:
    """``6 Jan Epiphany; 25 Dec Christmas Day``."""
    from oncall.text import format_span

    return "; ".join(f"{format_span(h.date, h.date)} {h.name}" for h in holidays)


def schedule(
    ctx: typer.Context,
    rotation: RotationOption = DEFAULT_ROTATION,
    start: StartOption = None,
    weeks: WeeksOption = 12,
    output: RowsFormat = "table",
) -> None:
    """Show the rotation week by week: engineer, public holidays, and why a week changed."""
    from oncall.rotation import api

    first = parse_day(start, "--start")
    ws = workspace(ctx)
    result = api.schedule(ws, rotation, first, weeks, with_fairness=True)
    note_snapped(first, "--start")
    if output == "json":
        print_json(schedule_data(result))
    elif output == "csv":
        _csv(result, ws.rotation(rotation).backup)
    elif output == "md":
        typer.echo(_markdown(result, ws.rotation(rotation)), nl=False)
    else:
        _table(result, ws.rotation(rotation))
    for line in result.warnings:
        warn(line)


def schedule_data(result: "Schedule") -> dict[str, Any]:
    """The schedule as JSON (docs/rotation.md), with a few extra keys per week."""
    from oncall.cli.cover import cover_data
    from oncall.cli.fairness import year_data

    return {
        "rotation": result.rotation_id,
        "timezone": result.timezone,
        "weeks": [
            {
                "start": week.start.isoformat(),
                "engineer": week.engineer,
                "reason": week.reason,
                "holidays": [
                    {"date": h.date.isoformat(), "name": h.name} for h in week.engineer_holidays
                ],
                "published": week.published is not None,
                "swap": week.swap.id if week.swap is not None else None,
                "conflict": week.conflict,
                "backup": week.backup,
                "covers": [cover_data(cover) for cover in week.active_covers],
            }
            for week in result.weeks
        ],
        "load": {
            member: {"weeks": load.weeks, "holiday_days": load.holiday_days}
            for member, load in result.load.items()
        },
        "plan_years": [year_data(year) for year in result.years],
    }


def _status(week: Any) -> str:
    parts = []
    if week.conflict:
        parts.append("CONFLICT")
    if week.swap is not None:
        parts.append(f"swap #{week.swap.id}")
    elif week.published is not None:
        parts.append("published")
    covers = week.active_covers
    if covers:
        parts.append("covered: " + ", ".join(f"#{c.id} {c.member}" for c in covers))
    return "; ".join(parts)


def _csv(result: "Schedule", backup: bool) -> None:
    import csv

    from oncall.escape import csv_row

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        ["start", "engineer", *(["backup"] if backup else []), "reason", "holidays", "status"]
    )
    for week in result.weeks:
        writer.writerow(
            csv_row(
                [
                    week.start.isoformat(),
                    week.engineer or "",
                    *([week.backup or ""] if backup else []),
                    week.reason or "",
                    "; ".join(f"{h.date.isoformat()} {h.name}" for h in week.engineer_holidays),
                    _status(week),
                ]
            )
        )


def _cell(text: str | None) -> str:
    from oncall.escape import md_inline

    return md_inline(text or "")


def _markdown(result: "Schedule", rotation: "Rotation") -> str:
    from oncall.cli.fairness import years_text

    lines = [
        f"## On call: {_cell(rotation.name)}",
        "",
        f"Weeks start at the Monday hand-off, {rotation.rotation.handoff.strftime('%H:%M')} "
        f"{_cell(rotation.timezone)}.",
        "",
        "| Week | Engineer | Backup | Holidays | Why | Status |"
        if rotation.backup
        else "| Week | Engineer | Holidays | Why | Status |",
        "|" + " --- |" * (6 if rotation.backup else 5),
    ]
    for week in result.weeks:
        backup = f"| {_cell(week.backup or '(nobody)')} " if rotation.backup else ""
        lines.append(
            f"| {week.start.isoformat()} | {_cell(week.engineer or '(nobody)')} {backup}"
            f"| {_cell(holidays_text(week.engineer_holidays))} | {_cell(week.reason)} "
            f"| {_cell(_status(week))} |"
        )
    lines += ["", "| Member | Weeks | Holiday days |", "| --- | --- | --- |"]
    for member, load in result.load.items():
        lines.append(f"| {_cell(member)} | {load.weeks} | {load.holiday_days} |")
    lines += ["", *(f"- {_cell(line)}" for line in years_text(result.years))]
    return "\n".join(lines) + "\n"


def _table(result: "Schedule", rotation: "Rotation") -> None:
    from rich.table import Table

    from oncall.cli.fairness import years_text
    from oncall.escape import rich_text

    console = out_console()
    title = (
        f"{rotation.name} ({result.rotation_id}): hand-off Mondays "
        f"{rotation.rotation.handoff.strftime('%H:%M')} {rotation.timezone}"
    )
    table = Table(title=rich_text(title), title_justify="left")
    table.add_column("week", no_wrap=True)
    table.add_column("engineer", no_wrap=True)
    if rotation.backup:
        table.add_column("backup", no_wrap=True)
    table.add_column("holidays", overflow="fold")
    table.add_column("why", overflow="fold", ratio=1)
    table.add_column("status", no_wrap=True)
    names = {m.id: m.name for m in rotation.members}
    for week in result.weeks:
        who = (
            rich_text("(nobody)", "bold red") if week.engineer is None else rich_text(week.engineer)
        )
        if week.engineer is not None and week.changed:
            who = rich_text(week.engineer, "bold")
        backup = [rich_text(week.backup or "(nobody)")] if rotation.backup else []
        table.add_row(
            week.start.isoformat(),
            who,
            *backup,
            rich_text(holidays_text(week.engineer_holidays)),
            rich_text(week.reason or ""),
            rich_text(_status(week)),
        )
    console.print(table)
    load = Table(title="Load over these weeks", title_justify="left")
    for column in ("member", "name", "weeks", "holiday days"):
        load.add_column(column, justify="right" if column in ("weeks", "holiday days") else "left")
    for member, item in result.load.items():
        load.add_row(
            rich_text(member),
            rich_text(names.get(member, "")),
            str(item.weeks),
            str(item.holiday_days),
        )
    console.print(load)
    for line in years_text(result.years):
        console.print(line, markup=False, highlight=False)
