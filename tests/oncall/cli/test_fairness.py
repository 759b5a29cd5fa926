"""``oncall fairness``: weeks, holiday days, weekend days and swaps per member, and the spread.

Plain weeks of the workspace (tests/oncall/rotation/workspaces.py, see test_schedule.py) up to
22 Mar: four weeks each; ana has Epiphany (6 Jan) and cem Good Friday (26 Mar).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.invoke import oncall as invoke


def row(
    member: str, weeks: int, published: int, holidays: int, swaps: int = 0, hours: float = 0
) -> dict:
    """A member's line; ``hours`` answered (default: 168 per week, no covers, no DST change)."""
    return {
        "member": member,
        "current": True,
        "weeks": weeks,
        "published_weeks": published,
        "holiday_days": holidays,
        "weekend_days": 2 * weeks,
        "swaps": swaps,
        "hours_served": float(hours or 168 * weeks),
        "hours_covered": 0.0,
        "holiday_days_served": holidays,
        "backup_weeks": 0,
        "backup_holiday_days": 0,
    }


def test_twelve_weeks(ws: Path) -> None:
    result = invoke("fairness", "--until", "2027-03-22", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "rotation": "data-engineering",
        "first": "2027-01-04",
        "last": "2027-03-22",
        "weeks": 12,
        "whole_cycles": 4,
        # cem's week of 22 Mar holds the change to summer time: one hour shorter; ben's week
        # of 25 Jan runs to Mon 1 Feb 09:30, and his leave starts that midnight: the 9.5 hours
        # before the hand-off nobody answers (the leave command suggests a cover)
        "members": [
            row("ana", 4, 0, 1),
            row("ben", 4, 0, 0, hours=4 * 168 - 9.5),
            row("cem", 4, 0, 1, hours=4 * 168 - 1),
        ],
        "spread": {"weeks": 0, "holiday_days": 1},
        "empty_weeks": 0,
        "plan_years": [
            {
                "first": "2027-01-04",
                "last": "2028-01-10",
                "how": "solved",
                "achieved": GOALS,
                "optimum": GOALS,
                "proven": True,
            }
        ],
    }


GOALS = {"week_excess": 0, "back_to_back": 0, "holiday_spread": 1, "departures": 6}


def test_published_history_and_swaps_count(ws: Path) -> None:
    assert invoke("publish", "--weeks", "4").exit_code == 0  # ana, ben, cem, ben
    assert invoke("swap", "add", "2027-02-15", "2027-03-15").exit_code == 0  # ana <-> ben
    result = invoke("fairness", "--until", "2027-03-22", "--format", "json")
    data = json.loads(result.stdout)
    assert data["members"] == [
        row("ana", 4, 1, 1, 1),
        row("ben", 4, 2, 0, 1, hours=4 * 168 - 9.5),
        row("cem", 4, 1, 1, hours=4 * 168 - 1),
    ]


def test_default_horizon_is_the_whole_history_and_a_year_ahead(ws: Path) -> None:
    data = json.loads(invoke("fairness", "--format", "json").stdout)
    # 2027-01-04 .. the week of 2027-12-27: 52 weeks = 17 cycles of three and one week more
    assert (data["first"], data["last"], data["weeks"], data["whole_cycles"]) == (
        "2027-01-04",
        "2027-12-27",
        52,
        17,
    )
    assert sorted(m["weeks"] for m in data["members"]) == [17, 17, 18]
    # one calendar for all: each of the 12 Bavarian holidays in those weeks is worked once
    # (6 Jan, 26 and 29 Mar, 1, 6, 17 and 27 May, 3 Oct, 1 Nov, 25 and 26 Dec, 1 Jan 2028)
    assert sum(m["holiday_days"] for m in data["members"]) == 12


def test_table_and_markdown(ws: Path) -> None:
    table = invoke("fairness", "--until", "2027-03-22")
    assert table.exit_code == 0, table.output
    text = " ".join(table.stdout.split())
    assert (
        "12 weeks (2027-01-04 .. 2027-03-22, 4 whole cycles); spread: 0 week(s), 1 holiday" in text
    )
    md = invoke("fairness", "--until", "2027-03-22", "--format", "md")
    assert md.stdout.splitlines()[:3] == [
        "| member | weeks | published weeks | holiday days | weekend days | swaps | hours served "
        "| hours covered | holiday days served |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        "| ana | 4 | 0 | 1 | 8 | 0 | 672 | 0 | 1 |",
    ]


def test_until_before_start_is_bad_usage(ws: Path) -> None:
    result = invoke("fairness", "--start", "2027-03-01", "--until", "2027-02-01")
    assert result.exit_code == 2
    assert result.stderr == "error: --until: 2027-02-01 is before the first week\n"
