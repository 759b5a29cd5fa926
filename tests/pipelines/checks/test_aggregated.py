"""Aggregated checks on hand-built sources, metadata and output: counts worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines import outputs, schemas
from pipelines.checks.model import ERROR, FAIL, OK, WARN
from tests.pipelines.checks.conftest import checks_of, runbook, write_meta
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark

AS_OF = ts("2026-12-06T00:00")


def click(event_id, account, time, ingested=None):
    moment = ts(time)
    return (
        event_id,
        "u",
        account,
        "web",
        "click",
        moment,
        0,
        1,
        ts(ingested) if ingested else moment,
    )


def write_output(spark, data, rows, run_id="run-1"):
    frame = spark.createDataFrame(rows, schemas.AGGREGATED_MONTHLY)
    entry = outputs.write_snapshot(data, "aggregated", run_id, "monthly", frame)
    outputs.commit(data, "aggregated", {"run_id": run_id, "tables": {"monthly": entry}})


def fresh_meta(data, pipeline, written, last_month):
    write_meta(data, pipeline, written_at=written, months={"last": last_month})


@pytest.fixture
def world(spark, data, land):
    november = ts("2026-12-01T01:00")
    land(
        "revenue",
        [("a1", date(2026, 11, 3), 1.0), ("a1", date(2026, 11, 4), 1.0)]
        + [(f"a{i}", date(2026, 11, 5), 1.0) for i in (2, 3, 4)],
        landed=november,
    )
    land(
        "costs",
        [("office", date(2026, 10, 1), "opex", 1.0, ts("2026-11-02T00:00"))],
        name="costs-10",
        landed=ts("2026-11-05T00:00"),
    )
    land(
        "costs",
        [("office", date(2026, 11, 1), "opex", 1.0, ts("2026-12-03T00:00"))],
        name="costs-11",
        landed=ts("2026-12-03T00:00"),
    )
    land("salaries", [("support", date(2026, 11, 1), 1.0)], landed=november)
    land(
        "account_events",
        [("a9", ts(f"2026-11-0{d}T10:00"), "team", 1, "active") for d in (1, 2, 3)]
        + [(f"b{i}", ts("2026-10-05T10:00"), "free", 1, "active") for i in range(3)]
        + [(None, ts("2026-10-05T10:00"), "free", 1, "active")] * 4,
        landed=november,
    )
    land(
        "clicks",
        [
            click("e1", "a1", "2026-11-01T10:00"),
            click("e2", "a1", "2026-11-02T10:00"),
            click("e3", "a1", "2026-11-03T10:00"),
            click("e4", "a2", "2026-11-04T10:00"),
            click("e5", "a3", "2026-11-05T10:00"),
            # lands in December (after AS_OF): not delivered yet, so neither rows nor month
            click("e6", "a4", "2026-12-07T10:00", ingested="2026-12-07T10:01"),
        ],
        landed=november,
    )
    # profit was written before November's costs landed; growth does not reach November
    fresh_meta(data, "profit", "2026-12-02T00:00:00+00:00", "2026-11-01")
    fresh_meta(data, "growth", "2026-12-05T00:00:00+00:00", "2026-10-01")
    fresh_meta(data, "engagement", "2026-12-05T00:00:00+00:00", "2026-11-01")
    write_output(
        spark,
        data,
        [
            (date(2026, 10, 1), "free", 10.0, 0.5, 2, 1, 4, 3, 9, 3.0, 2.5, 0.33),
            # no active users: clicks per active user is null over a zero denominator
            (date(2026, 10, 1), "team", 10.0, 0.5, 2, 0, 4, 0, 0, None, 2.5, 0.0),
            (date(2026, 10, 1), "enterprise", 10.0, None, 2, 0, 4, 3, 9, 3.0, 2.5, 0.0),
            # no live or churned accounts: churn rate over zero
            (date(2026, 11, 1), "free", 0.0, 0.0, 0, 0, 4, 3, 9, 3.0, 0.0, None),
        ],
    )


def test_stale_upstream_outputs(spark, data, world):
    check = checks_of(spark, data, "aggregated", AS_OF)["stale_upstream"]
    assert (check.status, check.count) == (FAIL, 2)
    profit, growth = check.details
    assert profit["output"] == "profit"
    assert profit["reasons"] == [
        "written 2026-12-02 00:00 UTC, before sources/costs/costs-11.parquet landed at "
        "2026-12-03 00:00 UTC"
    ]
    assert growth["output"] == "growth"
    assert growth["reasons"] == ["covers months until 2026-10, its sources reach 2026-11"]
    assert growth["latest_source_month"] == "2026-11-01"


def test_a_replay_does_not_see_files_landed_later(spark, data, world):
    check = checks_of(spark, data, "aggregated", ts("2026-12-02T12:00"), replay=True)
    assert [d["output"] for d in check["stale_upstream"].details] == ["growth"]


def test_an_upstream_never_run_is_stale(spark, data, world):
    (data.output_dir("engagement") / "_meta.json").unlink()
    check = checks_of(spark, data, "aggregated", AS_OF)["stale_upstream"]
    assert check.count == 3
    assert check.details[2]["reasons"] == ["no output yet: run `pipeline run engagement`"]


def test_rows_with_null_metrics_or_zero_denominators(spark, data, world):
    check = checks_of(spark, data, "aggregated", AS_OF)["missing_values"]
    assert (check.status, check.count) == (FAIL, 3)
    assert check.details == [
        {
            "month": "2026-10-01",
            "account_type": "enterprise",
            "null_metrics": ["profit_share"],
            "zero_denominators": [],
        },
        {
            "month": "2026-10-01",
            "account_type": "team",
            "null_metrics": ["clicks_per_active_user"],
            "zero_denominators": [
                {"metric": "clicks_per_active_user", "denominator": "active_users"}
            ],
        },
        {
            "month": "2026-11-01",
            "account_type": "free",
            "null_metrics": ["churn_rate"],
            "zero_denominators": [
                {"metric": "churn_rate", "denominator": "accounts + churned_accounts"}
            ],
        },
    ]


def test_keys_holding_more_than_the_share(spark, data, world):
    check = checks_of(spark, data, "aggregated", AS_OF)["join_skew"]
    # a1: 3 of 5 delivered clicks and 2 of 5 invoices; a9: 3 of 10 account events (the four
    # without an account count in the total, never as a key); a2..a4: exactly 20%, not more
    assert (check.status, check.count) == (WARN, 2)
    assert [(d["source"], d["account_id"], d["rows"], d["total_rows"]) for d in check.details] == [
        ("clicks", "a1", 3, 5),
        ("revenue", "a1", 2, 5),
        ("account_events", "a9", 3, 10),
    ]
    higher = runbook("aggregated", {"join_skew": {"max_key_share": 0.5}})
    check = checks_of(spark, data, "aggregated", AS_OF, higher)["join_skew"]
    assert [(d["source"], d["account_id"]) for d in check.details] == [("clicks", "a1")]


def test_missing_output_is_an_error_and_the_other_checks_still_run(spark, data, world):
    (data.output_dir("aggregated") / "_meta.json").unlink()
    checks = checks_of(spark, data, "aggregated", AS_OF)
    assert checks["missing_values"].status == ERROR
    assert checks["missing_values"].error == (
        "outputs/aggregated: no output yet; run `pipeline run aggregated` first"
    )
    assert (checks["stale_upstream"].count, checks["join_skew"].count) == (2, 2)


def test_fresh_upstreams_and_a_full_output_are_ok(spark, data, world):
    fresh_meta(data, "profit", "2026-12-05T00:00:00+00:00", "2026-11-01")
    fresh_meta(data, "growth", "2026-12-05T00:00:00+00:00", "2026-11-01")
    full = [(date(2026, 10, 1), "free", 1.0, 0.5, 2, 1, 4, 3, 9, 3.0, 0.25, 0.3)]
    write_output(spark, data, full, run_id="run-2")
    checks = checks_of(spark, data, "aggregated", AS_OF)
    assert (checks["stale_upstream"].status, checks["missing_values"].status) == (OK, OK)
