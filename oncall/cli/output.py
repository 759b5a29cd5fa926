"""The one output layer of both CLIs: the ``--format/-f`` option, and rows rendered as a table,
JSON, CSV or Markdown.

Every command that prints data takes ``--format`` (short ``-f``) with its own set of choices,
built by ``format_option``; the value is plain text (``"json"``). Listing commands hand their
rows to ``render_rows``, so a table, a CSV file and a Markdown table escape people's text the same
way everywhere (``oncall.escape``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import typer


def format_option(*choices: str) -> Any:
    """The type of a ``--format/-f`` option accepting ``choices`` (use it as the annotation)."""
    names = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
    return Annotated[
        Literal[choices],  # type: ignore[valid-type]
        typer.Option("--format", "-f", help=f"{names}."),
    ]


#: the formats of listing commands
ROWS = ("table", "json", "csv", "md")
RowsFormat = format_option(*ROWS)
#: the formats of commands that report a change or an answer
TextFormat = format_option("text", "json")
#: a table of data without CSV and Markdown (owners)
TableFormat = format_option("table", "json")
#: one document (a runbook)
DocumentFormat = format_option("text", "md", "json")
#: the hand-off agenda
AgendaFormat = format_option("md", "json")
#: a calendar (iCalendar, or its events as JSON)
CalendarFormat = format_option("ics", "json")
#: someone's shifts
ShiftsFormat = format_option("text", "json", "ics")


def cell(value: Any) -> str:
    """A value as a table cell: nothing for None, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


def render_rows(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    output: str,
    title: str,
    data: Any = None,
    caption: str | None = None,
    right: Sequence[str] = (),
) -> None:
    """Print ``rows`` (only ``columns``, in that order) as ``output``: a Rich table titled
    ``title``, JSON (``data`` if given, else the rows), CSV or a Markdown table. Column names
    with ``_`` read as words in tables; ``right`` columns are right-aligned."""
    import sys

    from oncall.cli.base import out_console, print_json
    from oncall.escape import csv_row, md_inline, rich_text

    if output == "json":
        print_json(list(rows) if data is None else data)
        return
    values = [[cell(row.get(c)) for c in columns] for row in rows]
    if output == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(csv_row(v) for v in values)
        return
    header = [c.replace("_", " ") for c in columns]
    if output == "md":
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(md_inline(v) for v in row) + " |" for row in values]
        if caption:
            lines += ["", md_inline(caption)]
        typer.echo("\n".join(lines))
        return
    from rich.table import Table

    table = Table(
        title=rich_text(title),
        title_justify="left",
        caption=rich_text(caption) if caption else None,
    )
    for name, label in zip(columns, header, strict=True):
        table.add_column(label, justify="right" if name in right else "left", overflow="fold")
    for row in values:
        table.add_row(*(rich_text(v) for v in row))
    out_console().print(table)
