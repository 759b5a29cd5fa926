"""``pipeline``: run the four Spark pipelines, diagnose them, and generate demo data.

Thin on purpose: options are parsed here, the work is done by ``pipelines.runner``,
``pipelines.checks`` and ``pipelines.demo``. pyspark is imported only inside the commands that
start Spark, so ``pipeline --help`` and ``pipeline list`` never touch it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from oncall import clock
from oncall.cli.base import (
    TableFormat,
    WorkspaceOption,
    err_console,
    new_app,
    out_console,
    print_json,
)
from oncall.cli.context import CliState
from oncall.config import catalog
from oncall.errors import UsageError
from pipelines.checks.report import DiagnoseFormat
from pipelines.jobs import JOBS, run_order

if TYPE_CHECKING:
    from oncall.config.workspace import Workspace
    from pipelines.runner import RunSummary
    from pipelines.session import SparkOptions

app = new_app(
    "Run the Spark pipelines (profit, growth, engagement, aggregated) and make demo data."
)


@dataclass
class PipelineState(CliState):
    """The top-level options: the workspace (found lazily, for runbooks) and ``--quiet``."""

    quiet: bool = False


def state(ctx: typer.Context) -> PipelineState:
    found = ctx.find_object(PipelineState)
    return found if found is not None else PipelineState()


# --- options shared by every command that starts Spark ---------------------------------------

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data", help="Data root holding sources/ (default: $ONCALL_DATA).", show_default=False
    ),
]
MasterOption = Annotated[
    str | None,
    typer.Option(
        "--master",
        help="Spark master URL: local[*] (the default), local[2], spark://host:7077, ...",
        show_default=False,
    ),
]
RemoteOption = Annotated[
    str | None,
    typer.Option(
        "--remote",
        help="Use the Spark Connect server at sc://HOST:PORT (default: $SPARK_REMOTE, else the "
        "workspace's own `pipeline server` when it runs, else start Spark here).",
        show_default=False,
    ),
]
ConfOption = Annotated[
    list[str] | None,
    typer.Option("--conf", help="A Spark setting KEY=VALUE; repeat for more.", show_default=False),
]
DriverMemoryOption = Annotated[
    str | None,
    typer.Option(
        "--driver-memory",
        help="Driver JVM heap, e.g. 1g (local mode: all of Spark).",
        show_default=False,
    ),
]
UiOption = Annotated[bool, typer.Option("--ui", help="Serve the Spark web UI while running.")]
SparkLogOption = Annotated[
    str,
    typer.Option("--spark-log", help="Spark's own log level on stderr: off, error, warn, info."),
]
FormatOption = Annotated[TableFormat, typer.Option("--format", help="Report as a table or JSON.")]


def spark_options(
    master: str | None,
    conf: list[str] | None,
    driver_memory: str | None,
    ui: bool,
    spark_log: str,
) -> SparkOptions:
    """The Spark options of a command line, checked before any JVM starts."""
    from pipelines.session import DEFAULT_MASTER, LOG_LEVELS, SparkOptions, parse_conf

    if spark_log not in LOG_LEVELS:
        raise UsageError(f"--spark-log: {spark_log!r} is not one of {', '.join(LOG_LEVELS)}")
    if master is not None and not master.strip():
        raise UsageError("--master: empty master URL")
    return SparkOptions(
        master=(master or DEFAULT_MASTER).strip(),
        conf=parse_conf(conf or []),
        driver_memory=driver_memory,
        ui=ui,
        log_level=spark_log,
    )


def _workspace_root(settings: PipelineState) -> Path | None:
    """The workspace's folder if there is one (an explicit but wrong one is an error)."""
    import os

    from oncall.config.workspace import WORKSPACE_VARIABLE

    try:
        return settings.workspace().root
    except UsageError:
        if settings.workspace_option is not None or os.environ.get(WORKSPACE_VARIABLE):
            raise
    return None


