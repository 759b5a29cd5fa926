"""``oncall serve``: the read-only web pages and the calendar feeds over HTTP (docs/web.md)."""

from __future__ import annotations

from typing import Annotated

import typer

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
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="ONCALL_SERVE_TOKEN",
            help="Secret for pages and feed URLs (16+ letters, digits, - or _); required "
            "off loopback. Env: ONCALL_SERVE_TOKEN.",
            show_default=False,
            show_envvar=False,
        ),
    ] = None,
) -> None:
    """Serve the web pages (who is on call, rotations, runbooks, hand-off) and the feeds."""
    import signal

    from oncall.calendar.server import open_server

    ws = workspace(ctx)
    server = open_server(ws.root, host, port, token=token)
    rotations = ws.rotation_ids()
    # the token itself is never printed: logs are read by more people than it is given to
    secret = "<token>/" if token else ""
    typer.echo(f"serving {ws.root} on {server.url} (Ctrl-C stops)", err=True)
    sign_in = "?token=<token>   (once: a cookie remembers it)" if token else ""
    typer.echo(f"  pages: {server.url}{sign_in}", err=True)
    for rotation in rotations:
        typer.echo(
            f"  {server.url}{secret}{rotation}.ics   ({server.url}{secret}{rotation}/<member>.ics)",
            err=True,
        )
    if not rotations:
        from oncall.cli.base import warn

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
