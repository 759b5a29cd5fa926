"""``oncall ical``: a rotation's on-call weeks and Monday hand-offs as an RFC 5545 calendar."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from oncall.cli.base import print_json, report, warn
from oncall.cli.context import workspace
from oncall.cli.options import StartOption, WeeksOption
from oncall.cli.output import CalendarFormat


def ical(
    ctx: typer.Context,
    rotation: Annotated[
        str, typer.Option("--rotation", "-r", help="The rotation id (a file in schedules/).")
    ] = "data-engineering",
    member: Annotated[
        str | None,
        typer.Option(
            "--member",
            "-m",
            help="Only this member's weeks and the hand-offs they attend.",
            show_default=False,
        ),
    ] = None,
    start: StartOption = None,
    weeks: WeeksOption = 26,
    past: Annotated[
        int,
        typer.Option(
            "--past",
            help="Weeks of history kept before --start (never before the rotation starts).",
        ),
    ] = 4,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to FILE (atomically) instead of stdout.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    fmt: CalendarFormat = "ics",
) -> None:
    """Export the rotation as an iCalendar feed: on-call weeks and Monday hand-off meetings."""
    from oncall.calendar.feed import build_feed
    from oncall.clock import parse_date

    first = parse_date(start, what="--start") if start is not None else None
    feed = build_feed(workspace(ctx), rotation, member, first, weeks, past)
    if first is not None and first.weekday() != 0:
        report("note", f"--start {first.isoformat()} is not a Monday: using its week")
    if fmt == "json":
        if output is None:
            print_json(feed.data())
            data = b""
        else:
            import json

            data = (json.dumps(feed.data(), indent=2, ensure_ascii=False) + "\n").encode()
    else:
        data = feed.body
    if output is not None:
        _write(output, data)
    elif data:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    for line in feed.warnings:
        warn(line)


def _write(path: Path, data: bytes) -> None:
    from oncall.errors import RuntimeFailure
    from oncall.fsio import atomic_write_bytes

    try:
        if path.is_file() and path.read_bytes() == data:
            return  # unchanged: keep the file's mtime, so web servers keep answering 304
        atomic_write_bytes(path, data)
    except OSError as error:
        reason = error.strerror or str(error)
        blocker = next((p for p in path.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            reason = f"{blocker} is not a folder"
        raise RuntimeFailure(f"{path}: cannot write ({reason})") from None
