"""``@frozen`` behaves as ``@dataclass(frozen=True)``: each case is checked against the real one."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall.frozen import frozen


@frozen
class Week:
    week: date
    engineer: str | None
    reason: str | None = dataclasses.field(default=None, compare=False)
    tags: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class PlainWeek:
    week: date
    engineer: str | None
    reason: str | None = dataclasses.field(default=None, compare=False)
    tags: tuple[str, ...] = ()


@frozen
class Child(Week):
    note: str = ""


@frozen
class Lone:
    only: int


@frozen
class Nothing:
    pass


@frozen
class Own:
    value: int

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 7


@frozen
class OwnEq:
    value: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OwnEq)


@dataclasses.dataclass(frozen=True)
class PlainOwnEq:
    value: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainOwnEq)


weeks = st.builds(
    lambda d, e, r, t: (d, e, r, t),
    st.dates(),
    st.one_of(st.none(), st.text(max_size=5)),
    st.one_of(st.none(), st.text(max_size=5)),
    st.tuples(st.text(max_size=3)),
)


@given(weeks, weeks)
def test_equality_and_hash_are_the_dataclass_ones(a: tuple, b: tuple) -> None:
    mine_a, mine_b = Week(*a), Week(*b)
    real_a, real_b = PlainWeek(*a), PlainWeek(*b)
    assert (mine_a == mine_b) == (real_a == real_b)
    assert hash(mine_a) == hash(real_a)
    assert repr(mine_a) == repr(real_a).replace("PlainWeek(", "Week(", 1)


def test_a_field_left_out_of_comparison_is_left_out_of_equality_and_hash() -> None:
    a = Week(date(2027, 1, 4), "alice", reason="order")
    b = Week(date(2027, 1, 4), "alice", reason="swap")
    assert a == b
    assert hash(a) == hash(b)
    assert a != Week(date(2027, 1, 4), "bob")


def test_other_classes_never_compare_equal() -> None:
    week = Week(date(2027, 1, 4), "alice")
    child = Child(date(2027, 1, 4), "alice")
    assert week != child
    assert week != PlainWeek(date(2027, 1, 4), "alice")
    assert week != (date(2027, 1, 4), "alice", None, ())
    assert child == Child(date(2027, 1, 4), "alice")
    assert child != Child(date(2027, 1, 4), "alice", note="x")
    assert repr(child) == (
        "Child(week=datetime.date(2027, 1, 4), engineer='alice', reason=None, tags=(), note='')"
    )


def test_fields_cannot_be_assigned_or_deleted_after_init() -> None:
    week = Week(date(2027, 1, 4), "alice")
    with pytest.raises(dataclasses.FrozenInstanceError):
        week.engineer = "bob"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        week.other = 1  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del week.engineer  # type: ignore[misc]
    assert week.engineer == "alice"


def test_dataclass_tools_pickle_and_copy_work() -> None:
    week = Week(date(2027, 1, 4), "alice", tags=("x",))
    assert dataclasses.is_dataclass(week)
    assert [f.name for f in dataclasses.fields(week)] == ["week", "engineer", "reason", "tags"]
    moved = dataclasses.replace(week, engineer="bob")
    assert moved.engineer == "bob"
    assert week.engineer == "alice"
    assert pickle.loads(pickle.dumps(week)) == week
    assert copy.deepcopy(week) == week
    assert {week, Week(date(2027, 1, 4), "alice", tags=("x",))} == {week}


def test_one_field_and_no_field() -> None:
    assert Lone(1) == Lone(1)
    assert hash(Lone(1)) == hash((1,))
    assert repr(Lone(1)) == "Lone(only=1)"
    assert Nothing() == Nothing()
    assert hash(Nothing()) == hash(())
    assert repr(Nothing()) == "Nothing()"


def test_methods_a_class_defines_itself_are_kept() -> None:
    assert Own(1) == Own(2)
    assert hash(Own(1)) == 7


def test_a_class_with_its_own_eq_is_hashed_over_its_fields_as_a_frozen_dataclass_is() -> None:
    assert OwnEq(1) == OwnEq(2)
    assert hash(OwnEq(1)) == hash(PlainOwnEq(1)) == hash((1,))
