"""How people read dates, spans, times and counts in every output: one wording, everywhere.

Month and weekday names are English abbreviations written here, not the C locale's, so output
never depends on the machine's locale.
"""

from __future__ import annotations

from datetime import date, datetime

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_span(first: date, last: date) -> str:
    """``1-5 Feb``, ``28 Jan - 3 Feb``, ``28 Dec 2027 - 3 Jan 2028``, ``1 Feb``."""
    if first == last:
        return f"{first.day} {MONTHS[first.month - 1]}"
    if first.year != last.year:
        return (
            f"{first.day} {MONTHS[first.month - 1]} {first.year} - "
            f"{last.day} {MONTHS[last.month - 1]} {last.year}"
        )
    if first.month == last.month:
        return f"{first.day}-{last.day} {MONTHS[first.month - 1]}"
    return f"{first.day} {MONTHS[first.month - 1]} - {last.day} {MONTHS[last.month - 1]}"


def day_text(day: date) -> str:
    """``Mon 4 Jan 2027``."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def counted(count: int, unit: str) -> str:
    """``1 month``, ``3 months``: ``unit`` is a plural ending in s (``CHECK_UNITS``)."""
    return f"{count:,} {unit[:-1] if count == 1 and unit.endswith('s') else unit}"


def when(at: datetime, zone_name: str | None = None) -> str:
    """``Wed 6 Jan 2027 10:00 CET`` in the given zone (the datetime's own zone if None)."""
    if zone_name:
        from zoneinfo import ZoneInfo

        at = at.astimezone(ZoneInfo(zone_name))
    return f"{at:%a} {at.day} {at:%b %Y %H:%M} {at.tzname()}"


def short_when(at: datetime, zone_name: str | None = None) -> str:
    """``Mon 11 Jan 09:30 CET`` (no year) in the given zone."""
    if zone_name:
        from zoneinfo import ZoneInfo

        at = at.astimezone(ZoneInfo(zone_name))
    return f"{at:%a} {at.day} {at:%b %H:%M} {at.tzname()}"
