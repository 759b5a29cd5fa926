"""When the recurring SLA deadlines of the runbooks fall."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from oncall.config.models import WEEKDAYS, Deadline
from oncall.frozen import frozen


@frozen
class Due:
    """One occurrence of a deadline."""

    name: str
    at: datetime
    owner: str | None


def _matches(deadline: Deadline, day: date) -> bool:
    if deadline.every == "week":
        return deadline.weekday == WEEKDAYS[day.weekday()]
    wanted = deadline.day or -1
    if wanted < 0:
        wanted = calendar.monthrange(day.year, day.month)[1] + wanted + 1
    return day.day == wanted


def occurrences(deadline: Deadline, default_zone: str, start: datetime, end: datetime) -> list[Due]:
    """The deadline's occurrences in ``[start, end)``, in its own zone (else ``default_zone``)."""
    zone = ZoneInfo(deadline.timezone or default_zone)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found = []
    day = first
    while day <= last:
        if _matches(deadline, day):
            at = datetime.combine(day, deadline.at, zone)
            if start <= at < end:
                found.append(Due(deadline.name, at, deadline.owner))
        day += timedelta(days=1)
    return found


def in_last_week_of_month(day: date) -> bool:
    """Whether ``day`` is one of the last seven days of its month (month-end watch)."""
    return day.day > calendar.monthrange(day.year, day.month)[1] - 7
