"""`oncall whois`: right at the edges (hand-off minute, daylight saving, swaps, holidays,
month end, night-time working-hours incidents), JSON as docs/incidents.md says, text in 80
columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oncall.cli.app import app

DOCUMENTED_KEYS = {"pipeline", "at", "policy", "on_call", "note", "owners", "escalation"}


def whois(*args: str) -> dict:
    result = CliRunner().invoke(app, ["whois", *args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def engineer(answer: dict) -> str | None:
    return answer["on_call"]["id"] if answer["on_call"] else None


def test_json_has_the_contract_keys(simple: Path) -> None:
    answer = whois("engagement", "--at", "2027-01-12T03:00:00+01:00")
    assert answer.keys() >= DOCUMENTED_KEYS
    assert answer["pipeline"] == "engagement"
    assert answer["at"] == "2027-01-12T03:00:00+01:00"
    assert answer["policy"] == "immediate"
    assert answer["on_call"] == {
        "rotation": "data-engineering",
        "id": "ben",
        "name": "Ben Bauer",
        "email": "ben@example.com",
        "phone": "+49 30 0002",
    }
    assert answer["owners"] == {
        "primary": ["Software Frontend Team"],
        "secondary": ["Data Engineering"],
    }


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2027-01-11T09:29:00+01:00", "ann"),  # Monday before the 09:30 hand-off: last week's
        ("2027-01-11T09:29:59+01:00", "ann"),
        ("2027-01-11T09:30:00+01:00", "ben"),
        ("2027-01-11T08:30:00Z", "ben"),  # the same instant in UTC
        ("2027-01-11T09:29", "ann"),  # no offset: read in the rotation's zone
    ],
)
def test_the_shift_changes_at_the_monday_handoff(simple: Path, at: str, expected: str) -> None:
    assert engineer(whois("engagement", "--at", at)) == expected


def test_daylight_saving_week(simple: Path) -> None:
    """Clocks go forward on Sun 28 Mar 2027: week 11 (cai) runs from 09:30 CET to 09:30 CEST."""
    before = whois("engagement", "--at", "2027-03-29T09:29:00+02:00")
    after = whois("engagement", "--at", "2027-03-29T09:30:00+02:00")
    assert engineer(before) == "cai"
    assert engineer(after) == "ann"
    assert before["shift"] == {
        "start": "2027-03-22T09:30:00+01:00",
        "end": "2027-03-29T09:30:00+02:00",
        "week": "2027-03-22",
    }
    # 07:29 UTC is 09:29 summer time: still cai
    assert engineer(whois("engagement", "--at", "2027-03-29T07:29:00Z")) == "cai"
    # clocks go back on Sun 31 Oct: on Mon 1 Nov 09:30 CET is 08:30 UTC; week 42 (25 Oct) is
    # ann's, week 43 ben's
    assert engineer(whois("engagement", "--at", "2027-11-01T08:29:00Z")) == "ann"
    assert engineer(whois("engagement", "--at", "2027-11-01T08:30:00Z")) == "ben"


def test_swapped_week(simple: Path) -> None:
    runner = CliRunner()
    swap = runner.invoke(app, ["swap", "add", "2027-01-11", "2027-01-18"], catch_exceptions=False)
    assert swap.exit_code == 0, swap.output
    answer = whois("engagement", "--at", "2027-01-12T15:00:00+01:00")
    assert engineer(answer) == "cai"
    assert "This week:" in answer["note"]
    assert engineer(whois("engagement", "--at", "2027-01-19T15:00:00+01:00")) == "ben"


def test_leave_moves_the_week(simple: Path) -> None:
    path = simple / "schedules" / "data-engineering.yaml"
    path.write_text(
        path.read_text().replace(
            'phone: "+49 30 0002"}',
            'phone: "+49 30 0002", leave: [{start: 2027-01-13, end: 2027-01-13}]}',
        )
    )
    answer = whois("engagement", "--at", "2027-01-12T15:00:00+01:00")
    assert engineer(answer) in {"ann", "cai"}
    assert "ben" in answer["note"]


def test_profit_escalates_through_its_own_rotation_then_owners(workspace: Path) -> None:
    answer = whois("profit", "--at", "2027-01-12T03:00:00+01:00")
    assert answer["on_call"]["rotation"] == "profit-bi"
    # profit-bi: fatima (4 Jan), george (11 Jan), hana (18 Jan); no leave in January
    assert engineer(answer) == "george"
    whos = [step["who"] for step in answer["escalation"]]
    assert whos == [
        "George Miller (on call, profit-bi)",
        "Finance Team (primary owner)",
        "Risk Team (primary owner)",
        "Data Engineering (secondary owner)",
    ]
    assert [step["step"] for step in answer["escalation"]] == [1, 2, 3, 4]
    assert answer["escalation"][0]["contact"] == "+44 20 7946 0102, george@example.com"
    # Data Engineering is reached through whoever is on call in its own rotation
    assert answer["escalation"][3]["contact"].startswith("on call: ")


def test_engagement_names_the_frontend_team_as_support(simple: Path) -> None:
    answer = whois("engagement", "--at", "2027-01-12T03:00:00+01:00")
    assert "Support: Software Frontend Team" in answer["note"]
    assert answer["escalation"][1]["who"] == "Software Frontend Team (support and primary owner)"


def test_growth_at_night_pages_nobody_and_says_who_picks_it_up(simple: Path) -> None:
    answer = whois("growth", "--at", "2027-01-12T02:00:00+01:00")
    assert answer["policy"] == "working-hours"
    assert answer["on_call"] is None
    assert answer["next_window"] == "2027-01-12T09:00:00+01:00"
    assert answer["picks_up"]["id"] == "ben"
    assert "No immediate on-call for Growth" in answer["note"]
    assert "outside working hours" in answer["note"]
    assert "opens Tue 12 Jan 2027 09:00 CET; Ben Bauer picks it up then" in answer["note"]


def test_growth_on_a_weekend_waits_for_monday(simple: Path) -> None:
    answer = whois("growth", "--at", "2027-01-16T23:00:00+01:00")
    assert answer["on_call"] is None
    assert answer["next_window"] == "2027-01-18T09:00:00+01:00"
    # 09:00 Monday is before the 09:30 hand-off: the outgoing engineer still holds the shift
    assert answer["picks_up"]["id"] == "ben"
    assert "the weekend" in answer["note"]


def test_growth_in_working_hours_has_the_rotation_engineer(simple: Path) -> None:
    answer = whois("growth", "--at", "2027-01-12T11:00:00+01:00")
    assert engineer(answer) == "ben"
    assert answer["next_window"] is None


def test_growth_on_a_public_holiday(workspace: Path) -> None:
    """Wed 6 Jan 2027 is Epiphany in Bavaria, the rotation's calendar."""
    schedule = CliRunner().invoke(
        app, ["schedule", "--start", "2027-01-04", "--weeks", "1", "--format", "json"]
    )
    first = json.loads(schedule.stdout)["weeks"][0]["engineer"]
    answer = whois("growth", "--at", "2027-01-06T10:00:00+01:00")
    assert answer["on_call"] is None
    assert "a public holiday (Epiphany)" in answer["note"]
    assert answer["next_window"] == "2027-01-07T09:00:00+01:00"
    assert answer["picks_up"]["id"] == first


