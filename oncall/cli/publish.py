"""``oncall publish``: freeze the coming weeks so later leave or holidays never move them."""

import typer

from oncall.cli.changes import render_outcome
from oncall.cli.context import workspace
from oncall.cli.options import (
    DEFAULT_ROTATION,
    DryRunOption,
    OptionalWeeksOption,
    RotationOption,
    StartOption,
    UntilOption,
)
from oncall.cli.output import TextFormat
from oncall.cli.schedule import parse_day


def publish(
    ctx: typer.Context,
    rotation: RotationOption = DEFAULT_ROTATION,
    start: StartOption = None,
    weeks: OptionalWeeksOption = None,
    until: UntilOption = None,
    output: TextFormat = "text",
    dry_run: DryRunOption = False,
) -> None:
    """Publish the coming weeks: their engineers are stored and never change afterwards."""
    from oncall.errors import UsageError
    from oncall.rotation import changes

    if weeks is not None and until is not None:
        raise UsageError("give --weeks or --until, not both")
    result = changes.publish(
        workspace(ctx),
        rotation,
        parse_day(start, "--start"),
        weeks,
        parse_day(until, "--until"),
        dry_run,
    )
    lines = []
    verb = "would publish" if dry_run else "published"
    for week in result.published:
        why = f" ({week.reason})" if week.reason else ""
        lines.append(f"{verb} week {week.week.isoformat()}: {week.engineer}{why}")
    if result.already:
        lines.append(
            f"already published, unchanged: {len(result.already)} week(s) "
            f"({result.already[0].week.isoformat()} .. {result.already[-1].week.isoformat()})"
        )
    if not result.published and not result.already:
        lines.append("nothing to publish")
    extra = {
        "rotation": rotation,
        "published": [
            {"start": w.week.isoformat(), "engineer": w.engineer, "reason": w.reason}
            for w in result.published
        ],
        "already_published": [w.week.isoformat() for w in result.already],
    }
    render_outcome(result.outcome, output, lines, extra)
