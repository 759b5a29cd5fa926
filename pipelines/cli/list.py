"""``pipeline list``: the pipelines, what each reads, writes and checks (no Spark)."""

from __future__ import annotations

from typing import Any

from oncall.cli.base import TableFormat, out_console, print_json
from oncall.config import catalog
from pipelines.cli.options import FormatOption
from pipelines.jobs import JOBS


def list_pipelines(format: FormatOption = TableFormat.table) -> None:
    """List the pipelines: what each reads, writes and checks."""
    rows: list[dict[str, Any]] = [
        {
            "pipeline": spec.id,
            "name": spec.title,
            "summary": spec.summary,
            "sources": list(spec.sources),
            "upstream": list(spec.upstream),
            "tables": list(spec.tables),
            "checks": list(catalog.CHECKS.get(spec.id, ())),
        }
        for spec in JOBS.values()
    ]
    if format is TableFormat.json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("pipeline", "reads", "writes", "checks"):
        table.add_column(column)
    for row in rows:
        reads = ", ".join(row["sources"] or [f"outputs/{u}" for u in row["upstream"]])
        table.add_row(row["pipeline"], reads, ", ".join(row["tables"]), ", ".join(row["checks"]))
    out_console().print(table)
