"""Plain data of the rotation engine: state files, week assignments, schedules and loads.

Everything here is a frozen dataclass importing only the standard library, so commands reading a
cached state start instantly. The state-file classes are ``@strict_keys`` so that
``oncall.rotation.store`` validates hand-edited YAML against them (unknown keys are errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import date, datetime
from typing import Any, NamedTuple

from oncall.config.models import Leave
from oncall.frozen import frozen, strict_keys

# --- state files: schedules/<rotation-id>/swaps.yaml and published.yaml ----------------------


@strict_keys
class SwapWeek:
    """One side of a swap: the week starting ``week`` goes from ``was`` to ``now``."""

    week: date
    was: str
    now: str


@strict_keys
class Swap:
    """An explicit trade of two weeks between two members (``oncall swap add``).

    Undone swaps stay in the file with ``undone`` set, so the record of changes to a week only
    grows (the calendar's SEQUENCE is derived from it).
    """

    id: int
    weeks: tuple[SwapWeek, ...]
    created: datetime | None = None
    note: str | None = None
    undone: datetime | None = None

    @property
    def active(self) -> bool:
        return self.undone is None

    @property
    def members(self) -> tuple[str, str]:
        """The two members trading, in the order of the weeks (first week's holder first)."""
        return (self.weeks[0].was, self.weeks[0].now)

    def side(self, week: date) -> SwapWeek | None:
        """The side of this swap concerning the week starting ``week``, if any."""
        return next((side for side in self.weeks if side.week == week), None)

    def describe(self) -> str:
        """``#3: 2027-02-01 alice -> bob, 2027-02-15 bob -> alice``."""
        sides = ", ".join(f"{s.week.isoformat()} {s.was} -> {s.now}" for s in self.weeks)
        return f"#{self.id}: {sides}"


@strict_keys
class PublishedWeek:
    """A week frozen by ``oncall publish``: the engine never changes it afterwards (nor its
    backup, when the rotation has one and it was published with it)."""

    week: date
    engineer: str | None
    reason: str | None = None
    published: datetime | None = None
    backup: str | None = None


@strict_keys
class PlannedWeek:
    """A week of the rotation's current plan: what the team last saw, kept unless a rule forces
    a change (``schedules/<rotation-id>/plan.yaml``, written by every command that changes the
    plan)."""

    week: date
    engineer: str | None
    reason: str | None = None
    #: the backup engineer (rotations with ``backup: true``), and why they differ from the
    #: backup's plain order
    backup: str | None = None
    backup_reason: str | None = None


@strict_keys
class Cover:
    """Someone answering instead of the person on call for any span of time (``oncall cover``).

    ``member`` answers from ``start`` (inclusive) to ``until`` (exclusive), instead of
    ``instead_of`` while that person holds a role (primary or backup), or, when ``instead_of``
    is None, instead of whoever is the primary engineer then. The weekly plan underneath never
    changes. Removed covers stay in the file stamped ``removed`` (calendars cancel their events).
    """

    id: int
    member: str
    start: datetime
    until: datetime
    instead_of: str | None = None
    reason: str | None = None
    created: datetime | None = None
    removed: datetime | None = None

    @property
    def active(self) -> bool:
        return self.removed is None

    def holds(self, instant: datetime) -> bool:
        """Whether ``instant`` falls inside the span (an active cover only)."""
        return self.active and self.start <= instant < self.until

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether the span meets ``[start, end)``."""
        return self.start < end and start < self.until

    @property
    def hours(self) -> float:
        """Real hours of the span (through UTC: right across daylight saving)."""
        from datetime import UTC

        return (self.until.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds() / 3600


@frozen
class RotationState:
    """What the CLI wrote for one rotation: published weeks (by Monday), swaps (by id), the
    current plan (by Monday) and covers (by id)."""

    published: Mapping[date, PublishedWeek] = field(default_factory=dict)
    swaps: tuple[Swap, ...] = ()
    plan: Mapping[date, PlannedWeek] = field(default_factory=dict)
    covers: tuple[Cover, ...] = ()

    @property
    def active_covers(self) -> tuple[Cover, ...]:
        return tuple(c for c in self.covers if c.active)

    @property
    def active_swaps(self) -> tuple[Swap, ...]:
        return tuple(s for s in self.swaps if s.active)


# --- engine output ----------------------------------------------------------------------------
# Small value types are NamedTuples: defining a dataclass costs about 0.4 ms at import, and
# every command that asks who is on call imports this module.


class Holiday(NamedTuple):
    """A public holiday of one calendar."""

    date: date
    name: str


@frozen
class WeekAssignment:
    """Who is on call in one week of a rotation, and why.

    ``start`` is the Monday; the shift runs from ``shift_start`` (Monday's hand-off, local time)
    to ``shift_end`` (the next Monday's hand-off), both aware datetimes in the rotation's zone.
    ``engineer`` is a member id, or None when nobody can take the week (``reason`` says why) or
    the week lies before the rotation's start (``index`` < 0). ``reason`` says why the week
    differs from the plain rotation order (``base_engineer``), and is None when it doesn't,
    unless there is a ``conflict`` to report.
    """

    index: int
    start: date
    shift_start: datetime
    shift_end: datetime
    engineer: str | None
    base_engineer: str | None
    reason: str | None = None
    #: public holidays falling on Monday..Sunday, per member id (each member's own calendar)
    holidays: Mapping[str, tuple[Holiday, ...]] = field(default_factory=dict)
    #: the rotation's default calendar (shown for a week nobody can take)
    rotation_holidays: tuple[Holiday, ...] = ()
    #: leave touching Monday..Sunday, per member id (only members with leave that week)
    leave: Mapping[str, tuple[Leave, ...]] = field(default_factory=dict)
    #: the published record of this week, if it was published
    published: PublishedWeek | None = None
    #: the active swap that decided this week, if any
    swap: Swap | None = None
    #: every swap record (active or undone) touching this week, in id order
    swap_history: tuple[Swap, ...] = ()
    #: a problem a person must settle (a published or swapped engineer on leave), or None
    conflict: str | None = None
    #: the backup engineer (rotations with ``backup: true``; None otherwise or when nobody can)
    backup: str | None = None
    backup_reason: str | None = None
    #: every cover record (active or removed) meeting the shift, in id order
    covers: tuple[Cover, ...] = ()

    @property
    def end(self) -> date:
        """The Sunday of the week."""
        from datetime import timedelta

        return self.start + timedelta(days=6)

    @property
    def engineer_holidays(self) -> tuple[Holiday, ...]:
        """The on-call engineer's public holidays this week (the schedule JSON's ``holidays``)."""
        if self.engineer is None:
            return self.rotation_holidays
        return self.holidays.get(self.engineer, self.rotation_holidays)

    @property
    def changed(self) -> bool:
        """Whether the week departs from the plain rotation order."""
        return self.engineer != self.base_engineer

    @property
    def warnings(self) -> list[str]:
        """A line if nobody can take the week, and one for its conflict to settle."""
        lines = []
        if self.engineer is None:
            lines.append(f"week {self.start.isoformat()}: nobody can take it ({self.reason})")
        if self.conflict:
            lines.append(f"week {self.start.isoformat()}: {self.conflict}")
        return lines

    @property
    def sequence(self) -> int:
        """A counter that only grows as recorded changes touch this week (RFC 5545 SEQUENCE).

        Each swap or cover touching the week counts once, and once more when it is undone or
        removed. Changes the engine makes on unpublished weeks (new leave) are not recorded and
        do not count.
        """
        swaps = sum(2 if s.undone is not None else 1 for s in self.swap_history)
        return swaps + sum(2 if c.removed is not None else 1 for c in self.covers)

    @property
    def active_covers(self) -> tuple[Cover, ...]:
        return tuple(c for c in self.covers if c.active)


class MemberLoad(NamedTuple):
    """What one member carries over some weeks."""

    weeks: int = 0
    holiday_days: int = 0


class Schedule(NamedTuple):
    """Consecutive weeks of one rotation, with the load per member over those weeks."""

    rotation_id: str
    timezone: str
    weeks: tuple[WeekAssignment, ...]
    members: tuple[str, ...]
    #: the plan years these weeks touch, achieved next to the proven optimum (when asked for:
    #: ``oncall.rotation.fairness.YearFairness``)
    years: tuple[Any, ...] = ()

    @property
    def load(self) -> dict[str, MemberLoad]:
        """Weeks and holiday days per member (every member, in rotation order)."""
        weeks = dict.fromkeys(self.members, 0)
        days = dict.fromkeys(self.members, 0)
        for week in self.weeks:
            if week.engineer is None:
                continue
            weeks[week.engineer] = weeks.get(week.engineer, 0) + 1
            days[week.engineer] = days.get(week.engineer, 0) + len(
                {h.date for h in week.engineer_holidays}
            )
        return {m: MemberLoad(weeks[m], days[m]) for m in weeks}

    @property
    def warnings(self) -> list[str]:
        """One line per week nobody can take and per conflict to settle."""
        return [line for week in self.weeks if week.index >= 0 for line in week.warnings]
