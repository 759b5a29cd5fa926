"""The engine's plans against independent oracles: the exact lexicographic optimum, every time.

A fresh plan must reach, goal after goal, what brute force (tiny rotations) or a second,
independently written MILP (up to ten members and a whole year) proves possible: whole-cycle
week counts, then two weeks running, then the public-holiday spread, then departures from list
order. Goals are measured by the oracle module from their definitions, never by the engine.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall.config.models import Leave

from .factories import START, engine, engineers, member, rotation
from .oracle import Instance, brute_force, holiday_days, milp
from .test_properties import CALENDARS, Scenario, _leave

ORACLE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def instance_of(s: Scenario) -> Instance:
    calendar = dict(zip(s.ids, s.calendars, strict=True))
    return Instance(
        s.ids,
        START,
        s.weeks,
        lambda m, k: s.away(m, k),
        lambda m, k: holiday_days(s.holidays, calendar[m], START + timedelta(weeks=k)),
    )


def planned(s: Scenario) -> list[str | None]:
    """The engine's fresh plan of the scenario's weeks, as one plan year."""
    return engineers(s.engine(year_weeks=s.weeks), s.weeks)


@st.composite
def tiny(draw) -> Scenario:
    n = draw(st.integers(2, 3))
    ids = [f"m{i}" for i in range(n)]
    cycles = draw(st.integers(2, 9 // n))
    days = n * cycles * 7
    holidays = {
        name: {
            START + timedelta(days=d): f"{name}{d}"
            for d in draw(st.sets(st.integers(0, days - 1), max_size=5))
        }
        for name in CALENDARS
    }
    calendars = [draw(st.sampled_from((*CALENDARS, None))) for _ in ids]
    s = Scenario(ids, calendars, holidays, cycles=cycles)
    s.leave = _leave(draw, ids, days, 3)
    return s


@st.composite
def larger(draw) -> Scenario:
    n = draw(st.integers(2, 10))
    ids = [f"m{i}" for i in range(n)]
    cycles = draw(st.integers(2, max(2, 30 // n)))
    days = n * cycles * 7
    holidays = {
        name: {
            START + timedelta(days=d): f"{name}{d}"
            for d in draw(st.sets(st.integers(0, days - 1), max_size=days // 10))
        }
        for name in CALENDARS
    }
    calendars = [draw(st.sampled_from((*CALENDARS, None))) for _ in ids]
    s = Scenario(ids, calendars, holidays, cycles=cycles)
    s.leave = _leave(draw, ids, days, n + 1)
    return s


@ORACLE
@given(tiny())
def test_a_fresh_plan_is_the_brute_force_optimum(s: Scenario) -> None:
    instance = instance_of(s)
    assert instance.goals(planned(s)) == brute_force(instance)


@pytest.mark.slow
@ORACLE
@given(larger())
def test_a_fresh_plan_is_the_independent_milps_optimum(s: Scenario) -> None:
    instance = instance_of(s)
    got = planned(s)
    best = milp(instance)
    assert instance.goals(got) == best
    # and so, where the calendar allows: whole cycles within one week of each other
    if best[0] == 0:
        counts = dict.fromkeys(s.ids, 0)
        for k, who in enumerate(got):
            if who is not None:
                counts[who] += 1
            if (k + 1) % s.n == 0:
                assert max(counts.values()) - min(counts.values()) <= 1


def _year(ids: list[str], calendars: list[str | None], holidays, leave) -> Scenario:
    s = Scenario(ids, calendars, holidays, cycles=-(-52 // len(ids)))
    s.leave = leave
    return s


def _days(first: date, count: int, name: str) -> dict[date, str]:
    return {first + timedelta(days=i): name for i in range(count)}


# A year of public holidays on two synthetic calendars: X (Easter, Whitsun, a summer and a
# Christmas block) and Y (other dates), weekday-heavy like real ones.
X = {
    **_days(date(2027, 3, 26), 1, "Good Friday"),
    **_days(date(2027, 3, 29), 1, "Easter Monday"),
    **_days(date(2027, 5, 17), 1, "Whit Monday"),
    **_days(date(2027, 8, 16), 2, "Summer"),
    **_days(date(2027, 10, 4), 1, "Unity"),
    **_days(date(2027, 12, 24), 3, "Christmas"),
}
Y = {
    **_days(date(2027, 1, 18), 1, "MLK"),
    **_days(date(2027, 2, 15), 1, "Presidents"),
    **_days(date(2027, 5, 31), 1, "Memorial"),
    **_days(date(2027, 7, 5), 1, "Independence"),
    **_days(date(2027, 9, 6), 1, "Labor"),
    **_days(date(2027, 11, 25), 2, "Thanksgiving"),
    **_days(date(2027, 12, 24), 1, "Christmas Eve"),
}
REAL = {"X": X, "Y": Y, "Z": {}}


def _away(first: date, last: date) -> list[Leave]:
    return [Leave(first, last)]


CASES = {
    "pair alternating leave": _year(
        ["a", "b"],
        ["X", "Y"],
        REAL,
        {
            "a": [
                Leave(date(2027, 2, 1), date(2027, 2, 12)),
                Leave(date(2027, 6, 7), date(2027, 6, 18)),
            ],
            "b": [
                Leave(date(2027, 4, 5), date(2027, 4, 16)),
                Leave(date(2027, 9, 13), date(2027, 9, 24)),
            ],
        },
    ),
    "pair parental leave": _year(
        ["a", "b"], ["X", "X"], REAL, {"a": _away(date(2027, 3, 1), date(2027, 3, 19))}
    ),
    "team of nine, half on Christmas": _year(
        [f"m{i}" for i in range(9)],
        ["X", "X", "X", "X", "Y", "Y", "Y", "Z", "Z"],
        REAL,
        {f"m{i}": _away(date(2027, 12, 20), date(2027, 12, 31)) for i in range(4)},
    ),
    "leave in the very first week": _year(
        ["a", "b", "c", "d"], ["X", "Y", "X", "Y"], REAL, {"a": _away(START, START + timedelta(4))}
    ),
    "everyone on leave in one week": _year(
        ["a", "b", "c"],
        ["X", "Y", None],
        REAL,
        {m: _away(date(2027, 8, 2), date(2027, 8, 6)) for m in ("a", "b", "c")},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_realistic_years_reach_the_optimum(name: str) -> None:
    s = CASES[name]
    instance = instance_of(s)
    got = engineers(s.engine(year_weeks=52), s.weeks)
    assert instance.goals(got) == milp(instance)


def test_the_optimum_holds_across_plan_years_with_the_holiday_ledger() -> None:
    # two plan years of a pair on different calendars: the second year starts from what the
    # first left (holiday days already served), so its spread is measured on the total
    rot = rotation(member("a", "X"), member("b", "Y"))
    eng = engine(rot, REAL)
    years = eng.years(0, 2 * eng.year_weeks - 1)
    assert [y.how for y in years] == ["solved", "solved"]
    totals = {"a": 0, "b": 0}
    for week in eng.weeks(0, 2 * eng.year_weeks):
        if week.engineer:
            totals[week.engineer] += len(week.engineer_holidays)
    assert abs(totals["a"] - totals["b"]) == years[1].values["holiday_spread"]
