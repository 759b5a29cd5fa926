"""Engagement checks over the clicks: ``late_arrivals``, ``kafka_gap``, ``duplicate_events``.

One Spark action (``Fold``) runs four single-row branches, each reading only its columns:

- duplicates: ``event_id`` hash-partitioned once, counted per id, folded to the surplus and a
  sample; the one unavoidable shuffle of the whole column.
- time gaps: event times in buckets exactly ``min_gap_minutes`` wide (two events in one bucket
  are less than a gap apart, so a gap can only lie between consecutive non-empty buckets), then a
  window over the few bucket rows.
- offset holes: per Kafka partition and block of 32,768 offsets, the lowest and highest offset
  and a bitmap of those present (Spark's ``bitmap_construct_agg``); a block holding every offset
  between its ends is whole, and only the bitmaps of the others come back to be scanned for holes.
- late arrivals: only rows ingested after the earliest aggregation (a pushed-down filter skips
  every Parquet row group ingested before), joined with the aggregation time of their day.

Rows ingested after ``--as-of`` are not yet delivered: no check sees them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from oncall.errors import DataError
from pipelines.checks.fold import Plan
from pipelines.checks.inputs import Context
from pipelines.checks.model import (
    FAIL,
    MAX_SAMPLE,
    OK,
    WARN,
    CheckResult,
    listing,
    micros_iso,
    plural,
)

PIPELINE = "engagement"
CHECKS = ("late_arrivals", "kafka_gap", "duplicate_events")
MICROS = 1_000_000
#: aim for this many bytes of Parquet per task of the duplicate count's shuffle
BYTES_PER_PARTITION = 32 * 1024 * 1024
#: event ids shown per group of late events
IDS_PER_GROUP = 10

#: the columns each check reads (``ingested_at`` always: it decides what is delivered by --as-of)
COLUMNS: dict[str, tuple[str, ...]] = {
    "late_arrivals": ("event_id", "event_time", "ingested_at", "source_team"),
    "kafka_gap": ("event_time", "kafka_partition", "kafka_offset", "ingested_at"),
    "duplicate_events": ("event_id", "ingested_at"),
}


def delivered(clicks: DataFrame, as_of: datetime) -> DataFrame:
    """The clicks ingested by ``as_of`` (a row without ingestion time counts as delivered)."""
    ingested = F.col("ingested_at")
    return clicks.where(ingested.isNull() | (ingested <= F.lit(as_of)))


# --- duplicate_events ---------------------------------------------------------------------------


def duplicate_metrics(clicks: DataFrame, partitions: int) -> DataFrame:
    """One row: surplus rows, duplicated ids, the most copies of one id, a sample of ids."""
    ids = clicks.select("event_id").where(F.col("event_id").isNotNull())
    # hash-partition first: the count then needs no map-side aggregation, which on ids that are
    # almost all unique only costs memory and time
    copies = (
        ids.repartition(partitions, "event_id")
        .groupBy("event_id")
        .agg(F.count(F.lit(1)).alias("copies"))
        .where(F.col("copies") > 1)
    )
    return copies.agg(
        F.coalesce(F.sum(F.col("copies") - 1), F.lit(0)).alias("surplus"),
        F.count(F.lit(1)).alias("event_ids"),
        F.max("copies").alias("most_copies"),
        F.min_by(F.struct("event_id", "copies"), F.col("event_id"), MAX_SAMPLE).alias("sample"),
    )


def duplicate_result(row: dict[str, Any]) -> CheckResult:
    """Each event_id occurring n > 1 times adds n - 1 surplus rows; warn (outputs count it once)."""
    surplus = int(row["surplus"])
    if surplus == 0:
        return CheckResult("duplicate_events", OK, 0, "every event_id occurs once")
    ids = int(row["event_ids"])
    details = [{"event_id": s["event_id"], "copies": int(s["copies"])} for s in row["sample"]]
    summary = (
        f"{plural(surplus, 'surplus row')}: {plural(ids, 'event_id')} occur more than once "
        f"(up to {row['most_copies']} copies), e.g. " + listing([d["event_id"] for d in details], 3)
    )
    # Engagement counts each event_id once, so its outputs are right: the cause needs finding
    return CheckResult("duplicate_events", WARN, surplus, summary, details)


# --- kafka_gap ----------------------------------------------------------------------------------


def time_gap_metrics(clicks: DataFrame, min_gap_micros: int) -> DataFrame:
    """One row: the number of silences of at least ``min_gap_micros`` and a sample of them."""
    times = clicks.select(F.unix_micros("event_time").alias("t")).where(F.col("t").isNotNull())
    # exact integer buckets [k*gap, (k+1)*gap): a silence of a whole gap spans a bucket boundary
    bucket = F.expr(f"(t - pmod(t, {min_gap_micros})) div {min_gap_micros}")
    buckets = times.groupBy(bucket.alias("bucket")).agg(
        F.min("t").alias("first"), F.max("t").alias("last")
    )
    # the bucket rows are few (one per gap width of data), so one partition is fine
    ordered = Window.orderBy("bucket")
    gaps = buckets.select(
        F.lag("last").over(ordered).alias("before"), F.col("first").alias("after")
    ).where(F.col("after") - F.col("before") >= min_gap_micros)
    return gaps.agg(
        F.count(F.lit(1)).alias("gaps"),
        F.min_by(F.struct("before", "after"), F.col("before"), MAX_SAMPLE).alias("sample"),
    )


def offset_metrics(clicks: DataFrame) -> DataFrame:
    """One row: the 64-offset words of every partition that border a hole, with their bits.

    Offsets fold into words of 64 (``bit_or`` of one bit per offset, a hash aggregate that
    shrinks the rows 64-fold before any shuffle); a window over the words keeps only those that
    are not whole, follow a word that is not whole, or do not follow their predecessor directly.
    Every hole ends in one of those, so they are all that comes back.
    """
    offsets = clicks.select("kafka_partition", "kafka_offset").where(
        F.col("kafka_partition").isNotNull() & F.col("kafka_offset").isNotNull()
    )
    offset = F.col("kafka_offset")
    words = offsets.groupBy("kafka_partition", F.shiftright(offset, 6).alias("word")).agg(
        F.expr("bit_or(shiftleft(1L, cast(kafka_offset & 63 as int)))").alias("bits")
    )
    in_partition = Window.partitionBy("kafka_partition").orderBy("word")
    neighbours = words.select(
        "kafka_partition",
        "word",
        "bits",
        F.lag("word").over(in_partition).alias("previous_word"),
        F.lag("bits").over(in_partition).alias("previous_bits"),
    )
    whole = F.lit(-1)
    border = (
        F.col("previous_word").isNull()
        | (F.col("previous_word") != F.col("word") - 1)
        | (F.col("bits") != whole)
        | (F.col("previous_bits") != whole)
    )
    return neighbours.where(border).agg(
        F.collect_list(F.struct(*neighbours.columns)).alias("words"),
    )


@dataclass(frozen=True)
class OffsetHole:
    """Offsets ``first``..``last`` (inclusive) of one partition never arrived."""

    partition: int
    first: int
    last: int


WORD = 64
_MASK = (1 << WORD) - 1


def _zero_runs(bits: int, low: int, high: int) -> Iterator[tuple[int, int]]:
    """Runs (first, last) of unset bits of ``bits`` strictly between bit ``low`` and ``high``."""
    position = low + 1
    while position < high:
        if not (bits >> position) & 1:
            start = position
            while position < high and not (bits >> position) & 1:
                position += 1
            yield start, position - 1
        position += 1


def offset_holes(words: Sequence[dict[str, Any]]) -> list[OffsetHole]:
    """Every hole of every partition, from the border words ``offset_metrics`` returned.

    A hole either lies inside one word, or runs from just after the highest offset of a word to
    just before the lowest offset of the next word present; both are attributed to the later
    word, which is always among the border words.
    """
    holes = []
    for row in sorted(words, key=lambda w: (w["kafka_partition"], w["word"])):
        partition, word = int(row["kafka_partition"]), int(row["word"])
        bits = int(row["bits"]) & _MASK
        lowest = (bits & -bits).bit_length() - 1
        highest = bits.bit_length() - 1
        if row["previous_word"] is not None:
            before = (
                int(row["previous_word"]) * WORD
                + (int(row["previous_bits"]) & _MASK).bit_length()
                - 1
            )
            first_here = word * WORD + lowest
            if first_here > before + 1:
                holes.append(OffsetHole(partition, before + 1, first_here - 1))
        for first, last in _zero_runs(bits, lowest, highest):
            holes.append(OffsetHole(partition, word * WORD + first, word * WORD + last))
    return sorted(holes, key=lambda h: (h.partition, h.first))


def kafka_gap_result(
    times: dict[str, Any], words: Sequence[dict[str, Any]], min_gap_minutes: float
) -> CheckResult:
    """Silences of the whole stream plus holes in any partition's offsets; fail (data lost)."""
    silences = int(times["gaps"])
    holes = offset_holes(words)
    count = silences + len(holes)
    threshold = {"min_gap_minutes": min_gap_minutes}
    if count == 0:
        return CheckResult(
            "kafka_gap",
            OK,
            0,
            f"no silence of {min_gap_minutes:g} minutes or more, no hole in any partition's "
            "offsets",
            threshold=threshold,
        )
    details: list[dict[str, Any]] = []
    for gap in times["sample"] or []:
        minutes = (gap["after"] - gap["before"]) / (60 * MICROS)
        details.append(
            {
                "kind": "time",
                "last_event_before": micros_iso(gap["before"]),
                "first_event_after": micros_iso(gap["after"]),
                "minutes": round(minutes, 2),
            }
        )
    for hole in holes[: max(0, MAX_SAMPLE - len(details))]:
        details.append(
            {
                "kind": "offset",
                "partition": hole.partition,
                "first_missing": hole.first,
                "last_missing": hole.last,
                "missing": hole.last - hole.first + 1,
            }
        )
    parts = []
    if silences:
        longest = max((d["minutes"] for d in details if d["kind"] == "time"), default=0)
        parts.append(
            f"{plural(silences, 'silence')} of {min_gap_minutes:g}+ minutes with no event "
            f"(longest shown {longest:g} min)"
        )
    if holes:
        missing = sum(h.last - h.first + 1 for h in holes)
        partitions = sorted({h.partition for h in holes})
        parts.append(
            f"{plural(len(holes), 'offset hole')} ({plural(missing, 'offset')} missing) in "
            f"partition{'s' if len(partitions) > 1 else ''} "
            + listing([str(p) for p in partitions])
        )
    return CheckResult("kafka_gap", FAIL, count, "; ".join(parts), details, threshold)


