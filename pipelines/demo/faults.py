"""The faults ``pipeline demo-data --faults`` can plant: exactly the diagnose check ids.

Each fault is planted alone or with others without changing the others' counts; the manifest
says, per check id, what was planted and the count the check must report.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from oncall.config import catalog
from oncall.errors import UsageError
from pipelines.demo.world import Account, Calendar, Event, Filing, Invoice, World, add_months

#: what planting each fault does to the data (the manifest repeats it)
FAULTS: dict[str, str] = {
    "filing_discrepancy": "the latest filed month's filing overstates revenue and profit",
    "cost_data_delay": "one cost center's costs for a month land after day 5 of the next month, "
    "and the latest month's costs never land",
    "missing_current_status": "one account whose events all lack a status, one whose events all "
    "lack a type, and one account with revenue but no events",
    "skipped_states": "two accounts skip a subscription status, one skips an account type",
    "late_arrivals": "a batch of clicks from the last days of the latest month lands after the "
    "month-close run aggregated those days; some are also over 48 h late",
    "kafka_gap": "a 48-minute Kafka outage (no events at all) and a hole in one partition's "
    "offsets",
    "duplicate_events": "some click events are written twice (same event_id, partition, offset)",
    "stale_upstream": "a late file of account events lands after the month-close run, and Growth "
    "is not re-run",
    "missing_values": "the first month has no clicks at all",
    "join_skew": "one account produces a large share of all clicks",
}

assert tuple(FAULTS) == catalog.CHECK_IDS, "fault ids must be the check ids, in order"


def parse_faults(text: str) -> frozenset[str]:
    """``all``, ``none`` or check ids separated by commas; ``UsageError`` naming unknown ids."""
    value = text.strip().lower()
    if value == "all":
        return frozenset(FAULTS)
    if value in ("none", ""):
        return frozenset()
    ids = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [i for i in ids if i not in FAULTS]
    if unknown:
        raise UsageError(
            *(
                f"--faults: unknown fault {i!r} (known: all, none, {', '.join(FAULTS)})"
                for i in unknown
            )
        )
    return frozenset(ids)


# --- planting ----------------------------------------------------------------------------------
# Each plant_* function changes the world (or the click plan) for one fault and returns what the
# manifest says about it: the count its check must report (docs/diagnose.md says what each counts).

NEEDS_REPLAY = ("late_arrivals", "stale_upstream")
FILING_DELTA = 2_500.00
LATE_COST_CENTER = "platform"
LEGACY_ACCOUNT = "acc-legacy-01"
BAD_STATUS = {"trial": "renewed", "active": "trial", "renewed": "active", "canceled": "renewed"}
BAD_TYPE = {"free": "enterprise", "enterprise": "free"}
OUTAGE_MINUTES = 48
OFFSET_GAP_WIDTH = 9


def entry(check: str, count: int, details: list[dict[str, Any]] | dict[str, Any]) -> dict[str, Any]:
    """The manifest's entry for a planted fault."""
    return {
        "pipeline": catalog.CHECK_PIPELINE[check],
        "planted": True,
        "count": count,
        "unit": catalog.CHECK_UNITS[check],
        "what": FAULTS[check],
        "requires_replay": check in NEEDS_REPLAY,
        "details": details,
    }


