"""``oncall swap add|undo|list``: explicit trades of weeks, refused when they would break leave.

Plain weeks of the workspace (tests/oncall/rotation/workspaces.py, see test_schedule.py):
4 Jan ana, 11 Jan ben, 18 Jan cem, 25 Jan ben, 1 Feb ana, 8 Feb cem, 15 Feb ana, 22 Feb ben,
1 Mar cem, 8 Mar ana, 15 Mar ben, 22 Mar cem. ben is away 1-9 Feb. Clock: Wed 6 Jan 2027.
In a team of three, every trade puts someone on call two weeks running.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.invoke import oncall as invoke


def engineers() -> dict[str, str]:
    result = invoke("schedule", "-f", "json", "-n", "12")
    assert result.exit_code == 0, result.output
    return {w["start"]: w["engineer"] for w in json.loads(result.stdout)["weeks"]}


def test_add_list_undo(ws: Path) -> None:
    result = invoke("swap", "add", "2027-02-15", "2027-03-17", "--note", "concert")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "made swap 1:\n"
        "  week 2027-02-15: ana gives it to ben\n"
        "  week 2027-03-15: ben gives it to ana\n"
        "2 weeks changed:\n"
        "  week 2027-02-15: ana -> ben: ana gave this week to ben (swap #1: concert)\n"
        "  week 2027-03-15: ben -> ana: ben gave this week to ana (swap #1: concert)\n"
    )
    assert result.stderr == (
        "warning: ana is now on call two weeks running (2027-03-08 and the week after)\n"
        "warning: ben is now on call two weeks running (2027-02-15 and the week after)\n"
    )
    assert (ws / "schedules" / "data-engineering" / "swaps.yaml").read_text() == (
        "# Swaps of on-call weeks, written by `oncall swap add` (one trade of two weeks each).\n"
        "# Each side reads: the week starting `week` goes from `was` to `now`. "
        "`oncall swap undo ID`\n"
        "# stamps a swap `undone` instead of deleting it, so this file is the record of "
        "changes.\n"
        "swaps:\n"
        "- id: 1\n"
        "  weeks:\n"
        "  - {week: 2027-02-15, was: ana, now: ben}\n"
        "  - {week: 2027-03-15, was: ben, now: ana}\n"
        "  note: concert\n"
        "  created: '2027-01-06T10:00:00+01:00'\n"
    )
    weeks = json.loads(invoke("schedule", "-f", "json", "-n", "12").stdout)["weeks"]
    by_start = {w["start"]: w for w in weeks}
    assert (by_start["2027-02-15"]["engineer"], by_start["2027-02-15"]["reason"]) == (
        "ben",
        "ana gave this week to ben (swap #1: concert)",
    )
    assert (by_start["2027-03-15"]["engineer"], by_start["2027-03-15"]["reason"]) == (
        "ana",
        "ben gave this week to ana (swap #1: concert)",
    )
    assert by_start["2027-03-15"]["swap"] == 1

    listed = json.loads(invoke("swap", "list", "--format", "json").stdout)
    assert listed == [
        {
            "id": 1,
            "weeks": [
                {"week": "2027-02-15", "was": "ana", "now": "ben"},
                {"week": "2027-03-15", "was": "ben", "now": "ana"},
            ],
            "note": "concert",
            "created": "2027-01-06T10:00:00+01:00",
            "undone": None,
            "state": "active",
            "why": None,
        }
    ]

    result = invoke("swap", "undo", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "undid swap 1:\n"
        "  week 2027-02-15: ben gives it to ana\n"
        "  week 2027-03-15: ana gives it to ben\n"
        "2 weeks changed:\n"
        "  week 2027-02-15: ben -> ana: ana has the week again (swap #1 undone)\n"
        "  week 2027-03-15: ana -> ben: ben has the week again (swap #1 undone)\n"
    )
    assert engineers()["2027-02-15"] == "ana"
    assert engineers()["2027-03-15"] == "ben"
    text = (ws / "schedules" / "data-engineering" / "swaps.yaml").read_text()
    assert text.endswith("  undone: '2027-01-06T10:00:00+01:00'\n")
    assert "- id: 1\n" in text  # kept on record
    assert "undone" in invoke("swap", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["2027-01-25", "2027-02-08"],
            "error: refused: ben on leave 1-9 Feb (ski trip), which would put them on call in "
            "the week of 2027-02-08",
        ),
        (["2027-01-11", "2027-01-17"], "error: both dates fall in the week of 2027-01-11"),
        (
            ["2027-01-04", "2027-01-11"],
            "error: first week: the week of 2027-01-04 is in progress and stays as it is",
        ),
        (
            ["2027-02-15", "2027-03-08"],
            "error: ana is on call in both weeks (2027-02-15, 2027-03-08)",
        ),
        (
            ["2026-12-30", "2027-01-11"],
            "error: first week: 2026-12-30 is before rotation 'data-engineering' starts "
            "(2027-01-04)",
        ),
        (
            ["2027-01-11", "2027-13-01"],
            "error: SECOND: '2027-13-01' is not a valid date (YYYY-MM-DD)",
        ),
    ],
)
def test_refusals_write_nothing(ws: Path, args: list[str], message: str) -> None:
    result = invoke("swap", "add", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [message]
    assert not (ws / "schedules" / "data-engineering" / "swaps.yaml").exists()


def test_a_week_that_is_over_cannot_be_traded(ws: Path, monkeypatch) -> None:
    monkeypatch.setenv("ONCALL_NOW", "2027-01-11T09:30:00+01:00")  # the first week just ended
    result = invoke("swap", "add", "2027-01-05", "2027-01-20")
    assert result.exit_code == 2
    assert result.stderr == "error: first week: the week of 2027-01-04 is over\n"


def test_undo_refusals(ws: Path) -> None:
    assert invoke("swap", "undo", "7").stderr == "error: unknown swap 7 (known: none)\n"
    invoke("swap", "add", "2027-02-15", "2027-03-15")
    invoke("swap", "add", "2027-03-15", "2027-03-22")  # builds on swap 1's second week
    result = invoke("swap", "undo", "1")
    assert result.exit_code == 2
    assert result.stderr == "error: swap 2 also trades the week of 2027-03-15: undo it first\n"
    assert invoke("swap", "undo", "2").exit_code == 0
    assert invoke("swap", "undo", "1").exit_code == 0
    assert invoke("swap", "undo", "1").stderr == "error: swap 1 is already undone\n"
    assert engineers()["2027-03-22"] == "cem"


def test_a_hand_edited_swaps_file_that_is_invalid_names_the_field(ws: Path) -> None:
    folder = ws / "schedules" / "data-engineering"
    folder.mkdir()
    (folder / "swaps.yaml").write_text(
        "swaps:\n"
        "- id: 1\n"
        "  weeks:\n"
        "  - {week: 2027-02-16, was: ana, now: ben}\n"
        "  - {week: 2027-03-15, was: ben, now: cem}\n"
        "  note: hand-made\n"
    )
    result = invoke("schedule", "--format", "json")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: schedules/data-engineering/swaps.yaml: swaps[0].weeks[0].week: 2027-02-16 is a "
        "Tuesday, not a Monday",
        "error: schedules/data-engineering/swaps.yaml: swaps[0].weeks: not a trade: weeks[1] "
        "must go from weeks[0].now back to weeks[0].was",
    ]
