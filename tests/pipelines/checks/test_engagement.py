"""Engagement checks on hand-built clicks: every expected count is worked out by hand."""

from __future__ import annotations

import itertools
import random

import pytest

from pipelines import schemas
from pipelines.checks import engagement
from pipelines.checks.model import FAIL, OK, WARN
from tests.pipelines.checks.conftest import checks_of, runbook, write_meta
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark

AS_OF = ts("2026-12-07T00:00")


def click(event_id, time, partition=0, offset=0, ingested=None, team="web-frontend"):
    moment = ts(time) if time else None
    return (
        event_id,
        "u1",
        "a1",
        team,
        "click",
        moment,
        partition,
        offset,
        ts(ingested) if ingested else moment,
    )


# --- duplicate_events ---------------------------------------------------------------------------


def test_duplicates_count_surplus_rows(spark, data, land):
    land(
        "clicks",
        [
            click("e1", "2026-12-01T10:00", 0, 1),
            click("e1", "2026-12-01T10:00", 0, 1),
            click("e1", "2026-12-01T10:00", 1, 7),  # a producer retry: another offset
            click("e2", "2026-12-01T10:01", 0, 2),
            click("e2", "2026-12-01T10:01", 0, 2),
            click("e3", "2026-12-01T10:02", 0, 3),
            click(None, "2026-12-01T10:03", 0, 4),
            click(None, "2026-12-01T10:04", 0, 5),  # no id: not a duplicate of anything
            # a third copy of e2 not yet delivered as of AS_OF
            click("e2", "2026-12-01T10:01", 0, 6, ingested="2026-12-08T00:00"),
        ],
    )
    check = checks_of(spark, data, "engagement", AS_OF)["duplicate_events"]
    assert (check.status, check.count) == (WARN, 3)  # e1: 3 copies (2 surplus), e2: 2 (1)
    assert check.details == [{"event_id": "e1", "copies": 3}, {"event_id": "e2", "copies": 2}]
    assert check.summary.startswith("3 surplus rows: 2 event_ids occur more than once")


def test_no_duplicates_is_ok(spark, data, land):
    land("clicks", [click("e1", "2026-12-01T10:00", 0, 1), click("e2", "2026-12-01T10:01", 0, 2)])
    check = checks_of(spark, data, "engagement", AS_OF)["duplicate_events"]
    assert (check.status, check.count, check.details) == (OK, 0, [])


# --- kafka_gap ----------------------------------------------------------------------------------


def test_silences_of_at_least_the_threshold_are_gaps(spark, data, land):
    land(
        "clicks",
        [
            click("a", "2026-12-01T10:00:00", 0, 1),
            click("b", "2026-12-01T10:14:59.999999", 0, 2),  # 1 microsecond short: no gap
            click("c", "2026-12-01T10:29:59.999999", 0, 3),  # exactly 15 minutes: a gap
            click("d", "2026-12-01T11:00:00", 0, 4),  # 30 minutes: a gap
            click("e", "2026-12-01T11:01:00", 0, 5),
            click("f", None, 0, 6),  # no event time: says nothing about silences
            # fills the 30-minute silence, but only lands after AS_OF: still a gap
            click("g", "2026-12-01T10:45:00", 0, 7, ingested="2026-12-08T00:00"),
        ],
    )
    check = checks_of(spark, data, "engagement", AS_OF)["kafka_gap"]
    assert (check.status, check.count) == (FAIL, 2)
    assert check.details == [
        {
            "kind": "time",
            "last_event_before": "2026-12-01T10:14:59.999999+00:00",
            "first_event_after": "2026-12-01T10:29:59.999999+00:00",
            "minutes": 15.0,
        },
        {
            "kind": "time",
            "last_event_before": "2026-12-01T10:29:59.999999+00:00",
            "first_event_after": "2026-12-01T11:00:00+00:00",
            "minutes": 30.0,
        },
    ]
    assert check.threshold == {"min_gap_minutes": 15.0}
    longer = runbook("engagement", {"kafka_gap": {"min_gap_minutes": 20.0}})
    check = checks_of(spark, data, "engagement", AS_OF, longer)["kafka_gap"]
    assert (check.count, check.threshold) == (1, {"min_gap_minutes": 20.0})


