"""Independent oracles for the rotation engine's optimum: brute force and a second MILP.

Nothing here uses the engine or its solver. The goals are computed again from their written
definitions (README, "The rotation engine"); the brute force enumerates every assignment of a
tiny rotation; the MILP is a different formulation (one weighted objective instead of one solve
per goal, integer bounds instead of continuous ones) handed to scipy's ``milp``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date, timedelta

Goals = tuple[int, int, int, int]  # week_excess, back_to_back, holiday_spread, departures


def holiday_days(holidays: dict[str, dict[date, str]], calendar: str | None, monday: date) -> int:
    """Public holidays of ``calendar`` on Monday..Sunday of the week starting ``monday``."""
    if calendar is None:
        return 0
    days = holidays.get(calendar, {})
    return sum(1 for offset in range(7) if monday + timedelta(days=offset) in days)


class Instance:
    """A rotation reduced to what the goals need: members, free members per week, days."""

    def __init__(
        self,
        ids: Sequence[str],
        start: date,
        weeks: int,
        away: Callable[[str, int], bool],
        days: Callable[[str, int], int],
    ) -> None:
        self.ids = list(ids)
        self.n = len(ids)
        self.weeks = weeks
        self.free = [[m for m in ids if not away(m, k)] for k in range(weeks)]
        self.days = {m: [days(m, k) for k in range(weeks)] for m in ids}
        self.start = start

    def goals(self, got: Sequence[str | None]) -> Goals:
        """The four goals of an assignment, from their definitions."""
        counts = dict.fromkeys(self.ids, 0)
        excess = 0
        for k, who in enumerate(got):
            if who is not None:
                counts[who] += 1
            if (k + 1) % self.n == 0:
                excess += max(0, max(counts.values()) - min(counts.values()) - 1)
        running = sum(1 for a, b in itertools.pairwise(got) if a is not None and a == b)
        totals = dict.fromkeys(self.ids, 0)
        for k, who in enumerate(got):
            if who is not None:
                totals[who] += self.days[who][k]
        spread = max(totals.values()) - min(totals.values())
        departures = sum(1 for k, who in enumerate(got) if who != self.ids[k % self.n])
        return excess, running, spread, departures


def brute_force(instance: Instance) -> Goals:
    """The lexicographic minimum of the goals over every assignment (tiny rotations only)."""
    choices = [free if free else [None] for free in instance.free]
    return min(instance.goals(got) for got in itertools.product(*choices))


def milp(instance: Instance) -> Goals:
    """The lexicographic minimum through one weighted integer program (scipy's ``milp``)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint
    from scipy.optimize import milp as solve
    from scipy.sparse import lil_matrix

    n, weeks = instance.n, instance.weeks
    columns: list[tuple[str, int]] = []
    index: dict[tuple[str, int], int] = {}
    for k in range(weeks):
        for m in instance.free[k]:
            index[m, k] = len(columns)
            columns.append((m, k))
    cycles = weeks // n
    extra = {}

    def add(name: str) -> int:
        extra[name] = len(columns) + len(extra)
        return extra[name]

    for j in range(cycles):
        add(f"hi{j}")
        add(f"lo{j}")
        add(f"e{j}")
    pairs = [(k, m) for k in range(1, weeks) for m in instance.ids if (m, k) in index]
    pairs = [(k, m) for k, m in pairs if (m, k - 1) in index]
    for k, m in pairs:
        add(f"y{m},{k}")
    low = add("low")
    spread = add("spread")
    total = len(columns) + len(extra)

    rows: list[tuple[dict[int, float], float, float]] = []
    for k in range(weeks):
        if instance.free[k]:
            rows.append(({index[m, k]: 1.0 for m in instance.free[k]}, 1.0, 1.0))
    for j in range(cycles):
        for m in instance.ids:
            served = {index[m, k]: 1.0 for k in range((j + 1) * n) if (m, k) in index}
            rows.append(({**{c: -1.0 for c in served}, extra[f"hi{j}"]: 1.0}, 0.0, np.inf))
            rows.append(({**served, extra[f"lo{j}"]: -1.0}, 0.0, np.inf))
        rows.append(
            ({extra[f"e{j}"]: 1.0, extra[f"hi{j}"]: -1.0, extra[f"lo{j}"]: 1.0}, -1.0, np.inf)
        )
    for k, m in pairs:
        rows.append(
            ({extra[f"y{m},{k}"]: 1.0, index[m, k]: -1.0, index[m, k - 1]: -1.0}, -1.0, np.inf)
        )
    for m in instance.ids:
        held = {index[m, k]: float(instance.days[m][k]) for k in range(weeks) if (m, k) in index}
        held = {c: v for c, v in held.items() if v}
        rows.append(({**held, low: -1.0}, 0.0, np.inf))
        rows.append(({**held, low: -1.0, spread: -1.0}, -np.inf, 0.0))

    most_days = sum(max(instance.days[m][k] for m in instance.ids) for k in range(weeks))
    w_departures = 1
    w_spread = weeks + 1
    w_running = w_spread * (most_days + 1)
    w_excess = w_running * (weeks + 1)
    cost = np.zeros(total)
    for k in range(weeks):
        base = instance.ids[k % n]
        if (base, k) in index:
            cost[index[base, k]] -= w_departures
    cost[spread] = w_spread
    for k, m in pairs:
        cost[extra[f"y{m},{k}"]] = w_running
    for j in range(cycles):
        cost[extra[f"e{j}"]] = w_excess

    matrix = lil_matrix((len(rows), total))
    lower, upper = [], []
    for r, (terms, lo, hi) in enumerate(rows):
        for c, v in terms.items():
            matrix[r, c] = v
        lower.append(lo)
        upper.append(hi)
    integrality = np.ones(total)
    lb = np.zeros(total)
    ub = np.ones(total)
    for name, c in extra.items():
        if not name.startswith("y"):
            ub[c] = np.inf
            lb[c] = -np.inf if name in ("low",) or name.startswith(("hi", "lo")) else 0
    result = solve(
        cost,
        constraints=LinearConstraint(matrix.tocsr(), lower, upper),
        integrality=integrality,
        bounds=Bounds(lb, ub),
        options={"mip_rel_gap": 0, "disp": False},
    )
    assert result.success, result.message
    got: list[str | None] = [None] * weeks
    for (m, k), c in index.items():
        if result.x[c] > 0.5:
            got[k] = m
    return instance.goals(got)
