"""The exact solver behind the rotation engine: one plan year of weeks, optimal lexicographically.

Pure: a ``Problem`` in, a ``Solution`` out; no files, no clock. The engine builds the problems
(``oncall.rotation.engine``); this module only knows weeks, members and numbers.

The model (an integer program, solved with HiGHS)
-------------------------------------------------
``x[m, k] = 1`` when member ``m`` is on call in week ``k``. Only members who may take a week get
a variable (nobody on leave: the first goal is a hard rule), and every week somebody may take is
covered (``sum_m x[m, k] = 1``). Weeks given in advance (published, over, agreed in a swap) are
constants. The goals, most important first, each one minimised with the better ones held at
their optimum (a lexicographic optimum, so no weighting can trade one goal for another):

1. ``week_excess``: after each whole cycle of ``n`` weeks, the most minus the fewest weeks
   served so far (counting what each member carried in from earlier plan years) should be at
   most 1; the sum over cycles of what exceeds 1. Weeks lost to leave are paid back as soon as
   the other goals allow, because every cycle that stays uneven costs again.
2. ``back_to_back``: pairs of consecutive weeks with the same engineer (the week before the
   plan year included).
3. ``holiday_spread``: the most minus the fewest public-holiday days on call, per member on
   their own calendar, counting the days carried in.
4. ``changes`` (repairs only): weeks that differ from the plan the team last saw.
5. ``departures``: weeks whose engineer is not the plain rotation's (list order); among plans
   with the fewest, the one whose departures come latest by the sum of their positions (a
   weight of less than 1/L per week breaks ties without ever trading a departure), so the
   coming weeks stay in list order. Plans equal on every goal and on that sum (departures at
   weeks 1 and 4 or at 2 and 3; who takes a departed week) are told apart by HiGHS alone:
   the engine is deterministic for one formulation and one HiGHS version.

Each goal is a linear function of ``x`` and a few auxiliary variables (running counts per
cycle, the highest and lowest count, linearised maxima), so holding a goal at its optimum is one
more linear row, and the final answer is optimal for every goal in turn: exact, not a
heuristic. Fewer searches, same answer: the first two goals are searched together, the first
weighted by one more than the second can ever reach, so the weighted optimum is the
lexicographic one; a goal that the last search's plan already meets at 0, its lower bound,
is held there without a search; and the first search assumes the first two goals at 0 (no
uneven cycle, no two weeks running) and goes straight to the holiday spread. A plan found that
way proves both at their lower bound; only when none exists are they searched for themselves.
The holiday spread is proven level by level, one whole lowest total at a time, and then its
lowest total is fixed when only one is possible (``spread``, ``level`` and ``pin`` below; why
that is exact: docs/rotation.md).

Each search has a time limit as a safety net. A search stopped by it keeps its best plan, or the
last search's plan (which meets every goal held so far), and its goals are marked unproven.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any

from oncall.frozen import frozen

#: a safety net per search: one still running then keeps the best plan it has, marked unproven
STAGE_SECONDS = 20.0

#: the goals, most important first (``changes`` only counts in a repair)
GOALS = ("week_excess", "back_to_back", "holiday_spread", "changes", "departures")


@frozen
class Problem:
    """One stretch of whole cycles to plan.

    ``weeks`` are consecutive week numbers (a multiple of ``len(members)`` long, starting at a
    cycle boundary). ``options[k]`` lists who may take week ``k`` (empty: nobody can; the week
    stays empty); a week in ``fixed`` has its engineer given (None: empty) and no options.
    ``base[k]`` is the plain rotation's engineer. ``days[m][k]`` are ``m``'s public-holiday days
    in week ``k`` (missing: 0). ``carry_weeks`` and ``carry_days`` are what each member served
    before, relative to the least loaded. ``before`` is the engineer of the week before.

    A repair also gives ``reference`` (the plan to stay close to) and ``max_changes``.
    """

    weeks: tuple[int, ...]
    members: tuple[str, ...]
    options: Mapping[int, tuple[str, ...]]
    fixed: Mapping[int, str | None]
    base: Mapping[int, str]
    days: Mapping[str, Mapping[int, int]]
    carry_weeks: Mapping[str, int] = field(default_factory=dict)
    carry_days: Mapping[str, int] = field(default_factory=dict)
    before: str | None = None
    reference: Mapping[int, str | None] | None = None
    max_changes: int | None = None

    def key(self) -> str:
        """A canonical text of the problem (the cache key of its solution)."""
        parts = [
            repr(self.weeks),
            repr(self.members),
            repr(sorted(self.options.items())),
            repr(sorted(self.fixed.items(), key=lambda kv: kv[0])),
            repr(sorted(self.base.items())),
            repr(sorted((m, sorted(d.items())) for m, d in self.days.items())),
            repr(sorted(self.carry_weeks.items())),
            repr(sorted(self.carry_days.items())),
            repr(self.before),
            repr(sorted(self.reference.items()) if self.reference is not None else None),
            repr(self.max_changes),
        ]
        return "\n".join(parts)


@frozen
class Solution:
    """Who takes each week, and the value of each goal (``GOALS`` order) it achieves."""

    engineers: dict[int, str | None]
    values: dict[str, int]
    #: goals whose search hit the time limit: the value is the best found, not a proven optimum
    unproven: tuple[str, ...] = ()


def evaluate(problem: Problem, engineers: Mapping[int, str | None]) -> dict[str, int]:
    """The value of every goal for a complete assignment of ``problem.weeks``."""
    members = problem.members
    n = len(members)
    weeks = problem.weeks
    counts = {m: problem.carry_weeks.get(m, 0) for m in members}
    excess = 0
    for position, k in enumerate(weeks):
        engineer = engineers[k]
        if engineer in counts:
            counts[engineer] += 1
        if (position + 1) % n == 0:
            excess += max(0, max(counts.values()) - min(counts.values()) - 1)
    running = 0
    previous = problem.before
    for k in weeks:
        engineer = engineers[k]
        if engineer is not None and engineer == previous:
            running += 1
        previous = engineer
    totals = {m: problem.carry_days.get(m, 0) for m in members}
    for k in weeks:
        engineer = engineers[k]
        if engineer in totals:
            totals[engineer] += problem.days.get(engineer, {}).get(k, 0)
    spread = max(totals.values()) - min(totals.values()) if totals else 0
    reference = problem.reference
    changes = sum(1 for k in weeks if engineers[k] != reference.get(k)) if reference else 0
    departures = sum(1 for k in weeks if engineers[k] != problem.base[k])
    return {
        "week_excess": excess,
        "back_to_back": running,
        "holiday_spread": spread,
        "changes": changes,
        "departures": departures,
    }


class _Model:
    """Columns and rows of an integer program, handed to HiGHS in one piece."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.rows: list[tuple[float, float, dict[int, float]]] = []

    def column(self, lower: float, upper: float, integer: bool = False) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.lower) - 1

    def row(self, lower: float, upper: float, terms: dict[int, float]) -> None:
        self.rows.append((lower, upper, terms))


