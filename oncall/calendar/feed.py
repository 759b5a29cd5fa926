"""A rotation's calendar feed: its on-call weeks and Monday hand-offs as RFC 5545 bytes.

What calendar clients rely on, and how this module gives it to them:

- UID: derived from the rotation id, the kind of event and the week's Monday
  (``week-2027-01-04@data-engineering.oncall``, ``handoff-2027-01-04@...``), never from who is
  on call, so an event keeps its identity when its engineer changes. A member's own feed
  scopes the UID to the feed's owner (``week-2027-01-04.alice-feed@...``): there the week may
  be cancelled for alice while bob's feed shows it active, and one UID must not carry two
  states at the same SEQUENCE.
- SEQUENCE and DTSTAMP come from the ledger (``oncall.calendar.ledger``): SEQUENCE rises
  every time what an event says changes, and DTSTAMP (and LAST-MODIFIED) is the time of that
  change, so an unchanged schedule gives byte-identical bytes on any day.
- A week never vanishes: a week nobody can take stays as ``UNCOVERED``; a week or hand-off a
  member no longer has stays in their feed as ``STATUS:CANCELLED`` with a higher SEQUENCE.
- On-call weeks are ``TRANSP:TRANSPARENT`` (a week on call is not a busy week); hand-off
  meetings are opaque.
- Backup weeks (rotations with ``backup: true``) are their own events in members' feeds
  (``backup-2027-01-04.bob-feed@...``); the team feed names the backup in each week.
- Covers are their own events (``cover-3@data-engineering.oncall``) in the team feed and in the
  feeds of the people they name; a removed cover stays, ``STATUS:CANCELLED``, with a higher
  SEQUENCE. The covered week's event says which hours someone else answers.

The window: the ``weeks`` weeks from the week of ``start`` (default: this week), preceded by
``past`` weeks (default 4) so recent history stays visible, never before the rotation starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from oncall import clock
from oncall.calendar import events as ev
from oncall.calendar import ics
from oncall.calendar.ledger import Draft, Entry, Recorded, ledger_path, record
from oncall.calendar.ledger import read as read_ledger
from oncall.config.models import Deadline, Member, Rotation
from oncall.config.workspace import Workspace
from oncall.errors import ConfigError, UsageError
from oncall.frozen import frozen
from oncall.rotation import api
from oncall.rotation.engine import Engine
from oncall.rotation.model import WeekAssignment
from oncall.rotation.weeks import WEEK, monday_of, shift_bounds

PAST_WEEKS = 4
DEFAULT_WEEKS = 26
MAX_PAST_WEEKS = 52
#: how often clients should poll (RFC 7986 REFRESH-INTERVAL and Outlook's X-PUBLISHED-TTL)
REFRESH_INTERVAL = "PT1H"
PRODID = "-//oncall//on-call calendar//EN"

_UID_KIND = {"oncall": "week", "handoff": "handoff", "backup": "backup"}
_ORDER = {"handoff": 0, "oncall": 1, "backup": 2, "cover": 3}


@frozen
class Event:
    """One VEVENT as the feed shows it."""

    uid: str
    kind: str  # "oncall", "handoff", "backup" or "cover"
    week: date
    start: datetime
    end: datetime
    summary: str
    description: str
    status: str  # CONFIRMED, TENTATIVE or CANCELLED
    transparent: bool
    sequence: int
    stamp: datetime
    engineer: str | None = None
    outgoing: str | None = None


@frozen
class Feed:
    """A built feed: its events, its bytes, and what HTTP caching needs."""

    rotation_id: str
    member_id: str | None
    name: str
    timezone: str
    first_week: date
    last_week: date
    events: tuple[Event, ...]
    body: bytes
    last_modified: datetime
    warnings: tuple[str, ...] = ()

    def data(self) -> dict[str, object]:
        """The feed as JSON-ready data (``oncall ical --format json``)."""
        return {
            "rotation": self.rotation_id,
            "member": self.member_id,
            "name": self.name,
            "timezone": self.timezone,
            "first_week": self.first_week.isoformat(),
            "last_week": self.last_week.isoformat(),
            "events": [
                {
                    "uid": e.uid,
                    "kind": e.kind,
                    "week": e.week.isoformat(),
                    "start": e.start.isoformat(),
                    "end": e.end.isoformat(),
                    "summary": e.summary,
                    "status": e.status,
                    "sequence": e.sequence,
                    "dtstamp": e.stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "engineer": e.engineer,
                    **({"outgoing": e.outgoing} if e.kind == "handoff" else {}),
                }
                for e in self.events
            ],
        }


def uid(rotation_id: str, kind: str, week: date, member_id: str | None = None) -> str:
    """``week-2027-01-04@data-engineering.oncall``; in alice's feed
    ``week-2027-01-04.alice-feed@data-engineering.oncall``; a cover: ``cover-3@...``."""
    scope = f".{member_id}-feed" if member_id else ""
    if kind.startswith("cover-"):
        return f"{kind}{scope}@{rotation_id}.oncall"
    return f"{_UID_KIND[kind]}-{week.isoformat()}{scope}@{rotation_id}.oncall"


def feed_name(rotation: Rotation, member: Member | None) -> str:
    """``On call: Data Engineering Team`` or ``On call: Alice Adams (Data Engineering Team)``."""
    if member is None:
        return f"On call: {rotation.name}"
    return f"On call: {member.name} ({rotation.name})"


def input_files(workspace: Workspace, rotation_id: str) -> list[Path]:
    """Every file a feed of the rotation is built from (for caches and derived stamps)."""
    from oncall.rotation.store import covers_path, plan_path, published_path, swaps_path

    files = [
        workspace.rotation_path(rotation_id),
        swaps_path(workspace, rotation_id),
        published_path(workspace, rotation_id),
        covers_path(workspace, rotation_id),
        plan_path(workspace, rotation_id),
        ledger_path(workspace, rotation_id),
        workspace.teams_path,
    ]
    if workspace.runbooks_dir.is_dir():
        files += sorted(workspace.runbooks_dir.glob("*.yaml"))
    return files


def files_stamp(paths: Iterable[Path]) -> datetime:
    """The latest modification time of ``paths`` (whole seconds, UTC): a stamp derived from
    the inputs, used when the ledger cannot be written."""
    latest = 0
    for path in paths:
        try:
            latest = max(latest, int(path.stat().st_mtime))
        except OSError:
            continue
    return datetime.fromtimestamp(latest, UTC)


@frozen
class Window:
    """The weeks of a feed: indexes ``first`` .. ``first + count - 1``; ``rolling`` when it
    follows the clock (no ``start`` given); ``first_monday``/``last_monday`` as asked, before
    clamping at the rotation's start."""

    first: int
    count: int
    first_monday: date
    last_monday: date
    rolling: bool


