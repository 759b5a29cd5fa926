"""Aggregated checks: ``stale_upstream``, ``missing_values``, ``join_skew``, one Spark action.

- stale_upstream compares each upstream output's metadata (when it was written, the months it
  covers) with the files of its own sources (the newest landing time, from the file listing)
  and their latest month (read from the data).
- join_skew counts rows per ``account_id`` in clicks, revenue and account_events. No more than
  ``1 / max_key_share`` keys can each exceed the share, so the top ones by rows (``max_by`` with
  k) are all that comes back.
- missing_values reads the committed Aggregated output.

Each raw source is read once for both of its checks: one aggregation per source gives its rows
per key and its latest month.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from oncall.errors import DataError
from pipelines import outputs, schemas
from pipelines.checks.fold import Plan, flagged_rows
from pipelines.checks.inputs import Context
from pipelines.checks.model import FAIL, MAX_SAMPLE, WARN, CheckResult, listing, plural

PIPELINE = "aggregated"
#: the sources the checks read (``runner`` inspects them ahead, at once, over Spark Connect)
SOURCES = ("clicks", "revenue", "costs", "salaries", "account_events")
CHECKS = ("stale_upstream", "missing_values", "join_skew")
#: each upstream output and the sources it is built from (``stale_upstream`` compares their
#: times; docs/diagnose.md)
FEEDS: dict[str, tuple[str, ...]] = {
    "profit": ("revenue", "costs", "salaries"),
    "growth": ("account_events",),
    "engagement": ("clicks",),
}
#: the column that dates a source row
MONTH_COLUMN = {
    "revenue": "invoice_date",
    "costs": "month",
    "salaries": "month",
    "account_events": "event_time",
    "clicks": "event_time",
}
#: rows delivered after --as-of are not yet delivered
DELIVERY_COLUMN = {"costs": "delivered_at", "clicks": "ingested_at"}
SKEW_SOURCES = ("clicks", "revenue", "account_events")
KEYS = ("month", "account_type")
#: each ratio of the output and the columns whose sum is its denominator
DENOMINATORS: dict[str, tuple[str, ...]] = {
    "clicks_per_active_user": ("active_users",),
    "revenue_per_licensed_user": ("licensed_users",),
    "churn_rate": ("accounts", "churned_accounts"),
}
METRICS = tuple(f.name for f in schemas.AGGREGATED_MONTHLY.fields if f.name not in KEYS)


# --- the raw sources: latest month and rows per key ----------------------------------------------


def source_metrics(frame: DataFrame, source: str, month: bool, keys: int) -> DataFrame:
    """One row: the source's rows, its latest month (if ``month``), its ``keys`` biggest keys."""
    month_of = F.trunc(F.to_date(MONTH_COLUMN[source]), "month")
    if not keys:
        return frame.agg(F.count(F.lit(1)).alias("rows"), F.max(month_of).alias("latest_month"))
    per_key = frame.groupBy("account_id").agg(
        F.count(F.lit(1)).alias("rows"),
        *([F.max(month_of).alias("latest_month")] if month else []),
    )
    known = F.col("account_id").isNotNull()
    return per_key.agg(
        F.sum("rows").alias("rows"),
        *([F.max("latest_month").alias("latest_month")] if month else []),
        F.max_by(
            F.when(known, F.struct("account_id", "rows")), F.when(known, F.col("rows")), keys
        ).alias("top"),
    )


def top_keys(share: float) -> int:
    """How many of the biggest keys to keep: fewer than 1/share keys can exceed ``share``."""
    return math.floor(1 / share) + 1


