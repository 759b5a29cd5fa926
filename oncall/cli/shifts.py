"""``oncall shifts MEMBER``: one person's coming primary weeks, backup weeks and covers."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from oncall.cli.base import print_json
from oncall.cli.context import workspace
from oncall.cli.options import DEFAULT_ROTATION, RotationOption, WeeksOption
from oncall.cli.output import ShiftsFormat

if TYPE_CHECKING:
    from datetime import datetime

    from oncall.config.models import Rotation
    from oncall.config.workspace import Workspace


def shifts_data(
    ws: "Workspace", rotation: "Rotation", member_id: str, weeks: int
) -> dict[str, Any]:
    """The member's shifts from the week in progress on, for ``weeks`` weeks, in their zone."""
    from datetime import datetime

    from oncall import clock
    from oncall.rotation.api import current_week, engine_for
    from oncall.rotation.duty import member_zone

    member = rotation.member(member_id)
    assert member is not None
    zone = member_zone(rotation, member_id)
    engine = engine_for(ws, rotation.id)
    first = max(0, current_week(rotation))
    window = engine.weeks(first, weeks)
    now = clock.now()

    def stamp(moment: "datetime") -> str:
        return moment.astimezone(zone).isoformat()

    items: list[dict[str, Any]] = []
    for week in window:
        for role, holder in (("primary", week.engineer), ("backup", week.backup)):
            if holder != member_id:
                continue
            covered = [
                {
                    "id": c.id,
                    "by": c.member,
                    "from": stamp(max(c.start, week.shift_start)),
                    "until": stamp(min(c.until, week.shift_end)),
                    "reason": c.reason,
                }
                for c in week.active_covers
                if c.instead_of == member_id or (c.instead_of is None and role == "primary")
            ]
            items.append(
                {
                    "kind": role,
                    "week": week.start.isoformat(),
                    "from": stamp(week.shift_start),
                    "until": stamp(week.shift_end),
                    "covered": covered,
                    "reason": week.reason if role == "primary" else week.backup_reason,
                }
            )
    if window:
        start, end = window[0].shift_start, window[-1].shift_end
        for cover in sorted(engine.state.active_covers, key=lambda c: c.start):
            if cover.member != member_id or not cover.overlaps(start, end):
                continue
            items.append(
                {
                    "kind": "cover",
                    "id": cover.id,
                    "from": stamp(cover.start),
                    "until": stamp(cover.until),
                    "for": cover.instead_of,
                    "reason": cover.reason,
                }
            )
    items = [i for i in items if datetime.fromisoformat(i["until"]) > now]
    items.sort(key=lambda i: (i["from"], i["kind"]))
    return {
        "rotation": rotation.id,
        "member": member_id,
        "name": member.name,
        "timezone": str(getattr(zone, "key", zone)),
        "shifts": items,
    }


def shifts(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The member id.")],
    rotation: RotationOption = DEFAULT_ROTATION,
    weeks: WeeksOption = 12,
    output: ShiftsFormat = "text",
) -> None:
    """A member's coming primary weeks, backup weeks and covers, in their own zone."""
    from oncall.errors import UsageError
    from oncall.rotation.api import check_count

    check_count(weeks)
    ws = workspace(ctx)
    rot = ws.rotation(rotation)
    if rot.member(member) is None:
        known = ", ".join(m.id for m in rot.members)
        raise UsageError(f"unknown member {member!r} of rotation {rotation!r} (known: {known})")
    data = shifts_data(ws, rot, member, weeks)
    if output == "json":
        print_json(data)
    elif output == "ics":
        import sys

        sys.stdout.buffer.write(_ics(ws, rot, data))
    else:
        typer.echo(_text(data), nl=False)


def _text(data: dict[str, Any]) -> str:
    from datetime import datetime

    from oncall.escape import terminal
    from oncall.text import short_when

    zone = data["timezone"]
    lines = [f"Shifts of {data['name']} ({data['member']}) in {data['rotation']}, times {zone}"]
    if not data["shifts"]:
        lines.append("  none in these weeks")
    for item in data["shifts"]:
        first = short_when(datetime.fromisoformat(item["from"]), zone)
        last = short_when(datetime.fromisoformat(item["until"]), zone)
        if item["kind"] == "cover":
            whom = item["for"] or "the primary engineer"
            why = f" ({item['reason']})" if item["reason"] else ""
            lines.append(f"  cover #{item['id']}  {first} - {last}  for {whom}{why}")
            continue
        lines.append(f"  {item['kind']:<8} {first} - {last}")
        for c in item["covered"]:
            a = short_when(datetime.fromisoformat(c["from"]), zone)
            b = short_when(datetime.fromisoformat(c["until"]), zone)
            lines.append(f"           covered by {c['by']} {a} - {b} (cover #{c['id']})")
    return "\n".join(terminal(line) for line in lines) + "\n"


def _ics(ws: "Workspace", rotation: "Rotation", data: dict[str, Any]) -> bytes:
    """The shifts as a small RFC 5545 calendar (one event per shift and cover)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from oncall.calendar import ics
    from oncall.calendar.feed import calendar_header, files_stamp, input_files

    zone = ZoneInfo(data["timezone"])
    stamp = files_stamp(input_files(ws, rotation.id))
    events = []
    first = last = None
    for item in data["shifts"]:
        start = datetime.fromisoformat(item["from"]).astimezone(zone)
        end = datetime.fromisoformat(item["until"]).astimezone(zone)
        first = min(first or start.date(), start.date())
        last = max(last or end.date(), end.date())
        if item["kind"] == "cover":
            uid = f"cover-{item['id']}.{data['member']}-shifts@{rotation.id}.oncall"
            summary = f"Cover for {item['for'] or 'the primary engineer'} ({rotation.name})"
        else:
            uid = f"{item['kind']}-{item['week']}.{data['member']}-shifts@{rotation.id}.oncall"
            title = "On call" if item["kind"] == "primary" else "Backup on call"
            summary = f"{title}: {rotation.name}"
        notes = [f"{c['by']} covers {c['from']} - {c['until']}" for c in item.get("covered", [])]
        if item.get("reason"):
            notes.append(f"Why: {item['reason']}")
        events.append(
            ics.Component(
                "VEVENT",
                [
                    ics.text("UID", uid),
                    ics.stamp("DTSTAMP", stamp),
                    ics.Prop("SEQUENCE", "0"),
                    ics.zoned("DTSTART", start, zone),
                    ics.zoned("DTEND", end, zone),
                    ics.text("SUMMARY", summary),
                    ics.text("DESCRIPTION", "\n".join(notes) or summary),
                    ics.Prop("STATUS", "CONFIRMED"),
                    ics.Prop("TRANSP", "TRANSPARENT"),
                ],
            )
        )
    from oncall import clock

    today = clock.today(zone)
    children = [ics.vtimezone(zone, first or today, last or today), *events]
    name = f"Shifts: {data['name']} ({rotation.name})"
    header = calendar_header(name, data["timezone"])
    return ics.Component("VCALENDAR", header, children).render().encode("utf-8")
