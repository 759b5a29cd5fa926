"""Profit transforms on tiny inline DataFrames, against figures computed by hand."""

from __future__ import annotations

from datetime import date

import pytest
from pyspark.testing import assertDataFrameEqual

from pipelines import schemas
from pipelines.jobs import profit
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark


@pytest.fixture
def books(spark):
    revenue = spark.createDataFrame(
        [
            ("a1", date(2026, 11, 3), 100.0),
            ("a2", date(2026, 11, 20), 50.5),
            ("a1", date(2026, 12, 1), 200.0),
        ],
        schemas.REVENUE,
    )
    costs = spark.createDataFrame(
        [
            ("platform", date(2026, 11, 1), "opex", 30.0, ts("2026-12-02T10:00")),
            ("platform", date(2026, 11, 1), "asset", 20.0, ts("2026-12-02T10:00")),
            ("office", date(2026, 12, 1), "opex", 10.0, ts("2027-01-03T10:00")),
            # a month with costs and nothing else: revenue and salaries sum over no rows, 0
            ("office", date(2027, 1, 1), "opex", 5.0, ts("2027-02-03T10:00")),
        ],
        schemas.COSTS,
    )
    salaries = spark.createDataFrame(
        [
            ("data-engineering", date(2026, 11, 1), 40.0),
            ("data-engineering", date(2026, 12, 1), 40.0),
        ],
        schemas.SALARIES,
    )
    return revenue, costs, salaries


def test_profit_by_month_follows_the_contract_definitions(spark, books):
    expected = spark.createDataFrame(
        [
            # revenue, opex, asset, salaries, expenses, profit, margin
            (date(2026, 11, 1), 150.5, 30.0, 20.0, 40.0, 90.0, 60.5, 60.5 / 150.5),
            (date(2026, 12, 1), 200.0, 10.0, 0.0, 40.0, 50.0, 150.0, 0.75),
            (date(2027, 1, 1), 0.0, 5.0, 0.0, 0.0, 5.0, -5.0, None),
        ],
        schemas.PROFIT_MONTHLY,
    )
    assertDataFrameEqual(profit.profit_by_month(*books), expected)


def test_revenue_by_account_sums_invoices_per_month(spark, books):
    expected = spark.createDataFrame(
        [
            (date(2026, 11, 1), "a1", 100.0, 1),
            (date(2026, 11, 1), "a2", 50.5, 1),
            (date(2026, 12, 1), "a1", 200.0, 1),
        ],
        schemas.PROFIT_REVENUE_BY_ACCOUNT,
    )
    assertDataFrameEqual(profit.revenue_by_account(books[0]), expected)
