"""How fairly a stretch of weeks is spread: weeks, holiday days, weekend days and swaps per member.

Pure: computed from an ``Engine``, whose weeks already say who served — published weeks as
served (with their swaps), the rest as planned. Besides the plan, what was actually served
(``oncall.rotation.duty``): hours answering as primary after covers and uncovered leave, hours
covered for others, and public-holiday days on call credited to whoever answered that day
(at noon, local time). Rotations with a backup count the backup weeks too.
"""

from __future__ import annotations

from datetime import date

from oncall.frozen import frozen
from oncall.rotation.engine import Engine
from oncall.rotation.model import WeekAssignment

#: every on-call week spans one weekend (its Saturday and Sunday)
WEEKEND_DAYS_PER_WEEK = 2


@frozen
class MemberFairness:
    """One member's share of the weeks of a fairness report."""

    member: str
    #: False for someone no longer in the rotation who still appears in published history
    current: bool
    weeks: int
    published_weeks: int
    holiday_days: int
    weekend_days: int
    #: active swaps this member took part in with a week inside the horizon
    swaps: int
    #: backup weeks and the public-holiday days in them (rotations with ``backup: true``)
    backup_weeks: int = 0
    backup_holiday_days: int = 0
    #: hours actually answering as primary (own weeks less covered hours, plus covers taken)
    hours_served: float = 0.0
    #: hours this member covered for others
    hours_covered: float = 0.0
    #: public-holiday days of their own calendar on which this member actually answered
    holiday_days_served: int = 0


@frozen
class YearFairness:
    """One plan year: the goals its weeks achieve next to the optimum the solver proves for
    the same inputs (``oncall.rotation.solver``), and how the engine settled it."""

    first: date
    last: date
    #: "kept" (the current plan, unchanged), "repaired" or "solved"
    how: str
    achieved: dict[str, int]
    optimum: dict[str, int]
    #: False when the solver hit its time limit: ``optimum`` is then the best found
    proven: bool


def plan_years(engine: Engine, first: int, last: int) -> tuple[YearFairness, ...]:
    """The plan years touching weeks ``first`` .. ``last``."""
    from oncall.rotation.weeks import week_start

    years = []
    for year in engine.years(first, last):
        best = engine.optimum(year)
        years.append(
            YearFairness(
                first=week_start(engine.rotation, year.first),
                last=week_start(engine.rotation, year.first + year.weeks - 1),
                how=year.how,
                achieved={k: v for k, v in year.values.items() if k != "changes"},
                optimum={k: v for k, v in best.values.items() if k != "changes"},
                proven=not best.unproven,
            )
        )
    return tuple(years)


@frozen
class Fairness:
    """Per-member load over ``weeks`` weeks from the Monday ``first`` to the Monday ``last``."""

    rotation_id: str
    first: date
    last: date
    weeks: int
    #: whole cycles (one week per member each) inside the horizon
    whole_cycles: int
    members: tuple[MemberFairness, ...]
    #: weeks nobody could take
    empty_weeks: int
    #: the plan years of the horizon, achieved next to the proven optimum
    years: tuple[YearFairness, ...] = ()
    #: whether the rotation has a backup (the backup columns mean something)
    backup: bool = False

    def _spread(self, values: list[int]) -> int:
        return max(values) - min(values) if values else 0

    @property
    def week_spread(self) -> int:
        """Most minus fewest weeks among current members."""
        return self._spread([m.weeks for m in self.members if m.current])

    @property
    def holiday_spread(self) -> int:
        """Most minus fewest holiday days among current members."""
        return self._spread([m.holiday_days for m in self.members if m.current])


def fairness_report(engine: Engine, first: int, count: int) -> Fairness:
    """The fairness of weeks ``first`` .. ``first + count - 1`` (week numbers, not before 0)."""
    weeks = engine.weeks(first, count)
    order = list(engine.members)
    tally: dict[str, list[int]] = {m: [0, 0, 0] for m in order}  # weeks, published, holidays
    swap_ids: dict[str, set[int]] = {m: set() for m in order}
    empty = 0
    for week in weeks:
        engineer = week.engineer
        for swap in week.swap_history:
            if swap.active:
                for member in swap.members:
                    swap_ids.setdefault(member, set()).add(swap.id)
        if engineer is None:
            empty += 1
            continue
        if engineer not in tally:
            order.append(engineer)
            tally[engineer] = [0, 0, 0]
        counts = tally[engineer]
        counts[0] += 1
        counts[1] += int(week.published is not None)
        counts[2] += len({h.date for h in week.engineer_holidays})
    for member in swap_ids:
        if member not in tally:
            order.append(member)
            tally[member] = [0, 0, 0]
    backup = {m: [0, 0] for m in order}
    for week in weeks:
        if week.backup is not None and week.backup in backup:
            backup[week.backup][0] += 1
            backup[week.backup][1] += len({h.date for h in week.holidays.get(week.backup, ())})
    served = _served(engine, weeks)
    current = set(engine.members)
    members = tuple(
        MemberFairness(
            member=m,
            current=m in current,
            weeks=tally[m][0],
            published_weeks=tally[m][1],
            holiday_days=tally[m][2],
            weekend_days=tally[m][0] * WEEKEND_DAYS_PER_WEEK,
            swaps=len(swap_ids.get(m, ())),
            backup_weeks=backup.get(m, [0, 0])[0],
            backup_holiday_days=backup.get(m, [0, 0])[1],
            hours_served=round(served.hours.get(m, 0.0), 2),
            hours_covered=round(served.covered.get(m, 0.0), 2),
            holiday_days_served=served.holiday_days.get(m, 0),
        )
        for m in order
    )
    start = first - first % engine.n + (engine.n if first % engine.n else 0)
    whole = max(0, (first + count - start) // engine.n)
    return Fairness(
        rotation_id=engine.rotation.id,
        first=weeks[0].start if weeks else engine.rotation.rotation.start,
        last=weeks[-1].start if weeks else engine.rotation.rotation.start,
        weeks=len(weeks),
        whole_cycles=whole,
        members=members,
        empty_weeks=empty,
        years=plan_years(engine, first, min(first + count, engine.horizon) - 1),
        backup=engine.backup is not None,
    )


@frozen
class Served:
    """What was actually served over some weeks, per member."""

    hours: dict[str, float]
    covered: dict[str, float]
    holiday_days: dict[str, int]


def _served(engine: Engine, weeks: list[WeekAssignment]) -> Served:
    from datetime import datetime, time

    from oncall.rotation.duty import duty_at, segments

    hours: dict[str, float] = {}
    covered: dict[str, float] = {}
    days: dict[str, int] = {}
    if not weeks:
        return Served(hours, covered, days)
    for piece in segments(engine, weeks[0].shift_start, weeks[-1].shift_end):
        who = piece.duty.on_call
        if who is None:
            continue
        hours[who] = hours.get(who, 0.0) + piece.hours
        if piece.duty.cover is not None:
            covered[who] = covered.get(who, 0.0) + piece.hours
    for week in weeks:
        for member, holidays in week.holidays.items():
            for day in sorted({h.date for h in holidays}):
                noon = datetime.combine(day, time(12), tzinfo=engine.rotation.zone)
                if not week.shift_start <= noon < week.shift_end:
                    continue
                if duty_at(engine, noon).on_call == member:
                    days[member] = days.get(member, 0) + 1
    return Served(hours, covered, days)
