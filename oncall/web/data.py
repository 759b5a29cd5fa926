"""What the web pages show, built by the same functions as the CLI's ``--format json``.

Each API route returns exactly what its command prints with ``--format json`` (docs/web.md):
``whois`` (``oncall.incident.whois.whois``), ``schedule`` (``oncall.cli.schedule.schedule_data``)
and ``handoff`` (``oncall.incident.handoff.agenda``). The latest diagnose comes from the diagnose
history (``oncall.history``), shaped as ``pipeline diagnose --format json`` for that pipeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oncall import history
from oncall.config.workspace import Workspace

#: how many weeks the rotation page shows, and how many diagnose runs the pipeline page lists
WEEKS = 12
RUNS = 10


def whois_data(workspace: Workspace, pipeline: str, now: datetime) -> dict[str, Any]:
    """``oncall whois PIPELINE --format json`` at ``now``."""
    from oncall.incident.whois import whois

    return whois(workspace, pipeline, now)


def schedule_json(workspace: Workspace, rotation_id: str) -> dict[str, Any]:
    """``oncall schedule --rotation ROTATION --format json`` (this week and the next ones)."""
    from oncall.cli.schedule import schedule_data
    from oncall.rotation import api

    return schedule_data(api.schedule(workspace, rotation_id, None, WEEKS, with_fairness=True))


def fairness_json(workspace: Workspace, rotation_id: str) -> dict[str, Any]:
    """``oncall fairness --rotation ROTATION --format json``."""
    from oncall.cli.fairness import fairness_data
    from oncall.rotation import api

    return fairness_data(api.fairness(workspace, rotation_id))


def handoff_json(workspace: Workspace, rotation_id: str, now: datetime) -> dict[str, Any]:
    """``oncall handoff --rotation ROTATION --format json`` for this week."""
    from oncall import clock
    from oncall.incident.handoff import agenda

    zone = workspace.rotation(rotation_id).zone
    return agenda(workspace, rotation_id, clock.today(zone), now, [])


def runs_of(workspace: Workspace, pipeline: str, until: datetime) -> list[dict[str, Any]]:
    """The pipeline's diagnose runs up to ``until``, newest first (``at`` parsed)."""
    found = []
    for entry in history.read_runs(workspace.root):
        if entry["pipeline"] != pipeline:
            continue
        try:
            at = datetime.fromisoformat(entry["at"])
        except ValueError:
            continue
        if at.tzinfo is None or at > until:
            continue
        checks = entry.get("checks")
        found.append(
            {
                **entry,
                "at": at,
                # lines written before a key existed (or edited by hand) read as without it
                "checks": [
                    {"count": None, "unit": "", "summary": None, "title": None, **c}
                    for c in (checks if isinstance(checks, list) else [])
                    if isinstance(c, dict) and isinstance(c.get("id"), str)
                ],
            }
        )
    found.sort(key=lambda run: run["at"], reverse=True)
    return found


def failing(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The checks of a run that did not pass (fail, warn, error), with their counts."""
    return [c for c in run["checks"] if c.get("status") in ("fail", "warn", "error")]


def diagnose_json(workspace: Workspace, pipeline: str, until: datetime) -> dict[str, Any] | None:
    """The latest recorded run of ``pipeline diagnose PIPELINE --format json``, or None.

    The history keeps each check's verdict and summary but not its sample rows (``details`` is
    empty); the remediation is the runbook's, as the diagnose run attached it.
    """
    runs = runs_of(workspace, pipeline, until)
    if not runs:
        return None
    run = runs[0]
    runbook = workspace.runbook(pipeline)
    checks = []
    for check in run["checks"]:
        issue = runbook.issue(check["id"])
        status = str(check.get("status"))
        checks.append(
            {
                "id": check["id"],
                "status": status,
                "count": check.get("count"),
                "summary": check.get("summary"),
                "details": [],
                "unit": check.get("unit", ""),
                "threshold": check.get("threshold", {}),
                "title": check.get("title") or (issue.title if issue else None),
                "remediation": issue.remediation if issue and status != "ok" else None,
                "error": check.get("error"),
            }
        )
    return {
        "pipelines": [{"pipeline": pipeline, "status": run["status"], "checks": checks}],
        "data": run.get("data"),
        "as_of": run.get("as_of"),
        "at": run["at"].isoformat(),
    }
