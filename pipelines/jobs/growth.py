"""Growth: every account's state at the end of each week (and month), and counts by type and status.

An account's state at an instant is, field by field, the latest non-null value among its events
before that instant: incomplete events (a null type, status or licence count) are forward-filled
from earlier ones. An account appears from the period of its first event to the last period of
the data. It is new in the period of its first event, and churned in a period that ends with it
canceled when the previous one did not.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from pipelines import sources
from pipelines.runner import RunContext

Unit = Literal["week", "month"]
STATE = ("account_type", "subscription_status", "licensed_users")
PERIOD_COLUMN: dict[str, str] = {"week": "week_start", "month": "month"}


def _period(unit: Unit) -> Column:
    # date_trunc('week') gives the Monday, in the session time zone (UTC)
    return F.date_trunc(unit, F.col("event_time")).cast("date")


def filled_events(events: DataFrame) -> DataFrame:
    """Each event with the account's forward-filled state after it, and its rank in the series."""
    # ties on event_time are broken by content, so the same input always gives the same order
    order = Window.partitionBy("account_id").orderBy("event_time", F.xxhash64(*STATE))
    ranked = events.where(F.col("account_id").isNotNull()).withColumn(
        "rank", F.row_number().over(order)
    )
    so_far = (
        Window.partitionBy("account_id")
        .orderBy("rank")
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    return ranked.select(
        "account_id",
        "event_time",
        "rank",
        *(F.last(c, ignorenulls=True).over(so_far).alias(c) for c in STATE),
    )


def period_states(events: DataFrame, unit: Unit) -> DataFrame:
    """One row per account and period (week or month): its state at the end of the period."""
    return states_by_period(filled_events(events), unit)


def states_by_period(filled_events: DataFrame, unit: Unit) -> DataFrame:
    """``period_states`` from the forward-filled events (``filled_events``), which both the
    weekly and the monthly states start from."""
    period = PERIOD_COLUMN[unit]
    filled = filled_events.withColumn(period, _period(unit))
    last_in_period = filled.groupBy("account_id", period).agg(
        F.max_by(F.struct(*STATE), F.col("rank")).alias("state")
    )
    first = filled.groupBy("account_id").agg(F.min(period).alias("first_period"))
    last = filled.agg(F.max(period).alias("last_period"))
    step = F.expr(f"interval 1 {unit}")
    spine = first.crossJoin(F.broadcast(last)).select(
        "account_id",
        "first_period",
        F.explode(F.sequence("first_period", "last_period", step)).alias(period),
    )
    through = (
        Window.partitionBy("account_id")
        .orderBy(period)
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    states = spine.join(last_in_period, ["account_id", period], "left").select(
        period,
        "account_id",
        "first_period",
        F.last("state", ignorenulls=True).over(through).alias("state"),
    )
    flat = states.select(period, "account_id", "first_period", "state.*")
    previous = F.lag("subscription_status").over(Window.partitionBy("account_id").orderBy(period))
    canceled = F.col("subscription_status") == "canceled"
    churned = canceled & (previous.isNull() | (previous != "canceled"))
    return flat.select(
        period,
        "account_id",
        *STATE,
        (F.col(period) == F.col("first_period")).alias("is_new"),
        F.coalesce(churned, F.lit(False)).alias("is_churned"),
    )


def weekly_summary(weekly: DataFrame) -> DataFrame:
    """Accounts, licensed users, new and churned accounts per week, type and status."""
    return weekly.groupBy("week_start", "account_type", "subscription_status").agg(
        F.count(F.lit(1)).alias("accounts"),
        F.coalesce(F.sum("licensed_users"), F.lit(0)).cast("long").alias("licensed_users"),
        F.sum(F.col("is_new").cast("long")).alias("new_accounts"),
        F.sum(F.col("is_churned").cast("long")).alias("churned_accounts"),
    )


def run(ctx: RunContext) -> dict[str, Any]:
    """Read account_events, build the weekly and monthly snapshots and the weekly summary."""
    ctx.step("reading account_events")
    events, files = sources.read_source(ctx.spark, ctx.data, "account_events", ctx.files_as_of)
    ctx.step("building snapshots")
    # each is used by two actions below: cached, the events are read and ranked once
    filled = ctx.keep(filled_events(events))
    weekly = ctx.keep(states_by_period(filled, "week"))
    monthly = ctx.keep(states_by_period(filled, "month"))
    bounds = events.agg(
        F.min(F.trunc("event_time", "month")).alias("first"),
        F.max(F.trunc("event_time", "month")).alias("last"),
    ).first()
    months: list[date] = [r["month"] for r in monthly.select("month").distinct().collect()]
    span = (bounds["first"], bounds["last"]) if bounds and bounds["first"] else None
    return ctx.publish(
        {
            "weekly_status": weekly,
            "weekly_summary": weekly_summary(weekly),
            "monthly_status": monthly,
        },
        months=months,
        sources={"account_events": files.record(ctx.data, span)},
    )
