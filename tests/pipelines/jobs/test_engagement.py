"""Engagement: de-duplication, daily and monthly counts, and re-aggregating only changed days."""

from __future__ import annotations

from datetime import date

import pytest
from pyspark.testing import assertDataFrameEqual

from oncall.errors import DataError
from pipelines import outputs, schemas
from pipelines.jobs import JOBS, engagement
from pipelines.progress import Quiet
from pipelines.runner import run_job
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark

AGGREGATED = ts("2026-12-03T06:00")


def click(event_id, user, account, team, time, partition=0, offset=0, ingested=None):
    return (
        event_id,
        user,
        account,
        team,
        "click",
        ts(time),
        partition,
        offset,
        ts(ingested or time),
    )


@pytest.fixture
def clicks(spark):
    rows = [
        click("e1", "u1", "a1", "web", "2026-12-01T10:00", 0, 10),
        click("e2", "u1", "a1", "web", "2026-12-01T11:00", 1, 20),
        click("e3", "u2", "a1", "web", "2026-12-01T12:00", 0, 11),
        click("e4", "u3", "a1", "ios", "2026-12-01T13:00", 1, 21),
        click("e5", "u9", "a2", "web", "2026-12-02T09:00", 0, 12),
        # e1 again, ingested later and tagged with another team: the first copy wins
        ("e1", "u1", "a1", "ios", "click", ts("2026-12-01T10:00"), 0, 10, ts("2026-12-01T10:05")),
    ]
    return engagement.with_event_date(spark.createDataFrame(rows, schemas.CLICKS))


def test_deduplicate_keeps_the_first_ingested_copy(clicks):
    events = engagement.deduplicate(clicks)
    assert events.count() == 5
    assert events.where("event_id = 'e1'").first().source_team == "web"


def test_daily_engagement_counts_clicks_and_distinct_users(spark, clicks):
    per_user = engagement.user_days(engagement.deduplicate(clicks))
    daily = engagement.daily_engagement(per_user, AGGREGATED)
    expected = spark.createDataFrame(
        [
            ("a1", "web", 3, 2, AGGREGATED, date(2026, 12, 1)),
            ("a1", "ios", 1, 1, AGGREGATED, date(2026, 12, 1)),
            ("a2", "web", 1, 1, AGGREGATED, date(2026, 12, 2)),
        ],
        schemas.ENGAGEMENT_DAILY,
    )
    assertDataFrameEqual(daily.select(*schemas.ENGAGEMENT_DAILY.fieldNames()), expected)


def test_monthly_engagement_counts_distinct_users_across_days_and_teams(spark, clicks):
    monthly = engagement.monthly_engagement(engagement.user_days(engagement.deduplicate(clicks)))
    expected = spark.createDataFrame(
        [("a1", 4, 3, date(2026, 12, 1)), ("a2", 1, 1, date(2026, 12, 1))],
        schemas.ENGAGEMENT_MONTHLY,
    )
    assertDataFrameEqual(monthly.select(*schemas.ENGAGEMENT_MONTHLY.fieldNames()), expected)


def test_changed_days_compares_fingerprints():
    recorded = {
        "2026-12-01": {"rows": 3, "max_ingested_at": "x", "checksum": 1, "aggregated_at": "t"},
        "2026-12-02": {"rows": 1, "max_ingested_at": "y", "checksum": 2, "aggregated_at": "t"},
        "2026-11-30": {"rows": 1, "max_ingested_at": "z", "checksum": 3, "aggregated_at": "t"},
    }
    now = {
        "2026-12-01": {"rows": 3, "max_ingested_at": "x", "checksum": 1},
        "2026-12-02": {"rows": 2, "max_ingested_at": "y2", "checksum": 5},
        "2026-12-03": {"rows": 1, "max_ingested_at": "w", "checksum": 4},
    }
    assert engagement.changed_days(now, recorded) == (["2026-12-02", "2026-12-03"], ["2026-11-30"])


def run_engagement(spark, data, at):
    return run_job(spark, data, JOBS["engagement"], as_of=at, replay=True, progress=Quiet())


def partition_files(data, day):
    return sorted(
        p.name for p in (data.output_dir("engagement") / "daily" / f"event_date={day}").iterdir()
    )


