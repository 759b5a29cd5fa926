"""``pipeline run``: run pipelines in dependency order and report what each committed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from oncall.cli.base import TableFormat, out_console, print_json
from pipelines.cli.context import announce
from pipelines.cli.options import (
    SPARK_DEFAULTS,
    DataOption,
    FormatOption,
    RunAsOfOption,
    RunNames,
    request,
    spark_parameters,
)
from pipelines.cli.spark import SparkArgs, spark_session

if TYPE_CHECKING:
    from pipelines.runner import RunSummary


@spark_parameters
def run(
    ctx: typer.Context,
    names: RunNames,
    data: DataOption = None,
    as_of: RunAsOfOption = None,
    spark_args: SparkArgs = SPARK_DEFAULTS,
    format: FormatOption = TableFormat.table,
) -> None:
    """Run pipelines (in dependency order) over a data root and commit their outputs."""
    asked = request(ctx, names, data, as_of, spark_args)
    quiet = asked.settings.quiet

    from pipelines import runner

    note = announce(quiet)
    done: list[RunSummary] = []

    def finished(summary: RunSummary) -> None:
        done.append(summary)
        note(_summary_line(summary))

    def waiting(pipeline: str) -> None:
        note(f"waiting for another run holding outputs/{pipeline} ...")

    with spark_session(asked.spark, quiet=quiet, hint=not quiet) as (spark, steps):
        runner.run_jobs(
            spark,
            asked.root,
            asked.specs,
            as_of=asked.as_of,
            progress=steps,
            on_done=finished,
            on_wait=waiting,
        )
    _report_runs(done, format)


def _summary_line(summary: RunSummary) -> str:
    return f"{summary.pipeline}: committed run {summary.run_id} in {summary.seconds:.1f} s"


def _month_span(months: dict[str, Any]) -> str:
    if not months.get("first"):
        return "-"
    return f"{months['first'][:7]} .. {months['last'][:7]}"


def _report_runs(done: list[RunSummary], format: TableFormat) -> None:
    if format is TableFormat.json:
        print_json([s.as_json() for s in done])
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("pipeline", "months", "rows", "note"):
        table.add_column(column)
    for s in done:
        rows = ", ".join(f"{t} {n:,}" for t, n in s.rows.items())
        table.add_row(s.pipeline, _month_span(s.months), rows, s.note)
    out_console().print(table)
