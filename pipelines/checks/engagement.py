"""Engagement checks over the clicks: ``late_arrivals``, ``kafka_gap``, ``duplicate_events``.

When all is well, one Spark action reads the clicks twice, each time only the columns it needs:

- ids: a 64-bit hash of every ``event_id``, hash-partitioned once and counted. This shuffle of
  the whole column is the one thing an exact duplicate count cannot avoid; hashes are cheaper to
  shuffle than the ids, and exact where it matters: when no hash repeats, no id does.
- the stream (``event_time``, ``ingested_at``, ``kafka_partition``, ``kafka_offset``): one
  aggregate with two grouping sets (one scan, one hash aggregate), then one window:
  - silences: buckets are exactly ``min_gap_minutes`` wide, so two events in one bucket are less
    than a gap apart and a gap can only lie between consecutive non-empty buckets;
  - offset holes: a word is a ``bit_or`` of one bit per offset; only the words bordering a hole
    (not whole, after a word that is not whole, or not right after their predecessor) come back;
  - late arrivals: counted along, each row's day looked up (by index, in literal arrays) for the
    aggregation in effect at ``--as-of`` (from the Engagement metadata).

Only when something fired does a second, smaller action run: it settles the repeated hashes on
the ids themselves (exact counts and a sample), and groups the late events by day and SLA with a
sample of ids and their source teams. Rows ingested after ``--as-of`` are not yet delivered: no
check counts them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from oncall.errors import DataError
from oncall.frozen import frozen
from pipelines import session
from pipelines.checks.fold import Plan
from pipelines.checks.inputs import Context
from pipelines.checks.model import (
    FAIL,
    MAX_SAMPLE,
    WARN,
    CheckResult,
    listing,
    micros_iso,
    plural,
)

PIPELINE = "engagement"
#: the sources the checks read (``runner`` inspects them ahead, at once, over Spark Connect)
SOURCES = ("clicks",)
CHECKS = ("late_arrivals", "kafka_gap", "duplicate_events")
MICROS = 1_000_000
DAY_MICROS = 86_400 * MICROS
#: aim for this many bytes of Parquet per task of the duplicate count's shuffle
BYTES_PER_PARTITION = 16 * 1024 * 1024
#: event ids shown per group of late events
IDS_PER_GROUP = 10

#: the columns each check reads (``ingested_at`` decides what is delivered by --as-of)
COLUMNS: dict[str, tuple[str, ...]] = {
    "late_arrivals": ("event_id", "event_time", "ingested_at", "source_team"),
    "kafka_gap": ("event_time", "kafka_partition", "kafka_offset", "ingested_at"),
    "duplicate_events": ("event_id", "ingested_at"),
}
#: the keyed rows of the stream scan
TIME, OFFSET, LATE, REAGGREGATED, UNDELIVERED = 0, 1, 2, 3, 9


def delivered(clicks: DataFrame, as_of: datetime) -> DataFrame:
    """The clicks ingested by ``as_of`` (a row without ingestion time counts as delivered)."""
    ingested = F.col("ingested_at")
    return clicks.where(ingested.isNull() | (ingested <= F.lit(as_of)))


# --- duplicate_events ---------------------------------------------------------------------------


def repeated_hashes(ids: DataFrame, partitions: int, keep: int) -> DataFrame:
    """One row: the 64-bit hashes of ``event_id`` that occur more than once (up to ``keep``).

    Shuffling fixed-width hashes is cheaper than the ids, and exact where it matters: when no
    hash repeats, no id does. A repeated hash is a duplicate or (rarely) a collision, which
    ``duplicate_metrics`` settles on the ids themselves.
    """
    hashes = ids.where(F.col("event_id").isNotNull()).select(F.xxhash64("event_id").alias("h"))
    # hash-partition first: the count then needs no map-side aggregation, which on keys that are
    # almost all unique only costs memory and time
    repeated = (
        hashes.repartition(partitions, "h")
        .groupBy("h")
        .agg(F.count(F.lit(1)).alias("copies"))
        .where(F.col("copies") > 1)
    )
    return repeated.agg(
        F.count(F.lit(1)).alias("hashes"),
        F.min_by("h", F.col("h"), keep).alias("sample"),
    )


def duplicate_metrics(ids: DataFrame, partitions: int, hashes: Sequence[int] | None) -> DataFrame:
    """One row: surplus rows, duplicated ids, the most copies of one id, a sample of ids.

    With ``hashes``, only ids hashing to one of them are counted (the others are unique).
    """
    known = ids.where(F.col("event_id").isNotNull())
    if hashes is not None:
        known = known.where(F.xxhash64("event_id").isin(list(hashes)))
    copies = (
        known.select("event_id")
        .repartition(partitions, "event_id")
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
        return CheckResult.passed("duplicate_events", "every event_id occurs once")
    ids = int(row["event_ids"])
    details = [{"event_id": s["event_id"], "copies": int(s["copies"])} for s in row["sample"]]
    summary = (
        f"{plural(surplus, 'surplus row')}: {plural(ids, 'event_id')} occur more than once "
        f"(up to {row['most_copies']} copies), e.g. " + listing([d["event_id"] for d in details], 3)
    )
    # Engagement counts each event_id once, so its outputs are right: the cause needs finding
    return CheckResult("duplicate_events", WARN, surplus, summary, details)


# --- kafka_gap ----------------------------------------------------------------------------------


@frozen
class LateLookup:
    """Per event day (by index from ``first_day``, days since 1970), when it was first
    aggregated and the aggregation in effect at ``--as-of``, in epoch micros (None: never)."""

    first_day: int
    first: tuple[int | None, ...]
    until: tuple[int | None, ...]
    sla_micros: int
    #: the session's time zone is UTC: a day is plain arithmetic on epoch micros
    utc: bool = True

    def day(self) -> Column:
        """The event day as days since 1970, as the Engagement job dates events."""
        if self.utc:
            return F.expr(
                f"(unix_micros(event_time) - pmod(unix_micros(event_time), {DAY_MICROS})) "
                f"div {DAY_MICROS}"
            )
        return F.unix_date(F.to_date("event_time"))

    def state(self, ingested: Column) -> Column:
        """``LATE`` after the aggregation in effect, ``REAGGREGATED`` after only the first."""
        earliest = min(f for f in self.first if f is not None)
        index = (self.day() - self.first_day + 1).cast("int")
        until = F.try_element_at(_longs(self.until), index)
        first = F.try_element_at(_longs(self.first), index)
        state = F.when(ingested > until, LATE).when(ingested > first, REAGGREGATED)
        # most rows arrived before any aggregation: one comparison spares them the look-up
        return F.when(ingested > earliest, state)


def _longs(values: Sequence[int | None]) -> Column:
    return F.array(*(F.lit(v).cast("long") for v in values))


def stream_metrics(
    clicks: DataFrame,
    as_of: datetime,
    *,
    min_gap_micros: int | None,
    offsets: bool,
    late: LateLookup | None,
) -> DataFrame:
    """One row from one scan: silences (with ``min_gap_micros``), the words bordering offset
    holes (with ``offsets``), late and since re-aggregated rows (with ``late``), and the rows
    not delivered by ``as_of``.

    Time buckets and offset words are two grouping sets of one aggregate (Spark's Expand: one
    scan, one hash aggregate); the late-arrival counts ride along as extra aggregates.
    """
    t, ingested = F.unix_micros("event_time"), F.unix_micros("ingested_at")
    pending = F.coalesce(ingested > _micros(as_of), F.lit(False))
    columns: dict[str, Column] = {"t": t, "pending": pending.cast("long")}
    if min_gap_micros is not None:
        # exact integer buckets [k*gap, (k+1)*gap)
        bucket = F.expr(
            f"(unix_micros(event_time) - pmod(unix_micros(event_time), {min_gap_micros})) "
            f"div {min_gap_micros}"
        )
        columns["bucket"] = F.when(~pending, bucket)
    if offsets:
        offset = F.col("kafka_offset")
        known = ~pending & F.col("kafka_partition").isNotNull() & offset.isNotNull()
        columns["kafka_partition"] = F.when(known, F.col("kafka_partition"))
        columns["word"] = F.when(known, F.shiftright(offset, 6))
        columns["bit"] = F.when(known, F.expr("shiftleft(1L, cast(kafka_offset & 63 as int))"))
    if late is not None:
        columns["late"] = F.when(~pending, late.state(ingested))
        columns["missed"] = ingested - t > late.sla_micros
    rows = clicks.select(*(column.alias(name) for name, column in columns.items()))

    def count_if(condition: Column) -> Column:
        return F.count_if(F.coalesce(condition, F.lit(False)))

    totals = {"undelivered": F.sum("pending")}
    if late is not None:
        totals["late"] = count_if(F.col("late") == LATE)
        totals["late_missed"] = count_if((F.col("late") == LATE) & F.col("missed"))
        totals["reaggregated"] = count_if(F.col("late") == REAGGREGATED)
    sets = [["bucket"]] if min_gap_micros is not None else []
    sets += [["kafka_partition", "word"]] if offsets else []
    if not sets:  # only late arrivals to count
        return rows.agg(
            *(total.alias(name) for name, total in totals.items()),
            F.lit(0).cast("long").alias("gaps"),
            F.lit(None).cast("array<struct<before:long,after:long>>").alias("gap_sample"),
            F.array().alias("words"),
        )
    grouped = ("bucket", "kafka_partition", "word")
    keys = [k for k in grouped if k in columns]
    groups = rows.groupingSets(sets, *keys).agg(
        # which set a group belongs to: 0 when the key is grouped, 1 when rolled up
        *(F.grouping(k).alias(f"rolled_{k}") for k in keys if k != "kafka_partition"),
        F.min("t").alias("first"),
        F.max("t").alias("last"),
        *([F.bit_or("bit").alias("bits")] if offsets else []),
        *(total.alias(name) for name, total in totals.items()),
    )
    in_time = F.col("rolled_bucket") == 0 if min_gap_micros is not None else F.lit(False)
    in_words = F.col("rolled_word") == 0 if offsets else F.lit(False)
    # every row is counted once per grouping set: read the totals from the first set
    counted = in_time if min_gap_micros is not None else in_words
    position = F.col("bucket") if min_gap_micros is not None else F.lit(None).cast("long")
    if offsets:
        position = F.coalesce(position, F.col("word"))
    series = F.col("kafka_partition") if offsets else F.lit(None).cast("int")
    # the time series is one window partition, each Kafka partition's words another; the group
    # of rows without a key (undelivered, or no time or offset) sits apart from both
    ordered = Window.partitionBy(in_time, series, position.isNull()).orderBy(position)
    near = groups.select(
        "*",
        position.alias("position"),
        F.lag("last").over(ordered).alias("before"),
        F.lag(position).over(ordered).alias("previous_word"),
        (F.lag("bits").over(ordered) if offsets else F.lit(None).cast("long")).alias(
            "previous_bits"
        ),
    )
    known = F.col("position").isNotNull()
    gap = in_time & known & (F.col("first") - F.col("before") >= (min_gap_micros or 0))
    border = in_words & known
    if offsets:
        whole = F.lit(-1)
        border = border & (
            F.col("previous_word").isNull()
            | (F.col("previous_word") != F.col("position") - 1)
            | (F.col("bits") != whole)
            | (F.col("previous_bits") != whole)
        )
    words = F.array()
    if offsets:
        word = F.struct(
            "kafka_partition",
            F.col("position").alias("word"),
            "bits",
            "previous_word",
            "previous_bits",
        )
        words = F.collect_list(F.when(border, word))
    return near.where(gap | border | counted).agg(
        *(F.sum(F.when(counted, F.col(name))).alias(name) for name in totals),
        F.count_if(gap).alias("gaps"),
        F.min_by(
            F.when(gap, F.struct(F.col("before"), F.col("first").alias("after"))),
            F.when(gap, F.col("before")),
            MAX_SAMPLE,
        ).alias("gap_sample"),
        words.alias("words"),
    )


@frozen
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
    """Every hole of every partition, from the border words ``stream_metrics`` returned.

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


