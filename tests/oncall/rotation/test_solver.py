"""The solver's searches: fewer of them give the same optimum, and the time limit never fails.

The optimum itself is checked against independent oracles in ``test_optimum.py``; here the
problems are built by hand, so each test knows its answer without solving.
"""

from __future__ import annotations

import random
from typing import Any

import highspy
import pytest

from oncall.rotation import solver
from oncall.rotation.solver import Problem, evaluate, solve


def _everyone_free(
    members: tuple[str, ...], cycles: int, days: dict[str, dict[int, int]]
) -> Problem:
    """``cycles`` whole cycles anyone may take, ``days[m][k]`` holiday days in week ``k``."""
    weeks = tuple(range(len(members) * cycles))
    return Problem(
        weeks=weeks,
        members=members,
        options={k: members for k in weeks},
        fixed={},
        base={k: members[k % len(members)] for k in weeks},
        days=days,
    )


def _pair_year(holidays: dict[str, dict[int, int]]) -> Problem:
    """Two members, three cycles, everyone free; ``holidays[m][k]`` days in week ``k``."""
    return _everyone_free(("ana", "bo"), 3, holidays)


def _scattered() -> Problem:
    """Six members, six cycles, holidays scattered at random (seeded): a search of some seconds."""
    chance = random.Random(7)
    members = tuple(f"m{i}" for i in range(6))
    weeks = tuple(range(36))
    days = {m: {k: chance.randint(1, 2) for k in chance.sample(weeks, 6)} for m in members}
    return _everyone_free(members, 6, days)


def _count_searches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets one item per HiGHS search from now on."""
    runs: list[int] = []
    original = highspy.Highs.run

    def counted(self: Any) -> Any:
        runs.append(1)
        return original(self)

    monkeypatch.setattr(highspy.Highs, "run", counted)
    return runs


def test_a_plan_already_at_zero_needs_no_search_for_that_goal(monkeypatch) -> None:
    # no holidays at all: the first search's plan has spread 0, so no search proves it again
    runs = _count_searches(monkeypatch)
    found = solve(_pair_year({}))
    assert found.values == {
        "week_excess": 0,
        "back_to_back": 0,
        "holiday_spread": 0,
        "changes": 0,
        "departures": 0,
    }
    assert found.engineers == {0: "ana", 1: "bo", 2: "ana", 3: "bo", 4: "ana", 5: "bo"}
    # one search for week counts and two weeks running together; its plan already has spread
    # 0, so no search for the spread (one more only if its plan is not the plain order)
    assert len(runs) <= 2


def test_a_plan_with_no_uneven_cycle_and_no_weeks_running_proves_both_in_one_search(
    monkeypatch,
) -> None:
    runs = _count_searches(monkeypatch)
    # ana has a holiday in week 0: bo must take it (spread 0), and with no two weeks running
    # the whole year then alternates bo, ana: every week departs from the plain order
    found = solve(_pair_year({"ana": {0: 1}}))
    assert found.engineers == {0: "bo", 1: "ana", 2: "bo", 3: "ana", 4: "bo", 5: "ana"}
    assert found.values == {
        "week_excess": 0,
        "back_to_back": 0,
        "holiday_spread": 0,
        "changes": 0,
        "departures": 6,
    }
    # scattered holidays: the spread is searched assuming the first two goals at 0 (its plan
    # proves them), then the departures; the first two goals get no search of their own
    runs.clear()
    problem = _scattered()
    found = solve(problem)
    assert found.values["week_excess"] == found.values["back_to_back"] == 0
    assert found.values == evaluate(problem, found.engineers) and not found.unproven
    assert len(runs) == 2


def test_weeks_running_weigh_less_than_one_uneven_cycle() -> None:
    # bo is away for weeks 0 to 3, so ana takes them and the first two cycles are uneven
    # whatever happens; in the third, bo takes both weeks to even the count as far as it can,
    # although that makes two weeks running: the count comes first (the first search, assuming
    # no uneven cycle and no weeks running, finds no plan; both are then searched as usual)
    weeks = tuple(range(6))
    members = ("ana", "bo")
    options = {0: ("ana",), 1: ("ana",), 2: ("ana",), 3: ("ana",), 4: members, 5: members}
    problem = Problem(
        weeks=weeks,
        members=members,
        options=options,
        fixed={},
        base={k: members[k % 2] for k in weeks},
        days={},
    )
    found = solve(problem)
    assert found.engineers[4] == "bo" and found.engineers[5] == "bo"
    assert found.values["back_to_back"] == 4  # ana 0-1, 1-2, 2-3 and bo 4-5
    assert found.values == evaluate(problem, found.engineers)


def test_a_search_stopped_by_its_time_limit_keeps_the_last_plan(monkeypatch) -> None:
    # six members with scattered holidays; the departures search is stopped before it finds
    # a plan: the answer is the spread search's plan, which keeps every goal held before it,
    # and the departures are marked unproven
    problem = _scattered()
    exact = solve(problem)
    assert not exact.unproven
    original = highspy.Highs.run
    statuses: list[str] = []

    def stopped_late(self: Any) -> Any:
        if self.getOptionValue("mip_abs_gap")[1] < 0.5:  # only the departures search is finer
            self.setOptionValue("time_limit", 0.0)
        done = original(self)
        statuses.append(self.modelStatusToString(self.getModelStatus()))
        return done

    monkeypatch.setattr(highspy.Highs, "run", stopped_late)
    found = solve(problem)
    assert statuses[-1] == "Time limit reached"
    assert found.unproven == ("departures",)
    for goal in ("week_excess", "back_to_back", "holiday_spread"):
        assert found.values[goal] == exact.values[goal]
    assert found.values == evaluate(problem, found.engineers)
    assert found.values["departures"] >= exact.values["departures"]


def test_a_first_search_with_no_plan_in_time_is_an_error(monkeypatch) -> None:
    original = highspy.Highs.run

    def stopped(self: Any) -> Any:
        self.setOptionValue("time_limit", 0.0)
        return original(self)

    monkeypatch.setattr(highspy.Highs, "run", stopped)
    with pytest.raises(RuntimeError, match="Time limit"):
        solve(_scattered())


def test_the_weights_of_a_joint_search_keep_the_order() -> None:
    problem = _pair_year({})
    # two weeks running can reach at most one per week plus the week before: 7
    assert solver._weights(problem, ("week_excess", "back_to_back")) == [
        ("week_excess", 8.0),
        ("back_to_back", 1.0),
    ]
    with pytest.raises(ValueError):
        solver._weights(problem, ("week_excess", "holiday_spread"))
