"""``oncall leave add|remove|list``: edits of the rotation file that keep people's comments.

Workspace and expected plain weeks: see tests/oncall/rotation/workspaces.py and
test_schedule.py (ana 4 Jan, ben 11 Jan, cem 18 Jan, ben 25 Jan, ana 1 Feb, cem 8 Feb, ...).
"""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

import pytest

from oncall.config.workspace import Workspace
from oncall.rotation import changes
from tests.invoke import oncall as invoke
from tests.oncall.rotation.workspaces import ROTATION


def rotation_text(ws: Path) -> str:
    return (ws / "schedules" / "data-engineering.yaml").read_text()


def test_add_keeps_comments_and_shows_what_moves(ws: Path) -> None:
    # cem is on call the week of 18 Jan. The week of 4 Jan is in progress (the clock is 6 Jan)
    # and stays ana's; giving cem's week to ana would leave ana two weeks in the first cycle
    # and ben none, which counts before two weeks running: cem and ben trade 11 and 18 Jan
    # (ben then holds 18 and 25 Jan, the only week his ski trip leaves him).
    result = invoke("leave", "add", "cem", "2027-01-18", "2027-01-19", "--reason", "dentist")
    assert result.exit_code == 0, result.output
    dentist = "cem on leave 18-19 Jan (dentist)"
    assert result.stdout == (
        f"added: {dentist}\n"
        "2 weeks changed:\n"
        f"  week 2027-01-11: ben -> cem: cem instead of ben, to keep weeks even after: {dentist}\n"
        f"  week 2027-01-18: cem -> ben: ben takes over from {dentist}\n"
        # cem now holds the week of 11 Jan, whose shift runs to Mon 18 Jan 09:30: the hours of
        # his leave before the hand-off are shown as nobody's, with the fairest cover
        "who answers changed in 2 spans:\n"
        "  Mon 18 Jan 00:00 CET - Mon 18 Jan 09:30 CET: ben -> (nobody): uncovered: "
        f"{dentist}\n"
        "  Mon 18 Jan 09:30 CET - Wed 20 Jan 00:00 CET: cem -> ben: ben is on call as planned "
        f"(leave added: {dentist})\n"
        "suggestion: cem is still the primary on call Mon 18 Jan 2027 00:00 CET until Mon 18 "
        "Jan 2027 09:30 CET, on leave; fairest cover: ana (0 h covered so far, 9 weeks on call "
        "this year, on call the week before or after). Apply it with `oncall cover add ana "
        "--from 2027-01-18T00:00:00+01:00 --until 2027-01-18T09:30:00+01:00 --for cem`, or add "
        "the leave with `--cover auto`\n"
    )
    assert rotation_text(ws) == ROTATION + (
        "    leave:\n      - {start: 2027-01-18, end: 2027-01-19, reason: dentist}\n"
    )
    schedule = invoke("schedule", "-f", "json", "-n", "6")
    assert [w["engineer"] for w in json.loads(schedule.stdout)["weeks"]] == [
        "ana",
        "cem",
        "ben",
        "ben",
        "ana",
        "cem",
    ]


def test_add_to_a_member_with_leave_appends_and_json(ws: Path) -> None:
    result = invoke("leave", "add", "ben", "2027-02-20", "--format", "json")  # ana's week
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "member": "ben",
        "added": [{"start": "2027-02-20", "end": "2027-02-20", "reason": None}],
        "changes": [],
        "dry_run": False,
        "span_changes": [],
        "backup_changes": [],
        "suggestions": [],
        "covers": [],
        "warnings": [],
    }
    assert rotation_text(ws) == ROTATION.replace(
        "      - {start: 2027-02-01, end: 2027-02-09, reason: ski trip}\n",
        "      - {start: 2027-02-01, end: 2027-02-09, reason: ski trip}\n"
        "      - {start: 2027-02-20, end: 2027-02-20}\n",
    )