def daily_rows(spark, data):
    frame = outputs.read_output(spark, data, "engagement", "daily")
    return {
        (r.event_date.isoformat(), r.account_id, r.source_team): (r.clicks, r.distinct_users)
        for r in frame.collect()
    }


def test_a_rerun_reaggregates_only_the_days_with_new_data(spark, data, land):
    land(
        "clicks",
        [
            click("e1", "u1", "a1", "web", "2026-12-01T10:00", 0, 1, "2026-12-01T10:01"),
            click("e2", "u2", "a1", "web", "2026-12-02T10:00", 0, 2, "2026-12-02T10:01"),
            # today at the first run: not aggregated until the day is over
            click("e3", "u3", "a2", "web", "2026-12-03T01:00", 0, 3, "2026-12-03T01:01"),
        ],
        name="clicks-batch-1",
        landed=ts("2026-12-03T02:00"),
    )
    land(
        "clicks",
        [click("e4", "u4", "a2", "web", "2026-12-02T20:00", 1, 1, "2026-12-04T09:00")],
        name="clicks-late",
        landed=ts("2026-12-04T09:05"),
    )
    first = run_engagement(spark, data, ts("2026-12-03T06:00"))
    assert first.rows == {"daily": 2, "monthly": 1}
    assert daily_rows(spark, data) == {
        ("2026-12-01", "a1", "web"): (1, 1),
        ("2026-12-02", "a1", "web"): (1, 1),
    }
    day_one = partition_files(data, "2026-12-01")

    second = run_engagement(spark, data, ts("2026-12-05T06:00"))
    meta = outputs.load_meta(data, "engagement")
    # the late file changed Dec 2; Dec 3 is new; Dec 1 is left alone, files and all
    assert meta["reaggregated_days"] == ["2026-12-02", "2026-12-03"]
    assert second.note == "re-aggregated 2 of 3 day(s)"
    assert partition_files(data, "2026-12-01") == day_one
    assert daily_rows(spark, data) == {
        ("2026-12-01", "a1", "web"): (1, 1),
        ("2026-12-02", "a1", "web"): (1, 1),
        ("2026-12-02", "a2", "web"): (1, 1),
        ("2026-12-03", "a2", "web"): (1, 1),
    }
    days = meta["days"]
    assert days["2026-12-01"]["aggregated_at"] == "2026-12-03T06:00:00+00:00"
    assert days["2026-12-02"]["first_aggregated_at"] == "2026-12-03T06:00:00+00:00"
    assert days["2026-12-02"]["aggregated_at"] == "2026-12-05T06:00:00+00:00"
    assert days["2026-12-03"]["first_aggregated_at"] == "2026-12-05T06:00:00+00:00"
    assert days["2026-12-02"]["rows"] == 2
    assert days["2026-12-02"]["max_ingested_at"] == "2026-12-04T09:00:00+00:00"
    monthly = outputs.read_output(spark, data, "engagement", "monthly").collect()
    assert sorted((r.account_id, r.clicks, r.active_users) for r in monthly) == [
        ("a1", 2, 2),
        ("a2", 2, 2),
    ]

    third = run_engagement(spark, data, ts("2026-12-05T07:00"))
    assert third.note == "re-aggregated 0 of 3 day(s)"
    assert outputs.load_meta(data, "engagement")["days"] == days


def test_a_run_that_died_mid_write_is_rebuilt_whole(spark, data, land):
    land(
        "clicks",
        [
            click("e1", "u1", "a1", "web", "2026-12-01T10:00", 0, 1, "2026-12-01T10:01"),
            click("e2", "u2", "a1", "web", "2026-12-02T10:00", 0, 2, "2026-12-02T10:01"),
        ],
        landed=ts("2026-12-03T00:10"),
    )
    run_engagement(spark, data, ts("2026-12-03T06:00"))
    # as if a run had been killed between replacing partitions and committing
    outputs.begin_partitioned(data, "engagement", "killed", "2026-12-03T07:00:00+00:00")
    with pytest.raises(DataError, match="run killed did not finish writing"):
        outputs.read_output(spark, data, "engagement", "daily")
    again = run_engagement(spark, data, ts("2026-12-03T08:00"))
    assert again.note == "re-aggregated 2 of 2 day(s)"
    assert outputs.pending(data, "engagement") is None
    assert len(daily_rows(spark, data)) == 2
