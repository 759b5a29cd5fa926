"""What every plan-changing command prints: the weeks whose engineer changed, in text or JSON.

``leave add|remove``, ``swap add|undo``, ``publish`` and ``plan --rebalance`` all end here, so the
list reads the same everywhere: ``{"changes": [{"week", "before", "after", "reason"}],
"dry_run": bool}`` plus the command's own keys, or one line per week in text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from oncall.cli.base import print_json, warn

if TYPE_CHECKING:
    from oncall.cli.schedule import TextFormat
    from oncall.rotation.changes import Outcome

#: ``--dry-run`` of every plan-changing command
DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Show the weeks that would change; write nothing."),
]


def changes_data(outcome: Outcome) -> dict[str, Any]:
    """The change list as JSON (the keys every plan-changing command shares)."""
    return {
        "changes": [
            {
                "week": change.start.isoformat(),
                "before": change.before,
                "after": change.after,
                "reason": change.reason,
            }
            for change in outcome.changes
        ],
        "dry_run": outcome.dry_run,
    }


def render_outcome(
    outcome: Outcome, output: TextFormat, lines: list[str], extra: dict[str, Any]
) -> None:
    """Print ``lines`` and the change list (text), or the change list and ``extra`` (JSON);
    warnings go to stderr either way."""
    from oncall.cli.schedule import TextFormat
    from oncall.escape import terminal

    if output is TextFormat.json:
        print_json({**changes_data(outcome), **extra, "warnings": list(outcome.warnings)})
    else:
        for line in lines:
            typer.echo(terminal(line))
        count = len(outcome.changes)
        if not count:
            typer.echo("no week changes engineer")
        else:
            verb = "would change" if outcome.dry_run else "changed"
            typer.echo(f"{count} week{'s' if count != 1 else ''} {verb}:")
        for change in outcome.changes:
            typer.echo(
                terminal(
                    f"  week {change.start.isoformat()}: {change.before or '(nobody)'} -> "
                    f"{change.after or '(nobody)'}: {change.reason}"
                )
            )
        if outcome.dry_run:
            typer.echo("dry run: nothing was written")
    for line in outcome.warnings:
        warn(line)
