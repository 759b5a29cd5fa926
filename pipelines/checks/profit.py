"""Profit checks: ``filing_discrepancy`` and ``cost_data_delay``, one Spark action.

Both judge months, so one table of monthly metrics serves both: revenue, costs, salaries and
filings are projected onto one shape, unioned and grouped by month once (Deequ's single
``agg()``, per month); the few month rows come back and the rules run in Python. The figures are
computed as the Profit job computes its ``monthly`` output (docs/pipelines.md, "Outputs"): a
month's revenue is the sum of its invoices, expenses are its costs (every category) plus
salaries, profit is the difference, a sum over no rows is 0.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from oncall.errors import DataError
from pipelines.checks.fold import Plan
from pipelines.checks.inputs import Context
from pipelines.checks.model import (
    FAIL,
    MAX_SAMPLE,
    WARN,
    CheckResult,
    iso,
    listing,
    micros_iso,
    plural,
    verb,
)

PIPELINE = "profit"
#: the sources the checks read (``runner`` inspects them ahead, at once, over Spark Connect)
SOURCES = ("revenue", "costs", "salaries", "filings")
CHECKS = ("filing_discrepancy", "cost_data_delay")
FIGURES = ("revenue", "expenses", "profit")

#: what each check reads, per source
NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "filing_discrepancy": {
        "revenue": ("invoice_date", "amount"),
        "costs": ("month", "amount"),
        "salaries": ("month", "amount"),
        "filings": ("month", "revenue", "expenses", "profit"),
    },
    "cost_data_delay": {
        "revenue": ("invoice_date",),
        "costs": ("month", "cost_center", "delivered_at"),
    },
}


def deadline_of(month: Column, day: int) -> Column:
    """Ops cost deadline of ``month``: ``day`` of the next month, 23:59:59 UTC."""
    due = F.date_add(F.add_months(F.trunc(month, "month"), 1), day - 1)
    return F.timestamp_seconds(F.unix_date(due).cast("long") * 86_400 + 86_399)


def deadline(month: date, day: int) -> datetime:
    """The same deadline in Python."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return datetime.combine(following + timedelta(days=day - 1), time(23, 59, 59), tzinfo=UTC)


def monthly_metrics(
    frames: dict[str, DataFrame],
    columns: dict[str, list[str]],
    as_of: datetime,
    deadline_day: int,
) -> DataFrame:
    """One row: every month's revenue, costs, salaries, cost deliveries and filings.

    ``frames`` holds the sources that could be read (revenue is always there); a month missing
    from one of them has nulls there.
    """
    typed = {
        "revenue": "double",
        "invoices": "long",
        "costs": "double",
        "cost_rows": "long",
        "late_rows": "long",
        "last_delivered": "timestamp",
        "late_center": "string",
        "salaries": "double",
        "filed": "struct<revenue:double,expenses:double,profit:double>",
    }

    def shaped(month: Column, **values: Column) -> list[Column]:
        return [month.alias("month")] + [
            values.get(name, F.lit(None)).cast(kind).alias(name) for name, kind in typed.items()
        ]

    parts = [
        frames["revenue"].select(
            *shaped(
                F.trunc("invoice_date", "month"),
                revenue=F.col("amount") if "amount" in columns["revenue"] else F.lit(None),
                invoices=F.lit(1),
            )
        )
    ]
    if "costs" in frames:
        costs = frames["costs"]
        is_delivered = F.col("delivered_at").isNull() | (F.col("delivered_at") <= F.lit(as_of))
        is_late = is_delivered & (F.col("delivered_at") > deadline_of(F.col("month"), deadline_day))
        values = {"costs": F.col("amount")} if "amount" in columns["costs"] else {}
        if "delivered_at" in columns["costs"]:
            values |= {
                "cost_rows": F.when(is_delivered, 1).otherwise(0),
                "late_rows": F.when(is_late, 1).otherwise(0),
                "last_delivered": F.when(is_delivered, F.col("delivered_at")),
                "late_center": F.when(is_late, F.col("cost_center")),
            }
        parts.append(costs.select(*shaped(F.trunc("month", "month"), **values)))
    if "salaries" in frames:
        salaries = frames["salaries"]
        parts.append(salaries.select(*shaped(F.trunc("month", "month"), salaries=F.col("amount"))))
    if "filings" in frames:
        filed = F.struct(*(F.col(f) for f in FIGURES))
        parts.append(frames["filings"].select(*shaped(F.trunc("month", "month"), filed=filed)))
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part)
    months = (
        union.where(F.col("month").isNotNull())
        .groupBy("month")
        .agg(
            F.sum("revenue").alias("revenue"),
            F.sum("invoices").alias("invoices"),
            F.sum("costs").alias("costs"),
            F.sum("cost_rows").alias("cost_rows"),
            F.sum("late_rows").alias("late_rows"),
            # instants come back as epoch micros: collect() would render them in the local zone
            F.unix_micros(F.max("last_delivered")).alias("last_delivered"),
            F.array_sort(F.collect_set("late_center")).alias("late_centers"),
            F.sum("salaries").alias("salaries"),
            F.collect_list("filed").alias("filings"),
        )
    )
    with_deadline = months.withColumn(
        "deadline", F.unix_micros(deadline_of(F.col("month"), deadline_day))
    )
    return with_deadline.agg(F.sort_array(F.collect_list(F.struct("*"))).alias("months"))


def _money(value: float) -> float:
    return round(value, 2)


