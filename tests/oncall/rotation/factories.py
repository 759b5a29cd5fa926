"""Small rotations built in code for the engine's tests (no workspace, no holidays package)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from oncall.config.models import HolidayCalendar, Leave, Member, Rotation, RotationSpec
from oncall.rotation.engine import Engine
from oncall.rotation.holidays import FixedHolidays
from oncall.rotation.model import PlannedWeek, PublishedWeek, RotationState, Swap

START = date(2027, 1, 4)  # a Monday


def monday(week: int) -> date:
    """The Monday of week ``week`` (0 = START)."""
    return START + timedelta(weeks=week)


def member(member_id: str, calendar: str | None = None, leave: Iterable[Leave] = ()) -> Member:
    return Member(
        id=member_id,
        name=member_id.upper(),
        email=f"{member_id}@example.com",
        phone="+00 1",
        holidays=HolidayCalendar(calendar) if calendar else None,
        leave=tuple(leave),
    )


def rotation(*members: Member, start: date = START, zone: str = "Europe/Berlin") -> Rotation:
    return Rotation(
        name="Test",
        timezone=zone,
        rotation=RotationSpec(start=start),
        members=tuple(members),
        id="test",
    )


def team(*ids: str, calendar: str | None = None, leave: dict[str, list[Leave]] | None = None):
    """A rotation of members ``ids`` sharing ``calendar``, with leave by member id."""
    leave = leave or {}
    return rotation(*(member(i, calendar, leave.get(i, ())) for i in ids))


def away(first: date, last: date | None = None, reason: str | None = None) -> Leave:
    return Leave(start=first, end=last or first, reason=reason)


def engine(
    rot: Rotation,
    holidays: dict[str, dict[date, str]] | None = None,
    published: Iterable[PublishedWeek] = (),
    swaps: Iterable[Swap] = (),
    plan: Mapping[date, PlannedWeek] | None = None,
    current: int | None = None,
    year_weeks: int | None = None,
) -> Engine:
    """An engine as the CLI builds one: ``plan`` is what the team last saw (an earlier
    engine's ``plan()``), ``current`` the week in progress."""
    state = RotationState(
        published={p.week: p for p in published}, swaps=tuple(swaps), plan=dict(plan or {})
    )
    extra = {"year_weeks": year_weeks} if year_weeks else {}
    return Engine(rot, state, FixedHolidays(holidays or {}), current, **extra)


def engineers(eng: Engine, weeks: int, first: int = 0) -> list[str | None]:
    return [w.engineer for w in eng.weeks(first, weeks)]
