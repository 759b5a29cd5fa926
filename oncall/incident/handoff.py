"""The Monday hand-off agenda: who hands over to whom, what the week holds, how each pipeline is.

The agenda of the week containing a day covers the shift that starts at that week's Monday
hand-off: the outgoing and incoming engineer (and backup), the meeting in local time, public
holidays, leave, covers, spans nobody covers, swaps and conflicts of the week, then per pipeline
its owners, the latest recorded `pipeline diagnose` result (and since when), the SLA deadlines
falling in the shift, and the items the team carries over. It is useful with no diagnose history
too: it says how to get one.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

from oncall import history
from oncall.config import catalog
from oncall.config.models import Rotation, Runbook
from oncall.config.workspace import Workspace
from oncall.escape import md_inline
from oncall.incident.deadlines import in_last_week_of_month, occurrences
from oncall.incident.items import load_items
from oncall.rotation.api import engine_for
from oncall.rotation.weeks import week_index
from oncall.runbooks import fix_span
from oncall.text import when

POLICY_SHORT = {
    "immediate": "immediate",
    "working-hours": "working hours only",
    "month-end-watch": "month-end watch",
}


def _stamp(at: datetime) -> str:
    return at.replace(microsecond=0).isoformat()


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _person(rotation: Rotation, member_id: str | None) -> dict[str, Any] | None:
    member = rotation.member(member_id) if member_id else None
    if member is None:
        return None
    return {"id": member.id, "name": member.name, "email": member.email, "phone": member.phone}


def _pipelines_of(workspace: Workspace, rotation: Rotation) -> list[Runbook]:
    """Runbooks this rotation answers for, or whose owners include the rotation's team."""
    chosen = []
    for runbook in workspace.runbooks():
        owners = (*runbook.owners.primary, *runbook.owners.secondary)
        if runbook.on_call.rotation == rotation.id or (rotation.team and rotation.team in owners):
            chosen.append(runbook)
    return chosen


def _sla_notes(runbook: Runbook, rotation: Rotation, start: datetime, end: datetime) -> list[str]:
    notes = []
    sla = runbook.sla
    if sla.data_due_hours is not None:
        cutoff = (end - timedelta(hours=sla.data_due_hours)).astimezone(rotation.zone)
        notes.append(
            f"{sla.data_due_hours}-hour arrival window: data of events up to {when(cutoff)} "
            "must have arrived by the next hand-off"
        )
    span = fix_span(runbook)
    if span is not None:
        notes.append(f"issues are fixed within {span}")
    if runbook.on_call.policy == "month-end-watch":
        days = [start.astimezone(rotation.zone).date() + timedelta(days=n) for n in range(7)]
        last = [d for d in days if in_last_week_of_month(d)]
        if last:
            month = calendar.month_name[last[0].month]
            notes.append(
                f"last week of {month}: close month-end watch, everything fixed before "
                "month-end reporting"
            )
    return notes


