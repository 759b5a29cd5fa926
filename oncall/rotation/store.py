"""The files the rotation commands read and write, as plain YAML people can edit and review.

- Leave lives in the rotation file itself (``members[].leave``). ``oncall leave`` edits that file
  with a round-trip YAML editor, so comments, order and quoting stay as people wrote them; the
  result is validated like any rotation file before it replaces the old one.
- ``schedules/<rotation-id>/swaps.yaml``: explicit trades of weeks, never deleted (undoing a
  swap stamps it ``undone``), so the record of changes to a week only grows.
- ``schedules/<rotation-id>/published.yaml``: weeks frozen by ``oncall publish``.
- ``schedules/<rotation-id>/covers.yaml``: someone answering instead of the person on call for
  a span of time (a sick afternoon); removing one stamps it ``removed``.
- ``schedules/<rotation-id>/plan.yaml``: the rotation's current plan, the weeks as the team last
  saw them, rewritten whole by every command that changes the plan; the engine keeps it unless
  a rule forces a change (``oncall.rotation.engine``).

Every write replaces its file atomically, under one lock per rotation
(``schedules/<rotation-id>.yaml.lock``) held across read, check and write, so two concurrent
commands never lose an update. Reading is cached by file stamp: a warm read imports neither
YAML nor pydantic.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from oncall.cache import StampedCache, code_stamp, file_stamp
from oncall.config.models import Leave, Rotation
from oncall.config.workspace import Workspace
from oncall.errors import ConfigError, Problem, RuntimeFailure, UsageError
from oncall.rotation.model import Cover, PlannedWeek, PublishedWeek, RotationState, Swap

if TYPE_CHECKING:
    from oncall.config.validation import Problems

M = TypeVar("M")

SWAPS_FILE = "swaps.yaml"
PUBLISHED_FILE = "published.yaml"
PLAN_FILE = "plan.yaml"
COVERS_FILE = "covers.yaml"
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

SWAPS_HEADER = """\
# Swaps of on-call weeks, written by `oncall swap add` (one trade of two weeks each).
# Each side reads: the week starting `week` goes from `was` to `now`. `oncall swap undo ID`
# stamps a swap `undone` instead of deleting it, so this file is the record of changes.
"""

COVERS_HEADER = """\
# Covers, written by `oncall cover add`: `member` answers from `start` until `until` instead of
# `instead_of` (or, without it, instead of whoever is the primary engineer then). The weekly
# plan does not change. `oncall cover remove ID` stamps a cover `removed` instead of deleting it.
"""

PUBLISHED_HEADER = """\
# On-call weeks frozen by `oncall publish`: the schedule never changes them afterwards.
# A published week whose engineer turns out to be on leave is reported as a conflict:
# settle it with `oncall cover add` (or `oncall swap add`).
"""


def swaps_path(workspace: Workspace, rotation_id: str) -> Path:
    return workspace.state_dir(rotation_id) / SWAPS_FILE


def published_path(workspace: Workspace, rotation_id: str) -> Path:
    return workspace.state_dir(rotation_id) / PUBLISHED_FILE


def plan_path(workspace: Workspace, rotation_id: str) -> Path:
    return workspace.state_dir(rotation_id) / PLAN_FILE


def covers_path(workspace: Workspace, rotation_id: str) -> Path:
    return workspace.state_dir(rotation_id) / COVERS_FILE


@contextlib.contextmanager
def rotation_lock(workspace: Workspace, rotation_id: str) -> Iterator[None]:
    """Hold the rotation's write lock: every read-check-write of its files runs inside it."""
    from oncall.fsio import locked

    try:
        with locked(workspace.rotation_path(rotation_id)):
            yield
    except OSError as error:
        raise RuntimeFailure(
            f"{workspace.display(workspace.rotation_path(rotation_id))}: cannot lock "
            f"({error.strerror or error})"
        ) from None


# --- reading ------------------------------------------------------------------------------------

_CODE = [__file__, *(str(Path(__file__).with_name(n)) for n in ("model.py", "schema.py"))]


