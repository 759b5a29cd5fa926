"""``oncall publish``: published weeks never change; a later leave is a conflict to settle.

Plain weeks of the workspace (tests/oncall/rotation/workspaces.py, see test_schedule.py):
4 Jan ana, 11 Jan ben, 18 Jan cem, 25 Jan ben (instead of ana: ben away 1-9 Feb),
1 Feb ana, 8 Feb cem, 15 Feb ana, 22 Feb ben, 1 Mar cem, 8 Mar ana, 15 Mar ben, 22 Mar cem.
Clock: Wed 6 Jan 2027.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.invoke import oncall as invoke

SKI = "ben instead of ana, to keep weeks even around ben on leave 1-9 Feb (ski trip)"
CONFLICT = (
    "cem on leave 19 Jan, in a published week: settle it with `oncall cover add` (or `oncall "
    "swap add`)"
)


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
        "no week changes engineer\n"
    )
    stamp = "'2027-01-06T10:00:00+01:00'"
    assert (ws / "schedules" / "data-engineering" / "published.yaml").read_text() == (
        "# On-call weeks frozen by `oncall publish`: the schedule never changes them afterwards.\n"
        "# A published week whose engineer turns out to be on leave is reported as a conflict:\n"
        "# settle it with `oncall cover add` (or `oncall swap add`).\n"
        "weeks:\n"
        f"- week: 2027-01-04\n  engineer: ana\n  published: {stamp}\n"
        f"- week: 2027-01-11\n  engineer: ben\n  published: {stamp}\n"
        f"- week: 2027-01-18\n  engineer: cem\n  published: {stamp}\n"
        f"- week: 2027-01-25\n  engineer: ben\n  reason: {SKI}\n  published: {stamp}\n"
    )
    again = invoke("publish", "--until", "2027-02-03", "--format", "json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {
        "changes": [],
        "dry_run": False,
        "span_changes": [],
        "backup_changes": [],
        "suggestions": [],
        "rotation": "data-engineering",
        "published": [
            {
                "start": "2027-02-01",
                "engineer": "ana",
                "reason": "ana takes over from ben on leave 1-9 Feb (ski trip)",
            }
        ],
        "already_published": ["2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25"],
        "warnings": [],
    }


def test_a_later_leave_in_a_published_week_is_a_conflict_settled_by_a_swap(ws: Path) -> None:
    assert invoke("publish", "--weeks", "4").exit_code == 0
    result = invoke("leave", "add", "cem", "2027-01-19")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "added: cem on leave 19 Jan\nno week changes engineer\n"
        "who answers changed in 1 span:\n"
        "  Tue 19 Jan 00:00 CET - Wed 20 Jan 00:00 CET: cem -> (nobody): uncovered: cem on leave "
        "19 Jan\nsuggestion: cem is still the primary on call"
    )
    assert result.stderr == f"warning: week 2027-01-18: {CONFLICT}\n"

    result = invoke("schedule", "-f", "json", "-n", "3")
    third = json.loads(result.stdout)["weeks"][2]
    assert (third["engineer"], third["conflict"], third["reason"]) == ("cem", CONFLICT, CONFLICT)
    assert third["published"] is True
    assert result.stderr == f"warning: week 2027-01-18: {CONFLICT}\n"

    result = invoke("swap", "add", "2027-01-18", "2027-12-27")  # cem's week for ana's
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert (week("2027-01-18")["engineer"], week("2027-01-18")["conflict"]) == ("ana", None)
    assert week("2027-12-27")["engineer"] == "cem"
    assert invoke("schedule", "-f", "json").stderr == ""

    # the swap was made after publishing: undoing it brings the published week (and the
    # conflict) back
    assert invoke("swap", "undo", "1").exit_code == 0
    assert week("2027-01-18")["engineer"] == "cem"
    assert week("2027-01-18")["conflict"] == CONFLICT


def test_a_swap_made_before_publishing_stays_active(ws: Path) -> None:
    assert invoke("swap", "add", "2027-02-15", "2027-03-15").exit_code == 0
    result = invoke("publish", "--until", "2027-03-21", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changes"] == []
    listed = json.loads(invoke("swap", "list", "-f", "json").stdout)
    assert [(s["id"], s["state"]) for s in listed] == [(1, "active")]
    assert week("2027-02-15")["engineer"] == "ben"
    assert week("2027-03-15")["engineer"] == "ana"


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


def test_leave_voids_a_swap_loudly_and_publishing_keeps_the_repair(ws: Path) -> None:
    # trade ana's 15 Feb for ben's 22 Feb, then ana takes leave on 23 Feb: the swap can no
    # longer hold (ana cannot take 22 Feb), it is void, both weeks are repaired, and the leave
    # says so; publishing then changes nothing
    assert invoke("swap", "add", "2027-02-15", "2027-02-22", "--note", "gig").exit_code == 0
    result = invoke("leave", "add", "ana", "2027-02-23", "--format", "json")
    assert result.exit_code == 0, result.output
    void = "swap #1 is void: ana on leave 23 Feb"
    assert json.loads(result.stdout)["changes"] == [
        {"week": "2027-02-15", "before": "ben", "after": "ana", "reason": void},
        {"week": "2027-02-22", "before": "ana", "after": "ben", "reason": void},
    ]
    listed = json.loads(invoke("swap", "list", "-f", "json").stdout)
    assert [(s["state"], s["why"]) for s in listed] == [("void", "ana on leave 23 Feb")]
    result = invoke("publish", "--start", "2027-02-22", "--weeks", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "published week 2027-02-22: ben\nno week changes engineer\n"
    assert result.stderr == f"warning: week 2027-02-22: {void}\n"
    shown = week("2027-02-22")
    assert (shown["engineer"], shown["conflict"]) == ("ben", void)


def test_leave_never_voids_a_swap_in_a_published_week(ws: Path) -> None:
    # publish through 31 Jan, then trade cem's published 18 Jan for ana's 15 Feb; cem's
    # colleague ana now holds 18 Jan. Leave for ana in that week, or in cem's new week, would
    # void the swap and hand a published week back to cem: it stays, as a conflict to cover
    assert invoke("publish", "--weeks", "4").exit_code == 0
    assert invoke("swap", "add", "2027-01-18", "2027-02-15").exit_code == 0
    assert (week("2027-01-18")["engineer"], week("2027-02-15")["engineer"]) == ("ana", "cem")
    for who, day in (("ana", "2027-01-19"), ("cem", "2027-02-16")):
        result = invoke("leave", "add", who, day, "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["changes"] == []
    listed = json.loads(invoke("swap", "list", "-f", "json").stdout)
    assert [s["state"] for s in listed] == ["active"]
    assert (week("2027-01-18")["engineer"], week("2027-02-15")["engineer"]) == ("ana", "cem")
    assert "ana on leave 19 Jan, in a swapped week" in week("2027-01-18")["conflict"]
    assert "cem on leave 16 Feb, in a swapped week" in week("2027-02-15")["conflict"]
