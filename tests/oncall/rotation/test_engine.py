"""The rotation engine on small, hand-checked rotations."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from oncall.rotation.engine import Engine, format_span
from oncall.rotation.holidays import FixedHolidays
from oncall.rotation.model import PublishedWeek, RotationState, Swap, SwapWeek

from .factories import START, away, engine, engineers, member, monday, rotation, team


def test_plain_rotation_without_holidays_or_leave_is_list_order() -> None:
    eng = engine(team("a", "b", "c"))
    assert engineers(eng, 7) == ["a", "b", "c", "a", "b", "c", "a"]
    assert all(w.reason is None for w in eng.weeks(0, 7))
    first = eng.week(0)
    assert first.start == date(2027, 1, 4)
    assert first.shift_start.isoformat() == "2027-01-04T09:30:00+01:00"
    assert first.shift_end.isoformat() == "2027-01-11T09:30:00+01:00"


def test_a_week_before_the_start_has_nobody() -> None:
    week = engine(team("a", "b")).week(-1)
    assert week.engineer is None
    assert week.start == date(2026, 12, 28)
    assert week.reason == "before the rotation starts on 2027-01-04"


def test_leave_is_covered_by_a_trade_inside_the_cycle() -> None:
    # b is away in week 1; a is away that week too, so a cannot take it: c or d takes week 1
    # and b takes theirs (two departures, the fewest possible), and the cycle stays one week
    # each.
    leave = {"b": [away(date(2027, 1, 11), date(2027, 1, 15), "ski")]}
    leave["a"] = [away(date(2027, 1, 13))]
    eng = engine(team("a", "b", "c", "d", leave=leave))
    got = engineers(eng, 8)
    assert got[0] == "a" and got[1] in ("c", "d") and got[4:] == ["a", "b", "c", "d"]
    assert sorted(got[:4]) == ["a", "b", "c", "d"]
    assert sum(x != y for x, y in zip(got, ["a", "b", "c", "d"] * 2, strict=True)) == 2
    assert eng.week(1).reason == f"{got[1]} takes over from b on leave 11-15 Jan (ski)"
    taken = got.index("b")
    assert eng.week(taken).reason == (
        f"b instead of {got[1]}, to keep weeks even around b on leave 11-15 Jan (ski)"
    )


def test_a_week_nobody_can_take_is_empty_with_a_reason() -> None:
    leave = {"a": [away(monday(1), monday(1))], "b": [away(date(2027, 1, 14), date(2027, 1, 20))]}
    eng = engine(team("a", "b", leave=leave))
    week = eng.week(1)
    assert week.engineer is None
    assert week.reason == "nobody free: a on leave 11 Jan; b on leave 14-20 Jan"
    schedule = eng.schedule(0, 4)
    assert schedule.warnings == [
        "week 2027-01-11: nobody can take it (nobody free: a on leave 11 Jan; b on leave 14-20 Jan)"
    ]


def test_nobody_is_on_call_two_weeks_running_when_someone_else_can() -> None:
    # c is away in week 2 (c's week). Trading with a would give c, b, a and the next cycle
    # starts with a: a two weeks running. Trading with b gives a, c, b.
    eng = engine(team("a", "b", "c", leave={"c": [away(monday(2))]}))
    got = engineers(eng, 6)
    assert got == ["a", "c", "b", "a", "b", "c"]
    assert all(x != y for x, y in itertools.pairwise(got))


def test_the_solver_avoids_two_weeks_running_that_a_greedy_plan_makes() -> None:
    # a, b and c are all away in week 4 (the first week of cycle 2): only d can take it. A
    # cycle-by-cycle plan leaves d on call in weeks 3 and 4; planning the year at once moves d
    # to week 2 of the first cycle, and nobody is on call two weeks running.
    leave = {m: [away(monday(4))] for m in ("a", "b", "c")}
    eng = engine(team("a", "b", "c", "d", leave=leave))
    got = engineers(eng, 12)
    assert got[4] == "d"
    assert all(x != y for x, y in itertools.pairwise(got))
    for cycle in range(3):
        assert sorted(got[cycle * 4 : cycle * 4 + 4]) == ["a", "b", "c", "d"]
    assert eng.week(4).reason == "d takes over from a on leave 1 Feb"
    assert eng.years(0, 11)[0].values["back_to_back"] == 0


def test_two_weeks_running_when_nobody_else_is_free() -> None:
    # a pair, a away for three weeks: b covers them (two weeks running cannot be avoided)
    eng = engine(team("a", "b", leave={"a": [away(monday(1), monday(3) + timedelta(days=4))]}))
    got = engineers(eng, 6)
    assert got[1:4] == ["b", "b", "b"]
    assert eng.week(2).reason == "b takes over from a on leave 11-29 Jan"


def test_holiday_weeks_go_to_someone_with_fewer_holiday_days_so_far() -> None:
    # One calendar for all; a holiday in week 0 (a's) and week 3 (a's again). Before week 3,
    # a has one holiday day and b, c none: a second one would put a two days ahead, so b takes
    # week 3 and a b's week 4 (c cannot take week 3: c is on call in week 2).
    holidays = {"X": {date(2027, 1, 6): "Day One", date(2027, 1, 27): "Day Two"}}
    eng = engine(team("a", "b", "c", calendar="X"), holidays)
    assert engineers(eng, 6) == ["a", "b", "c", "b", "a", "c"]
    assert eng.week(3).reason == (
        "b instead of a, to balance public holidays (Day Two this week; holiday days on call "
        "so far: a 1, b 0)"
    )
    assert [h.name for h in eng.week(3).engineer_holidays] == ["Day Two"]
    load = eng.schedule(0, 6).load
    assert {m: (x.weeks, x.holiday_days) for m, x in load.items()} == {
        "a": (2, 1),
        "b": (2, 1),
        "c": (2, 0),
    }


def test_holidays_count_on_each_members_own_calendar() -> None:
    # A holiday of calendar Y only: the engineer of that week, on calendar X, works a normal
    # week and shows no holiday; the Y member sees it in their own list.
    rot = rotation(member("a", "X"), member("b", "Y"))
    eng = engine(rot, {"Y": {date(2027, 1, 6): "Y Day"}})
    week = eng.week(0)
    assert week.engineer == "a"
    assert week.engineer_holidays == ()
    assert [h.name for h in week.holidays["b"]] == ["Y Day"]


def test_weeks_do_not_depend_on_the_window_that_asks() -> None:
    holidays = {"X": {date(2027, 3, 26): "Good Friday", date(2027, 3, 29): "Easter Monday"}}
    leave = {"b": [away(date(2027, 3, 1), date(2027, 3, 10))]}
    rot = team("a", "b", "c", "d", "e", calendar="X", leave=leave)
    whole = engineers(engine(rot, holidays), 30)
    for first in (3, 7, 11, 12, 20):
        assert engineers(engine(rot, holidays), 30 - first, first) == whole[first:]


def test_published_weeks_never_move_and_a_later_leave_is_a_conflict() -> None:
    rot = team("a", "b", "c")
    published = [PublishedWeek(monday(k), e) for k, e in enumerate(["a", "b", "c"])]
    later = team("a", "b", "c", leave={"b": [away(date(2027, 1, 12), reason="dentist")]})
    eng = engine(later, published=published)
    assert engineers(eng, 3) == ["a", "b", "c"]
    week = eng.week(1)
    assert week.conflict == (
        "b on leave 12 Jan (dentist), in a published week: settle it with `oncall cover add` "
        "(or `oncall swap add`)"
    )
    assert week.reason == week.conflict
    assert eng.schedule(0, 3).warnings == [f"week 2027-01-11: {week.conflict}"]
    # without publishing, the same leave moves b
    assert engineers(engine(later), 3) != ["a", "b", "c"]
    assert engineers(engine(rot, published=published), 3) == ["a", "b", "c"]


def _swap(swap_id: int, week_one: int, a: str, week_two: int, b: str, **extra) -> Swap:
    return Swap(
        id=swap_id,
        weeks=(SwapWeek(monday(week_one), a, b), SwapWeek(monday(week_two), b, a)),
        created=datetime(2027, 1, 6, 10, 0),
        **extra,
    )


def test_a_swap_trades_two_weeks_of_the_plan_and_an_undone_one_does_not() -> None:
    rot = team("a", "b", "c")
    seen = engine(rot).plan()
    eng = engine(rot, swaps=[_swap(1, 1, "b", 5, "c", note="concert")], plan=seen)
    assert engineers(eng, 6) == ["a", "c", "c", "a", "b", "b"]
    assert eng.week(1).reason == "b gave this week to c (swap #1: concert)"
    assert eng.week(5).reason == "c gave this week to b (swap #1: concert)"
    assert eng.week(1).swap is not None and eng.week(1).sequence == 1
    assert [s.state for s in eng.swap_states()] == ["active"]
    undone = _swap(1, 1, "b", 5, "c", undone=datetime(2027, 1, 7, 9, 0))
    eng = engine(rot, swaps=[undone], plan=seen)
    assert engineers(eng, 6) == ["a", "b", "c", "a", "b", "c"]
    assert eng.week(1).swap is None
    assert eng.week(1).sequence == 2  # made, then undone: two recorded changes
    assert [s.state for s in eng.swap_states()] == ["undone"]


def test_a_swap_is_a_commitment_until_its_taker_goes_on_leave() -> None:
    rot = team("a", "b", "c")
    seen = engine(rot).plan()
    swaps = [_swap(1, 1, "b", 5, "c")]
    later = team("a", "b", "c", leave={"c": [away(monday(1), reason="flu")]})
    eng = engine(later, swaps=swaps, plan=seen)
    assert eng.week(1).engineer != "c"
    (state,) = eng.swap_states()
    assert (state.state, state.reason) == ("void", "c on leave 11 Jan (flu)")
    assert "swap #1 is void: c on leave 11 Jan (flu)" in (eng.week(5).conflict or "")


def test_a_published_week_keeps_a_swap_made_before_publishing() -> None:
    swap = _swap(1, 1, "b", 2, "c")
    published = [PublishedWeek(monday(1), "c"), PublishedWeek(monday(2), "b")]
    eng = engine(team("a", "b", "c"), published=published, swaps=[swap])
    assert engineers(eng, 3) == ["a", "c", "b"]
    assert eng.week(1).conflict is None


def test_hand_off_across_daylight_saving() -> None:
    from oncall.rotation.weeks import index_at

    rot = team("a", "b")
    # Berlin switches to summer time on Sunday 2027-03-28: Monday's 09:30 is 07:30 UTC.
    before = datetime.fromisoformat("2027-03-29T07:29:00+00:00")
    after = datetime.fromisoformat("2027-03-29T07:30:00+00:00")
    assert index_at(rot, before) == 11
    assert index_at(rot, after) == 12
    # and back in winter on Sunday 2027-10-31: Monday 09:30 is 08:30 UTC
    assert index_at(rot, datetime.fromisoformat("2027-11-01T08:29:59+00:00")) == 42
    assert index_at(rot, datetime.fromisoformat("2027-11-01T09:29:00+01:00")) == 42
    assert index_at(rot, datetime.fromisoformat("2027-11-01T09:30:00+01:00")) == 43
    # an instant given in another zone: Sunday evening in New York is Monday morning in Berlin
    assert index_at(rot, datetime.fromisoformat("2027-01-10T21:00:00-05:00")) == 0  # 03:00
    assert index_at(rot, datetime.fromisoformat("2027-01-11T03:30:00-05:00")) == 1  # 09:30
    shift = engine(rot).week(12)
    assert shift.shift_start.isoformat() == "2027-03-29T09:30:00+02:00"
    assert engine(rot).week(11).shift_start.isoformat() == "2027-03-22T09:30:00+01:00"


def test_format_span() -> None:
    assert format_span(date(2027, 2, 1), date(2027, 2, 5)) == "1-5 Feb"
    assert format_span(date(2027, 1, 28), date(2027, 2, 3)) == "28 Jan - 3 Feb"
    assert format_span(date(2027, 12, 28), date(2028, 1, 3)) == "28 Dec 2027 - 3 Jan 2028"
    assert format_span(date(2027, 2, 1), date(2027, 2, 1)) == "1 Feb"


def test_start_is_week_zero() -> None:
    assert monday(0) == START


def test_a_far_future_week_costs_no_planning_and_follows_list_order() -> None:
    # beyond the horizon the rotation continues in list order: asking about 2190 settles no
    # plan year past the horizon and loads the holidays of that year only
    asked: list[int] = []

    class Counting(FixedHolidays):
        def year(self, calendar, year):
            asked.append(year)
            return super().year(calendar, year)

    rot = team("a", "b", "c", calendar="X")
    eng = Engine(rot, RotationState(), Counting({}))
    far = (date(2190, 6, 2) - START).days // 7
    week = eng.week(far)
    assert week.engineer == ["a", "b", "c"][far % 3]
    assert eng.years(0, far) == eng.years(0, eng.horizon - 1)
    assert max(asked) == 2190 and not [y for y in asked if 2030 < y < 2190]