# --- late_arrivals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayAggregation:
    """When an event day was first aggregated, and the aggregation in effect at ``--as-of``."""

    day: date
    first: datetime
    until: datetime


def aggregations(meta: dict[str, Any] | None, as_of: datetime) -> list[DayAggregation]:
    """Per event day Engagement aggregated by ``as_of``: the aggregation in effect then.

    That is the latest one (``aggregated_at``) if it happened by ``as_of``, else the first one:
    an event ingested after it was left out of the day's output, until a re-aggregation.
    """
    days = (meta or {}).get("days")
    if not isinstance(days, dict):
        return []
    result = []
    try:
        for day, record in sorted(days.items()):
            first = datetime.fromisoformat(record["first_aggregated_at"])
            latest = datetime.fromisoformat(record.get("aggregated_at") or first.isoformat())
            if first > as_of:
                continue  # not aggregated yet as of then: nothing can be late for it
            until = latest if latest <= as_of else first
            result.append(DayAggregation(date.fromisoformat(day), first, until))
    except (KeyError, TypeError, ValueError) as error:
        raise DataError(
            f"outputs/{PIPELINE}/_meta.json: days: unreadable day record ({error})"
        ) from None
    return result


def late_metrics(clicks: DataFrame, days: Sequence[DayAggregation], sla_micros: int) -> DataFrame:
    """One row: late (and since re-aggregated) events grouped by day, state and SLA."""
    spark = clicks.sparkSession
    table = spark.createDataFrame(
        [(d.day, _micros(d.first), _micros(d.until)) for d in days],
        "event_date date, first_micros long, until_micros long",
    )
    earliest = min(d.first for d in days)
    # a literal bound Parquet can push down: row groups ingested before every aggregation skip
    candidates = clicks.where(F.col("ingested_at") > F.lit(earliest))
    ingested = F.unix_micros("ingested_at")
    joined = candidates.withColumn("event_date", F.to_date("event_time")).join(
        F.broadcast(table), "event_date"
    )
    state = F.when(ingested > F.col("until_micros"), "late").when(
        ingested > F.col("first_micros"), "reaggregated"
    )
    late = joined.select(
        "event_date",
        "event_id",
        "source_team",
        "until_micros",
        ingested.alias("ingested"),
        state.alias("state"),
        (ingested - F.unix_micros("event_time") > sla_micros).alias("missed_sla"),
    ).where(F.col("state").isNotNull())
    groups = late.groupBy("event_date", "state", "missed_sla").agg(
        F.count(F.lit(1)).alias("events"),
        F.max("until_micros").alias("until"),
        F.min("ingested").alias("first_ingested"),
        F.max("ingested").alias("last_ingested"),
        F.array_sort(F.collect_set("source_team")).alias("source_teams"),
        F.min_by("event_id", F.col("event_id"), IDS_PER_GROUP).alias("sample"),
    )
    return groups.agg(F.collect_list(F.struct(*groups.columns)).alias("groups"))


