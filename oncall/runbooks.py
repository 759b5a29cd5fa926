"""Runbooks as documents: the owners table, Markdown for people, plain data for JSON."""

from __future__ import annotations

from typing import Any

from oncall.config.models import Deadline, Runbook, Teams, plain

WEEKDAY_LONG = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}

POLICY_TEXT = {
    "immediate": "immediate: page the on-call at any hour, fix at once",
    "working-hours": "working hours only: no immediate on-call",
    "month-end-watch": "month-end watch: watched closely in the last week of each month",
}


def owners_rows(runbooks: list[Runbook]) -> list[dict[str, Any]]:
    """The owners table: one row per pipeline (pipeline, name, primary, secondary)."""
    return [
        {
            "pipeline": runbook.id,
            "name": runbook.name,
            "primary": list(runbook.owners.primary),
            "secondary": list(runbook.owners.secondary),
            "rotation": runbook.on_call.rotation,
            "policy": runbook.on_call.policy,
            "support": list(runbook.on_call.support),
        }
        for runbook in runbooks
    ]


def ordinal(day: int) -> str:
    """1 -> 1st, 22 -> 22nd, -1 -> last day, -2 -> 2nd-to-last day."""
    if day < 0:
        return "last day" if day == -1 else f"{ordinal(-day)}-to-last day"
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def describe_deadline(deadline: Deadline, default_zone: str | None = None) -> str:
    """``every Friday at 17:00 Europe/Berlin`` / ``monthly on the 5th at 23:59 UTC``."""
    zone = deadline.timezone or default_zone or "UTC"
    at = deadline.at.strftime("%H:%M")
    if deadline.every == "week":
        when = f"every {WEEKDAY_LONG[deadline.weekday or 'sun']}"
    else:
        when = f"monthly on the {ordinal(deadline.day or -1)}"
    return f"{when} at {at} {zone}"


def describe_sla(runbook: Runbook) -> list[str]:
    """The SLA's structured fields as short sentences."""
    sla = runbook.sla
    lines = []
    if sla.respond_within_minutes is not None:
        lines.append(f"respond within {sla.respond_within_minutes} minutes")
    span = fix_span(runbook)
    if span is not None:
        lines.append(f"fix within {span}")
    if sla.data_due_hours is not None:
        lines.append(f"data due within {_hours(sla.data_due_hours)} of the event")
    return lines


def fix_span(runbook: Runbook) -> str | None:
    """How long an issue may take to fix: ``8 hours``, ``a week``, or ``40 working hours`` for
    a pipeline handled in working hours only."""
    hours = runbook.sla.fix_within_hours
    if hours is None:
        return None
    if runbook.on_call.policy == "working-hours":
        return f"{hours} working hour{'s' if hours != 1 else ''}"
    return _hours(hours)


def _hours(hours: int) -> str:
    if hours and hours % 24 == 0:
        days = hours // 24
        return "a week" if days == 7 else f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"


def runbook_data(runbook: Runbook) -> dict[str, Any]:
    """The runbook as JSON-ready data (every field of the file, defaults filled in)."""
    data = plain(runbook)
    assert isinstance(data, dict)
    return data


def runbook_markdown(runbook: Runbook, teams: Teams | None, zone: str | None = None) -> str:
    """The runbook as Markdown, ready for a terminal (via Rich), a wiki page or a chat.

    One-line fields (names, titles, teams) are escaped; descriptions, the SLA summary, symptoms
    and remediation steps are the runbook author's own Markdown and kept as written."""
    from oncall.escape import md_inline

    def team_line(name: str) -> str:
        team = teams.get(name) if teams else None
        text = f"{name} ({team.contact})" if team and team.contact else name
        return md_inline(text)

    out: list[str] = [f"# {md_inline(runbook.name)} (`{runbook.id}`)", ""]
    if runbook.description:
        out += [runbook.description.strip(), ""]
    out += ["## Owners", ""]
    out += [f"- Primary: {team_line(name)}" for name in runbook.owners.primary]
    out += [f"- Secondary: {team_line(name)}" for name in runbook.owners.secondary]
    out += ["", "## On call", ""]
    rotation = runbook.on_call.rotation
    out.append(f"- Rotation: `{rotation}`" if rotation else "- Rotation: none")
    out.append(f"- Policy: {POLICY_TEXT[runbook.on_call.policy]}")
    out += [f"- Support: {team_line(name)}" for name in runbook.on_call.support]
    out.append(f"- Who is on call now: `oncall whois {runbook.id}`")
    out += ["", "## SLA", "", runbook.sla.summary.strip(), ""]
    out += [f"- {line}" for line in describe_sla(runbook)]
    for deadline in runbook.sla.deadlines:
        owner = f" (owner: {md_inline(deadline.owner)})" if deadline.owner else ""
        out.append(f"- {md_inline(deadline.name)}: {describe_deadline(deadline, zone)}{owner}")
    out += ["", "## Data sources", "", "| source | description | provided by | arrives |"]
    out.append("| --- | --- | --- | --- |")
    for source in runbook.data_sources:
        cells = [source.name, source.description, source.provided_by or "", source.arrives or ""]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out += ["", "## Common issues", ""]
    out.append(f"Run `pipeline diagnose {runbook.id} --data DIR` to check each of them.")
    for issue in runbook.common_issues:
        out += ["", f"### {md_inline(issue.title)} (`{issue.id}`)", ""]
        if issue.symptoms:
            out += [f"*Symptoms:* {issue.symptoms.strip()}", ""]
        out.append(issue.remediation.rstrip())
    return "\n".join(out).rstrip() + "\n"


def _cell(text: str) -> str:
    from oncall.escape import md_inline

    return md_inline(" ".join(text.split()))
