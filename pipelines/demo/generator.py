"""``pipeline demo-data``: build the world, plant the faults, write the sources and the manifest.

The data set covers ``--months`` months ending with ``--end-month`` (by default the latest month
whose Ops cost deadline, day 5 of the next month, has passed), so every delivery of the data set
has landed by "now" and a diagnose run now sees a finished month.

Two faults need history, not just data: ``late_arrivals`` (clicks landing after their day was
aggregated) and ``stale_upstream`` (an output older than its sources). The manifest therefore
describes a replay: a month-close run of every pipeline as of 06:00 UTC on the first day after the
data (``pipeline run all --as-of ...``), then a re-run of Profit, Engagement and Aggregated now.
On clean data the replay changes nothing any check sees.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from oncall.errors import UsageError
from oncall.frozen import frozen
from oncall.fsio import atomic_write_text
from pipelines.demo import faults as fault_catalog
from pipelines.demo.clicks import ClickPlan
from pipelines.demo.manifest import MANIFEST
from pipelines.demo.world import Calendar, World, add_months, build_filings, build_world, midnight
from pipelines.demo.writer import STAGING
from pipelines.progress import Quiet, Steps

MANIFEST_FORMAT = 1
UTC = UTC
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month; ``UsageError`` otherwise."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(f"--end-month: {text!r} is not a month (YYYY-MM)")
    return date(int(match.group(1)), int(match.group(2)), 1)


def cost_deadline_passed(month: date, now: datetime) -> bool:
    """Whether every delivery of ``month`` (the latest costs are due day 5 after) is in the past."""
    return midnight(add_months(month, 1).replace(day=6)) <= now


def default_end_month(now: datetime) -> date:
    """The latest month whose cost deadline has passed at ``now``."""
    month = add_months(now.astimezone(UTC).date().replace(day=1), -1)
    return month if cost_deadline_passed(month, now) else add_months(month, -1)


@frozen
class DemoOptions:
    """The size and shape of a demo data set; ``resolve`` fills in and checks the rest."""

    seed: int = 7
    accounts: int = 300
    months: int = 6
    clicks: int = 150_000
    partitions: int = 4
    end_month: date | None = None
    faults: frozenset[str] = field(default_factory=frozenset)
    hot_share: float = 0.4
    generated_at: datetime | None = None

    def resolve(self, now: datetime) -> DemoOptions:
        """These options with the end month and the generation instant set, or ``UsageError``."""
        now = now.astimezone(UTC)
        end = self.end_month or default_end_month(now)
        if not cost_deadline_passed(end, now):
            raise UsageError(
                f"--end-month {end:%Y-%m}: its deliveries land until day 5 of the next month, "
                f"after now ({now:%Y-%m-%d %H:%M} UTC); choose {default_end_month(now):%Y-%m} "
                "or earlier, or set ONCALL_NOW"
            )
        if not 3 <= self.months <= 36:
            raise UsageError("--months: between 3 and 36")
        if self.accounts < 30:
            raise UsageError("--accounts: at least 30 (no account may hold 20% of any source)")
        if not 0.21 <= self.hot_share <= 0.95:
            raise UsageError("--hot-share: between 0.21 and 0.95 (a hot account holds over 20%)")
        if self.seed < 0:
            raise UsageError("--seed: a number from 0")
        resolved = replace(self, end_month=end, generated_at=now)
        need = resolved.minimum_clicks()
        if self.clicks < need:
            raise UsageError(
                f"--clicks: {self.clicks:,} is too few for {self.months} months: at least "
                f"{need:,} (one every 6 minutes, so clean data has no 15-minute silence)"
            )
        return resolved

    @property
    def calendar(self) -> Calendar:
        assert self.end_month is not None, "resolve() first"
        return Calendar.ending(self.end_month, self.months)

    def click_start(self) -> datetime:
        """Clicks start with the data, or a month later when ``missing_values`` is planted."""
        cal = self.calendar
        if "missing_values" in self.faults:
            return midnight(cal.months[1])
        return cal.start

    def click_days(self) -> int:
        return (self.calendar.end - self.click_start()).days

    def minimum_clicks(self) -> int:
        from pipelines.demo.clicks import minimum_clicks

        return minimum_clicks(self.click_days())

    def as_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "accounts": self.accounts,
            "months": self.months,
            "clicks": self.clicks,
            "partitions": self.partitions,
            "end_month": f"{self.end_month:%Y-%m}" if self.end_month else None,
            "hot_share": self.hot_share,
            "faults": sorted(self.faults, key=list(fault_catalog.FAULTS).index),
        }


def check_out(out: Path) -> None:
    """Refuse an ``out`` that is not a folder, or a non-empty folder without a manifest: it is
    not ours to delete. ``pipeline demo-data`` asks before it starts Spark."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise UsageError(
            f"--out: {out} is not empty and holds no {MANIFEST}; choose an empty or new folder"
        )