def load_state(workspace: Workspace, rotation: Rotation) -> RotationState:
    """The published weeks and swaps of ``rotation``; ``ConfigError`` if a file is invalid."""
    paths = (
        swaps_path(workspace, rotation.id),
        published_path(workspace, rotation.id),
        plan_path(workspace, rotation.id),
        covers_path(workspace, rotation.id),
    )
    stamp = (tuple(file_stamp(p) for p in paths), rotation.rotation.start)
    if stamp[0] == (None, None, None, None):
        return RotationState()
    cache = StampedCache("rotation-state", str(workspace.root.resolve()), code_stamp(*_CODE))
    state = cache.get(rotation.id, stamp)
    if state is None:
        problems: list[Problem] = []
        state = _read_state(workspace, rotation, problems)
        if problems:
            last = cache.entries.get(rotation.id)
            if workspace.lenient and last is not None:  # an incident answer survives a typo
                workspace.fallbacks.append(
                    f"{problems[0]} (answering from the last version of the state files that "
                    f"validated; fix it: `oncall validate`)"
                )
                return last[1]  # type: ignore[no-any-return]
            raise ConfigError(*problems)
        cache.put(rotation.id, stamp, state)
        cache.save()
    return state


def validate_state(workspace: Workspace, rotation_id: str) -> list[Problem]:
    """Every problem of the state files of ``rotation_id`` (empty when valid or absent).

    Meant for ``oncall validate``; a rotation file that is itself invalid is not reported here
    (the workspace check reports it), and its state files are then checked without it.
    """
    try:
        rotation: Rotation | None = workspace.rotation(rotation_id)
    except (ConfigError, UsageError):
        rotation = None
    problems: list[Problem] = []
    _read_state(workspace, rotation, problems, rotation_id)
    return problems


def _read_state(
    workspace: Workspace,
    rotation: Rotation | None,
    problems: list[Problem],
    rotation_id: str | None = None,
) -> RotationState:
    from oncall.rotation.schema import CoversFile, PlanFile, PublishedFile, SwapsFile

    rid = rotation.id if rotation is not None else str(rotation_id)
    start = rotation.rotation.start if rotation is not None else None
    swaps: tuple[Swap, ...] = ()
    published: dict[date, PublishedWeek] = {}

    parsed = _parse_state_file(workspace, swaps_path(workspace, rid), SwapsFile, problems)
    if parsed is not None:
        swaps_file, found = parsed
        _check_swaps(swaps_file, start, found)
        swaps = swaps_file.swaps
        problems.extend(found.items)
    parsed_weeks = _parse_state_file(
        workspace, published_path(workspace, rid), PublishedFile, problems
    )
    if parsed_weeks is not None:
        published_file, found = parsed_weeks
        _check_published(published_file, start, found)
        published = {w.week: w for w in published_file.weeks}
        problems.extend(found.items)
    plan: dict[date, PlannedWeek] = {}
    parsed_plan = _parse_state_file(workspace, plan_path(workspace, rid), PlanFile, problems)
    if parsed_plan is not None:
        plan_file, found = parsed_plan
        _check_plan(plan_file, start, found)
        plan = {w.week: w for w in plan_file.weeks}
        problems.extend(found.items)
    covers: tuple[Cover, ...] = ()
    parsed_covers = _parse_state_file(workspace, covers_path(workspace, rid), CoversFile, problems)
    if parsed_covers is not None:
        covers_file, found = parsed_covers
        _check_covers(covers_file, found)
        covers = covers_file.covers
        problems.extend(found.items)
    return RotationState(
        published={day: _plain_times(w) for day, w in published.items()},
        swaps=tuple(_plain_times(x) for x in swaps),
        plan=plan,
        covers=tuple(_plain_times(x) for x in covers),
    )


