"""Invariants of the rotation engine over random rotations (hypothesis).

Random teams of 2 to 10 members on a few synthetic holiday calendars, with random leave. The
checks are computed independently of the engine: leave-free permutations of a cycle are found
by plain augmenting paths or brute force, never by the engine's assignment code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
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

    def engine(self, extra=None, holidays=None, published=(), year_weeks=None):
        """The engine, planning the scenario's weeks as one plan year unless told otherwise."""
        return engine(
            self.rotation(extra),
            holidays or self.holidays,
            published=published,
            year_weeks=year_weeks or self.weeks,
        )

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


@pytest.mark.slow
@FAST
@given(scenarios())
def test_nobody_on_leave_is_on_call_and_no_week_is_left_empty_needlessly(s: Scenario) -> None:
    for week in s.engine().weeks(0, s.weeks):
        free = [m for m in s.ids if not s.away(m, week.index)]
        if week.engineer is None:
            assert free == [], f"week {week.index} left empty while {free} are free"
        else:
            assert week.engineer in free, f"week {week.index}: {week.engineer} is on leave"


@pytest.mark.slow
@FAST
@given(scenarios(), st.integers(0, 30))
def test_same_inputs_same_weeks_whatever_window_asks(s: Scenario, first: int) -> None:
    # two engines solving the same inputs afresh, one asked for the whole stretch, the other
    # for a window first: same engineers and reasons
    one = s.engine().weeks(0, s.weeks)
    first = min(first, s.weeks - 1)
    other = s.engine()
    window = [w.engineer for w in other.weeks(first, s.weeks - first)]
    assert window == [w.engineer for w in one[first:]]
    again = other.weeks(0, s.weeks)
    assert [w.engineer for w in again] == [w.engineer for w in one]
    assert [w.reason for w in again] == [w.reason for w in one]


@pytest.mark.slow
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
