"""``oncall swap add|undo|list``: explicit trades of on-call weeks between two members."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from oncall.cli.base import new_app
from oncall.cli.changes import render_outcome
from oncall.cli.context import workspace
from oncall.cli.options import DEFAULT_ROTATION, DryRunOption, RotationOption
from oncall.cli.output import RowsFormat, TextFormat, render_rows
from oncall.cli.schedule import parse_day

if TYPE_CHECKING:
    from oncall.rotation.changes import SwapResult
    from oncall.rotation.model import Swap

app = new_app("Trade on-call weeks between two members, list the trades, undo one.")


def swap_data(swap: "Swap") -> dict[str, Any]:
    """A swap as JSON."""
    return {
        "id": swap.id,
        "weeks": [
            {"week": side.week.isoformat(), "was": side.was, "now": side.now} for side in swap.weeks
        ],
        "note": swap.note,
        "created": swap.created.isoformat() if swap.created else None,
        "undone": swap.undone.isoformat() if swap.undone else None,
    }


def _render(result: "SwapResult", verb: str, output: TextFormat) -> None:
    lines = [f"{verb} swap {result.swap.id}:"]
    for side in result.swap.weeks:
        giver, taker = (side.was, side.now) if verb == "made" else (side.now, side.was)
        lines.append(f"  week {side.week.isoformat()}: {giver} gives it to {taker}")
    render_outcome(result.outcome, output, lines, {"swap": swap_data(result.swap)})


@app.command("add")
def add(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(help="A day in the first week (YYYY-MM-DD).")],
    second: Annotated[str, typer.Argument(help="A day in the second week (YYYY-MM-DD).")],
    note: Annotated[str | None, typer.Option("--note", help="Why (shown in the schedule).")] = None,
    rotation: RotationOption = DEFAULT_ROTATION,
    output: TextFormat = "text",
    dry_run: DryRunOption = False,
) -> None:
    """Trade the engineers of two weeks (refused if it would put someone on call on leave)."""
    from oncall.config.limits import checked_text
    from oncall.rotation import changes

    note = checked_text(note, "--note")
    one, two = parse_day(first, "FIRST"), parse_day(second, "SECOND")
    assert one is not None and two is not None
    result = changes.add_swap(workspace(ctx), rotation, one, two, note, dry_run)
    _render(result, "made", output)


@app.command("undo")
def undo(
    ctx: typer.Context,
    swap_id: Annotated[int, typer.Argument(metavar="ID", help="The swap id (see swap list).")],
    rotation: RotationOption = DEFAULT_ROTATION,
    output: TextFormat = "text",
    dry_run: DryRunOption = False,
) -> None:
    """Undo a swap: both weeks go back (the swap stays on record, marked undone)."""
    from oncall.rotation import changes

    _render(changes.undo_swap(workspace(ctx), rotation, swap_id, dry_run), "undid", output)


@app.command("list")
def list_swaps(
    ctx: typer.Context,
    rotation: RotationOption = DEFAULT_ROTATION,
    output: RowsFormat = "table",
) -> None:
    """List every swap of the rotation with its real state: active, undone, or void (why)."""
    from oncall.rotation import api

    states = api.swap_states(workspace(ctx), rotation)
    rows = [
        {
            "id": s.swap.id,
            "weeks": "; ".join(f"{x.week.isoformat()} {x.was} -> {x.now}" for x in s.swap.weeks),
            "note": s.swap.note,
            "status": f"{s.state}: {s.reason}" if s.reason else s.state,
        }
        for s in states
    ]
    data = [{**swap_data(s.swap), "state": s.state, "why": s.reason} for s in states]
    render_rows(rows, ["id", "weeks", "note", "status"], output, f"Swaps in {rotation}", data)
