"""Growth transforms: forward-filled states per week and month, new and churned accounts."""

from __future__ import annotations

from datetime import date

import pytest
from pyspark.testing import assertDataFrameEqual

from pipelines import schemas
from pipelines.jobs import growth
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark

NOV_2, NOV_9, NOV_16, NOV_23, NOV_30 = (date(2026, 11, d) for d in (2, 9, 16, 23, 30))


@pytest.fixture
def events(spark):
    return spark.createDataFrame(
        [
            # A: a team trial that converts, grows to 8 licences, and cancels on Dec 1
            ("A", ts("2026-11-02T10:00"), "team", 5, "trial"),
            ("A", ts("2026-11-16T10:00"), None, None, "active"),
            ("A", ts("2026-11-18T10:00"), None, 8, None),
            ("A", ts("2026-12-01T09:00"), None, None, "canceled"),
            # B: a free account that upgrades; one event carries nothing at all
            ("B", ts("2026-11-10T08:00"), "free", 2, "active"),
            ("B", ts("2026-11-20T08:00"), None, None, None),
            ("B", ts("2026-11-24T08:00"), "team", None, None),
        ],
        schemas.ACCOUNT_EVENTS,
    )


def test_weekly_states_forward_fill_incomplete_events(spark, events):
    expected = spark.createDataFrame(
        [
            (NOV_2, "A", "team", "trial", 5, True, False),
            (NOV_9, "A", "team", "trial", 5, False, False),
            (NOV_16, "A", "team", "active", 8, False, False),
            (NOV_23, "A", "team", "active", 8, False, False),
            (NOV_30, "A", "team", "canceled", 8, False, True),
            (NOV_9, "B", "free", "active", 2, True, False),
            (NOV_16, "B", "free", "active", 2, False, False),
            (NOV_23, "B", "team", "active", 2, False, False),
            (NOV_30, "B", "team", "active", 2, False, False),
        ],
        schemas.GROWTH_WEEKLY_STATUS,
    )
    assertDataFrameEqual(growth.period_states(events, "week"), expected)


def test_monthly_states_are_the_state_at_month_end(spark, events):
    expected = spark.createDataFrame(
        [
            (date(2026, 11, 1), "A", "team", "active", 8, True, False),
            (date(2026, 12, 1), "A", "team", "canceled", 8, False, True),
            (date(2026, 11, 1), "B", "team", "active", 2, True, False),
            (date(2026, 12, 1), "B", "team", "active", 2, False, False),
        ],
        schemas.GROWTH_MONTHLY_STATUS,
    )
    assertDataFrameEqual(growth.period_states(events, "month"), expected)


def test_weekly_summary_counts_by_type_and_status(spark, events):
    summary = growth.weekly_summary(growth.period_states(events, "week"))
    expected = spark.createDataFrame(
        [
            (NOV_2, "team", "trial", 1, 5, 1, 0),
            (NOV_9, "team", "trial", 1, 5, 0, 0),
            (NOV_9, "free", "active", 1, 2, 1, 0),
            (NOV_16, "team", "active", 1, 8, 0, 0),
            (NOV_16, "free", "active", 1, 2, 0, 0),
            (NOV_23, "team", "active", 2, 10, 0, 0),
            (NOV_30, "team", "canceled", 1, 8, 0, 1),
            (NOV_30, "team", "active", 1, 2, 0, 0),
        ],
        schemas.GROWTH_WEEKLY_SUMMARY,
    )
    assertDataFrameEqual(summary, expected)


def test_an_account_without_any_status_keeps_a_null_status(spark):
    events = spark.createDataFrame(
        [
            ("C", ts("2026-11-03T10:00"), "team", 3, None),
            ("C", ts("2026-11-12T10:00"), None, 4, None),
        ],
        schemas.ACCOUNT_EVENTS,
    )
    rows = growth.period_states(events, "week").orderBy("week_start").collect()
    assert [(r.week_start, r.subscription_status, r.licensed_users) for r in rows] == [
        (NOV_2, None, 3),
        (NOV_9, None, 4),
    ]
    assert not any(r.is_churned for r in rows)


def test_a_cancel_and_a_comeback_in_one_week_is_no_churn(spark):
    events = spark.createDataFrame(
        [
            ("D", ts("2026-11-02T10:00"), "team", 3, "active"),
            ("D", ts("2026-11-10T10:00"), None, None, "canceled"),
            ("D", ts("2026-11-11T10:00"), None, None, "active"),
            ("D", ts("2026-11-25T10:00"), None, None, "canceled"),
        ],
        schemas.ACCOUNT_EVENTS,
    )
    rows = growth.period_states(events, "week").orderBy("week_start").collect()
    assert [(r.subscription_status, r.is_churned) for r in rows] == [
        ("active", False),
        ("active", False),
        ("active", False),
        ("canceled", True),
    ]
