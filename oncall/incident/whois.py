"""`oncall whois`: who answers an incident on a pipeline right now, and who comes next.

The answer follows the runbook's on-call policy:

- ``immediate``: the engineer on call in the runbook's rotation, at any hour;
- ``working-hours``: the rotation's engineer inside working hours; outside them (night, weekend,
  a public holiday of the rotation's calendar) nobody is paged, and the answer names who picks
  the issue up and when the next working window opens;
- ``month-end-watch``: the rotation's engineer, with a month-end warning in the last seven days
  of the month.

Whoever "is on call" is who actually answers at that instant (``oncall.rotation.duty``): a
cover first, then the week's planned engineer, and never somebody whose leave includes the
instant. When the planned engineer is on leave and nobody covers, the answer is *uncovered* and
the escalation starts with the backup.

The escalation list is the engineer on call, the backup (rotations with ``backup: true``), then
supporting teams, the primary owner teams, then the secondary owner teams; a team with its own
rotation is reached through whoever answers in it.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from oncall.config.models import Member, Rotation, Runbook, Team, Teams
from oncall.config.workspace import Workspace
from oncall.incident.deadlines import in_last_week_of_month, occurrences
from oncall.rotation.api import DEFAULT_ROTATION, engine_for, holiday_book
from oncall.rotation.duty import Duty, duty_at, next_change
from oncall.rotation.engine import describe_leave
from oncall.rotation.model import Cover
from oncall.text import short_when, when

POLICY_TEXT = {
    "immediate": "immediate: page the on-call engineer at any hour",
    "working-hours": "working hours only: no immediate on-call",
    "month-end-watch": "month-end watch: fixed before month-end reporting",
}


def _duty(workspace: Workspace, rotation: Rotation, at: datetime) -> Duty:
    return duty_at(engine_for(workspace, rotation.id), at)


def _person(rotation: Rotation, member: Member) -> dict[str, Any]:
    return {
        "rotation": rotation.id,
        "id": member.id,
        "name": member.name,
        "email": member.email,
        "phone": member.phone,
    }


def _team_contact(workspace: Workspace, team: Team, at: datetime, skip_rotation: str | None) -> str:
    """How to reach a team; a team with its own rotation through its on-call engineer."""
    parts = []
    if team.rotation and team.rotation != skip_rotation:
        rotation = workspace.rotation(team.rotation)
        engineer = _duty(workspace, rotation, at).on_call
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


def _cover(cover: Cover | None, zone: Any) -> dict[str, Any] | None:
    if cover is None:
        return None
    return {
        "id": cover.id,
        "member": cover.member,
        "from": cover.start.astimezone(zone).isoformat(),
        "until": cover.until.astimezone(zone).isoformat(),
        "reason": cover.reason,
        "for": cover.instead_of,
    }


def whois(
    workspace: Workspace, pipeline: str | None, at: datetime, zone_name: str | None = None
) -> dict[str, Any]:
    """The whole answer as JSON-ready data; times in ``zone_name`` (default: the rotation's)."""
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

    from zoneinfo import ZoneInfo

    notes: list[str] = []
    on_call: dict[str, Any] | None = None
    picks_up: dict[str, Any] | None = None
    next_window: datetime | None = None
    extra: dict[str, Any] = {
        "uncovered": False,
        "planned": None,
        "cover": None,
        "backup": None,
        "next": None,
    }
    shown_zone = zone_name or (rotation.timezone if rotation else None)
    zone = ZoneInfo(shown_zone) if shown_zone else None
    backup: dict[str, Any] | None = None
    if rotation is None:
        notes.append("This pipeline has no rotation: contact the owner teams in working hours.")
    else:
        engine = engine_for(workspace, rotation.id)
        duty = duty_at(engine, at)
        week = duty.week
        member = rotation.member(duty.on_call) if duty.on_call else None
        planned = rotation.member(duty.planned) if duty.planned else None
        backup_member = rotation.member(duty.backup) if duty.backup else None
        backup = _person(rotation, backup_member) if backup_member else None
        extra["planned"] = _person(rotation, planned) if planned else None
        extra["cover"] = _cover(duty.cover, zone)
        extra["backup"] = backup
        extra["uncovered"] = duty.uncovered
        extra["shift"] = {
            "start": week.shift_start.astimezone(zone).isoformat(),
            "end": week.shift_end.astimezone(zone).isoformat(),
            "week": week.start.isoformat(),
        }
        later = next_change(engine, duty)
        if later is not None:
            who = rotation.member(later.on_call) if later.on_call else None
            extra["next"] = {
                "id": who.id if who else None,
                "name": who.name if who else None,
                "from": later.at.astimezone(zone).isoformat(),
            }
        if duty.uncovered:
            assert planned is not None and duty.planned_leave is not None
            leave = describe_leave(planned.name, duty.planned_leave)
            step = "call the backup" if backup else "go straight to the next step"
            notes.append(f"UNCOVERED: {leave} and nobody covers; {step}.")
        elif duty.cover is not None and member is not None:
            covered = rotation.member(duty.planned) if duty.planned else None
            why = f" ({duty.cover.reason})" if duty.cover.reason else ""
            notes.append(
                f"{member.name} covers for {covered.name if covered else 'the planned engineer'}"
                f"{why} until {when(duty.cover.until, shown_zone)} (cover #{duty.cover.id})."
            )
        if duty.planned_backup and duty.backup is None and duty.backup_leave is not None:
            notes.append(
                f"The backup is away: "
                f"{describe_leave(str(duty.planned_backup), duty.backup_leave)}."
            )
        if member is None and duty.planned is None:
            reason = week.reason or "the rotation has not started"
            notes.append(
                f"Nobody is on call in {rotation.id} this week ({reason}); "
                "go straight to the next step."
            )
        elif member is None:
            pass
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
                then = _duty(workspace, rotation, next_window) if next_window else duty
                who = rotation.member(then.on_call) if then.on_call else None
                picks_up = _person(rotation, who) if who else None
                opens = when(next_window, shown_zone) if next_window else "not within 60 days"
                by = f"{who.name} picks it up then" if who else "nobody is scheduled then"
                notes.append(
                    f"No immediate on-call for {name}: it is {when(at, shown_zone)}, "
                    f"{status.why_not}. The next working window ({window}) opens {opens}; "
                    f"{by}."
                )
        else:
            on_call = _person(rotation, member)
        moved = week.reason
        if moved and week.conflict:  # the conflict is its own note (or settled by a cover)
            moved = moved.removesuffix(week.conflict).removesuffix("; ") or None
        if moved and week.engineer:
            notes.append(f"This week: {moved}.")
        if member is not None and on_call:
            today = at.astimezone(rotation.zone).date()
            holiday = next((h for h in week.holidays.get(member.id, ()) if h.date == today), None)
            if holiday is not None:
                notes.append(
                    f"Today is a public holiday in {member.name}'s calendar ({holiday.name})."
                )
        if week.conflict and duty.cover is None and not duty.uncovered:
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
        workspace,
        teams,
        rotation,
        on_call,
        picks_up,
        next_window,
        backup,
        support,
        primary,
        secondary,
        at,
        shown_zone,
    )
    local_at = at.astimezone(zone) if zone else at
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
        "shown_timezone": shown_zone,
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
    backup: dict[str, Any] | None,
    support: list[str],
    primary: list[str],
    secondary: list[str],
    at: datetime,
    zone_name: str | None,
) -> list[dict[str, Any]]:
    steps: list[tuple[str, str]] = []
    if on_call is not None:
        steps.append((f"{on_call['name']} (on call, {on_call['rotation']})", _contact(on_call)))
    elif picks_up is not None and next_window is not None:
        steps.append(
            (
                f"{picks_up['name']} ({picks_up['rotation']}, from {when(next_window, zone_name)})",
                _contact(picks_up),
            )
        )
    if backup is not None and (on_call is None or backup["id"] != on_call["id"]):
        steps.append((f"{backup['name']} (backup, {backup['rotation']})", _contact(backup)))
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
    zone = answer.get("shown_timezone") or answer.get("timezone")
    at = datetime.fromisoformat(answer["at"])
    title = answer["name"] or "Data Engineering"
    if answer["pipeline"]:
        title = f"{title} ({answer['pipeline']})"
    lines = textwrap.wrap(f"{title} - {when(at, zone)}", width=width, subsequent_indent="  ")
    on_call = answer["on_call"]
    planned = answer.get("planned")
    cover = answer.get("cover")
    if answer.get("uncovered") and planned:
        lines += textwrap.wrap(
            f"UNCOVERED  {planned['name']} (planned) is on leave and nobody covers",
            width=width,
            subsequent_indent=" " * 11,
        )
    elif on_call:
        lines.append(f"ON CALL  {on_call['name']}  {on_call['phone']}  {on_call['email']}")
        shift = answer.get("shift")
        if cover:
            until = datetime.fromisoformat(cover["until"])
            who = planned["name"] if planned else "the planned engineer"
            lines.append(f"         covering for {who} until {when(until, zone)}")
        elif shift:
            end = datetime.fromisoformat(shift["end"])
            lines.append(f"         {on_call['rotation']} rotation, until {when(end, zone)}")
    else:
        lines.append("ON CALL  nobody is paged now")
    backup = answer.get("backup")
    if backup and (not on_call or backup["id"] != on_call["id"]):
        lines.append(f"BACKUP   {backup['name']}  {backup['phone']}  {backup['email']}")
    following = answer.get("next")
    if following:
        start = datetime.fromisoformat(following["from"])
        name = following["name"] or "nobody (uncovered)"
        lines.append(f"Next     {name} from {short_when(start, zone)}")
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