def _plain_times(record: M) -> M:
    """``record`` with its date-times in the standard library's fixed-offset zones instead of
    pydantic's own: the state is cached by pickling, and reading it back must not import
    pydantic (every ``whois`` reads it)."""
    import dataclasses
    from datetime import timezone

    changes = {}
    for item in dataclasses.fields(record):  # type: ignore[arg-type]
        value = getattr(record, item.name)
        if isinstance(value, datetime) and value.tzinfo is not None:
            offset = value.utcoffset()
            assert offset is not None
            plain = timezone(offset)
            if type(value.tzinfo) is not type(plain):
                changes[item.name] = value.replace(tzinfo=plain)
    return dataclasses.replace(record, **changes) if changes else record  # type: ignore[type-var]


def _parse_state_file(
    workspace: Workspace, path: Path, model: type[M], problems: list[Problem]
) -> tuple[M, Problems] | None:
    """The state file at ``path`` parsed as ``model``, with its own problem list for further
    checks; None when absent or unreadable (its problems added to ``problems``)."""
    from oncall.config.validation import Problems, parse_model
    from oncall.config.yamlio import load_yaml

    if not path.is_file():
        return None
    found = Problems(workspace.display(path))
    try:
        raw = load_yaml(path, found.file)
    except ConfigError as error:
        problems.extend(p for p in error.problems if isinstance(p, Problem))
        return None
    parsed = parse_model(model, raw if raw is not None else {}, found)
    if parsed is None:
        problems.extend(found.items)
        return None
    return parsed, found


def _check_week(day: date, start: date | None, field: str, found: Any) -> None:
    if day.weekday() != 0:
        found.add(field, f"{day.isoformat()} is a {_WEEKDAYS[day.weekday()]}, not a Monday")
    elif start is not None and day < start:
        found.add(field, f"{day.isoformat()} is before the rotation starts ({start.isoformat()})")


def _check_member(value: str | None, field: str, found: Any) -> None:
    if value is not None and not _ID.fullmatch(value):
        found.add(field, f"{value!r} is not a member id")


def _check_stamp(value: datetime | None, field: str, found: Any) -> None:
    if value is not None and value.tzinfo is None:
        found.add(field, "needs a UTC offset (e.g. 2027-01-06T10:00:00+01:00)")


def _numbered(items: tuple[Any, ...], name: str, found: Any) -> Iterator[tuple[str, Any]]:
    """Each entry of a list of swaps or covers with its place (``swaps[0]``), its id checked
    first: 1 or more, and not seen before."""
    seen: dict[int, int] = {}
    for index, item in enumerate(items):
        where = f"{name}[{index}]"
        if item.id in seen:
            found.add(f"{where}.id", f"duplicate id {item.id} (also {name}[{seen[item.id]}])")
        seen.setdefault(item.id, index)
        if item.id < 1:
            found.add(f"{where}.id", "must be 1 or more")
        yield where, item


def _check_swaps(parsed: Any, start: date | None, found: Any) -> None:
    for where, swap in _numbered(parsed.swaps, "swaps", found):
        _check_stamp(swap.created, f"{where}.created", found)
        _check_stamp(swap.undone, f"{where}.undone", found)
        if len(swap.weeks) != 2:
            found.add(f"{where}.weeks", "a swap trades exactly two weeks")
            continue
        for side_index, side in enumerate(swap.weeks):
            field = f"{where}.weeks[{side_index}]"
            _check_week(side.week, start, f"{field}.week", found)
            _check_member(side.was, f"{field}.was", found)
            _check_member(side.now, f"{field}.now", found)
            if side.was == side.now:
                found.add(f"{field}.now", "is the same member as was")
        first, second = swap.weeks
        if first.week == second.week:
            found.add(f"{where}.weeks[1].week", "the same week as weeks[0]")
        if (first.was, first.now) != (second.now, second.was):
            found.add(
                f"{where}.weeks",
                "not a trade: weeks[1] must go from weeks[0].now back to weeks[0].was",
            )


def _check_plan(parsed: Any, start: date | None, found: Any) -> None:
    """A list of weeks (``published.yaml``, ``plan.yaml``): Mondays, once each, member ids."""
    seen: dict[date, int] = {}
    for index, week in enumerate(parsed.weeks):
        where = f"weeks[{index}]"
        _check_week(week.week, start, f"{where}.week", found)
        if week.week in seen:
            found.add(f"{where}.week", f"duplicate week (also weeks[{seen[week.week]}])")
        seen.setdefault(week.week, index)
        _check_member(week.engineer, f"{where}.engineer", found)
        _check_member(getattr(week, "backup", None), f"{where}.backup", found)


