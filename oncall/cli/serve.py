"""``oncall serve``: the calendar feeds over HTTP, for calendar clients that subscribe to a URL."""

from __future__ import annotations

from typing import Annotated

import typer

from oncall.cli.base import warn
from oncall.cli.context import workspace


def serve(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on (loopback unless told otherwise)."),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port (0: any free port).")
    ] = 8080,
) -> None:
    """Serve /<rotation>.ics and /<rotation>/<member>.ics for calendar subscriptions."""
    import signal

    from oncall.calendar.server import is_loopback, open_server

    ws = workspace(ctx)
    server = open_server(ws.root, host, port)
    if not is_loopback(host):
        warn(
            f"listening on {host}: anyone who can reach it can read names, emails and phone "
            f"numbers of the rotations"
        )
    rotations = ws.rotation_ids()
    typer.echo(f"serving the calendars of {ws.root} on {server.url} (Ctrl-C stops)", err=True)
    for rotation in rotations:
        typer.echo(
            f"  {server.url}{rotation}.ics   ({server.url}{rotation}/<member>.ics)", err=True
        )
    if not rotations:
        warn(f"{ws.display(ws.schedules_dir)}: no rotations to serve")

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # set both explicitly: a server started in the background of a script inherits an ignored
    # SIGINT, and Ctrl-C or a service manager's SIGTERM must still stop it cleanly
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    typer.echo("stopped", err=True)
