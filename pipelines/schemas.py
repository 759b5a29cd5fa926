"""Every schema the pipelines read or write, in one place (sources: docs/pipelines.md).

Sources are validated against these before any job runs (``pipelines.sources``); outputs are
checked against them before they are committed (``pipelines.outputs``), so a reader can rely on
them too. Nullability is not checked: only names and types are compared.
"""

from __future__ import annotations

from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from oncall.errors import DataError, Problem


def _schema(*fields: tuple[str, DataType]) -> StructType:
    return StructType([StructField(name, kind, nullable=True) for name, kind in fields])


# --- sources (docs/pipelines.md, "Sources") --------------------------------------------------

REVENUE = _schema(
    ("account_id", StringType()),
    ("invoice_date", DateType()),
    ("amount", DoubleType()),
)

COSTS = _schema(
    ("cost_center", StringType()),
    ("month", DateType()),
    ("category", StringType()),
    ("amount", DoubleType()),
    ("delivered_at", TimestampType()),
)

SALARIES = _schema(
    ("team", StringType()),
    ("month", DateType()),
    ("amount", DoubleType()),
)

FILINGS = _schema(
    ("month", DateType()),
    ("revenue", DoubleType()),
    ("expenses", DoubleType()),
    ("profit", DoubleType()),
    ("verified_by", StringType()),
)

ACCOUNT_EVENTS = _schema(
    ("account_id", StringType()),
    ("event_time", TimestampType()),
    ("account_type", StringType()),
    ("licensed_users", IntegerType()),
    ("subscription_status", StringType()),
)

CLICKS = _schema(
    ("event_id", StringType()),
    ("user_id", StringType()),
    ("account_id", StringType()),
    ("source_team", StringType()),
    ("event_type", StringType()),
    ("event_time", TimestampType()),
    ("kafka_partition", IntegerType()),
    ("kafka_offset", LongType()),
    ("ingested_at", TimestampType()),
)

SOURCES: dict[str, StructType] = {
    "revenue": REVENUE,
    "costs": COSTS,
    "salaries": SALARIES,
    "filings": FILINGS,
    "account_events": ACCOUNT_EVENTS,
    "clicks": CLICKS,
}

ACCOUNT_TYPES: tuple[str, ...] = ("free", "team", "enterprise")

# --- outputs ---------------------------------------------------------------------------------

PROFIT_MONTHLY = _schema(
    ("month", DateType()),
    ("revenue", DoubleType()),
    ("opex", DoubleType()),
    ("asset_costs", DoubleType()),
    ("salaries", DoubleType()),
    ("expenses", DoubleType()),
    ("profit", DoubleType()),
    ("margin", DoubleType()),
)

PROFIT_REVENUE_BY_ACCOUNT = _schema(
    ("month", DateType()),
    ("account_id", StringType()),
    ("revenue", DoubleType()),
    ("invoices", LongType()),
)

# one row per account and period: the account's state at the end of the period
_ACCOUNT_STATE = (
    ("account_id", StringType()),
    ("account_type", StringType()),
    ("subscription_status", StringType()),
    ("licensed_users", IntegerType()),
    ("is_new", BooleanType()),
    ("is_churned", BooleanType()),
)

GROWTH_WEEKLY_STATUS = _schema(("week_start", DateType()), *_ACCOUNT_STATE)
GROWTH_MONTHLY_STATUS = _schema(("month", DateType()), *_ACCOUNT_STATE)

GROWTH_WEEKLY_SUMMARY = _schema(
    ("week_start", DateType()),
    ("account_type", StringType()),
    ("subscription_status", StringType()),
    ("accounts", LongType()),
    ("licensed_users", LongType()),
    ("new_accounts", LongType()),
    ("churned_accounts", LongType()),
)

ENGAGEMENT_DAILY = _schema(
    ("account_id", StringType()),
    ("source_team", StringType()),
    ("clicks", LongType()),
    ("distinct_users", LongType()),
    ("aggregated_at", TimestampType()),
    ("event_date", DateType()),  # the partition column, last as Spark writes it
)

ENGAGEMENT_MONTHLY = _schema(
    ("account_id", StringType()),
    ("clicks", LongType()),
    ("active_users", LongType()),
    ("month", DateType()),  # the partition column
)

AGGREGATED_MONTHLY = _schema(
    ("month", DateType()),
    ("account_type", StringType()),
    ("revenue", DoubleType()),
    ("profit_share", DoubleType()),
    ("accounts", LongType()),
    ("churned_accounts", LongType()),
    ("licensed_users", LongType()),
    ("active_users", LongType()),
    ("clicks", LongType()),
    ("clicks_per_active_user", DoubleType()),
    ("revenue_per_licensed_user", DoubleType()),
    ("churn_rate", DoubleType()),
)

#: each pipeline's output tables
OUTPUTS: dict[str, dict[str, StructType]] = {
    "profit": {"monthly": PROFIT_MONTHLY, "revenue_by_account": PROFIT_REVENUE_BY_ACCOUNT},
    "growth": {
        "weekly_status": GROWTH_WEEKLY_STATUS,
        "weekly_summary": GROWTH_WEEKLY_SUMMARY,
        "monthly_status": GROWTH_MONTHLY_STATUS,
    },
    "engagement": {"daily": ENGAGEMENT_DAILY, "monthly": ENGAGEMENT_MONTHLY},
    "aggregated": {"monthly": AGGREGATED_MONTHLY},
}


def describe(kind: DataType) -> str:
    """A type as docs/pipelines.md writes it: ``double``, ``timestamp``, ``int``."""
    return kind.simpleString()


class ColumnProblem(Problem):
    """A column (``field``) of ``file`` (a folder, a file or a table) that is missing or of
    another type; ``message`` is ``missing`` or ``string, expected date``."""

    def __str__(self) -> str:
        return f"{self.file}: column {self.field} is {self.message}"


class SchemaError(DataError):
    """Columns of a source that are missing or of another type (a data error: exit 3)."""

    def __init__(self, *problems: ColumnProblem) -> None:
        self.problems = problems
        super().__init__(*problems)


def schema_problems(where: str, actual: StructType, expected: StructType) -> list[ColumnProblem]:
    """One problem per expected column that is missing from ``actual`` or has another type."""
    found = {field.name: field.dataType for field in actual.fields}
    problems = []
    for field in expected.fields:
        if field.name not in found:
            problems.append(ColumnProblem(where, field.name, "missing"))
        elif found[field.name] != field.dataType:
            problems.append(
                ColumnProblem(
                    where,
                    field.name,
                    f"{describe(found[field.name])}, expected {describe(field.dataType)}",
                )
            )
    return problems