def test_offset_holes_per_partition_however_wide(spark, data, land):
    rows = []
    layout = {
        0: [10, 11, 12, 14, 200],  # holes 13 and 15..199 (across words)
        1: [63, 64, 64, 66],  # contiguous over a word boundary, 64 twice; hole 65
        2: [127, 192],  # hole 128..191: exactly one whole word missing
        3: [5, 6, 7],  # no hole
    }
    for partition, offsets in layout.items():
        for n, offset in enumerate(offsets):
            rows.append(click(f"p{partition}-{n}", "2026-12-01T10:00", partition, offset))
    land("clicks", rows)
    check = checks_of(spark, data, "engagement", AS_OF)["kafka_gap"]
    assert check.count == 4
    assert [
        (d["partition"], d["first_missing"], d["last_missing"], d["missing"]) for d in check.details
    ] == [(0, 13, 13, 1), (0, 15, 199, 185), (1, 65, 65, 1), (2, 128, 191, 64)]
    assert "4 offset holes (251 offsets missing) in partitions 0, 1, 2" in check.summary


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_offset_holes_match_a_plain_scan_of_random_offsets(spark, seed):
    rng = random.Random(seed)
    rows = []
    expected = []
    for partition in range(3):
        start = rng.choice([0, 5, 1_000_003, 2**40])
        present = sorted({start + i for i in range(rng.randint(200, 3_000)) if rng.random() > 0.01})
        for a, b in itertools.pairwise(present):
            if b - a > 1:
                expected.append((partition, a + 1, b - 1))
        rows += [click("e", "2026-12-01T10:00", partition, offset) for offset in present]
        # duplicates
        rows += [click("e", "2026-12-01T10:00", partition, o) for o in rng.sample(present, 20)]
    frame = spark.createDataFrame(rows, schemas.CLICKS)
    stream = engagement.stream_metrics(
        frame, AS_OF, min_gap_micros=None, offsets=True, late=None
    ).first()
    holes = engagement.offset_holes([w.asDict() for w in stream["words"]])
    assert [(h.partition, h.first, h.last) for h in holes] == expected


def test_offset_holes_reads_words_of_64_bits():
    whole = -1  # every bit set, as Spark's signed long
    words = [
        # partition 0: word 0 holds 62, 63; word 1 whole; word 3 holds 192 only
        {"kafka_partition": 0, "word": 0, "bits": 0b11 << 62, "previous_word": None,
         "previous_bits": None},
        {"kafka_partition": 0, "word": 3, "bits": 1, "previous_word": 1, "previous_bits": whole},
        # partition 1: 0..2 and 5 in word 0
        {"kafka_partition": 1, "word": 0, "bits": 0b100111, "previous_word": None,
         "previous_bits": None},
    ]  # fmt: skip
    holes = engagement.offset_holes(words)
    assert [(h.partition, h.first, h.last) for h in holes] == [(0, 128, 191), (1, 3, 4)]


