"""Aggregated: per month and account type, ratios null-safe, computed by hand."""

from __future__ import annotations

from datetime import date

import pytest
from pyspark.testing import assertDataFrameEqual

from pipelines import schemas
from pipelines.jobs import aggregated

pytestmark = pytest.mark.spark

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def upstream(spark):
    profit = spark.createDataFrame(
        [
            (NOV, 300.0, 0.0, 0.0, 0.0, 240.0, 60.0, 0.2),
            (DEC, 100.0, 0.0, 0.0, 0.0, 110.0, -10.0, -0.1),
        ],
        schemas.PROFIT_MONTHLY,
    )
    revenue = spark.createDataFrame(
        [
            (NOV, "A", 200.0, 1),
            (NOV, "B", 100.0, 1),
            (DEC, "A", 100.0, 1),
            # an account Growth does not know: its revenue has no type
            (DEC, "X", 0.5, 1),
        ],
        schemas.PROFIT_REVENUE_BY_ACCOUNT,
    )
    states = spark.createDataFrame(
        [
            (NOV, "A", "team", "active", 5, True, False),
            (NOV, "B", "enterprise", "renewed", 20, True, False),
            (NOV, "C", "free", "active", 1, True, False),
            (DEC, "A", "team", "canceled", 5, False, True),
            (DEC, "B", "enterprise", "renewed", 20, False, False),
            (DEC, "C", "free", "active", 1, False, False),
            # an account without a status is neither live nor churned
            (DEC, "D", "team", None, 7, True, False),
        ],
        schemas.GROWTH_MONTHLY_STATUS,
    )
    engagement = spark.createDataFrame(
        [("A", 10, 3, NOV), ("B", 30, 5, NOV), ("B", 8, 2, DEC), ("D", 4, 1, DEC)],
        schemas.ENGAGEMENT_MONTHLY,
    )
    return profit, revenue, states, engagement


def test_one_row_per_month_and_type_with_null_safe_ratios(spark, upstream):
    expected = spark.createDataFrame(
        [
            # revenue, profit_share, accounts, churned, licensed, active, clicks, c/au, r/lu, churn
            (NOV, "free", 0.0, 0.0, 1, 0, 1, 0, 0, None, 0.0, 0.0),
            (NOV, "team", 200.0, 40.0, 1, 0, 5, 3, 10, 10 / 3, 40.0, 0.0),
            (NOV, "enterprise", 100.0, 20.0, 1, 0, 20, 5, 30, 6.0, 5.0, 0.0),
            (DEC, "free", 0.0, 0.0, 1, 0, 1, 0, 0, None, 0.0, 0.0),
            (DEC, "team", 100.0, -10.0, 0, 1, 0, 1, 4, 4.0, None, 1.0),
            (DEC, "enterprise", 0.0, 0.0, 1, 0, 20, 2, 8, 4.0, 0.0, 0.0),
        ],
        schemas.AGGREGATED_MONTHLY,
    )
    assertDataFrameEqual(aggregated.aggregate(*upstream), expected)


def test_a_month_without_revenue_has_no_profit_share(spark, upstream):
    _profit, revenue, states, engagement = upstream
    no_revenue = spark.createDataFrame(
        [(NOV, 0.0, 0.0, 0.0, 5.0, 5.0, -5.0, None)], schemas.PROFIT_MONTHLY
    )
    rows = aggregated.aggregate(no_revenue, revenue.limit(0), states, engagement).collect()
    assert [r.account_type for r in rows] == ["free", "team", "enterprise"]
    assert all(r.profit_share is None for r in rows)
