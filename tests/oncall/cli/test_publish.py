"""``oncall publish``: published weeks never change; a later leave is a conflict to settle.

Plain weeks of the workspace (tests/oncall/rotation/workspaces.py, see test_schedule.py):
4 Jan ana, 11 Jan ben, 18 Jan cem, 25 Jan ben (swapped with ana: ben away 1-9 Feb),
1 Feb ana, 8 Feb cem, 15 Feb ana, 22 Feb ben, 1 Mar cem, 8 Mar ana, 15 Mar ben, 22 Mar cem.
Clock: Wed 6 Jan 2027.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oncall.cli.app import app
from tests.oncall.rotation.workspaces import make_workspace

SKI = "swapped with ana: ben on leave 1-9 Feb (ski trip)"
CONFLICT = "ana on leave 5 Jan, in a published week: settle it with `oncall swap add`"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield make_workspace(tmp_path, monkeypatch)


def week(start: str) -> dict:
    result = invoke("schedule", "-f", "json", "--start", start, "-n", "1")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["weeks"][0]


def test_publish_writes_a_readable_file(ws: Path) -> None:
    result = invoke("publish", "--weeks", "4")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "published week 2027-01-04: ana\n"
        "published week 2027-01-11: ben\n"
        "published week 2027-01-18: cem\n"
        f"published week 2027-01-25: ben ({SKI})\n"
    )
    stamp = "'2027-01-06T10:00:00+01:00'"
    assert (ws / "schedules" / "data-engineering" / "published.yaml").read_text() == (
        "# On-call weeks frozen by `oncall publish`: the schedule never changes them afterwards.\n"
        "# A published week whose engineer turns out to be on leave is reported as a conflict:\n"
        "# settle it with `oncall swap add`.\n"
        "weeks:\n"
        f"- week: 2027-01-04\n  engineer: ana\n  published: {stamp}\n"
        f"- week: 2027-01-11\n  engineer: ben\n  published: {stamp}\n"
        f"- week: 2027-01-18\n  engineer: cem\n  published: {stamp}\n"
        f"- week: 2027-01-25\n  engineer: ben\n  reason: '{SKI}'\n  published: {stamp}\n"
    )
    again = invoke("publish", "--until", "2027-02-03", "--format", "json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {
        "rotation": "data-engineering",
        "published": [
            {
                "start": "2027-02-01",
                "engineer": "ana",
                "reason": "instead of ben, who is on call in the published week of 2027-01-25",
            }
        ],
        "already_published": ["2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25"],
    }


def test_a_later_leave_in_a_published_week_is_a_conflict_settled_by_a_swap(ws: Path) -> None:
    assert invoke("publish", "--weeks", "4").exit_code == 0
    result = invoke("leave", "add", "ana", "2027-01-05")
    assert result.exit_code == 0, result.output
    assert result.stdout == "added: ana on leave 5 Jan\nthe schedule does not change\n"
    assert result.stderr == f"warning: week 2027-01-04: {CONFLICT}\n"

    result = invoke("schedule", "-f", "json", "-n", "2")
    first = json.loads(result.stdout)["weeks"][0]
    assert (first["engineer"], first["conflict"], first["reason"]) == ("ana", CONFLICT, CONFLICT)
    assert first["published"] is True
    assert result.stderr == f"warning: week 2027-01-04: {CONFLICT}\n"

    result = invoke("swap", "add", "2027-01-04", "2027-01-11")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert (week("2027-01-04")["engineer"], week("2027-01-04")["conflict"]) == ("ben", None)
    assert week("2027-01-11")["engineer"] == "ana"
    assert invoke("schedule", "-f", "json").stderr == ""

    # the swap was made after publishing: undoing it brings the published week (and the
    # conflict) back
    assert invoke("swap", "undo", "1").exit_code == 0
    assert week("2027-01-04")["engineer"] == "ana"
    assert week("2027-01-04")["conflict"] == CONFLICT


def test_published_weeks_keep_a_swap_which_then_cannot_be_undone(ws: Path) -> None:
    assert invoke("swap", "add", "2027-02-15", "2027-03-15").exit_code == 0
    assert invoke("publish", "--until", "2027-03-21").exit_code == 0
    assert week("2027-02-15")["engineer"] == "ben"
    result = invoke("swap", "undo", "1")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the week of 2027-02-15 was published with the swap in effect: trade it back "
        "with `oncall swap add`\n"
    )


def test_published_weeks_survive_new_leave_and_new_members(ws: Path) -> None:
    assert invoke("publish", "--weeks", "6").exit_code == 0
    before = json.loads(invoke("schedule", "-f", "json", "-n", "6").stdout)["weeks"]
    path = ws / "schedules" / "data-engineering.yaml"
    path.write_text(
        path.read_text()
        + '  - id: dan\n    name: Dan Dorn\n    email: dan@example.com\n    phone: "+49 89 4"\n'
    )
    assert invoke("leave", "add", "cem", "2027-01-18", "2027-02-12").exit_code == 0
    after = json.loads(invoke("schedule", "-f", "json", "-n", "6").stdout)["weeks"]
    assert [w["engineer"] for w in after] == [w["engineer"] for w in before]


def test_bad_usage(ws: Path) -> None:
    result = invoke("publish", "--weeks", "2", "--until", "2027-03-01")
    assert result.exit_code == 2
    assert result.stderr == "error: give --weeks or --until, not both\n"
    result = invoke("publish", "--until", "2026-12-01")
    assert result.exit_code == 2
    assert result.stderr == "error: --until: 2026-12-01 is before the first week\n"


def test_publishing_a_week_in_conflict_keeps_the_reason_without_the_conflict(ws: Path) -> None:
    # trade ana's 15 Feb for ben's 22 Feb, then ana takes leave on 23 Feb: a conflict in a
    # swapped week, which publishing reports and does not store
    assert invoke("swap", "add", "2027-02-15", "2027-02-22", "--note", "gig").exit_code == 0
    assert invoke("leave", "add", "ana", "2027-02-23").exit_code == 0
    conflict = "ana on leave 23 Feb, in a swapped week: settle it with `oncall swap add`"
    result = invoke("publish", "--start", "2027-02-22", "--weeks", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "published week 2027-02-22: ana (swap #1 with ben: gig)\n"
    assert result.stderr == f"warning: week 2027-02-22: {conflict}\n"
    shown = week("2027-02-22")
    assert (shown["reason"], shown["conflict"]) == (f"swap #1 with ben: gig; {conflict}", conflict)
