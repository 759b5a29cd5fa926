"""``pipeline diagnose``: ten checks (docs/diagnose.md), a few Spark actions per pipeline.

Layout:

    model.py        plain results (CheckResult, PipelineReport), statuses, bounded samples
    inputs.py       what a check reads: sources by column (a bad column fails only the checks
                    that read it), output metadata, the diagnose context with its thresholds
    fold.py         single-row metric frames of many checks computed by one Spark action
    runner.py       diagnose pipelines, attach runbook remediation, exit code, history entries
    report.py       table, JSON and JUnit renderings (no pyspark)
    profit.py  growth.py  engagement.py  aggregated.py   the checks of each pipeline

Nothing here imports pyspark at module level except the four check modules, which the runner
imports only when it diagnoses their pipeline.
"""

from __future__ import annotations

from oncall.config import catalog

#: the module holding each pipeline's checks
MODULES: dict[str, str] = {pipeline: f"pipelines.checks.{pipeline}" for pipeline in catalog.CHECKS}
