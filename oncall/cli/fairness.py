"""``oncall fairness``: weeks, holiday days, weekend days and swaps per member, and the spread."""

from typing import TYPE_CHECKING, Any

import typer

from oncall.cli.base import out_console, print_json
from oncall.cli.context import workspace
from oncall.cli.options import (
    DEFAULT_ROTATION,
    HistoryStartOption,
    HistoryUntilOption,
    RotationOption,
)
from oncall.cli.output import RowsFormat, render_rows
from oncall.cli.schedule import parse_day

if TYPE_CHECKING:
    from oncall.rotation.fairness import Fairness, YearFairness

COLUMNS = (
    "member",
    "weeks",
    "published_weeks",
    "holiday_days",
    "weekend_days",
    "swaps",
    "hours_served",
    "hours_covered",
    "holiday_days_served",
)
#: the backup's columns, shown for rotations with ``backup: true``
BACKUP_COLUMNS = ("backup_weeks", "backup_holiday_days")


def fairness(
    ctx: typer.Context,
    rotation: RotationOption = DEFAULT_ROTATION,
    start: HistoryStartOption = None,
    until: HistoryUntilOption = None,
    output: RowsFormat = "table",
) -> None:
    """Show how evenly weeks and holidays fall on each member (published weeks as served)."""
    from oncall.rotation import api

    report = api.fairness(
        workspace(ctx), rotation, parse_day(start, "--start"), parse_day(until, "--until")
    )
    data = fairness_data(report)
    if output == "json":
        print_json(data)
        return
    columns = COLUMNS + (BACKUP_COLUMNS if report.backup else ())
    rows = [
        {**m, "member": m["member"] + ("" if m["current"] else " (former)")}
        for m in data["members"]
    ]
    spread = data["spread"]
    summary = (
        f"{report.weeks} weeks ({report.first.isoformat()} .. {report.last.isoformat()}, "
        f"{report.whole_cycles} whole cycles); spread: {spread['weeks']} week(s), "
        f"{spread['holiday_days']} holiday day(s)"
        + (f"; {report.empty_weeks} week(s) nobody could take" if report.empty_weeks else "")
    )
    caption = None if output == "csv" else summary
    title = f"Fairness of {rotation}"
    render_rows(rows, columns, output, title, caption=caption, right=columns[1:])
    if output == "md":
        typer.echo("\n".join(["", *years_text(report.years)]))
    elif output == "table":
        for line in years_text(report.years):
            out_console().print(line, markup=False, highlight=False)


def fairness_data(report: "Fairness") -> dict[str, Any]:
    """The fairness report as JSON."""
    return {
        "rotation": report.rotation_id,
        "first": report.first.isoformat(),
        "last": report.last.isoformat(),
        "weeks": report.weeks,
        "whole_cycles": report.whole_cycles,
        "members": [
            {
                "member": m.member,
                "current": m.current,
                "weeks": m.weeks,
                "published_weeks": m.published_weeks,
                "holiday_days": m.holiday_days,
                "weekend_days": m.weekend_days,
                "swaps": m.swaps,
                "hours_served": m.hours_served,
                "hours_covered": m.hours_covered,
                "holiday_days_served": m.holiday_days_served,
                "backup_weeks": m.backup_weeks,
                "backup_holiday_days": m.backup_holiday_days,
            }
            for m in report.members
        ],
        "spread": {"weeks": report.week_spread, "holiday_days": report.holiday_spread},
        "empty_weeks": report.empty_weeks,
        "plan_years": [year_data(y) for y in report.years],
    }


def year_data(year: "YearFairness") -> dict[str, Any]:
    """A plan year's goals, achieved and optimal, as JSON."""
    return {
        "first": year.first.isoformat(),
        "last": year.last.isoformat(),
        "how": year.how,
        "achieved": year.achieved,
        "optimum": year.optimum,
        "proven": year.proven,
    }


def years_text(years: "tuple[YearFairness, ...]") -> list[str]:
    """One line per plan year: holiday spread achieved next to the proven optimum."""
    lines = []
    for year in years:
        achieved, best = year.achieved, year.optimum
        exact = "proven optimum" if year.proven else "best found in time"
        lines.append(
            f"plan year {year.first.isoformat()} .. {year.last.isoformat()} ({year.how}): "
            f"holiday spread {achieved['holiday_spread']} day(s), {exact} "
            f"{best['holiday_spread']}; back-to-back {achieved['back_to_back']} "
            f"(optimum {best['back_to_back']})"
        )
    return lines
