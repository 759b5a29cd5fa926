"""The rotation engine on small, hand-checked rotations."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from oncall.rotation.engine import format_span
from oncall.rotation.model import PublishedWeek, Swap, SwapWeek

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


def test_leave_is_covered_by_the_nearest_member_who_can_trade() -> None:
    # b is away in week 1; a is away that week too, so a cannot take it: c (week 2, the
    # nearest) trades with b. d (week 3) could too, but is further away.
    leave = {"b": [away(date(2027, 1, 11), date(2027, 1, 15), "ski")]}
    leave["a"] = [away(date(2027, 1, 13))]
    eng = engine(team("a", "b", "c", "d", leave=leave))
    assert engineers(eng, 8) == ["a", "c", "b", "d", "a", "b", "c", "d"]
    assert eng.week(1).reason == "swapped with b: b on leave 11-15 Jan (ski)"
    assert eng.week(2).reason == "swapped with c: b on leave 11-15 Jan (ski)"
    assert [eng.week(k).reason for k in (0, 3, 4)] == [None, None, None]


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


def test_two_weeks_running_only_when_nobody_else_is_free() -> None:
    # a, b and c are all away in week 4 (the first week of cycle 2): only d, on call in week 3,
    # can take it. a then takes c's week 6 rather than d's week 7, because the next cycle
    # starts with a in week 8; c takes week 7.
    leave = {m: [away(monday(4))] for m in ("a", "b", "c")}
    eng = engine(team("a", "b", "c", "d", leave=leave))
    assert engineers(eng, 9) == ["a", "b", "c", "d", "d", "b", "a", "c", "a"]
    assert eng.week(4).reason == "instead of a: a on leave 1 Feb"
    assert eng.week(6).reason == "instead of c: a on leave 1 Feb"
    assert eng.week(7).reason == "instead of d: a on leave 1 Feb"


def test_holiday_weeks_go_to_someone_with_fewer_holiday_days_so_far() -> None:
    # One calendar for all; a holiday in week 0 (a's) and week 3 (a's again). Before week 3,
    # a has one holiday day and b, c none: a second one would put a two days ahead, so a
    # trades week 3 with b (c cannot take week 3: c is on call in week 2).
    holidays = {"X": {date(2027, 1, 6): "Day One", date(2027, 1, 27): "Day Two"}}
    eng = engine(team("a", "b", "c", calendar="X"), holidays)
    assert engineers(eng, 6) == ["a", "b", "c", "b", "a", "c"]
    assert eng.week(3).reason == (
        "swapped with a to balance public holidays (holiday days on call: "
        "a 1 so far + Day Two this week; b 0 so far + Day Two this week)"
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
        "b on leave 12 Jan (dentist), in a published week: settle it with `oncall swap add`"
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


def test_a_swap_trades_two_weeks_and_an_undone_one_does_not() -> None:
    rot = team("a", "b", "c")
    eng = engine(rot, swaps=[_swap(1, 1, "b", 5, "c", note="concert")])
    assert engineers(eng, 6) == ["a", "c", "c", "a", "b", "b"]
    assert eng.week(1).reason == "swap #1 with b: concert"
    assert eng.week(5).reason == "swap #1 with c: concert"
    assert eng.week(1).swap is not None and eng.week(1).sequence == 1
    undone = _swap(1, 1, "b", 5, "c", undone=datetime(2027, 1, 7, 9, 0))
    eng = engine(rot, swaps=[undone])
    assert engineers(eng, 6) == ["a", "b", "c", "a", "b", "c"]
    assert eng.week(1).swap is None
    assert eng.week(1).sequence == 2  # made, then undone: two recorded changes


def test_a_swap_that_no_longer_matches_is_reported_not_applied() -> None:
    eng = engine(team("a", "b", "c"), swaps=[_swap(1, 1, "a", 3, "c")])
    assert engineers(eng, 4) == ["a", "b", "c", "a"]
    assert eng.week(1).conflict == (
        "swap #1 no longer applies: the week is b's, not a's (undo it with `oncall swap undo 1`)"
    )


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
