"""``oncall whois``: who is on call for a pipeline, and the escalation chain."""

import sys
from typing import Annotated

import typer

from oncall.cli.base import print_json
from oncall.cli.context import workspace
from oncall.cli.output import TextFormat


def whois(
    ctx: typer.Context,
    pipeline: Annotated[
        str | None,
        typer.Argument(
            help="profit, growth, engagement or aggregated; default: the data-engineering "
            "rotation.",
            show_default=False,
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="ISO 8601 date-time (default: now); without an offset it is read in the "
            "rotation's time zone.",
            show_default=False,
        ),
    ] = None,
    output: TextFormat = "text",
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Show times in this IANA zone (default: the rotation's, shown in the answer).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Who is on call for PIPELINE now (or --at), under its runbook's policy, and who is next."""
    from oncall import clock
    from oncall.errors import UsageError
    from oncall.incident.whois import render_text
    from oncall.incident.whois import whois as answer_whois
    from oncall.rotation.api import DEFAULT_ROTATION

    ws = workspace(ctx)
    ws.lenient = True  # in an incident, a typo made minutes ago must not hide who answers
    if tz is not None:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"--tz: unknown time zone {tz!r} (e.g. Europe/Berlin)") from None
    if at is None:
        instant = clock.now()
    else:
        rotation_id = ws.runbook(pipeline).on_call.rotation if pipeline else DEFAULT_ROTATION
        zone = ws.rotation(rotation_id).zone if rotation_id else None
        instant = clock.parse_datetime(at, what="--at", default_zone=zone)
    answer = answer_whois(ws, pipeline, instant, tz)
    from oncall.cli.base import warn

    for line in ws.fallbacks:
        warn(line)
    if output == "json":
        print_json(answer)
    else:
        import shutil

        width = min(shutil.get_terminal_size((80, 24)).columns, 100)
        sys.stdout.write(render_text(answer, width=width))
