"""Working hours of a rotation: is someone there now, and when does the next window open?

A working window is a working day (``working_hours.days``) that is not a public holiday of the
rotation's own calendar, from ``working_hours.start`` to ``working_hours.end``, local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from oncall.config.models import WEEKDAYS, Rotation
from oncall.frozen import frozen
from oncall.rotation.holidays import HolidaySource

#: how far ahead to look for the next window (a long holiday season is a few weeks at most)
HORIZON_DAYS = 60


@frozen
class WorkingTime:
    """Whether ``at`` is inside a working window, why not, and when the next one starts."""

    at: datetime
    working: bool
    why_not: str | None
    next_start: datetime | None
    holiday: str | None = None


def _local(rotation: Rotation, day: date, clock_time: time) -> datetime:
    # normalise through UTC: a wall time inside a daylight-saving gap does not exist
    return (
        datetime.combine(day, clock_time, rotation.zone).astimezone(UTC).astimezone(rotation.zone)
    )


def _holiday(rotation: Rotation, day: date, holidays: HolidaySource) -> str | None:
    if rotation.holidays is None:
        return None
    return holidays.year(rotation.holidays, day.year).get(day)


def working_time(rotation: Rotation, at: datetime, holidays: HolidaySource) -> WorkingTime:
    """Classify ``at`` against the rotation's working hours, in the rotation's zone."""
    hours = rotation.working_hours
    local = at.astimezone(rotation.zone)
    today = local.date()
    holiday = _holiday(rotation, today, holidays)
    working_day = WEEKDAYS[today.weekday()] in hours.days and holiday is None
    start, end = _local(rotation, today, hours.start), _local(rotation, today, hours.end)
    if working_day and start <= local < end:
        return WorkingTime(at, True, None, None)
    if holiday is not None:
        why = f"a public holiday ({holiday})"
    elif WEEKDAYS[today.weekday()] not in hours.days:
        why = "the weekend" if today.weekday() >= 5 else "not a working day"
    else:
        why = "outside working hours"
    return WorkingTime(at, False, why, next_window_start(rotation, at, holidays), holiday)


def next_window_start(rotation: Rotation, at: datetime, holidays: HolidaySource) -> datetime | None:
    """The start of the first working window after ``at`` (None if none within 60 days)."""
    hours = rotation.working_hours
    local = at.astimezone(rotation.zone)
    for offset in range(HORIZON_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in hours.days or _holiday(rotation, day, holidays):
            continue
        start = _local(rotation, day, hours.start)
        if start > local:
            return start
    return None