def join_skew_result(rows: dict[str, dict[str, Any]], share: float) -> CheckResult:
    """Keys holding more than ``share`` of a source's rows; warn (the job still completes, it
    aggregates per account before joining)."""
    threshold = {"max_key_share": share}
    details = []
    for source in SKEW_SOURCES:
        row = rows[source]
        total = int(row["rows"] or 0)
        for key in row["top"] or []:
            if total and key["rows"] > share * total:
                details.append(
                    {
                        "account_id": key["account_id"],
                        "source": source,
                        "rows": int(key["rows"]),
                        "total_rows": total,
                        "share": round(key["rows"] / total, 4),
                    }
                )
    keys = sorted({d["account_id"] for d in details})
    if not keys:
        return CheckResult.passed(
            "join_skew",
            f"no account_id holds more than {share:.0%} of the rows of " + ", ".join(SKEW_SOURCES),
            threshold=threshold,
        )
    shown = [f"{d['account_id']} {d['share']:.0%} of {d['source']}" for d in details]
    summary = f"{plural(len(keys), 'hot key')} over {share:.0%}: {listing(shown)}"
    return CheckResult("join_skew", WARN, len(keys), summary, details[:MAX_SAMPLE], threshold)


# --- stale_upstream -----------------------------------------------------------------------------


def stale_result(
    ctx: Context, metas: dict[str, dict[str, Any] | None], latest: dict[str, date | None]
) -> CheckResult:
    """Upstream outputs older than their sources' newest file, or not covering their latest
    month; fail (Aggregated would publish stale figures)."""
    details = []
    for upstream, feeds in FEEDS.items():
        meta = metas[upstream]
        reasons = []
        entry: dict[str, Any] = {"output": upstream}
        newest = max(
            ((s, f) for s in feeds for f in ctx.inputs.snapshot(s).files), key=lambda p: p[1].mtime
        )
        source_month = max((m for s in feeds if (m := latest[s]) is not None), default=None)
        entry["newest_source_file"] = {
            "source": newest[0],
            "file": ctx.data.display(newest[1].path),
            "landed_at": newest[1].mtime.isoformat(),
        }
        entry["latest_source_month"] = source_month.isoformat() if source_month else None
        if meta is None:
            reasons.append(f"no output yet: run `pipeline run {upstream}`")
        elif outputs.pending(ctx.data, upstream) is not None:
            reasons.append(f"its last run did not finish writing: run `pipeline run {upstream}`")
        else:
            written = _instant(meta.get("written_at"), upstream)
            covered = (meta.get("months") or {}).get("last")
            entry["written_at"] = written.isoformat()
            entry["covers_until"] = covered
            if written < newest[1].mtime:
                landed = newest[1].mtime.astimezone(UTC)
                reasons.append(
                    f"written {written.astimezone(UTC):%Y-%m-%d %H:%M} UTC, before "
                    f"{entry['newest_source_file']['file']} landed at {landed:%Y-%m-%d %H:%M} UTC"
                )
            if source_month is not None and (
                covered is None or date.fromisoformat(covered) < source_month
            ):
                reasons.append(
                    f"covers months until {(covered or 'none')[:7]}, its sources reach "
                    f"{source_month:%Y-%m}"
                )
        if reasons:
            details.append({**entry, "reasons": reasons})
    if not details:
        return CheckResult.passed(
            "stale_upstream",
            "profit, growth and engagement outputs are newer than their sources and cover "
            "their latest month",
        )
    summary = f"{plural(len(details), 'stale upstream output')}: " + "; ".join(
        f"{d['output']} ({d['reasons'][0]})" for d in details
    )
    return CheckResult("stale_upstream", FAIL, len(details), summary, details)