def agenda(
    workspace: Workspace,
    rotation_id: str,
    day: date,
    now: datetime,
    warnings: list[str] | None = None,
) -> dict[str, Any]:
    """The hand-off agenda of the week containing ``day``, as JSON-ready data.

    ``now`` bounds the diagnose history read (an agenda for a past week shows what was known
    then, one for a future week what is known now); what could not be read of the history is
    added to ``warnings``.
    """
    rotation = workspace.rotation(rotation_id)
    engine = engine_for(workspace, rotation_id)
    index = week_index(rotation, day)
    week = engine.week(index)
    previous = engine.week(index - 1)
    meeting_end = week.shift_start + timedelta(minutes=rotation.rotation.handoff_minutes)

    holidays = [
        {"member": member, "date": h.date.isoformat(), "name": h.name}
        for member in (m.id for m in rotation.members)
        for h in week.holidays.get(member, ())
    ]
    holidays.sort(key=lambda h: (h["date"], h["member"]))
    leave = [
        {
            "member": member,
            "start": lv.start.isoformat(),
            "end": lv.end.isoformat(),
            "reason": lv.reason,
        }
        for member, spans in week.leave.items()
        for lv in spans
    ]
    swaps = [
        {"id": s.id, "description": s.describe(), "note": s.note, "undone": s.undone is not None}
        for s in week.swap_history
    ]
    conflicts = [c for c in (previous.conflict, week.conflict) if c]
    covers = [
        {
            "id": c.id,
            "member": c.member,
            "for": c.instead_of,
            "from": _stamp(c.start.astimezone(rotation.zone)),
            "until": _stamp(c.until.astimezone(rotation.zone)),
            "reason": c.reason,
        }
        for c in week.active_covers
    ]
    from oncall.rotation.duty import segments

    uncovered = []
    for piece in segments(engine, week.shift_start, week.shift_end):
        for role, planned, answers, away in (
            ("primary", piece.duty.planned, piece.duty.on_call, piece.duty.planned_leave),
            ("backup", piece.duty.planned_backup, piece.duty.backup, piece.duty.backup_leave),
        ):
            if planned is not None and answers is None and away is not None:
                uncovered.append(
                    {
                        "role": role,
                        "member": planned,
                        "from": _stamp(piece.start.astimezone(rotation.zone)),
                        "until": _stamp(piece.until.astimezone(rotation.zone)),
                        "reason": away.reason,
                    }
                )

    statuses = history.latest_statuses(workspace.root, until=now, warnings=warnings)
    pipelines = []
    for runbook in _pipelines_of(workspace, rotation):
        zone = rotation.timezone
        deadlines = [
            {
                "name": d.name,
                "at": _stamp(d.at),
                "timezone": deadline.timezone or zone,
                "owner": d.owner,
            }
            for deadline in runbook.sla.deadlines
            for d in occurrences(deadline, zone, week.shift_start, week.shift_end)
        ]
        deadlines.sort(key=lambda d: str(d["at"]))
        status = statuses.get(runbook.id)
        pipelines.append(
            {
                "pipeline": runbook.id,
                "name": runbook.name,
                "owners": {
                    "primary": list(runbook.owners.primary),
                    "secondary": list(runbook.owners.secondary),
                },
                "on_call": {"rotation": runbook.on_call.rotation, "policy": runbook.on_call.policy},
                "diagnose": None
                if status is None
                else {
                    "status": status.status,
                    "at": _stamp(status.at),
                    "since": _stamp(status.since),
                    "failing": list(status.failing),
                    "findings": [
                        {"id": c["id"], "status": c["status"], "count": c.get("count")}
                        for c in status.checks
                        if c.get("id") in status.failing
                    ],
                },
                "deadlines": deadlines,
                "sla": _sla_notes(runbook, rotation, week.shift_start, week.shift_end),
            }
        )

    items = [
        {"id": i.id, "text": i.text, "owner": i.owner, "added": i.added.isoformat()}
        for i in load_items(workspace, rotation_id)
        if i.open_on(week.start)
    ]
    return {
        "rotation": rotation.id,
        "name": rotation.name,
        "timezone": rotation.timezone,
        "week": {"start": week.start.isoformat(), "end": week.end.isoformat()},
        "meeting": {
            "start": _stamp(week.shift_start),
            "end": _stamp(meeting_end),
            "minutes": rotation.rotation.handoff_minutes,
        },
        "outgoing": _person(rotation, previous.engineer),
        "incoming": _person(rotation, week.engineer),
        "backup": _person(rotation, week.backup),
        "shift_end": _stamp(week.shift_end),
        "reason": week.reason,
        "holidays": holidays,
        "leave": leave,
        "swaps": swaps,
        "covers": covers,
        "uncovered": uncovered,
        "conflicts": conflicts,
        "pipelines": pipelines,
        "carried_over": items,
    }


def _name(person: dict[str, Any] | None) -> str:
    return f"{md_inline(person['name'])} ({md_inline(person['id'])})" if person else "nobody"


