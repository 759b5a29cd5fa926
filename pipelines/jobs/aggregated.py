"""Aggregated: one row per month and account type joining Profit, Growth and Engagement.

Every input is per account and month before any join (Profit's revenue by account, Growth's
month-end states, Engagement's monthly clicks), so a hot account is one row per month like any
other and cannot skew a join. An account counts under its type at the end of the month.
``accounts`` and ``licensed_users`` count live accounts (trial, active, renewed); ``churn_rate``
is churned accounts over live plus churned ones. Ratios use ``try_divide``: a zero denominator
gives null, never an error, and the ``missing_values`` check reports it.

Rows: every month of the Profit output times every account type, so a month or type with no data
shows up as a row of zeros and nulls instead of disappearing.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines import outputs
from pipelines.runner import RunContext
from pipelines.schemas import ACCOUNT_TYPES

PIPELINE = "aggregated"
UPSTREAM = ("profit", "growth", "engagement")
LIVE = ("trial", "active", "renewed")

#: each ratio and the column it is divided by; a zero there makes the row a ``missing_values`` row
RATIOS: dict[str, tuple[str, str]] = {
    "clicks_per_active_user": ("clicks", "active_users"),
    "revenue_per_licensed_user": ("revenue", "licensed_users"),
    "churn_rate": ("churned_accounts", "accounts + churned_accounts"),
    "profit_share": ("month profit x revenue", "month revenue"),
}
METRICS = (
    "revenue",
    "profit_share",
    "accounts",
    "churned_accounts",
    "licensed_users",
    "active_users",
    "clicks",
    "clicks_per_active_user",
    "revenue_per_licensed_user",
    "churn_rate",
)


def account_months(monthly_status: DataFrame) -> DataFrame:
    """Each account's type at the end of each month, whether it was live, and its licences."""
    live = F.col("subscription_status").isin(*LIVE)
    return monthly_status.where(F.col("account_type").isNotNull()).select(
        "month",
        "account_id",
        "account_type",
        F.coalesce(live, F.lit(False)).alias("live"),
        F.col("licensed_users"),
        F.col("is_churned"),
    )


def growth_by_type(accounts: DataFrame) -> DataFrame:
    """Live accounts, churned accounts and licensed users of live accounts per month and type."""
    return accounts.groupBy("month", "account_type").agg(
        F.count(F.when(F.col("live"), 1)).alias("accounts"),
        F.count(F.when(F.col("is_churned"), 1)).alias("churned_accounts"),
        F.coalesce(F.sum(F.when(F.col("live"), F.col("licensed_users"))), F.lit(0))
        .cast("long")
        .alias("licensed_users"),
    )


def revenue_by_type(revenue_by_account: DataFrame, accounts: DataFrame) -> DataFrame:
    """Revenue per month and type (an account without a known type counts under none)."""
    return (
        revenue_by_account.join(
            accounts.select("month", "account_id", "account_type"), ["month", "account_id"]
        )
        .groupBy("month", "account_type")
        .agg(F.sum("revenue").alias("revenue"))
    )


def engagement_by_type(engagement_monthly: DataFrame, accounts: DataFrame) -> DataFrame:
    """Clicks and active users per month and type (users belong to one account each)."""
    return (
        engagement_monthly.join(
            accounts.select("month", "account_id", "account_type"), ["month", "account_id"]
        )
        .groupBy("month", "account_type")
        .agg(
            F.sum("clicks").alias("clicks"),
            F.sum("active_users").alias("active_users"),
        )
    )


def month_type_spine(profit_monthly: DataFrame) -> DataFrame:
    """Every month of the Profit output times every account type."""
    spark = profit_monthly.sparkSession
    types = spark.createDataFrame([(t,) for t in ACCOUNT_TYPES], "account_type string")
    return profit_monthly.select("month", "revenue", "profit").crossJoin(F.broadcast(types))


def aggregate(
    profit_monthly: DataFrame,
    revenue_by_account: DataFrame,
    monthly_status: DataFrame,
    engagement_monthly: DataFrame,
) -> DataFrame:
    """The executive table: one row per month and account type, ratios null-safe."""
    accounts = account_months(monthly_status)
    keys = ["month", "account_type"]
    spine = month_type_spine(profit_monthly).withColumnsRenamed(
        {"revenue": "month_revenue", "profit": "month_profit"}
    )
    joined = (
        spine.join(revenue_by_type(revenue_by_account, accounts), keys, "left")
        .join(growth_by_type(accounts), keys, "left")
        .join(engagement_by_type(engagement_monthly, accounts), keys, "left")
    )
    zero = F.lit(0)
    counts = ("accounts", "churned_accounts", "licensed_users", "active_users", "clicks")
    filled = joined.select(
        *keys,
        "month_revenue",
        "month_profit",
        F.coalesce(F.col("revenue"), F.lit(0.0)).alias("revenue"),
        *(F.coalesce(F.col(c), zero).cast("long").alias(c) for c in counts),
    )
    return filled.select(
        *keys,
        "revenue",
        F.try_divide(F.col("month_profit") * F.col("revenue"), F.col("month_revenue")).alias(
            "profit_share"
        ),
        *counts,
        F.try_divide(F.col("clicks").cast("double"), F.col("active_users")).alias(
            "clicks_per_active_user"
        ),
        F.try_divide(F.col("revenue"), F.col("licensed_users")).alias("revenue_per_licensed_user"),
        F.try_divide(
            F.col("churned_accounts").cast("double"),
            F.col("accounts") + F.col("churned_accounts"),
        ).alias("churn_rate"),
    ).orderBy("month", F.array_position(F.array(*map(F.lit, ACCOUNT_TYPES)), F.col("account_type")))


def run(ctx: RunContext) -> dict[str, Any]:
    """Read the three upstream outputs (under shared locks), aggregate, publish."""
    ctx.step("reading upstream outputs")
    metas = {name: outputs.load_meta(ctx.data, name) for name in UPSTREAM}
    read = lambda p, t: outputs.read_output(ctx.spark, ctx.data, p, t)  # noqa: E731
    result = aggregate(
        read("profit", "monthly"),
        read("profit", "revenue_by_account"),
        read("growth", "monthly_status"),
        read("engagement", "monthly"),
    )
    months = sorted({r["month"] for r in read("profit", "monthly").select("month").collect()})
    upstream = {
        name: {k: (meta or {}).get(k) for k in ("run_id", "as_of", "written_at", "months")}
        for name, meta in metas.items()
    }
    ctx.step("aggregating")
    return ctx.publish(
        {"monthly": result},
        months=months,
        sources={},
        extra={"upstream": upstream, "ratios": {k: list(v) for k, v in RATIOS.items()}},
    )