def _check_covers(parsed: Any, found: Any) -> None:
    for where, cover in _numbered(parsed.covers, "covers", found):
        _check_member(cover.member, f"{where}.member", found)
        _check_member(cover.instead_of, f"{where}.instead_of", found)
        for name in ("start", "until", "created", "removed"):
            _check_stamp(getattr(cover, name), f"{where}.{name}", found)
        if (
            cover.start.tzinfo is not None
            and cover.until.tzinfo is not None
            and cover.until <= cover.start
        ):
            found.add(f"{where}.until", "is not after start")
        if cover.member == cover.instead_of:
            found.add(f"{where}.instead_of", "is the same member as member")


def _check_published(parsed: Any, start: date | None, found: Any) -> None:
    _check_plan(parsed, start, found)
    for index, week in enumerate(parsed.weeks):
        _check_stamp(week.published, f"weeks[{index}].published", found)


# --- writing ------------------------------------------------------------------------------------

PLAN_HEADER = """\
# The rotation's current plan: each week as the team last saw it. oncall rewrites this file
# whenever the plan changes (leave, swaps, publishing, `oncall plan --rebalance`) and keeps
# every week unless a rule forces a change; each command prints the weeks it changed.
"""


def write_plan(workspace: Workspace, rotation_id: str, plan: Mapping[date, PlannedWeek]) -> None:
    """Replace the plan file with ``plan`` (inside ``rotation_lock``), one week a line."""
    import yaml

    def quoted(text: str) -> str:
        return str(yaml.safe_dump(text, default_style='"', allow_unicode=True, width=1 << 30))

    lines = [PLAN_HEADER, "weeks:\n"]
    for monday in sorted(plan):
        week = plan[monday]
        entry = f"  - {{week: {monday.isoformat()}, engineer: {week.engineer or 'null'}"
        if week.reason:
            entry += f", reason: {quoted(week.reason).strip()}"
        if week.backup:
            entry += f", backup: {week.backup}"
        if week.backup_reason:
            entry += f", backup_reason: {quoted(week.backup_reason).strip()}"
        lines.append(entry + "}\n")
    _write(workspace, plan_path(workspace, rotation_id), "".join(lines))


def _yaml(sequence_indent: int = 2, offset: int = 0) -> Any:
    from ruamel.yaml import YAML

    editor = YAML()
    editor.preserve_quotes = True
    editor.width = 4096
    editor.indent(mapping=2, sequence=sequence_indent, offset=offset)
    editor.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    # the same date used twice ({start: d, end: d}) must not become an anchor and an alias
    keep = editor.representer.ignore_aliases
    editor.representer.ignore_aliases = lambda data: isinstance(data, date) or keep(data)
    return editor


def _dump(editor: Any, data: Any) -> str:
    import io

    buffer = io.StringIO()
    editor.dump(data, buffer)
    return buffer.getvalue()


def atomic_write_text(path: Path, text: str) -> None:
    """``oncall.fsio.atomic_write_text``, imported when first needed (reads stay light)."""
    from oncall.fsio import atomic_write_text as write

    write(path, text)


def _write(workspace: Workspace, path: Path, text: str) -> None:
    try:
        atomic_write_text(path, text)
    except OSError as error:
        raise RuntimeFailure(
            f"{workspace.display(path)}: cannot write ({error.strerror or error})"
        ) from None


