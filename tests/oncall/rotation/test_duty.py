"""Who answers at an instant, over random rotations, leave, published weeks and covers: nobody on
leave is ever named, a cover answers exactly inside its span, and the plan underneath never moves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall.rotation.duty import duty_at, next_change
from oncall.rotation.engine import Engine
from oncall.rotation.holidays import FixedHolidays
from oncall.rotation.model import Cover, PublishedWeek, RotationState

from .factories import START, away, member, rotation

BERLIN = ZoneInfo("Europe/Berlin")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def worlds(draw):
    n = draw(st.integers(2, 5))
    ids = [f"m{i}" for i in range(n)]
    leave = {}
    for _ in range(draw(st.integers(0, 6))):
        who = draw(st.sampled_from(ids))
        first = START + timedelta(days=draw(st.integers(0, 60)))
        leave.setdefault(who, []).append(
            away(first, first + timedelta(days=draw(st.integers(0, 5))))
        )
    rot = rotation(*(member(m, leave=leave.get(m, ())) for m in ids))
    published = {
        START + timedelta(weeks=k): PublishedWeek(START + timedelta(weeks=k), ids[k % n])
        for k in range(draw(st.integers(0, 9)))
    }
    covers = []
    for number in range(1, draw(st.integers(0, 5)) + 1):
        start = datetime(2027, 1, 4, tzinfo=BERLIN) + timedelta(hours=draw(st.integers(0, 1400)))
        until = start + timedelta(hours=draw(st.integers(1, 120)))
        instead = draw(st.sampled_from([None, *ids]))
        who = draw(st.sampled_from([m for m in ids if m != instead]))
        covers.append(Cover(number, who, start, until, instead_of=instead))
    state = RotationState(published=published, covers=tuple(covers))
    return rot, state, leave


def on_leave(leave, who: str, instant: datetime) -> bool:
    day = instant.astimezone(BERLIN).date()
    return any(x.start <= day <= x.end for x in leave.get(who, ()))


@FAST
@given(worlds(), st.lists(st.integers(0, 1500 * 60), min_size=1, max_size=12))
def test_nobody_on_leave_answers_and_covers_hold_exactly(world, minutes) -> None:
    rot, state, leave = world
    eng = Engine(rot, state, FixedHolidays({}), None, year_weeks=12)
    bare = Engine(
        rot, RotationState(published=state.published), FixedHolidays({}), None, year_weeks=12
    )
    for offset in minutes:
        instant = datetime(2027, 1, 4, tzinfo=BERLIN) + timedelta(minutes=offset)
        duty = duty_at(eng, instant)
        # covers never change the weekly plan
        assert duty.planned == duty_at(bare, instant).planned
        if duty.on_call is not None:
            assert not on_leave(leave, duty.on_call, instant)
        if duty.backup is not None:
            assert not on_leave(leave, duty.backup, instant)
        holding = [
            c
            for c in state.covers
            if c.start <= instant < c.until
            and c.instead_of in (None, duty.planned)
            and not on_leave(leave, c.member, instant)
        ]
        if holding:  # the latest cover in force answers
            assert duty.on_call == max(holding, key=lambda c: c.id).member
        elif duty.planned is not None and not on_leave(leave, duty.planned, instant):
            assert duty.on_call == duty.planned
        else:
            assert duty.on_call is None
        later = next_change(eng, duty)
        if later is not None:
            assert later.at > instant and later.on_call != duty.on_call
            # nothing changes in between: probe the middle
            middle = instant + (later.at - instant) / 2
            assert duty_at(eng, middle).on_call == duty.on_call
