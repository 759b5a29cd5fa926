"""Who actually answers at an instant: the weekly plan, then covers, then leave.

The engine plans whole weeks. Reality departs from the plan by the hour: a cover
(``oncall cover add``) makes someone answer for a span of time instead of the person on call,
and a leave day (sick since this morning, in a published week) means the planned person must
not be paged. For one instant:

1. the *planned* primary and backup are the week's (``Engine.week``: published weeks, swaps and
   the plan as the engine settled them);
2. an active cover holding the instant replaces the role it covers: a cover naming
   ``instead_of`` replaces that person in whichever role they hold then (primary or backup); a
   cover without it replaces the primary, whoever that is. The latest cover wins, and a cover
   whose own member is on leave then does not count (nobody on leave is ever named);
3. whoever is still named and is on leave then (the local date of the instant falls on a leave
   day, in the member's zone) does not answer: the role is *uncovered*.

Pure over an engine (no files, no clock). Spans are half-open: ``[start, until)``. Value types are
NamedTuples: they cost nothing at import, and every ``whois`` imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

from oncall.config.models import Leave, Rotation
from oncall.rotation.model import Cover, WeekAssignment
from oncall.rotation.weeks import index_at

if TYPE_CHECKING:
    from oncall.rotation.engine import Engine

#: how far ``next_change`` looks ahead for the next person to answer
LOOKAHEAD = timedelta(days=63)


def member_zone(rotation: Rotation, member_id: str | None):  # type: ignore[no-untyped-def]
    """The zone a member's days are counted in: their own if set, else the rotation's."""
    member = rotation.member(member_id) if member_id else None
    if member is not None and member.timezone:
        from zoneinfo import ZoneInfo

        return ZoneInfo(member.timezone)
    return rotation.zone


def leave_at(rotation: Rotation, member_id: str | None, instant: datetime) -> Leave | None:
    """The leave of ``member_id`` whose days include ``instant`` (local date), or None."""
    member = rotation.member(member_id) if member_id else None
    if member is None or not member.leave:
        return None
    day = instant.astimezone(member_zone(rotation, member_id)).date()
    return next((x for x in member.leave if x.start <= day <= x.end), None)


class Duty(NamedTuple):
    """Who answers at one instant, and why."""

    at: datetime
    week: WeekAssignment
    #: the week's planned primary (after published weeks and swaps)
    planned: str | None
    #: whoever actually answers first (None: uncovered, or nobody planned)
    on_call: str | None
    #: the cover in force for the primary role, if any
    cover: Cover | None
    #: the planned primary's leave holding the instant (why it is uncovered, or covered)
    planned_leave: Leave | None
    #: the week's planned backup (rotations with ``backup: true``)
    planned_backup: str | None
    #: whoever actually answers as backup (None: no backup, uncovered or on leave)
    backup: str | None
    backup_cover: Cover | None
    backup_leave: Leave | None

    @property
    def uncovered(self) -> bool:
        """Somebody was planned, but nobody answers: they are on leave and nobody covers."""
        return self.planned is not None and self.on_call is None


def _answering(
    rotation: Rotation,
    covers: Iterable[Cover],
    instant: datetime,
    planned: str | None,
    primary: bool,
) -> tuple[str | None, Cover | None, Leave | None]:
    """Who answers at ``instant`` for the ``planned`` engineer (primary or backup), the cover
    that makes them answer, and ``planned``'s leave then. The latest cover holding then, by a
    member not on leave, for ``planned`` (a cover naming nobody stands in for the primary);
    without one, ``planned`` unless on leave (then nobody)."""
    found = None
    for cover in covers:
        if not cover.holds(instant) or leave_at(rotation, cover.member, instant) is not None:
            continue
        if cover.instead_of is None and not primary:
            continue
        if cover.instead_of is not None and cover.instead_of != planned:
            continue
        if found is None or cover.id > found.id:
            found = cover
    leave = leave_at(rotation, planned, instant)
    if found is not None:
        return found.member, found, leave
    return (planned if leave is None else None), None, leave


def duty_at(engine: Engine, instant: datetime) -> Duty:
    """Who answers at ``instant`` in ``engine``'s rotation (covers from its state)."""
    rotation = engine.rotation
    week = engine.week(index_at(rotation, instant))
    covers = engine.state.active_covers
    planned, planned_backup = week.engineer, week.backup
    on_call, cover, planned_leave = _answering(rotation, covers, instant, planned, primary=True)
    backup, backup_cover, backup_leave = _answering(
        rotation, covers, instant, planned_backup, primary=False
    )
    if backup is not None and backup == on_call:
        backup = None  # covering the primary, the backup cannot also be their own second step
    return Duty(
        instant,
        week,
        planned,
        on_call,
        cover,
        planned_leave,
        planned_backup,
        backup,
        backup_cover,
        backup_leave,
    )


