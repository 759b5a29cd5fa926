"""The backup on-call: never the primary, never on leave, and as fair as the calendar allows.

The backup of each week is planned by the same engine, among everyone but the week's primary.
Its goals (whole-cycle counts, two weeks running, public-holiday spread, departures from the
list shifted by half a cycle) are measured by the oracle module from their definitions and
compared with what an independent MILP proves possible for the same free members.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from oncall.rotation.engine import Engine
from oncall.rotation.holidays import FixedHolidays
from oncall.rotation.model import RotationState

from .factories import START, engine, rotation, team
from .oracle import Instance, holiday_days, milp
from .test_optimum import larger
from .test_properties import Scenario

ORACLE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def with_backup(s: Scenario) -> Engine:
    rot = dataclasses.replace(s.rotation(), backup=True)
    return Engine(rot, RotationState(), FixedHolidays(s.holidays), None, year_weeks=s.weeks)


@pytest.mark.slow
@ORACLE
@given(larger())
def test_the_backup_is_never_the_primary_and_is_optimal(s: Scenario) -> None:
    eng = with_backup(s)
    weeks = eng.weeks(0, s.weeks)
    primary = [w.engineer for w in weeks]
    backup = [w.backup for w in weeks]
    for k, (one, two) in enumerate(zip(primary, backup, strict=True)):
        assert two is None or (two != one and not s.away(two, k))
        if two is None:  # only when nobody else is free
            assert all(s.away(m, k) or m == one for m in s.ids)
    # the backup's goals equal the optimum of the same problem, solved independently
    offset = max(1, s.n // 2)
    ids = s.ids[offset:] + s.ids[:offset]  # the backup's plain order
    calendar = dict(zip(s.ids, s.calendars, strict=True))
    instance = Instance(
        ids,
        START,
        s.weeks,
        lambda m, k: s.away(m, k) or m == primary[k],
        lambda m, k: holiday_days(s.holidays, calendar[m], START + timedelta(weeks=k)),
    )
    assert instance.goals(backup) == milp(instance)


def test_without_leave_everyone_is_backup_equally_and_never_twice_running() -> None:
    eng = engine(dataclasses.replace(team("a", "b", "c", "d", "e"), backup=True))
    weeks = eng.weeks(0, 55)
    counts: dict[str, int] = {}
    for k, week in enumerate(weeks):
        assert week.backup != week.engineer
        counts[week.backup] = counts.get(week.backup, 0) + 1
        if (k + 1) % 5 == 0:
            assert max(counts.values()) - min(counts.values()) == 0
        if k:
            assert week.backup != weeks[k - 1].backup
    # half a cycle behind the primary: a backup week falls between one's own weeks
    assert [w.backup for w in weeks[:5]] == ["c", "d", "e", "a", "b"]


def test_a_pair_backs_each_other_up() -> None:
    eng = engine(dataclasses.replace(team("a", "b"), backup=True))
    assert [(w.engineer, w.backup) for w in eng.weeks(0, 4)] == [
        ("a", "b"),
        ("b", "a"),
        ("a", "b"),
        ("b", "a"),
    ]


def test_a_rotation_of_one_has_no_backup() -> None:
    eng = engine(dataclasses.replace(rotation(*team("a").members), backup=True))
    assert [w.backup for w in eng.weeks(0, 3)] == [None, None, None]


def test_rotations_without_backup_have_none() -> None:
    eng = engine(team("a", "b", "c"))
    assert eng.backup is None
    assert [w.backup for w in eng.weeks(0, 3)] == [None, None, None]