def run_spark_options(
    settings: PipelineState,
    remote: str | None,
    master: str | None,
    conf: list[str] | None,
    driver_memory: str | None,
    ui: bool,
    spark_log: str,
) -> SparkOptions:
    """Where ``run`` and ``diagnose`` get Spark: ``--remote``; else local or cluster Spark when
    launch options (``--master``, ``--driver-memory``, ``--ui``) say so; else ``SPARK_REMOTE``;
    else the workspace's own running server; else Spark started here."""
    import os
    from dataclasses import replace

    from pipelines import server

    options = spark_options(master, conf, driver_memory, ui, spark_log)
    launching = master is not None or driver_memory is not None or ui
    if remote is not None:
        if launching:
            raise UsageError(
                "--remote: --master, --driver-memory and --ui are for a Spark this command "
                "starts; give them to `pipeline server start` instead"
            )
        return replace(options, remote=remote, remote_origin="--remote")
    if launching:
        return options
    variable = os.environ.get(server.REMOTE_VARIABLE, "").strip()
    if variable:
        return replace(options, remote=variable, remote_origin=server.REMOTE_VARIABLE)
    url = server.running_url(server.state_folder(_workspace_root(settings)))
    if url is not None:
        return replace(options, remote=url, remote_origin="the workspace's Spark Connect server")
    return options


def _hint_server(settings: PipelineState, options: SparkOptions, started: bool) -> None:
    """After starting local Spark: one line on how to skip that next time."""
    local = options.remote is None and options.master.startswith("local")
    if started and local and not settings.quiet:
        from oncall.cli.base import report

        report(
            "hint",
            "this command started Spark itself (most of its time); `pipeline server start` "
            "keeps a warm Spark Connect server, which run and diagnose then use",
        )


def parse_as_of(text: str | None) -> datetime | None:
    """``--as-of`` as an aware UTC instant (a value without offset is read as UTC)."""
    if text is None:
        return None
    return clock.parse_datetime(text, what="--as-of", default_zone=UTC).astimezone(UTC)


# --- commands ----------------------------------------------------------------------------------


@app.callback()
def main_callback(
    ctx: typer.Context,
    workspace: WorkspaceOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress display or notes on stderr.")
    ] = False,
) -> None:
    """Run the Spark pipelines (profit, growth, engagement, aggregated) and make demo data."""
    ctx.obj = PipelineState(workspace_option=workspace, quiet=quiet)


@app.command("list")
def list_pipelines(format: FormatOption = TableFormat.table) -> None:
    """List the pipelines: what each reads, writes and checks."""
    rows: list[dict[str, Any]] = [
        {
            "pipeline": spec.id,
            "name": spec.title,
            "summary": spec.summary,
            "sources": list(spec.sources),
            "upstream": list(spec.upstream),
            "tables": list(spec.tables),
            "checks": list(catalog.CHECKS.get(spec.id, ())),
        }
        for spec in JOBS.values()
    ]
    if format is TableFormat.json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("pipeline", "reads", "writes", "checks"):
        table.add_column(column)
    for row in rows:
        reads = ", ".join(row["sources"] or [f"outputs/{u}" for u in row["upstream"]])
        table.add_row(row["pipeline"], reads, ", ".join(row["tables"]), ", ".join(row["checks"]))
    out_console().print(table)


def _announce(quiet: bool) -> Any:
    def note(message: str) -> None:
        if not quiet:
            err_console().print(message, markup=False, highlight=False)

    return note


