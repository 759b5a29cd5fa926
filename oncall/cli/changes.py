"""What every plan-changing command prints: the weeks whose engineer changed, in text or JSON.

``leave add|remove``, ``swap add|undo``, ``publish`` and ``plan --rebalance`` all end here, so the
list reads the same everywhere: ``{"changes": [{"week", "before", "after", "reason"}],
"dry_run": bool}`` plus the command's own keys, or one line per week in text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from oncall.cli.base import print_json, warn
from oncall.cli.output import TextFormat

if TYPE_CHECKING:
    from oncall.rotation.changes import Outcome

#: ``--dry-run`` of every plan-changing command


def _change_data(change: Any) -> dict[str, Any]:
    data = {
        "week": change.start.isoformat(),
        "before": change.before,
        "after": change.after,
        "reason": change.reason,
    }
    if change.span is not None:
        data["from"] = change.span[0].isoformat()
        data["until"] = change.span[1].isoformat()
        data["role"] = change.role
    return data


def changes_data(outcome: Outcome, spans_first: bool = False) -> dict[str, Any]:
    """The change list as JSON (the keys every plan-changing command shares). A cover changes
    no week's engineer: its ``changes`` are the spans in which someone else answers
    (``spans_first``); elsewhere those spans follow as ``span_changes``."""
    weeks = [_change_data(change) for change in outcome.changes]
    spans = [_change_data(change) for change in outcome.span_changes]
    data: dict[str, Any] = {"changes": spans if spans_first else weeks, "dry_run": outcome.dry_run}
    if spans_first:
        data["week_changes"] = weeks
    else:
        data["span_changes"] = spans
    data["backup_changes"] = [_change_data(change) for change in outcome.backup_changes]
    data["suggestions"] = list(outcome.suggestions)
    return data


def _week_line(change: Any, role: str) -> str:
    """``  week 2027-01-11: ben -> cem: why`` (``role`` before the first name, e.g. backup)."""
    return (
        f"  week {change.start.isoformat()}: {role}{change.before or '(nobody)'} -> "
        f"{change.after or '(nobody)'}: {change.reason}"
    )


def render_outcome(
    outcome: Outcome,
    output: TextFormat,
    lines: list[str],
    extra: dict[str, Any],
    zone: str | None = None,
    spans_first: bool = False,
) -> None:
    """Print ``lines`` and the change lists (text), or the change lists and ``extra`` (JSON);
    warnings go to stderr either way. Span times are shown in ``zone``."""
    from oncall.escape import terminal

    if output == "json":
        data = changes_data(outcome, spans_first)
        print_json({**data, **extra, "warnings": list(outcome.warnings)})
    else:
        for line in lines:
            typer.echo(terminal(line))
        verb = "would change" if outcome.dry_run else "changed"
        count = len(outcome.changes)
        if not spans_first or count:
            if not count:
                typer.echo("no week changes engineer")
            else:
                typer.echo(f"{count} week{'s' if count != 1 else ''} {verb}:")
        for change in outcome.changes:
            typer.echo(terminal(_week_line(change, "")))
        if outcome.backup_changes:
            count = len(outcome.backup_changes)
            typer.echo(f"{count} backup week{'s' if count != 1 else ''} {verb}:")
            for change in outcome.backup_changes:
                typer.echo(terminal(_week_line(change, "backup ")))
        if outcome.span_changes:
            from oncall.text import short_when

            count = len(outcome.span_changes)
            typer.echo(f"who answers {verb} in {count} span{'s' if count != 1 else ''}:")
            for change in outcome.span_changes:
                assert change.span is not None
                role = "" if change.role == "primary" else f"{change.role} "
                typer.echo(
                    terminal(
                        f"  {short_when(change.span[0], zone)} - {short_when(change.span[1], zone)}"
                        f": {role}{change.before or '(nobody)'} -> {change.after or '(nobody)'}: "
                        f"{change.reason}"
                    )
                )
        elif spans_first:
            typer.echo("nobody answers differently")
        for line in outcome.suggestions:
            typer.echo(terminal(f"suggestion: {line}"))
        if outcome.dry_run:
            typer.echo("dry run: nothing was written")
    for line in outcome.warnings:
        warn(line)