def window(rotation: Rotation, start: date | None, weeks: int, past: int) -> Window:
    """The feed's weeks; ``UsageError`` for impossible counts or a start before the rotation."""
    api.check_count(weeks)
    if not 0 <= past <= MAX_PAST_WEEKS:
        raise UsageError(f"{past} is not between 0 and {MAX_PAST_WEEKS}", option="past")
    anchor = monday_of(start) if start is not None else api.this_monday(rotation)
    main = api.first_week(rotation, start)
    first = max(0, main - past)
    return Window(
        first=first,
        count=main - first + weeks,
        first_monday=anchor - past * WEEK,
        last_monday=anchor + (weeks - 1) * WEEK,
        rolling=start is None,
    )


def build_feed(
    workspace: Workspace,
    rotation_id: str,
    member_id: str | None = None,
    start: date | None = None,
    weeks: int = DEFAULT_WEEKS,
    past: int = PAST_WEEKS,
) -> Feed:
    """The feed of a rotation (or of one member of it), recording changes in the ledger."""
    rotation = workspace.rotation(rotation_id)
    member = None
    if member_id is not None:
        member = rotation.member(member_id)
        if member is None:
            known = ", ".join(m.id for m in rotation.members)
            raise UsageError(
                f"unknown member {member_id!r} of rotation {rotation_id!r} (known: {known})"
            )
    span = window(rotation, start, weeks, past)
    engine = api.engine_for(workspace, rotation_id)
    assignments = engine.weeks(span.first, span.count)
    deadlines, warnings = _deadlines(workspace, rotation)
    week_facts, handoff_facts, drafts = _drafts(
        rotation, engine.week(span.first - 1), assignments, deadlines
    )
    cover_facts = _cover_facts(engine, assignments)
    for key, cover in cover_facts.items():
        drafts.append(
            Draft(
                key[0],
                key[1],
                ev.digest(cover),
                _cover_people(rotation, cover),
                engineer=cover.member.id,
            )
        )

    # weeks the ledger knows in this window that the schedule no longer has (the rotation's
    # start moved): cancelled, never silently dropped
    recorded_before = read_ledger(workspace, rotation_id)
    drafted = {d.key for d in drafts}
    removed = [
        entry
        for key, entry in sorted(recorded_before.items())
        if key not in drafted and span.first_monday <= entry.week <= span.last_monday
    ]
    for entry in removed:
        drafts.append(
            Draft(entry.week, entry.event, "removed", (), entry.sequence, None, entry.outgoing)
        )

    now = clock.now()
    fallback_now = files_stamp(input_files(workspace, rotation_id))
    ledger = record(workspace, rotation_id, drafts, now, fallback_now, recorded_before)
    warnings += list(ledger.warnings)

    items: list[Event] = []
    for day, facts in week_facts.items():
        items += _week_events(facts, ledger, member_id)
        items += _handoff_events(handoff_facts[day], ledger, member_id)
        if rotation.backup and member_id is not None:
            items += _backup_events(facts, ledger, member_id)
    for key, cover in cover_facts.items():
        items += _cover_events(key, cover, ledger, member_id)
    for entry in removed:
        items += _removed_events(rotation, ledger.entries[entry.key], member_id)
    items.sort(key=lambda e: (e.start.astimezone(UTC), _ORDER[e.kind], e.uid))

    warnings += _schedule_warnings(assignments, now.astimezone(rotation.zone).date())

    zone = rotation.zone
    first_monday = assignments[0].start
    last = assignments[-1]
    stamps = [e.stamp for e in items]
    if span.rolling:
        # the window moves every Monday (local midnight): the feed changes then, too
        stamps.append(datetime.combine(api.this_monday(rotation), datetime.min.time(), zone))
    last_modified = max(stamps) if stamps else fallback_now
    name = feed_name(rotation, member)
    body = render(rotation, member, name, items, first_monday, last.shift_end.date())
    return Feed(
        rotation_id=rotation_id,
        member_id=member_id,
        name=name,
        timezone=rotation.timezone,
        first_week=first_monday,
        last_week=last.start,
        events=tuple(items),
        body=body,
        last_modified=last_modified.astimezone(UTC).replace(microsecond=0),
        warnings=tuple(warnings),
    )