def filing_discrepancy_result(
    months: list[dict[str, Any]], abs_tolerance: float, rel_tolerance: float
) -> CheckResult:
    """Filed months whose revenue, expenses or profit differ from the books; always fail."""
    threshold = {"abs_tolerance": abs_tolerance, "rel_tolerance": rel_tolerance}
    filed_months = [m for m in months if m["filings"]]
    details = []
    for month in filed_months:
        revenue = month["revenue"] or 0.0
        expenses = (month["costs"] or 0.0) + (month["salaries"] or 0.0)
        ours = {"revenue": revenue, "expenses": expenses, "profit": revenue - expenses}
        differences = []
        for filing in month["filings"]:
            for figure in FIGURES:
                filed = filing[figure]
                if filed is None:
                    differences.append({"figure": figure, "filed": None, "pipeline": ours[figure]})
                    continue
                tolerance = max(abs_tolerance, rel_tolerance * abs(filed))
                if abs(filed - ours[figure]) > tolerance:
                    differences.append(
                        {
                            "figure": figure,
                            "filed": _money(filed),
                            "pipeline": _money(ours[figure]),
                            "difference": _money(filed - ours[figure]),
                            "tolerance": _money(tolerance),
                        }
                    )
        if differences:
            details.append({"month": iso(month["month"]), "differences": differences})
    if not details:
        return CheckResult.passed(
            "filing_discrepancy",
            f"{plural(len(filed_months), 'filed month')} match the pipeline's figures",
            threshold=threshold,
        )
    described = [
        f"{d['month'][:7]} ({', '.join(x['figure'] for x in d['differences'])})" for d in details
    ]
    summary = (
        f"{plural(len(details), 'filed month')} {verb(len(details), 'differs', 'differ')} from "
        "the pipeline's figures by more than "
        f"max({abs_tolerance:g}, {rel_tolerance:.4%} of the filed value): {listing(described)}"
    )
    return CheckResult(
        "filing_discrepancy", FAIL, len(details), summary, details[:MAX_SAMPLE], threshold
    )


def cost_data_delay_result(
    months: list[dict[str, Any]], as_of: datetime, deadline_day: int
) -> CheckResult:
    """Months with revenue whose costs are missing past the deadline (fail) or landed after it
    (warn: the figures are complete now, but the Profit output may predate them)."""
    threshold = {"deadline_day": float(deadline_day)}
    details = []
    for month in months:
        if not month["invoices"]:
            continue
        due = datetime.fromtimestamp(month["deadline"] / 1_000_000, tz=UTC)
        if not month["cost_rows"] and as_of > due:
            details.append({"month": iso(month["month"]), "kind": "missing", "deadline": iso(due)})
        elif month["late_rows"]:
            details.append(
                {
                    "month": iso(month["month"]),
                    "kind": "late",
                    "deadline": iso(due),
                    "late_rows": int(month["late_rows"]),
                    "cost_rows": int(month["cost_rows"]),
                    "late_cost_centers": list(month["late_centers"]),
                    "last_delivered_at": micros_iso(month["last_delivered"]),
                }
            )
    if not details:
        return CheckResult.passed(
            "cost_data_delay",
            "every month with revenue has its costs, delivered by the deadline",
            threshold=threshold,
        )
    missing = [d["month"][:7] for d in details if d["kind"] == "missing"]
    late = [d["month"][:7] for d in details if d["kind"] == "late"]
    parts = []
    if missing:
        parts.append(f"no cost rows after the deadline for {listing(missing)}")
    if late:
        parts.append(f"cost rows delivered after the deadline for {listing(late)}")
    summary = f"{plural(len(details), 'month')}: " + "; ".join(parts)
    status = FAIL if missing else WARN
    return CheckResult(
        "cost_data_delay", status, len(details), summary, details[:MAX_SAMPLE], threshold
    )


def diagnose(ctx: Context) -> list[CheckResult]:
    """The two profit checks over one table of months (one Spark action)."""
    plan = Plan(CHECKS, ctx.data)
    frames: dict[str, DataFrame] = {}
    for check, needs in NEEDS.items():
        for source, columns in needs.items():
            try:
                ctx.inputs.frame(source, columns)
            except DataError as error:
                plan.fail([check], error.lines)
    live = [c for c in CHECKS if plan.wants(c)]
    wanted: dict[str, list[str]] = {}
    for check in live:
        for source, needed in NEEDS[check].items():
            have = wanted.setdefault(source, [])
            have += [c for c in needed if c not in have]
    for source, names in wanted.items():
        frames[source] = ctx.inputs.frame(source, names)

    deadline_day = int(ctx.threshold("cost_data_delay", "deadline_day"))
    abs_tolerance = ctx.threshold("filing_discrepancy", "abs_tolerance")
    rel_tolerance = ctx.threshold("filing_discrepancy", "rel_tolerance")
    if live:
        plan.add("months", monthly_metrics(frames, wanted, ctx.as_of, deadline_day), live)
    ctx.step("profit: one pass over revenue, costs, salaries and filings by month")
    plan.collect()
    months = (plan.rows.get("months") or {}).get("months") or []
    return [
        plan.result(
            "filing_discrepancy",
            lambda: filing_discrepancy_result(months, abs_tolerance, rel_tolerance),
        ),
        plan.result(
            "cost_data_delay", lambda: cost_data_delay_result(months, ctx.as_of, deadline_day)
        ),
    ]