def render_markdown(data: dict[str, Any]) -> str:
    """The agenda as Markdown, ready to paste into a document or chat.

    Every text people typed (names, reasons, notes, items) is escaped with ``md_inline``: it
    stays on its line and never adds headings, list items or table rows."""
    start = datetime.fromisoformat(data["meeting"]["start"])
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(data["timezone"])
    start = start.astimezone(zone)
    end = datetime.fromisoformat(data["meeting"]["end"]).astimezone(zone)
    shift_end = datetime.fromisoformat(data["shift_end"]).astimezone(zone)
    monday = date.fromisoformat(data["week"]["start"])
    sunday = date.fromisoformat(data["week"]["end"])
    out = [
        f"# On-call hand-off: {md_inline(data['name'])}, week of {_day(monday)} {monday.year}",
        "",
        f"- **Meeting:** {start:%a} {start.day} {start:%b %Y %H:%M}-{end:%H:%M} "
        f"{start.tzname()} ({data['timezone']}), {data['meeting']['minutes']} minutes",
        f"- **Outgoing:** {_name(data['outgoing'])}",
        f"- **Incoming:** {_name(data['incoming'])}, on call until {when(shift_end)}",
    ]
    if data.get("backup"):
        out.append(f"- **Backup:** {_name(data['backup'])}")
    if data["reason"]:
        out.append(f"- **Why not the usual order:** {md_inline(data['reason'])}")
    out += ["", f"## The coming week ({_day(monday)} - {_day(sunday)})", ""]
    if data["holidays"]:
        out.append("Public holidays:")
        for h in data["holidays"]:
            day = _day(date.fromisoformat(h["date"]))
            out.append(f"- {day}: {md_inline(h['name'])} ({md_inline(h['member'])})")
    else:
        out.append("Public holidays: none.")
    out.append("")
    if data["leave"]:
        out.append("Leave:")
        for lv in data["leave"]:
            why = f" ({md_inline(lv['reason'])})" if lv["reason"] else ""
            first, last = date.fromisoformat(lv["start"]), date.fromisoformat(lv["end"])
            out.append(f"- {md_inline(lv['member'])}: {_day(first)} - {_day(last)}{why}")
    else:
        out.append("Leave: none.")
    out.append("")
    if data.get("covers"):
        out.append("Covers:")
        for c in data["covers"]:
            first = datetime.fromisoformat(c["from"]).astimezone(zone)
            last = datetime.fromisoformat(c["until"]).astimezone(zone)
            whom = f" for {md_inline(c['for'])}" if c["for"] else ""
            why = f" ({md_inline(c['reason'])})" if c["reason"] else ""
            out.append(
                f"- #{c['id']} {md_inline(c['member'])}{whom}: {when(first)} - {when(last)}{why}"
            )
    else:
        out.append("Covers: none.")
    out.append("")
    for gap in data.get("uncovered", []):
        first = datetime.fromisoformat(gap["from"]).astimezone(zone)
        last = datetime.fromisoformat(gap["until"]).astimezone(zone)
        role = "" if gap["role"] == "primary" else f" ({gap['role']})"
        out.append(
            f"**UNCOVERED{role}:** {when(first)} - {when(last)}: {md_inline(gap['member'])} "
            f"is on leave; add a cover (`oncall cover suggest --from {gap['from']} "
            f"--until {gap['until']}`)"
        )
        out.append("")
    if data["swaps"]:
        out.append("Swaps touching this week:")
        for s in data["swaps"]:
            state = " (undone)" if s["undone"] else ""
            note = f" - {md_inline(s['note'])}" if s["note"] else ""
            out.append(f"- {md_inline(s['description'])}{state}{note}")
    else:
        out.append("Swaps: none.")
    for conflict in data["conflicts"]:
        out += ["", f"**Conflict to settle:** {md_inline(conflict)}"]
    out += ["", "## Pipelines"]
    for p in data["pipelines"]:
        owners = ", ".join(md_inline(name) for name in p["owners"]["primary"])
        secondary = ", ".join(md_inline(name) for name in p["owners"]["secondary"])
        on_call = p["on_call"]
        out += [
            "",
            f"### {md_inline(p['name'])} (`{p['pipeline']}`)",
            "",
            f"- Owners: {owners}" + (f"; then {secondary}" if secondary else ""),
            f"- On call: {on_call['rotation'] or 'no rotation'} "
            f"({POLICY_SHORT.get(on_call['policy'], on_call['policy'])})",
        ]
        diagnose = p["diagnose"]
        if diagnose is None:
            command = f"pipeline diagnose {p['pipeline']} --data DIR"
            out.append(f"- Last diagnose: none recorded; run `{command}`")
        else:
            at = datetime.fromisoformat(diagnose["at"]).astimezone(zone)
            since = datetime.fromisoformat(diagnose["since"]).astimezone(zone)
            failing = _findings(diagnose.get("findings", []), diagnose["status"])
            out.append(
                f"- Last diagnose ({when(at)}): **{md_inline(diagnose['status'])}** since "
                f"{when(since)}{failing}"
            )
        if p["deadlines"]:
            out.append("- Deadlines this week:")
            for d in p["deadlines"]:
                own = datetime.fromisoformat(d["at"]).astimezone(ZoneInfo(d["timezone"]))
                local = own.astimezone(zone)
                also = (
                    f" ({own:%H:%M} {d['timezone']})" if d["timezone"] != data["timezone"] else ""
                )
                owner = f" ({md_inline(d['owner'])})" if d["owner"] else ""
                out.append(f"  - {when(local)}{also}: {md_inline(d['name'])}{owner}")
        else:
            out.append("- Deadlines this week: none")
        for note in p["sla"]:
            out.append(f"- SLA: {md_inline(note)}")
    out += ["", "## Carried over", ""]
    if data["carried_over"]:
        for item in data["carried_over"]:
            owner = f" ({md_inline(item['owner'])})" if item["owner"] else ""
            added = _day(date.fromisoformat(item["added"]))
            out.append(f"- [ ] #{item['id']} {md_inline(item['text'])}{owner}, since {added}")
    else:
        out.append('Nothing carried over. Add an item with `oncall handoff carry "TEXT"`.')
    out += ["", "## Notes", "", "- "]
    return "\n".join(out) + "\n"


def _findings(findings: list[dict[str, Any]], shown: str) -> str:
    """``: kafka_gap (2 gaps); warn: duplicate_events (75 surplus rows)``: the checks that did
    not pass, by status (the worst first), each with what it counted; the group whose status is
    ``shown`` already (the pipeline's) goes unlabelled."""
    parts = []
    for status in ("error", "fail", "warn"):
        named = []
        for finding in findings:
            if finding["status"] != status:
                continue
            count, unit = finding.get("count"), catalog.CHECK_UNITS.get(finding["id"])
            if status != "error" and isinstance(count, int) and unit:
                named.append(f"{finding['id']} ({catalog.counted(count, unit)})")
            else:
                named.append(md_inline(finding["id"]))
        if named:
            parts.append(", ".join(named) if status == shown else f"{status}: {', '.join(named)}")
    return ": " + "; ".join(parts) if parts else ""
