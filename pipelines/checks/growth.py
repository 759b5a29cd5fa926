"""Growth checks: ``missing_current_status`` and ``skipped_states``, one Spark action.

- missing_current_status: account events and invoices are projected onto one shape, unioned and
  grouped by account once (events, events with a status, events with a type, invoices).
- skipped_states: one window over each account's events, ordered as the Growth job orders them
  (``event_time``, then a hash of the state, so ties always resolve the same way), gives each
  event the previous non-null status and type; a move is allowed, unchanged, or counted.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from oncall.errors import DataError
from pipelines.checks.fold import Plan, flagged_rows
from pipelines.checks.inputs import Context
from pipelines.checks.model import FAIL, WARN, CheckResult, listing, micros_iso, plural

PIPELINE = "growth"
#: the sources the checks read (``runner`` inspects them ahead, at once, over Spark Connect)
SOURCES = ("account_events", "revenue")
CHECKS = ("missing_current_status", "skipped_states")

#: the moves the state machine allows (``skipped_states`` in docs/diagnose.md); staying
#: unchanged is always allowed
STATUS_MOVES = (
    ("trial", "active"),
    ("trial", "canceled"),
    ("active", "renewed"),
    ("active", "canceled"),
    ("renewed", "renewed"),
    ("renewed", "canceled"),
    ("canceled", "active"),
)
TYPE_MOVES = (("free", "team"), ("team", "free"), ("team", "enterprise"), ("enterprise", "team"))
FIELDS = {"subscription_status": STATUS_MOVES, "account_type": TYPE_MOVES}

NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "missing_current_status": {
        "account_events": ("account_id", "account_type", "subscription_status"),
        "revenue": ("account_id",),
    },
    "skipped_states": {
        "account_events": (
            "account_id",
            "event_time",
            "account_type",
            "subscription_status",
            "licensed_users",
        ),
    },
}
REASONS = {
    "no_status": "every event has a null subscription_status",
    "no_type": "every event has a null account_type",
    "no_events": "revenue but no events",
}


def status_metrics(events: DataFrame, revenue: DataFrame) -> DataFrame:
    """One row: the accounts without a determinable current status, counted and sampled."""
    columns = ("account_id", "events", "statuses", "types", "invoices")
    from_events = events.select(
        "account_id",
        F.lit(1).cast("long"),
        F.col("subscription_status").isNotNull().cast("long"),
        F.col("account_type").isNotNull().cast("long"),
        F.lit(0).cast("long"),
    ).toDF(*columns)
    from_revenue = revenue.select(
        "account_id", *(F.lit(n).cast("long") for n in (0, 0, 0, 1))
    ).toDF(*columns)
    accounts = (
        from_events.unionByName(from_revenue)
        .where(F.col("account_id").isNotNull())
        .groupBy("account_id")
        .agg(*(F.sum(c).alias(c) for c in columns[1:]))
    )
    has_events = F.col("events") > 0
    flags = {
        "no_status": has_events & (F.col("statuses") == 0),
        "no_type": has_events & (F.col("types") == 0),
        "no_events": ~has_events & (F.col("invoices") > 0),
    }
    flagged = accounts.select(
        "account_id", "events", "invoices", *(flag.alias(name) for name, flag in flags.items())
    ).where(reduce(operator.or_, (F.col(name) for name in flags)))
    return flagged_rows(
        flagged,
        "accounts",
        F.col("account_id"),
        *(F.count_if(F.col(name)).alias(name) for name in flags),
    )


def missing_status_result(row: dict[str, Any]) -> CheckResult:
    """Accounts the snapshot cannot place; fail (Growth and Aggregated miscount them)."""
    count = int(row["accounts"])
    if count == 0:
        return CheckResult.passed(
            "missing_current_status", "every account has a current type and status"
        )
    details = [
        {
            "account_id": s["account_id"],
            "reason": "; ".join(text for flag, text in REASONS.items() if s[flag]),
            "events": int(s["events"]),
            "invoices": int(s["invoices"]),
        }
        for s in row["sample"]
    ]
    by_reason = [f"{int(row[flag]):,} {text}" for flag, text in REASONS.items() if row[flag]]
    summary = (
        f"{plural(count, 'account')} without a current status ({'; '.join(by_reason)}): "
        + listing([d["account_id"] for d in details])
    )
    return CheckResult("missing_current_status", FAIL, count, summary, details)


def _allowed(previous: Column, current: Column, moves: tuple[tuple[str, str], ...]) -> Column:
    pairs = F.array(*(F.lit(f"{a}>{b}") for a, b in moves))
    return (previous == current) | F.array_contains(pairs, F.concat_ws(">", previous, current))


def transition_metrics(events: DataFrame) -> DataFrame:
    """One row: invalid moves of status and type (nulls skipped), counted and sampled."""
    series = events.where(F.col("account_id").isNotNull() & F.col("event_time").isNotNull())
    # the Growth job's order: event_time, then a hash of the state, so ties always resolve alike
    state = ("account_type", "subscription_status", "licensed_users")
    before = (
        Window.partitionBy("account_id")
        .orderBy("event_time", F.xxhash64(*state))
        .rowsBetween(Window.unboundedPreceding, -1)
    )
    previous = {
        name: F.last(column, ignorenulls=True).over(before)
        for field in FIELDS
        for name, column in (
            (f"previous_{field}", F.col(field)),
            (f"previous_{field}_time", F.when(F.col(field).isNotNull(), F.col("event_time"))),
        )
    }
    # window values first: a generator (explode) cannot hold window expressions
    paired = series.select(
        "account_id", "event_time", *FIELDS, *(c.alias(n) for n, c in previous.items())
    )
    moves = []
    for field, allowed in FIELDS.items():
        before_value = F.col(f"previous_{field}")
        moves.append(
            F.when(
                F.col(field).isNotNull()
                & before_value.isNotNull()
                & ~_allowed(before_value, F.col(field), allowed),
                F.struct(
                    F.lit(field).alias("field"),
                    before_value.alias("from"),
                    F.col(field).alias("to"),
                    F.unix_micros(f"previous_{field}_time").alias("previous_micros"),
                ),
            )
        )
    invalid = paired.select(
        "account_id",
        F.unix_micros("event_time").alias("event_micros"),
        F.explode(F.filter(F.array(*moves), lambda m: m.isNotNull())).alias("move"),
    ).select("account_id", "event_micros", "move.*")
    return flagged_rows(
        invalid,
        "moves",
        F.struct("account_id", "event_micros", "field"),
        *(F.count_if(F.col("field") == f).alias(f) for f in FIELDS),
    )


def skipped_states_result(row: dict[str, Any]) -> CheckResult:
    """Invalid moves between consecutive states; warn (the snapshot keeps the latest state)."""
    count = int(row["moves"])
    if count == 0:
        return CheckResult.passed(
            "skipped_states", "every account moves only between allowed states"
        )
    details = [
        {
            "account_id": s["account_id"],
            "field": s["field"],
            "from": s["from"],
            "to": s["to"],
            "previous_event_time": micros_iso(s["previous_micros"]),
            "event_time": micros_iso(s["event_micros"]),
        }
        for s in row["sample"]
    ]
    per_field = [f"{int(row[f]):,} {f}" for f in FIELDS if row[f]]
    shown = [f"{d['account_id']} {d['from']}->{d['to']}" for d in details]
    summary = f"{plural(count, 'invalid move')} ({', '.join(per_field)}): {listing(shown, 3)}"
    # the weekly snapshot still takes each account's latest state: a gap in the history to
    # report to the Accounts Team, not a wrong current status
    return CheckResult("skipped_states", WARN, count, summary, details)


def diagnose(ctx: Context) -> list[CheckResult]:
    """The two growth checks, one Spark action."""
    plan = Plan(CHECKS, ctx.data)
    frames: dict[str, dict[str, DataFrame]] = {}
    for check, needs in NEEDS.items():
        try:
            frames[check] = {s: ctx.inputs.frame(s, cols) for s, cols in needs.items()}
        except DataError as error:
            plan.fail([check], error.lines)
    if plan.wants("missing_current_status"):
        inputs = frames["missing_current_status"]
        plan.add(
            "statuses",
            status_metrics(inputs["account_events"], inputs["revenue"]),
            ["missing_current_status"],
        )
    if plan.wants("skipped_states"):
        plan.add(
            "moves",
            transition_metrics(frames["skipped_states"]["account_events"]),
            ["skipped_states"],
        )
    ctx.step("growth: account events and revenue, one pass per check")
    plan.collect()
    return [
        plan.result("missing_current_status", lambda: missing_status_result(plan.rows["statuses"])),
        plan.result("skipped_states", lambda: skipped_states_result(plan.rows["moves"])),
    ]