def test_holiday_of_the_engineer_on_call_is_mentioned(workspace: Path) -> None:
    answer = whois("engagement", "--at", "2027-01-06T10:00:00+01:00")
    name = answer["on_call"]["name"]
    assert f"Today is a public holiday in {name}'s calendar (Epiphany)." in answer["note"]


def test_aggregated_in_the_last_week_of_the_month(simple: Path) -> None:
    watch = whois("aggregated", "--at", "2027-01-27T10:00:00+01:00")
    assert watch["policy"] == "month-end-watch"
    assert engineer(watch) == "ann"
    assert watch["note"] == (
        "Close month-end watch: last week of January; Month-end reporting to executives and "
        "investors due Sun 31 Jan 2027 12:00 CET. Fix everything before then."
    )
    earlier = whois("aggregated", "--at", "2027-01-20T10:00:00+01:00")
    assert "Close month-end watch" not in earlier["note"]
    assert "Fix before month-end reporting" in earlier["note"]


def test_without_pipeline_the_data_engineering_rotation(simple: Path) -> None:
    answer = whois("--at", "2027-01-12T03:00:00+01:00")
    assert answer["pipeline"] is None
    assert engineer(answer) == "ben"
    assert answer["escalation"][0]["who"] == "Ben Bauer (on call, data-engineering)"


def test_before_the_rotation_starts_nobody_is_on_call(simple: Path) -> None:
    answer = whois("engagement", "--at", "2026-12-30T10:00:00+01:00")
    assert answer["on_call"] is None
    assert "Nobody is on call" in answer["note"]
    assert answer["escalation"][0]["who"] == "Software Frontend Team (support and primary owner)"


def test_text_fits_80_columns(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    for pipeline in ("profit", "growth", "engagement", "aggregated"):
        result = CliRunner().invoke(
            app, ["whois", pipeline, "--at", "2027-01-29T23:00:00+01:00"], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert max(len(line) for line in lines) <= 80, result.stdout
        assert len(lines) <= 24  # one screen
        assert any(line.startswith("ON CALL") for line in lines[:3])


def test_bad_at_and_unknown_pipeline(workspace: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["whois", "profit", "--at", "yesterday"], catch_exceptions=False)
    assert bad.exit_code == 2
    assert bad.stderr.splitlines() == [
        "error: --at: 'yesterday' is not an ISO 8601 date-time (e.g. 2027-01-06T10:00:00+01:00)"
    ]
    unknown = runner.invoke(app, ["whois", "billing"], catch_exceptions=False)
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: unknown pipeline 'billing'")
