"""The calendar's memory: what each event last said, so SEQUENCE only rises and DTSTAMP stays put.

Calendar clients keep a subscribed event and replace it only when the feed says it changed: a
higher ``SEQUENCE`` (and a newer ``DTSTAMP``). The rotation engine counts recorded swaps
(``WeekAssignment.sequence``) but not the changes it makes on its own (new leave, a holiday,
an edited rotation file), so the calendar keeps its own ledger per rotation,
``schedules/<rotation-id>/calendar.yaml``, one line per event::

    events:
    - {week: 2027-02-01, event: oncall, engineer: "bob", sequence: 1,
       changed: "2027-01-06T09:00:00Z", people: ["alice", "bob"], digest: "5f2c9a1e..."}
    - {week: 2027-02-01, event: handoff, outgoing: "dev", incoming: "bob", sequence: 1, ...}

``digest`` is a hash of everything the event says; when a feed is built and an event's digest
differs from its line, the line gets ``sequence + 1`` and ``changed`` = now. ``changed`` is the
event's DTSTAMP and LAST-MODIFIED, so an unchanged schedule gives byte-identical feeds on any
day, and A -> B -> A raises SEQUENCE twice (if a feed was built while B held the week; if no
client ever saw B, nothing needs to change). ``people`` lists everyone the event ever named, so
their own feed keeps a cancelled copy instead of letting the week vanish. ``engineer``
(``outgoing`` and ``incoming`` for hand-offs) are there for people reading the file.

The file is read without a lock (writes are atomic) and rewritten only when something changed,
under ``oncall.fsio.locked`` with a fresh read, so concurrent feeds never lose an update. When
it cannot be written (a read-only workspace), the feed is still built from the file as it is
and a warning says so. Two lines for the same event (a merge of two branches) are allowed: the
higher sequence wins.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from oncall.config.workspace import Workspace
from oncall.errors import ConfigError, Problem
from oncall.frozen import frozen
from oncall.fsio import atomic_write_text, locked

LEDGER_FILE = "calendar.yaml"
EVENT_KINDS = ("oncall", "handoff", "backup")
#: a cover's event is ``cover-<id>``, keyed by the Monday of the week it starts in
COVER_KIND = "cover-"


def known_kind(event: object) -> bool:
    """Whether ``event`` names an event kind of the ledger."""
    if event in EVENT_KINDS:
        return True
    return (
        isinstance(event, str)
        and event.startswith(COVER_KIND)
        and event[len(COVER_KIND) :].isdigit()
    )


HEADER = """\
# Written by `oncall ical` and `oncall serve`: what each calendar event last said, so that
# SEQUENCE rises and DTSTAMP (`changed`) moves only when an event really changes. Commit it
# with the other files of this folder. On a merge conflict keep both lines: the higher
# sequence wins. Deleting it restarts every SEQUENCE (calendar clients may then miss changes).
"""

Key = tuple[date, str]


@frozen
class Entry:
    """What one event of the rotation said when a feed last included it."""

    week: date
    event: str
    sequence: int
    changed: datetime
    digest: str
    people: tuple[str, ...] = ()
    engineer: str | None = None
    outgoing: str | None = None

    @property
    def key(self) -> Key:
        return (self.week, self.event)


@frozen
class Draft:
    """An event as the schedule has it now: its content digest, the people it names, and the
    least SEQUENCE it may carry (the engine's count of recorded swaps)."""

    week: date
    event: str
    digest: str
    people: tuple[str, ...]
    baseline: int = 0
    engineer: str | None = None
    outgoing: str | None = None

    @property
    def key(self) -> Key:
        return (self.week, self.event)


def ledger_path(workspace: Workspace, rotation_id: str) -> Path:
    """``schedules/<rotation-id>/calendar.yaml``."""
    return workspace.state_dir(rotation_id) / LEDGER_FILE


def advance(old: Entry | None, draft: Draft, now: datetime) -> Entry:
    """The ledger line of ``draft``: ``old`` itself while nothing changed, else a higher
    sequence stamped ``now`` (never earlier than the previous stamp)."""
    now = now.astimezone(UTC).replace(microsecond=0)
    if old is None:
        return Entry(
            draft.week,
            draft.event,
            draft.baseline,
            now,
            draft.digest,
            draft.people,
            draft.engineer,
            draft.outgoing,
        )
    people = old.people + tuple(p for p in draft.people if p not in old.people)
    if old.digest == draft.digest and old.sequence >= draft.baseline:
        return old if people == old.people else replace(old, people=people)
    sequence = old.sequence + 1 if old.digest != draft.digest else old.sequence
    return Entry(
        draft.week,
        draft.event,
        max(sequence, draft.baseline),
        max(now, old.changed),
        draft.digest,
        people,
        draft.engineer,
        draft.outgoing,
    )


@frozen
class Recorded:
    """The ledger after a feed was built: every entry by key, and warnings."""

    entries: Mapping[Key, Entry]
    warnings: tuple[str, ...] = ()
    written: bool = False


def record(
    workspace: Workspace,
    rotation_id: str,
    drafts: Iterable[Draft],
    now: datetime,
    fallback_now: datetime,
    current: Mapping[Key, Entry] | None = None,
) -> Recorded:
    """Bring the ledger up to date with ``drafts`` and return it.

    Nothing is written (and no lock taken) when every draft matches its line. When the file
    cannot be written, lines are advanced in memory with ``fallback_now`` (a stamp derived
    from the input files, so a read-only workspace still gives the same feed every time).
    ``current`` is the ledger as already read, if it was.
    """
    drafts = list(drafts)
    path = ledger_path(workspace, rotation_id)
    if current is None:
        current = read(workspace, rotation_id)
    if all(current.get(d.key) == advance(current.get(d.key), d, now) for d in drafts):
        return Recorded(current)
    try:
        with locked(path):
            fresh = read(workspace, rotation_id)
            merged = dict(fresh)
            for draft in drafts:
                merged[draft.key] = advance(fresh.get(draft.key), draft, now)
            if merged != fresh:
                atomic_write_text(path, dump(merged.values()))
        return Recorded(merged, written=merged != fresh)
    except OSError as error:
        merged = dict(current)
        for draft in drafts:
            merged[draft.key] = advance(current.get(draft.key), draft, fallback_now)
        warning = (
            f"{workspace.display(path)}: cannot record calendar changes "
            f"({error.strerror or error}); SEQUENCE and DTSTAMP come from the files as they are"
        )
        return Recorded(merged, (warning,))


# --- the file ---------------------------------------------------------------------------------


def _quoted(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def dump(entries: Iterable[Entry]) -> str:
    """The ledger file: a header, then one flow-style line per event, by week and kind."""
    order = {kind: index for index, kind in enumerate(EVENT_KINDS)}
    lines = [HEADER.rstrip("\n"), "events:"]
    for entry in sorted(entries, key=lambda e: (e.week, order.get(e.event, 99), e.event)):
        fields = [f"week: {entry.week.isoformat()}", f"event: {entry.event}"]
        if entry.event == "handoff":
            fields.append(f"outgoing: {_quoted(entry.outgoing)}")
            fields.append(f"incoming: {_quoted(entry.engineer)}")
        else:
            fields.append(f"engineer: {_quoted(entry.engineer)}")
        fields += [
            f"sequence: {entry.sequence}",
            f'changed: "{entry.changed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}"',
            "people: [" + ", ".join(_quoted(p) for p in entry.people) + "]",
            f"digest: {_quoted(entry.digest)}",
        ]
        lines.append("- {" + ", ".join(fields) + "}")
    return "\n".join(lines) + "\n"


def read(workspace: Workspace, rotation_id: str) -> dict[Key, Entry]:
    """The ledger's entries by (week, event); empty when there is no file.

    ``ConfigError`` (one problem per bad field) when a person broke the file.
    """
    path = ledger_path(workspace, rotation_id)
    if not path.is_file():
        return {}
    entries, problems = _parse(workspace, path)
    if problems:
        raise ConfigError(*problems)
    return entries


def validate_ledger(workspace: Workspace, rotation_id: str) -> list[Problem]:
    """Every problem of the rotation's calendar ledger (empty when valid or absent)."""
    path = ledger_path(workspace, rotation_id)
    if not path.is_file():
        return []
    try:
        return _parse(workspace, path)[1]
    except ConfigError as error:
        return [p if isinstance(p, Problem) else Problem("", "", p) for p in error.problems]


def _parse(workspace: Workspace, path: Path) -> tuple[dict[Key, Entry], list[Problem]]:
    from oncall.config.yamlio import load_yaml

    display = workspace.display(path)
    raw = load_yaml(path, display)
    problems: list[Problem] = []
    if raw is None:
        return {}, problems
    items = raw.get("events") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or (items is not None and not isinstance(items, list)):
        return {}, [Problem(display, "events", "must be a list of events")]
    entries: dict[Key, Entry] = {}
    for index, item in enumerate(items or ()):
        entry = _entry(item, _Found(display, f"events[{index}]", problems))
        if entry is None:
            continue
        kept = entries.get(entry.key)
        if kept is None or (entry.sequence, entry.changed) > (kept.sequence, kept.changed):
            entries[entry.key] = entry
    return entries, problems


@dataclass
class _Found:
    """Collects the problems of one list item under its field path."""

    file: str
    where: str
    problems: list[Problem]

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, f"{self.where}.{field}", message))