def kafka_gap_result(stream: dict[str, Any], min_gap_minutes: float) -> CheckResult:
    """Silences of the whole stream plus holes in any partition's offsets; fail (data lost)."""
    silences = int(stream["gaps"])
    holes = offset_holes(stream["words"])
    count = silences + len(holes)
    threshold = {"min_gap_minutes": min_gap_minutes}
    if count == 0:
        return CheckResult.passed(
            "kafka_gap",
            f"no silence of {min_gap_minutes:g} minutes or more, no hole in any partition's "
            "offsets",
            threshold=threshold,
        )
    details: list[dict[str, Any]] = []
    for gap in stream["gap_sample"] or []:
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


@frozen
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


EPOCH = date(1970, 1, 1)


def lookup(days: Sequence[DayAggregation], sla_hours: float, utc: bool = True) -> LateLookup:
    """The day-indexed arrays the stream scan looks late arrivals up in."""
    numbers = {(d.day - EPOCH).days: d for d in days}
    first_day, last_day = min(numbers), max(numbers)
    span = [numbers.get(n) for n in range(first_day, last_day + 1)]
    return LateLookup(
        first_day=first_day,
        first=tuple(_micros(d.first) if d else None for d in span),
        until=tuple(_micros(d.until) if d else None for d in span),
        sla_micros=round(sla_hours * 3_600 * MICROS),
        utc=utc,
    )


