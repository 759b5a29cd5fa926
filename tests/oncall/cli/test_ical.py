"""``oncall ical``: the calendar on stdout or in a file, and one clear line per problem."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from oncall.config.workspace import Workspace
from oncall.rotation import changes
from tests.invoke import oncall as invoke
from tests.oncall.calendar.strict import parse

GOLDEN = Path(__file__).resolve().parent.parent / "calendar" / "golden"


def test_stdout_is_the_calendar_with_crlf_lines(workspace: Path) -> None:
    result = invoke("ical", "--start", "2027-02-01", "--weeks", "6")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (GOLDEN / "data-engineering.ics").read_bytes()
    assert result.stderr == ""


def test_member_feed(workspace: Path) -> None:
    result = invoke("ical", "-m", "alice", "-s", "2027-02-01", "-n", "6")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (GOLDEN / "data-engineering-alice.ics").read_bytes()


def test_default_window_is_four_past_weeks_and_26_ahead(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONCALL_NOW", "2027-03-10T12:00:00+01:00")
    result = invoke("ical", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["first_week"], data["last_week"]) == ("2027-02-08", "2027-08-30")
    weeks = [e for e in data["events"] if e["kind"] == "oncall"]
    assert len(weeks) == 30
    assert weeks[0] == {
        "uid": "week-2027-02-08@data-engineering.oncall",
        "kind": "oncall",
        "week": "2027-02-08",
        "start": "2027-02-08T09:30:00+01:00",
        "end": "2027-02-15T09:30:00+01:00",
        "summary": "On call: Alice Adams",
        "status": "CONFIRMED",
        "sequence": 0,
        "dtstamp": "2027-03-10T11:00:00Z",
        "engineer": "alice",
    }


def test_output_file_is_written_atomically(workspace: Path, tmp_path: Path) -> None:
    target = tmp_path / "web" / "data-engineering.ics"
    target.parent.mkdir()
    target.write_text("old")
    result = invoke("ical", "-r", "profit-bi", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    parsed = parse(target.read_bytes())
    assert parsed.name == "On call: Profit BI on-call"
    assert [p.name for p in target.parent.iterdir()] == ["data-engineering.ics"]  # no temp left


def test_unwritable_file_is_exit_1_with_one_line(workspace: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = invoke("ical", "-o", str(blocker / "feed.ics"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {blocker / 'feed.ics'}: cannot write ({blocker} is not a folder)"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-r", "nope"], "error: unknown rotation 'nope' (known: data-engineering, profit-bi)"),
        (
            ["-m", "zed"],
            "error: unknown member 'zed' of rotation 'data-engineering' "
            "(known: alice, bob, chloe, dev)",
        ),
        (
            ["--start", "2027-02-30"],
            "error: --start: '2027-02-30' is not a valid date (YYYY-MM-DD)",
        ),
        (
            ["--start", "2026-12-28"],
            "error: --start: 2026-12-28 is before rotation 'data-engineering' starts (2027-01-04)",
        ),
        (["--weeks", "0"], "error: --weeks: 0 is not between 1 and 1060"),
        (["--past", "-1"], "error: --past: -1 is not between 0 and 52"),
    ],
)
def test_bad_input_is_exit_2_naming_the_thing(
    workspace: Path, args: list[str], message: str
) -> None:
    result = invoke("ical", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [message]


def test_a_non_monday_start_means_its_week(workspace: Path) -> None:
    result = invoke("ical", "--start", "2027-02-03", "--weeks", "1", "--past", "0", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["first_week"] == "2027-02-01"
    assert "2027-02-03 is not a Monday: using its week" in result.stderr


def test_uncovered_weeks_are_warned_about(workspace: Path) -> None:
    for member in ("alice", "bob", "chloe", "dev"):
        changes.add_leave(Workspace(workspace), "data-engineering", member, date(2027, 3, 3))
    result = invoke("ical", "--weeks", "12")
    assert result.exit_code == 0, result.output
    assert "SUMMARY:UNCOVERED: nobody can take this week" in result.stdout
    assert "warning: week 2027-03-01: nobody can take it" in result.stderr


def test_an_unchanged_file_is_left_alone(workspace: Path, tmp_path: Path) -> None:
    target = tmp_path / "feed.ics"
    assert invoke("ical", "-o", str(target)).exit_code == 0
    first = target.stat()
    assert invoke("ical", "-o", str(target)).exit_code == 0
    again = target.stat()
    # web servers derive ETag and Last-Modified from these: subscribers keep getting 304
    assert (again.st_mtime_ns, again.st_ino) == (first.st_mtime_ns, first.st_ino)