def _drafts(
    rotation: Rotation,
    previous: WeekAssignment,
    assignments: list[WeekAssignment],
    deadlines: list[tuple[str, Deadline]],
) -> tuple[dict[date, ev.WeekFacts], dict[date, ev.HandoffFacts], list[Draft]]:
    """The facts of each week and of the hand-off opening it, and their ledger drafts."""
    week_facts: dict[date, ev.WeekFacts] = {}
    handoff_facts: dict[date, ev.HandoffFacts] = {}
    drafts: list[Draft] = []
    for week in assignments:
        facts = _week_facts(rotation, week)
        week_facts[week.start] = facts
        if rotation.backup:
            drafts.append(
                Draft(
                    week.start,
                    "backup",
                    ev.digest(facts),
                    _people(week.backup),
                    engineer=week.backup,
                )
            )
        drafts.append(
            Draft(
                week.start,
                "oncall",
                ev.digest(facts),
                _people(week.engineer),
                _swap_count(week),
                engineer=week.engineer,
            )
        )
        meeting = _handoff_facts(rotation, previous, week, deadlines)
        handoff_facts[week.start] = meeting
        drafts.append(
            Draft(
                week.start,
                "handoff",
                ev.digest(meeting),
                _people(previous.engineer, week.engineer),
                _swap_count(previous, week),
                engineer=week.engineer,
                outgoing=previous.engineer,
            )
        )
        previous = week
    return week_facts, handoff_facts, drafts


