"""What each calendar event says: the facts of an on-call week or a hand-off, and their texts.

Facts are plain frozen data; everything an event shows is derived from them, so the digest of
the facts (``digest``) changes exactly when some text, time or status of the event would.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, datetime, timedelta

from oncall.frozen import frozen
from oncall.text import day_text, format_span

#: bump when the wording of events changes on purpose, so every event gets a higher SEQUENCE
TEXT_VERSION = 1


@frozen
class Person:
    """A member as events name them."""

    id: str
    name: str
    email: str
    phone: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def contact(self) -> str:
        return f"{self.email}, {self.phone}"


@frozen
class DayNote:
    """A public holiday or a leave: ``who`` (a member id, or empty for the rotation's default
    calendar), first and last day, and what it is."""

    who: str
    first: date
    last: date
    what: str


@frozen
class DeadlineNote:
    """An SLA deadline falling in the week: when (aware), its name, and the pipeline."""

    at: datetime
    zone: str
    name: str
    pipeline: str


@frozen
class CoverNote:
    """A span of a week someone else answers for: when, who, and why."""

    start: datetime
    end: datetime
    member: Person
    covered: str
    reason: str | None


@frozen
class RotationFacts:
    """What every event of a rotation's calendar knows first: the rotation and its time zone."""

    rotation_id: str
    rotation_name: str
    timezone: str


@frozen
class WeekFacts(RotationFacts):
    """An on-call week: from the Monday hand-off to the next, and who holds it."""

    week: date
    start: datetime
    end: datetime
    engineer: Person | None
    reason: str | None
    holidays: tuple[DayNote, ...]
    conflict: str | None
    #: the week's backup (rotations with ``backup: true``)
    backup: Person | None = None
    #: spans of the week in which someone else answers (covers), in time order
    covers: tuple[CoverNote, ...] = ()


@frozen
class CoverFacts(RotationFacts):
    """A cover: ``member`` answers from ``start`` to ``end`` instead of ``covered``."""

    id: int
    start: datetime
    end: datetime
    member: Person
    #: the people it stands in for (names), and in which role
    covered: tuple[str, ...]
    role: str
    reason: str | None
    removed: bool


@frozen
class HandoffFacts(RotationFacts):
    """The Monday hand-off meeting opening ``week``: outgoing and incoming, and the outline."""

    week: date
    start: datetime
    end: datetime
    outgoing: Person | None
    incoming: Person | None
    first_week: bool
    #: every member's public holidays of the week (``who`` = member id)
    holidays: tuple[DayNote, ...]
    leave: tuple[DayNote, ...]
    deadlines: tuple[DeadlineNote, ...]


