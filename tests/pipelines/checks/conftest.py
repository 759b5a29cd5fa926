"""Helpers for the diagnose tests: run one pipeline's checks on a data root, build runbooks."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from oncall.config.models import SLA, OnCall, Owners, Runbook
from pipelines.checks import runner
from pipelines.checks.model import CheckResult
from pipelines.layout import DataRoot


def checks_of(
    spark: Any,
    data: DataRoot,
    pipeline: str,
    as_of: datetime,
    runbook: Runbook | None = None,
    replay: bool = False,
) -> dict[str, CheckResult]:
    """Each check of ``pipeline`` by id, as ``pipeline diagnose`` computes it."""
    diagnosis = runner.diagnose(
        spark, data, [pipeline], {pipeline: runbook}, as_of=as_of, replay=replay
    )
    return {check.id: check for check in diagnosis.reports[0].checks}


def runbook(pipeline: str, thresholds: dict[str, dict[str, float]]) -> Runbook:
    """A minimal runbook of ``pipeline`` with these thresholds (the rest default)."""
    return Runbook(
        id=pipeline,
        name=pipeline.title(),
        owners=Owners(primary=("Data Engineering",)),
        data_sources=(),
        common_issues=(),
        sla=SLA(summary="test"),
        on_call=OnCall(rotation=None, policy="immediate"),
        thresholds=thresholds,
    )


def write_meta(data: DataRoot, pipeline: str, **meta: Any) -> None:
    """A committed ``_meta.json`` for ``pipeline`` with these keys (no tables)."""
    folder = data.output_dir(pipeline)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_meta.json").write_text(json.dumps({"format": 1, "pipeline": pipeline, **meta}))
