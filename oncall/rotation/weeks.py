"""Week arithmetic of a rotation: Mondays, week numbers and hand-off instants, in local time.

Week 0 starts on ``rotation.start`` (a Monday). A week's shift runs from its Monday's hand-off
(``rotation.handoff``, local time in the rotation's zone) to the next Monday's hand-off, so an
instant on a Monday before the hand-off still belongs to the week before. Instants are compared
in UTC, which keeps this right across daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from oncall.config.models import Rotation

WEEK = timedelta(days=7)


def monday_of(day: date) -> date:
    """The Monday of the Monday..Sunday week containing ``day``."""
    return day - timedelta(days=day.weekday())


def week_index(rotation: Rotation, day: date) -> int:
    """The number of the week containing ``day`` (0 = the rotation's first week; negative
    before it)."""
    return (monday_of(day) - rotation.rotation.start).days // 7


def week_start(rotation: Rotation, index: int) -> date:
    """The Monday of week ``index``."""
    return rotation.rotation.start + index * WEEK


def handoff_at(rotation: Rotation, monday: date) -> datetime:
    """The hand-off instant of the week starting ``monday`` (aware, in the rotation's zone)."""
    local = datetime.combine(monday, rotation.rotation.handoff, tzinfo=rotation.zone)
    # A hand-off inside a daylight-saving gap does not exist: normalise through UTC.
    return local.astimezone(UTC).astimezone(rotation.zone)


def shift_bounds(rotation: Rotation, monday: date) -> tuple[datetime, datetime]:
    """Start and end of the shift of the week starting ``monday``."""
    return handoff_at(rotation, monday), handoff_at(rotation, monday + WEEK)


def index_at(rotation: Rotation, instant: datetime) -> int:
    """The number of the week whose shift contains ``instant`` (an aware datetime)."""
    if instant.tzinfo is None:
        raise ValueError("instant must be an aware datetime")
    local_day = instant.astimezone(rotation.zone).date()
    monday = monday_of(local_day)
    if instant.astimezone(UTC) < handoff_at(rotation, monday).astimezone(UTC):
        monday -= WEEK
    return (monday - rotation.rotation.start).days // 7
