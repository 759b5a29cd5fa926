"""The minimum-cost assignment against brute force on small matrices."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.rotation.assignment import min_cost_assignment


@st.composite
def matrices(draw):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(rows, 6))
    big = draw(st.sampled_from([10, 1 << 70]))  # small costs and huge lexicographic ones
    return [[draw(st.integers(0, big)) for _ in range(cols)] for _ in range(rows)]


@settings(max_examples=200, deadline=None)
@given(matrices())
def test_finds_the_least_total_cost(matrix: list[list[int]]) -> None:
    rows, cols = len(matrix), len(matrix[0])
    chosen = min_cost_assignment(matrix)
    assert len(set(chosen)) == rows
    best = min(
        sum(matrix[r][c] for r, c in enumerate(pick))
        for pick in itertools.permutations(range(cols), rows)
    )
    assert sum(matrix[r][c] for r, c in enumerate(chosen)) == best


def test_a_known_case_and_edges() -> None:
    assert min_cost_assignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]]) == [1, 0, 2]
    assert min_cost_assignment([]) == []
    with pytest.raises(ValueError):
        min_cost_assignment([[1], [2]])