def _schedule_warnings(assignments: list[WeekAssignment], today: date) -> list[str]:
    """Weeks not over yet that nobody can take or that carry a conflict to settle."""
    return [line for week in assignments if week.end >= today for line in week.warnings]


def _swap_count(*weeks: WeekAssignment) -> int:
    """The engine's count of recorded changes (``WeekAssignment.sequence``) over the swaps
    touching any of ``weeks``, each swap once: the least SEQUENCE their events may carry."""
    swaps = {swap.id: swap for week in weeks for swap in week.swap_history}
    return sum(2 if swap.undone is not None else 1 for swap in swaps.values())


def _people(*ids: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in ids if i is not None))


def _person(rotation: Rotation, member_id: str | None) -> ev.Person | None:
    member = rotation.member(member_id) if member_id is not None else None
    if member is None:
        return None
    return ev.Person(member.id, member.name, member.email, member.phone)


def _holidays(week: WeekAssignment) -> tuple[ev.DayNote, ...]:
    return tuple(ev.DayNote("", h.date, h.date, h.name) for h in week.engineer_holidays)


def _team_holidays(rotation: Rotation, week: WeekAssignment) -> tuple[ev.DayNote, ...]:
    """Every member's public holidays of the week, by day, then in rotation order."""
    notes = [
        (h.date, index, ev.DayNote(member.id, h.date, h.date, h.name))
        for index, member in enumerate(rotation.members)
        for h in week.holidays.get(member.id, ())
    ]
    return tuple(note for _, _, note in sorted(notes, key=lambda item: item[:2]))


def _week_facts(rotation: Rotation, week: WeekAssignment) -> ev.WeekFacts:
    notes = []
    for cover in week.active_covers:
        person = _person(rotation, cover.member)
        if person is None:
            continue
        covered = cover.instead_of or week.engineer
        member = rotation.member(covered) if covered else None
        notes.append(
            ev.CoverNote(
                max(cover.start, week.shift_start).astimezone(rotation.zone),
                min(cover.until, week.shift_end).astimezone(rotation.zone),
                person,
                member.name if member else "the primary engineer",
                cover.reason,
            )
        )
    return ev.WeekFacts(
        rotation_id=rotation.id,
        rotation_name=rotation.name,
        timezone=rotation.timezone,
        week=week.start,
        start=week.shift_start,
        end=week.shift_end,
        engineer=_person(rotation, week.engineer),
        reason=week.reason,
        holidays=_holidays(week),
        conflict=week.conflict,
        backup=_person(rotation, week.backup),
        covers=tuple(notes),
    )


