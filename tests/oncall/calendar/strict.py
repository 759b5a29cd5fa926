"""Read a feed the way calendar clients do: two independent parsers plus the raw RFC checks.

``icalendar`` and the stricter ``ical`` package must both accept every feed; on top of them,
checks neither parser makes: CRLF line ends, lines of at most 75 octets, unfolding that gives
back valid UTF-8, DTSTAMP present and in UTC on every event, and a VTIMEZONE for every TZID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import icalendar
from ical.calendar_stream import IcsCalendarStream

_TZID = re.compile(r";TZID=([^;:]+)[;:]")


@dataclass(frozen=True)
class ParsedEvent:
    uid: str
    summary: str
    description: str
    start: datetime
    end: datetime
    sequence: int
    dtstamp: datetime
    status: str
    transp: str


@dataclass(frozen=True)
class ParsedFeed:
    calendar: icalendar.Calendar
    name: str  # NAME, unescaped
    events: list[ParsedEvent]
    lines: list[str]  # unfolded content lines

    def by_uid(self) -> dict[str, ParsedEvent]:
        return {e.uid: e for e in self.events}

    def prop(self, name: str) -> list[str]:
        """Raw values of a calendar-level (or any) property, unfolded."""
        return [
            line.split(":", 1)[1] for line in self.lines if line.split(":")[0].split(";")[0] == name
        ]


def unfold(body: bytes) -> list[str]:
    assert body.endswith(b"\r\n")
    physical = body[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, (len(line), line)
    logical: list[bytes] = []
    for line in physical:
        if line.startswith(b" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def parse(body: bytes) -> ParsedFeed:
    """Parse with both parsers, check the raw rules, and return the events (compared across
    both parsers)."""
    lines = unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"

    # a VTIMEZONE for every TZID used
    used = {m.group(1) for line in lines for m in [_TZID.search(line)] if m}
    defined = {line.split(":", 1)[1] for line in lines if line.startswith("TZID:")}
    assert used <= defined, (used, defined)

    # every event has exactly one UTC DTSTAMP, one UID, one SEQUENCE
    blocks = "\n".join(lines).split("BEGIN:VEVENT")[1:]
    for block in blocks:
        block = block.split("END:VEVENT")[0]
        stamps = re.findall(r"^DTSTAMP:(\d{8}T\d{6}Z)$", block, re.M)
        assert len(stamps) == 1, block
        assert len(re.findall(r"^UID:", block, re.M)) == 1
        assert len(re.findall(r"^SEQUENCE:\d+$", block, re.M)) == 1

    calendar = icalendar.Calendar.from_ical(body)
    strict = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    # icalendar leaves calendar-level TEXT escaped; the strict parser reads NAME properly
    assert len(strict.name) == 1
    assert strict.method == str(calendar["METHOD"])
    assert strict.x_wr_timezone == str(calendar["X-WR-TIMEZONE"])
    ours = calendar.walk("VEVENT")
    assert len(ours) == len(strict.events) == len(blocks)
    events = []
    for loose, tight in zip(ours, strict.events, strict=True):
        event = ParsedEvent(
            uid=str(loose["UID"]),
            summary=str(loose["SUMMARY"]),
            description=str(loose["DESCRIPTION"]),
            start=loose.decoded("DTSTART"),
            end=loose.decoded("DTEND"),
            sequence=int(loose["SEQUENCE"]),
            dtstamp=loose.decoded("DTSTAMP"),
            status=str(loose["STATUS"]),
            transp=str(loose["TRANSP"]),
        )
        # the second parser reads the same
        assert tight.uid == event.uid
        assert tight.summary == event.summary
        assert tight.description == event.description
        assert tight.dtstart == event.start and tight.dtend == event.end
        assert tight.sequence == event.sequence
        assert tight.dtstamp == event.dtstamp
        assert str(tight.status.value) == event.status
        assert str(tight.transparency) == event.transp
        events.append(event)
    return ParsedFeed(calendar, strict.name[0], events, lines)
