"""``pipeline diagnose``: run the checks, record the run, report it (exit 1 or 3 on findings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from oncall import clock
from oncall.cli.base import out_console, print_json
from pipelines.checks.report import DiagnoseFormat
from pipelines.cli.context import PipelineState, announce, optional_workspace
from pipelines.cli.options import (
    SPARK_DEFAULTS,
    DataOption,
    DiagnoseAsOfOption,
    DiagnoseNames,
    request,
    spark_parameters,
)
from pipelines.cli.spark import SparkArgs, spark_session

if TYPE_CHECKING:
    from oncall.config.workspace import Workspace


@spark_parameters
def diagnose(
    ctx: typer.Context,
    names: DiagnoseNames,
    data: DataOption = None,
    as_of: DiagnoseAsOfOption = None,
    format: Annotated[
        DiagnoseFormat,
        typer.Option(
            "--format",
            "-f",
            help="table for people, json for machines (docs/diagnose.md), junit for CI.",
        ),
    ] = DiagnoseFormat.table,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    spark_args: SparkArgs = SPARK_DEFAULTS,
) -> None:
    """Check pipelines for their known failure modes (exit 1: a check fails, 3: unreadable data)."""
    asked = request(ctx, names, data, as_of, spark_args)
    settings, instant = asked.settings, asked.as_of
    pipelines = [spec.id for spec in asked.specs]

    from oncall.cli.base import report, warn
    from pipelines.checks import report as formats
    from pipelines.checks import runner

    workspace = _diagnose_workspace(settings)
    runbooks = runner.load_runbooks(workspace, pipelines)
    note = announce(settings.quiet)

    now = clock.now()
    quiet = settings.quiet
    with spark_session(asked.spark, quiet=quiet, hint=not quiet) as (spark, steps):
        diagnosis = runner.diagnose(
            spark,
            asked.root,
            pipelines,
            runbooks,
            as_of=instant or now,
            replay=instant is not None,
            at=now,
            progress=steps,
            on_wait=lambda p: note(f"waiting for a run writing outputs/{p} ..."),
        )

    if workspace is not None:
        try:
            runner.record(diagnosis, workspace.root)
        except OSError as error:
            warn(
                f"cannot record this run in the workspace's diagnose history "
                f"({error.strerror or error}): oncall handoff will not show it"
            )
    result = diagnosis.as_json()
    if format is DiagnoseFormat.json:
        print_json(result)
    elif format is DiagnoseFormat.junit:
        typer.echo(formats.junit_xml(result, strict))
    else:
        formats.render_table(result, out_console(), strict)
    for line in diagnosis.error_lines():
        report("error", line)
    code = diagnosis.exit_code(strict)
    if code:
        raise typer.Exit(code)


def _diagnose_workspace(settings: PipelineState) -> Workspace | None:
    """The workspace for runbooks and the run history; without one (none given, none found
    around), diagnose still runs on the default thresholds of docs/diagnose.md, with a
    warning."""
    from oncall.cli.base import warn

    workspace = optional_workspace(settings)
    if workspace is None:
        warn(
            "no workspace found (--workspace, ONCALL_WORKSPACE, or a folder holding runbooks/): "
            "default thresholds, no remediation, and this run is not recorded"
        )
    return workspace
