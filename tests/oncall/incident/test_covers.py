"""When reality departs from the plan: covers for any span, uncovered leave, a backup on call,
and incident answers that survive a broken file.

The rotation is the holiday-free ``simple`` one: week 0 (Mon 4 Jan 2027, 09:30 Europe/Berlin)
ann, week 1 ben, week 2 cai, and so on. The clock is Tue 5 Jan 2027 10:00, inside ann's week,
and the first two weeks are published, so a leave there cannot move anybody: only covers can.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oncall.cli.app import app
from tests.oncall.calendar.strict import parse

NOW = "2027-01-05T10:00:00+01:00"


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def whois(at: str, *extra: str) -> dict:
    return json.loads(ok("whois", "engagement", "--at", at, "--format", "json", *extra))


def answering(at: str) -> str | None:
    person = whois(at)["on_call"]
    return person["id"] if person else None


@pytest.fixture
def published(simple: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ONCALL_NOW", NOW)
    ok("publish", "--weeks", "2")
    return simple


def test_sick_days_inside_a_published_week_leave_the_week_uncovered(published: Path) -> None:
    assert answering("2027-01-06T10:00") == "ann"
    out = ok("leave", "add", "ann", "2027-01-06", "2027-01-08", "--reason", "sick")
    assert "no week changes engineer" in out  # the week is published: nobody is moved
    assert "suggestion: ann is still the primary on call" in out
    assert "oncall cover add" in out
    # the last minute before the leave, the leave itself, and the first minute after
    assert answering("2027-01-05T23:59") == "ann"
    answer = whois("2027-01-06T00:00")
    assert answer["on_call"] is None
    assert answer["uncovered"] is True
    assert answer["planned"]["id"] == "ann"
    assert answer["cover"] is None
    assert answering("2027-01-08T23:59") is None
    assert answering("2027-01-09T00:00") == "ann"
    text = ok("whois", "engagement", "--at", "2027-01-07T03:00")
    assert "UNCOVERED  Ann Arbor (planned) is on leave" in text
    assert "ON CALL  Ann" not in text
    # who is next: ann again when her leave ends (Sat 9 Jan, local midnight)
    assert whois("2027-01-07T03:00")["next"] == {
        "id": "ann",
        "name": "Ann Arbor",
        "from": "2027-01-09T00:00:00+01:00",
    }


def test_a_cover_answers_for_its_exact_span_and_the_plan_stays(published: Path) -> None:
    ok("leave", "add", "ann", "2027-01-06", "2027-01-08", "--reason", "sick")
    before = json.loads(ok("schedule", "--weeks", "3", "-f", "json"))
    result = json.loads(
        ok(
            "cover", "add", "cai", "--from", "2027-01-06T00:00", "--until", "2027-01-09T00:00",
            "--for", "ann", "--reason", "ann is sick", "--format", "json",
        )
    )  # fmt: skip
    assert result["dry_run"] is False
    assert result["changes"] == [
        {
            "week": "2027-01-04",
            "before": None,
            "after": "cai",
            "reason": "cai covers for ann (ann is sick) (cover #1)",
            "from": "2027-01-06T00:00:00+01:00",
            "until": "2027-01-09T00:00:00+01:00",
            "role": "primary",
        }
    ]
    after = json.loads(ok("schedule", "--weeks", "3", "-f", "json"))
    assert [w["engineer"] for w in after["weeks"]] == [w["engineer"] for w in before["weeks"]]
    assert after["weeks"][0]["covers"][0]["member"] == "cai"
    assert after["weeks"][1]["covers"] == []
    assert answering("2027-01-05T23:59") == "ann"
    answer = whois("2027-01-06T00:00")
    assert answer["on_call"]["id"] == "cai"
    assert answer["planned"]["id"] == "ann"
    assert answer["uncovered"] is False
    assert answer["cover"] == {
        "id": 1,
        "member": "cai",
        "from": "2027-01-06T00:00:00+01:00",
        "until": "2027-01-09T00:00:00+01:00",
        "reason": "ann is sick",
        "for": "ann",
    }
    assert answer["escalation"][0]["who"].startswith("Cai Chen (on call")
    assert answer["next"]["id"] == "ann"
    assert answering("2027-01-08T23:59") == "cai"
    assert answering("2027-01-09T00:00") == "ann"
    # the hand-off agenda lists the cover and the leave, and no uncovered span
    agenda = json.loads(ok("handoff", "--date", "2027-01-05", "-f", "json"))
    assert [c["member"] for c in agenda["covers"]] == ["cai"]
    assert agenda["uncovered"] == []
    assert [lv["member"] for lv in agenda["leave"]] == ["ann"]


def test_uncovered_spans_are_on_the_agenda(published: Path) -> None:
    ok("leave", "add", "ann", "2027-01-07", "--reason", "dentist")
    agenda = json.loads(ok("handoff", "--date", "2027-01-05", "-f", "json"))
    assert agenda["uncovered"] == [
        {
            "role": "primary",
            "member": "ann",
            "from": "2027-01-07T00:00:00+01:00",
            "until": "2027-01-08T00:00:00+01:00",
            "reason": "dentist",
        }
    ]
    markdown = ok("handoff", "--date", "2027-01-05")
    assert "**UNCOVERED:**" in markdown


def test_a_cover_may_cross_the_monday_handoff(published: Path) -> None:
    # without --for it stands in for whoever is the primary: ann on Sunday, ben on Monday
    ok("cover", "add", "cai", "--from", "2027-01-10T20:00", "--until", "2027-01-11T12:00")
    assert answering("2027-01-10T19:59") == "ann"
    assert answering("2027-01-10T22:00") == "cai"
    assert whois("2027-01-11T10:00")["planned"]["id"] == "ben"
    assert answering("2027-01-11T10:00") == "cai"
    assert answering("2027-01-11T12:00") == "ben"


def test_a_cover_for_one_person_ends_with_their_shift(published: Path) -> None:
    ok(
        "cover", "add", "cai", "--from", "2027-01-10T20:00", "--until", "2027-01-11T12:00",
        "--for", "ann",
    )  # fmt: skip
    assert answering("2027-01-11T09:29") == "cai"
    assert answering("2027-01-11T09:30") == "ben"  # the hand-off: ann's shift is over


def test_a_cover_is_refused_for_someone_on_leave(published: Path) -> None:
    ok("leave", "add", "cai", "2027-01-07", "--reason", "moving house")
    result = run("cover", "add", "cai", "--from", "2027-01-06T18:00", "--until", "2027-01-09T00:00")
    assert result.exit_code == 2
    assert "refused: cai on leave 7 Jan (moving house)" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (published / "schedules" / "data-engineering" / "covers.yaml").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ann", "--from", "2027-01-06", "--until", "2027-01-06"), "must be after --from"),
        (("ann", "--from", "2027-01-01", "--until", "2027-01-02"), "that span is over"),
        (("zed", "--from", "2027-01-06", "--until", "2027-01-07"), "unknown member 'zed'"),
        (("ann", "--from", "2027-01-06", "--until", "2027-01-07"), "would change nothing"),
        (("ben", "--from", "2027-01-06", "--until", "2027-01-07", "--for", "cai"), "not on call"),
        (("ben", "--from", "2027-13-06", "--until", "2027-01-07"), "--from"),
    ],
)
def test_bad_covers_get_one_line_and_exit_2(published: Path, args: tuple, message: str) -> None:
    result = run("cover", "add", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cover_dry_run_writes_nothing_and_remove_restores(published: Path) -> None:
    state = published / "schedules" / "data-engineering"
    before = {p: p.read_bytes() for p in state.rglob("*") if p.is_file()}
    dry = json.loads(
        ok("cover", "add", "ben", "--from", "2027-01-06T13:00", "--until", "2027-01-06T15:00",
           "--dry-run", "--format", "json")
    )  # fmt: skip
    assert dry["dry_run"] is True and len(dry["changes"]) == 1
    assert {p: p.read_bytes() for p in state.rglob("*") if p.is_file()} == before
    ok("cover", "add", "ben", "--from", "2027-01-06T13:00", "--until", "2027-01-06T15:00")
    assert answering("2027-01-06T14:00") == "ben"
    listed = json.loads(ok("cover", "list", "-f", "json"))
    assert [(c["id"], c["member"], c["removed"]) for c in listed] == [(1, "ben", None)]
    removed = json.loads(ok("cover", "remove", "1", "--format", "json"))
    assert [(c["before"], c["after"]) for c in removed["changes"]] == [("ben", "ann")]
    assert answering("2027-01-06T14:00") == "ann"
    assert json.loads(ok("cover", "list", "-f", "json")) == []
    kept = json.loads(ok("cover", "list", "--all", "-f", "json"))
    assert kept[0]["removed"] is not None  # the record stays
    assert run("cover", "remove", "1").exit_code == 2


def test_leave_add_cover_auto_applies_the_fairest_cover(published: Path) -> None:
    suggested = json.loads(
        ok("cover", "suggest", "--from", "2027-01-06", "--until", "2027-01-09", "-f", "json")
    )
    # ben is on call the week after: cai is fairer
    assert [c["member"] for c in suggested["candidates"]] == ["cai", "ben"]
    assert suggested["unavailable"] == ["ann: on call then"]
    result = json.loads(
        ok("leave", "add", "ann", "2027-01-06", "2027-01-08", "--reason", "flu",
           "--cover", "auto", "--format", "json")
    )  # fmt: skip
    assert [c["member"] for c in result["covers"]] == ["cai"]
    assert result["changes"] == []
    assert [(c["before"], c["after"]) for c in result["span_changes"]] == [("ann", "cai")]
    assert answering("2027-01-07T12:00") == "cai"
    # hours served are credited to whoever answered
    fair = json.loads(ok("fairness", "--until", "2027-01-11", "-f", "json"))
    hours = {m["member"]: (m["hours_served"], m["hours_covered"]) for m in fair["members"]}
    # weeks 0 (ann) and 1 (ben): ann served her week less the three days cai covered
    assert hours == {"ann": (168 - 72, 0), "ben": (168, 0), "cai": (72, 72)}


def test_whois_tz_shows_the_readers_zone(published: Path) -> None:
    answer = whois("2027-01-06T10:00", "--tz", "America/New_York")
    assert answer["at"] == "2027-01-06T04:00:00-05:00"
    assert answer["shown_timezone"] == "America/New_York"
    text = ok("whois", "engagement", "--at", "2027-01-06T10:00", "--tz", "America/New_York")
    assert "Next     Ben Bauer from Mon 11 Jan 03:30 EST" in text
    result = run("whois", "--tz", "Mars/Olympus")
    assert result.exit_code == 2 and "--tz" in result.output


def test_covers_across_daylight_saving(simple: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_NOW", "2027-03-20T10:00:00+01:00")
    # Sun 28 Mar 2027: 02:00 CET becomes 03:00 CEST; the cover lasts 5 real hours
    ok("cover", "add", "ann", "--from", "2027-03-27T23:00", "--until", "2027-03-28T05:00")
    listed = json.loads(ok("cover", "list", "-f", "json"))
    assert listed[0]["until"] == "2027-03-28T05:00:00+02:00"
    week = whois("2027-03-27T12:00")["planned"]["id"]
    assert week != "ann"
    assert answering("2027-03-28T01:59:00+01:00") == "ann"
    assert answering("2027-03-28T03:00:00+02:00") == "ann"
    assert answering("2027-03-28T04:59:00+02:00") == "ann"
    assert answering("2027-03-28T05:00:00+02:00") == week
    text = ok("cover", "list", "-f", "csv")
    assert ",5," in text  # 23:00 CET .. 05:00 CEST is five hours, not six


def test_feeds_carry_covers_and_stay_byte_stable(published: Path) -> None:
    ok("leave", "add", "ann", "2027-01-06", "2027-01-08", "--reason", "sick")
    ok("cover", "add", "cai", "--from", "2027-01-06", "--until", "2027-01-09", "--for", "ann")
    team = run("ical", "--weeks", "3").stdout_bytes
    assert run("ical", "--weeks", "3").stdout_bytes == team
    events = parse(team).by_uid()
    cover = events["cover-1@data-engineering.oncall"]
    assert cover.status == "CONFIRMED"
    assert cover.summary == "Cover: Cai Chen for Ann Arbor"
    week = events["week-2027-01-04@data-engineering.oncall"]
    assert "Covered: Wed 6 Jan 2027 00:00 to Sat 9 Jan 2027 00:00 Cai Chen (cai)" in (
        week.description
    )
    for member in ("ann", "cai"):
        own = parse(run("ical", "--member", member, "--weeks", "3").stdout_bytes).by_uid()
        assert f"cover-1.{member}-feed@data-engineering.oncall" in own
    assert not any(
        uid.startswith("cover-")
        for uid in parse(run("ical", "--member", "ben", "--weeks", "3").stdout_bytes).by_uid()
    )
    ok("cover", "remove", "1")
    later = parse(run("ical", "--weeks", "3").stdout_bytes).by_uid()
    gone = later["cover-1@data-engineering.oncall"]
    assert gone.status == "CANCELLED"
    assert gone.sequence > cover.sequence
    assert later["week-2027-01-04@data-engineering.oncall"].sequence > week.sequence


def test_shifts_lists_weeks_and_covers(published: Path) -> None:
    ok("cover", "add", "cai", "--from", "2027-01-06T13:00", "--until", "2027-01-06T17:00")
    data = json.loads(ok("shifts", "cai", "--weeks", "4", "-f", "json"))
    kinds = [(s["kind"], s["from"]) for s in data["shifts"]]
    assert kinds == [
        ("cover", "2027-01-06T13:00:00+01:00"),
        ("primary", "2027-01-18T09:30:00+01:00"),
    ]
    ann = json.loads(ok("shifts", "ann", "--weeks", "4", "-f", "json"))
    assert ann["shifts"][0]["covered"][0]["by"] == "cai"
    parse(run("shifts", "ann", "--weeks", "4", "-f", "ics").stdout_bytes)
    assert "cover #1" in ok("shifts", "cai", "--weeks", "4")


# --- a broken file in the middle of an incident ----------------------------------------------


def test_whois_answers_from_the_last_valid_rotation(published: Path) -> None:
    assert answering("2027-01-06T10:00") == "ann"
    path = published / "schedules" / "data-engineering.yaml"
    path.write_text(path.read_text().replace("id: ben", "id: Ben!"))
    result = CliRunner().invoke(
        app, ["whois", "engagement", "--at", "2027-01-06T10:00", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["on_call"]["id"] == "ann"
    warning = result.stderr.strip().splitlines()
    assert len(warning) == 1
    assert "schedules/data-engineering.yaml: members[1].id" in warning[0]
    assert "last version that validated" in warning[0]
    handoff = CliRunner().invoke(app, ["handoff", "-f", "json"])
    assert handoff.exit_code == 0 and "last version that validated" in handoff.stderr
    assert run("validate").exit_code == 2


def test_without_a_valid_version_whois_fails_as_before(simple: Path) -> None:
    path = simple / "schedules" / "data-engineering.yaml"
    path.write_text(path.read_text().replace("id: ben", "id: Ben!"))
    result = run("whois", "engagement")
    assert result.exit_code == 2
    assert "members[1].id" in result.output


# --- a backup on call --------------------------------------------------------------------------


@pytest.fixture
def with_backup(published: Path) -> Path:
    path = published / "schedules" / "data-engineering.yaml"
    path.write_text(
        path.read_text().replace(
            "team: Data Engineering\n", "team: Data Engineering\nbackup: true\n"
        )
    )
    return published


def test_the_backup_is_step_two_and_first_when_uncovered(with_backup: Path) -> None:
    weeks = json.loads(ok("schedule", "--weeks", "3", "-f", "json"))["weeks"]
    assert [(w["engineer"], w["backup"]) for w in weeks] == [
        ("ann", "ben"),
        ("ben", "cai"),
        ("cai", "ann"),
    ]
    answer = whois("2027-01-06T10:00")
    assert answer["backup"]["id"] == "ben"
    assert [s["who"] for s in answer["escalation"][:2]] == [
        "Ann Arbor (on call, data-engineering)",
        "Ben Bauer (backup, data-engineering)",
    ]
    assert "BACKUP   Ben Bauer" in ok("whois", "engagement", "--at", "2027-01-06T10:00")
    ok("leave", "add", "ann", "2027-01-07", "--reason", "sick")
    answer = whois("2027-01-07T10:00")
    assert answer["uncovered"] is True and answer["on_call"] is None
    assert answer["escalation"][0]["who"] == "Ben Bauer (backup, data-engineering)"
    assert answer["escalation"][0]["contact"] == "+49 30 0002, ben@example.com"
    # a cover for the backup replaces the backup only
    ok("cover", "add", "cai", "--from", "2027-01-08T00:00", "--until", "2027-01-09T00:00",
       "--for", "ben")  # fmt: skip
    answer = whois("2027-01-08T10:00")
    assert (answer["on_call"]["id"], answer["backup"]["id"]) == ("ann", "cai")


def test_member_feeds_carry_backup_weeks(with_backup: Path) -> None:
    own = parse(run("ical", "--member", "ben", "--weeks", "3").stdout_bytes).by_uid()
    backup = own["backup-2027-01-04.ben-feed@data-engineering.oncall"]
    assert backup.summary == "Backup on call: Data Engineering Team"
    assert backup.status == "CONFIRMED"
    assert "week-2027-01-11.ben-feed@data-engineering.oncall" in own
    team = parse(run("ical", "--weeks", "3").stdout_bytes).by_uid()
    assert "Backup: Ben Bauer (ben)" in team["week-2027-01-04@data-engineering.oncall"].description
    assert not any(uid.startswith("backup-") for uid in team)
    fair = json.loads(ok("fairness", "--until", "2027-01-18", "-f", "json"))
    assert {m["member"]: m["backup_weeks"] for m in fair["members"]} == {
        "ann": 1,
        "ben": 1,
        "cai": 1,
    }


def test_a_hostile_cover_reason_is_only_text(published: Path) -> None:
    control = run(
        "cover", "add", "cai", "--from", "2027-01-06T13:00", "--until", "2027-01-06T17:00",
        "--reason", "\x1b[31mred",
    )  # fmt: skip
    assert control.exit_code == 2 and "--reason: control character" in control.output
    reason = "[bold]x[/bold] <script> # heading | cell *em*"
    ok(
        "cover", "add", "cai", "--from", "2027-01-06T13:00", "--until", "2027-01-06T17:00",
        "--reason", reason,
    )  # fmt: skip
    assert reason in ok("whois", "engagement", "--at", "2027-01-06T14:00")
    assert "[bold]x[/bold]" in ok("cover", "list")  # markup stays text, even wrapped
    markdown = ok("handoff", "--date", "2027-01-05")
    assert "\\[bold\\]x" in markdown and "\\| cell \\*em\\*" in markdown
    listed = ok("cover", "list", "-f", "md")
    assert listed.count("\n") == 3 and "\\| cell" in listed  # the reason stays in its cell
    team = parse(run("ical", "--weeks", "2").stdout_bytes).by_uid()
    assert reason in team["cover-1@data-engineering.oncall"].description


def test_a_broken_covers_file_does_not_hide_who_answers(published: Path) -> None:
    ok("cover", "add", "cai", "--from", "2027-01-06T13:00", "--until", "2027-01-06T17:00")
    assert answering("2027-01-06T14:00") == "cai"
    path = published / "schedules" / "data-engineering" / "covers.yaml"
    path.write_text(path.read_text().replace("+01:00", ""))  # offsets lost in an edit
    result = CliRunner().invoke(
        app, ["whois", "engagement", "--at", "2027-01-06T14:00", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["on_call"]["id"] == "cai"
    assert "covers.yaml: covers[0].start: needs a UTC offset" in result.stderr
    assert run("schedule").exit_code == 2  # everything else still refuses the broken file
