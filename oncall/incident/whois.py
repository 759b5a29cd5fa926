"""`oncall whois`: who answers an incident on a pipeline right now, and who comes next.

The answer follows the runbook's on-call policy:

- ``immediate``: the engineer on call in the runbook's rotation, at any hour;
- ``working-hours``: the rotation's engineer inside working hours; outside them (night, weekend,
  a public holiday of the rotation's calendar) nobody is paged, and the answer names who picks
  the issue up and when the next working window opens;
- ``month-end-watch``: the rotation's engineer, with a month-end warning in the last seven days
  of the month.

The escalation list continues with supporting teams, the primary owner teams, then the secondary
owner teams; a team with its own rotation is reached through whoever is on call in it.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from oncall.config.models import Member, Rotation, Runbook, Team, Teams
from oncall.config.workspace import Workspace
from oncall.incident.deadlines import in_last_week_of_month, occurrences
from oncall.rotation.api import DEFAULT_ROTATION, engine_for, holiday_book
from oncall.rotation.model import WeekAssignment
from oncall.rotation.weeks import index_at

POLICY_TEXT = {
    "immediate": "immediate: page the on-call engineer at any hour",
    "working-hours": "working hours only: no immediate on-call",
    "month-end-watch": "month-end watch: fixed before month-end reporting",
}


def when(at: datetime, zone_name: str | None = None) -> str:
    """``Wed 6 Jan 2027 10:00 CET`` in the given zone (the datetime's own zone if None)."""
    if zone_name:
        from zoneinfo import ZoneInfo

        at = at.astimezone(ZoneInfo(zone_name))
    return f"{at:%a} {at.day} {at:%b %Y %H:%M} {at.tzname()}"


def _assignment(workspace: Workspace, rotation: Rotation, at: datetime) -> WeekAssignment:
    engine = engine_for(workspace, rotation.id)
    return engine.week(index_at(rotation, at))


def _person(rotation: Rotation, member: Member) -> dict[str, Any]:
    return {
        "rotation": rotation.id,
        "id": member.id,
        "name": member.name,
        "email": member.email,
        "phone": member.phone,
    }


def _member_contact(member: Member) -> str:
    return f"{member.phone}, {member.email}"


def _team_contact(workspace: Workspace, team: Team, at: datetime, skip_rotation: str | None) -> str:
    """How to reach a team; a team with its own rotation through its on-call engineer."""
    parts = []
    if team.rotation and team.rotation != skip_rotation:
        rotation = workspace.rotation(team.rotation)
        engineer = _assignment(workspace, rotation, at).engineer
        member = rotation.member(engineer) if engineer else None
        if member is not None:
            parts.append(f"on call: {member.name} {member.phone}")
    if team.contact:
        parts.append(team.contact)
    return "; ".join(parts)


def _next_monthly_deadline(runbook: Runbook, zone: str, at: datetime) -> str | None:
    from datetime import timedelta

    for deadline in runbook.sla.deadlines:
        if deadline.every != "month":
            continue
        found = occurrences(deadline, zone, at, at + timedelta(days=62))
        if found:
            due = found[0]
            return f"{due.name} due {when(due.at)}"
    return None


def whois(workspace: Workspace, pipeline: str | None, at: datetime) -> dict[str, Any]:
    """The whole answer as JSON-ready data (CONTRACT section 3, plus a few extra keys)."""
    runbook = workspace.runbook(pipeline) if pipeline else None
    rotation_id = runbook.on_call.rotation if runbook else DEFAULT_ROTATION
    policy = runbook.on_call.policy if runbook else "immediate"
    rotation = workspace.rotation(rotation_id) if rotation_id else None
    teams = workspace.teams()
    if runbook is not None:
        primary, secondary = list(runbook.owners.primary), list(runbook.owners.secondary)
        support = list(runbook.on_call.support)
    else:
        primary = [rotation.team] if rotation and rotation.team else []
        secondary, support = [], []

    notes: list[str] = []
    on_call: dict[str, Any] | None = None
    picks_up: dict[str, Any] | None = None
    next_window: datetime | None = None
    week: WeekAssignment | None = None
    extra: dict[str, Any] = {}
    if rotation is None:
        notes.append("This pipeline has no rotation: contact the owner teams in working hours.")
    else:
        week = _assignment(workspace, rotation, at)
        member = rotation.member(week.engineer) if week.engineer else None
        extra["shift"] = {
            "start": week.shift_start.isoformat(),
            "end": week.shift_end.isoformat(),
            "week": week.start.isoformat(),
        }
        if member is None:
            reason = week.reason or "the rotation has not started"
            notes.append(
                f"Nobody is on call in {rotation.id} this week ({reason}); "
                "go straight to the next step."
            )
        elif policy == "working-hours":
            from oncall.incident.working_hours import working_time

            hours = rotation.working_hours
            window = (
                f"{'/'.join(d.capitalize() for d in hours.days)} "
                f"{hours.start:%H:%M}-{hours.end:%H:%M} {rotation.timezone}"
            )
            status = working_time(rotation, at, holiday_book())
            name = runbook.name if runbook else rotation.name
            if status.working:
                on_call = _person(rotation, member)
                notes.append(
                    f"{name} has no immediate on-call; it is handled in working hours "
                    f"({window}) and {member.name} picks it up now."
                )
            else:
                next_window = status.next_start
                later = _assignment(workspace, rotation, next_window) if next_window else week
                who = rotation.member(later.engineer) if later.engineer else None
                picks_up = _person(rotation, who) if who else None
                opens = when(next_window) if next_window else "not within 60 days"
                by = f"{who.name} picks it up then" if who else "nobody is scheduled then"
                notes.append(
                    f"No immediate on-call for {name}: it is {when(at, rotation.timezone)}, "
                    f"{status.why_not}. The next working window ({window}) opens {opens}; "
                    f"{by}."
                )
        else:
            on_call = _person(rotation, member)
        if week.reason and week.engineer:
            notes.append(f"This week: {week.reason}.")
        if member is not None and on_call:
            today = at.astimezone(rotation.zone).date()
            holiday = next((h for h in week.holidays.get(member.id, ()) if h.date == today), None)
            if holiday is not None:
                notes.append(
                    f"Today is a public holiday in {member.name}'s calendar ({holiday.name})."
                )
        if week.conflict:
            notes.append(f"Conflict to settle: {week.conflict}.")
        if policy == "month-end-watch":
            local_day = at.astimezone(rotation.zone).date()
            due = _next_monthly_deadline(runbook, rotation.timezone, at) if runbook else None
            if in_last_week_of_month(local_day):
                month = calendar.month_name[local_day.month]
                notes.append(
                    f"Close month-end watch: last week of {month}"
                    + (f"; {due}" if due else "")
                    + ". Fix everything before then."
                )
            elif due:
                notes.append(f"Fix before month-end reporting: {due}.")
    for name in support:
        team = teams.get(name) if teams else None
        notes.append(f"Support: {name}" + (f" ({team.contact})." if team and team.contact else "."))

    escalation = _escalation(
        workspace, teams, rotation, on_call, picks_up, next_window, support, primary, secondary, at
    )
    local_at = at.astimezone(rotation.zone) if rotation else at
    return {
        "pipeline": runbook.id if runbook else None,
        "at": local_at.replace(microsecond=0).isoformat(),
        "policy": policy,
        "on_call": on_call,
        "note": " ".join(notes) or None,
        "owners": {"primary": primary, "secondary": secondary},
        "escalation": escalation,
        "name": runbook.name if runbook else (rotation.name if rotation else None),
        "timezone": rotation.timezone if rotation else None,
        "picks_up": picks_up,
        "next_window": next_window.isoformat() if next_window else None,
        "support": support,
        **extra,
    }


def _escalation(
    workspace: Workspace,
    teams: Teams | None,
    rotation: Rotation | None,
    on_call: dict[str, Any] | None,
    picks_up: dict[str, Any] | None,
    next_window: datetime | None,
    support: list[str],
    primary: list[str],
    secondary: list[str],
    at: datetime,
) -> list[dict[str, Any]]:
    steps: list[tuple[str, str]] = []
    if on_call is not None:
        steps.append((f"{on_call['name']} (on call, {on_call['rotation']})", _contact(on_call)))
    elif picks_up is not None and next_window is not None:
        steps.append(
            (
                f"{picks_up['name']} ({picks_up['rotation']}, from {when(next_window)})",
                _contact(picks_up),
            )
        )
    skip = rotation.id if rotation else None
    roles: dict[str, list[str]] = {}
    for role, names in (
        ("support", support),
        ("primary owner", primary),
        ("secondary owner", secondary),
    ):
        for name in names:
            roles.setdefault(name, []).append(role)
    for name, team_roles in roles.items():
        team = teams.get(name) if teams else None
        contact = _team_contact(workspace, team, at, skip) if team else ""
        steps.append((f"{name} ({' and '.join(team_roles)})", contact))
    return [
        {"step": n, "who": who, "contact": contact} for n, (who, contact) in enumerate(steps, 1)
    ]


def _contact(person: dict[str, Any]) -> str:
    return f"{person['phone']}, {person['email']}"


def render_text(answer: dict[str, Any], width: int = 80) -> str:
    """The answer for a terminal: one screen, at most ``width`` columns."""
    import textwrap

    from oncall.escape import terminal_tree

    answer = terminal_tree(answer)  # names and notes are people's text: no terminal controls
    zone = answer.get("timezone")
    at = datetime.fromisoformat(answer["at"])
    title = answer["name"] or "Data Engineering"
    if answer["pipeline"]:
        title = f"{title} ({answer['pipeline']})"
    lines = textwrap.wrap(f"{title} - {when(at, zone)}", width=width, subsequent_indent="  ")
    on_call = answer["on_call"]
    if on_call:
        lines.append(f"ON CALL  {on_call['name']}  {on_call['phone']}  {on_call['email']}")
        shift = answer.get("shift")
        if shift:
            end = datetime.fromisoformat(shift["end"])
            lines.append(f"         {on_call['rotation']} rotation, until {when(end, zone)}")
    else:
        lines.append("ON CALL  nobody is paged now")
    lines.append(f"Policy   {POLICY_TEXT.get(answer['policy'], answer['policy'])}")
    if answer["note"]:
        lines += textwrap.wrap(
            answer["note"], width=width, initial_indent="Note     ", subsequent_indent=" " * 9
        )
    lines.append("Escalation")
    for step in answer["escalation"]:
        head = f"  {step['step']}. {step['who']}"
        lines += textwrap.wrap(head, width=width, subsequent_indent=" " * 5)
        if step["contact"]:
            lines += textwrap.wrap(
                step["contact"],
                width=width,
                initial_indent=" " * 5,
                subsequent_indent=" " * 5,
                break_on_hyphens=False,
            )
    return "\n".join(lines) + "\n"