_FIELDS = {
    "week",
    "event",
    "engineer",
    "outgoing",
    "incoming",
    "sequence",
    "changed",
    "people",
    "digest",
}


def _entry(item: Any, found: _Found) -> Entry | None:
    if not isinstance(item, dict):
        found.problems.append(Problem(found.file, found.where, "must be a mapping"))
        return None
    before = len(found.problems)
    for key in item:
        if key not in _FIELDS:
            found.add(str(key), "unknown key")
    week = _date(item.get("week"), "week", found)
    event = item.get("event")
    if not known_kind(event):
        found.add("event", f"must be one of {', '.join(EVENT_KINDS)} or cover-<id>")
    sequence = item.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
        found.add("sequence", "must be a whole number, 0 or more")
    changed = _stamp(item.get("changed"), found)
    digest = item.get("digest")
    if not isinstance(digest, str) or not digest:
        found.add("digest", "must be text")
    people = item.get("people", [])
    if not isinstance(people, list) or not all(isinstance(p, str) for p in people):
        found.add("people", "must be a list of member ids")
    for name in ("engineer", "outgoing", "incoming"):
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            found.add(name, "must be a member id or null")
    if len(found.problems) > before or week is None or changed is None:
        return None
    return Entry(
        week,
        str(event),
        int(sequence),  # type: ignore[arg-type]
        changed,
        str(digest),
        tuple(people),
        item.get("incoming") if event == "handoff" else item.get("engineer"),
        item.get("outgoing"),
    )


def _date(value: Any, field: str, found: _Found) -> date | None:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        found.add(field, f"{value!r} is not a date (YYYY-MM-DD)")
        return None
    if day.weekday() != 0:
        found.add(field, f"{day.isoformat()} is not a Monday")
        return None
    return day


def _stamp(value: Any, found: _Found) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        found.add("changed", f"{value!r} is not an ISO 8601 date-time")
        return None
    if moment.tzinfo is None:
        found.add("changed", "needs a UTC offset (e.g. 2027-01-06T09:00:00Z)")
        return None
    return moment.astimezone(UTC)
