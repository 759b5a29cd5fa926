"""The options several ``pipeline`` commands take, each defined once, and their parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from oncall import clock
from oncall.cli.base import TableFormat
from oncall.errors import UsageError
from pipelines.jobs import JOBS

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


def check_names(names: list[str]) -> None:
    """``UsageError`` naming every pipeline of ``names`` that does not exist (``all`` does)."""
    unknown = [n for n in names if n != "all" and n not in JOBS]
    if unknown:
        raise UsageError(
            *(f"unknown pipeline {n!r} (known: {', '.join(JOBS)}, or all)" for n in unknown)
        )


def parse_as_of(text: str | None) -> datetime | None:
    """``--as-of`` as an aware UTC instant (a value without offset is read as UTC)."""
    if text is None:
        return None
    return clock.parse_datetime(text, what="--as-of", default_zone=UTC).astimezone(UTC)