@app.command("run")
def run(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(help="Pipelines to run (profit, growth, engagement, aggregated) or all."),
    ],
    data: DataOption = None,
    remote: RemoteOption = None,
    master: MasterOption = None,
    conf: ConfOption = None,
    driver_memory: DriverMemoryOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Replay: run as if at this instant (ISO 8601; UTC if no offset). Source files "
            "that landed later are ignored, and the output is stamped with this instant.",
            show_default=False,
        ),
    ] = None,
    ui: UiOption = False,
    spark_log: SparkLogOption = "off",
    format: FormatOption = TableFormat.table,
) -> None:
    """Run pipelines (in dependency order) over a data root and commit their outputs."""
    from pipelines.layout import resolve_data_root

    unknown = [n for n in names if n != "all" and n not in JOBS]
    if unknown:
        raise UsageError(
            *(f"unknown pipeline {n!r} (known: {', '.join(JOBS)}, or all)" for n in unknown)
        )
    settings = state(ctx)
    quiet = settings.quiet
    instant = parse_as_of(as_of)
    root = resolve_data_root(data)
    specs = run_order(names)
    options = run_spark_options(settings, remote, master, conf, driver_memory, ui, spark_log)

    from pipelines import progress, runner
    from pipelines.session import get_session, stop_session

    note = _announce(quiet)
    done: list[RunSummary] = []

    def finished(summary: RunSummary) -> None:
        done.append(summary)
        note(_summary_line(summary))

    def waiting(pipeline: str) -> None:
        note(f"waiting for another run holding outputs/{pipeline} ...")

    spark, started = get_session(options)
    _hint_server(settings, options, started)
    try:
        with progress.display(spark, err_console(), enabled=not quiet) as steps:
            runner.run_jobs(
                spark, root, specs, as_of=instant, progress=steps, on_done=finished, on_wait=waiting
            )
    finally:
        if started:
            stop_session(spark)
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


@app.command("demo-data")
def demo_data(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write sources/ and manifest.json into.")
    ],
    seed: Annotated[
        int, typer.Option("--seed", help="Seed: same seed and options, same data.")
    ] = 7,
    faults: Annotated[
        str,
        typer.Option(
            "--faults", help="Faults to plant: all, none, or check ids separated by commas."
        ),
    ] = "none",
    accounts: Annotated[int, typer.Option("--accounts", help="Number of accounts.", min=30)] = 300,
    months: Annotated[int, typer.Option("--months", help="Number of months.", min=3, max=36)] = 6,
    clicks: Annotated[
        int,
        typer.Option(
            "--clicks",
            help="Click events, at least one every 6 minutes (about 7,300 a month); "
            "tens of millions are fine (generated by Spark).",
            min=1,
        ),
    ] = 150_000,
    partitions: Annotated[
        int, typer.Option("--partitions", help="Kafka partitions.", min=1, max=64)
    ] = 4,
    end_month: Annotated[
        str | None,
        typer.Option(
            "--end-month",
            help="Latest month, YYYY-MM (default: the latest whose cost deadline has passed).",
            show_default=False,
        ),
    ] = None,
    hot_share: Annotated[
        float,
        typer.Option(
            "--hot-share", help="Share of clicks the hot account takes (join_skew fault)."
        ),
    ] = 0.4,
    master: MasterOption = None,
    conf: ConfOption = None,
    driver_memory: DriverMemoryOption = None,
    spark_log: SparkLogOption = "off",
    format: FormatOption = TableFormat.table,
) -> None:
    """Write a realistic, seeded demo data set (sources/ and manifest.json) with planted faults."""
    from pipelines.demo import faults as fault_ids
    from pipelines.demo.generator import DemoOptions, parse_month

    options = DemoOptions(
        seed=seed,
        accounts=accounts,
        months=months,
        clicks=clicks,
        partitions=partitions,
        end_month=parse_month(end_month) if end_month else None,
        faults=fault_ids.parse_faults(faults),
        hot_share=hot_share,
    )
    spark_opts = spark_options(master, conf, driver_memory, False, spark_log)
    quiet = state(ctx).quiet

    from pipelines import progress
    from pipelines.demo.generator import generate
    from pipelines.session import get_session, stop_session
    from pipelines.spark_errors import translated

    resolved = options.resolve(clock.now())
    spark, started = get_session(spark_opts)
    try:
        with (
            progress.display(spark, err_console(), enabled=not quiet) as steps,
            translated("demo-data"),
        ):
            manifest = generate(spark, out, resolved, steps)
    finally:
        if started:
            stop_session(spark)
    if format is TableFormat.json:
        print_json(manifest)
        return
    _report_demo(manifest, out, quiet)