def uncovered_parts(
    rotation: Rotation,
    covers: Iterable[Cover],
    member_id: str,
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, datetime]]:
    """The parts of ``[start, end)`` in which ``member_id``, named on call and on leave, has
    nobody covering (active covers for them or for the primary, by someone not on leave)."""
    leave = rotation.member(member_id)
    parts: list[tuple[datetime, datetime]] = []
    if leave is None:
        return parts
    for item in leave.leave:
        first, last = _midnights(rotation, member_id, item.start, item.end)
        first, last = max(first, start), min(last, end)
        if first < last:
            parts.append((first, last))
    for cover in covers:
        if not cover.active or cover.instead_of not in (None, member_id):
            continue
        if leave_in(rotation, cover.member, cover.start, cover.until) is not None:
            continue
        remaining = []
        for first, last in parts:
            if cover.until <= first or last <= cover.start:
                remaining.append((first, last))
                continue
            if first < cover.start:
                remaining.append((first, cover.start))
            if cover.until < last:
                remaining.append((cover.until, last))
        parts = remaining
    return parts


def _midnights(
    rotation: Rotation, member_id: str | None, first: date, last: date
) -> list[datetime]:
    zone = member_zone(rotation, member_id)
    return [
        datetime.combine(day, datetime.min.time(), tzinfo=zone)
        for day in (first, last + timedelta(days=1))
    ]


def boundaries(engine: Engine, start: datetime, end: datetime) -> list[datetime]:
    """Every instant in ``(start, end)`` where who answers may change: hand-offs, cover edges
    and the local midnights where leave begins or ends."""
    rotation = engine.rotation
    found: set[datetime] = set()
    index = index_at(rotation, start)
    while True:
        shift_end = engine.week(index).shift_end
        if shift_end >= end:
            break
        found.add(shift_end)
        index += 1
    for cover in engine.state.active_covers:
        found.update((cover.start, cover.until))
    for member in rotation.members:
        for leave in member.leave:
            found.update(_midnights(rotation, member.id, leave.start, leave.end))
    return sorted(t for t in found if start < t < end)


class Segment(NamedTuple):
    """A span where the same people answer."""

    start: datetime
    until: datetime
    duty: Duty

    @property
    def hours(self) -> float:
        return elapsed_hours(self.start, self.until)


