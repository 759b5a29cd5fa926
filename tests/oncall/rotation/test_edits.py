"""Edits are local repairs: a sequence of random edits through the real commands' core.

After each edit (leave added or removed, a swap made or undone, weeks published) on a real
workspace, with the clock inside the year: at most 4 weeks change, none before the cycle of the
edit, none that is over or in progress, none published (but a swap's own weeks: trading a
published week is how its conflicts are settled); and the list the edit reports is the
difference of the schedule before and after, week by week.

What a repair promises about fairness is tested against brute force: it is the fairest of all
local repairs. It does not promise to stay within a day of the fresh optimum: a repair may not
move more than four weeks near the leave, and that can cost several days (a pair on two
calendars, a leave from Thursday 3 to Monday 7 June 2027: the best local repair ends at a
spread of 2 and two weeks running, where the fresh optimum is 0; a pair on one calendar, a
one-day leave in March: the only local repairs avoiding two weeks running move Good Friday and
Easter Monday together). ``oncall plan`` shows the gap next to the proven optimum and
``oncall plan --rebalance`` closes it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall.config.models import Leave
from oncall.config.workspace import Workspace
from oncall.errors import UsageError
from oncall.rotation import api, changes
from oncall.rotation.weeks import week_index

START = date(2027, 1, 4)
NOW = "2027-03-10T10:00:00+01:00"  # week 9 is in progress
CALENDARS = ("{country: DE, subdiv: BY}", "{country: US, subdiv: CA}", "{country: GB}", None)


def rotation_text(calendars: list[str | None]) -> str:
    lines = [
        "name: Edits",
        "timezone: Europe/Berlin",
        "rotation: {start: 2027-01-04}",
        "members:",
    ]
    for i, calendar in enumerate(calendars):
        lines += [
            f"  - id: m{i}",
            f"    name: Member {i}",
            f"    email: m{i}@example.com",
            '    phone: "+00 1"',
        ]
        if calendar:
            lines.append(f"    holidays: {calendar}")
    return "\n".join(lines) + "\n"


def shown(root: Path) -> dict[int, str | None]:
    engine = api.engine_for(Workspace(root), "data-engineering")
    return {k: engine.engineer_of(k) for k in range(max(engine.horizon, 160))}


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    calendars=st.lists(st.sampled_from(CALENDARS), min_size=2, max_size=8),
    data=st.data(),
)
def test_twenty_random_edits_each_stay_local(tmp_path_factory, monkeypatch, calendars, data):
    root = tmp_path_factory.mktemp("edits")
    (root / "schedules").mkdir()
    (root / "schedules" / "data-engineering.yaml").write_text(rotation_text(calendars))
    monkeypatch.setenv("ONCALL_NOW", NOW)
    ws = Workspace(root)
    n = len(calendars)
    ids = [f"m{i}" for i in range(n)]
    current = 9
    leave: list[tuple[str, date]] = []
    swaps: list[int] = []
    for _ in range(20):
        before = shown(root)
        engine = api.engine_for(ws, "data-engineering")
        published = {week_index(engine.rotation, d) for d in engine.state.published}
        kind = data.draw(st.sampled_from(["leave", "leave", "unleave", "swap", "undo", "publish"]))
        try:
            if kind == "leave" or (kind == "unleave" and not leave):
                who = data.draw(st.sampled_from(ids))
                first = START + timedelta(days=data.draw(st.integers(7 * current, 7 * 60)))
                last = first + timedelta(days=data.draw(st.integers(0, 4)))
                outcome = changes.add_leave(ws, "data-engineering", who, first, last).outcome
                leave.append((who, first))
                edit_week = week_index(engine.rotation, first)
            elif kind == "unleave":
                who, day = leave.pop(data.draw(st.integers(0, len(leave) - 1)))
                outcome = changes.remove_leave(ws, "data-engineering", who, day).outcome
                edit_week = week_index(engine.rotation, day)
            elif kind == "swap" or (kind == "undo" and not swaps):
                one = data.draw(st.integers(current + 1, 60))
                two = data.draw(st.integers(current + 1, 60))
                result = changes.add_swap(
                    ws,
                    "data-engineering",
                    START + timedelta(weeks=one),
                    START + timedelta(weeks=two),
                )
                swaps.append(result.swap.id)
                outcome = result.outcome
                edit_week = min(one, two)
            elif kind == "undo":
                swap_id = swaps.pop(data.draw(st.integers(0, len(swaps) - 1)))
                result = changes.undo_swap(ws, "data-engineering", swap_id)
                outcome = result.outcome
                edit_week = min(week_index(engine.rotation, s.week) for s in result.swap.weeks)
            else:
                count = data.draw(st.integers(1, 8))
                outcome = changes.publish(ws, "data-engineering", weeks=count).outcome
                edit_week = current
        except UsageError:
            continue  # refused (same engineer, leave, published swap...): nothing written
        after = shown(root)
        diff = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
        reported = [week_index(engine.rotation, c.start) for c in outcome.changes]
        assert reported == diff, (kind, outcome.changes)
        assert len(diff) <= 4, (kind, outcome.changes)
        cycle_start = edit_week - edit_week % n
        # a leave that voids a swap (its taker goes away) releases the swap's other week too
        voided = {
            week_index(engine.rotation, side.week)
            for state in api.engine_for(ws, "data-engineering").swap_states()
            if state.state == "void"
            for side in state.swap.weeks
        }
        assert all(k >= cycle_start or k in voided for k in diff), (kind, edit_week, diff)
        assert all(k > current for k in diff), (kind, diff)
        traded = {edit_week, max(one, two)} if kind == "swap" else set()
        if kind == "undo":
            traded = {week_index(engine.rotation, s.week) for s in result.swap.weeks}
        assert not (published - traded) & set(diff), (kind, diff)


def test_a_leave_crossing_into_the_next_week_may_repair_from_its_own_cycle(tmp_path, monkeypatch):
    """Found by the sequence test: three people on one calendar, a leave Thursday to Monday.
    Only the Monday's week breaks, and a repair from that week's cycle alone must give Christmas
    to someone who already has a holiday (spread 1 -> 3); from the cycle where the leave
    begins, four changes keep the spread at the optimum."""
    monkeypatch.setenv("ONCALL_NOW", NOW)
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "data-engineering.yaml").write_text(
        rotation_text(["{country: DE, subdiv: BY}"] * 3)
    )
    ws = Workspace(tmp_path)
    before = shown(tmp_path)
    outcome = changes.add_leave(
        ws, "data-engineering", "m0", date(2027, 12, 2), date(2027, 12, 6)
    ).outcome
    after = shown(tmp_path)
    diff = [k for k in before if before[k] != after.get(k)]
    leave_week = week_index(api.engine_for(ws, "data-engineering").rotation, date(2027, 12, 2))
    assert [
        week_index(api.engine_for(ws, "data-engineering").rotation, c.start)
        for c in outcome.changes
    ] == diff
    assert 0 < len(diff) <= 4 and min(diff) >= leave_week - leave_week % 3, diff
    fresh = api.engine_for(ws, "data-engineering")
    (year,) = fresh.years(leave_week, leave_week)
    best = fresh.optimum(year, frozen=True).values["holiday_spread"]
    assert year.values["holiday_spread"] <= best + 1, (year, best)


@st.composite
def small_leave_edit(draw):
    n = draw(st.integers(2, 3))
    ids = [f"m{i}" for i in range(n)]
    days = {
        name: {
            START + timedelta(days=d): f"{name}{d}"
            for d in draw(st.sets(st.integers(0, 7 * 30), max_size=12))
        }
        for name in ("X", "Y")
    }
    calendars = [draw(st.sampled_from(("X", "Y", None))) for _ in ids]
    who = draw(st.sampled_from(ids))
    week = draw(st.integers(10, 22))
    weekday = draw(st.integers(0, 6))  # from Thursday on, a leave of a few days crosses weeks
    length = draw(st.integers(0, 4))
    return ids, days, calendars, who, week, weekday, length


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_leave_edit())
def test_a_repair_is_the_fairest_of_all_local_repairs(case) -> None:
    """One leave on a solved plan, clock in week 9: the engine's repair equals the best of every
    assignment that differs from the plan only from the leave's cycle to one cycle after it, in
    at most four weeks, with nobody on leave: brute force over all of them, goals in order
    (week counts, two weeks running, holiday spread, changes, departures)."""
    import itertools

    from .factories import engine, member, rotation
    from .oracle import Instance, holiday_days

    ids, days, calendars, who, week, weekday, length = case
    n = len(ids)
    rot = rotation(*(member(m, c) for m, c in zip(ids, calendars, strict=True)))
    year = 30 // n * n
    seen = engine(rot, days, current=9, year_weeks=year)
    plan = seen.plan()
    before = [seen.engineer_of(k) for k in range(year)]
    first = START + timedelta(weeks=week, days=weekday)
    leave = Leave(first, first + timedelta(days=length))
    away = rotation(
        *(member(m, c, [leave] if m == who else []) for m, c in zip(ids, calendars, strict=True))
    )
    after_engine = engine(away, days, plan=plan, current=9, year_weeks=year)
    after = [after_engine.engineer_of(k) for k in range(year)]

    calendar = dict(zip(ids, calendars, strict=True))

    def on_leave(m: str, k: int) -> bool:
        monday = START + timedelta(weeks=k)
        return m == who and leave.start <= monday + timedelta(days=6) and leave.end >= monday

    instance = Instance(
        ids,
        START,
        year,
        on_leave,
        lambda m, k: holiday_days(days, calendar[m], START + timedelta(weeks=k)),
    )
    broken = [k for k in range(year) if before[k] is not None and on_leave(before[k], k)]
    if not broken:
        assert after == before
        return
    # the leave's own cycle (where it starts, even if its first week needs no repair) to one
    # cycle after each broken week
    origin = min(week, *broken)
    window = sorted(
        {j for k in broken for j in range(origin - origin % n, min(year, k + n + 1)) if j > 9}
    )
    choices = [[m for m in ids if not on_leave(m, k)] or [None] for k in window]

    def score(got: list[str | None]) -> tuple[int, ...]:
        goals = instance.goals(got)
        changed = sum(1 for a, b in zip(got, before, strict=True) if a != b)
        return (*goals[:3], changed, goals[3])

    best = None
    for pick in itertools.product(*choices):
        got = list(before)
        for k, m in zip(window, pick, strict=True):
            got[k] = m
        if sum(1 for a, b in zip(got, before, strict=True) if a != b) > 4:
            continue
        if best is None or score(got) < best:
            best = score(got)
    assert best is not None
    assert score(after) == best
