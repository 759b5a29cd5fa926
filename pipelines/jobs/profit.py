"""Profit: revenue, opex, asset costs, salaries, expenses, profit and margin per month.

The columns are those of docs/pipelines.md ("Outputs"). A month's revenue is the sum of invoice
amounts by the month of ``invoice_date``; expenses are the month's cost amounts plus salaries; a
sum over no rows is 0. Margin is profit over revenue, null when there is no revenue.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines import sources
from pipelines.runner import RunContext

SOURCES = ("revenue", "costs", "salaries")


def monthly_revenue(revenue: DataFrame) -> DataFrame:
    """Revenue per month of ``invoice_date``."""
    return revenue.groupBy(F.trunc("invoice_date", "month").alias("month")).agg(
        F.sum("amount").alias("revenue")
    )


def monthly_costs(costs: DataFrame) -> DataFrame:
    """Opex, asset costs and all costs per month (``all_costs`` also counts unknown categories)."""
    return costs.groupBy(F.trunc("month", "month").alias("month")).agg(
        F.sum(F.when(F.col("category") == "opex", F.col("amount")).otherwise(0.0)).alias("opex"),
        F.sum(F.when(F.col("category") == "asset", F.col("amount")).otherwise(0.0)).alias(
            "asset_costs"
        ),
        F.sum("amount").alias("all_costs"),
    )


def monthly_salaries(salaries: DataFrame) -> DataFrame:
    """Salaries of every team per month."""
    return salaries.groupBy(F.trunc("month", "month").alias("month")).agg(
        F.sum("amount").alias("salaries")
    )


def profit_by_month(revenue: DataFrame, costs: DataFrame, salaries: DataFrame) -> DataFrame:
    """Join the three monthly sums (a month missing from one counts 0 there) into the P&L."""
    joined = (
        monthly_revenue(revenue)
        .join(monthly_costs(costs), "month", "full_outer")
        .join(monthly_salaries(salaries), "month", "full_outer")
    )
    zero = F.lit(0.0)
    filled = joined.select(
        "month",
        *(F.coalesce(F.col(c), zero).alias(c) for c in ("revenue", "opex", "asset_costs")),
        F.coalesce(F.col("salaries"), zero).alias("salaries"),
        F.coalesce(F.col("all_costs"), zero).alias("all_costs"),
    )
    expenses = F.col("all_costs") + F.col("salaries")
    return (
        filled.withColumn("expenses", expenses)
        .withColumn("profit", F.col("revenue") - F.col("expenses"))
        .withColumn("margin", F.try_divide(F.col("profit"), F.col("revenue")))
        .drop("all_costs")
        .orderBy("month")
    )


def revenue_by_account(revenue: DataFrame) -> DataFrame:
    """Revenue and invoice count per month and account: what Aggregated joins, already small."""
    return revenue.groupBy(
        F.trunc("invoice_date", "month").alias("month"), F.col("account_id")
    ).agg(F.sum("amount").alias("revenue"), F.count(F.lit(1)).alias("invoices"))


def _month_range(df: DataFrame, column: str) -> tuple[date, date] | None:
    row = df.agg(
        F.min(F.trunc(column, "month")).alias("first"),
        F.max(F.trunc(column, "month")).alias("last"),
    ).first()
    return (row["first"], row["last"]) if row and row["first"] is not None else None


def run(ctx: RunContext) -> dict[str, Any]:
    """Extract the three sources, compute the monthly P&L and revenue per account, publish both."""
    ctx.step("reading sources")
    revenue, revenue_files = sources.read_source(ctx.spark, ctx.data, "revenue", ctx.files_as_of)
    costs, costs_files = sources.read_source(ctx.spark, ctx.data, "costs", ctx.files_as_of)
    salaries, salary_files = sources.read_source(ctx.spark, ctx.data, "salaries", ctx.files_as_of)

    ctx.step("computing the monthly P&L")
    # one row per month, read for its months and then written: computed once
    monthly = ctx.keep(profit_by_month(revenue, costs, salaries))
    months = [row["month"] for row in monthly.select("month").collect()]
    source_records = {
        "revenue": revenue_files.record(ctx.data, _month_range(revenue, "invoice_date")),
        "costs": costs_files.record(ctx.data, _month_range(costs, "month")),
        "salaries": salary_files.record(ctx.data, _month_range(salaries, "month")),
    }
    return ctx.publish(
        {"monthly": monthly, "revenue_by_account": revenue_by_account(revenue)},
        months=months,
        sources=source_records,
    )
