"""The fair rotation engine: a rotation, its holidays and its state in, week assignments out.

Pure: no files, no clock, no terminal. ``oncall.rotation.api`` feeds it from a workspace.

How a week gets its engineer
----------------------------
Weeks are numbered from the rotation's start (week 0) and grouped in cycles of ``n`` weeks for
``n`` members; the plain rotation gives week ``k`` to ``members[k % n]``. Every week is decided
from week 0 forward, one cycle at a time, so the answer for a week never depends on which window
asks for it.

1. The plan (leave-blind). Each cycle is a permutation of the members, so over whole cycles
   everyone has the same number of weeks. Within the cycle the members are placed by a minimum
   cost assignment whose criteria rank, most important first: keep one week each; nobody on
   call two weeks running; balance public-holiday days (the sum of squares of each member's
   holiday days so far, counted on their own calendar, relative to the least loaded member);
   stay on the plain order; move people as little as possible. Published weeks are fixed
   points of the plan, and the holiday ledger counts published weeks as actually served
   (with swaps), so history steers the future: whoever covered Christmas is not first in line
   for the next holidays.
2. Leave. Only a cycle in which a planned engineer is on leave is re-solved, and only its
   weeks that are not published; the criteria rank: nobody on leave (hard); leave no week
   empty that someone could take; keep one week each; nobody two weeks running (against the
   week before, and against whoever is sure to open the next cycle: its planned first
   engineer, or if that cycle is re-solved too, anyone its leave leaves free only in its first
   week); change as few weeks of the plan as possible; balance holidays; move people as
   little as possible. Leave therefore never moves weeks outside the cycles it touches (a
   neighbouring cycle changes only if it has a leave conflict of its own), and never touches
   the plan, so it does not ripple through the year.
3. Swaps. Active swaps (``oncall swap``) then set their two weeks, in id order: each side
   gives the week from ``was`` to ``now``. A side whose ``was`` no longer holds the week is not
   applied and is reported as a conflict; one whose ``now`` already holds it (the week was
   published after the swap) is simply in effect.

Published or swapped weeks whose engineer is on leave are not moved: they carry a ``conflict``
to settle with a swap. A week nobody can take has ``engineer`` None and a reason.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from oncall.config.models import HolidayCalendar, Leave, Rotation
from oncall.rotation.assignment import min_cost_assignment
from oncall.rotation.holidays import HolidaySource
from oncall.rotation.model import (
    Holiday,
    PublishedWeek,
    RotationState,
    Schedule,
    Swap,
    SwapWeek,
    WeekAssignment,
)
from oncall.rotation.weeks import shift_bounds, week_start

#: one level of a lexicographic cost; every criterion's total over a cycle stays far below it
LEVEL = 1 << 32
#: holiday loads are compared relative to the least loaded member, capped to keep levels apart
MAX_RELATIVE_LOAD = 1000
#: holiday days someone may carry above the least loaded member before the plan departs from
#: the plain order to even it out (0 would chase every single holiday around the team)
HOLIDAY_TOLERANCE = 1

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _cost(*terms: int) -> int:
    """Lexicographic cost: ``terms`` from most to least important."""
    total = 0
    for term in terms:
        total = total * LEVEL + term
    return total


def format_span(first: date, last: date) -> str:
    """``1-5 Feb``, ``28 Jan - 3 Feb``, ``28 Dec 2027 - 3 Jan 2028``, ``1 Feb``."""
    if first == last:
        return f"{first.day} {_MONTHS[first.month - 1]}"
    if first.year != last.year:
        return (
            f"{first.day} {_MONTHS[first.month - 1]} {first.year} - "
            f"{last.day} {_MONTHS[last.month - 1]} {last.year}"
        )
    if first.month == last.month:
        return f"{first.day}-{last.day} {_MONTHS[first.month - 1]}"
    return f"{first.day} {_MONTHS[first.month - 1]} - {last.day} {_MONTHS[last.month - 1]}"


def describe_leave(member: str, leave: Leave) -> str:
    """``alice on leave 1-5 Feb (ski trip)``."""
    why = f" ({leave.reason})" if leave.reason else ""
    return f"{member} on leave {format_span(leave.start, leave.end)}{why}"


class _Slot:
    """A column of a cycle's assignment problem."""

    __slots__ = ("extra", "home", "member")

    def __init__(self, member: str | None, home: int | None = None, extra: bool = False) -> None:
        self.member = member  # None: the week stays empty
        self.home = home  # the week this member holds in the plan (for "move little")
        self.extra = extra  # a second week in the cycle