def _micros(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * MICROS + delta.microseconds


def late_result(
    groups: Sequence[dict[str, Any]], sla_hours: float, aggregated: bool
) -> CheckResult:
    """Events ingested after their day's aggregation; fail if any also missed the SLA, else warn.

    Late events within the SLA are routine: the next run re-aggregates their day. Beyond the SLA
    the data promise is broken.
    """
    threshold = {"arrival_sla_hours": sla_hours}
    late = [g for g in groups if g["state"] == "late"]
    fixed = sum(int(g["events"]) for g in groups if g["state"] == "reaggregated")
    since = (
        f"; {plural(fixed, 'event')} that arrived late were re-aggregated since" if fixed else ""
    )
    count = sum(int(g["events"]) for g in late)
    if count == 0:
        if not aggregated:
            summary = "no day has been aggregated yet (run `pipeline run engagement`)"
        else:
            summary = "no event was ingested after its day was aggregated" + since
        return CheckResult("late_arrivals", OK, 0, summary, threshold=threshold)
    missed = sum(int(g["events"]) for g in late if g["missed_sla"])
    late.sort(key=lambda g: (g["event_date"], not g["missed_sla"]))
    details = [
        {
            "event_date": g["event_date"].isoformat(),
            "missed_sla": bool(g["missed_sla"]),
            "events": int(g["events"]),
            "aggregated_at": micros_iso(g["until"]),
            "first_ingested_at": micros_iso(g["first_ingested"]),
            "last_ingested_at": micros_iso(g["last_ingested"]),
            "source_teams": list(g["source_teams"]),
            "sample_event_ids": list(g["sample"]),
        }
        for g in late[:MAX_SAMPLE]
    ]
    days = sorted({g["event_date"].isoformat() for g in late})
    summary = (
        f"{plural(count, 'event')} on {plural(len(days), 'day')} ({listing(days, 3)}) were "
        f"ingested after their day was aggregated; {missed:,} also missed the {sla_hours:g} h "
        f"arrival SLA, {count - missed:,} within it{since}"
    )
    return CheckResult(
        "late_arrivals", FAIL if missed else WARN, count, summary, details, threshold
    )


# --- the pipeline -------------------------------------------------------------------------------


def shuffle_partitions(ctx: Context) -> int:
    """Tasks for the duplicate count: about 32 MiB of clicks each, at least one per core."""
    total = sum(f.size for f in ctx.inputs.snapshot("clicks").files)
    cores = ctx.spark.sparkContext.defaultParallelism
    return max(cores, min(4_000, math.ceil(total / BYTES_PER_PARTITION)))


def diagnose(ctx: Context) -> list[CheckResult]:
    """The three engagement checks, one Spark action."""
    plan = Plan(CHECKS, ctx.data)
    frames: dict[str, DataFrame] = {}
    for check, columns in COLUMNS.items():
        try:
            frames[check] = delivered(ctx.inputs.frame("clicks", columns), ctx.as_of)
        except DataError as error:
            plan.fail([check], error.lines)

    days: list[DayAggregation] = []
    if plan.wants("late_arrivals"):
        try:
            days = aggregations(ctx.meta(PIPELINE), ctx.as_of)
        except DataError as error:
            plan.fail(["late_arrivals"], error.lines)
    sla_hours = ctx.threshold("late_arrivals", "arrival_sla_hours")
    min_gap = ctx.threshold("kafka_gap", "min_gap_minutes")
    min_gap_micros = max(1, round(min_gap * 60 * MICROS))

    if plan.wants("duplicate_events"):
        plan.add(
            "duplicates",
            duplicate_metrics(frames["duplicate_events"], shuffle_partitions(ctx)),
            ["duplicate_events"],
        )
    if plan.wants("kafka_gap"):
        plan.add("times", time_gap_metrics(frames["kafka_gap"], min_gap_micros), ["kafka_gap"])
        plan.add("offsets", offset_metrics(frames["kafka_gap"]), ["kafka_gap"])
    if plan.wants("late_arrivals") and days:
        sla_micros = round(sla_hours * 3_600 * MICROS)
        plan.add("late", late_metrics(frames["late_arrivals"], days, sla_micros), ["late_arrivals"])

    ctx.step("engagement: one scan of the clicks for " + ", ".join(plan.fold.branches))
    plan.collect()
    rows = plan.rows
    return [
        plan.result(
            "late_arrivals",
            lambda: late_result(rows.get("late", {}).get("groups") or [], sla_hours, bool(days)),
        ),
        plan.result(
            "kafka_gap",
            lambda: kafka_gap_result(rows["times"], rows["offsets"]["words"], min_gap),
        ),
        plan.result("duplicate_events", lambda: duplicate_result(rows["duplicates"])),
    ]
