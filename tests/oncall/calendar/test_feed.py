"""The feed as calendar clients see it: read back by two parsers, and what happens on changes."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from oncall.calendar import ledger
from oncall.calendar.feed import build_feed
from oncall.config.workspace import Workspace
from oncall.errors import ConfigError, UsageError
from oncall.rotation import changes

from .strict import parse

GOLDEN = Path(__file__).parent / "golden"
BERLIN = ZoneInfo("Europe/Berlin")
ROTATION = "data-engineering"


def feed(
    root: Path, member: str | None = None, start: date | None = None, weeks: int = 26
) -> bytes:
    return build_feed(Workspace(root), ROTATION, member, start, weeks).body


def week_uid(day: str, member: str | None = None) -> str:
    scope = f".{member}-feed" if member else ""
    return f"week-{day}{scope}@{ROTATION}.oncall"


def handoff_uid(day: str, member: str | None = None) -> str:
    scope = f".{member}-feed" if member else ""
    return f"handoff-{day}{scope}@{ROTATION}.oncall"


def later(monkeypatch: pytest.MonkeyPatch, when: str) -> datetime:
    monkeypatch.setenv("ONCALL_NOW", when)
    return datetime.fromisoformat(when).astimezone(UTC)


def check_golden(name: str, body: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("ONCALL_UPDATE_GOLDEN"):
        path.write_bytes(body)
    assert body == path.read_bytes(), f"{name} differs (ONCALL_UPDATE_GOLDEN=1 to regenerate)"


# --- golden files, under the fixed clock (2027-01-06T10:00+01:00) -------------------------------


def test_rotation_feed_matches_the_golden_file(workspace: Path) -> None:
    body = feed(workspace, start=date(2027, 2, 1), weeks=6)
    parse(body)
    check_golden("data-engineering.ics", body)


def test_member_feed_matches_the_golden_file(workspace: Path) -> None:
    body = feed(workspace, "alice", start=date(2027, 2, 1), weeks=6)
    parse(body)
    check_golden("data-engineering-alice.ics", body)


# --- what the feed holds ---------------------------------------------------------------------


def test_calendar_properties_for_subscriptions(workspace: Path) -> None:
    parsed = parse(feed(workspace))
    assert parsed.prop("VERSION") == ["2.0"]
    assert parsed.prop("METHOD") == ["PUBLISH"]
    assert parsed.prop("CALSCALE") == ["GREGORIAN"]
    assert parsed.prop("NAME") == ["On call: Data Engineering Team"]
    assert parsed.prop("X-WR-CALNAME") == ["On call: Data Engineering Team"]
    assert parsed.prop("X-WR-TIMEZONE") == ["Europe/Berlin"]
    assert parsed.prop("REFRESH-INTERVAL") == ["PT1H"]
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in parsed.lines
    assert parsed.prop("X-PUBLISHED-TTL") == ["PT1H"]
    assert parsed.name == "On call: Data Engineering Team"


def test_one_week_event_from_handoff_to_handoff_and_one_meeting_each_monday(
    workspace: Path,
) -> None:
    # under the fixed clock this week is the rotation's first: no past weeks before it
    parsed = parse(feed(workspace))
    weeks = [e for e in parsed.events if e.uid.startswith("week-")]
    meetings = [e for e in parsed.events if e.uid.startswith("handoff-")]
    assert len(weeks) == len(meetings) == 26
    first = parsed.by_uid()[week_uid("2027-01-04")]
    assert first.summary == "On call: Alice Adams"
    assert first.start == datetime(2027, 1, 4, 9, 30, tzinfo=BERLIN)
    assert first.end == datetime(2027, 1, 11, 9, 30, tzinfo=BERLIN)
    assert str(first.start.tzinfo) == "Europe/Berlin"
    assert first.transp == "TRANSPARENT" and first.status == "CONFIRMED"
    # in summer the hand-off stays at 09:30 local time (CEST)
    summer = parsed.by_uid()[week_uid("2027-06-28")]
    assert summer.start.utcoffset() == timedelta(hours=2)
    assert summer.start.astimezone(UTC) == datetime(2027, 6, 28, 7, 30, tzinfo=UTC)
    # consecutive weeks touch: each ends where the next begins
    for one, two in itertools.pairwise(weeks):
        assert one.end == two.start
    meeting = parsed.by_uid()[handoff_uid("2027-01-11")]
    assert meeting.summary == "On-call hand-off: Alice Adams -> Bob Brown"
    assert meeting.end - meeting.start == timedelta(minutes=30)
    assert meeting.start == datetime(2027, 1, 11, 9, 30, tzinfo=BERLIN)
    assert meeting.transp == "OPAQUE"
    assert "Outgoing: Alice Adams (alice), alice@example.com" in meeting.description
    assert "Incoming: Bob Brown (bob), bob@example.com" in meeting.description
    assert "Agenda\n1. Open incidents" in meeting.description
    assert "oncall handoff --rotation data-engineering --date 2027-01-11" in meeting.description
    opening = parsed.by_uid()[handoff_uid("2027-01-04")]
    assert opening.summary == "On-call hand-off: (rotation starts) -> Alice Adams"


def test_handoff_outline_lists_the_weeks_leave_holidays_and_deadlines(workspace: Path) -> None:
    parsed = parse(feed(workspace))
    description = parsed.by_uid()[handoff_uid("2027-02-01")].description
    assert "   - leave:\n     - alice 1-5 Feb (ski trip)\n3. SLA deadlines" in description
    # growth (on this rotation) has a weekly Friday deadline; profit's belongs to profit-bi
    assert "Fri 5 Feb 2027 17:00 Europe/Berlin: Latest account statuses due (growth)" in (
        description
    )
    assert "Ops cost data" not in description
    epiphany = parsed.by_uid()[handoff_uid("2027-01-04")].description
    assert "   - public holidays:\n     - 6 Jan Epiphany (alice)\n   - leave: none" in epiphany


def test_past_weeks_are_kept(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    later(monkeypatch, "2027-03-10T12:00:00+01:00")
    parsed = parse(feed(workspace, weeks=4))
    starts = sorted(e.start.date() for e in parsed.events if e.uid.startswith("week-"))
    assert starts[0] == date(2027, 2, 8)  # four weeks before the week of 10 March
    assert starts[-1] == date(2027, 3, 29)  # and this week plus three
    assert len(starts) == 8


def test_every_tzid_has_its_vtimezone_with_the_right_offsets(workspace: Path) -> None:
    for rotation, zone in (("data-engineering", "Europe/Berlin"), ("profit-bi", "Europe/London")):
        body = build_feed(Workspace(workspace), rotation, weeks=52).body
        parsed = parse(body)
        (timezone,) = parsed.calendar.walk("VTIMEZONE")
        assert str(timezone["TZID"]) == zone
        tz = timezone.to_tz()
        reference = ZoneInfo(zone)
        for moment in (
            datetime(2027, 1, 15, 12, tzinfo=UTC),
            datetime(2027, 3, 28, 0, 59, tzinfo=UTC),
            datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
            datetime(2027, 7, 1, 12, tzinfo=UTC),
            datetime(2027, 10, 31, 0, 59, tzinfo=UTC),
            datetime(2027, 10, 31, 1, 0, tzinfo=UTC),
            datetime(2027, 12, 24, 12, tzinfo=UTC),
        ):
            assert moment.astimezone(tz).utcoffset() == moment.astimezone(reference).utcoffset()


def test_uids_come_from_rotation_and_week_only(workspace: Path) -> None:
    parsed = parse(feed(workspace, weeks=8))
    uids = [e.uid for e in parsed.events]
    assert len(set(uids)) == len(uids)
    for event in parsed.events:
        monday = event.start.date().isoformat()
        assert event.uid in (week_uid(monday), handoff_uid(monday))
        assert all(name not in event.uid for name in ("alice", "bob", "chloe", "dev"))


def test_text_is_escaped_and_folded(workspace: Path) -> None:
    path = workspace / "schedules" / f"{ROTATION}.yaml"
    text = path.read_text(encoding="utf-8")
    tricky = 'Daten; Technik, "Ops" \\ Rufbereitschaft für Größe 🚀 — ünïcødé ' * 2
    path.write_text(
        text.replace("name: Data Engineering Team", f"name: '{tricky.strip()}'"), "utf-8"
    )
    body = feed(workspace, weeks=2)
    parsed = parse(body)  # lines of at most 75 octets, both parsers agree
    assert parsed.name == f"On call: {tricky.strip()}"
    assert any(
        line.startswith("X-WR-CALNAME:On call: Daten\\; Technik\\, ") for line in parsed.lines
    )
    description = parsed.by_uid()[week_uid("2027-01-04")].description
    assert f"is on call for {tricky.strip()}.\nShift:" in description
    # a folded line never splits a UTF-8 character: every physical line decodes on its own
    for physical in body.split(b"\r\n"):
        physical.decode("utf-8")


# --- member feeds ----------------------------------------------------------------------------


def test_member_feed_holds_their_weeks_and_the_handoffs_they_attend(workspace: Path) -> None:
    everyone = parse(feed(workspace, weeks=12)).events
    parsed = parse(feed(workspace, "alice", weeks=12))
    alice_weeks = sorted(
        e.start.date() for e in everyone if e.uid.startswith("week-") and "Alice" in e.summary
    )
    assert alice_weeks == [date(2027, 1, 4), date(2027, 2, 8), date(2027, 3, 1)]
    weeks = [e for e in parsed.events if e.uid.startswith("week-")]
    assert [e.start.date() for e in weeks] == alice_weeks
    assert all(e.summary == "On call: Data Engineering Team" for e in weeks)
    meetings = sorted(e.start.date() for e in parsed.events if e.uid.startswith("handoff-"))
    # incoming on 4 Jan, 8 Feb, 1 Mar; outgoing the Monday after each
    assert meetings == [
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 2, 8),
        date(2027, 2, 15),
        date(2027, 3, 1),
        date(2027, 3, 8),
    ]
    assert parsed.prop("X-WR-CALNAME") == ["On call: Alice Adams (Data Engineering Team)"]
    assert all(".alice-feed@" in e.uid for e in parsed.events)


def test_unknown_member_is_a_usage_error(workspace: Path) -> None:
    with pytest.raises(UsageError, match="unknown member 'zed'"):
        build_feed(Workspace(workspace), ROTATION, "zed")


# --- stability and change --------------------------------------------------------------------


def test_unchanged_schedule_gives_byte_identical_feeds_on_other_days(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = feed(workspace)
    fixed = feed(workspace, start=date(2027, 2, 1), weeks=10)
    later(monkeypatch, "2027-01-09T23:59:00+01:00")  # same week, days later
    assert feed(workspace) == first
    later(monkeypatch, "2027-01-29T08:00:00+01:00")  # weeks later, same explicit window
    assert feed(workspace, start=date(2027, 2, 1), weeks=10) == fixed
    # DTSTAMP is when the content was first seen, not "now"
    stamps = {e.dtstamp for e in parse(fixed).events}
    assert stamps == {datetime(2027, 1, 6, 9, 0, tzinfo=UTC)}


def test_a_swap_keeps_uids_and_raises_sequence(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = parse(feed(workspace, weeks=8)).by_uid()
    assert before[week_uid("2027-01-18")].summary == "On call: Chloe Clarke"
    when = later(monkeypatch, "2027-01-07T12:00:00+01:00")
    changes.add_swap(Workspace(workspace), ROTATION, date(2027, 1, 18), date(2027, 1, 25))
    after = parse(feed(workspace, weeks=8)).by_uid()
    assert after.keys() == before.keys()
    swapped = {week_uid("2027-01-18"), week_uid("2027-01-25")}
    # the meetings around the two weeks name new people too
    touched = swapped | {handoff_uid(d) for d in ("2027-01-18", "2027-01-25", "2027-02-01")}
    assert after[week_uid("2027-01-18")].summary == "On call: Dev Patel"
    assert after[week_uid("2027-01-25")].summary == "On call: Chloe Clarke"
    for uid, event in after.items():
        if uid in touched:
            assert event.sequence == before[uid].sequence + 1, uid
            assert event.dtstamp == when.replace(microsecond=0), uid
        else:
            assert event.sequence == before[uid].sequence, uid
            assert event.dtstamp == before[uid].dtstamp, uid

    # undoing it (A -> B -> A) raises the sequence once more: clients must take it back
    swap_id = last_swap_id(workspace)
    later(monkeypatch, "2027-01-08T12:00:00+01:00")
    changes.undo_swap(Workspace(workspace), ROTATION, swap_id)
    back = parse(feed(workspace, weeks=8)).by_uid()
    assert back[week_uid("2027-01-18")].summary == "On call: Chloe Clarke"
    for uid in touched:
        assert back[uid].sequence == before[uid].sequence + 2, uid


def last_swap_id(workspace: Path) -> int:
    from oncall.rotation import api

    return api.swaps(Workspace(workspace), ROTATION)[-1].id


def test_a_swap_cancels_the_week_in_the_old_engineers_feed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chloe_before = parse(feed(workspace, "chloe", weeks=8)).by_uid()
    dev_before = parse(feed(workspace, "dev", weeks=8)).by_uid()
    assert chloe_before[week_uid("2027-01-18", "chloe")].status == "CONFIRMED"
    later(monkeypatch, "2027-01-07T12:00:00+01:00")
    changes.add_swap(Workspace(workspace), ROTATION, date(2027, 1, 18), date(2027, 1, 25))
    chloe = parse(feed(workspace, "chloe", weeks=8)).by_uid()
    dev = parse(feed(workspace, "dev", weeks=8)).by_uid()
    gone = chloe[week_uid("2027-01-18", "chloe")]
    assert gone.status == "CANCELLED"
    assert gone.summary == "Cancelled: on call for Data Engineering Team (now Dev Patel)"
    assert gone.sequence == chloe_before[week_uid("2027-01-18", "chloe")].sequence + 1
    assert chloe[week_uid("2027-01-25", "chloe")].status == "CONFIRMED"
    assert dev[week_uid("2027-01-18", "dev")].status == "CONFIRMED"
    assert dev[week_uid("2027-01-25", "dev")].status == "CANCELLED"
    assert dev[week_uid("2027-01-25", "dev")].sequence == 1
    assert week_uid("2027-01-18", "dev") not in dev_before


def test_leave_moving_unpublished_weeks_raises_their_sequence(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = parse(feed(workspace, weeks=12)).by_uid()
    later(monkeypatch, "2027-01-07T12:00:00+01:00")
    # bob has the week of 8 March; his leave makes the engine move weeks on its own (no swap)
    assert before[week_uid("2027-03-08")].summary == "On call: Bob Brown"
    changes.add_leave(Workspace(workspace), ROTATION, "bob", date(2027, 3, 8), date(2027, 3, 12))
    after = parse(feed(workspace, weeks=12)).by_uid()
    moved = [
        uid
        for uid in after
        if uid.startswith("week-") and after[uid].summary != before[uid].summary
    ]
    assert week_uid("2027-03-08") in moved
    for uid in moved:
        assert after[uid].sequence == before[uid].sequence + 1, uid
    assert "Bob" not in after[week_uid("2027-03-08")].summary


def test_an_uncovered_week_stays_in_the_feed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = parse(feed(workspace, weeks=12)).by_uid()
    later(monkeypatch, "2027-01-07T12:00:00+01:00")
    for member in ("alice", "bob", "chloe", "dev"):
        changes.add_leave(Workspace(workspace), ROTATION, member, date(2027, 3, 3))
    built = build_feed(Workspace(workspace), ROTATION, weeks=12)
    after = parse(built.body).by_uid()
    week = after[week_uid("2027-03-01")]
    assert week.summary == "UNCOVERED: nobody can take this week"
    assert week.status == "TENTATIVE"
    assert week.sequence == before[week_uid("2027-03-01")].sequence + 1
    assert any(w.startswith("week 2027-03-01: nobody can take it") for w in built.warnings)
    meeting = after[handoff_uid("2027-03-01")]
    assert meeting.summary.endswith("-> UNCOVERED")
    # alice had that week: her feed keeps it, cancelled
    alice = parse(feed(workspace, "alice", weeks=12)).by_uid()
    assert alice[week_uid("2027-03-01", "alice")].status == "CANCELLED"
    assert "now UNCOVERED" in alice[week_uid("2027-03-01", "alice")].summary


def test_weeks_dropped_by_a_later_rotation_start_are_cancelled(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = parse(feed(workspace, weeks=8)).by_uid()
    path = workspace / "schedules" / f"{ROTATION}.yaml"
    path.write_text(
        path.read_text("utf-8").replace("start: 2027-01-04", "start: 2027-01-18"), "utf-8"
    )
    later(monkeypatch, "2027-01-07T12:00:00+01:00")
    after = parse(feed(workspace, weeks=8)).by_uid()
    for day in ("2027-01-04", "2027-01-11"):
        for uid in (week_uid(day), handoff_uid(day)):
            assert after[uid].status == "CANCELLED", uid
            assert after[uid].sequence == before[uid].sequence + 1
    assert after[week_uid("2027-01-18")].summary == "On call: Alice Adams"


# --- the ledger ------------------------------------------------------------------------------


def test_the_ledger_is_written_only_when_something_changes(workspace: Path) -> None:
    path = ledger.ledger_path(Workspace(workspace), ROTATION)
    feed(workspace, weeks=4)
    first = path.stat()
    text = path.read_text("utf-8")
    assert text.startswith("# Written by `oncall ical`")
    assert (
        '- {week: 2027-01-11, event: handoff, outgoing: "alice", incoming: "bob", sequence: 0, '
        'changed: "2027-01-06T09:00:00Z", people: ["alice", "bob"], digest: "'
    ) in text
    feed(workspace, weeks=4)
    feed(workspace, "bob", weeks=4)
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == (first.st_mtime_ns, first.st_ino)


def test_a_read_only_workspace_still_gives_a_stable_feed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path, text: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(ledger, "atomic_write_text", refuse)
    one = build_feed(Workspace(workspace), ROTATION, weeks=4)
    later(monkeypatch, "2027-01-08T12:00:00+01:00")
    two = build_feed(Workspace(workspace), ROTATION, weeks=4)
    assert one.body == two.body
    assert any("cannot record calendar changes (Permission denied)" in w for w in one.warnings)
    assert not ledger.ledger_path(Workspace(workspace), ROTATION).exists()
    parse(one.body)


def test_a_state_folder_that_cannot_hold_the_ledger_is_not_fatal(workspace: Path) -> None:
    (workspace / "schedules" / ROTATION).write_text("not a folder\n")
    built = build_feed(Workspace(workspace), ROTATION, weeks=2)
    parse(built.body)
    assert any("cannot record calendar changes" in w for w in built.warnings)


def test_a_broken_ledger_is_reported_by_file_and_field(workspace: Path) -> None:
    feed(workspace, weeks=2)
    path = ledger.ledger_path(Workspace(workspace), ROTATION)
    path.write_text(path.read_text("utf-8").replace("sequence: 0", "sequence: -3", 1), "utf-8")
    with pytest.raises(ConfigError) as caught:
        feed(workspace, weeks=2)
    assert caught.value.lines == [
        "schedules/data-engineering/calendar.yaml: events[0].sequence: "
        "must be a whole number, 0 or more"
    ]
    assert ledger.validate_ledger(Workspace(workspace), ROTATION) == caught.value.problems


def test_merged_ledger_lines_keep_the_higher_sequence(workspace: Path) -> None:
    feed(workspace, weeks=1)
    path = ledger.ledger_path(Workspace(workspace), ROTATION)
    lines = path.read_text("utf-8").splitlines()
    oncall = next(line for line in lines if "event: oncall" in line)
    bumped = oncall.replace("sequence: 0", "sequence: 5")
    path.write_text("\n".join([*lines, bumped]) + "\n", "utf-8")
    events = parse(feed(workspace, weeks=1)).by_uid()
    assert events[week_uid("2027-01-04")].sequence == 5


def test_sequence_never_goes_below_the_engines_count_of_swaps(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # swaps made before anyone exported a calendar still count (no ledger yet)
    changes.add_swap(Workspace(workspace), ROTATION, date(2027, 1, 18), date(2027, 1, 25))
    events = parse(feed(workspace, weeks=4)).by_uid()
    assert events[week_uid("2027-01-18")].sequence == 1
    assert events[week_uid("2027-01-11")].sequence == 0
