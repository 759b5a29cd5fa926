"""A small RFC 5545 writer: exact bytes under our control, so a feed is reproducible.

Why hand-written rather than ``icalendar``'s serializer: a subscription feed must be
byte-identical while nothing changes, across machines and library upgrades; the golden files of
the tests pin those bytes. Everything RFC 5545 asks of a writer is here and small: TEXT
escaping (3.3.11), parameter quoting (3.2), folding at 75 octets without splitting a UTF-8
character (3.1), CRLF line ends, UTC and zoned DATE-TIMEs (3.3.5), and a VTIMEZONE built from
the IANA database for the span of the feed (3.6.5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from oncall.frozen import frozen

CRLF = "\r\n"
#: RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break
MAX_LINE_OCTETS = 75

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PARAM_UNSAFE = re.compile(r"[:;,]")


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped.

    CR-LF and lone CR become one newline; other control characters (forbidden in TEXT) are
    dropped; HTAB is allowed and kept.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def param_value(value: str) -> str:
    """A parameter value (RFC 5545 3.2): quoted when it holds ``:;,``; DQUOTE cannot appear."""
    value = _CONTROL.sub("", value.replace("\n", " ").replace("\r", " ")).replace('"', "'")
    return f'"{value}"' if _PARAM_UNSAFE.search(value) else value


def fold(line: str) -> str:
    """Fold one content line at 75 octets (RFC 5545 3.1), CRLF-terminated.

    Continuation lines start with one space, which counts towards their 75 octets; a
    multi-octet UTF-8 character is never split across lines.
    """
    out: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, MAX_LINE_OCTETS
        current.append(char)
        size += width
    out.append("".join(current))
    return CRLF.join(out) + CRLF


def utc_stamp(moment: datetime) -> str:
    """A UTC DATE-TIME (``20270106T090000Z``), seconds precision."""
    if moment.tzinfo is None:
        raise ValueError("a UTC stamp needs an aware datetime")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(moment: datetime, zone: ZoneInfo) -> str:
    """The wall-clock DATE-TIME of ``moment`` in ``zone`` (used with a ``TZID`` parameter)."""
    return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")


@frozen
class Prop:
    """One property: name, parameters in order, and an already encoded value."""

    name: str
    value: str
    params: tuple[tuple[str, str], ...] = ()

    def line(self) -> str:
        params = "".join(f";{key}={param_value(value)}" for key, value in self.params)
        return fold(f"{self.name}{params}:{self.value}")


def text(name: str, value: str) -> Prop:
    """A TEXT property, escaped."""
    return Prop(name, escape_text(value))


def texts(name: str, values: Iterable[str]) -> Prop:
    """A multi-valued TEXT property (``CATEGORIES``), each value escaped, comma-separated."""
    return Prop(name, ",".join(escape_text(v) for v in values))


def zoned(name: str, moment: datetime, zone: ZoneInfo) -> Prop:
    """A DATE-TIME in ``zone``: ``DTSTART;TZID=Europe/Berlin:20270104T093000``."""
    return Prop(name, local_stamp(moment, zone), (("TZID", zone.key),))


def stamp(name: str, moment: datetime) -> Prop:
    """A UTC DATE-TIME property (``DTSTAMP``, ``LAST-MODIFIED``)."""
    return Prop(name, utc_stamp(moment))


@frozen
class Component:
    """``BEGIN:NAME``, its properties in order, its subcomponents, ``END:NAME``."""

    name: str
    props: Sequence[Prop] = ()
    children: Sequence[Component] = field(default_factory=tuple)

    def render(self) -> str:
        parts = [f"BEGIN:{self.name}{CRLF}"]
        parts += [prop.line() for prop in self.props]
        parts += [child.render() for child in self.children]
        parts.append(f"END:{self.name}{CRLF}")
        return "".join(parts)


# --- VTIMEZONE --------------------------------------------------------------------------------


@frozen
class Observance:
    """One onset of a UTC offset: from ``at`` (UTC) on, ``offset_to`` applies."""

    at: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool


def _state(zone: ZoneInfo, moment: datetime) -> tuple[timedelta, timedelta, str]:
    local = moment.astimezone(zone)
    return (local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or "")


def observances(zone: ZoneInfo, first: date, last: date) -> list[Observance]:
    """The offsets in force from 1 January of ``first``'s year to the end of ``last``'s year.

    The first item is the state at that 1 January (offset from = to); then one item per
    transition, found by a daily scan and a binary search to the second.
    """
    begin_local = datetime(first.year, 1, 1, tzinfo=zone)
    begin = begin_local.astimezone(UTC)
    end = datetime(last.year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    offset, dst, name = _state(zone, begin)
    found = [Observance(begin, offset, offset, name, bool(dst))]
    day = timedelta(days=1)
    cursor = begin
    while cursor < end:
        after = min(cursor + day, end)
        state = _state(zone, after)
        if state != (offset, dst, name):
            # state(low) is the old one, state(high) the new one; transitions fall on a second
            low, high = int(cursor.timestamp()), int(after.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _state(zone, datetime.fromtimestamp(middle, UTC)) == (offset, dst, name):
                    low = middle
                else:
                    high = middle
            onset = datetime.fromtimestamp(high, UTC)
            new_offset, new_dst, new_name = _state(zone, onset)
            found.append(Observance(onset, offset, new_offset, new_name, bool(new_dst)))
            offset, dst, name = new_offset, new_dst, new_name
        cursor = after
    return found


def _utc_offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def vtimezone(zone: ZoneInfo, first: date, last: date) -> Component:
    """A VTIMEZONE for ``zone`` valid for every instant of the years ``first``..``last``.

    Each observance's DTSTART is the local time before its onset (RFC 5545 3.6.5: read with
    TZOFFSETFROM), so a spring-forward at 02:00 reads ``T020000`` with the old offset.
    """
    children = []
    for item in observances(zone, first, last):
        wall = (item.at + item.offset_from).replace(tzinfo=None)
        children.append(
            Component(
                "DAYLIGHT" if item.daylight else "STANDARD",
                [
                    Prop("DTSTART", wall.strftime("%Y%m%dT%H%M%S")),
                    Prop("TZOFFSETFROM", _utc_offset(item.offset_from)),
                    Prop("TZOFFSETTO", _utc_offset(item.offset_to)),
                    text("TZNAME", item.name),
                ],
            )
        )
    return Component("VTIMEZONE", [Prop("TZID", zone.key)], children)