def prepare_out(out: Path) -> None:
    """Make ``out`` ready: create it, or clear a previous demo data set (it has a manifest);
    refuse what ``check_out`` refuses."""
    check_out(out)
    if out.is_dir() and any(out.iterdir()):
        for name in ("sources", "outputs", STAGING, MANIFEST):
            path = out / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    out.mkdir(parents=True, exist_ok=True)


def generate(
    spark: SparkSession, out: Path, options: DemoOptions, steps: Steps | None = None
) -> dict[str, Any]:
    """Write the demo data set into ``out`` and return its manifest (also in ``out``)."""
    steps = steps or Quiet()
    assert options.generated_at is not None, "resolve() first"
    out = Path(out).absolute()
    prepare_out(out)

    steps.step("demo-data: simulating accounts and books")
    world, expected = plant_world(options)
    _check_no_hot_account(world, options)

    steps.step("demo-data: writing revenue, costs, salaries, filings, account events")
    counts = _write_books(spark, out, world)

    steps.step("demo-data: generating clicks")
    plan, late, dups = fault_catalog.plan_clicks(options, world)
    counts["clicks"] = _write_clicks(spark, out, world, plan, late, dups)

    steps.step("demo-data: writing the manifest")
    expected.update(_click_faults(spark, out, options, world, plan, late, dups, counts))
    manifest = build_manifest(out, options, options.calendar, counts, expected)
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(out / STAGING, ignore_errors=True)
    return manifest


def plant_world(options: DemoOptions) -> tuple[World, dict[str, dict[str, Any]]]:
    """The simulated world with the account- and finance-level faults planted, and the
    manifest entries of every fault (click-level ones still unplanted)."""
    world = build_world(options.seed, options.accounts, options.calendar)
    roles = fault_catalog.fault_accounts(world, options.seed)
    expected = {check: fault_catalog.unplanted(check) for check in fault_catalog.FAULTS}
    planted = options.faults
    if "cost_data_delay" in planted:
        expected["cost_data_delay"] = fault_catalog.plant_cost_data_delay(world)
    if "missing_current_status" in planted:
        expected["missing_current_status"] = fault_catalog.plant_missing_current_status(
            world, roles
        )
    if "skipped_states" in planted:
        expected["skipped_states"] = fault_catalog.plant_skipped_states(world, roles)
    if "stale_upstream" in planted:
        expected["stale_upstream"] = fault_catalog.plant_stale_upstream(world, roles)
    # filings are made from the books as delivered, so only a planted discrepancy breaks them
    world.filings = build_filings(world)
    if "filing_discrepancy" in planted:
        expected["filing_discrepancy"] = fault_catalog.plant_filing_discrepancy(world)
    return world, expected