def _cover_facts(
    engine: Engine, assignments: list[WeekAssignment]
) -> dict[tuple[date, str], ev.CoverFacts]:
    """Every cover (active or removed) meeting the window's shifts, by ledger key."""
    from oncall.rotation.duty import segments

    rotation = engine.rotation
    if not assignments:
        return {}
    start, end = assignments[0].shift_start, assignments[-1].shift_end
    found: dict[tuple[date, str], ev.CoverFacts] = {}
    for cover in sorted(engine.state.covers, key=lambda c: c.id):
        person = _person(rotation, cover.member)
        if person is None or not cover.overlaps(start, end):
            continue
        if cover.instead_of is not None:
            covered_ids = [cover.instead_of]
            roles = {
                "backup" if w.backup == cover.instead_of else "primary"
                for w in assignments
                if cover.overlaps(w.shift_start, w.shift_end)
                and cover.instead_of in (w.engineer, w.backup)
            }
            role = roles.pop() if len(roles) == 1 else "primary"
        else:
            role = "primary"
            covered_ids = list(
                dict.fromkeys(
                    p.duty.planned
                    for p in segments(engine, cover.start, cover.until)
                    if p.duty.planned is not None
                )
            )
        names = tuple(m.name for i in covered_ids if (m := rotation.member(i)) is not None)
        local = cover.start.astimezone(rotation.zone)
        key = (monday_of(local.date()), f"cover-{cover.id}")
        found[key] = ev.CoverFacts(
            rotation_id=rotation.id,
            rotation_name=rotation.name,
            timezone=rotation.timezone,
            id=cover.id,
            start=local,
            end=cover.until.astimezone(rotation.zone),
            member=person,
            covered=names,
            role=role,
            reason=cover.reason,
            removed=not cover.active,
        )
    return found


def _cover_people(rotation: Rotation, facts: ev.CoverFacts) -> tuple[str, ...]:
    by_name = {m.name: m.id for m in rotation.members}
    return _people(facts.member.id, *(by_name.get(name) for name in facts.covered))


def _handoff_facts(
    rotation: Rotation,
    previous: WeekAssignment,
    week: WeekAssignment,
    deadlines: list[tuple[str, Deadline]],
) -> ev.HandoffFacts:
    from oncall.incident.deadlines import occurrences

    order = {m.id: i for i, m in enumerate(rotation.members)}
    leave = tuple(
        ev.DayNote(member, item.start, item.end, item.reason or "")
        for member in sorted(week.leave, key=lambda m: order.get(m, len(order)))
        for item in week.leave[member]
    )
    due = []
    for pipeline, deadline in deadlines:
        for item in occurrences(deadline, rotation.timezone, week.shift_start, week.shift_end):
            zone = str(getattr(item.at.tzinfo, "key", item.at.tzinfo))
            due.append(ev.DeadlineNote(item.at, zone, item.name, pipeline))
    due.sort(key=lambda d: (d.at.astimezone(UTC), d.name, d.pipeline))
    start = week.shift_start
    end = _meeting_end(rotation, start)
    return ev.HandoffFacts(
        rotation_id=rotation.id,
        rotation_name=rotation.name,
        timezone=rotation.timezone,
        week=week.start,
        start=start,
        end=end,
        outgoing=_person(rotation, previous.engineer),
        incoming=_person(rotation, week.engineer),
        first_week=week.index == 0,
        holidays=_team_holidays(rotation, week),
        leave=leave,
        deadlines=tuple(due),
    )


def _meeting_end(rotation: Rotation, start: datetime) -> datetime:
    """``handoff_minutes`` after ``start`` (counted in UTC, so right across DST changes)."""
    minutes = timedelta(minutes=rotation.rotation.handoff_minutes)
    return (start.astimezone(UTC) + minutes).astimezone(rotation.zone)


def _deadlines(
    workspace: Workspace, rotation: Rotation
) -> tuple[list[tuple[str, Deadline]], list[str]]:
    """The SLA deadlines of the runbooks this rotation is on call for; an invalid runbook is
    left out with a warning (a typo in one runbook must not take every calendar down)."""
    found: list[tuple[str, Deadline]] = []
    warnings: list[str] = []
    for pipeline in workspace.runbook_ids():
        try:
            runbook = workspace.runbook(pipeline)
        except ConfigError:
            warnings.append(
                f"{workspace.display(workspace.runbook_path(pipeline))}: invalid (see "
                f"`oncall validate`); its SLA deadlines are left out of hand-off agendas"
            )
            continue
        if runbook.on_call.rotation == rotation.id:
            found += [(runbook.id, deadline) for deadline in runbook.sla.deadlines]
    return found, warnings


