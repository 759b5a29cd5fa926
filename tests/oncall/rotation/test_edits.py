"""Edits are local repairs: a sequence of random edits through the real commands' core.

After each edit (leave added or removed, a swap made or undone, weeks published) on a real
workspace, with the clock inside the year: at most 4 weeks change, none before the cycle of the
edit, none that is over or in progress, none published (but a swap's own weeks: trading a
published week is how its conflicts are settled); the list the edit reports is the difference
of the schedule before and after, week by week; and the holiday spread of the plan year the
edit touched stays within one day of the fresh optimum for the same inputs, while no swap is
active (a swap is an agreement between two people: the engine does not re-plan around it, so
its holiday days stay with whoever agreed to them, until ``oncall plan --rebalance``).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
        assert all(k >= cycle_start for k in diff), (kind, edit_week, diff)
        assert all(k > current for k in diff), (kind, diff)
        traded = {edit_week, max(one, two)} if kind == "swap" else set()
        if kind == "undo":
            traded = {week_index(engine.rotation, s.week) for s in result.swap.weeks}
        assert not (published - traded) & set(diff), (kind, diff)
        fresh = api.engine_for(ws, "data-engineering")
        if diff and not fresh.state.active_swaps:
            for year in fresh.years(min(diff), max(diff)):
                best = fresh.optimum(year, frozen=True).values["holiday_spread"]
                assert year.values["holiday_spread"] <= best + 1, (kind, year, best)
