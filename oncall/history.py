"""The record of `pipeline diagnose` runs, read by `oncall handoff` and `oncall whois`.

Every diagnose run appends one JSON line per pipeline to
``<workspace>/state/diagnose-history.jsonl`` (``ONCALL_STATE_DIR`` overrides the folder):

    {"at": "2027-01-06T09:00:00+00:00", "pipeline": "profit", "status": "fail",
     "data": "/data/root", "as_of": "2027-01-06T09:00:00+00:00",
     "checks": [{"id": "filing_discrepancy", "status": "fail", "count": 2,
                 "summary": "...", "unit": "months", "title": "...", "error": null}, ...]}

(``summary``, ``unit``, ``title`` and ``error`` are newer: readers treat them as optional.)

Lines are appended whole under a file lock, so concurrent runs never interleave; a reader skips
any line it cannot parse (a hand edit, a crash mid-write). The file is plain text: keep it out of
git (``state/`` is in ``.gitignore``) or commit it if the team wants shared history.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from oncall.frozen import frozen
from oncall.fsio import atomic_write_bytes, locked

STATE_VARIABLE = "ONCALL_STATE_DIR"
HISTORY_FILE = "diagnose-history.jsonl"
#: keep the file bounded: when it grows past this many lines, the oldest are dropped
MAX_LINES = 20_000


def history_path(workspace_root: Path) -> Path:
    """Where the diagnose history of a workspace lives."""
    folder = os.environ.get(STATE_VARIABLE)
    return (Path(folder) if folder else Path(workspace_root) / "state") / HISTORY_FILE


def record_runs(workspace_root: Path, entries: list[dict[str, Any]]) -> Path:
    """Append one line per entry (each with at least ``at``, ``pipeline``, ``status``)."""
    path = history_path(workspace_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n" for entry in entries
    )
    with locked(path):
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
        _trim(path)
    return path


def _trim(path: Path) -> None:
    # bytes, not text: a line that is not UTF-8 (a hand edit) must not stop the next record
    lines = path.read_bytes().splitlines(keepends=True)
    if len(lines) > MAX_LINES:
        atomic_write_bytes(path, b"".join(lines[-MAX_LINES // 2 :]))


def read_runs(workspace_root: Path, warnings: list[str] | None = None) -> list[dict[str, Any]]:
    """Every readable entry, oldest first.

    A line that is not UTF-8 JSON with ``at``, ``pipeline`` and ``status`` is skipped, the rest
    kept; when ``warnings`` is given, one line is added to it saying how many were skipped (or
    why the file could not be read at all).
    """
    path = history_path(workspace_root)
    try:
        if path.stat().st_size > MAX_BYTES:
            _note(warnings, f"{path}: larger than {MAX_BYTES // 1_000_000} MB, not read")
            return []
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as error:
        _note(warnings, f"{path}: cannot read the diagnose history ({error.strerror or error})")
        return []
    runs = []
    skipped = 0
    for raw in data.splitlines():
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            skipped += 1
            continue
        if _well_formed(entry):
            runs.append(entry)
        elif raw.strip():
            skipped += 1
    if skipped:
        _note(warnings, f"{path}: skipped {skipped} unreadable line(s) of the diagnose history")
    return runs


#: the history is read whole; a file this large is not one the tool wrote (it trims itself)
MAX_BYTES = 50_000_000


def _well_formed(entry: Any) -> bool:
    """Whether a parsed line is a run the readers can use (a hand edit may be anything)."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("at"), str)
        and isinstance(entry.get("pipeline"), str)
        and isinstance(entry.get("status"), str)
    )


def _note(warnings: list[str] | None, line: str) -> None:
    if warnings is not None:
        warnings.append(line)


def _in_range(at: datetime) -> bool:
    from oncall.config.limits import date_problem

    return date_problem(at.date()) is None


@frozen
class PipelineStatus:
    """The latest diagnose result of a pipeline, and since when it has been in that state."""

    pipeline: str
    status: str
    at: datetime
    since: datetime
    failing: tuple[str, ...]
    checks: tuple[dict[str, Any], ...]


def latest_statuses(
    workspace_root: Path, until: datetime | None = None, warnings: list[str] | None = None
) -> dict[str, PipelineStatus]:
    """Per pipeline, its latest run (at or before ``until``) and the start of that streak.

    ``since`` is the time of the first run of the unbroken series of runs with the latest
    status: for a failing pipeline, since when it has been failing.
    """
    by_pipeline: dict[str, list[dict[str, Any]]] = {}
    for entry in read_runs(workspace_root, warnings):
        try:
            at = datetime.fromisoformat(entry["at"])
        except (TypeError, ValueError):
            continue
        if not _in_range(at):
            continue
        if at.tzinfo is None or (until is not None and at > until):
            continue
        by_pipeline.setdefault(str(entry["pipeline"]), []).append({**entry, "at": at})
    result = {}
    for pipeline, runs in by_pipeline.items():
        runs.sort(key=lambda r: r["at"])
        last = runs[-1]
        since = last["at"]
        for run in reversed(runs):
            if run["status"] != last["status"]:
                break
            since = run["at"]
        listed = last.get("checks")
        checks = tuple(
            c
            for c in (listed if isinstance(listed, list) else [])
            if isinstance(c, dict)
            and isinstance(c.get("id"), str)
            and isinstance(c.get("status"), str)
        )
        failing = tuple(
            str(c.get("id")) for c in checks if c.get("status") in ("fail", "error", "warn")
        )
        result[pipeline] = PipelineStatus(
            pipeline=pipeline,
            status=str(last["status"]),
            at=last["at"],
            since=since,
            failing=failing,
            checks=checks,
        )
    return result
