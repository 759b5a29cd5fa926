"""Diagnose pipelines: each pipeline's checks in one fold, its runbook attached, one verdict.

Exit codes (docs/diagnose.md; docs/reference.md, "Exit codes"): 3 when any check could not be
evaluated (its data could not be read, or Spark failed), else 1 when any check fails (or warns,
with ``--strict``), else 0. An unreadable input outranks a failure: the verdict is incomplete,
and CI must not mistake "some checks failed" for the whole story. The report still lists every
check that ran.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall.config import catalog
from oncall.errors import ConfigError, DataError
from oncall.frozen import frozen
from pipelines import spark_errors
from pipelines.checks import MODULES
from pipelines.checks.inputs import Context, Inputs
from pipelines.checks.model import ERROR, FAIL, WARN, CheckResult, PipelineReport
from pipelines.layout import DataRoot
from pipelines.progress import Quiet, Steps
from pipelines.spark_errors import translated

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from oncall.config.models import Runbook
    from oncall.config.workspace import Workspace


@frozen
class Diagnosis:
    """The result of one ``pipeline diagnose`` run."""

    data: DataRoot
    as_of: datetime
    #: when the run happened (``ONCALL_NOW`` honoured)
    at: datetime
    reports: tuple[PipelineReport, ...]

    def exit_code(self, strict: bool = False) -> int:
        """3 if a check could not be evaluated, 1 if one fails (or warns when strict), else 0."""
        statuses = {c.status for r in self.reports for c in r.checks}
        if ERROR in statuses:
            return 3
        if FAIL in statuses or (strict and WARN in statuses):
            return 1
        return 0

    def error_lines(self) -> list[str]:
        """One line per distinct reason checks could not be evaluated, naming them:
        ``engagement.kafka_gap: ...``, or just ``engagement: ...`` when it stopped all of a
        pipeline's checks."""
        reasons: dict[str, dict[str, list[str]]] = {}
        for report in self.reports:
            for check in report.checks:
                if check.status == ERROR:
                    affected = reasons.setdefault(check.error or check.summary, {})
                    affected.setdefault(report.pipeline, []).append(check.id)
        lines = []
        for reason, affected in reasons.items():
            names = [
                pipeline
                if len(checks) == len(catalog.CHECKS[pipeline])
                else ", ".join(f"{pipeline}.{c}" for c in checks)
                for pipeline, checks in affected.items()
            ]
            lines.append(f"{', '.join(names)}: {reason}")
        return lines

    def as_json(self) -> dict[str, Any]:
        """The ``--format json`` report: ``{"pipelines": [...]}``, the data root and instants."""
        return {
            "pipelines": [r.as_json() for r in self.reports],
            "data": str(self.data.path),
            "as_of": self.as_of.isoformat(),
            "at": self.at.isoformat(),
        }

    def history_entries(self) -> list[dict[str, Any]]:
        """One line per pipeline for ``oncall.history.record_runs``."""
        return [
            {
                "at": self.at.isoformat(),
                "pipeline": report.pipeline,
                "status": report.status,
                "data": str(self.data.path),
                "as_of": self.as_of.isoformat(),
                # the verdict and its words, not the sample rows: the history stays small
                # (docs/web.md shows the latest run from it)
                "checks": [
                    {
                        "id": c.id,
                        "status": c.status,
                        "count": c.count,
                        "summary": c.summary,
                        "unit": c.unit,
                        "title": c.title,
                        "error": c.error,
                    }
                    for c in report.checks
                ],
            }
            for report in self.reports
        ]


def _with_runbook(result: CheckResult, runbook: Runbook | None) -> CheckResult:
    issue = runbook.issue(result.id) if runbook is not None else None
    return result.with_runbook(
        issue.title if issue else None,
        issue.remediation if issue else None,
        catalog.CHECK_UNITS[result.id],
    )


def diagnose_pipeline(ctx: Context, pipeline: str) -> PipelineReport:
    """One pipeline's checks, in the catalog's order, with its runbook's remediation."""
    module = importlib.import_module(MODULES[pipeline])
    checks = catalog.CHECKS[pipeline]
    try:
        with translated(f"diagnose {pipeline}", ctx.data):
            results = {r.id: r for r in module.diagnose(ctx)}
    except DataError as error:
        # a failure outside the folds (planning a query): none of the pipeline's checks ran
        results = {c: CheckResult.failed_to_evaluate(c, error.lines) for c in checks}
    stopped = spark_errors.abort_reason()
    if stopped is not None:
        # Spark stopped as a whole meanwhile: that, not what each check happened to hit, is why
        results = {
            c: CheckResult.failed_to_evaluate(c, [stopped]) if r.status == ERROR else r
            for c, r in results.items()
        }
    return PipelineReport(pipeline, tuple(_with_runbook(results[c], ctx.runbook) for c in checks))


