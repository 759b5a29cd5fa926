"""An independent, plain-Python reading of the rules: source rows and the ten check counts.

Written from the documented rules alone (docs/pipelines.md, docs/diagnose.md), with no code of
``pipelines`` beyond reading Parquet through Spark, so tests can hold the generator's manifest
and the jobs' outputs against it. Timestamps come back as epoch microseconds (no time-zone
guessing in ``collect``).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

UTC = UTC
MICROS = 1_000_000

#: each state and where it may go next (docs/diagnose.md, ``skipped_states``)
NEXT_STATES = {
    "subscription_status": {
        "trial": {"active", "canceled"},
        "active": {"renewed", "canceled"},
        "renewed": {"renewed", "canceled"},
        "canceled": {"active"},
    },
    "account_type": {"free": {"team"}, "team": {"free", "enterprise"}, "enterprise": {"team"}},
}
TIMESTAMPS = {
    "costs": ["delivered_at"],
    "account_events": ["event_time"],
    "clicks": ["event_time", "ingested_at"],
}


def at(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / MICROS, UTC)


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def read_rows(spark: Any, folder: Path, source: str) -> list[dict[str, Any]]:
    """Every row of a source folder as a dict; timestamps as epoch micros."""
    from pyspark.sql import functions as F

    frame = spark.read.parquet(str(folder))
    stamps = TIMESTAMPS.get(source, [])
    columns = [F.unix_micros(c).alias(c) if c in stamps else F.col(c) for c in frame.columns]
    return [row.asDict() for row in frame.select(*columns).collect()]


@dataclass
class Sources:
    """Every source of a data root, as plain rows."""

    revenue: list[dict[str, Any]]
    costs: list[dict[str, Any]]
    salaries: list[dict[str, Any]]
    filings: list[dict[str, Any]]
    account_events: list[dict[str, Any]]
    clicks: list[dict[str, Any]]

    @classmethod
    def read(cls, spark: Any, root: Path) -> Sources:
        return cls(
            **{
                name: read_rows(spark, root / "sources" / name, name)
                for name in cls.__annotations__
            }
        )


# --- the P&L, by the documented definitions ------------------------------------------------------


def monthly_books(src: Sources) -> dict[date, dict[str, float]]:
    books: dict[date, dict[str, float]] = defaultdict(
        lambda: {"revenue": 0.0, "opex": 0.0, "asset_costs": 0.0, "salaries": 0.0}
    )
    for row in src.revenue:
        books[month_of(row["invoice_date"])]["revenue"] += row["amount"]
    for row in src.costs:
        key = "opex" if row["category"] == "opex" else "asset_costs"
        books[month_of(row["month"])][key] += row["amount"]
    for row in src.salaries:
        books[month_of(row["month"])]["salaries"] += row["amount"]
    for figures in books.values():
        figures["expenses"] = figures["opex"] + figures["asset_costs"] + figures["salaries"]
        figures["profit"] = figures["revenue"] - figures["expenses"]
    return dict(books)


# --- the ten checks ------------------------------------------------------------------------------


def filing_discrepancy(src: Sources) -> int:
    books = monthly_books(src)
    months = set()
    for filing in src.filings:
        mine = books.get(
            month_of(filing["month"]), {"revenue": 0.0, "expenses": 0.0, "profit": 0.0}
        )
        for field in ("revenue", "expenses", "profit"):
            filed = filing[field]
            if abs(filed - mine[field]) > max(1.00, 0.0001 * abs(filed)):
                months.add(filing["month"])
    return len(months)


def cost_data_delay(src: Sources, as_of: datetime) -> int:
    as_of_micros = int(as_of.timestamp() * MICROS)
    revenue_months = {month_of(r["invoice_date"]) for r in src.revenue}
    delivered: dict[date, list[int]] = defaultdict(list)
    for row in src.costs:
        if row["delivered_at"] <= as_of_micros:
            delivered[month_of(row["month"])].append(row["delivered_at"])
    count = 0
    for month in revenue_months:
        following = next_month(month)
        deadline = datetime(following.year, following.month, 5, 23, 59, 59, tzinfo=UTC)
        deadline_micros = int(deadline.timestamp() * MICROS)
        missing = deadline < as_of and not delivered.get(month)
        late = any(d > deadline_micros for d in delivered.get(month, []))
        count += bool(missing or late)
    return count


def missing_current_status(src: Sources) -> int:
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in src.account_events:
        by_account[row["account_id"]].append(row)
    bad = {
        account
        for account, rows in by_account.items()
        if all(r["subscription_status"] is None for r in rows)
        or all(r["account_type"] is None for r in rows)
    }
    bad |= {r["account_id"] for r in src.revenue if r["account_id"] not in by_account}
    return len(bad)


def skipped_states(src: Sources) -> int:
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in src.account_events:
        by_account[row["account_id"]].append(row)
    count = 0
    for rows in by_account.values():
        rows.sort(key=lambda r: r["event_time"])
        for field, allowed in NEXT_STATES.items():
            values = [r[field] for r in rows if r[field] is not None]
            count += sum(
                1 for a, b in itertools.pairwise(values) if a != b and b not in allowed.get(a, ())
            )
    return count


def late_arrivals(src: Sources, days: dict[str, dict[str, Any]]) -> tuple[int, int]:
    """(late events, of which over the 48-hour SLA) against the engagement day record."""
    late = missed = 0
    for row in src.clicks:
        day = at(row["event_time"]).date().isoformat()
        record = days.get(day)
        if record is None:
            continue
        if at(row["ingested_at"]) > datetime.fromisoformat(record["first_aggregated_at"]):
            late += 1
            missed += row["ingested_at"] - row["event_time"] > 48 * 3_600 * MICROS
    return late, missed


def kafka_gap(src: Sources) -> tuple[int, int]:
    """(time gaps of 15 minutes or more, offset holes)."""
    times = sorted({r["event_time"] for r in src.clicks})
    time_gaps = sum(1 for a, b in itertools.pairwise(times) if b - a >= 15 * 60 * MICROS)
    offsets: dict[int, set[int]] = defaultdict(set)
    for row in src.clicks:
        offsets[row["kafka_partition"]].add(row["kafka_offset"])
    holes = 0
    for values in offsets.values():
        ordered = sorted(values)
        holes += sum(1 for a, b in itertools.pairwise(ordered) if b - a > 1)
    return time_gaps, holes


def duplicate_events(src: Sources) -> int:
    return len(src.clicks) - len({r["event_id"] for r in src.clicks})


def join_skew(src: Sources, share: float = 0.20) -> set[str]:
    hot: set[str] = set()
    for rows in (src.clicks, src.revenue, src.account_events):
        counts = Counter(r["account_id"] for r in rows)
        hot |= {key for key, n in counts.items() if n > share * len(rows)}
    return hot


def newest_mtime(folder: Path) -> datetime:
    return max(datetime.fromtimestamp(p.stat().st_mtime, UTC) for p in folder.glob("*.parquet"))


def latest_month(src: Sources, source: str) -> date:
    if source == "revenue":
        return max(month_of(r["invoice_date"]) for r in src.revenue)
    if source in ("costs", "salaries"):
        return max(month_of(r["month"]) for r in getattr(src, source))
    column = "event_time"
    return max(month_of(at(r[column]).date()) for r in getattr(src, source))


def stale_upstream(src: Sources, root: Path, metas: dict[str, dict[str, Any]]) -> set[str]:
    feeds = {
        "profit": ("revenue", "costs", "salaries"),
        "growth": ("account_events",),
        "engagement": ("clicks",),
    }
    stale = set()
    for output, sources in feeds.items():
        meta = metas[output]
        written = datetime.fromisoformat(meta["written_at"])
        covered = date.fromisoformat(meta["months"]["last"])
        for source in sources:
            if written < newest_mtime(root / "sources" / source) or covered < latest_month(
                src, source
            ):
                stale.add(output)
    return stale


def missing_values(rows: list[dict[str, Any]], metrics: tuple[str, ...]) -> int:
    count = 0
    for row in rows:
        null = any(row[m] is None for m in metrics)
        zero = row["active_users"] == 0 or row["licensed_users"] == 0
        zero = zero or row["accounts"] + row["churned_accounts"] == 0
        count += null or zero
    return count


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- independent expectations for the outputs ----------------------------------------------------

LIVE = ("trial", "active", "renewed")
TYPES = ("free", "team", "enterprise")


def events_by_account(src: Sources) -> dict[str, list[dict[str, Any]]]:
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in src.account_events:
        by_account[row["account_id"]].append(row)
    for rows in by_account.values():
        rows.sort(key=lambda r: r["event_time"])
    return by_account


def state_before(rows: list[dict[str, Any]], instant: datetime) -> tuple[Any, Any, Any] | None:
    """(type, status, licensed users) forward-filled over events before ``instant``; None if no
    event yet."""
    cutoff = int(instant.timestamp() * MICROS)
    seen = [r for r in rows if r["event_time"] < cutoff]
    if not seen:
        return None

    def last(field: str) -> Any:
        return next((r[field] for r in reversed(seen) if r[field] is not None), None)

    return last("account_type"), last("subscription_status"), last("licensed_users")


def deduplicated_clicks(src: Sources) -> list[dict[str, Any]]:
    first: dict[str, dict[str, Any]] = {}
    for row in sorted(src.clicks, key=lambda r: r["ingested_at"]):
        first.setdefault(row["event_id"], row)
    return list(first.values())


def daily_engagement(src: Sources) -> dict[tuple[str, str, str], tuple[int, int]]:
    clicks: Counter[tuple[str, str, str]] = Counter()
    users: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in deduplicated_clicks(src):
        key = (at(row["event_time"]).date().isoformat(), row["account_id"], row["source_team"])
        clicks[key] += 1
        users[key].add(row["user_id"])
    return {key: (n, len(users[key])) for key, n in clicks.items()}


def aggregated(src: Sources) -> dict[tuple[date, str], dict[str, Any]]:
    """The executive table from the raw sources: type at month end, live accounts, ratios."""
    books = monthly_books(src)
    events = events_by_account(src)
    clicks: Counter[tuple[date, str]] = Counter()
    users: dict[tuple[date, str], set[str]] = defaultdict(set)
    for row in deduplicated_clicks(src):
        key = (month_of(at(row["event_time"]).date()), row["account_id"])
        clicks[key] += 1
        users[key].add(row["user_id"])
    revenue: Counter[tuple[date, str]] = Counter()
    for row in src.revenue:
        revenue[(month_of(row["invoice_date"]), row["account_id"])] += row["amount"]
    table = {}
    for month in sorted(books):
        end = datetime.combine(next_month(month), datetime.min.time(), tzinfo=UTC)
        start = datetime.combine(month, datetime.min.time(), tzinfo=UTC)
        cells = {t: defaultdict(float) for t in TYPES}
        for account, rows in events.items():
            now, before = state_before(rows, end), state_before(rows, start)
            if now is None or now[0] is None:
                continue
            kind, status, licences = now
            cell = cells[kind]
            cell["revenue"] += revenue.get((month, account), 0.0)
            cell["clicks"] += clicks.get((month, account), 0)
            cell["active_users"] += len(users.get((month, account), ()))
            if status in LIVE:
                cell["accounts"] += 1
                cell["licensed_users"] += licences or 0
            if status == "canceled" and (before is None or before[1] != "canceled"):
                cell["churned_accounts"] += 1
        total, profit = books[month]["revenue"], books[month]["profit"]
        for kind, cell in cells.items():

            def ratio(top: float, bottom: float) -> float | None:
                return top / bottom if bottom else None

            table[(month, kind)] = {
                "revenue": cell["revenue"],
                "profit_share": ratio(profit * cell["revenue"], total),
                "accounts": int(cell["accounts"]),
                "churned_accounts": int(cell["churned_accounts"]),
                "licensed_users": int(cell["licensed_users"]),
                "active_users": int(cell["active_users"]),
                "clicks": int(cell["clicks"]),
                "clicks_per_active_user": ratio(cell["clicks"], cell["active_users"]),
                "revenue_per_licensed_user": ratio(cell["revenue"], cell["licensed_users"]),
                "churn_rate": ratio(
                    cell["churned_accounts"], cell["accounts"] + cell["churned_accounts"]
                ),
            }
    return table