def _write_clicks(
    spark: SparkSession,
    out: Path,
    world: World,
    plan: ClickPlan,
    late: list[tuple[int, int, int]],
    dups: list[int],
) -> dict[str, int]:
    """Generate and write the clicks: one file per day (landing 00:10 the next day), plus the
    late batch; Spark does all the work."""
    from pipelines.demo import clicks as click_gen
    from pipelines.demo import writer

    accounts = spark.createDataFrame(
        [(i, a.id, a.pool) for i, a in enumerate(world.accounts)],
        "idx int, account_id string, pool int",
    )
    existing = spark.createDataFrame(
        _existing_per_day(world, plan.start, plan.days), "day int, existing int"
    )
    events = click_gen.decorate(click_gen.base_events(spark, plan), plan, accounts, existing)
    if dups:
        events = events.unionByName(click_gen.duplicates(events, dups, plan.seed))
    days = [plan.start.date() + timedelta(days=d) for d in range(plan.days)]
    landed = {
        day.isoformat(): midnight(day + timedelta(days=1)) + timedelta(minutes=10) for day in days
    }
    order = ("kafka_partition", "kafka_offset", "ingested_at")
    by_day = events.withColumn(writer.BATCH, F.date_format("event_time", "yyyy-MM-dd"))
    files = writer.write_source(by_day, out, "clicks", landed, order)
    if late:
        frame = spark.createDataFrame(late, "seq long, event_micros long, ingested_micros long")
        late_events = click_gen.decorate(frame, plan, accounts, existing)
        landing = max(datetime.fromtimestamp(i / 1e6, UTC) for _, _, i in late)
        landing = landing.replace(microsecond=0) + timedelta(seconds=1)
        batch = f"late-{landing.date().isoformat()}"
        late_batch = late_events.withColumn(writer.BATCH, F.lit(batch))
        files += writer.write_source(late_batch, out, "clicks", {batch: landing}, order)
    return {"rows": plan.total + len(dups) + len(late), "files": len(files)}


def _click_faults(
    spark: SparkSession,
    out: Path,
    options: DemoOptions,
    world: World,
    plan: ClickPlan,
    late: list[tuple[int, int, int]],
    dups: list[int],
    counts: dict[str, dict[str, int]],
) -> dict[str, dict[str, Any]]:
    """The manifest entries of the click-level faults that were planted."""
    planted, entries = options.faults, {}
    if "late_arrivals" in planted:
        entries["late_arrivals"] = fault_catalog.late_entry(late, options.seed, options.calendar)
    if "kafka_gap" in planted:
        entries["kafka_gap"] = fault_catalog.kafka_gap_entry(spark, plan)
    if "duplicate_events" in planted:
        entries["duplicate_events"] = fault_catalog.duplicate_entry(dups, options.seed)
    if "missing_values" in planted:
        entries["missing_values"] = fault_catalog.missing_values_entry(options.calendar)
    if "join_skew" in planted:
        rows = counts["clicks"]["rows"]
        entries["join_skew"] = fault_catalog.join_skew_entry(spark, out, world, plan, rows)
    return entries


def _check_no_hot_account(world: World, options: DemoOptions) -> None:
    """Refuse a set too small for its own clean data: no account may near 20% of a source."""
    per_source = {
        "revenue": Counter(i.account_id for i in world.invoices),
        "account_events": Counter(e.account_id for a in world.accounts for e in a.events),
    }
    for source, counts in per_source.items():
        account, rows = counts.most_common(1)[0]
        share = rows / sum(counts.values())
        if share > 0.18:
            raise UsageError(
                f"--accounts: {options.accounts} accounts are too few for seed {options.seed}: "
                f"{account} would hold {share:.0%} of the {source} rows (join_skew fires over "
                "20%); use more accounts"
            )


def _existing_per_day(world: World, start: datetime, days: int) -> list[tuple[int, int]]:
    """How many accounts (by signup order) exist by the end of each day of the click period."""
    signups = [a.signup for a in world.accounts]
    rows = []
    for day in range(days):
        cutoff = start + timedelta(days=day + 1)
        rows.append((day, max(1, sum(1 for s in signups if s < cutoff))))
    return rows