def test_clean_offsets_and_times_are_ok(spark, data, land):
    land(
        "clicks",
        [click(f"e{i}", f"2026-12-01T10:{i:02d}", i % 2, 100 + i // 2) for i in range(20)],
    )
    check = checks_of(spark, data, "engagement", AS_OF)["kafka_gap"]
    assert (check.status, check.count) == (OK, 0)


# --- late_arrivals ------------------------------------------------------------------------------


@pytest.fixture
def late_clicks(data, land):
    write_meta(
        data,
        "engagement",
        days={
            "2026-12-01": {
                "first_aggregated_at": "2026-12-02T06:00:00+00:00",
                "aggregated_at": "2026-12-02T06:00:00+00:00",
            },
            "2026-12-02": {
                "first_aggregated_at": "2026-12-03T06:00:00+00:00",
                "aggregated_at": "2026-12-05T06:00:00+00:00",
            },
        },
    )
    land(
        "clicks",
        [
            click("on-time", "2026-12-01T10:00", 0, 1, "2026-12-01T10:01"),
            click("late-8h", "2026-12-01T23:00", 0, 2, "2026-12-02T07:00", team="mobile-ios"),
            click("late-49h", "2026-12-01T01:00", 0, 3, "2026-12-03T02:00", team="search"),
            # ingested between the first aggregation of its day and a re-aggregation
            click("fixed-39h", "2026-12-02T10:00", 0, 4, "2026-12-04T01:00"),
            click("late-61h", "2026-12-02T11:00", 0, 5, "2026-12-06T00:00"),
            # its day was never aggregated: nothing to be late for
            click("unaggregated", "2026-12-03T10:00", 0, 6, "2026-12-06T00:00"),
            # not delivered yet as of AS_OF
            click("future", "2026-12-01T10:00", 0, 7, "2026-12-08T00:00"),
        ],
    )


def test_late_arrivals_against_the_latest_aggregation(spark, data, late_clicks):
    check = checks_of(spark, data, "engagement", AS_OF)["late_arrivals"]
    assert (check.status, check.count) == (FAIL, 3)
    assert [
        (d["event_date"], d["missed_sla"], d["events"], d["sample_event_ids"], d["aggregated_at"])
        for d in check.details
    ] == [
        ("2026-12-01", True, 1, ["late-49h"], "2026-12-02T06:00:00+00:00"),
        ("2026-12-01", False, 1, ["late-8h"], "2026-12-02T06:00:00+00:00"),
        ("2026-12-02", True, 1, ["late-61h"], "2026-12-05T06:00:00+00:00"),
    ]
    assert check.details[0]["source_teams"] == ["search"]
    assert "2 also missed the 48 h arrival SLA, 1 within it" in check.summary
    assert "1 event that arrived late were re-aggregated since" in check.summary


def test_late_arrivals_as_of_before_the_reaggregation(spark, data, late_clicks):
    # on 4 December day 2 had only been aggregated once; the 61 h event had not arrived
    check = checks_of(spark, data, "engagement", ts("2026-12-04T12:00"))["late_arrivals"]
    assert check.count == 3
    assert [(d["event_date"], d["missed_sla"], d["events"]) for d in check.details] == [
        ("2026-12-01", True, 1),
        ("2026-12-01", False, 1),
        ("2026-12-02", False, 1),
    ]


def test_the_arrival_sla_comes_from_the_runbook(spark, data, late_clicks):
    strict_sla = runbook("engagement", {"late_arrivals": {"arrival_sla_hours": 6.0}})
    check = checks_of(spark, data, "engagement", AS_OF, strict_sla)["late_arrivals"]
    assert [(d["event_date"], d["missed_sla"], d["events"]) for d in check.details] == [
        ("2026-12-01", True, 2),
        ("2026-12-02", True, 1),
    ]
    assert check.threshold == {"arrival_sla_hours": 6.0}


def test_late_arrivals_within_the_sla_only_warn(spark, data, late_clicks):
    check = checks_of(spark, data, "engagement", ts("2026-12-02T12:00"))["late_arrivals"]
    assert (check.status, check.count) == (WARN, 1)  # late-8h; day 2 not aggregated yet


def test_without_an_engagement_output_nothing_is_late(spark, data, land):
    land("clicks", [click("e1", "2026-12-01T10:00", 0, 1)])
    check = checks_of(spark, data, "engagement", AS_OF)["late_arrivals"]
    assert (check.status, check.count) == (OK, 0)
    assert "run `pipeline run engagement`" in check.summary


def test_delivered_keeps_rows_without_ingestion_time(spark):
    rows = [click("a", "2026-12-01T10:00"), click("b", "2026-12-01T10:00", ingested="2027-01-01")]
    frame = spark.createDataFrame(rows, schemas.CLICKS)
    frame = frame.union(spark.createDataFrame([(*rows[0][:8], None)], schemas.CLICKS))
    kept = engagement.delivered(frame, AS_OF).select("event_id").collect()
    assert sorted(r.event_id for r in kept) == ["a", "a"]


def test_many_repeated_hashes_are_counted_on_the_ids_directly(spark, data, land, monkeypatch):
    monkeypatch.setattr(engagement, "MAX_REPEATED_HASHES", 1)
    land(
        "clicks",
        [click(e, "2026-12-01T10:00", 0, n) for n, e in enumerate(["a", "a", "b", "b", "b", "c"])],
    )
    check = checks_of(spark, data, "engagement", AS_OF)["duplicate_events"]
    assert check.count == 3
    assert check.details == [{"event_id": "a", "copies": 2}, {"event_id": "b", "copies": 3}]


def test_event_days_follow_the_session_time_zone_like_the_job(spark, data, late_clicks):
    spark.conf.set("spark.sql.session.timeZone", "Europe/Berlin")
    try:
        check = checks_of(spark, data, "engagement", AS_OF)["late_arrivals"]
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    # late-8h happened at 00:00 on 2 December in Berlin: that day was aggregated after it came
    assert [(d["event_date"], d["sample_event_ids"]) for d in check.details] == [
        ("2026-12-01", ["late-49h"]),
        ("2026-12-02", ["late-61h"]),
    ]
