"""Profit checks on hand-built books: tolerances, deadlines and deliveries worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipelines.checks import profit
from pipelines.checks.model import ERROR, FAIL, OK, WARN
from tests.pipelines.checks.conftest import checks_of, runbook
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark

AS_OF = ts("2027-01-06T09:00")


@pytest.fixture
def books(land):
    land(
        "revenue",
        [
            ("a1", date(2026, 6, 3), 1_000_000.00),
            ("a1", date(2026, 7, 3), 1_000_000.00),
            ("a1", date(2026, 10, 3), 1_000.00),
            ("a2", date(2026, 10, 30), 500.00),
            ("a1", date(2026, 11, 3), 2_000.00),
            ("a1", date(2026, 12, 3), 300.00),
        ],
    )
    land(
        "costs",
        [
            ("platform", date(2026, 10, 1), "opex", 400.00, ts("2026-11-03T10:00")),
            # four days after the deadline (5 November, 23:59:59)
            ("office", date(2026, 10, 1), "asset", 100.00, ts("2026-11-09T10:00")),
            # on the deadline's last second: in time
            ("data", date(2026, 11, 1), "opex", 700.00, ts("2026-12-05T23:59:59")),
            # December's only row is delivered on 7 January: after AS_OF
            ("data", date(2026, 12, 1), "opex", 50.00, ts("2027-01-07T08:00")),
        ],
    )
    land(
        "salaries", [("support", date(2026, 10, 1), 200.00), ("support", date(2026, 11, 1), 300.00)]
    )
    land(
        "filings",
        [
            # expenses not filed
            (date(2026, 5, 1), 0.0, None, 0.0, "auditor"),
            # 101 over on 1,000,101 filed: above 0.01% (100.0101)
            (date(2026, 6, 1), 1_000_101.00, 0.0, 1_000_101.00, "auditor"),
            # 99 over on 1,000,099 filed: within 0.01% (100.0099)
            (date(2026, 7, 1), 1_000_099.00, 0.0, 1_000_099.00, "auditor"),
            # no rows at all that month: the books say 0, the filing 10
            (date(2026, 8, 1), 10.00, 0.0, 10.00, "auditor"),
            # 0.50 off a month with no rows: within the 1.00 floor
            (date(2026, 9, 1), 0.50, 0.0, 0.50, "auditor"),
            (date(2026, 10, 1), 1_500.00, 700.00, 800.00, "auditor"),
            # exactly 1.00 over: not more than max(1.00, 0.2001)
            (date(2026, 11, 1), 2_001.00, 1_000.00, 1_001.00, "auditor"),
            (date(2026, 12, 1), 300.00, 50.00, 250.00, "auditor"),
        ],
    )


def test_filed_months_that_differ_beyond_the_tolerance(spark, data, books):
    check = checks_of(spark, data, "profit", AS_OF)["filing_discrepancy"]
    assert (check.status, check.count) == (FAIL, 3)
    assert [d["month"] for d in check.details] == ["2026-05-01", "2026-06-01", "2026-08-01"]
    assert check.details[0]["differences"] == [
        {"figure": "expenses", "filed": None, "pipeline": 0.0}
    ]
    assert check.details[1]["differences"][0] == {
        "figure": "revenue",
        "filed": 1_000_101.0,
        "pipeline": 1_000_000.0,
        "difference": 101.0,
        "tolerance": 100.01,
    }
    assert [x["figure"] for x in check.details[2]["differences"]] == ["revenue", "profit"]
    assert check.threshold == {"abs_tolerance": 1.0, "rel_tolerance": 0.0001}


def test_a_wider_tolerance_from_the_runbook(spark, data, books):
    wide = runbook("profit", {"filing_discrepancy": {"abs_tolerance": 200.0}})
    check = checks_of(spark, data, "profit", AS_OF, wide)["filing_discrepancy"]
    assert [d["month"] for d in check.details] == ["2026-05-01"]


def test_cost_months_missing_or_late(spark, data, books):
    check = checks_of(spark, data, "profit", AS_OF)["cost_data_delay"]
    # June and July have revenue but never costs; October has a row after its deadline;
    # December's only row is delivered after AS_OF, so as of then it is missing
    assert (check.status, check.count) == (FAIL, 4)
    assert [(d["month"], d["kind"]) for d in check.details] == [
        ("2026-06-01", "missing"),
        ("2026-07-01", "missing"),
        ("2026-10-01", "late"),
        ("2026-12-01", "missing"),
    ]
    late = check.details[2]
    assert late["late_cost_centers"] == ["office"]
    assert (late["late_rows"], late["cost_rows"]) == (1, 2)
    assert late["deadline"] == "2026-11-05T23:59:59+00:00"
    assert late["last_delivered_at"] == "2026-11-09T10:00:00+00:00"


def test_cost_deadlines_move_with_as_of(spark, data, books):
    before_deadline = checks_of(spark, data, "profit", ts("2027-01-05T12:00"))["cost_data_delay"]
    assert [d["month"] for d in before_deadline.details] == [
        "2026-06-01",
        "2026-07-01",
        "2026-10-01",
    ]
    delivered = checks_of(spark, data, "profit", ts("2027-01-08T00:00"))["cost_data_delay"]
    assert [(d["month"], d["kind"]) for d in delivered.details][-1] == ("2026-12-01", "late")


def test_the_deadline_day_comes_from_the_runbook(spark, data, books):
    later = runbook("profit", {"cost_data_delay": {"deadline_day": 10}})
    check = checks_of(spark, data, "profit", AS_OF, later)["cost_data_delay"]
    assert [d["month"] for d in check.details] == ["2026-06-01", "2026-07-01"]
    assert check.threshold == {"deadline_day": 10.0}


def test_late_costs_that_have_landed_only_warn(spark, data, land):
    land("revenue", [("a1", date(2026, 10, 3), 10.0)])
    land("costs", [("office", date(2026, 10, 1), "opex", 1.0, ts("2026-11-09T10:00"))])
    land("salaries", [("support", date(2026, 10, 1), 1.0)])
    land("filings", [(date(2026, 10, 1), 10.0, 2.0, 8.0, "auditor")])
    checks = checks_of(spark, data, "profit", AS_OF)
    assert (checks["cost_data_delay"].status, checks["cost_data_delay"].count) == (WARN, 1)
    assert (checks["filing_discrepancy"].status, checks["filing_discrepancy"].count) == (OK, 0)


def test_unreadable_filings_fail_only_the_filing_check(spark, data, books):
    (data.source_dir("filings") / "filings.parquet").write_bytes(b"not parquet at all")
    checks = checks_of(spark, data, "profit", AS_OF)
    assert checks["filing_discrepancy"].status == ERROR
    assert "sources/filings" in checks["filing_discrepancy"].summary
    assert (checks["cost_data_delay"].status, checks["cost_data_delay"].count) == (FAIL, 4)


def test_the_python_and_spark_deadlines_agree(spark):
    from pyspark.sql import functions as F

    months = [date(2026, m, 1) for m in range(1, 13)]
    frame = spark.createDataFrame([(m,) for m in months], "month date")
    for day in (1, 5, 28):
        got = frame.select(F.unix_micros(profit.deadline_of(frame.month, day)).alias("d"))
        assert [r.d for r in got.collect()] == [
            int(profit.deadline(m, day).timestamp()) * 1_000_000 for m in months
        ]
    assert profit.deadline(date(2026, 12, 1), 5) == datetime(2027, 1, 5, 23, 59, 59, tzinfo=UTC)