def _write_books(spark: SparkSession, out: Path, world: World) -> dict[str, dict[str, int]]:
    """Write every source but clicks; one file per delivery, stamped with its landing time."""
    from pipelines.demo import writer

    cal = world.calendar
    counts: dict[str, dict[str, int]] = {}

    def month_key(day: date) -> str:
        return f"{day:%Y-%m}"

    def first_of_next(month: date, hours: float) -> datetime:
        return midnight(add_months(month, 1)) + timedelta(hours=hours)

    def write(
        source: str,
        rows: list[tuple[Any, ...]],
        batches: list[str],
        landed: dict[str, datetime],
        order: tuple[str, ...],
    ) -> None:
        frame = writer.rows_frame(spark, source, rows, batches)
        files = writer.write_source(frame, out, source, landed, order)
        counts[source] = {"rows": len(rows), "files": len(files)}

    write(
        "revenue",
        [(i.account_id, i.invoice_date, i.amount) for i in world.invoices],
        [month_key(i.invoice_date) for i in world.invoices],
        {month_key(m): first_of_next(m, 1) for m in cal.months},
        ("invoice_date", "account_id", "amount"),
    )
    write(
        "costs",
        [(c.cost_center, c.month, c.category, c.amount, c.delivered_at) for c in world.costs],
        [f"{c.month:%Y-%m}-{c.cost_center}" for c in world.costs],
        {f"{c.month:%Y-%m}-{c.cost_center}": c.delivered_at for c in world.costs},
        ("month", "cost_center", "category"),
    )
    write(
        "salaries",
        [(s.team, s.month, s.amount) for s in world.salaries],
        [month_key(s.month) for s in world.salaries],
        {month_key(m): midnight(m.replace(day=25)) + timedelta(hours=18) for m in cal.months},
        ("month", "team"),
    )
    write(
        "filings",
        [(f.month, f.revenue, f.expenses, f.profit, f.verified_by) for f in world.filings],
        [month_key(f.month) for f in world.filings],
        {
            month_key(f.month): midnight(add_months(f.month, 1).replace(day=20))
            + timedelta(hours=10)
            for f in world.filings
        },
        ("month",),
    )
    events = [e for a in world.accounts for e in a.events]
    batches = [month_key(e.time.date()) for e in events]
    landed = {month_key(m): first_of_next(m, 0.5) for m in cal.months}
    if world.late_events:
        landing = fault_catalog.stale_landing(cal)
        batch = f"late-{landing.date().isoformat()}"
        events += world.late_events
        batches += [batch] * len(world.late_events)
        landed[batch] = landing
    write(
        "account_events", [e.row() for e in events], batches, landed, ("account_id", "event_time")
    )
    return counts


def build_manifest(
    out: Path,
    options: DemoOptions,
    cal: Calendar,
    counts: dict[str, dict[str, int]],
    expected: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The manifest: options, months, sources, the replay, and per check what it must report."""
    assert options.generated_at is not None
    close = cal.month_close.isoformat()
    needed = any(expected[c]["planted"] for c in ("late_arrivals", "stale_upstream"))
    commands = [
        f"pipeline run all --data {out} --as-of {close}",
        f"pipeline run profit engagement aggregated --data {out}",
    ]
    return {
        "format": MANIFEST_FORMAT,
        "generator": "pipeline demo-data",
        "generated_at": options.generated_at.isoformat(),
        "as_of": options.generated_at.isoformat(),
        "options": options.as_json(),
        "months": [m.isoformat() for m in cal.months],
        "sources": {
            name: counts[name]
            for name in ("revenue", "costs", "salaries", "filings", "account_events", "clicks")
        },
        "replay": {
            "needed": needed,
            "month_close": close,
            "commands": commands,
            "argv": [
                ["run", "all", "--as-of", close],
                ["run", "profit", "engagement", "aggregated"],
            ],
            "why": "late_arrivals and stale_upstream are about history: the month-close run "
            "aggregates every day of the latest month before the late clicks land, and Growth is "
            "not re-run after the late account events land. The counts below assume this replay "
            "(on clean data it changes nothing a check sees), then diagnose with --as-of at or "
            "after as_of.",
        },
        "expected": expected,
    }
