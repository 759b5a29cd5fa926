"""The four pipelines, registered by id; each job module has one ``run(ctx)``.

This registry is plain data (no pyspark import), so ``pipeline list`` and ``--help`` stay instant;
the job module is imported only when the job runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class JobSpec:
    """What a pipeline reads and writes, and where its code is."""

    id: str
    title: str
    summary: str
    sources: tuple[str, ...]
    upstream: tuple[str, ...]
    tables: tuple[str, ...]
    module: str

    def load(self) -> ModuleType:
        """The job module (it imports pyspark)."""
        return importlib.import_module(self.module)


JOBS: dict[str, JobSpec] = {
    "profit": JobSpec(
        id="profit",
        title="Profit",
        summary="Revenue, opex, asset costs, salaries, expenses, profit and margin per month.",
        sources=("revenue", "costs", "salaries"),
        upstream=(),
        tables=("monthly", "revenue_by_account"),
        module="pipelines.jobs.profit",
    ),
    "growth": JobSpec(
        id="growth",
        title="Growth",
        summary="Every account's status each week (forward-filled), counts by type and status, "
        "licensed users, new and churned accounts.",
        sources=("account_events",),
        upstream=(),
        tables=("weekly_status", "weekly_summary", "monthly_status"),
        module="pipelines.jobs.growth",
    ),
    "engagement": JobSpec(
        id="engagement",
        title="Engagement",
        summary="Daily clicks and distinct users per account and source team, de-duplicated by "
        "event id; re-aggregates only the days that received new data.",
        sources=("clicks",),
        upstream=(),
        tables=("daily", "monthly"),
        module="pipelines.jobs.engagement",
    ),
    "aggregated": JobSpec(
        id="aggregated",
        title="Aggregated",
        summary="One row per month and account type joining Profit, Growth and Engagement, "
        "with the ratios executives read.",
        sources=(),
        upstream=("profit", "growth", "engagement"),
        tables=("monthly",),
        module="pipelines.jobs.aggregated",
    ),
}


def run_order(names: list[str]) -> list[JobSpec]:
    """The jobs ``names`` selects (``all`` is every job), once each, upstream before downstream."""
    wanted = set(JOBS) if "all" in names else set(names)
    return [spec for spec in JOBS.values() if spec.id in wanted]