def _status(holds: bool, member_id: str | None, entry: Entry) -> str | None:
    """A member feed's status of an event: CONFIRMED for its holder, CANCELLED for someone it
    once named (their copy must not just vanish), None when it was never theirs."""
    if holds:
        return "CONFIRMED"
    if member_id in entry.people:
        return "CANCELLED"
    return None


def _shift_event(
    kind: str,
    facts: ev.WeekFacts,
    entry: Entry,
    member_id: str | None,
    status: str,
    texts: tuple[str, str],
    engineer: str | None,
) -> Event:
    """The event of a week's shift (on call or backup) as ``member_id``'s feed shows it."""
    return Event(
        uid=uid(facts.rotation_id, kind, facts.week, member_id),
        kind=kind,
        week=facts.week,
        start=facts.start,
        end=facts.end,
        summary=texts[0],
        description=texts[1],
        status=status,
        transparent=True,
        sequence=entry.sequence,
        stamp=entry.changed,
        engineer=engineer,
    )


def _week_events(facts: ev.WeekFacts, ledger: Recorded, member_id: str | None) -> list[Event]:
    entry = ledger.entries[(facts.week, "oncall")]
    engineer = facts.engineer.id if facts.engineer else None
    if member_id is None:
        status: str | None = "TENTATIVE" if facts.engineer is None else "CONFIRMED"
    else:
        status = _status(engineer == member_id, member_id, entry)
    if status is None:
        return []
    texts = (ev.week_summary(facts, member_id), ev.week_description(facts, member_id))
    return [_shift_event("oncall", facts, entry, member_id, status, texts, engineer)]


def _backup_events(facts: ev.WeekFacts, ledger: Recorded, member_id: str) -> list[Event]:
    entry = ledger.entries[(facts.week, "backup")]
    backup = facts.backup.id if facts.backup else None
    status = _status(backup == member_id, member_id, entry)
    if status is None:
        return []
    texts = (ev.backup_summary(facts, member_id), ev.backup_description(facts, member_id))
    return [_shift_event("backup", facts, entry, member_id, status, texts, backup)]


def _cover_events(
    key: tuple[date, str], facts: ev.CoverFacts, ledger: Recorded, member_id: str | None
) -> list[Event]:
    entry = ledger.entries[key]
    if member_id is not None and member_id not in entry.people:
        return []
    return [
        Event(
            uid=uid(facts.rotation_id, key[1], key[0], member_id),
            kind="cover",
            week=key[0],
            start=facts.start,
            end=facts.end,
            summary=ev.cover_summary(facts),
            description=ev.cover_description(facts),
            status="CANCELLED" if facts.removed else "CONFIRMED",
            transparent=True,
            sequence=entry.sequence,
            stamp=entry.changed,
            engineer=facts.member.id,
        )
    ]


def _handoff_events(facts: ev.HandoffFacts, ledger: Recorded, member_id: str | None) -> list[Event]:
    entry = ledger.entries[(facts.week, "handoff")]
    attending = {p.id for p in (facts.outgoing, facts.incoming) if p is not None}
    status = _status(member_id is None or member_id in attending, member_id, entry)
    if status is None:
        return []
    return [
        Event(
            uid=uid(facts.rotation_id, "handoff", facts.week, member_id),
            kind="handoff",
            week=facts.week,
            start=facts.start,
            end=facts.end,
            summary=ev.handoff_summary(facts, member_id),
            description=ev.handoff_description(facts, member_id),
            status=status,
            transparent=status == "CANCELLED",
            sequence=entry.sequence,
            stamp=entry.changed,
            engineer=facts.incoming.id if facts.incoming else None,
            outgoing=facts.outgoing.id if facts.outgoing else None,
        )
    ]