def diagnose(
    spark: SparkSession,
    data: DataRoot,
    pipelines: Sequence[str],
    runbooks: Mapping[str, Runbook | None],
    *,
    as_of: datetime,
    replay: bool = False,
    at: datetime | None = None,
    progress: Steps | None = None,
    on_wait: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> Diagnosis:
    """Diagnose ``pipelines`` over ``data`` as of ``as_of``.

    ``replay`` (an explicit ``--as-of``) also hides source files landed after ``as_of``, as
    ``pipeline run --as-of`` does; without it every file is read and ``as_of`` (now) only
    decides which rows were delivered and which deadlines have passed.

    ``workers`` pipelines are diagnosed at once, each from its own thread over the one session
    (default: all of them over Spark Connect, whose server runs the queries side by side; one
    at a time on a Spark of this process). The reports keep the order of ``pipelines`` whatever
    finishes first: only the time changes.
    """
    as_of = as_of.astimezone(UTC)
    inputs = Inputs(spark, data, as_of if replay else None)

    def one(pipeline: str) -> PipelineReport:
        stopped = spark_errors.abort_reason()
        if stopped is not None:
            # Spark was stopped (no executor left): the other pipelines would wait as long again
            checks = catalog.CHECKS[pipeline]
            results = (CheckResult.failed_to_evaluate(c, [stopped]) for c in checks)
            runbook = runbooks.get(pipeline)
            return PipelineReport(pipeline, tuple(_with_runbook(r, runbook) for r in results))
        ctx = Context(
            spark,
            data,
            inputs,
            as_of,
            runbook=runbooks.get(pipeline),
            progress=progress or Quiet(),
            on_wait=on_wait,
        )
        return diagnose_pipeline(ctx, pipeline)

    if workers is None:
        from pipelines.session import is_connect

        connect = is_connect(spark)
        if connect:
            _fewer_shuffle_partitions(spark)
        workers = len(pipelines) if connect else 1
    workers = max(1, min(workers, len(pipelines)))
    if workers == 1:
        reports = [one(pipeline) for pipeline in pipelines]
    else:
        from concurrent.futures import ThreadPoolExecutor

        # every source inspected at once (a round trip and a footer job each), not each
        # pipeline's in turn: then each pipeline's checks at once
        needed = [s for p in pipelines for s in importlib.import_module(MODULES[p]).SOURCES]
        ahead = list(dict.fromkeys(needed))
        with (
            ThreadPoolExecutor(len(ahead), thread_name_prefix="inspect") as inspecting,
            ThreadPoolExecutor(workers, thread_name_prefix="diagnose") as pool,
        ):
            for source in ahead:
                inspecting.submit(inputs.inspect, source)
            reports = list(pool.map(one, pipelines))  # in the order given
    return Diagnosis(data, as_of, (at or as_of).astimezone(UTC), tuple(reports))


#: Spark's own default of ``spark.sql.shuffle.partitions``: nobody chose it
_SPARK_SHUFFLE_PARTITIONS = "200"


def _fewer_shuffle_partitions(spark: SparkSession) -> None:
    """On this command's own Spark Connect session, shuffle into two tasks per core rather
    than Spark's 200, unless the server or ``--conf`` chose a number.

    The checks shuffle only aggregates' partial results (the duplicate count sets its own
    number of partitions): 200 tiny shuffle blocks per map task cost more than the work.
    The results do not depend on it.
    """
    from pipelines import session

    key = "spark.sql.shuffle.partitions"
    # only a saving: a server gone meanwhile is for the checks to meet and report
    with contextlib.suppress(Exception):
        if str(spark.conf.get(key)) == _SPARK_SHUFFLE_PARTITIONS:
            spark.conf.set(key, str(2 * session.default_parallelism(spark)))


def load_runbooks(
    workspace: Workspace | None, pipelines: Sequence[str]
) -> dict[str, Runbook | None]:
    """Each pipeline's validated runbook (None without a workspace or a runbook file: the
    documented default thresholds, no remediation); every invalid one in one ``ConfigError``."""
    runbooks: dict[str, Runbook | None] = dict.fromkeys(pipelines)
    if workspace is None:
        return runbooks
    problems: list[Any] = []
    for pipeline in pipelines:
        if not workspace.runbook_path(pipeline).is_file():
            continue
        try:
            runbooks[pipeline] = workspace.runbook(pipeline)
        except ConfigError as error:
            problems.extend(error.problems)
    if problems:
        raise ConfigError(*problems)
    return runbooks


def record(diagnosis: Diagnosis, workspace_root: Path) -> Path:
    """Append the run to the workspace's diagnose history (``oncall.history``); ``OSError``
    when it cannot be written."""
    from oncall import history

    return history.record_runs(workspace_root, diagnosis.history_entries())
