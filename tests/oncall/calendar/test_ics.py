"""The RFC 5545 writer: escaping, folding, date-times and VTIMEZONE, checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from oncall.calendar import ics


def test_text_escaping() -> None:
    assert ics.escape_text("a;b,c\\d") == "a\\;b\\,c\\\\d"
    assert ics.escape_text("one\ntwo\r\nthree\rfour") == "one\\ntwo\\nthree\\nfour"
    assert ics.escape_text("tab\tkept, bell\x07 dropped") == "tab\tkept\\, bell dropped"
    assert ics.escape_text('colon: and "quotes" stay') == 'colon: and "quotes" stay'


def test_parameter_values_are_quoted_when_needed() -> None:
    assert ics.param_value("Europe/Berlin") == "Europe/Berlin"
    assert ics.param_value("Adams, Alice") == '"Adams, Alice"'
    assert ics.param_value('say "hi"; ok') == "\"say 'hi'; ok\""


def test_folding_at_75_octets() -> None:
    line = "DESCRIPTION:" + "x" * 63  # exactly 75 octets: not folded
    assert ics.fold(line) == line + "\r\n"
    folded = ics.fold(line + "yz")
    assert folded == line + "\r\n yz\r\n"
    long = ics.fold("X:" + "a" * 200)
    physical = long.split("\r\n")[:-1]
    assert [len(p) for p in physical] == [75, 75, 54]  # 75 + 74 + 53 = 202 characters
    assert "".join(p.removeprefix(" ") for p in physical) == "X:" + "a" * 200


def test_folding_never_splits_a_utf8_character() -> None:
    line = "SUMMARY:" + "ü" * 40 + "🚀" * 20
    folded = ics.fold(line).encode("utf-8")
    physical = folded.split(b"\r\n")[:-1]
    assert all(len(p) <= 75 for p in physical)
    assert [p.decode("utf-8") for p in physical]  # each decodes alone
    assert b"".join(p[1:] if i else p for i, p in enumerate(physical)).decode() == line
    # 8 + 33 * 2 = 74 octets: the next two-octet character goes on the next line
    assert len(physical[0]) == 74


def test_date_times() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    moment = datetime(2027, 1, 6, 10, 0, 0, 123456, tzinfo=berlin)
    assert ics.utc_stamp(moment) == "20270106T090000Z"
    assert ics.local_stamp(moment.astimezone(UTC), berlin) == "20270106T100000"
    assert ics.zoned("DTSTART", moment, berlin).line() == (
        "DTSTART;TZID=Europe/Berlin:20270106T100000\r\n"
    )
    with pytest.raises(ValueError):
        ics.utc_stamp(datetime(2027, 1, 6))


def test_component_round_trips_through_icalendar() -> None:
    text = 'Alice; Bob, "Ops" \\ on call\nsecond line ' + "é" * 50
    event = ics.Component(
        "VEVENT",
        [
            ics.Prop("UID", "x@y"),
            ics.stamp("DTSTAMP", datetime(2027, 1, 6, 9, tzinfo=UTC)),
            ics.text("SUMMARY", text),
            ics.texts("CATEGORIES", ["On call", "a,b"]),
        ],
    )
    parsed = icalendar.Event.from_ical(event.render())
    assert str(parsed["SUMMARY"]) == text
    assert parsed["CATEGORIES"].cats == ["On call", "a,b"]


def _observances(zone: str, first: date, last: date) -> list[tuple[str, str, str, str, str]]:
    component = ics.vtimezone(ZoneInfo(zone), first, last)
    assert component.props[0] == ics.Prop("TZID", zone)
    return [
        (child.name, *(prop.value for prop in child.props))  # type: ignore[misc]
        for child in component.children
    ]


def test_vtimezone_of_berlin_2027() -> None:
    assert _observances("Europe/Berlin", date(2027, 1, 4), date(2027, 7, 5)) == [
        ("STANDARD", "20270101T000000", "+0100", "+0100", "CET"),
        # 28 Mar 2027, 01:00 UTC: clocks go from 02:00 CET to 03:00 CEST
        ("DAYLIGHT", "20270328T020000", "+0100", "+0200", "CEST"),
        # 31 Oct 2027, 01:00 UTC: clocks go from 03:00 CEST back to 02:00 CET
        ("STANDARD", "20271031T030000", "+0200", "+0100", "CET"),
    ]


def test_vtimezone_without_daylight_saving() -> None:
    assert _observances("Asia/Kolkata", date(2027, 1, 4), date(2028, 6, 1)) == [
        ("STANDARD", "20270101T000000", "+0530", "+0530", "IST"),
    ]


def test_vtimezone_of_the_southern_hemisphere() -> None:
    assert _observances("Australia/Sydney", date(2027, 3, 1), date(2027, 3, 1)) == [
        ("DAYLIGHT", "20270101T000000", "+1100", "+1100", "AEDT"),
        ("STANDARD", "20270404T030000", "+1100", "+1000", "AEST"),
        ("DAYLIGHT", "20271003T020000", "+1000", "+1100", "AEDT"),
    ]


def test_vtimezone_is_read_back_with_the_same_offsets() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    component = ics.vtimezone(zone, date(2027, 1, 1), date(2028, 12, 31))
    tz = icalendar.Timezone.from_ical(component.render()).to_tz()
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    while moment.year < 2029:  # every 5 hours of two years, both transitions of each
        assert moment.astimezone(tz).utcoffset() == moment.astimezone(zone).utcoffset(), moment
        moment += timedelta(hours=5)