def _report_demo(manifest: dict[str, Any], out: Path, quiet: bool) -> None:
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("source", "rows", "files"):
        table.add_column(column)
    for source, info in manifest["sources"].items():
        table.add_row(source, f"{info['rows']:,}", str(info["files"]))
    out_console().print(table)
    planted = [c for c, e in manifest["expected"].items() if e["count"]]
    if not quiet:
        note = _announce(quiet)
        note(
            f"months {manifest['months'][0]} .. {manifest['months'][-1]}; "
            f"faults planted: {', '.join(planted) or 'none'}; manifest: {out / 'manifest.json'}"
        )
        if manifest["replay"]["needed"]:
            note("late_arrivals and stale_upstream need the replay the manifest describes:")
            for step in manifest["replay"]["commands"]:
                note(f"  {step}")


@app.command("diagnose")
def diagnose(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(help="Pipelines to check (profit, growth, engagement, aggregated) or all."),
    ],
    data: DataOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Judge as at this instant (ISO 8601; UTC if no offset; default now): rows "
            "delivered or ingested later are not yet delivered, later deadlines have not "
            "passed, and source files landed later are ignored.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        DiagnoseFormat,
        typer.Option("--format", help="table for people, json (the contract's), junit for CI."),
    ] = DiagnoseFormat.table,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    remote: RemoteOption = None,
    master: MasterOption = None,
    conf: ConfOption = None,
    driver_memory: DriverMemoryOption = None,
    ui: UiOption = False,
    spark_log: SparkLogOption = "off",
) -> None:
    """Check pipelines for their known failure modes (exit 1: a check fails, 3: unreadable data)."""
    from pipelines.layout import resolve_data_root

    unknown = [n for n in names if n != "all" and n not in JOBS]
    if unknown:
        raise UsageError(
            *(f"unknown pipeline {n!r} (known: {', '.join(JOBS)}, or all)" for n in unknown)
        )
    settings = state(ctx)
    instant = parse_as_of(as_of)
    root = resolve_data_root(data)
    pipelines = [spec.id for spec in run_order(names)]
    options = run_spark_options(settings, remote, master, conf, driver_memory, ui, spark_log)

    from oncall.cli.base import report, warn
    from pipelines.checks import report as formats
    from pipelines.checks import runner

    workspace = _diagnose_workspace(settings)
    runbooks = runner.load_runbooks(workspace, pipelines)
    note = _announce(settings.quiet)

    from pipelines import progress
    from pipelines.session import get_session, stop_session

    now = clock.now()
    spark, started = get_session(options)
    _hint_server(settings, options, started)
    try:
        with progress.display(spark, err_console(), enabled=not settings.quiet) as steps:
            diagnosis = runner.diagnose(
                spark,
                root,
                pipelines,
                runbooks,
                as_of=instant or now,
                replay=instant is not None,
                at=now,
                progress=steps,
                on_wait=lambda p: note(f"waiting for a run writing outputs/{p} ..."),
            )
    finally:
        if started:
            stop_session(spark)

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
    around), diagnose still runs on the contract's default thresholds, with a warning."""
    import os

    from oncall.cli.base import warn
    from oncall.config.workspace import WORKSPACE_VARIABLE

    try:
        return settings.workspace()
    except UsageError:
        if settings.workspace_option is not None or os.environ.get(WORKSPACE_VARIABLE):
            raise
    warn(
        "no workspace found (--workspace, ONCALL_WORKSPACE, or a folder holding runbooks/): "
        "default thresholds, no remediation, and this run is not recorded"
    )
    return None


# --- pipeline server ----------------------------------------------------------------------------

