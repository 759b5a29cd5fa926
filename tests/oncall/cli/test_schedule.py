"""``oncall schedule``: the week-by-week calendar, golden outputs with the fixed clock.

The workspace (tests/oncall/rotation/workspaces.py): ana, ben, cem on the Bavarian calendar,
rotation from Monday 2027-01-04; ben is away 1-9 Feb. The clock is Wednesday 2027-01-06.
Expected weeks, worked out by hand from the rules:

- 4 Jan ana (Epiphany, 6 Jan); 11 Jan ben; 18 Jan cem;
- 25 Jan: ana's week, but ben (away in his own week of 1 Feb and in cem's week of 8 Feb) can
  only take this one: ben and ana swap; 8 Feb stays cem's (ana there would be followed by
  ana again on 15 Feb);
- then plain order; 22 Mar cem has Good Friday (26 Mar), 29 Mar ana Easter Monday;
- the year's holidays are balanced as a whole (the solver proves a spread of 1 day the best
  possible) with the fewest departures, as late as possible: ana takes ben's 1 Nov (All
  Saints' Day) and ben ana's 25 Oct; cem and ben trade 13 and 20 Dec (Christmas).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.invoke import oncall as invoke

SKI = "ben on leave 1-9 Feb (ski trip)"


def test_json_defaults_to_this_week_and_12_weeks(ws: Path) -> None:
    result = invoke("schedule", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["rotation"] == "data-engineering"
    assert data["timezone"] == "Europe/Berlin"
    assert [(w["start"], w["engineer"], w["reason"]) for w in data["weeks"]] == [
        ("2027-01-04", "ana", None),
        ("2027-01-11", "ben", None),
        ("2027-01-18", "cem", None),
        ("2027-01-25", "ben", f"ben instead of ana, to keep weeks even around {SKI}"),
        ("2027-02-01", "ana", f"ana takes over from {SKI}"),
        ("2027-02-08", "cem", None),
        ("2027-02-15", "ana", None),
        ("2027-02-22", "ben", None),
        ("2027-03-01", "cem", None),
        ("2027-03-08", "ana", None),
        ("2027-03-15", "ben", None),
        ("2027-03-22", "cem", None),
    ]
    holidays = {w["start"]: w["holidays"] for w in data["weeks"] if w["holidays"]}
    assert holidays == {
        "2027-01-04": [{"date": "2027-01-06", "name": "Epiphany"}],
        "2027-03-22": [{"date": "2027-03-26", "name": "Good Friday"}],
    }
    assert data["load"] == {
        "ana": {"weeks": 4, "holiday_days": 1},
        "ben": {"weeks": 4, "holiday_days": 0},
        "cem": {"weeks": 4, "holiday_days": 1},
    }
    assert result.stderr == ""


def test_the_first_week_keys_are_the_contracts(ws: Path) -> None:
    result = invoke("schedule", "--format", "json", "--weeks", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["rotation", "timezone", "weeks", "load", "plan_years"]
    assert {"start", "engineer", "reason", "holidays"} <= set(data["weeks"][0])


def test_holiday_balancing_is_explained(ws: Path) -> None:
    result = invoke("schedule", "--format", "json", "--start", "2027-10-25", "--weeks", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    weeks = data["weeks"]
    assert [(w["engineer"], [h["name"] for h in w["holidays"]]) for w in weeks] == [
        ("ben", []),
        ("ana", ["All Saints' Day"]),
    ]
    assert weeks[0]["reason"] == "ben instead of ana, who would be on call two weeks running"
    assert weeks[1]["reason"] == (
        "ana instead of ben, to balance public holidays (All Saints' Day this week; holiday "
        "days on call so far: ben 2, ana 2)"
    )
    (year,) = data["plan_years"]
    assert (year["first"], year["last"], year["how"], year["proven"]) == (
        "2027-01-04",
        "2028-01-10",
        "solved",
        True,
    )
    assert (
        year["achieved"]
        == year["optimum"]
        == {
            "week_excess": 0,
            "back_to_back": 0,
            "holiday_spread": 1,
            "departures": 6,
        }
    )


def test_csv(ws: Path) -> None:
    result = invoke("schedule", "--format", "csv", "--weeks", "5")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "start,engineer,reason,holidays,status\n"
        "2027-01-04,ana,,2027-01-06 Epiphany,\n"
        "2027-01-11,ben,,,\n"
        "2027-01-18,cem,,,\n"
        f'2027-01-25,ben,"ben instead of ana, to keep weeks even around {SKI}",,\n'
        f"2027-02-01,ana,ana takes over from {SKI},,\n"
    )


def test_markdown(ws: Path) -> None:
    result = invoke("schedule", "--format", "md", "--weeks", "4", "--start", "2027-01-18")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "## On call: Platform Team\n"
        "\n"
        "Weeks start at the Monday hand-off, 09:30 Europe/Berlin.\n"
        "\n"
        "| Week | Engineer | Holidays | Why | Status |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| 2027-01-18 | cem |  |  |  |\n"
        f"| 2027-01-25 | ben |  | ben instead of ana, to keep weeks even around {SKI} |  |\n"
        f"| 2027-02-01 | ana |  | ana takes over from {SKI} |  |\n"
        "| 2027-02-08 | cem |  |  |  |\n"
        "\n"
        "| Member | Weeks | Holiday days |\n"
        "| --- | --- | --- |\n"
        "| ana | 1 | 0 |\n"
        "| ben | 1 | 0 |\n"
        "| cem | 2 | 0 |\n"
        "\n"
        "- plan year 2027-01-04 .. 2028-01-10 (solved): holiday spread 1 day(s), proven optimum "
        "1; back-to-back 0 (optimum 0)\n"
    )


def test_table_for_the_terminal(ws: Path) -> None:
    result = invoke("schedule", "--weeks", "5")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    text = " ".join(result.stdout.split())
    for expected in (
        "2027-01-04",
        "Epiphany",
        "ben instead of ana,",
        "Ana Alves",
        "hand-off",
        "holiday spread 1 day(s), proven optimum 1",
    ):
        assert expected in text


def test_a_start_that_is_not_a_monday_means_its_week(ws: Path) -> None:
    result = invoke("schedule", "--format", "json", "--start", "2027-01-27", "--weeks", "1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["weeks"][0]["start"] == "2027-01-25"
    assert result.stderr == (
        "note: --start 2027-01-27 is not a Monday: using its week, from 2027-01-25\n"
    )


def test_the_same_week_whatever_the_window(ws: Path) -> None:
    def weeks(start: str, count: str) -> dict[str, str]:
        result = invoke("schedule", "-f", "json", "--start", start, "--weeks", count)
        assert result.exit_code == 0, result.output
        return {w["start"]: w["engineer"] for w in json.loads(result.stdout)["weeks"]}

    long = weeks("2027-01-04", "30")
    for start, count in (("2027-02-01", "3"), ("2027-03-29", "8"), ("2027-06-07", "1")):
        short = weeks(start, count)
        assert short == {day: long[day] for day in short}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--start", "2026-12-28"],
            "error: --start: 2026-12-28 is before rotation 'data-engineering' starts (2027-01-04)",
        ),
        (
            ["--start", "2027-02-30"],
            "error: --start: '2027-02-30' is not a valid date (YYYY-MM-DD)",
        ),
        (["--rotation", "nope"], "error: unknown rotation 'nope' (known: data-engineering)"),
        (["--weeks", "0"], "error: --weeks: 0 is not between 1 and 1060"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(ws: Path, args: list[str], message: str) -> None:
    result = invoke("schedule", "--format", "json", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [message]


def test_a_week_nobody_can_take_is_null_with_a_warning(ws: Path) -> None:
    path = ws / "schedules" / "data-engineering.yaml"
    text = path.read_text().replace(
        '    phone: "+49 89 1"\n',
        '    phone: "+49 89 1"\n    leave: [{start: 2027-01-18, end: 2027-01-22}]\n',
    )
    text = text.replace(
        '    phone: "+49 89 3"          # mobile\n',
        '    phone: "+49 89 3"\n    leave: [{start: 2027-01-11, end: 2027-01-22}]\n',
    )
    text = text.replace(
        "      - {start: 2027-02-01, end: 2027-02-09, reason: ski trip}",
        "      - {start: 2027-01-18, end: 2027-01-18, reason: course}",
    )
    path.write_text(text)
    result = invoke("schedule", "--format", "json", "--weeks", "3")
    assert result.exit_code == 0, result.output
    week = json.loads(result.stdout)["weeks"][2]
    reason = (
        "nobody free: ana on leave 18-22 Jan; ben on leave 18 Jan (course); cem on leave 11-22 Jan"
    )
    assert week == {
        "start": "2027-01-18",
        "engineer": None,
        "reason": reason,
        "holidays": [],
        "published": False,
        "swap": None,
        "conflict": None,
        "backup": None,
        "covers": [],
    }
    assert result.stderr == f"warning: week 2027-01-18: nobody can take it ({reason})\n"


def test_an_invalid_rotation_file_names_the_field(ws: Path) -> None:
    path = ws / "schedules" / "data-engineering.yaml"
    path.write_text(path.read_text().replace("end: 2027-02-09", "end: 2027-01-09"))
    result = invoke("schedule", "--format", "json")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: schedules/data-engineering.yaml: members[1].leave[0].end: before start"
    ]