def digest(facts: WeekFacts | HandoffFacts | CoverFacts) -> str:
    """A hash of everything an event shows (and of ``TEXT_VERSION``)."""
    data = dataclasses.asdict(facts)
    for optional in ("backup", "covers"):  # absent as before they existed: digests stay put
        if optional in data and not data[optional]:
            del data[optional]
    payload = json.dumps(
        [TEXT_VERSION, type(facts).__name__, data],
        default=str,
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


# --- formatting -------------------------------------------------------------------------------


def moment_text(moment: datetime) -> str:
    """``Mon 4 Jan 2027 09:30`` in the moment's own zone."""
    return f"{day_text(moment.date())} {moment.strftime('%H:%M')}"


def _name(person: Person | None, empty: str) -> str:
    return person.name if person is not None else empty


# --- on-call weeks ----------------------------------------------------------------------------

UNCOVERED = "UNCOVERED: nobody can take this week"


def week_summary(facts: WeekFacts, member: str | None = None) -> str:
    """The title: the engineer in the rotation's feed, the rotation in a member's own feed."""
    if member is None:
        return UNCOVERED if facts.engineer is None else f"On call: {facts.engineer.name}"
    if facts.engineer is not None and facts.engineer.id == member:
        return f"On call: {facts.rotation_name}"
    now = _name(facts.engineer, "UNCOVERED")
    return f"Cancelled: on call for {facts.rotation_name} (now {now})"


def week_description(facts: WeekFacts, member: str | None = None) -> str:
    """Who, when, how to reach them, and why the week differs from the plain order."""
    shift = (
        f"Shift: {moment_text(facts.start)} to {moment_text(facts.end)} ({facts.timezone}), "
        f"from one Monday hand-off to the next."
    )
    lines = []
    if facts.engineer is None:
        if member is not None:
            lines += ["You are no longer on call this week.", ""]
        lines += [f"Nobody in {facts.rotation_name} can take this week.", shift]
    else:
        if member is not None and facts.engineer.id != member:
            lines += [f"You are no longer on call this week: {facts.engineer.label} is.", ""]
        lines += [
            f"{facts.engineer.label} is on call for {facts.rotation_name}.",
            shift,
            f"Reach: {facts.engineer.contact}",
        ]
    if facts.backup is not None:
        lines.append(f"Backup: {facts.backup.label}, {facts.backup.contact}")
    notes = []
    for cover in facts.covers:
        why = f" ({cover.reason})" if cover.reason else ""
        notes.append(
            f"Covered: {moment_text(cover.start)} to {moment_text(cover.end)} "
            f"{cover.member.label} answers instead of {cover.covered}{why}"
        )
    if facts.holidays:
        whose = f"{facts.engineer.id}'s calendar" if facts.engineer else "the rotation's calendar"
        listed = "; ".join(f"{format_span(h.first, h.last)} {h.what}" for h in facts.holidays)
        notes.append(f"Public holidays ({whose}): {listed}")
    if facts.reason:
        notes.append(f"Why: {facts.reason}")
    if facts.conflict:
        notes.append(f"CONFLICT: {facts.conflict}")
    if facts.engineer is None:
        notes.append("Settle it with `oncall swap add` or by moving leave (`oncall leave`).")
    if notes:
        lines += ["", *notes]
    lines += [
        "",
        f"Schedule: oncall schedule --rotation {facts.rotation_id} "
        f"--start {facts.week.isoformat()}",
    ]
    return "\n".join(lines)


# --- hand-off meetings ------------------------------------------------------------------------


def handoff_summary(facts: HandoffFacts, member: str | None = None) -> str:
    """``On-call hand-off: Alice Adams -> Bob Brown`` (cancelled copies say so)."""
    outgoing = "(rotation starts)" if facts.first_week else _name(facts.outgoing, "nobody")
    title = f"On-call hand-off: {outgoing} -> {_name(facts.incoming, 'UNCOVERED')}"
    if member is not None and member not in _ids(facts):
        return f"Cancelled: {title}"
    return title


def _ids(facts: HandoffFacts) -> set[str]:
    return {p.id for p in (facts.outgoing, facts.incoming) if p is not None}


def handoff_description(facts: HandoffFacts, member: str | None = None) -> str:
    """Outgoing and incoming with contacts, and the agenda outline of the meeting."""
    lines = []
    if member is not None and member not in _ids(facts):
        lines += ["You no longer take part in this hand-off.", ""]

    def who(role: str, person: Person | None, empty: str) -> str:
        if person is None:
            return f"{role}: {empty}"
        return f"{role}: {person.label}, {person.contact}"

    lines.append(
        who("Outgoing", facts.outgoing, "(rotation starts)" if facts.first_week else "nobody")
    )
    lines.append(who("Incoming", facts.incoming, "nobody (UNCOVERED: settle it first)"))
    lines += [
        "",
        "Agenda",
        "1. Open incidents, the latest diagnose results and anything in flight (outgoing).",
        f"2. The coming week, {format_span(facts.week, facts.week + timedelta(days=6))}:",
    ]
    holidays = [
        f"{format_span(h.first, h.last)} {h.what}" + (f" ({h.who})" if h.who else "")
        for h in facts.holidays
    ]
    leave = [
        f"{n.who} {format_span(n.first, n.last)}" + (f" ({n.what})" if n.what else "")
        for n in facts.leave
    ]
    for title, items in (("public holidays", holidays), ("leave", leave)):
        if items:
            lines.append(f"   - {title}:")
            lines += [f"     - {item}" for item in items]
        else:
            lines.append(f"   - {title}: none")
    lines.append("3. SLA deadlines this week:")
    if facts.deadlines:
        lines += [
            f"   - {moment_text(d.at)} {d.zone}: {d.name} ({d.pipeline})" for d in facts.deadlines
        ]
    else:
        lines.append("   - none")
    lines += [
        "4. Questions; confirm the incoming engineer can be reached.",
        "",
        f"Full agenda: oncall handoff --rotation {facts.rotation_id} "
        f"--date {facts.week.isoformat()}",
    ]
    return "\n".join(lines)


# --- backup weeks and covers ------------------------------------------------------------------


def backup_summary(facts: WeekFacts, member: str) -> str:
    """``Backup on call: Data Engineering Team`` (cancelled copies say so)."""
    if facts.backup is not None and facts.backup.id == member:
        return f"Backup on call: {facts.rotation_name}"
    now = _name(facts.backup, "nobody")
    return f"Cancelled: backup on call for {facts.rotation_name} (now {now})"


def backup_description(facts: WeekFacts, member: str) -> str:
    """The backup week: whom it backs up, when, and how to reach the primary."""
    shift = (
        f"Shift: {moment_text(facts.start)} to {moment_text(facts.end)} ({facts.timezone}), "
        f"from one Monday hand-off to the next."
    )
    lines = []
    if facts.backup is None or facts.backup.id != member:
        lines += ["You are no longer the backup this week.", ""]
    backup = facts.backup.label if facts.backup else "nobody"
    lines += [f"BACKUP: {backup} is the backup on call for {facts.rotation_name}.", shift]
    if facts.engineer is not None:
        lines.append(f"Primary: {facts.engineer.label}, {facts.engineer.contact}")
    lines += [
        "",
        "The backup is step 2 of every escalation: answer when the primary cannot.",
        "",
        f"Schedule: oncall schedule --rotation {facts.rotation_id} "
        f"--start {facts.week.isoformat()}",
    ]
    return "\n".join(lines)


def cover_summary(facts: CoverFacts) -> str:
    """``Cover: Carol Clark for Alice Adams (sick)``; removed covers are cancelled."""
    why = f" ({facts.reason})" if facts.reason else ""
    role = "" if facts.role == "primary" else f" as {facts.role}"
    title = f"Cover: {facts.member.name} for {', '.join(facts.covered) or 'nobody'}{role}{why}"
    return f"Cancelled: {title}" if facts.removed else title


def cover_description(facts: CoverFacts) -> str:
    """Who answers, when, instead of whom."""
    lines = []
    if facts.removed:
        lines += ["This cover was removed: whoever was planned answers.", ""]
    lines += [
        f"{facts.member.label} answers instead of {', '.join(facts.covered) or 'nobody'}"
        f" from {moment_text(facts.start)} to {moment_text(facts.end)} ({facts.timezone}).",
        f"Reach: {facts.member.contact}",
    ]
    if facts.reason:
        lines.append(f"Why: {facts.reason}")
    lines += ["", f"Covers: oncall cover list --rotation {facts.rotation_id}"]
    return "\n".join(lines)