def _removed_events(rotation: Rotation, entry: Entry, member_id: str | None) -> list[Event]:
    """A week the ledger knows but the rotation no longer has (its start moved)."""
    if member_id is not None and member_id not in entry.people:
        return []
    start, end = shift_bounds(rotation, entry.week)
    kind = "cover" if entry.event.startswith("cover-") else entry.event
    if entry.event == "handoff":
        end = _meeting_end(rotation, start)
        what = "on-call hand-off"
    else:
        what = {"backup": "backup on call", "cover": "cover"}.get(kind, "on call")
    return [
        Event(
            uid=uid(rotation.id, entry.event, entry.week, member_id),
            kind=kind,
            week=entry.week,
            start=start,
            end=end,
            summary=f"Cancelled: {what} (the week is no longer part of {rotation.name})",
            description=(
                f"The rotation {rotation.id} now starts on {rotation.rotation.start.isoformat()}:"
                f" this week is no longer part of it."
            ),
            status="CANCELLED",
            transparent=True,
            sequence=entry.sequence,
            stamp=entry.changed,
        )
    ]


# --- rendering --------------------------------------------------------------------------------


def calendar_header(name: str, zone_name: str, description: str | None = None) -> list[ics.Prop]:
    """The properties every calendar of ours opens with (version, product, name, zone)."""
    about = (
        [ics.text("DESCRIPTION", description), ics.text("X-WR-CALDESC", description)]
        if description is not None
        else []
    )
    return [
        ics.Prop("VERSION", "2.0"),
        ics.Prop("PRODID", PRODID),
        ics.Prop("CALSCALE", "GREGORIAN"),
        ics.Prop("METHOD", "PUBLISH"),
        ics.text("NAME", name),
        ics.text("X-WR-CALNAME", name),
        *about,
        ics.text("X-WR-TIMEZONE", zone_name),
    ]


def render(
    rotation: Rotation,
    member: Member | None,
    name: str,
    items: Iterable[Event],
    first: date,
    last: date,
) -> bytes:
    """The VCALENDAR: header, one VTIMEZONE (the rotation's zone, the only TZID used), events."""
    zone: ZoneInfo = rotation.zone
    handoff = rotation.rotation.handoff.strftime("%H:%M")
    who = f"{member.name}'s" if member is not None else "The"
    description = (
        f"{who} on-call weeks and Monday hand-off meetings of {rotation.name} "
        f"({rotation.id}); shifts change at the {handoff} hand-off, {rotation.timezone}."
    )
    events = list(items)
    for event in events:
        first = min(first, event.start.astimezone(zone).date())
        last = max(last, event.end.astimezone(zone).date())
    header = [
        *calendar_header(name, rotation.timezone, description),
        ics.Prop("REFRESH-INTERVAL", REFRESH_INTERVAL, (("VALUE", "DURATION"),)),
        ics.Prop("X-PUBLISHED-TTL", REFRESH_INTERVAL),
    ]
    children = [ics.vtimezone(zone, first, last)]
    children += [_vevent(event, zone) for event in events]
    return ics.Component("VCALENDAR", header, children).render().encode("utf-8")


_CATEGORY = {
    "oncall": "On call",
    "handoff": "On-call hand-off",
    "backup": "Backup on call",
    "cover": "On-call cover",
}


def _vevent(event: Event, zone: ZoneInfo) -> ics.Component:
    category = _CATEGORY[event.kind]
    return ics.Component(
        "VEVENT",
        [
            ics.text("UID", event.uid),
            ics.stamp("DTSTAMP", event.stamp),
            ics.stamp("LAST-MODIFIED", event.stamp),
            ics.Prop("SEQUENCE", str(event.sequence)),
            ics.zoned("DTSTART", event.start, zone),
            ics.zoned("DTEND", event.end, zone),
            ics.text("SUMMARY", event.summary),
            ics.text("DESCRIPTION", event.description),
            ics.Prop("STATUS", event.status),
            ics.Prop("TRANSP", "TRANSPARENT" if event.transparent else "OPAQUE"),
            ics.texts("CATEGORIES", [category]),
            ics.Prop("X-MICROSOFT-CDO-BUSYSTATUS", "FREE" if event.transparent else "BUSY"),
        ],
    )
