"""``pipeline server start|stop|status``: the workspace's warm Spark Connect server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from oncall.cli.base import TableFormat, new_app, print_json
from oncall.errors import UsageError
from pipelines.cli.context import announce, optional_workspace, state
from pipelines.cli.options import ConfOption, DriverMemoryOption, FormatOption, UiOption

app = new_app(
    "A warm Spark Connect server on 127.0.0.1 that `run` and `diagnose` use (start, stop, status)."
)

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

    workspace = None if folder is not None else optional_workspace(state(ctx))
    chosen = server.state_folder(workspace.root if workspace else None, folder)
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


@app.command("start")
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
    announce(state(ctx).quiet)(f"starting a Spark Connect server ({options.master}) ...")
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


@app.command("stop")
def server_stop(
    ctx: typer.Context, folder: DirOption = None, format: FormatOption = TableFormat.table
) -> None:
    """Stop the server `start` started (its process group, nothing else)."""
    from pipelines import server

    where = _server_folder(ctx, folder)
    stopped = server.stop(where)
    record = stopped.record
    if record is not None and not stopped.signalled:
        announce(state(ctx).quiet)(
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


@app.command("status")
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
