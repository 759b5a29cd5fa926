"""The fair rotation engine: a rotation, its holidays and its state in, week assignments out.

Pure: no files, no clock, no terminal. ``oncall.rotation.api`` feeds it from a workspace (and
tells it which week is in progress).

How a week gets its engineer
----------------------------
Weeks are numbered from the rotation's start (week 0) and grouped in cycles of ``n`` weeks for
``n`` members, and cycles in *plan years*: ``n * ceil(52 / n)`` weeks, whole cycles covering at
least a year. Plan years are settled one after the other from week 0, each from what the years
before it left behind (weeks served and public-holiday days on call per member, and who had the
last week), so the answer for a week never depends on which window asks for it.

A plan year is settled in one of three ways:

1. **Kept.** The rotation's current plan (``state.plan``: what the team last saw, written by
   every command that changes the plan) covers the year and breaks no rule under today's
   inputs: nobody planned while on leave, no week left empty that someone could take, every
   planned engineer still a member. Nothing is solved.
2. **Repaired.** The plan breaks a rule in some weeks (someone's new leave, say). Only those
   weeks and the weeks within one cycle of them may change (from the start of the cycle where
   the cause began, the first week of the leave, to one cycle after the broken week), at most
   ``max(4, 2 x broken weeks)`` in all; among such repairs the solver picks the fairest
   (``oncall.rotation.solver``: week counts, then two weeks running, then public holidays,
   then fewest changes, then list order).
3. **Solved.** Without a plan for the year, the solver finds the exact lexicographic optimum
   of the year (the same goals, without "fewest changes").

Whatever the way, some weeks are given and never move: published weeks, weeks agreed in an
active swap (``now`` holds the week, unless ``now`` is on leave then and neither of the swap's
weeks is published, over or in progress: the swap is void), and the weeks that are over or in
progress (kept as the plan has them). A published or swapped engineer on leave stays, with a
``conflict`` to settle (a cover).

A rotation with ``backup: true`` has a second engineer each week, planned by a second engine
of the same kind (``role="backup"``) on the same goals: everyone but the week's primary may take
a week (nobody on leave), counts and holiday days are balanced among backup weeks, and the
backup's plain order is the list shifted by half a cycle, so a backup week falls between one's
own primary weeks. The plan file keeps the backup next to the primary; publishing freezes both.

The engine plans through the *horizon*: the plan year holding the week 52 weeks after the week
in progress, and any later plan year with leave, a swap, a published or a planned week. After
the horizon the rotation simply continues in list order, so asking about a far future costs
nothing and an edit can never move weeks nobody is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from oncall.config.models import HolidayCalendar, Leave, Rotation
from oncall.rotation.duty import uncovered_parts
from oncall.rotation.holidays import HolidaySource
from oncall.rotation.model import (
    Holiday,
    PlannedWeek,
    PublishedWeek,
    RotationState,
    Schedule,
    Swap,
    SwapWeek,
    WeekAssignment,
)
from oncall.rotation.weeks import shift_bounds, week_start
from oncall.text import format_span

if TYPE_CHECKING:  # the solver is imported when a plan year needs it, not on every read
    from oncall.rotation.solver import Problem, Solution

W = TypeVar("W")

#: a plan year covers at least this many weeks (whole cycles)
YEAR_WEEKS = 52
#: the engine plans at least this many weeks past the week in progress
HORIZON_WEEKS = 52
#: a repair may change this many weeks, or two per broken week if that is more
REPAIR_CHANGES = 4
#: weeks served before a plan year count at most this far above the least served member
#: (a member who joined late is not made to catch up on years they were not there)
CARRY_WEEKS = 2


def describe_leave(member: str, leave: Leave) -> str:
    """``alice on leave 1-5 Feb (ski trip)``."""
    why = f" ({leave.reason})" if leave.reason else ""
    return f"{member} on leave {format_span(leave.start, leave.end)}{why}"


def describe_swap_side(swap: Swap, side: SwapWeek) -> str:
    """``alice gave this week to bob (swap #3: conference)``."""
    note = f": {swap.note}" if swap.note else ""
    return f"{side.was} gave this week to {side.now} (swap #{swap.id}{note})"


class YearResult(NamedTuple):
    """How one plan year was settled, with the goals its weeks achieve."""

    first: int
    weeks: int
    #: "kept", "repaired" or "solved"
    how: str
    values: Mapping[str, int]
    #: goals the solver could not prove optimal in time (empty: every value is exact)
    unproven: tuple[str, ...] = ()


class SwapState(NamedTuple):
    """A swap as it stands: ``active``, ``undone`` or ``void`` (with the reason)."""

    swap: Swap
    state: str
    reason: str | None = None


class Solutions:
    """Where the engine gets solutions: solved here, or from a cache keyed by the problem."""

    def solve(self, problem: Problem) -> Solution:
        from oncall.errors import RuntimeFailure
        from oncall.rotation.solver import solve

        try:
            return solve(problem)
        except RuntimeError as error:  # HiGHS failed: one line, exit 1, never a traceback
            raise RuntimeFailure(f"the rotation could not be planned: {error}") from None


class Engine:
    """Decides every week of one rotation, lazily, plan year by plan year from week 0.

    ``current`` is the week in progress (week number): it and every week before it are kept as
    the plan has them. None (the tests' default) freezes nothing and plans from week 0.
    """

    def __init__(
        self,
        rotation: Rotation,
        state: RotationState,
        holidays: HolidaySource,
        current: int | None = None,
        solutions: Solutions | None = None,
        rebalance: bool = False,
        year_weeks: int = YEAR_WEEKS,
        role: str = "primary",
        primary: Engine | None = None,
    ) -> None:
        if not rotation.members:
            raise ValueError("a rotation needs at least one member")
        if (role == "backup") != (primary is not None):
            raise ValueError("a backup engine is built by its primary engine")
        self.rotation = rotation
        self.state = state
        #: "primary", or "backup": the second engineer of each week (never the primary)
        self.role = role
        self.primary = primary
        self._backup: Engine | None = None
        self.source = holidays
        self.current = current
        self.solutions = solutions or Solutions()
        #: solve every plan year afresh, keeping only the weeks that are given (published,
        #: swapped, over or in progress): ``oncall plan --rebalance``
        self.rebalance = rebalance
        self.members: tuple[str, ...] = tuple(m.id for m in rotation.members)
        self.n = len(self.members)
        #: a plan year: whole cycles covering ``year_weeks`` (tests plan shorter years)
        self.year_weeks = self.n * -(-year_weeks // self.n)
        self._position = {m: i for i, m in enumerate(self.members)}
        self._start = rotation.rotation.start
        #: the backup's plain order runs half a cycle behind the primary's
        self._offset = max(1, self.n // 2) if role == "backup" else 0

        # calendars: a key per distinct calendar; the rotation default is used for None weeks
        self._calendars: dict[str, HolidayCalendar] = {}
        self._calendar_key: dict[str, str | None] = {}
        for member in rotation.members:
            self._calendar_key[member.id] = self._register(rotation.calendar_of(member))
        self._default_key = self._register(rotation.holidays)
        self._holiday_weeks: dict[str, dict[int, list[Holiday]]] = {
            key: {} for key in self._calendars
        }
        self._years_loaded: set[int] = set()  # holidays are loaded a year at a time, as asked

        latest = max(0, current if current is not None else 0) + HORIZON_WEEKS
        # leave by member and week
        self._leave: dict[str, dict[int, list[Leave]]] = {m: {} for m in self.members}
        for member in rotation.members:
            for leave in member.leave:
                first = max(0, self._index_of(leave.start))
                last = self._index_of(leave.end)
                for index in range(first, last + 1):
                    self._leave[member.id].setdefault(index, []).append(leave)
                latest = max(latest, last)

        # state by week
        published, plan = state.published, state.plan
        if role == "backup":  # the backup columns of the same files; swaps trade primary weeks
            published = {
                monday: PublishedWeek(monday, w.backup, None, w.published)
                for monday, w in published.items()
                if w.backup is not None
            }
            planned = any(w.backup is not None for w in plan.values())
            plan = {
                monday: PlannedWeek(monday, w.backup, w.backup_reason)
                for monday, w in (plan.items() if planned else ())
            }
        self._published: dict[int, PublishedWeek] = self._by_week(published)
        self._swap_sides: dict[int, list[tuple[Swap, SwapWeek]]] = {}
        self._swap_history: dict[int, list[Swap]] = {}
        for swap in sorted(state.swaps if role == "primary" else (), key=lambda s: s.id):
            for side in swap.weeks:
                index = self._index_of(side.week)
                self._swap_history.setdefault(index, []).append(swap)
                if swap.active and index >= 0:
                    self._swap_sides.setdefault(index, []).append((swap, side))
                    latest = max(latest, index)
        # a swap whose taker cannot hold one of its weeks is void, both weeks released; but
        # leave never voids a swap the team has seen in effect in a week published, over or in
        # progress (releasing it would change that week): the taker stays, with a conflict
        self._void: dict[int, str] = {}
        for sides in self._swap_sides.values():
            for swap, side in sides:
                index = self._index_of(side.week)
                held = any(self._seen_in_effect(s, published, plan) for s in swap.weeks)
                if side.now not in self._position:
                    self._void[swap.id] = f"{side.now} is no longer a member of the rotation"
                elif self.on_leave(side.now, index) and not held:
                    self._void[swap.id] = self._leave_text(side.now, index)
        self._plan: dict[int, PlannedWeek] = self._by_week(plan)
        latest = max([latest, *self._published, *self._plan])
        #: weeks from here on continue in list order
        self.horizon = (latest // self.year_weeks + 1) * self.year_weeks
        if primary is not None:
            self.horizon = max(self.horizon, primary.horizon)

        # the decided weeks
        self._engineer: dict[int, str | None] = {}
        self._reason: dict[int, str | None] = {}
        self._swap_of: dict[int, Swap] = {}
        self._years: list[tuple[int, str, Solution | None]] = []  # first week, how, solution
        self._final: dict[int, WeekAssignment] = {}

    # --- public ------------------------------------------------------------------------------

    @property
    def backup(self) -> Engine | None:
        """The engine of the backup engineer (rotations with ``backup: true``), or None."""
        if self.role != "primary" or not self.rotation.backup:
            return None
        if self._backup is None:
            self._backup = Engine(
                self.rotation,
                self.state,
                self.source,
                self.current,
                self.solutions,
                self.rebalance,
                self.year_weeks,
                role="backup",
                primary=self,
            )
            self.horizon = max(self.horizon, self._backup.horizon)
        return self._backup

    def week(self, index: int) -> WeekAssignment:
        """Week ``index`` (0 = the rotation's first week; before it: nobody, with a reason)."""
        if index < 0:
            return self._before_start(index)
        found = self._final.get(index)
        if found is None:
            self._settle_through(index)
            found = self._assignment(index)
            self._final[index] = found
        return found

    def weeks(self, first: int, count: int) -> list[WeekAssignment]:
        """``count`` consecutive weeks from week ``first``."""
        if count <= 0:
            return []
        self._settle_through(min(first + count, self.horizon) - 1)
        return [self.week(index) for index in range(first, first + count)]

    def schedule(self, first: int, count: int) -> Schedule:
        """``count`` weeks from week ``first`` as a ``Schedule`` (with the load per member)."""
        return Schedule(
            rotation_id=self.rotation.id,
            timezone=self.rotation.timezone,
            weeks=tuple(self.weeks(first, count)),
            members=self.members,
        )

    def engineer_of(self, index: int) -> str | None:
        """Who is on call in week ``index`` (None: nobody, or before the start)."""
        if index < 0:
            return None
        self._settle_through(index)
        if index >= self.horizon:
            return self.base_engineer(index)
        return self._engineer[index]

    def base_engineer(self, index: int) -> str | None:
        """The plain rotation's engineer of week ``index`` (None before the start; for the
        backup: the list half a cycle on, and nobody in a rotation of one)."""
        if index < 0 or (self.primary is not None and self.n < 2):
            return None
        return self.members[(index + self._offset) % self.n]

    def holiday_days(self, member: str, index: int) -> int:
        """Public holidays of ``member``'s calendar on Monday..Sunday of week ``index``."""
        return len(self._week_holidays(self._calendar_key.get(member, self._default_key), index))

    def on_leave(self, member: str, index: int) -> tuple[Leave, ...]:
        """The leave of ``member`` touching week ``index`` (empty if none)."""
        return tuple(self._leave.get(member, {}).get(index, ()))

    def plan(self) -> dict[date, PlannedWeek]:
        """Every planned week through the horizon: what ``plan.yaml`` stores."""
        backup = self.backup
        self._settle_through(self.horizon - 1)
        if backup is not None:
            backup._settle_through(self.horizon - 1)
        return {
            week_start(self.rotation, k): PlannedWeek(
                week_start(self.rotation, k),
                self._engineer[k],
                self._reason[k],
                backup.engineer_of(k) if backup is not None else None,
                backup._reason.get(k) if backup is not None else None,
            )
            for k in range(self.horizon)
        }

    def years(self, first: int, last: int) -> list[YearResult]:
        """How the plan years touching weeks ``first`` .. ``last`` were settled."""
        from oncall.rotation.solver import evaluate

        self._settle_through(min(last, self.horizon - 1))
        results = []
        for start, how, solution in self._years:
            if start > last or start + self.year_weeks <= first:
                continue
            if solution is None:  # kept: measure the plan as it stands
                weeks = tuple(range(start, start + self.year_weeks))
                engineers = {k: self._engineer[k] for k in weeks}
                values = evaluate(self._problem(weeks, engineers), engineers)
                results.append(YearResult(start, self.year_weeks, how, values))
            else:
                results.append(
                    YearResult(start, self.year_weeks, how, solution.values, solution.unproven)
                )
        return results

    def optimum(self, year: YearResult, frozen: bool = False) -> Solution:
        """The fresh optimum of a plan year (no plan to keep; nothing given but published and
        swapped weeks, and with ``frozen`` the weeks over or in progress), given what the years
        before it left: the bound a kept or repaired plan is measured against."""
        weeks = tuple(range(year.first, year.first + year.weeks))
        fixed, _ = self._given(weeks, frozen=frozen)
        return self.solutions.solve(self._problem(weeks, fixed))

    def swap_states(self) -> list[SwapState]:
        """Every swap with its real state, in id order."""
        self._settle_through(self.horizon - 1)
        states = []
        for swap in sorted(self.state.swaps, key=lambda s: s.id):
            if not swap.active:
                states.append(SwapState(swap, "undone"))
            elif swap.id in self._void:
                states.append(SwapState(swap, "void", self._void[swap.id]))
            else:
                states.append(SwapState(swap, "active"))
        return states

    # --- calendars and leave ----------------------------------------------------------------

    def _register(self, calendar: HolidayCalendar | None) -> str | None:
        if calendar is None:
            return None
        key = str(calendar)
        self._calendars.setdefault(key, calendar)
        return key

    def _by_week(self, records: Mapping[date, W]) -> dict[int, W]:
        """``records`` by week number (Mondays of the rotation's weeks only, from week 0)."""
        found: dict[int, W] = {}
        for monday, record in records.items():
            index = self._index_of(monday)
            if index >= 0 and week_start(self.rotation, index) == monday:
                found[index] = record
        return found

    def _index_of(self, day: date) -> int:
        return (day - self._start).days // 7

    def _load_year(self, year: int) -> None:
        if year in self._years_loaded:
            return
        self._years_loaded.add(year)
        for key, calendar in self._calendars.items():
            table = self.source.year(calendar, year)
            weeks = self._holiday_weeks[key]
            for day in sorted(table):
                index = self._index_of(day)
                if index >= 0:
                    days = weeks.setdefault(index, [])
                    days.append(Holiday(day, table[day]))
                    days.sort()  # a week across New Year may load its January first

    def _week_holidays(self, key: str | None, index: int) -> list[Holiday] | tuple[()]:
        if key is None:
            return ()
        monday = week_start(self.rotation, index)
        self._load_year(monday.year)  # only the years asked about: a far date costs the same
        self._load_year((monday + timedelta(days=6)).year)
        return self._holiday_weeks[key].get(index, ())

    def _member_holidays(self, member: str, index: int) -> tuple[Holiday, ...]:
        key = self._calendar_key.get(member, self._default_key)
        return tuple(self._week_holidays(key, index))

    def _leave_text(self, member: str, index: int) -> str:
        return ", ".join(describe_leave(member, leave) for leave in self.on_leave(member, index))

    # --- settling plan years ----------------------------------------------------------------

    def _settle_through(self, index: int) -> None:
        last = min(index, self.horizon - 1)
        while len(self._years) * self.year_weeks <= last:
            self._settle_year(len(self._years))

    def _seen_in_effect(
        self,
        side: SwapWeek,
        published: Mapping[date, PublishedWeek],
        plan: Mapping[date, PlannedWeek],
    ) -> bool:
        """Whether the team has seen ``side`` in effect in a week that is published, over or in
        progress (the published week or the plan names its taker)."""
        k = self._index_of(side.week)
        if side.week not in published and (self.current is None or k > self.current):
            return False
        seen = (published.get(side.week), plan.get(side.week))
        return any(week is not None and week.engineer == side.now for week in seen)

    def _swap_side(self, k: int) -> tuple[Swap, SwapWeek] | None:
        """The latest active swap side of week ``k`` (the one in force), if any."""
        sides = [found for found in self._swap_sides.get(k, ()) if found[0].id not in self._void]
        return sides[-1] if sides else None

    def _given(
        self, weeks: tuple[int, ...], frozen: bool = True
    ) -> tuple[dict[int, str | None], dict[int, str | None]]:
        """Weeks of ``weeks`` whose engineer is given, and their reasons: published, agreed in
        a swap, and (``frozen``) over or in progress."""
        fixed: dict[int, str | None] = {}
        reasons: dict[int, str | None] = {}
        for k in weeks:
            published = self._published.get(k)
            if published is not None:
                fixed[k] = published.engineer
                reasons[k] = published.reason
            found = self._swap_side(k)
            if found is not None:
                swap, side = found
                fixed[k] = side.now
                reasons[k] = describe_swap_side(swap, side)
                self._swap_of[k] = swap
            if (
                frozen
                and k not in fixed
                and self.current is not None
                and k <= self.current
                and k in self._plan
            ):
                fixed[k] = self._plan[k].engineer
                reasons[k] = self._plan[k].reason
        return fixed, reasons

    def _carry(self, first: int) -> tuple[dict[str, int], dict[str, int], str | None]:
        """Weeks and holiday days served before week ``first`` (relative to the least served,
        weeks capped), and the engineer of the week before."""
        weeks = dict.fromkeys(self.members, 0)
        days = dict.fromkeys(self.members, 0)
        for k in range(first):
            engineer = self._engineer.get(k)
            if engineer in weeks:
                weeks[engineer] += 1
                days[engineer] += self.holiday_days(engineer, k)
        low_weeks = min(weeks.values())
        low_days = min(days.values())
        return (
            {m: min(v - low_weeks, CARRY_WEEKS) for m, v in weeks.items()},
            {m: v - low_days for m, v in days.items()},
            self._engineer.get(first - 1) if first > 0 else None,
        )

    def _problem(
        self,
        weeks: tuple[int, ...],
        fixed: Mapping[int, str | None],
        reference: Mapping[int, str | None] | None = None,
        max_changes: int | None = None,
    ) -> Problem:
        from oncall.rotation.solver import Problem

        carry_weeks, carry_days, before = self._carry(weeks[0])
        options = {
            k: tuple(m for m in self.members if self._may_take(m, k))
            for k in weeks
            if k not in fixed
        }
        days = {m: {k: d for k in weeks if (d := self.holiday_days(m, k))} for m in self.members}
        return Problem(
            weeks=weeks,
            members=self.members,
            options=options,
            fixed=dict(fixed),
            base={k: self.members[(k + self._offset) % self.n] for k in weeks},
            days=days,
            carry_weeks=carry_weeks,
            carry_days=carry_days,
            before=before,
            reference=reference,
            max_changes=max_changes,
        )

    def _may_take(self, member: str, k: int) -> bool:
        """Whether ``member`` may take week ``k``: not on leave (and for the backup: not the
        week's primary)."""
        if self.on_leave(member, k):
            return False
        return self.primary is None or self.primary.engineer_of(k) != member

    def _broken(self, k: int, engineer: str | None) -> bool:
        """Whether a planned engineer breaks a rule in week ``k`` under today's inputs."""
        if engineer is None:
            return any(self._may_take(m, k) for m in self.members)
        return engineer not in self._position or not self._may_take(engineer, k)

    def _settle_year(self, year: int) -> None:
        first = year * self.year_weeks
        weeks = tuple(range(first, first + self.year_weeks))
        fixed, given_reasons = self._given(weeks)
        planned = (
            {} if self.rebalance else {k: self._plan[k].engineer for k in weeks if k in self._plan}
        )
        open_weeks = [k for k in weeks if k not in fixed]
        broken = [k for k in open_weeks if k not in planned or self._broken(k, planned[k])]
        reasons: dict[int, str | None] = {}
        if planned and not broken:
            how = "kept"
            engineers = {k: fixed[k] if k in fixed else planned[k] for k in weeks}
            solution = None
        elif planned:
            how = "repaired"
            window: set[int] = set()
            for k in broken:
                # from the cycle where the cause began (a leave starting the week before
                # belongs to that week's cycle) to one cycle after the broken week
                origin = min(
                    [k]
                    + [
                        max(first, self._index_of(leave.start))
                        for leave in self.on_leave(planned.get(k) or "", k)
                    ]
                )
                cycle_start = origin - (origin - first) % self.n
                window.update(range(cycle_start, min(first + self.year_weeks, k + self.n + 1)))
            pinned = dict(fixed)
            for k in open_weeks:
                if k not in window:
                    pinned[k] = planned[k]
            reference = {k: planned.get(k) for k in weeks}
            already = sum(1 for k in fixed if fixed[k] != reference[k])
            cap = max(REPAIR_CHANGES, 2 * len(broken)) + already
            problem = self._problem(weeks, pinned, reference, cap)
            solution = self.solutions.solve(problem)
            engineers = solution.engineers
            causes = self._causes(broken, planned)
            for k in open_weeks:
                if engineers[k] != planned.get(k):
                    reasons[k] = self._repair_reason(k, planned.get(k), engineers[k], causes)
        else:
            how = "solved"
            problem = self._problem(weeks, fixed)
            solution = self.solutions.solve(problem)
            engineers = solution.engineers
        for k in weeks:
            self._engineer[k] = engineers[k]
        for k in weeks:
            if k in fixed:
                reason = given_reasons.get(k)
            elif k in reasons:
                reason = reasons[k]
            elif how != "solved" and k in self._plan:
                reason = self._plan[k].reason
            else:
                reason = self._fresh_reason(k, engineers[k])
            if engineers[k] == self.base_engineer(k) and k not in self._swap_of:
                reason = None
            if engineers[k] is None and reason is None:
                reason = self._nobody_text(k)
            self._reason[k] = reason
        self._years.append((first, how, solution))

    # --- reasons ----------------------------------------------------------------------------

    def _nobody_text(self, k: int) -> str:
        away = [self._leave_text(m, k) for m in self.members if self.on_leave(m, k)]
        return "nobody free: " + "; ".join(away) if away else "nobody can take the week"

    def _causes(self, broken: list[int], planned: Mapping[int, str | None]) -> str:
        texts = []
        for k in broken:
            engineer = planned.get(k)
            if engineer is not None and self.on_leave(engineer, k):
                texts.append(self._leave_text(engineer, k))
            elif engineer is not None and engineer not in self._position:
                texts.append(f"{engineer} left the rotation")
        return "; ".join(dict.fromkeys(texts)) or "the plan had an empty week"

    def _repair_reason(
        self, k: int, before: str | None, after: str | None, causes: str
    ) -> str | None:
        if after is None:
            return self._nobody_text(k)
        if before is None:
            return f"{after} takes a week nobody had"
        if self.on_leave(before, k):
            return f"{after} takes over from {self._leave_text(before, k)}"
        if before not in self._position:
            return f"{after} takes over from {before}, who left the rotation"
        if self.primary is not None and self.primary.engineer_of(k) == before:
            return f"{after} instead of {before}, who is the primary engineer this week"
        return f"{after} instead of {before}, to keep weeks even after: {causes}"

    def _fresh_reason(self, k: int, engineer: str | None) -> str | None:
        """Why a solved week departs from list order, in the terms of the goal that moved it."""
        base = self.base_engineer(k)
        if engineer is None or base is None or engineer == base:
            return None
        if self.on_leave(base, k):
            return f"{engineer} takes over from {self._leave_text(base, k)}"
        if self.primary is not None and self.primary.engineer_of(k) == base:
            return f"{engineer} instead of {base}, who is the primary engineer this week"
        names = [h.name for h in self._member_holidays(base, k)]
        names += [h.name for h in self._member_holidays(engineer, k)]
        if names:
            so_far = {m: 0 for m in (base, engineer)}
            for j in range(k):
                served = self._engineer.get(j)
                if served in so_far:
                    so_far[served] += self.holiday_days(served, j)
            return (
                f"{engineer} instead of {base}, to balance public holidays "
                f"({', '.join(dict.fromkeys(names))} this week; holiday days on call so far: "
                f"{base} {so_far[base]}, {engineer} {so_far[engineer]})"
            )
        cycle = k - k % self.n
        nearby = range(max(0, cycle - self.n), cycle + 2 * self.n)
        for who in (engineer, base):
            spans = {leave for j in nearby for leave in self.on_leave(who, j)}
            if spans:
                leave = min(spans, key=lambda x: x.start)
                return (
                    f"{engineer} instead of {base}, to keep weeks even around "
                    f"{describe_leave(who, leave)}"
                )
        for neighbour in (k - 1, k + 1):
            if 0 <= neighbour < self.horizon and self._engineer.get(neighbour) == base:
                return f"{engineer} instead of {base}, who would be on call two weeks running"
        return f"{engineer} instead of {base}, to balance public holidays elsewhere in the year"

    # --- building the answer ----------------------------------------------------------------

    def _assignment(self, k: int) -> WeekAssignment:
        monday = week_start(self.rotation, k)
        shift_start, shift_end = shift_bounds(self.rotation, monday)
        base = self.base_engineer(k)
        if k >= self.horizon:
            engineer: str | None = base
            reason: str | None = None
        else:
            engineer, reason = self._engineer[k], self._reason[k]
        published = self._published.get(k)
        swap = self._swap_of.get(k)
        conflicts = []
        for found in self._swap_sides.get(k, ()):
            if found[0].id in self._void and found[0] is not swap:
                conflicts.append(f"swap #{found[0].id} is void: {self._void[found[0].id]}")
        if engineer is not None and engineer not in self._position:
            conflicts.append(f"{engineer} is no longer a member of the rotation")
        elif (
            engineer is not None
            and (published is not None or swap is not None)
            and self.on_leave(engineer, k)
            and uncovered_parts(self.rotation, self.state.covers, engineer, shift_start, shift_end)
        ):
            kind = "swapped" if swap is not None else "published"
            conflicts.append(
                f"{self._leave_text(engineer, k)}, in a {kind} week: settle it with "
                f"`oncall cover add` (or `oncall swap add`)"
            )
        conflict = "; ".join(conflicts) or None
        if conflict:
            reason = f"{reason}; {conflict}" if reason else conflict
        holidays = {m: self._member_holidays(m, k) for m in self.members}
        leave = {m: spans for m in self.members if (spans := self.on_leave(m, k))}
        backup, backup_reason = None, None
        if self.backup is not None:
            backup = self.backup.engineer_of(k)
            backup_reason = self.backup._reason.get(k) if k < self.backup.horizon else None
        shift_covers = tuple(
            c
            for c in sorted(self.state.covers, key=lambda c: c.id)
            if c.overlaps(shift_start, shift_end)
        )
        return WeekAssignment(
            index=k,
            start=monday,
            shift_start=shift_start,
            shift_end=shift_end,
            engineer=engineer,
            base_engineer=base,
            reason=reason,
            holidays=holidays,
            rotation_holidays=tuple(self._week_holidays(self._default_key, k)),
            leave=leave,
            published=published,
            swap=swap,
            swap_history=tuple(self._swap_history.get(k, ())),
            conflict=conflict,
            backup=backup,
            backup_reason=backup_reason,
            covers=shift_covers,
        )

    def _before_start(self, index: int) -> WeekAssignment:
        monday = week_start(self.rotation, index)
        shift_start, shift_end = shift_bounds(self.rotation, monday)
        return WeekAssignment(
            index=index,
            start=monday,
            shift_start=shift_start,
            shift_end=shift_end,
            engineer=None,
            base_engineer=None,
            reason=f"before the rotation starts on {self._start.isoformat()}",
        )