class Engine:
    """Decides every week of one rotation, lazily from week 0 forward.

    ``week(index)`` and ``weeks(first, count)`` compute as far as needed and remember it, so
    one engine answers any number of questions about the same rotation and state.
    """

    def __init__(self, rotation: Rotation, state: RotationState, holidays: HolidaySource) -> None:
        if not rotation.members:
            raise ValueError("a rotation needs at least one member")
        self.rotation = rotation
        self.state = state
        self.source = holidays
        self.members: tuple[str, ...] = tuple(m.id for m in rotation.members)
        self.n = len(self.members)
        self._position = {m: i for i, m in enumerate(self.members)}
        self._start = rotation.rotation.start

        # calendars: a key per distinct calendar; the rotation default is used for None weeks
        self._calendars: dict[str, HolidayCalendar] = {}
        self._calendar_key: dict[str, str | None] = {}
        for member in rotation.members:
            calendar = rotation.calendar_of(member)
            self._calendar_key[member.id] = self._register(calendar)
        self._default_key = self._register(rotation.holidays)
        self._holiday_weeks: dict[str, dict[int, list[Holiday]]] = {
            key: {} for key in self._calendars
        }
        self._years_loaded = self._start.year - 1
        self._ready_below = 0  # weeks below this index have all their holidays loaded

        # leave by member and week
        self._leave: dict[str, dict[int, list[Leave]]] = {m: {} for m in self.members}
        for member in rotation.members:
            for leave in member.leave:
                first = max(0, self._index_of(leave.start))
                for index in range(first, self._index_of(leave.end) + 1):
                    self._leave[member.id].setdefault(index, []).append(leave)

        # state by week
        self._published: dict[int, PublishedWeek] = {}
        for monday, record in state.published.items():
            index = self._index_of(monday)
            if index >= 0 and week_start(rotation, index) == monday:
                self._published[index] = record
        self._swap_sides: dict[int, list[tuple[Swap, SwapWeek]]] = {}
        self._swap_history: dict[int, list[Swap]] = {}
        for swap in sorted(state.swaps, key=lambda s: s.id):
            for side in swap.weeks:
                index = self._index_of(side.week)
                self._swap_history.setdefault(index, []).append(swap)
                if swap.active:
                    self._swap_sides.setdefault(index, []).append((swap, side))

        # the plan (layer 1), its reasons, and the holiday ledger at the start of each cycle
        self._plan: list[str | None] = []
        self._plan_reason: list[str | None] = []
        self._ledger: dict[str, int] = dict.fromkeys(self.members, 0)
        self._ledger_before: list[dict[str, int]] = []
        # the final weeks (layers 2 and 3)
        self._final: list[WeekAssignment] = []

    # --- public ------------------------------------------------------------------------------

    def week(self, index: int) -> WeekAssignment:
        """Week ``index`` (0 = the rotation's first week; before it: nobody, with a reason)."""
        if index < 0:
            return self._before_start(index)
        self._decide_through(index)
        return self._final[index]

    def weeks(self, first: int, count: int) -> list[WeekAssignment]:
        """``count`` consecutive weeks from week ``first``."""
        if count <= 0:
            return []
        self._decide_through(first + count - 1)
        return [self.week(index) for index in range(first, first + count)]

    def schedule(self, first: int, count: int) -> Schedule:
        """``count`` weeks from week ``first`` as a ``Schedule`` (with the load per member)."""
        return Schedule(
            rotation_id=self.rotation.id,
            timezone=self.rotation.timezone,
            weeks=tuple(self.weeks(first, count)),
            members=self.members,
        )

    def base_engineer(self, index: int) -> str | None:
        """The plain rotation's engineer of week ``index`` (None before the start)."""
        return self.members[index % self.n] if index >= 0 else None

    def holiday_days(self, member: str, index: int) -> int:
        """Public holidays of ``member``'s calendar on Monday..Sunday of week ``index``."""
        return len(self._week_holidays(self._calendar_key.get(member, self._default_key), index))

    def on_leave(self, member: str, index: int) -> tuple[Leave, ...]:
        """The leave of ``member`` touching week ``index`` (empty if none)."""
        return tuple(self._leave.get(member, {}).get(index, ()))

    # --- calendars and leave ----------------------------------------------------------------

    def _register(self, calendar: HolidayCalendar | None) -> str | None:
        if calendar is None:
            return None
        key = str(calendar)
        self._calendars.setdefault(key, calendar)
        return key

    def _index_of(self, day: date) -> int:
        return (day - self._start).days // 7

    def _load_years_through(self, year: int) -> None:
        while self._years_loaded < year:
            self._years_loaded += 1
            for key, calendar in self._calendars.items():
                table = self.source.year(calendar, self._years_loaded)
                weeks = self._holiday_weeks[key]
                for day in sorted(table):
                    index = self._index_of(day)
                    if index >= 0:
                        weeks.setdefault(index, []).append(Holiday(day, table[day]))
            # a week is complete once the year of its Sunday is loaded
            last_day = date(self._years_loaded, 12, 31)
            self._ready_below = ((last_day - self._start).days - 6) // 7 + 1

    def _week_holidays(self, key: str | None, index: int) -> list[Holiday] | tuple[()]:
        if key is None:
            return ()
        if index >= self._ready_below:
            self._load_years_through((week_start(self.rotation, index) + timedelta(days=6)).year)
        return self._holiday_weeks[key].get(index, ())

    def _calendar_holidays(self, key: str | None, index: int) -> tuple[Holiday, ...]:
        return tuple(self._week_holidays(key, index))

    def _member_holidays(self, member: str, index: int) -> tuple[Holiday, ...]:
        key = self._calendar_key.get(member, self._default_key)
        return self._calendar_holidays(key, index)

    def _leave_text(self, member: str, index: int) -> str:
        return ", ".join(describe_leave(member, leave) for leave in self.on_leave(member, index))

    # --- driving the layers -----------------------------------------------------------------

    def _decide_through(self, index: int) -> None:
        while len(self._final) <= index:
            done = len(self._final) // self.n
            self._plan_through(done + 1)  # the next cycle's plan: its first week matters
            self._settle_cycle(done)

    def _plan_through(self, cycle: int) -> None:
        while len(self._ledger_before) <= cycle:
            self._plan_cycle(len(self._ledger_before))

    # --- layer 1: the leave-blind plan ------------------------------------------------------

    def _plan_cycle(self, cycle: int) -> None:
        n = self.n
        first = cycle * n
        weeks = range(first, first + n)
        self._load_years_through((week_start(self.rotation, first + n) + timedelta(days=6)).year)
        self._ledger_before.append(dict(self._ledger))
        fixed = {k: self._published[k].engineer for k in weeks if k in self._published}
        free = [k for k in weeks if k not in fixed]
        plan: dict[int, str | None] = dict(fixed)
        reasons: dict[int, str | None] = {}
        if free:
            plan.update(self._solve_plan(cycle, free, fixed, reasons))
        for k in weeks:
            self._plan.append(plan[k])
            self._plan_reason.append(reasons.get(k))
        # the ledger counts what was actually served where it is known (published weeks,
        # with their swaps), else the plan
        for k in weeks:
            engineer = plan[k]
            if k in self._published:
                engineer, _, _ = self._overlay(k, engineer)
            if engineer in self._ledger:
                self._ledger[engineer] += self.holiday_days(engineer, k)

    def _plan_value(self, k: int) -> str | None:
        if 0 <= k < len(self._plan):
            return self._plan[k]
        record = self._published.get(k)
        return record.engineer if record is not None else None

    def _solve_plan(
        self,
        cycle: int,
        free: list[int],
        fixed: dict[int, str | None],
        reasons: dict[int, str | None],
    ) -> dict[int, str | None]:
        n = self.n
        first = cycle * n
        members = self.members
        ledger = self._ledger
        relative = _relative(ledger)
        holding = Counter(e for e in fixed.values() if e is not None)
        slots = [_Slot(m, home=first + i) for i, m in enumerate(members) if not holding[m]]
        short = len(free) - len(slots)
        if short > 0:
            slots += [_Slot(m, extra=True) for _ in range(short) for m in members]

        def neighbours(k: int) -> tuple[str | None, str | None]:
            before = self._plan_value(k - 1) if (k - 1 < first or k - 1 in fixed) else None
            if k + 1 < first + n:
                after = fixed.get(k + 1)
            elif k + 1 in self._published:
                after = self._published[k + 1].engineer
            else:  # the next cycle starts in plain order unless it has a reason not to
                after = self.base_engineer(k + 1)
            return before, after

        matrix = []
        for k in free:
            before, after = neighbours(k)
            base = members[k - first]
            row = []
            for slot in slots:
                m = slot.member
                assert m is not None
                load, days = relative[m], self.holiday_days(m, k)
                row.append(
                    _cost(
                        int(slot.extra),
                        int(m == before) + int(m == after),
                        _over(load + days) - _over(load),
                        int(m != base),
                        (load + days) ** 2 - load**2,
                        abs(k - slot.home) if slot.home is not None else 0,
                    )
                )
            matrix.append(row)
        chosen = min_cost_assignment(matrix)
        plan = {k: slots[j].member for k, j in zip(free, chosen, strict=True)}

        # why a week left the plain order
        for k in free:
            base = members[k - first]
            engineer = plan[k]
            if engineer == base:
                continue
            before, after = neighbours(k)
            held = [j for j, e in sorted(fixed.items()) if e == base]
            if held:
                published_week = week_start(self.rotation, held[0]).isoformat()
                reasons[k] = (
                    f"instead of {base}, who is on call in the published week of {published_week}"
                )
            elif fixed or short > 0:
                reasons[k] = f"instead of {base}: keeps one week each around the published weeks"
            elif base in (before, after):
                reasons[k] = f"instead of {base}, who would be on call two weeks running"
            else:
                assert engineer is not None
                home = first + self._position[engineer]
                verb = "swapped with" if plan.get(home) == base else "takes the turn of"
                if self.holiday_days(base, k) or not self.holiday_days(engineer, home):
                    reasons[k] = (
                        f"{verb} {base} to balance public holidays (holiday days on call: "
                        f"{self._load_text(base, ledger[base], k)}; "
                        f"{self._load_text(engineer, ledger[engineer], k)})"
                    )
                else:  # the other side of a move made for the holidays of another week
                    reasons[k] = (
                        f"{verb} {base} to balance public holidays (see the week of "
                        f"{week_start(self.rotation, home).isoformat()})"
                    )
        return plan

    def _load_text(self, member: str, so_far: int, k: int) -> str:
        """``dev 1 so far + Holi this week``."""
        names = [h.name for h in self._member_holidays(member, k)]
        this_week = f" + {', '.join(names)} this week" if names else ""
        return f"{member} {so_far} so far{this_week}"

    # --- layers 2 and 3: swaps, then leave --------------------------------------------------

    def _overlay(self, k: int, value: str | None) -> tuple[str | None, Swap | None, list[str]]:
        """Apply the active swaps touching week ``k`` to ``value``, in id order."""
        decided: Swap | None = None
        notes: list[str] = []
        for swap, side in self._swap_sides.get(k, ()):
            if value == side.was:
                value, decided = side.now, swap
            elif value == side.now:
                decided = swap  # already in effect (the week was published after the swap)
            else:
                holder = f"{value}'s" if value else "nobody's"
                notes.append(
                    f"swap #{swap.id} no longer applies: the week is {holder}, not {side.was}'s"
                    f" (undo it with `oncall swap undo {swap.id}`)"
                )
        return value, decided, notes

    def _settle_cycle(self, cycle: int) -> None:
        n = self.n
        first = cycle * n
        weeks = list(range(first, first + n))
        value: dict[int, str | None] = {k: self._plan[k] for k in weeks}
        fixed = {k for k in weeks if k in self._published}
        reasons: dict[int, str | None] = {}
        if self._conflicts(cycle):
            prev = self._final[first - 1].engineer if first > 0 else None
            openers = self._openers(cycle + 1)
            value.update(self._solve_leave(cycle, weeks, fixed, value, prev, openers, reasons))
        for k in weeks:
            engineer, swap, notes = self._overlay(k, value[k])
            self._final.append(self._assignment(k, engineer, value[k], swap, notes, reasons.get(k)))

    def _conflicts(self, cycle: int) -> list[int]:
        """Weeks of ``cycle`` whose planned engineer is on leave (published weeks excepted)."""
        first = cycle * self.n
        return [
            k
            for k in range(first, first + self.n)
            if k not in self._published
            and (planned := self._plan[k]) is not None
            and self.on_leave(planned, k)
        ]

    def _openers(self, cycle: int) -> set[str | None]:
        """Who will be on call in the first week of ``cycle``, as far as it can be known before
        that cycle is settled: its planned engineer if the cycle keeps its plan, else those
        members it can only place in its first week."""
        opening = cycle * self.n
        planned = self._overlay(opening, self._plan[opening])[0]
        if opening in self._published or not self._conflicts(cycle):
            return {planned}
        later = [k for k in range(opening + 1, opening + self.n) if k not in self._published]
        return {
            m
            for m in self.members
            if not self.on_leave(m, opening) and all(self.on_leave(m, k) for k in later)
        }

    def _solve_leave(
        self,
        cycle: int,
        weeks: list[int],
        fixed: set[int],
        value: dict[int, str | None],
        prev: str | None,
        openers: set[str | None],
        reasons: dict[int, str | None],
    ) -> dict[int, str | None]:
        first, last = weeks[0], weeks[-1]
        free = [k for k in weeks if k not in fixed]
        relative = _relative(self._ledger_before[cycle])

        def neighbours(k: int) -> tuple[str | None, set[str | None]]:
            before = prev if k == first else (self._guess(k - 1, value) if k - 1 in fixed else None)
            if k == last:
                return before, openers
            return before, {self._guess(k + 1, value) if k + 1 in fixed else None}

        def solve(slots: list[_Slot]) -> list[str | None]:
            matrix = []
            for k in free:
                before, after = neighbours(k)
                row = []
                for slot in slots:
                    m = slot.member
                    if m is None:
                        row.append(_cost(0, 1, 0, 0, 0, 0, 0))
                        continue
                    if self.on_leave(m, k):
                        row.append(_cost(1, 0, 0, 0, 0, 0, 0))
                        continue
                    days = self.holiday_days(m, k)
                    row.append(
                        _cost(
                            0,
                            0,
                            int(slot.extra),
                            int(m == before) + int(m in after),
                            int(m != value[k]),
                            (relative.get(m, 0) + days) ** 2 - relative.get(m, 0) ** 2,
                            abs(k - slot.home) if slot.home is not None else 0,
                        )
                    )
                matrix.append(row)
            chosen = min_cost_assignment(matrix)
            return [slots[j].member for j in chosen]

        primary = [_Slot(value[k], home=k) for k in free if value[k] is not None]
        empty = [_Slot(None) for _ in free]
        result = solve(primary + empty)
        if any(m is None and self._anyone_free(k) for k, m in zip(free, result, strict=True)):
            extras = [_Slot(m, extra=True) for m in self.members for _ in range(len(free) - 1)]
            result = solve(primary + extras + empty)
        decided = dict(zip(free, result, strict=True))

        # why each changed week changed
        causes = [
            self._leave_text(value[k], k)  # type: ignore[arg-type]
            for k in free
            if value[k] is not None and self.on_leave(value[k], k)  # type: ignore[arg-type]
        ]
        for k in free:
            planned, engineer = value[k], decided[k]
            if engineer == planned:
                continue
            if engineer is None:
                away = [self._leave_text(m, k) for m in self.members if self.on_leave(m, k)]
                reasons[k] = "nobody free: " + "; ".join(away)
                continue
            home = next((j for j in free if value[j] == engineer), None)
            if planned is not None and self.on_leave(planned, k):
                cause = self._leave_text(planned, k)
            elif home is not None and self.on_leave(engineer, home):
                cause = self._leave_text(engineer, home)
            else:
                cause = "; ".join(dict.fromkeys(causes))
            if planned is None:
                reasons[k] = f"covers an empty week: {cause}"
            elif home is not None and decided.get(home) == planned:
                reasons[k] = f"swapped with {planned}: {cause}"
            elif home is None:
                reasons[k] = f"second week this cycle, instead of {planned}: {cause}"
            else:
                reasons[k] = f"instead of {planned}: {cause}"
        return decided

    def _guess(self, k: int, value: dict[int, str | None]) -> str | None:
        """The final engineer of a fixed week of the cycle being settled (swaps applied)."""
        return self._overlay(k, value[k])[0]

    def _anyone_free(self, k: int) -> bool:
        return any(not self.on_leave(m, k) for m in self.members)

    # --- building the answer ----------------------------------------------------------------

    def _assignment(
        self,
        k: int,
        engineer: str | None,
        pre_swap: str | None,
        swap: Swap | None,
        notes: list[str],
        leave_reason: str | None,
    ) -> WeekAssignment:
        monday = week_start(self.rotation, k)
        shift_start, shift_end = shift_bounds(self.rotation, monday)
        base = self.base_engineer(k)
        published = self._published.get(k)
        conflicts = list(notes)
        if engineer is not None and engineer not in self._position:
            conflicts.append(f"{engineer} is no longer a member of the rotation")
        elif (
            engineer is not None
            and (k in self._published or swap is not None)
            and (self.on_leave(engineer, k))
        ):
            kind = "swapped" if swap is not None else "published"
            conflicts.append(
                f"{self._leave_text(engineer, k)}, in a {kind} week: settle it with "
                f"`oncall swap add`"
            )
        if swap is not None and engineer != pre_swap:
            reason: str | None = f"swap #{swap.id} with {pre_swap}" + (
                f": {swap.note}" if swap.note else ""
            )
        elif published is not None:
            reason = published.reason
        elif leave_reason is not None:
            reason = leave_reason
        else:
            reason = self._plan_reason[k]
        if engineer is None and reason is None:
            reason = "nobody can take the week"
        if engineer == base and engineer is not None:
            reason = None
        conflict = "; ".join(conflicts) or None
        if conflict:
            reason = f"{reason}; {conflict}" if reason else conflict
        holidays = {m: self._member_holidays(m, k) for m in self.members}
        leave = {m: spans for m in self.members if (spans := self.on_leave(m, k))}
        return WeekAssignment(
            index=k,
            start=monday,
            shift_start=shift_start,
            shift_end=shift_end,
            engineer=engineer,
            base_engineer=base,
            reason=reason,
            holidays=holidays,
            rotation_holidays=self._calendar_holidays(self._default_key, k),
            leave=leave,
            published=published,
            swap=swap,
            swap_history=tuple(self._swap_history.get(k, ())),
            conflict=conflict,
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


def _over(load: int) -> int:
    """How far a relative holiday load leaves the tolerated band, squared (0 inside it)."""
    return max(0, load - HOLIDAY_TOLERANCE) ** 2


def _relative(ledger: dict[str, int]) -> dict[str, int]:
    """Holiday days so far relative to the least loaded member (capped)."""
    low = min(ledger.values())
    return {m: min(days - low, MAX_RELATIVE_LOAD) for m, days in ledger.items()}