def _instant(text: Any, upstream: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise DataError(
            f"outputs/{upstream}/_meta.json: written_at: {text!r} is not a date-time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- missing_values -----------------------------------------------------------------------------


def missing_value_metrics(monthly: DataFrame) -> DataFrame:
    """One row: output rows with a null metric or a zero denominator, counted and sampled."""
    nulls = F.filter(
        F.array(*(F.when(F.col(m).isNull(), F.lit(m)) for m in METRICS)), lambda x: x.isNotNull()
    )
    zeros = F.filter(
        F.array(
            *(
                F.when(sum((F.col(c) for c in columns), F.lit(0)) == 0, F.lit(ratio))
                for ratio, columns in DENOMINATORS.items()
            )
        ),
        lambda x: x.isNotNull(),
    )
    flagged = monthly.select(
        *KEYS, nulls.alias("null_metrics"), zeros.alias("zero_denominators")
    ).where((F.size("null_metrics") > 0) | (F.size("zero_denominators") > 0))
    return flagged_rows(flagged, "rows", F.struct(*KEYS))


def missing_values_result(row: dict[str, Any]) -> CheckResult:
    """Rows executives would read as empty cells; fail (they must be explained first)."""
    count = int(row["rows"])
    if count == 0:
        return CheckResult.passed(
            "missing_values", "every output row has all metrics and non-zero denominators"
        )
    details = [
        {
            "month": s["month"].isoformat(),
            "account_type": s["account_type"],
            "null_metrics": list(s["null_metrics"]),
            "zero_denominators": [
                {"metric": r, "denominator": " + ".join(DENOMINATORS[r])}
                for r in s["zero_denominators"]
            ],
        }
        for s in row["sample"]
    ]
    shown = [f"{d['month'][:7]} {d['account_type']}" for d in details]
    summary = f"{plural(count, 'row')} with a null metric or a zero denominator: {listing(shown)}"
    return CheckResult("missing_values", FAIL, count, summary, details)


# --- the pipeline -------------------------------------------------------------------------------


def diagnose(ctx: Context) -> list[CheckResult]:
    """The three aggregated checks, one Spark action (under a shared lock on the output)."""
    plan = Plan(CHECKS, ctx.data)
    share = ctx.threshold("join_skew", "max_key_share")
    metas: dict[str, dict[str, Any] | None] = {}
    for upstream in FEEDS:
        try:
            metas[upstream] = ctx.meta(upstream)
        except DataError as error:
            plan.fail(["stale_upstream"], error.lines)
    for source in ("revenue", "costs", "salaries", "account_events", "clicks"):
        dated = [
            MONTH_COLUMN[source],
            *([DELIVERY_COLUMN[source]] if source in DELIVERY_COLUMN else []),
        ]
        try:
            ctx.inputs.snapshot(source)
            ctx.inputs.frame(source, dated)
        except DataError as error:
            plan.fail(["stale_upstream"], error.lines)
        if source in SKEW_SOURCES:
            try:
                ctx.inputs.frame(source, ["account_id", *dated[1:]])
            except DataError as error:
                plan.fail(["join_skew"], error.lines)

    for source in ("revenue", "costs", "salaries", "account_events", "clicks"):
        checks = ["stale_upstream", *(["join_skew"] if source in SKEW_SOURCES else [])]
        month = plan.wants("stale_upstream")
        skew = source in SKEW_SOURCES and plan.wants("join_skew")
        if not (month or skew):
            continue
        columns = [
            *([MONTH_COLUMN[source]] if month else []),
            *(["account_id"] if skew else []),
            *([DELIVERY_COLUMN[source]] if source in DELIVERY_COLUMN else []),
        ]
        frame = ctx.inputs.frame(source, columns)
        if source in DELIVERY_COLUMN:
            delivery = F.col(DELIVERY_COLUMN[source])
            frame = frame.where(delivery.isNull() | (delivery <= F.lit(ctx.as_of)))
        plan.add(
            source, source_metrics(frame, source, month, top_keys(share) if skew else 0), checks
        )

    with ctx.reading_output(PIPELINE):
        try:
            monthly = outputs.read_output(ctx.spark, ctx.data, PIPELINE, "monthly")
            plan.add("output", missing_value_metrics(monthly), ["missing_values"])
        except DataError as error:
            plan.fail(["missing_values"], error.lines)
        ctx.step("aggregated: raw sources and the output, one pass each")
        plan.collect()
    rows = plan.rows
    latest = {s: rows.get(s, {}).get("latest_month") for s in MONTH_COLUMN}
    return [
        plan.result("stale_upstream", lambda: stale_result(ctx, metas, latest)),
        plan.result("missing_values", lambda: missing_values_result(rows["output"])),
        plan.result("join_skew", lambda: join_skew_result(rows, share)),
    ]