def late_detail_metrics(clicks: DataFrame, late: LateLookup, as_of: datetime) -> DataFrame:
    """One row: late events per day and SLA, with their ingestion span, a sample of event ids
    and the source teams that sent them (run only when some are late)."""
    t, ingested = F.unix_micros("event_time"), F.unix_micros("ingested_at")
    day = late.day()
    delivered_late = (late.state(ingested) == LATE) & ~F.coalesce(
        ingested > _micros(as_of), F.lit(False)
    )
    rows = clicks.where(delivered_late).select(
        day.alias("day"),
        (ingested - t > late.sla_micros).alias("missed_sla"),
        ingested.alias("ingested"),
        "event_id",
        "source_team",
    )
    groups = rows.groupBy("day", "missed_sla").agg(
        F.count(F.lit(1)).alias("events"),
        F.min("ingested").alias("first_ingested"),
        F.max("ingested").alias("last_ingested"),
        F.min_by("event_id", F.col("event_id"), IDS_PER_GROUP).alias("sample"),
        F.array_sort(F.collect_set("source_team")).alias("source_teams"),
    )
    return groups.agg(F.collect_list(F.struct("*")).alias("groups"))


def _micros(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * MICROS + delta.microseconds


def late_result(
    totals: dict[str, Any],
    groups: Sequence[dict[str, Any]],
    until: dict[int, int],
    sla_hours: float,
    aggregated: bool,
) -> CheckResult:
    """Events ingested after their day's aggregation; fail if any also missed the SLA, else warn.

    Late events within the SLA are routine: the next run re-aggregates their day. Beyond the SLA
    the data promise is broken.
    """
    threshold = {"arrival_sla_hours": sla_hours}
    count, missed = int(totals.get("late") or 0), int(totals.get("late_missed") or 0)
    fixed = int(totals.get("reaggregated") or 0)
    since = (
        f"; {plural(fixed, 'event')} that arrived late were re-aggregated since" if fixed else ""
    )
    if count == 0:
        if not aggregated:
            summary = "no day has been aggregated yet (run `pipeline run engagement`)"
        else:
            summary = "no event was ingested after its day was aggregated" + since
        return CheckResult.passed("late_arrivals", summary, threshold=threshold)
    ordered = sorted(groups, key=lambda g: (g["day"], not g["missed_sla"]))
    details = [
        {
            "event_date": (EPOCH + timedelta(days=g["day"])).isoformat(),
            "missed_sla": bool(g["missed_sla"]),
            "events": int(g["events"]),
            "aggregated_at": micros_iso(until.get(g["day"])),
            "first_ingested_at": micros_iso(g["first_ingested"]),
            "last_ingested_at": micros_iso(g["last_ingested"]),
            "source_teams": list(g["source_teams"]),
            "sample_event_ids": list(g["sample"]),
        }
        for g in ordered[:MAX_SAMPLE]
    ]
    days = sorted({(EPOCH + timedelta(days=g["day"])).isoformat() for g in groups})
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
    """Tasks for the duplicate count: about 16 MiB of clicks each, at least one per core."""
    total = sum(f.size for f in ctx.inputs.snapshot("clicks").files)
    cores = session.default_parallelism(ctx.spark)
    return max(cores, min(4_000, math.ceil(total / BYTES_PER_PARTITION)))


#: repeated hashes brought back to settle on the ids; beyond that, every id is counted
MAX_REPEATED_HASHES = 100_000


def diagnose(ctx: Context) -> list[CheckResult]:
    """The three engagement checks: one Spark action when all is well; a second, smaller one
    when events are late or ids repeat, to count and name them exactly."""
    plan = Plan(CHECKS, ctx.data)
    for check, columns in COLUMNS.items():
        try:
            ctx.inputs.frame("clicks", columns)
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
    gaps = plan.wants("kafka_gap")
    zone = str(ctx.spark.conf.get("spark.sql.session.timeZone"))
    utc = zone.upper() in ("UTC", "Z", "+00:00", "ETC/UTC", "GMT", "ETC/GMT")
    late = lookup(days, sla_hours, utc) if plan.wants("late_arrivals") and days else None

    if gaps or late is not None:
        stream = ctx.inputs.frame(
            "clicks",
            ["event_time", "ingested_at"] + (["kafka_partition", "kafka_offset"] if gaps else []),
        )
        metrics = stream_metrics(
            stream,
            ctx.as_of,
            min_gap_micros=max(1, round(min_gap * 60 * MICROS)) if gaps else None,
            offsets=gaps,
            late=late,
        )
        checks = [c for c, wanted in (("kafka_gap", gaps), ("late_arrivals", late)) if wanted]
        plan.add("stream", metrics, checks)
    partitions = shuffle_partitions(ctx) if plan.wants("duplicate_events") else 0
    if plan.wants("duplicate_events"):
        # all rows, even those ingested after --as-of: the hashes repeated among them include
        # every one repeated among the delivered rows, which the second action counts
        ids = ctx.inputs.frame("clicks", ["event_id"])
        plan.add(
            "hashes",
            repeated_hashes(ids, partitions, MAX_REPEATED_HASHES),
            ["duplicate_events"],
        )
    ctx.step("engagement: the clicks' ids and stream, one action")
    plan.collect()

    # the second action, only when needed: settle repeated hashes on the ids (without rows
    # ingested after --as-of), and name the late events
    stream_row = plan.rows.get("stream") or {}
    again = Plan(CHECKS, ctx.data)
    if late is not None and stream_row.get("late"):
        frame = ctx.inputs.frame("clicks", COLUMNS["late_arrivals"])
        again.add("late", late_detail_metrics(frame, late, ctx.as_of), ["late_arrivals"])
    repeated = plan.rows.get("hashes") or {}
    if repeated.get("hashes"):
        ids = delivered(ctx.inputs.frame("clicks", COLUMNS["duplicate_events"]), ctx.as_of)
        settled = repeated["sample"] if repeated["hashes"] <= MAX_REPEATED_HASHES else None
        again.add("duplicates", duplicate_metrics(ids, partitions, settled), ["duplicate_events"])
    if again.fold.branches:
        ctx.step("engagement: " + ", ".join(again.fold.branches) + " named")
        again.collect()
        for check, reasons in again.errors.items():
            plan.fail([check], reasons)
        plan.rows.update(again.rows)
    no_duplicates: dict[str, Any] = {
        "surplus": 0,
        "event_ids": 0,
        "most_copies": None,
        "sample": [],
    }
    until = {(d.day - EPOCH).days: _micros(d.until) for d in days}
    groups = (plan.rows.get("late") or {}).get("groups") or []
    return [
        plan.result(
            "late_arrivals",
            lambda: late_result(stream_row, groups, until, sla_hours, bool(days)),
        ),
        plan.result("kafka_gap", lambda: kafka_gap_result(plan.rows["stream"], min_gap)),
        plan.result(
            "duplicate_events",
            lambda: duplicate_result(plan.rows.get("duplicates") or no_duplicates),
        ),
    ]
