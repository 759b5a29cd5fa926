"""The four pipelines, registered by id; each job module has one ``run(ctx)``.

This registry is plain data (no pyspark import), so ``pipeline list`` and ``--help`` stay instant;
the job module is imported only when the job runs.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from oncall.frozen import frozen


@frozen
class JobSpec:
    """What a pipeline reads and writes; its code is ``pipelines.jobs.<id>``."""

    id: str
    summary: str
    sources: tuple[str, ...] = ()
    #: the pipelines whose outputs it reads
    upstream: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.id.capitalize()

    def load(self) -> ModuleType:
        """The job module (it imports pyspark)."""
        return importlib.import_module(f"{__name__}.{self.id}")


JOBS: dict[str, JobSpec] = {
    spec.id: spec
    for spec in (
        JobSpec(
            "profit",
            "Revenue, opex, asset costs, salaries, expenses, profit and margin per month.",
            sources=("revenue", "costs", "salaries"),
            tables=("monthly", "revenue_by_account"),
        ),
        JobSpec(
            "growth",
            "Every account's status each week (forward-filled), counts by type and status, "
            "licensed users, new and churned accounts.",
            sources=("account_events",),
            tables=("weekly_status", "weekly_summary", "monthly_status"),
        ),
        JobSpec(
            "engagement",
            "Daily clicks and distinct users per account and source team, de-duplicated by "
            "event id; re-aggregates only the days that received new data.",
            sources=("clicks",),
            tables=("daily", "monthly"),
        ),
        JobSpec(
            "aggregated",
            "One row per month and account type joining Profit, Growth and Engagement, "
            "with the ratios executives read.",
            upstream=("profit", "growth", "engagement"),
            tables=("monthly",),
        ),
    )
}


def run_order(names: list[str]) -> list[JobSpec]:
    """The jobs ``names`` selects (``all`` is every job), once each, upstream before downstream."""
    wanted = set(JOBS) if "all" in names else set(names)
    return [spec for spec in JOBS.values() if spec.id in wanted]
