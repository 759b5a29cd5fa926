"""Planting faults: exact counts under the documented definitions, one fault at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from oncall.config import catalog
from oncall.errors import UsageError
from pipelines.demo import faults
from pipelines.demo.clicks import SLOTS_PER_DAY, ClickPlan, OffsetGap, plan_slots
from pipelines.demo.world import Calendar, build_filings, build_world
from tests.pipelines import reference as ref
from tests.pipelines.demo.test_world import rows

CAL = Calendar.ending(date(2026, 12, 1), 4)
AS_OF = datetime(2027, 1, 6, 9, tzinfo=UTC)


def test_fault_ids_are_the_check_ids():
    assert tuple(faults.FAULTS) == catalog.CHECK_IDS
    assert faults.parse_faults("all") == frozenset(catalog.CHECK_IDS)
    assert faults.parse_faults("none") == frozenset()
    assert faults.parse_faults(" kafka_gap, join_skew ") == {"kafka_gap", "join_skew"}


def test_an_unknown_fault_is_named():
    with pytest.raises(UsageError) as error:
        faults.parse_faults("kafka_gap,late")
    assert error.value.lines == [
        "--faults: unknown fault 'late' (known: all, none, " + ", ".join(catalog.CHECK_IDS) + ")"
    ]


def planted(which: str):
    world = build_world(5, 40, CAL)
    roles = faults.fault_accounts(world, 5)
    entry = None
    if which == "cost_data_delay":
        entry = faults.plant_cost_data_delay(world)
    elif which == "missing_current_status":
        entry = faults.plant_missing_current_status(world, roles)
    elif which == "skipped_states":
        entry = faults.plant_skipped_states(world, roles)
    elif which == "stale_upstream":
        entry = faults.plant_stale_upstream(world, roles)
    world.filings = build_filings(world)
    if which == "filing_discrepancy":
        entry = faults.plant_filing_discrepancy(world)
    return world, entry


def counts(world) -> dict[str, int]:
    src = rows(world)
    return {
        "filing_discrepancy": ref.filing_discrepancy(src),
        "cost_data_delay": ref.cost_data_delay(src, AS_OF),
        "missing_current_status": ref.missing_current_status(src),
        "skipped_states": ref.skipped_states(src),
        "join_skew": len(ref.join_skew(src)),
    }


@pytest.mark.parametrize(
    ("fault", "count"),
    [
        ("filing_discrepancy", 1),
        ("cost_data_delay", 2),
        ("missing_current_status", 3),
        ("skipped_states", 3),
        ("stale_upstream", 0),  # unchanged states: only the replay makes it a fault
    ],
)
def test_a_fault_planted_alone_fires_only_its_check(fault, count):
    world, entry = planted(fault)
    expected = dict.fromkeys(counts(world), 0)
    if fault in expected:
        expected[fault] = count
    assert counts(world) == expected
    assert entry["count"] == (count or 1)
    assert entry["pipeline"] == catalog.CHECK_PIPELINE[fault]


def test_the_fault_accounts_do_not_depend_on_what_else_is_planted():
    world = build_world(5, 40, CAL)
    roles = faults.fault_accounts(world, 5)
    used = [a.id for accounts in roles.values() for a in accounts]
    assert len(used) == len(set(used)) == 9
    assert not any(a.anchor for accounts in roles.values() for a in accounts)
    # planting other faults first (costs, filings) does not move the accounts a fault uses
    other = build_world(5, 40, CAL)
    faults.plant_cost_data_delay(other)
    again = faults.fault_accounts(other, 5)
    assert {k: [a.id for a in v] for k, v in again.items()} == {
        k: [a.id for a in v] for k, v in roles.items()
    }


def test_the_stale_corrections_repeat_the_current_state():
    world, entry = planted("stale_upstream")
    assert len(world.late_events) == 4
    for event in world.late_events:
        assert world.account(event.account_id).state_at(event.time) == (
            event.account_type,
            event.licensed_users,
            event.status,
        )
    assert entry["details"][0]["landed_at"] == "2027-01-02T12:00:00+00:00"


def test_slots_get_at_least_one_event_and_exactly_the_total():
    counts = plan_slots(1, CAL.start, 3, 2_000, silent=range(100, 108))
    assert len(counts) == 3 * SLOTS_PER_DAY
    assert sum(counts) == 2_000
    assert all(c == 0 for c in counts[100:108])
    assert all(c >= 1 for i, c in enumerate(counts) if not 100 <= i < 108)
    # the afternoon is busier than the night
    assert sum(counts[140:150]) > sum(counts[20:30])


def test_kafka_positions_are_contiguous_but_for_the_planted_gap():
    plan = ClickPlan(
        seed=1,
        start=CAL.start,
        days=1,
        partitions=3,
        slot_counts=(10,) * SLOTS_PER_DAY,
        offset_bases=(100, 200, 300),
        offset_gap=OffsetGap(partition=1, at=5, width=9),
    )
    by_partition: dict[int, list[int]] = {}
    for seq in range(60):
        partition, offset = plan.kafka_position(seq)
        by_partition.setdefault(partition, []).append(offset)
    assert by_partition[0] == list(range(100, 120))
    assert by_partition[2] == list(range(300, 320))
    assert by_partition[1] == [*range(200, 205), *range(214, 229)]