def _edit_state_file(
    workspace: Workspace, path: Path, header: str, key: str, change: Callable[[Any], None]
) -> None:
    """Load ``path`` round-trip (or start it with ``header``), let ``change`` edit the list
    under ``key``, and write it back atomically. Call inside ``rotation_lock``."""
    editor = _yaml()
    text = path.read_text(encoding="utf-8") if path.is_file() else header + f"{key}: []\n"
    try:
        data = editor.load(text)
    except Exception as error:  # ruamel raises many kinds; the strict loader names the line
        raise ConfigError(Problem(workspace.display(path), "", f"invalid YAML: {error}")) from None
    if data is None:
        data = editor.load(header + f"{key}: []\n")
    items = data.get(key)
    if items is None:
        from ruamel.yaml.comments import CommentedSeq

        items = CommentedSeq()
        data[key] = items
    if hasattr(items, "fa"):
        items.fa.set_block_style()
    change(items)
    _write(workspace, path, _dump(editor, data))


def append_swap(workspace: Workspace, rotation_id: str, swap: Swap) -> None:
    """Add ``swap`` to the swaps file (inside ``rotation_lock``)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    entry = CommentedMap()
    entry["id"] = swap.id
    sides = CommentedSeq()
    for side in swap.weeks:
        item = CommentedMap([("week", side.week), ("was", side.was), ("now", side.now)])
        item.fa.set_flow_style()
        sides.append(item)
    entry["weeks"] = sides
    if swap.note:
        entry["note"] = swap.note
    if swap.created is not None:
        entry["created"] = swap.created.isoformat()
    _append_entry(workspace, swaps_path(workspace, rotation_id), SWAPS_HEADER, "swaps", entry)


def mark_swap_undone(workspace: Workspace, rotation_id: str, swap_id: int, when: datetime) -> None:
    """Stamp swap ``swap_id`` as undone (inside ``rotation_lock``)."""
    path = swaps_path(workspace, rotation_id)
    _stamp_entry(workspace, path, SWAPS_HEADER, "swaps", swap_id, "undone", when)


def append_cover(workspace: Workspace, rotation_id: str, cover: Cover) -> None:
    """Add ``cover`` to the covers file (inside ``rotation_lock``)."""
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap([("id", cover.id), ("member", cover.member)])
    if cover.instead_of:
        entry["instead_of"] = cover.instead_of
    entry["start"] = cover.start.isoformat()
    entry["until"] = cover.until.isoformat()
    if cover.reason:
        entry["reason"] = cover.reason
    if cover.created is not None:
        entry["created"] = cover.created.isoformat()
    _append_entry(workspace, covers_path(workspace, rotation_id), COVERS_HEADER, "covers", entry)


def mark_cover_removed(
    workspace: Workspace, rotation_id: str, cover_id: int, when: datetime
) -> None:
    """Stamp cover ``cover_id`` as removed (inside ``rotation_lock``)."""
    path = covers_path(workspace, rotation_id)
    _stamp_entry(workspace, path, COVERS_HEADER, "covers", cover_id, "removed", when)


def _append_entry(workspace: Workspace, path: Path, header: str, key: str, entry: Any) -> None:
    """Add ``entry`` to the ``key`` list of a state file (inside ``rotation_lock``)."""
    _edit_state_file(workspace, path, header, key, lambda items: items.append(entry))


def _stamp_entry(
    workspace: Workspace,
    path: Path,
    header: str,
    key: str,
    entry_id: int,
    field: str,
    when: datetime,
) -> None:
    """Set ``field: when`` on the entry ``entry_id`` of the ``key`` list of a state file (inside
    ``rotation_lock``); ``UsageError`` when there is none."""

    def change(items: Any) -> None:
        for item in items:
            if isinstance(item, dict) and item.get("id") == entry_id:
                item[field] = when.isoformat()
                return
        raise UsageError(f"{key.removesuffix('s')} {entry_id}: not found")

    _edit_state_file(workspace, path, header, key, change)


def append_published(workspace: Workspace, rotation_id: str, weeks: list[PublishedWeek]) -> None:
    """Add ``weeks`` to the published file, keeping it sorted by week (inside the lock)."""
    from ruamel.yaml.comments import CommentedMap

    def change(items: Any) -> None:
        for week in weeks:
            entry = CommentedMap([("week", week.week), ("engineer", week.engineer)])
            if week.backup:
                entry["backup"] = week.backup
            if week.reason:
                entry["reason"] = week.reason
            if week.published is not None:
                entry["published"] = week.published.isoformat()
            position = len(items)
            while position > 0 and _entry_week(items[position - 1]) > week.week:
                position -= 1
            items.insert(position, entry)

    _edit_state_file(
        workspace, published_path(workspace, rotation_id), PUBLISHED_HEADER, "weeks", change
    )


def _entry_week(item: Any) -> date:
    value = item.get("week") if isinstance(item, dict) else None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return date.min


# --- leave, in the rotation file ----------------------------------------------------------------


def _edit_rotation(
    workspace: Workspace, rotation_id: str, change: Callable[[Any], tuple[Leave, ...]]
) -> tuple[Leave, ...]:
    """Round-trip edit of the rotation file, validated before it replaces the file."""
    import yaml
    from ruamel.yaml.util import load_yaml_guess_indent

    from oncall.config.validation import validate_rotation
    from oncall.config.yamlio import StrictLoader

    path = workspace.rotation_path(rotation_id)
    display = workspace.display(path)
    text = path.read_text(encoding="utf-8")
    try:
        _, indent, block_indent = load_yaml_guess_indent(text)
    except Exception:
        indent, block_indent = 2, 0
    editor = _yaml(
        sequence_indent=max(indent or 2, (block_indent or 0) + 2), offset=block_indent or 0
    )
    data = editor.load(text)
    changed = change(data)
    new_text = _dump(editor, data)
    raw = yaml.load(new_text, Loader=StrictLoader)
    validate_rotation(raw, rotation_id, display)  # raises ConfigError: nothing is written
    _write(workspace, path, new_text)
    return changed


def _member_node(data: Any, member_id: str, display: str) -> Any:
    for member in data.get("members") or ():
        if isinstance(member, dict) and member.get("id") == member_id:
            return member
    raise UsageError(f"{display}: no member {member_id!r}")


def add_leave(workspace: Workspace, rotation_id: str, member_id: str, leave: Leave) -> None:
    """Add ``leave`` to ``member_id`` in the rotation file (inside ``rotation_lock``)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    display = workspace.display(workspace.rotation_path(rotation_id))

    def change(data: Any) -> tuple[Leave, ...]:
        member = _member_node(data, member_id, display)
        entry = CommentedMap([("start", leave.start), ("end", leave.end)])
        if leave.reason:
            entry["reason"] = _flow_safe(leave.reason)
        entry.fa.set_flow_style()
        existing = member.get("leave")
        if existing is None:
            existing = CommentedSeq()
            member["leave"] = existing
        if hasattr(existing, "fa") and not existing:  # `leave: []` becomes a block list
            existing.fa.set_block_style()
        existing.append(entry)
        return (leave,)

    _edit_rotation(workspace, rotation_id, change)


