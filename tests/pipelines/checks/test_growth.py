"""Growth checks on hand-built account events: every count worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.checks.model import FAIL, OK, WARN
from tests.pipelines.checks.conftest import checks_of
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark

AS_OF = ts("2027-01-06T09:00")


def event(account, day, kind=None, users=None, status=None):
    return (account, ts(f"2026-{day}") if day else None, kind, users, status)


@pytest.fixture
def events(land):
    land(
        "account_events",
        [
            # a1: only allowed moves; an event carrying nothing in between
            event("a1", "10-01T10:00", "free", 1, "active"),
            event("a1", "10-02T10:00"),
            event("a1", "10-03T10:00", "team"),
            event("a1", "10-04T10:00", status="renewed"),
            event("a1", "10-05T10:00", "enterprise", status="canceled"),
            # a2: trial -> renewed; then one event making two invalid moves at once
            event("a2", "10-01T10:00", "team", 5, "trial"),
            event("a2", "10-02T10:00", status="renewed"),
            event("a2", "10-03T10:00", "free", status="renewed"),  # both allowed
            event("a2", "10-04T10:00", "enterprise", status="active"),
            # a3: unchanged is allowed; active -> trial and trial -> an unknown state are not
            event("a3", "10-01T10:00", "free", 1, "active"),
            event("a3", "10-02T10:00", "free", 1, "active"),
            event("a3", "10-03T10:00", status="trial"),
            event("a3", "10-04T10:00", status="paused"),
            event("a3", None, status="renewed"),  # no time: cannot be placed in the series
            # a4 never has a status, a5 never a type, a6 neither
            event("a4", "10-01T10:00", "team", 3),
            event("a4", "10-02T10:00", users=4),
            event("a5", "10-01T10:00", users=1, status="trial"),
            event("a5", "10-02T10:00", status="active"),
            event("a6", "10-01T10:00"),
            event(None, "10-01T10:00", "free", 1, "active"),
        ],
    )
    land(
        "revenue",
        [
            ("a1", date(2026, 10, 3), 10.0),
            ("a7", date(2026, 10, 3), 10.0),  # revenue but no events
            ("a7", date(2026, 11, 3), 10.0),
            (None, date(2026, 11, 3), 10.0),
        ],
    )


def test_accounts_without_a_current_status(spark, data, events):
    check = checks_of(spark, data, "growth", AS_OF)["missing_current_status"]
    assert (check.status, check.count) == (FAIL, 4)
    assert check.details == [
        {
            "account_id": "a4",
            "reason": "every event has a null subscription_status",
            "events": 2,
            "invoices": 0,
        },
        {
            "account_id": "a5",
            "reason": "every event has a null account_type",
            "events": 2,
            "invoices": 0,
        },
        {
            "account_id": "a6",
            "reason": "every event has a null subscription_status; "
            "every event has a null account_type",
            "events": 1,
            "invoices": 0,
        },
        {"account_id": "a7", "reason": "revenue but no events", "events": 0, "invoices": 2},
    ]


def test_each_invalid_move_of_either_field_counts_once(spark, data, events):
    check = checks_of(spark, data, "growth", AS_OF)["skipped_states"]
    assert (check.status, check.count) == (WARN, 5)
    assert [(d["account_id"], d["field"], d["from"], d["to"]) for d in check.details] == [
        ("a2", "subscription_status", "trial", "renewed"),
        ("a2", "account_type", "free", "enterprise"),
        ("a2", "subscription_status", "renewed", "active"),
        ("a3", "subscription_status", "active", "trial"),
        ("a3", "subscription_status", "trial", "paused"),
    ]
    assert check.details[1]["previous_event_time"] == "2026-10-03T10:00:00+00:00"
    assert check.details[1]["event_time"] == "2026-10-04T10:00:00+00:00"
    assert "5 invalid moves (4 subscription_status, 1 account_type)" in check.summary


def test_clean_accounts_are_ok(spark, data, land):
    land(
        "account_events",
        [
            event("a1", "10-01T10:00", "team", 3, "trial"),
            event("a1", "10-15T10:00", status="active"),
            event("a1", "11-15T10:00", "enterprise", 30, "renewed"),
            event("a1", "12-15T10:00", status="renewed"),
        ],
    )
    land("revenue", [("a1", date(2026, 10, 3), 10.0)])
    checks = checks_of(spark, data, "growth", AS_OF)
    assert [(c.status, c.count) for c in checks.values()] == [(OK, 0), (OK, 0)]
