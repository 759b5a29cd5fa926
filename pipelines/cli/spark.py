"""Where a ``pipeline`` command gets Spark, and the one block that starts and stops it (with the
progress display of its stages).

pyspark is imported only when a session is asked for (``pipelines.session``), never on import
of this module, so ``pipeline --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from oncall.errors import UsageError
from pipelines.cli.context import PipelineState, optional_workspace

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.progress import Steps
    from pipelines.session import SparkOptions


class SparkArgs(NamedTuple):
    """The Spark options of a command line as given (``pipelines.cli.options``), unchecked."""

    remote: str | None = None
    master: str | None = None
    conf: list[str] | None = None
    driver_memory: str | None = None
    ui: bool = False
    spark_log: str = "off"


def spark_options(args: SparkArgs) -> SparkOptions:
    """The Spark options of a command line, checked before any JVM starts (``args.remote`` is
    for ``run_spark_options`` to weigh)."""
    from pipelines.session import DEFAULT_MASTER, LOG_LEVELS, SparkOptions, parse_conf

    if args.spark_log not in LOG_LEVELS:
        raise UsageError(f"--spark-log: {args.spark_log!r} is not one of {', '.join(LOG_LEVELS)}")
    if args.master is not None and not args.master.strip():
        raise UsageError("--master: empty master URL")
    return SparkOptions(
        master=(args.master or DEFAULT_MASTER).strip(),
        conf=parse_conf(args.conf or []),
        driver_memory=args.driver_memory,
        ui=args.ui,
        log_level=args.spark_log,
    )


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

    options = spark_options(SparkArgs(remote, master, conf, driver_memory, ui, spark_log))
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
    workspace = optional_workspace(settings)
    url = server.running_url(server.state_folder(workspace.root if workspace else None))
    if url is not None:
        return replace(options, remote=url, remote_origin="the workspace's Spark Connect server")
    return options


@contextmanager
def spark_session(
    options: SparkOptions, *, quiet: bool, hint: bool = False
) -> Iterator[tuple[SparkSession, Steps]]:
    """The session ``options`` ask for, and the progress display of its stages on stderr (none
    with ``quiet``); the session is stopped on the way out if this block started it.

    A session that cannot be had raises its one-line error before the block runs: exit 2 when
    no Spark Connect server answers at the address (docs/spark.md, "Exit codes"), exit 3 when
    Java or Spark does not start (docs/pipelines.md). With ``hint``, a command that had to start
    local Spark says so, and how a warm server saves that time (docs/spark.md).
    """
    from oncall.cli.base import err_console
    from pipelines import progress
    from pipelines.session import open_session

    with open_session(options) as (spark, started):
        if hint:
            _hint_server(options, started)
        with progress.display(spark, err_console(), enabled=not quiet) as steps:
            yield spark, steps


def _hint_server(options: SparkOptions, started: bool) -> None:
    """After starting local Spark: one line on how to skip that next time."""
    local = options.remote is None and options.master.startswith("local")
    if started and local:
        from oncall.cli.base import report

        report(
            "hint",
            "this command started Spark itself (most of its time); `pipeline server start` "
            "keeps a warm Spark Connect server, which run and diagnose then use",
        )