def unplanted(check: str) -> dict[str, Any]:
    """The manifest's entry for a fault not planted: the check must not fire."""
    return {
        "pipeline": catalog.CHECK_PIPELINE[check],
        "planted": False,
        "count": 0,
        "unit": catalog.CHECK_UNITS[check],
        "what": None,
        "requires_replay": False,
        "details": [],
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def deadline(month: date) -> datetime:
    """The Ops cost deadline of ``month``: day 5 of the next month, 23:59:59 UTC."""
    return datetime.combine(add_months(month, 1).replace(day=5), time(23, 59, 59), tzinfo=UTC)


def fault_accounts(world: World, seed: int) -> dict[str, list[Account]]:
    """The accounts each account-level fault uses: disjoint, never an anchor, and the same
    whichever faults are planted (so a fault planted alone touches the same accounts)."""
    end = world.calendar.end - timedelta(days=2)
    candidates = [
        a for a in world.accounts if not a.anchor and len(a.events) >= 2 and a.events[-1].time < end
    ]
    random.Random(f"{seed}:fault-accounts").shuffle(candidates)
    roles: dict[str, list[Account]] = {
        "missing_status": candidates[0:2],
        "skipped_status": candidates[2:4],
    }
    rest = candidates[4:]
    typed = [a for a in rest if a.last_type() in BAD_TYPE][:1]
    rest = [a for a in rest if a not in typed]
    roles["skipped_type"] = typed
    roles["stale"] = rest[:4]
    if (
        len(roles["missing_status"]) < 2
        or len(roles["skipped_status"]) < 2
        or not typed
        or len(roles["stale"]) < 4
    ):
        raise UsageError("--accounts: too few accounts to plant every fault; use at least 30")
    return roles


def plant_filing_discrepancy(world: World) -> dict[str, Any]:
    """The latest filing overstates revenue (and so profit) by 2,500.00."""
    index = len(world.filings) - 1
    right = world.filings[index]
    wrong = Filing(
        right.month,
        round(right.revenue + FILING_DELTA, 2),
        right.expenses,
        round(right.profit + FILING_DELTA, 2),
        right.verified_by,
    )
    world.filings[index] = wrong
    return entry(
        "filing_discrepancy",
        1,
        [
            {
                "month": right.month.isoformat(),
                "field": "revenue",
                "filed": wrong.revenue,
                "actual": right.revenue,
            },
            {
                "month": right.month.isoformat(),
                "field": "profit",
                "filed": wrong.profit,
                "actual": right.profit,
            },
        ],
    )


def plant_cost_data_delay(world: World) -> dict[str, Any]:
    """One cost center's costs of the third-latest month land on day 9; the latest month's never."""
    months = world.calendar.months
    late_month, missing_month = months[-3], months[-1]
    landed = datetime.combine(add_months(late_month, 1).replace(day=9), time(10, 0), tzinfo=UTC)
    late_rows = 0
    costs = []
    for cost in world.costs:
        if cost.month == missing_month:
            continue
        if cost.month == late_month and cost.cost_center == LATE_COST_CENTER:
            cost = replace(cost, delivered_at=landed)
            late_rows += 1
        costs.append(cost)
    world.costs = costs
    return entry(
        "cost_data_delay",
        2,
        [
            {
                "month": late_month.isoformat(),
                "kind": "late",
                "cost_center": LATE_COST_CENTER,
                "rows": late_rows,
                "delivered_at": _iso(landed),
                "deadline": _iso(deadline(late_month)),
            },
            {
                "month": missing_month.isoformat(),
                "kind": "missing",
                "deadline": _iso(deadline(missing_month)),
            },
        ],
    )


def plant_missing_current_status(world: World, roles: dict[str, list[Account]]) -> dict[str, Any]:
    """An account whose events all lack a status, one whose events all lack a type, and an
    account that is invoiced every month but has no events at all."""
    no_status, no_type = roles["missing_status"]
    for event in no_status.events:
        event.status = None
    for event in no_type.events:
        event.account_type = None
    for month in world.calendar.months:
        world.invoices.append(Invoice(LEGACY_ACCOUNT, month.replace(day=10), 900.00))
    return entry(
        "missing_current_status",
        3,
        [
            {"account_id": no_status.id, "reason": "every event has a null subscription_status"},
            {"account_id": no_type.id, "reason": "every event has a null account_type"},
            {"account_id": LEGACY_ACCOUNT, "reason": "revenue but no events"},
        ],
    )


def plant_skipped_states(world: World, roles: dict[str, list[Account]]) -> dict[str, Any]:
    """Two accounts jump to a status they cannot reach, one to a type it cannot reach."""
    details = []
    end = world.calendar.end
    moves = [(a, "subscription_status") for a in roles["skipped_status"]]
    moves += [(a, "account_type") for a in roles["skipped_type"]]
    for account, column in moves:
        last = account.events[-1].time
        moment = (last + min(timedelta(days=2), (end - last) / 2)).replace(microsecond=0)
        if column == "subscription_status":
            before = account.last_status()
            assert before is not None
            after = BAD_STATUS[before]
            account.events.append(Event(account.id, moment, None, None, after))
        else:
            before = account.last_type()
            assert before is not None
            after = BAD_TYPE[before]
            account.events.append(Event(account.id, moment, after, None, None))
        details.append(
            {
                "account_id": account.id,
                "field": column,
                "from": before,
                "to": after,
                "event_time": _iso(moment),
            }
        )
    return entry("skipped_states", len(details), details)


def stale_landing(cal: Calendar) -> datetime:
    """When the late account events land: 30 hours after the month-close run."""
    return cal.month_close + timedelta(hours=30)


def plant_stale_upstream(world: World, roles: dict[str, list[Account]]) -> dict[str, Any]:
    """Corrections for four accounts (their unchanged state, so no check but this one notices)
    land after the month-close run; the replay does not re-run Growth."""
    cal = world.calendar
    moment = cal.end - timedelta(hours=3)
    for account in roles["stale"]:
        kind, users, status = account.state_at(moment)
        world.late_events.append(Event(account.id, moment, kind, users, status))
    landing = stale_landing(cal)
    name = f"sources/account_events/account_events-late-{landing.date().isoformat()}.parquet"
    return entry(
        "stale_upstream",
        1,
        [
            {
                "output": "growth",
                "source": "account_events",
                "file": name,
                "landed_at": _iso(landing),
                "output_written_at": _iso(cal.month_close),
                "events": len(roles["stale"]),
            }
        ],
    )


# --- the click-level faults ----------------------------------------------------------------------


def plan_clicks(options: Any, world: World) -> tuple[Any, list[tuple[int, int, int]], list[int]]:
    """The click plan with the click-level faults in it, the late events and the duplicated seqs."""
    from pipelines.demo.clicks import SLOTS_PER_DAY, ClickPlan, OffsetGap, plan_slots

    seed, faults, partitions = options.seed, options.faults, options.partitions
    start, days = options.click_start(), options.click_days()
    outage = None
    if "kafka_gap" in faults:
        # 03:00 UTC on the middle day: eight silent 6-minute slots
        first = (days // 2) * SLOTS_PER_DAY + 30
        outage = (first, first + OUTAGE_MINUTES // 6)
    silent = range(*outage) if outage else range(0)
    counts = plan_slots(seed, start, days, options.clicks, silent)
    rng = random.Random(f"{seed}:kafka")
    bases = tuple(rng.randint(10_000, 5_000_000) for _ in range(partitions))
    total = sum(counts)
    gap = None
    if "kafka_gap" in faults:
        gap = OffsetGap(
            partition=1 % partitions, at=(total // partitions) * 3 // 5, width=OFFSET_GAP_WIDTH
        )
    hot = None
    if "join_skew" in faults:
        hot = next(
            i for i, a in enumerate(world.accounts) if a.anchor and a.last_type() == "enterprise"
        )
    plan = ClickPlan(
        seed=seed,
        start=start,
        days=days,
        partitions=partitions,
        slot_counts=counts,
        offset_bases=bases,
        offset_gap=gap,
        hot_account=hot,
        hot_share=options.hot_share if hot is not None else 0.0,
        outage=outage,
    )
    dups: list[int] = []
    if "duplicate_events" in faults:
        dups = sorted(
            random.Random(f"{seed}:duplicates").sample(
                range(total), max(5, min(2_000, total // 2_000))
            )
        )
    late: list[tuple[int, int, int]] = []
    if "late_arrivals" in faults:
        late = _late_events(seed, world.calendar, total, max(6, min(500, total // 1_000)))
    return plan, late, dups


def _late_events(
    seed: int, cal: Calendar, first_seq: int, count: int
) -> list[tuple[int, int, int]]:
    """(seq, event micros, ingested micros): half from the afternoon of the last day (inside the
    48-hour SLA), half from three or four days earlier (outside it), all ingested 1 minute to 20
    hours after the month-close run."""
    rng = random.Random(f"{seed}:late")
    last_day = cal.end - timedelta(days=1)
    rows = []
    for index in range(count):
        if index < count // 2:
            event = last_day + timedelta(hours=12, seconds=rng.randint(0, 11 * 3_600 + 50 * 60))
        else:
            event = (
                last_day
                - timedelta(days=rng.choice((3, 4)))
                + timedelta(seconds=rng.randint(0, 86_399))
            )
        ingested = cal.month_close + timedelta(seconds=rng.randint(60, 20 * 3_600))
        rows.append(
            (
                first_seq + index,
                int(event.timestamp()) * 1_000_000,
                int(ingested.timestamp()) * 1_000_000,
            )
        )
    return rows


def event_id(seed: int, seq: int) -> str:
    """The event_id the generator gives event ``seq`` (the Spark format, in Python)."""
    return f"evt-{seed}-{seq:011d}"


def duplicate_entry(seqs: list[int], seed: int) -> dict[str, Any]:
    return entry(
        "duplicate_events",
        len(seqs),
        {
            "duplicated_events": len(seqs),
            "copies_each": 2,
            "sample_event_ids": [event_id(seed, s) for s in seqs[:20]],
        },
    )


def late_entry(late: list[tuple[int, int, int]], seed: int, cal: Calendar) -> dict[str, Any]:
    sla = 48 * 3_600 * 1_000_000
    missed = sum(1 for _, event, ingested in late if ingested - event > sla)
    days = sorted({datetime.fromtimestamp(e / 1e6, UTC).date().isoformat() for _, e, _ in late})
    return entry(
        "late_arrivals",
        len(late),
        {
            "sla_missed": missed,
            "within_sla": len(late) - missed,
            "days": days,
            "first_aggregated_at": _iso(cal.month_close),
            "event_ids": [event_id(seed, s) for s, _, _ in late],
        },
    )


def kafka_gap_entry(spark: Any, plan: Any) -> dict[str, Any]:
    """The outage (exact silence between the events around it) and the offset hole."""
    from pyspark.sql import functions as F

    from pipelines.demo.clicks import base_events

    first, stop = plan.outage
    rows = (
        base_events(spark, plan, only_slots=(first - 1, stop))
        .agg(
            F.max(
                F.when(
                    F.col("event_micros") < int(plan.slot_start(first).timestamp()) * 1_000_000,
                    F.col("event_micros"),
                )
            ).alias("before"),
            F.min(
                F.when(
                    F.col("event_micros") >= int(plan.slot_start(stop).timestamp()) * 1_000_000,
                    F.col("event_micros"),
                )
            ).alias("after"),
        )
        .first()
    )
    assert rows is not None  # an aggregate without grouping always has one row
    before = datetime.fromtimestamp(rows["before"] / 1e6, UTC)
    after = datetime.fromtimestamp(rows["after"] / 1e6, UTC)
    gap = plan.offset_gap
    first_missing = plan.offset_bases[gap.partition] + gap.at
    return entry(
        "kafka_gap",
        2,
        [
            {
                "kind": "time",
                "last_event_before": _iso(before),
                "first_event_after": _iso(after),
                "minutes": round((after - before).total_seconds() / 60, 2),
            },
            {
                "kind": "offset",
                "partition": gap.partition,
                "first_missing": first_missing,
                "last_missing": first_missing + gap.width - 1,
                "missing": gap.width,
            },
        ],
    )


def join_skew_entry(spark: Any, out: Any, world: World, plan: Any, rows: int) -> dict[str, Any]:
    """The hot account and its exact share of the clicks written."""
    from pyspark.sql import functions as F

    from pipelines import sources
    from pipelines.layout import DataRoot

    hot = world.accounts[plan.hot_account].id
    clicks, _ = sources.read_source(spark, DataRoot(out), "clicks")
    hot_rows = clicks.where(F.col("account_id") == hot).count()
    return entry(
        "join_skew",
        1,
        [
            {
                "account_id": hot,
                "source": "clicks",
                "rows": hot_rows,
                "share": round(hot_rows / rows, 4),
            }
        ],
    )


def missing_values_entry(cal: Calendar) -> dict[str, Any]:
    first = cal.months[0].isoformat()
    return entry(
        "missing_values",
        3,
        [
            {
                "month": first,
                "account_type": kind,
                "metric": "clicks_per_active_user",
                "zero_denominator": "active_users",
            }
            for kind in ("free", "team", "enterprise")
        ],
    )
