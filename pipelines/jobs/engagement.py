"""Engagement: two outputs from the clicks, each event_id counted once (the copy ingested first).

``daily``: clicks and distinct users per day, account and source team; ``monthly``: clicks and
active users per month and account (what Aggregated joins). Both roll up from one per-user-day
grain.

Only complete days (before the run's date, UTC) are aggregated. A re-run re-aggregates only the
days whose source rows changed: every day's rows are fingerprinted (row count, newest
``ingested_at``, an order-independent checksum) and compared with the fingerprints recorded at
the last run; changed days (and their months) are rewritten with dynamic partition overwrite,
the others keep their files. The metadata records, per event day, when it was first and last
aggregated: what ``late_arrivals`` compares ingestion times with.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines import outputs, sources
from pipelines.runner import RunContext, months_record

PIPELINE = "engagement"
#: which copy of a duplicated event counts: the one ingested first
FIRST_COPY_ORDER = ("ingested_at", "kafka_partition", "kafka_offset")
#: what the outputs need of each event
USER_DAY_COLUMNS = ("event_id", "event_date", "account_id", "source_team", "user_id")


def with_event_date(clicks: DataFrame) -> DataFrame:
    """Clicks with their UTC ``event_date``."""
    return clicks.withColumn("event_date", F.to_date("event_time"))


def day_fingerprints(clicks: DataFrame) -> DataFrame:
    """Per event day: raw rows, newest ingestion (epoch micros) and a checksum of the rows."""
    row_hash = F.xxhash64(
        "event_id", "kafka_partition", "kafka_offset", F.unix_micros("ingested_at")
    )
    return clicks.groupBy("event_date").agg(
        F.count(F.lit(1)).alias("rows"),
        F.max(F.unix_micros("ingested_at")).alias("max_ingested_micros"),
        # XOR is order-independent and cannot overflow; with the count it spots any change
        F.bit_xor(row_hash).alias("checksum"),
    )


def deduplicate(clicks: DataFrame) -> DataFrame:
    """One row per event_id: the copy ingested first (then lowest partition and offset).

    Every column of ``clicks`` is kept; project first to shuffle less.
    """
    columns = [c for c in clicks.columns if c != "event_id"]
    first_copy = F.min_by(F.struct(*columns), F.struct(*FIRST_COPY_ORDER))
    return clicks.groupBy("event_id").agg(first_copy.alias("row")).select("event_id", "row.*")


def user_days(events: DataFrame) -> DataFrame:
    """Clicks per day, account, source team and user: the one grain both outputs roll up from.

    Far fewer rows than events, and keyed by user, so a hot account spreads over its users.
    """
    return events.groupBy("event_date", "account_id", "source_team", "user_id").agg(
        F.count(F.lit(1)).alias("clicks")
    )


def daily_engagement(per_user: DataFrame, aggregated_at: datetime) -> DataFrame:
    """Clicks and distinct users per day, account and source team, stamped ``aggregated_at``."""
    return per_user.groupBy("event_date", "account_id", "source_team").agg(
        F.sum("clicks").alias("clicks"),
        F.count(F.lit(1)).alias("distinct_users"),
        F.lit(aggregated_at).cast("timestamp").alias("aggregated_at"),
    )


def monthly_engagement(per_user: DataFrame) -> DataFrame:
    """Clicks and distinct (active) users per month and account: what Aggregated joins."""
    month = F.trunc("event_date", "month").alias("month")
    return per_user.groupBy(month, F.col("account_id")).agg(
        F.sum("clicks").alias("clicks"),
        F.count_distinct("user_id").alias("active_users"),
    )


def _micros_iso(micros: int | None) -> str | None:
    if micros is None:
        return None
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC).isoformat()


def changed_days(
    fingerprints: dict[str, dict[str, Any]], recorded: dict[str, dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """Days whose rows differ from the recorded fingerprints, and recorded days now without rows."""
    keys = ("rows", "max_ingested_at", "checksum")
    changed = [
        day
        for day, fingerprint in sorted(fingerprints.items())
        if day not in recorded or any(recorded[day].get(k) != fingerprint[k] for k in keys)
    ]
    vanished = sorted(day for day in recorded if day not in fingerprints)
    return changed, vanished


def _month_of(day: str) -> str:
    return day[:8] + "01"


def run(ctx: RunContext) -> dict[str, Any]:
    """Fingerprint the days, re-aggregate the changed ones, record when each day was aggregated."""
    ctx.step("reading clicks")
    clicks, files = sources.read_source(ctx.spark, ctx.data, "clicks", ctx.files_as_of)
    # a day is aggregated once it is over; today's clicks wait for the next run
    today = ctx.as_of.date()
    dated = with_event_date(clicks).where(F.col("event_date") < F.lit(today))

    ctx.step("fingerprinting days")
    fingerprints = {
        row["event_date"].isoformat(): {
            "rows": int(row["rows"]),
            "max_ingested_at": _micros_iso(row["max_ingested_micros"]),
            "checksum": int(row["checksum"]),
        }
        for row in day_fingerprints(dated).collect()
    }
    previous = outputs.load_meta(ctx.data, PIPELINE)
    recorded: dict[str, dict[str, Any]] = (previous or {}).get("days", {})
    if outputs.pending(ctx.data, PIPELINE) is not None:
        # a run died while swapping partitions: trust nothing on disk, rebuild every day
        changed = sorted(fingerprints)
        vanished = sorted(set(recorded) - set(fingerprints))
    else:
        changed, vanished = changed_days(fingerprints, recorded)

    touched_months = sorted({_month_of(d) for d in [*changed, *vanished]})
    months_left = {_month_of(d) for d in fingerprints}
    aggregated_at = ctx.now()
    tables: dict[str, Any]
    if changed or vanished:
        in_touched_months = F.trunc("event_date", "month").isin(
            [date.fromisoformat(m) for m in touched_months]
        )
        # one de-duplicating shuffle feeds both outputs: keep its (much smaller) result
        needed = dated.select(*USER_DAY_COLUMNS, *FIRST_COPY_ORDER).where(in_touched_months)
        per_user = ctx.keep(user_days(deduplicate(needed)))
        # read every column of every needed row before touching the output: a file that
        # cannot be read fails the run here, while the previous output is whole and trusted
        ctx.step("de-duplicating clicks")
        per_user.count()
        outputs.begin_partitioned(ctx.data, PIPELINE, ctx.run_id, ctx.started_at.isoformat())
        outputs.drop_partitions(ctx.data, PIPELINE, "daily", "event_date", vanished)
        outputs.drop_partitions(
            ctx.data,
            PIPELINE,
            "monthly",
            "month",
            [m for m in touched_months if m not in months_left],
        )
        ctx.step(f"aggregating {len(changed)} day(s)")
        days_changed = [date.fromisoformat(d) for d in changed]
        daily = daily_engagement(
            per_user.where(F.col("event_date").isin(days_changed)), aggregated_at
        )
        tables = {
            "daily": outputs.overwrite_partitions(
                ctx.spark, ctx.data, PIPELINE, "daily", daily, "event_date"
            )
        }
        ctx.step(f"aggregating {len(touched_months)} month(s)")
        tables["monthly"] = outputs.overwrite_partitions(
            ctx.spark, ctx.data, PIPELINE, "monthly", monthly_engagement(per_user), "month"
        )
    else:
        tables = {
            name: outputs.partitioned_entry(ctx.spark, ctx.data, PIPELINE, name, column)
            for name, column in (("daily", "event_date"), ("monthly", "month"))
        }

    days: dict[str, dict[str, Any]] = {}
    stamp = aggregated_at.isoformat()
    for day, fingerprint in sorted(fingerprints.items()):
        if day in changed:
            before = recorded.get(day, {}).get("first_aggregated_at")
            # a replay may aggregate "earlier" than a run already recorded: keep the earliest
            first = min(datetime.fromisoformat(before), aggregated_at) if before else aggregated_at
            days[day] = {
                "first_aggregated_at": first.isoformat(),
                "aggregated_at": stamp,
                "run_id": ctx.run_id,
                **fingerprint,
            }
        else:
            days[day] = recorded[day]
    months = sorted({date.fromisoformat(_month_of(d)) for d in days})
    span = (months[0], months[-1]) if months else None
    meta = {
        **ctx.base_meta(),
        "written_at": ctx.now().isoformat(),
        "tables": tables,
        "months": months_record(months),
        "sources": {"clicks": files.record(ctx.data, span)},
        "note": f"re-aggregated {len(changed)} of {len(days)} day(s)"
        + (f", dropped {len(vanished)}" if vanished else ""),
        "reaggregated_days": changed,
        "days": days,
    }
    outputs.commit(ctx.data, PIPELINE, meta)
    return meta
