"""How people read times and counts in every output: one wording, everywhere."""

from __future__ import annotations

from datetime import datetime


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