server_app = new_app(
    "A warm Spark Connect server on 127.0.0.1 that `run` and `diagnose` use (start, stop, status)."
)
app.add_typer(server_app, name="server")

DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="Folder for the server's record and log (default: the workspace's "
        "state/spark-connect/, or $ONCALL_STATE_DIR/spark-connect/).",
        show_default=False,
    ),
]


def _server_folder(ctx: typer.Context, folder: Path | None) -> Path:
    from pipelines import server

    root = None if folder is not None else _workspace_root(state(ctx))
    chosen = server.state_folder(root, folder)
    if chosen is None:
        raise UsageError(
            "no workspace to keep the server's record in: pass --dir DIR, --workspace, or set "
            "ONCALL_STATE_DIR"
        )
    return chosen


def _print_server(fields: dict[str, Any], format: TableFormat) -> None:
    if format is TableFormat.json:
        print_json(fields)
        return
    width = max(len(key) for key in fields)
    for key, value in fields.items():
        typer.echo(f"{key:<{width}}  {'-' if value is None else value}")


@server_app.command("start")
def server_start(
    ctx: typer.Context,
    port: Annotated[
        int,
        typer.Option("--port", help="Port on 127.0.0.1 (0: a free one).", min=0, max=65535),
    ] = 15002,
    master: Annotated[
        str, typer.Option("--master", help="The server's Spark master: local[*], spark://...")
    ] = "local[*]",
    conf: ConfOption = None,
    driver_memory: DriverMemoryOption = None,
    ui: UiOption = False,
    folder: DirOption = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for it to answer.", min=1)
    ] = 180.0,
    format: FormatOption = TableFormat.table,
) -> None:
    """Start a Spark Connect server and wait until it answers (exit 1: already running,
    port in use, or it did not start)."""
    from pipelines import server
    from pipelines.session import parse_conf

    if not master.strip():
        raise UsageError("--master: empty master URL")
    options = server.ServerOptions(
        port=port,
        master=master.strip(),
        driver_memory=driver_memory,
        conf=parse_conf(conf or []),
        ui=ui,
        timeout=timeout,
    )
    where = _server_folder(ctx, folder)
    _announce(state(ctx).quiet)(f"starting a Spark Connect server ({options.master}) ...")
    record = server.start(where, options)
    _print_server(
        {
            "url": record.url,
            "pid": record.pid,
            "master": record.master,
            "since": record.ready_at,
            "log": record.log,
        },
        format,
    )


@server_app.command("stop")
def server_stop(
    ctx: typer.Context, folder: DirOption = None, format: FormatOption = TableFormat.table
) -> None:
    """Stop the server `start` started (its process group, nothing else)."""
    from pipelines import server

    where = _server_folder(ctx, folder)
    stopped = server.stop(where)
    record = stopped.record
    if record is not None and not stopped.signalled:
        _announce(state(ctx).quiet)(
            f"the recorded server (pid {record.pid}) was no longer running; removed its record"
        )
    _print_server(
        {
            "stopped": stopped.signalled,
            "pid": record.pid if record else None,
            "url": record.url if record else None,
            "since": (record.ready_at or record.started_at) if record else None,
        },
        format,
    )


@server_app.command("status")
def server_status(
    ctx: typer.Context, folder: DirOption = None, format: FormatOption = TableFormat.table
) -> None:
    """Whether the server runs and answers, and since when (exit 1 when it does not answer)."""
    from pipelines import server

    found = server.status(_server_folder(ctx, folder))
    fields = found.as_json()
    if format is TableFormat.json:
        print_json(fields)
    else:
        state_text = (
            "answers" if found.answers else "running, not answering" if found.running else "stopped"
        )
        _print_server(
            {
                "status": state_text,
                "url": fields["url"],
                "pid": fields["pid"],
                "master": fields["master"] if found.running else None,
                "since": fields["since"] if found.running else None,
                "log": fields["log"],
            },
            format,
        )
    if not found.answers:
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="pipeline")


__all__ = ["app", "main"]
