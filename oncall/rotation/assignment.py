"""Minimum-cost assignment (the Hungarian method), used to place members on the weeks of a cycle.

Costs are integers (Python ints of any size), so lexicographic priorities are encoded exactly by
weighting each criterion with a power of a large base. The result is deterministic: the same
matrix always gives the same assignment.
"""

from __future__ import annotations

from collections.abc import Sequence


def min_cost_assignment(cost: Sequence[Sequence[int]]) -> list[int]:
    """For a rows x columns matrix (rows <= columns), the column of each row in an assignment
    of distinct columns with the least total cost.

    O(rows^2 * columns), after Kuhn-Munkres with potentials (Jonker-Volgenant style shortest
    augmenting paths).
    """
    rows = len(cost)
    if rows == 0:
        return []
    cols = len(cost[0])
    if cols < rows:
        raise ValueError("an assignment needs at least as many columns as rows")
    inf = float("inf")
    u = [0] * (rows + 1)
    v = [0] * (cols + 1)
    owner = [0] * (cols + 1)  # owner[j]: the row (1-based) holding column j, 0 = free
    way = [0] * (cols + 1)
    for row in range(1, rows + 1):
        owner[0] = row
        j0 = 0
        minv: list[float] = [inf] * (cols + 1)
        used = [False] * (cols + 1)
        while True:
            used[j0] = True
            i0 = owner[j0]
            line = cost[i0 - 1]
            ui0 = u[i0]
            delta: float = inf
            j1 = 0
            for j in range(1, cols + 1):
                if used[j]:
                    continue
                reduced = line[j - 1] - ui0 - v[j]
                if reduced < minv[j]:
                    minv[j] = reduced
                    way[j] = j0
                if minv[j] < delta:
                    delta = minv[j]
                    j1 = j
            step = int(delta)
            for j in range(cols + 1):
                if used[j]:
                    u[owner[j]] += step
                    v[j] -= step
                else:
                    minv[j] -= step
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    result = [0] * rows
    for j in range(1, cols + 1):
        if owner[j]:
            result[owner[j] - 1] = j - 1
    return result
