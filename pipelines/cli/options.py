"""The options several ``pipeline`` commands take, each defined once, and their parsing."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from oncall import clock
from oncall.cli.base import TableFormat
from oncall.errors import UsageError
from pipelines.cli.context import PipelineState, state
from pipelines.cli.spark import SparkArgs, run_spark_options
from pipelines.jobs import JOBS, run_order

if TYPE_CHECKING:
    from pipelines.jobs import JobSpec
    from pipelines.layout import DataRoot
    from pipelines.session import SparkOptions


def names_argument(verb: str) -> Any:
    """The type of the NAMES argument of a command that ``verb``s pipelines."""
    return Annotated[
        list[str],
        typer.Argument(
            help=f"Pipelines to {verb} (profit, growth, engagement, aggregated) or all."
        ),
    ]


def as_of_option(help: str) -> Any:
    """The type of an ``--as-of`` option (read by ``parse_as_of``; None when not given)."""
    return Annotated[str | None, typer.Option("--as-of", help=help, show_default=False)]


#: the NAMES and ``--as-of`` of ``pipeline run`` and ``pipeline diagnose``
RunNames = names_argument("run")
RunAsOfOption = as_of_option(
    "Replay: run as if at this instant (ISO 8601; UTC if no offset). Source files that landed "
    "later are ignored, and the output is stamped with this instant."
)
DiagnoseNames = names_argument("check")
DiagnoseAsOfOption = as_of_option(
    "Judge as at this instant (ISO 8601; UTC if no offset; default now): rows delivered or "
    "ingested later are not yet delivered, later deadlines have not passed, and source files "
    "landed later are ignored."
)


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
FormatOption = Annotated[
    TableFormat, typer.Option("--format", "-f", help="Report as a table or JSON.")
]

#: the options of a command that reaches Spark (``run``, ``diagnose``), in ``SparkArgs`` order
_SPARK_OPTIONS = {
    "remote": RemoteOption,
    "master": MasterOption,
    "conf": ConfOption,
    "driver_memory": DriverMemoryOption,
    "ui": UiOption,
    "spark_log": SparkLogOption,
}

#: the default of a command's ``spark_args`` (``spark_parameters`` gives each option its own)
SPARK_DEFAULTS = SparkArgs()


def spark_parameters(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with the Spark options (``--remote`` ... ``--spark-log``) in place of its
    ``spark_args: SparkArgs`` parameter, which receives them together."""
    signature = inspect.signature(command, eval_str=True)
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name != "spark_args":
            parameters.append(parameter)
            continue
        parameters += [
            parameter.replace(name=name, annotation=option, default=getattr(SPARK_DEFAULTS, name))
            for name, option in _SPARK_OPTIONS.items()
        ]

    @functools.wraps(command)
    def with_spark(**given: Any) -> None:
        spark = SparkArgs(**{name: given.pop(name) for name in _SPARK_OPTIONS})
        command(**given, spark_args=spark)

    with_spark.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_spark.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_spark


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


class Request(NamedTuple):
    """What ``run`` and ``diagnose`` are asked to do, every part checked before Spark starts."""

    settings: PipelineState
    specs: list[JobSpec]
    root: DataRoot
    as_of: datetime | None
    spark: SparkOptions


def request(
    ctx: typer.Context, names: list[str], data: Path | None, as_of: str | None, spark: SparkArgs
) -> Request:
    """The pipelines ``names`` select in run order, the data root, ``--as-of`` and the Spark
    to use (``run_spark_options``), or the usage error of the first that is wrong."""
    from pipelines.layout import resolve_data_root

    check_names(names)
    settings = state(ctx)
    instant = parse_as_of(as_of)
    root = resolve_data_root(data)
    return Request(settings, run_order(names), root, instant, run_spark_options(settings, *spark))