def _highs() -> Any:
    """A silent HiGHS instance (its banner goes to file descriptor 1 on construction)."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    sink = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(sink, 1)
        solver = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(sink)
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("log_to_console", False)
    solver.setOptionValue("threads", 1)
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.setOptionValue("mip_abs_gap", 0.5)
    solver.setOptionValue("time_limit", STAGE_SECONDS)
    return solver


def solve(problem: Problem) -> Solution:
    """The lexicographic optimum of ``problem`` (see the module's docstring)."""
    members = problem.members
    n = len(members)
    weeks = problem.weeks
    if n == 0 or len(weeks) % n:
        raise ValueError("a problem covers whole cycles of its members")
    free = [k for k in weeks if k not in problem.fixed and problem.options.get(k)]
    if not free:
        engineers = {k: problem.fixed.get(k) for k in weeks}
        return Solution(engineers, evaluate(problem, engineers))

    model = _Model()
    x: dict[tuple[str, int], int] = {}
    for k in free:
        for m in problem.options[k]:
            x[m, k] = model.column(0, 1, integer=True)
        model.row(1, 1, {x[m, k]: 1.0 for m in problem.options[k]})

    def holds(m: str, k: int) -> tuple[float, int | None]:
        """(constant, column) of "m is on call in week k"."""
        if k in problem.fixed:
            return (1.0 if problem.fixed[k] == m else 0.0), None
        return 0.0, x.get((m, k))

    objectives: dict[str, tuple[dict[int, float], float]] = {}

    # 1. week_excess: per cycle, hi >= count[m] >= lo and excess >= hi - lo - 1, where
    # count[m] is a column kept equal to the weeks m served up to the cycle's end (the previous
    # cycle's count plus this cycle's weeks: short rows, not one row over every week so far)
    excess_terms: dict[int, float] = {}
    cycles = len(weeks) // n
    previous: dict[str, int | None] = dict.fromkeys(members)
    served = sum(problem.carry_weeks.get(m, 0) for m in members)
    for j in range(cycles):
        cycle = weeks[j * n : (j + 1) * n]
        hi = model.column(-1e6, 1e6)
        lo = model.column(-1e6, 1e6)
        ex = model.column(0, 1e6)
        model.row(-1.0, float("inf"), {ex: 1.0, hi: -1.0, lo: 1.0})
        excess_terms[ex] = 1.0
        # Every week anyone can take is taken, so the weeks served so far add up to a known
        # total; a member above its ceiling share or below its floor share forces someone to
        # the other side, so the excess is at least that distance. The rows change no integer
        # solution and make the relaxation tight (with no excess: an exact share each).
        served += sum(
            1
            for k in cycle
            if (k in problem.fixed and problem.fixed[k] is not None)
            or (k not in problem.fixed and problem.options.get(k))
        )
        floor_share, ceiling_share = served // n, -(-served // n)
        for m in members:
            constant = float(problem.carry_weeks.get(m, 0)) if j == 0 else 0.0
            count = model.column(-1e6, 1e6)
            terms: dict[int, float] = {count: 1.0}
            before = previous[m]
            if before is not None:
                terms[before] = -1.0
            for k in cycle:
                value, column = holds(m, k)
                constant += value
                if column is not None:
                    terms[column] = -1.0
            model.row(constant, constant, terms)
            previous[m] = count
            model.row(0.0, float("inf"), {hi: 1.0, count: -1.0})
            model.row(0.0, float("inf"), {lo: -1.0, count: 1.0})
            model.row(-float(ceiling_share), float("inf"), {ex: 1.0, count: -1.0})
            model.row(float(floor_share), float("inf"), {ex: 1.0, count: 1.0})
    objectives["week_excess"] = (excess_terms, 0.0)

    # 2. back_to_back: y >= x[m,k] + x[m,k+1] - 1 for consecutive weeks
    running_terms: dict[int, float] = {}
    running_constant = 0.0
    chain = [(weeks[0] - 1, weeks[0])] + [(weeks[i], weeks[i + 1]) for i in range(len(weeks) - 1)]
    for first, second in chain:
        for m in members:
            if first == weeks[0] - 1:
                a_value, a_column = (1.0 if problem.before == m else 0.0), None
            else:
                a_value, a_column = holds(m, first)
            b_value, b_column = holds(m, second)
            if a_column is None and b_column is None:
                running_constant += a_value * b_value
                continue
            if (a_column is None and a_value == 0) or (b_column is None and b_value == 0):
                continue
            y = model.column(0, 1)
            terms = {y: 1.0}
            constant = -1.0
            for value, column in ((a_value, a_column), (b_value, b_column)):
                if column is None:
                    constant += value
                else:
                    terms[column] = terms.get(column, 0.0) - 1.0
            model.row(constant, float("inf"), terms)
            running_terms[y] = 1.0
    objectives["back_to_back"] = (running_terms, running_constant)

    # 3. holiday_spread: hmax >= total[m] >= hmin; the totals are whole days, so hmax and hmin
    # are integer columns: the same optimum, but the solver can reason in whole days (proving
    # "no spread of 0" without it could take a thousand branches, docs/performance.md)
    hmax = model.column(-1e6, 1e6, integer=True)
    hmin = model.column(-1e6, 1e6, integer=True)
    for m in members:
        constant = float(problem.carry_days.get(m, 0))
        terms = {}
        own = problem.days.get(m, {})
        for k in weeks:
            days = own.get(k, 0)
            if not days:
                continue
            value, column = holds(m, k)
            constant += value * days
            if column is not None:
                terms[column] = float(days)
        model.row(constant, float("inf"), {hmax: 1.0, **{c: -v for c, v in terms.items()}})
        model.row(-constant, float("inf"), {hmin: -1.0, **terms})
    objectives["holiday_spread"] = ({hmax: 1.0, hmin: -1.0}, 0.0)

    # 4. changes (repairs): weeks not on the reference engineer
    if problem.reference is not None:
        change_terms: dict[int, float] = {}
        change_constant = 0.0
        for k in weeks:
            wanted = problem.reference.get(k)
            if k in problem.fixed or k not in free:
                change_constant += float(problem.fixed.get(k) != wanted)
                continue
            column = x.get((wanted, k)) if wanted is not None else None
            change_constant += 1.0
            if column is not None:
                change_terms[column] = -1.0
        objectives["changes"] = (change_terms, change_constant)
        if problem.max_changes is not None:
            model.row(-float("inf"), problem.max_changes - change_constant, change_terms)

    # 5. departures from the plain order; among plans with the fewest, the one whose departures
    # come latest (each week's weight is 1 plus less than 1/L, earlier weeks a little more), so
    # ties are broken the same way every time and the coming weeks stay in list order
    departure_terms: dict[int, float] = {}
    departure_constant = 0.0
    span = len(weeks)
    for position, k in enumerate(weeks):
        wanted = problem.base[k]
        if k not in free:
            departure_constant += float(problem.fixed.get(k) != wanted)
            continue
        departure_constant += 1.0
        column = x.get((wanted, k))
        if column is not None:
            departure_terms[column] = -(1.0 + (span - position) / (span * (span + 1)))
    objectives["departures"] = (departure_terms, departure_constant)

    return _lexicographic(problem, model, x, free, objectives)


def _decode(
    problem: Problem, x: dict[tuple[str, int], int], free: Sequence[int], values: list[float]
) -> dict[int, str | None]:
    """The engineer of every week from the solver's column values."""
    engineers: dict[int, str | None] = {k: problem.fixed.get(k) for k in problem.weeks}
    for k in free:
        engineers[k] = next(m for m in problem.options[k] if values[x[m, k]] > 0.5)
    return engineers


#: the most lowest totals one level of the holiday spread tries before searching as usual
_LEVELS = 12
_UNLIMITED = 2**31 - 1
#: how far a relaxation's bound may be off a whole number and still count as it
_SLACK = 1e-3


class _TooWide(Exception):
    """A level of the holiday spread that is better searched as usual."""


#: goals solved together in one search, with weights that keep their order exact
_TOGETHER = (("week_excess", "back_to_back"),)


def _stages(
    problem: Problem, objectives: Mapping[str, tuple[dict[int, float], float]]
) -> list[tuple[str, ...]]:
    """The searches to run, in order: each goal alone, but the goals of ``_TOGETHER``."""
    stages: list[tuple[str, ...]] = []
    for goal in GOALS:
        if goal not in objectives:
            continue
        if stages and any(stages[-1][-1] in t and goal in t for t in _TOGETHER):
            stages[-1] = (*stages[-1], goal)
        else:
            stages.append((goal,))
    return stages


def _weights(problem: Problem, stage: Sequence[str]) -> list[tuple[str, float]]:
    """One objective for the goals of ``stage``, minimised lexicographically.

    Each goal weighs one more than the most the goals after it can add up to (two weeks running
    happen at most once per week, the week before included), so no amount of a later goal is
    worth one unit of an earlier one: the weighted optimum is the lexicographic one.
    """
    most = {"back_to_back": len(problem.weeks) + 1}
    weighted: list[tuple[str, float]] = []
    weight = 1.0
    for goal in reversed(stage):
        weighted.append((goal, weight))
        if goal not in most and goal != stage[0]:
            raise ValueError(f"no bound on the goal {goal} to weigh the goals before it")
        weight *= most.get(goal, 0) + 1
    return weighted[::-1]


def _lexicographic(
    problem: Problem,
    model: _Model,
    x: dict[tuple[str, int], int],
    free: Sequence[int],
    objectives: dict[str, tuple[dict[int, float], float]],
) -> Solution:
    import highspy
    import numpy as np

    solver = _highs()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = len(model.lower)
    lp.num_row_ = len(model.rows)
    lp.col_cost_ = np.zeros(lp.num_col_)
    lp.col_lower_ = np.array(model.lower)
    lp.col_upper_ = np.array(model.upper)
    lp.row_lower_ = np.array([max(lower, -inf) for lower, _, _ in model.rows])
    lp.row_upper_ = np.array([min(upper, inf) for _, upper, _ in model.rows])
    starts, index, value = [0], [], []
    for _, _, terms in model.rows:
        for column in sorted(terms):
            index.append(column)
            value.append(terms[column])
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        for integer in model.integer
    ]
    solver.passModel(lp)

    values: dict[str, int] = {}
    incumbent: list[float] | None = None
    unproven: list[str] = []
    columns = np.arange(lp.num_col_, dtype=np.int32)

    def hold(goal: str, best: int) -> None:
        """Keep ``goal`` at ``best`` while the next goals are minimised (one more row)."""
        values[goal] = best
        terms, constant = objectives[goal]
        order = sorted(terms)
        if order:
            indices = np.array(order, dtype=np.int32)
            coefficients = np.array([terms[c] for c in order])
            solver.addRow(-inf, best - constant + 0.5, len(indices), indices, coefficients)

    def search(stage: Sequence[str]) -> Any:
        """Minimise ``stage``'s goals over the model as it stands: HiGHS's status."""
        pin()
        costs = np.zeros(lp.num_col_)
        for goal, weight in _weights(problem, stage):
            for column, coefficient in objectives[goal][0].items():
                costs[column] += weight * coefficient
        solver.changeColsCost(lp.num_col_, columns, costs)
        # whole goals are integers (a gap under 1 proves them); the tie-break is finer
        solver.setOptionValue("mip_abs_gap", 0.5 if stage[-1] != "departures" else 1e-9)
        # (no warm start from the last stage's plan: with one, HiGHS 1.16 can report the new
        # optimum's value yet hand back the starting plan)
        solver.run()
        return solver.getModelStatus()

    def settle(stage: Sequence[str], status: Any) -> bool:
        """Take the search's plan and hold ``stage``'s goals at what it reaches; False when
        there is no plan to hold them at."""
        nonlocal incumbent
        found = solver.getInfo().primal_solution_status == 2
        if status == highspy.HighsModelStatus.kOptimal:
            # read the plan before the model changes (changing it drops the solution)
            incumbent = list(solver.getSolution().col_value)
        elif status == highspy.HighsModelStatus.kTimeLimit and (found or incumbent is not None):
            # the safety net: the best plan found in time, or else the last stage's plan (it
            # meets every goal held so far); either way these goals are not proven optimal
            if found:
                incumbent = list(solver.getSolution().col_value)
            unproven.extend(stage)
        else:
            return False
        assert incumbent is not None
        # the values of the plan itself (the objective weighs goals together and breaks ties)
        reached = evaluate(problem, _decode(problem, x, free, incumbent))
        for goal in stage:
            hold(goal, reached[goal])
        return True

    # the holiday spread's columns: the highest and the lowest total
    spread_terms = objectives["holiday_spread"][0]
    top = next(column for column, sign in spread_terms.items() if sign > 0)
    bottom = next(column for column, sign in spread_terms.items() if sign < 0)
    #: the spread held, once its search is over, for ``pin``
    pinned: list[int] = []

    def spread(stage: Sequence[str]) -> bool:
        """The holiday spread, proven level by level; False when there is no plan at all.

        HiGHS finds a plan of a small spread at once, but proving that no plan has a smaller
        one can take it seconds of cuts at the root (docs/performance.md). So: take its first
        plan, then ask for a plan whose spread is smaller than the best so far, one lowest
        total at a time (``level``). When no lowest total admits one, none exists, and the best
        spread so far is the optimum. A question too wide or too slow to answer that way falls
        back to the search as usual.
        """
        nonlocal incumbent
        solver.setOptionValue("mip_max_improving_sols", 1)
        status = search(stage)
        solver.setOptionValue("mip_max_improving_sols", _UNLIMITED)
        if status != highspy.HighsModelStatus.kSolutionLimit:
            # proven at once (or no plan, or out of time): nothing for the levels to do
            settled = settle(stage, status)
            if settled:
                pinned.append(values["holiday_spread"])
            return settled
        incumbent = list(solver.getSolution().col_value)
        best = evaluate(problem, _decode(problem, x, free, incumbent))["holiday_spread"]
        while best > 0:
            try:
                found = level(best - 1)
            except _TooWide:
                return settle(stage, search(stage))
            if found is None:
                break
            incumbent = found
            best = evaluate(problem, _decode(problem, x, free, incumbent))["holiday_spread"]
        hold("holiday_spread", best)
        pinned.append(best)
        return True

    def lowest_totals(most: int) -> range | None:
        """The whole numbers the lowest total can be in a plan of spread at most ``most``:
        at most the relaxation's highest lowest total, at least its lowest highest total less
        ``most`` (None when the relaxation has no answer)."""
        bounds = []
        for column, sign in ((bottom, -1.0), (top, 1.0)):
            costs = np.zeros(lp.num_col_)
            costs[column] = sign
            solver.changeColsCost(lp.num_col_, columns, costs)
            solver.setOptionValue("solve_relaxation", True)
            solver.run()
            solver.setOptionValue("solve_relaxation", False)
            if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            bounds.append(sign * solver.getInfo().objective_function_value)
        # rounded outwards past the relaxation's tolerances: a wider range only asks more
        # questions, a narrower one could skip the lowest total of a plan
        highest, lowest = math.floor(bounds[0] + _SLACK), math.ceil(bounds[1] - _SLACK) - most
        return range(lowest, highest + 1)

    def level(most: int) -> list[float] | None:
        """A plan of holiday spread at most ``most`` (its column values); None when none
        exists. Raises ``_TooWide`` when the question is too wide or too slow to answer so.

        Every total lies between the lowest and the highest, so fixing the lowest at a whole
        number and the highest at most ``most`` above it asks for a plan whose totals all lie
        in that window; HiGHS answers each such question in a fraction of a second, mostly by
        its relaxation alone, where the spread's own search needs seconds of cuts.
        """
        candidates = lowest_totals(most)
        if candidates is None or len(candidates) > _LEVELS:
            raise _TooWide
        solver.changeColsCost(lp.num_col_, columns, np.zeros(lp.num_col_))
        try:
            for lowest in candidates:
                solver.changeColBounds(bottom, lowest, lowest)
                solver.changeColBounds(top, lowest, lowest + most)
                solver.setOptionValue("presolve", "off")
                solver.run()
                solver.setOptionValue("presolve", "choose")
                status = solver.getModelStatus()
                if status == highspy.HighsModelStatus.kOptimal:
                    return list(solver.getSolution().col_value)
                if status != highspy.HighsModelStatus.kInfeasible:
                    raise _TooWide
            return None
        finally:
            for column in (top, bottom):
                solver.changeColBounds(column, model.lower[column], model.upper[column])

    def pin() -> None:
        """Before the first search after the spread's: the later goals' relaxations are much
        tighter with the lowest total a whole number (a search of seconds becomes one of a
        fraction), so when the spread held leaves the lowest total one possible value, fix it
        there; no plan changes."""
        while pinned:
            most = pinned.pop()
            candidates = lowest_totals(most)
            if candidates is not None and len(candidates) == 1:
                solver.changeColBounds(bottom, candidates[0], candidates[0])
                solver.changeColBounds(top, candidates[0], candidates[0] + most)

    def stage_search(stage: Sequence[str]) -> bool:
        """Search ``stage`` and hold its goals; False when there is no plan."""
        if tuple(stage) == ("holiday_spread",):
            return spread(stage)
        return settle(stage, search(stage))

    stages = _stages(problem, objectives)
    assumable = all(objectives[goal][0] or not objectives[goal][1] for goal in _TOGETHER[0])
    if len(stages) > 1 and stages[0] == _TOGETHER[0] and assumable:
        # assume the first goals at 0, their lower bound, and search the next one: a plan found
        # proves them; with none, forget the assumption and search them as usual
        for goal in stages[0]:
            hold(goal, 0)
        if stage_search(stages[1]):
            stages = stages[2:]
        else:
            values.clear()
            solver.passModel(lp)  # the model without the assumption's rows

    for stage in stages:
        if incumbent is not None:
            # every goal is at least 0: a plan that already reaches 0 proves it without a search
            reached = evaluate(problem, _decode(problem, x, free, incumbent))
            if all(reached[goal] == 0 for goal in stage):
                for goal in stage:
                    hold(goal, 0)
                continue
        if not stage_search(stage):
            status = solver.getModelStatus()
            raise RuntimeError(f"the rotation solver stopped: {solver.modelStatusToString(status)}")
    assert incumbent is not None
    engineers = _decode(problem, x, free, incumbent)
    achieved = evaluate(problem, engineers)
    for goal, best in values.items():
        if achieved[goal] != best:
            raise RuntimeError(f"the rotation solver's {goal} is {achieved[goal]}, not {best}")
    return Solution(engineers, achieved, tuple(unproven))
