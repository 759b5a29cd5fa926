"""Invariants of the rotation engine over random rotations (hypothesis).

Random teams of 2 to 10 members on a few synthetic holiday calendars, with random leave. The
checks are computed independently of the engine: leave-free permutations of a cycle are found
by plain augmenting paths or brute force, never by the engine's assignment code.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall.config.models import Leave
from oncall.rotation.model import PublishedWeek

from .factories import START, engine, member, rotation

CALENDARS = ("X", "Y", "Z")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class Scenario:
    ids: list[str]
    calendars: list[str | None]
    holidays: dict[str, dict[date, str]]
    leave: dict[str, list[Leave]] = field(default_factory=dict)
    cycles: int = 3

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def weeks(self) -> int:
        return self.n * self.cycles

    def rotation(self, extra: dict[str, list[Leave]] | None = None):
        leave = {m: list(self.leave.get(m, [])) + list((extra or {}).get(m, [])) for m in self.ids}
        return rotation(
            *(member(m, c, leave[m]) for m, c in zip(self.ids, self.calendars, strict=True))
        )

    def engine(self, extra=None, holidays=None, published=()):
        return engine(self.rotation(extra), holidays or self.holidays, published=published)

    def away(self, m: str, week: int, extra: dict[str, list[Leave]] | None = None) -> bool:
        monday = START + timedelta(weeks=week)
        sunday = monday + timedelta(days=6)
        spans = list(self.leave.get(m, [])) + list((extra or {}).get(m, []))
        return any(x.start <= sunday and x.end >= monday for x in spans)


def _leave(draw, ids: list[str], horizon_days: int, most: int) -> dict[str, list[Leave]]:
    leave: dict[str, list[Leave]] = {}
    for _ in range(draw(st.integers(0, most))):
        who = draw(st.sampled_from(ids))
        first = START + timedelta(days=draw(st.integers(-7, horizon_days)))
        length = draw(st.integers(1, 16))
        leave.setdefault(who, []).append(Leave(first, first + timedelta(days=length - 1)))
    return leave


@st.composite
def scenarios(draw, leave: bool = True, smallest: int = 2, largest: int = 10) -> Scenario:
    n = draw(st.integers(smallest, largest))
    ids = [f"m{i}" for i in range(n)]
    cycles = draw(st.integers(2, max(2, 60 // n)))
    horizon_days = n * cycles * 7 + 14
    holidays = {
        name: {
            START + timedelta(days=offset): f"{name}{offset}"
            for offset in draw(st.sets(st.integers(0, horizon_days), max_size=horizon_days // 12))
        }
        for name in CALENDARS
    }
    calendars = [draw(st.sampled_from((*CALENDARS, None))) for _ in ids]
    scenario = Scenario(ids, calendars, holidays, cycles=cycles)
    if leave:
        scenario.leave = _leave(draw, ids, horizon_days, 2 * n)
    return scenario


def _leave_free_permutation_exists(scenario: Scenario, weeks: range) -> bool:
    """Whether each week of ``weeks`` can get a distinct member not on leave (Kuhn's
    augmenting paths)."""
    owner: dict[str, int] = {}

    def place(week: int, seen: set[str]) -> bool:
        for m in scenario.ids:
            if m in seen or scenario.away(m, week):
                continue
            seen.add(m)
            if m not in owner or place(owner[m], seen):
                owner[m] = week
                return True
        return False

    return all(place(week, set()) for week in weeks)


@FAST
@given(scenarios())
def test_nobody_on_leave_is_on_call_and_no_week_is_left_empty_needlessly(s: Scenario) -> None:
    for week in s.engine().weeks(0, s.weeks):
        free = [m for m in s.ids if not s.away(m, week.index)]
        if week.engineer is None:
            assert free == [], f"week {week.index} left empty while {free} are free"
        else:
            assert week.engineer in free, f"week {week.index}: {week.engineer} is on leave"


@FAST
@given(scenarios())
def test_whole_cycles_give_everyone_one_week_when_leave_allows(s: Scenario) -> None:
    got = [w.engineer for w in s.engine().weeks(0, s.weeks)]
    totals = dict.fromkeys(s.ids, 0)
    feasible_so_far = True
    for cycle in range(s.cycles):
        weeks = range(cycle * s.n, (cycle + 1) * s.n)
        feasible_so_far = feasible_so_far and _leave_free_permutation_exists(s, weeks)
        for k in weeks:
            if got[k] is not None:
                totals[got[k]] += 1
        if feasible_so_far:
            assert sorted(got[k] for k in weeks) == sorted(s.ids)  # type: ignore[type-var]
            assert max(totals.values()) - min(totals.values()) <= 1


@FAST
@given(scenarios(leave=False))
def test_without_leave_nobody_is_on_call_two_weeks_running(s: Scenario) -> None:
    got = [w.engineer for w in s.engine().weeks(0, s.weeks + s.n)]
    assert all(a != b for a, b in itertools.pairwise(got)), got


@FAST
@given(scenarios())
def test_two_weeks_running_only_next_to_a_cycle_with_leave(s: Scenario) -> None:
    got = [w.engineer for w in s.engine().weeks(0, s.weeks)]
    for k in range(1, s.weeks):
        if got[k] is not None and got[k] == got[k - 1]:
            cycles = {(k - 1) // s.n, k // s.n}
            assert any(
                s.away(m, week, None)
                for c in cycles
                for week in range(c * s.n, (c + 1) * s.n)
                for m in s.ids
            ), f"weeks {k - 1} and {k}: {got[k]} twice with no leave around"


@settings(max_examples=40, deadline=None)
@given(scenarios(leave=False, largest=6), st.data())
def test_one_leave_gives_two_weeks_running_only_if_unavoidable(s: Scenario, data) -> None:
    # one member away Monday..Friday of one week: only that week's cycle is re-solved, so any
    # two-weeks-running must be forced within it, given the weeks around it
    who = data.draw(st.sampled_from(s.ids))
    week = data.draw(st.integers(0, s.weeks - 1))
    monday = START + timedelta(weeks=week)
    s.leave = {who: [Leave(monday, monday + timedelta(days=4))]}
    got = [w.engineer for w in s.engine().weeks(0, s.weeks + s.n)]
    cycle = week // s.n
    first, last = cycle * s.n, (cycle + 1) * s.n - 1
    prev = got[first - 1] if first > 0 else None
    after = got[last + 1]
    running = (prev is not None and got[first] == prev) or got[last] == after
    assert all(a != b for a, b in itertools.pairwise(got[:first])), got
    assert all(a != b for a, b in itertools.pairwise(got[last + 1 :])), got
    if running:
        for order in itertools.permutations(s.ids):
            leave_free = all(not s.away(m, first + i) for i, m in enumerate(order))
            clean = order[0] != prev and order[-1] != after
            assert not (leave_free and clean), f"{order} avoids it; engine gave {got}"


@FAST
@given(scenarios(), st.integers(0, 30))
def test_same_inputs_same_weeks_whatever_window_asks(s: Scenario, first: int) -> None:
    whole = [w.engineer for w in s.engine().weeks(0, s.weeks)]
    again = [w.engineer for w in s.engine().weeks(0, s.weeks)]
    assert whole == again
    first = min(first, s.weeks - 1)
    window = [w.engineer for w in s.engine().weeks(first, s.weeks - first)]
    assert window == whole[first:]
    reasons = [w.reason for w in s.engine().weeks(0, s.weeks)]
    assert reasons == [w.reason for w in s.engine().weeks(0, s.weeks)]


@FAST
@given(scenarios(), st.data())
def test_published_weeks_never_change(s: Scenario, data) -> None:
    before = s.engine().weeks(0, s.weeks)
    count = data.draw(st.integers(1, s.weeks))
    published = [PublishedWeek(w.start, w.engineer, w.reason) for w in before[:count] if w.engineer]
    more_leave = _leave(data.draw, s.ids, s.weeks * 7, 2 * s.n)
    more_holidays = {
        name: {
            **days,
            **{
                START + timedelta(days=d): "new"
                for d in data.draw(st.sets(st.integers(0, s.weeks * 7), max_size=6))
            },
        }
        for name, days in s.holidays.items()
    }
    after = s.engine(more_leave, more_holidays, published).weeks(0, s.weeks)
    for old, new in zip(before[:count], after[:count], strict=True):
        if old.engineer is not None:
            assert new.engineer == old.engineer
            assert new.published is not None
            if s.away(new.engineer, new.index, more_leave):
                assert new.conflict is not None


@FAST
@given(scenarios(), st.data())
def test_one_more_leave_changes_only_the_cycles_it_touches(s: Scenario, data) -> None:
    who = data.draw(st.sampled_from(s.ids))
    first = START + timedelta(days=data.draw(st.integers(0, s.weeks * 7)))
    new = Leave(first, first + timedelta(days=data.draw(st.integers(0, 13))))
    before = [w.engineer for w in s.engine().weeks(0, s.weeks)]
    after = [w.engineer for w in s.engine({who: [new]}).weeks(0, s.weeks)]
    touched = {
        k // s.n
        for k in range(s.weeks)
        if new.start <= START + timedelta(weeks=k, days=6) and new.end >= START + timedelta(weeks=k)
    }
    changed_cycles = sorted({k // s.n for k in range(s.weeks) if before[k] != after[k]})
    for cycle in changed_cycles:
        if cycle in touched:
            continue
        # a cycle not touched by the new leave may only change if it has leave of its own to
        # work around, and a neighbour changed: the cycle before it (its last week is the week
        # before), or the one after it gained leave (who can open it)
        has_leave = any(
            s.away(m, k, {who: [new]}) for k in range(cycle * s.n, (cycle + 1) * s.n) for m in s.ids
        )
        neighbour = cycle - 1 in changed_cycles or cycle + 1 in touched
        assert has_leave and neighbour, (cycle, touched, before, after)
