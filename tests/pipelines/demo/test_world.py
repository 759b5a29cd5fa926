"""The simulated accounts and books: allowed moves only, anchors, determinism, exact filings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipelines.demo.world import Calendar, build_filings, build_world
from tests.pipelines import reference as ref

CAL = Calendar.ending(date(2026, 12, 1), 4)


def rows(world) -> ref.Sources:
    """The world as the plain rows the reference reads (timestamps as epoch micros)."""

    def micros(moment: datetime) -> int:
        return int(moment.timestamp() * 1_000_000)

    return ref.Sources(
        revenue=[
            {"account_id": i.account_id, "invoice_date": i.invoice_date, "amount": i.amount}
            for i in world.invoices
        ],
        costs=[
            {
                "month": c.month,
                "category": c.category,
                "amount": c.amount,
                "delivered_at": micros(c.delivered_at),
            }
            for c in world.costs
        ],
        salaries=[{"month": s.month, "amount": s.amount} for s in world.salaries],
        filings=[
            {"month": f.month, "revenue": f.revenue, "expenses": f.expenses, "profit": f.profit}
            for f in world.filings
        ],
        account_events=[
            {
                "account_id": e.account_id,
                "event_time": micros(e.time),
                "account_type": e.account_type,
                "licensed_users": e.licensed_users,
                "subscription_status": e.status,
            }
            for a in world.accounts
            for e in a.events + [x for x in world.late_events if x.account_id == a.id]
        ],
        clicks=[],
    )


@pytest.fixture(scope="module")
def world():
    built = build_world(11, 80, CAL)
    built.filings = build_filings(built)
    return built


def test_the_clean_world_trips_no_account_or_finance_check(world):
    src = rows(world)
    assert ref.skipped_states(src) == 0
    assert ref.missing_current_status(src) == 0
    assert ref.filing_discrepancy(src) == 0
    assert ref.cost_data_delay(src, datetime(2027, 1, 6, 9, tzinfo=UTC)) == 0
    assert ref.join_skew(src) == set()


def test_every_account_starts_with_a_complete_event(world):
    for account in world.accounts:
        first = account.events[0]
        assert None not in (first.account_type, first.licensed_users, first.status), account.id
        assert [e.time for e in account.events] == sorted(e.time for e in account.events)


def test_anchors_keep_every_type_live_and_paying_every_month(world):
    anchors = [a for a in world.accounts if a.anchor]
    assert [a.events[0].account_type for a in anchors] == ["free", "team", "enterprise"]
    for anchor in anchors:
        assert {e.status for e in anchor.events} <= {"active", "renewed", None}
        assert {e.account_type for e in anchor.events} <= {anchor.events[0].account_type, None}
    paying = {a.id for a in anchors[1:]}
    for month in CAL.months:
        billed = {i.account_id for i in world.invoices if i.invoice_date.replace(day=1) == month}
        assert paying <= billed, month


def test_invoices_follow_the_account_state(world):
    for invoice in world.invoices:
        account = world.account(invoice.account_id)
        moment = datetime.combine(invoice.invoice_date, datetime.max.time(), tzinfo=UTC)
        kind, _, status = account.state_at(
            moment.replace(hour=23, minute=0, second=0, microsecond=0)
        )
        assert kind in ("team", "enterprise") and status in ("active", "renewed"), invoice


def test_filings_cover_every_month_but_the_latest(world):
    assert [f.month for f in world.filings] == list(CAL.months[:-1])


def test_the_same_seed_builds_the_same_world_and_another_seed_does_not():
    again, other = build_world(11, 80, CAL), build_world(12, 80, CAL)
    first = build_world(11, 80, CAL)
    assert rows(again) == rows(first)
    assert rows(other) != rows(first)