def elapsed_hours(start: datetime, until: datetime) -> float:
    """Real hours from ``start`` to ``until`` (through UTC: right across daylight saving, where
    subtracting two times of one zone would count wall-clock hours)."""
    return (until.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600


def segments(engine: Engine, start: datetime, end: datetime) -> list[Segment]:
    """``[start, end)`` cut where who answers changes, each piece with its ``Duty``."""
    cuts = [start, *boundaries(engine, start, end), end]
    pieces: list[Segment] = []
    for first, last in pairwise(cuts):
        if last <= first:
            continue
        duty = duty_at(engine, first)
        previous = pieces[-1] if pieces else None
        if previous is not None and _same(previous.duty, duty):
            pieces[-1] = Segment(previous.start, last, previous.duty)
        else:
            pieces.append(Segment(first, last, duty))
    return pieces


def _same(one: Duty, two: Duty) -> bool:
    return (one.on_call, one.cover, one.planned, one.backup, one.backup_cover) == (
        two.on_call,
        two.cover,
        two.planned,
        two.backup,
        two.backup_cover,
    )


def next_change(engine: Engine, duty: Duty) -> Duty | None:
    """The first moment after ``duty.at`` when someone else answers first (within nine
    weeks), as the ``Duty`` then; None if nothing changes that soon."""
    end = duty.at + LOOKAHEAD
    for instant in boundaries(engine, duty.at, end):
        later = duty_at(engine, instant)
        if later.on_call != duty.on_call:
            return later
    return None


# --- choosing who covers --------------------------------------------------------------------


class Candidate(NamedTuple):
    """A member who could cover a span, with what ranks them."""

    member: str
    #: on call (primary) the week before or after the span
    adjacent: bool
    #: the span's backup: covering would leave the backup role to nobody
    is_backup: bool
    #: hours covered for others so far (active covers)
    hours: float
    #: primary weeks in the plan year around the span
    weeks: int

    def why(self) -> str:
        parts = [f"{self.hours:g} h covered so far", f"{self.weeks} weeks on call this year"]
        if self.adjacent:
            parts.append("on call the week before or after")
        if self.is_backup:
            parts.append("backup then")
        return ", ".join(parts)


def hours_covered(covers: Iterable[Cover], member: str) -> float:
    """Hours ``member`` has taken over for others (active covers, planned ones included)."""
    return sum(c.hours for c in covers if c.active and c.member == member)


def rank(engine: Engine, start: datetime, until: datetime) -> tuple[list[Candidate], list[str]]:
    """Members who may cover ``[start, until)``, fairest first, and one line per member left
    out (with why). Left out: the people it would cover, and anyone on leave in the span.
    Fairest: not on call the week before or after if avoidable, not the backup then, fewest
    hours covered so far, fewest weeks on call in the year, then list order."""
    rotation = engine.rotation
    pieces = segments(engine, start, until)
    covered = {p.duty.planned for p in pieces} - {None}
    backups = {p.duty.planned_backup for p in pieces} - {None}
    first_week = index_at(rotation, start)
    last_week = index_at(rotation, until - timedelta(microseconds=1))
    neighbours = {engine.engineer_of(first_week - 1), engine.engineer_of(last_week + 1)}
    year = range(max(0, first_week - 26), first_week + 26)
    counts: dict[str | None, int] = {}
    for k in year:
        who = engine.engineer_of(k)
        counts[who] = counts.get(who, 0) + 1
    candidates: list[Candidate] = []
    left_out: list[str] = []
    for member in rotation.members:
        if member.id in covered:
            left_out.append(f"{member.id}: on call then")
            continue
        away = leave_in(rotation, member.id, start, until)
        if away is not None:
            span = f"{away.start.isoformat()}..{away.end.isoformat()}"
            left_out.append(f"{member.id}: on leave {span}")
            continue
        candidates.append(
            Candidate(
                member.id,
                adjacent=member.id in neighbours,
                is_backup=member.id in backups,
                hours=round(hours_covered(engine.state.covers, member.id), 2),
                weeks=counts.get(member.id, 0),
            )
        )
    order = {m.id: i for i, m in enumerate(rotation.members)}
    candidates.sort(key=lambda c: (c.adjacent, c.is_backup, c.hours, c.weeks, order[c.member]))
    return candidates, left_out


def leave_in(rotation: Rotation, member_id: str, start: datetime, until: datetime) -> Leave | None:
    """A leave of ``member_id`` with a day inside ``[start, until)`` (local dates), or None."""
    member = rotation.member(member_id)
    if member is None:
        return None
    zone = member_zone(rotation, member_id)
    first = start.astimezone(zone).date()
    last = (until - timedelta(microseconds=1)).astimezone(zone).date()
    return next((x for x in member.leave if x.start <= last and x.end >= first), None)


def leave_spans(
    engine: Engine, member_id: str, leave: Leave, after: datetime | None = None
) -> list[tuple[datetime, datetime, str]]:
    """The spans of ``leave`` in which ``member_id`` is still named on call in a week the
    engine will not move (published, swapped, over or in progress): each ``(start, until,
    role)``, merged where they touch, from ``after`` on. These need a cover."""
    rotation = engine.rotation
    first, last = _midnights(rotation, member_id, leave.start, leave.end)
    if after is not None:
        first = max(first, after)
    if last <= first:
        return []
    spans: list[tuple[datetime, datetime, str]] = []
    for piece in segments(engine, first, last):
        duty = piece.duty
        role = None
        if duty.planned == member_id and duty.cover is None:
            role = "primary"
        elif duty.planned_backup == member_id and duty.backup_cover is None:
            role = "backup"
        if role is None:
            continue
        if spans and spans[-1][1] == piece.start and spans[-1][2] == role:
            spans[-1] = (spans[-1][0], piece.until, role)
        else:
            spans.append((piece.start, piece.until, role))
    return spans