def _flow_safe(text: str) -> Any:
    """``text`` as it can stand in a one-line ``{...}`` mapping: plain when it reads back the
    same, else double-quoted (a leading ``:``, ``?``, ``#``, a ``,`` or ``}``...)."""
    import yaml
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    try:
        same = yaml.safe_load(f"{{reason: {text}}}") == {"reason": text}
    except yaml.YAMLError:
        same = False
    return text if same else DoubleQuotedScalarString(text)


def remove_leave(
    workspace: Workspace, rotation_id: str, member_id: str, matches: Callable[[Leave], bool]
) -> tuple[Leave, ...]:
    """Remove the leave of ``member_id`` for which ``matches`` holds; returns what went."""
    display = workspace.display(workspace.rotation_path(rotation_id))

    def change(data: Any) -> tuple[Leave, ...]:
        member = _member_node(data, member_id, display)
        entries = member.get("leave") or []
        removed = []
        for position in reversed(range(len(entries))):
            entry = entries[position]
            leave = Leave(
                start=_as_date(entry.get("start")),
                end=_as_date(entry.get("end")),
                reason=entry.get("reason"),
            )
            if matches(leave):
                removed.append(leave)
                del entries[position]
        return tuple(reversed(removed))

    return _edit_rotation(workspace, rotation_id, change)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