def test_remove_keeps_the_plan_and_rebalance_puts_the_weeks_back(ws: Path) -> None:
    # ben and ana traded 25 Jan and 1 Feb around ben's ski trip. Without the trip that plan
    # still breaks no rule: it is kept (the team saw it), and nothing moves.
    result = invoke("leave", "remove", "ben", "2027-02-03")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("removed: ben on leave 1-9 Feb (ski trip)\nno week changes engineer\n")
    assert "ski trip" not in rotation_text(ws)
    assert "# mobile" in rotation_text(ws)
    # the team lead asks for the optimum: the plain order comes back
    shown = invoke("schedule", "-f", "json", "-n", "5")
    files = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    dry = invoke("plan", "--rebalance", "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    moved = json.loads(dry.stdout)["changes"]
    assert moved[:2] == [
        {"week": "2027-01-25", "before": "ben", "after": "ana", "reason": ANA_BACK},
        {"week": "2027-02-01", "before": "ana", "after": "ben", "reason": BEN_BACK},
    ]
    assert invoke("schedule", "-f", "json", "-n", "5").stdout == shown.stdout
    assert {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()} == files
    # (and the year's holidays are balanced afresh: the rest of the list)
    assert all(m["week"] > "2027-02-01" for m in moved[2:])
    real = invoke("plan", "--rebalance", "--format", "json")
    assert real.exit_code == 0, real.output
    assert json.loads(real.stdout)["changes"] == moved
    weeks = json.loads(invoke("schedule", "-f", "json", "-n", "5").stdout)["weeks"]
    assert [w["engineer"] for w in weeks] == ["ana", "ben", "cem", "ana", "ben"]


ANA_BACK = "ana has the week again (rebalanced)"
BEN_BACK = "ben has the week again (rebalanced)"


def test_list(ws: Path) -> None:
    invoke("leave", "add", "cem", "2027-01-18", "2027-01-19", "--reason", "dentist")
    result = invoke("leave", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "member": "cem",
            "start": "2027-01-18",
            "end": "2027-01-19",
            "days": 2,
            "reason": "dentist",
        },
        {
            "member": "ben",
            "start": "2027-02-01",
            "end": "2027-02-09",
            "days": 9,
            "reason": "ski trip",
        },
    ]
    result = invoke("leave", "list", "--member", "ben", "--format", "csv")
    assert result.stdout == "member,start,end,days,reason\nben,2027-02-01,2027-02-09,9,ski trip\n"
    table = invoke("leave", "list")
    assert "ski trip" in table.stdout and "dentist" in table.stdout


def test_list_hides_leave_that_ended_unless_all(ws: Path, monkeypatch) -> None:
    monkeypatch.setenv("ONCALL_NOW", "2027-03-01T10:00:00+01:00")
    assert json.loads(invoke("leave", "list", "-f", "json").stdout) == []
    assert len(json.loads(invoke("leave", "list", "-f", "json", "--all").stdout)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "zoe", "2027-01-18"],
            "error: unknown member 'zoe' of rotation 'data-engineering' (known: ana, ben, cem)",
        ),
        (
            ["add", "ana", "2027-01-20", "2027-01-18"],
            "error: END: 2027-01-18 is before START 2027-01-20",
        ),
        (
            ["add", "ana", "2027-02-30"],
            "error: START: '2027-02-30' is not a valid date (YYYY-MM-DD)",
        ),
        (["remove", "ana", "2027-02-03"], "error: ana has no leave on 2027-02-03"),
        (
            ["add", "ana", "2027-01-18", "--rotation", "x"],
            "error: unknown rotation 'x' (known: data-engineering)",
        ),
    ],
)
def test_bad_input_changes_nothing(ws: Path, args: list[str], message: str) -> None:
    result = invoke("leave", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [message]
    assert rotation_text(ws) == ROTATION


def test_an_invalid_rotation_file_is_not_edited(ws: Path) -> None:
    path = ws / "schedules" / "data-engineering.yaml"
    broken = ROTATION.replace("timezone: Europe/Berlin", "timezone: Europe/Berlim")
    path.write_text(broken)
    result = invoke("leave", "add", "ana", "2027-01-18")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: schedules/data-engineering.yaml: timezone: unknown time zone 'Europe/Berlim' "
        "(did you mean 'Europe/Berlin'?)"
    ]
    assert path.read_text() == broken


def test_a_file_that_cannot_be_written_is_exit_1(ws: Path, monkeypatch) -> None:
    import errno

    from oncall.rotation import store

    def full_disk(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "atomic_write_text", full_disk)
    result = invoke("leave", "add", "ana", "2027-01-18")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: schedules/data-engineering.yaml: cannot write (No space left on device)"
    ]
    assert rotation_text(ws) == ROTATION


def test_concurrent_additions_are_all_kept(ws: Path) -> None:
    # each thread opens its own lock file handle, so they serialise like separate processes
    days = [date(2027, 5, 3 + i) for i in range(8)]
    errors: list[BaseException] = []

    def add(day: date) -> None:
        try:
            changes.add_leave(
                Workspace(ws), "data-engineering", "cem", day, reason=f"day {day.day}"
            )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=add, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = invoke("leave", "list", "--member", "cem", "--format", "json")
    assert sorted(row["start"] for row in json.loads(result.stdout)) == [
        d.isoformat() for d in days
    ]


def test_a_flow_style_leave_list_stays_on_its_line(ws: Path) -> None:
    path = ws / "schedules" / "data-engineering.yaml"
    flow = ROTATION.replace(
        "    leave:\n      - {start: 2027-02-01, end: 2027-02-09, reason: ski trip}\n",
        "    leave: [{start: 2027-02-01, end: 2027-02-09, reason: ski trip}]   # booked\n",
    )
    path.write_text(flow)
    assert invoke("leave", "add", "ben", "2027-02-20").exit_code == 0
    # the comment stays, one space after the longer line
    assert path.read_text() == flow.replace(
        "reason: ski trip}]   # booked",
        "reason: ski trip}, {start: 2027-02-20, end: 2027-02-20}] # booked",
    )
