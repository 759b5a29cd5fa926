"""Changes to a rotation: leave, swaps, covers, publishing and rebalancing, each with its exact
effect.

Every change runs under the rotation's lock (``oncall.rotation.store.rotation_lock``): it reads
the files afresh, builds the rotation as it would be after the change *in memory*, lets the
engine settle it against the plan the team last saw, and reports every week whose engineer
changes (over all weeks: before the horizon by comparing both plans, after it both continue in
list order). Without ``dry_run`` it then writes the change and the new plan
(``plan.yaml``) atomically; with it, nothing is written. Refusals are ``UsageError`` (exit 2)
with one line saying why; a file that cannot be written is a ``RuntimeFailure`` (exit 1).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import TypeVar

from oncall import clock
from oncall.config.models import Leave, Rotation
from oncall.config.workspace import Workspace
from oncall.errors import UsageError
from oncall.frozen import frozen
from oncall.rotation import store
from oncall.rotation.api import check_count, engine_for, engine_with, first_week
from oncall.rotation.engine import Engine, describe_leave
from oncall.rotation.model import (
    Cover,
    PlannedWeek,
    PublishedWeek,
    RotationState,
    Swap,
    SwapWeek,
    WeekAssignment,
)
from oncall.rotation.weeks import week_index


@frozen
class WeekChange:
    """A week whose engineer changed (``before`` -> ``after``), and why; for a cover, the span
    of the week in which someone else answers (``span``) and the role it concerns."""

    start: date
    before: str | None
    after: str | None
    reason: str
    span: tuple[datetime, datetime] | None = None
    role: str = "primary"


@frozen
class Outcome:
    """What every plan-changing command reports: the weeks that changed, warnings, and whether
    it was only a dry run (nothing written)."""

    changes: tuple[WeekChange, ...]
    warnings: tuple[str, ...]
    dry_run: bool
    #: weeks whose backup engineer changed (rotations with ``backup: true``)
    backup_changes: tuple[WeekChange, ...] = ()
    #: spans in which someone else now answers (covers added or removed, leave in a week
    #: that cannot move)
    span_changes: tuple[WeekChange, ...] = ()
    #: proposals a person may act on (who could cover a leave in a fixed week)
    suggestions: tuple[str, ...] = ()


@frozen
class LeaveResult:
    """A leave edit: the leave added or removed, and its outcome."""

    member: str
    leave: tuple[Leave, ...]
    outcome: Outcome
    #: covers added in the same step (``leave add --cover``)
    covers: tuple[Cover, ...] = ()


@frozen
class SwapResult:
    """A swap made or undone, and its outcome."""

    swap: Swap
    outcome: Outcome


@frozen
class PublishResult:
    """Weeks newly published, weeks that already were, and the outcome."""

    published: tuple[PublishedWeek, ...]
    already: tuple[PublishedWeek, ...]
    outcome: Outcome


@frozen
class RebalanceResult:
    """What re-optimising the unpublished future weeks did."""

    outcome: Outcome


def _member(rotation: Rotation, member_id: str) -> None:
    if rotation.member(member_id) is None:
        known = ", ".join(m.id for m in rotation.members)
        raise UsageError(
            f"unknown member {member_id!r} of rotation {rotation.id!r} (known: {known})"
        )


def compare(before: Engine, after: Engine, cause: str) -> tuple[list[WeekChange], list[str]]:
    """Every week whose engineer differs between ``before`` and ``after`` (each plans through
    its horizon and continues in list order after it), and warnings new in ``after``."""
    changes: list[WeekChange] = []
    warnings: list[str] = []
    for k in range(max(before.horizon, after.horizon)):
        old, new = before.engineer_of(k), after.engineer_of(k)
        if old == new:
            continue
        week = after.week(k)
        reason = week.reason or f"{new} has the week again ({cause})"
        changes.append(WeekChange(week.start, old, new, reason))
    for k in range(after.horizon):
        new_week = after.week(k)
        if new_week.shift_end <= clock.now():
            continue
        for cover in new_week.active_covers:
            away = _cover_member_leave(after, cover)
            if away and away != _cover_member_leave(before, cover):
                warnings.append(
                    f"cover #{cover.id}: {away}, so it does not count: "
                    f"`oncall cover suggest` finds someone else"
                )
    for k in range(after.horizon):
        new_week = after.week(k)
        if new_week.shift_end <= clock.now():
            continue
        old_week = before.week(k)
        if new_week.conflict and new_week.conflict != old_week.conflict:
            warnings.append(f"week {new_week.start.isoformat()}: {new_week.conflict}")
        if new_week.engineer is None and old_week.engineer is not None:
            warnings.append(
                f"week {new_week.start.isoformat()}: nobody can take it ({new_week.reason})"
            )
    return changes, warnings


def _cover_member_leave(engine: Engine, cover: Cover) -> str | None:
    from oncall.rotation.duty import leave_in

    leave = leave_in(engine.rotation, cover.member, cover.start, cover.until)
    return describe_leave(cover.member, leave) if leave is not None else None


def compare_backup(before: Engine, after: Engine, cause: str) -> list[WeekChange]:
    """Every week whose backup engineer differs between ``before`` and ``after``."""
    one, two = before.backup, after.backup
    if one is None and two is None:
        return []
    changes = []
    for k in range(max(before.horizon, after.horizon)):
        old = one.engineer_of(k) if one is not None else None
        new = two.engineer_of(k) if two is not None else None
        if old == new:
            continue
        week = after.week(k)
        reason = week.backup_reason or f"{new} is the backup again ({cause})"
        changes.append(WeekChange(week.start, old, new, reason, role="backup"))
    return changes


def compare_spans(
    before: Engine, after: Engine, start: datetime, until: datetime, cause: str
) -> list[WeekChange]:
    """Within ``[start, until)``: every span where someone else answers, primary or backup,
    split at hand-offs (one entry per week and role), with who answered before and after."""
    from oncall.rotation.duty import duty_at, segments

    if until <= start:
        return []
    cuts = {start, until}
    for engine in (before, after):
        for piece in segments(engine, start, until):
            cuts.update((piece.start, piece.until))
    ordered = sorted(cuts)
    changes: list[WeekChange] = []
    for first, last in pairwise(ordered):
        old, new = duty_at(before, first), duty_at(after, first)
        for role, was, now, cover in (
            ("primary", old.on_call, new.on_call, new.cover),
            ("backup", old.backup, new.backup, new.backup_cover),
        ):
            if was == now:
                continue
            reason = _span_reason(after, role, new, now, cover, cause)
            previous = changes[-1] if changes else None
            if (
                previous is not None
                and previous.role == role
                and previous.span is not None
                and previous.span[1] == first
                and (previous.start, previous.before, previous.after) == (new.week.start, was, now)
            ):
                changes[-1] = dataclasses.replace(previous, span=(previous.span[0], last))
            else:
                changes.append(WeekChange(new.week.start, was, now, reason, (first, last), role))
    return sorted(changes, key=lambda c: (c.role != "primary", c.span or (start, start)))


def _span_reason(
    engine: Engine, role: str, duty: object, now: str | None, cover: Cover | None, cause: str
) -> str:
    from oncall.rotation.duty import Duty

    assert isinstance(duty, Duty)
    planned = duty.planned if role == "primary" else duty.planned_backup
    leave = duty.planned_leave if role == "primary" else duty.backup_leave
    if cover is not None and now == cover.member:
        why = f" ({cover.reason})" if cover.reason else ""
        return f"{cover.member} covers for {planned or 'nobody'}{why} (cover #{cover.id})"
    if now is None and leave is not None:
        return f"uncovered: {describe_leave(str(planned), leave)}"
    return f"{now} is on call as planned ({cause})"


def _change(
    workspace: Workspace,
    before: Engine,
    rotation: Rotation,
    state: RotationState,
    cause: str,
    dry_run: bool,
    write: Callable[[], object],
    rebalance: bool = False,
    span: tuple[datetime, datetime] | None = None,
) -> tuple[Outcome, Engine]:
    """Settle ``rotation`` and ``state`` against the plan ``before`` shows, compare (and,
    given a ``span``, compare who answers in it), and (unless ``dry_run``) run ``write`` and
    store the new plan. Call inside the lock."""
    after = engine_with(rotation, state, rebalance=rebalance)
    changes, warnings = compare(before, after, cause)
    backup_changes = compare_backup(before, after, cause)
    span_changes = compare_spans(before, after, *span, cause) if span is not None else []
    if not dry_run:
        write()
        store.write_plan(workspace, rotation.id, after.plan())
    outcome = Outcome(
        tuple(changes), tuple(warnings), dry_run, tuple(backup_changes), tuple(span_changes)
    )
    return outcome, after


def _lock(workspace: Workspace, rotation_id: str, dry_run: bool) -> AbstractContextManager[None]:
    """The rotation's write lock; a dry run writes nothing, not even the lock file (every
    write replaces its file whole, so what it reads is consistent)."""
    return contextlib.nullcontext() if dry_run else store.rotation_lock(workspace, rotation_id)


def _locked_engine(workspace: Workspace, rotation_id: str) -> tuple[Workspace, Engine]:
    fresh = Workspace(workspace.root)
    return fresh, engine_for(fresh, rotation_id)


# --- leave ------------------------------------------------------------------------------------


def _with_leave(rotation: Rotation, member_id: str, leave: tuple[Leave, ...]) -> Rotation:
    members = tuple(
        dataclasses.replace(m, leave=leave) if m.id == member_id else m for m in rotation.members
    )
    return dataclasses.replace(rotation, members=members)


def add_leave(
    workspace: Workspace,
    rotation_id: str,
    member_id: str,
    start: date,
    end: date | None = None,
    reason: str | None = None,
    dry_run: bool = False,
    cover: str | None = None,
) -> LeaveResult:
    """Add leave (inclusive dates) to a member in the rotation file, keeping its comments.

    Where the member stays named on call during the leave (a published week, the week in
    progress, a swapped week: the engine does not move those), the outcome suggests the fairest
    cover for each such span; ``cover="auto"`` adds those covers in the same step (or
    ``cover=MEMBER``: that member covers every span)."""
    from oncall.rotation.duty import leave_spans, rank

    last = end or start
    if last < start:
        raise UsageError(f"END: {last.isoformat()} is before START {start.isoformat()}")
    leave = Leave(start=start, end=last, reason=reason or None)
    now = clock.now()
    with _lock(workspace, rotation_id, dry_run):
        fresh, before = _locked_engine(workspace, rotation_id)
        rotation = before.rotation
        _member(rotation, member_id)
        if cover not in (None, "auto"):
            _member(rotation, cover)
            if cover == member_id:
                raise UsageError(f"{member_id} cannot cover their own leave", option="cover")
        member = rotation.member(member_id)
        assert member is not None
        changed = _with_leave(rotation, member_id, (*member.leave, leave))
        state = _plan_state(before)
        cause = f"leave added: {describe_leave(member_id, leave)}"
        probe = engine_with(changed, state)
        spans = leave_spans(probe, member_id, leave, after=now)
        suggestions: list[str] = []
        covers: list[Cover] = []
        next_id = max((c.id for c in state.covers), default=0) + 1
        for first, until, role in spans:
            ranked, _ = rank(probe, first, until)
            best = ranked[0].member if ranked else None
            when = f"{_moment(rotation, first)} until {_moment(rotation, until)}"
            if cover is None:
                if best is None:
                    suggestions.append(
                        f"{member_id} is still the {role} on call {when}, on leave, and "
                        f"nobody can cover"
                    )
                    continue
                suggestions.append(
                    f"{member_id} is still the {role} on call {when}, on leave; "
                    f"fairest cover: {best} ({ranked[0].why()}). Apply it with `oncall cover "
                    f"add {best} --from {first.isoformat()} --until {until.isoformat()} --for "
                    f"{member_id}`, or add the leave with `--cover auto`"
                )
                continue
            who = best if cover == "auto" else cover
            if who is None:
                suggestions.append(f"nobody can cover {member_id} {when}")
                continue
            if cover != "auto":
                _check_cover_member(probe, who, first, until)
            covers.append(
                Cover(
                    next_id,
                    who,
                    first,
                    until,
                    instead_of=member_id,
                    reason=reason or "on leave",
                    created=now,
                )
            )
            next_id += 1
        state = dataclasses.replace(state, covers=(*state.covers, *covers))

        def write() -> None:
            store.add_leave(fresh, rotation_id, member_id, leave)
            for item in covers:
                store.append_cover(fresh, rotation_id, item)

        span = (max(now, _midnight(rotation, start)), _midnight(rotation, last + timedelta(1)))
        outcome, _ = _change(fresh, before, changed, state, cause, dry_run, write, span=span)
    outcome = dataclasses.replace(outcome, suggestions=tuple(suggestions))
    return LeaveResult(member_id, (leave,), outcome, tuple(covers))


def _midnight(rotation: Rotation, day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=rotation.zone)


def _moment(rotation: Rotation, instant: datetime) -> str:
    from oncall.text import when

    return when(instant, rotation.timezone)


def remove_leave(
    workspace: Workspace, rotation_id: str, member_id: str, day: date, dry_run: bool = False
) -> LeaveResult:
    """Remove the member's leave covering ``day`` (every entry that covers it)."""
    with _lock(workspace, rotation_id, dry_run):
        fresh, before = _locked_engine(workspace, rotation_id)
        rotation = before.rotation
        _member(rotation, member_id)
        member = rotation.member(member_id)
        assert member is not None
        covering = tuple(x for x in member.leave if x.start <= day <= x.end)
        if not covering:
            raise UsageError(f"{member_id} has no leave on {day.isoformat()}")
        kept = tuple(x for x in member.leave if not x.start <= day <= x.end)
        cause = "leave removed: " + "; ".join(describe_leave(member_id, x) for x in covering)
        outcome, _ = _change(
            fresh,
            before,
            _with_leave(rotation, member_id, kept),
            _plan_state(before),
            cause,
            dry_run,
            lambda: store.remove_leave(
                fresh, rotation_id, member_id, lambda x: x.start <= day <= x.end
            ),
        )
    return LeaveResult(member_id, covering, outcome)


def _plan_state(before: Engine) -> RotationState:
    """The state of ``before`` with the plan it shows (what the team last saw)."""
    return dataclasses.replace(before.state, plan=before.plan())


# --- swaps ------------------------------------------------------------------------------------


def _swap_week(engine: Engine, day: date, what: str) -> WeekAssignment:
    index = week_index(engine.rotation, day)
    if index < 0:
        raise UsageError(
            f"{what}: {day.isoformat()} is before rotation {engine.rotation.id!r} starts "
            f"({engine.rotation.rotation.start.isoformat()})"
        )
    week = engine.week(index)
    if engine.current is not None and index < engine.current:
        raise UsageError(f"{what}: the week of {week.start.isoformat()} is over")
    if engine.current is not None and index == engine.current:
        raise UsageError(
            f"{what}: the week of {week.start.isoformat()} is in progress and stays as it is"
        )
    if week.engineer is None:
        raise UsageError(f"{what}: nobody is on call in the week of {week.start.isoformat()}")
    return week


def add_swap(
    workspace: Workspace,
    rotation_id: str,
    first: date,
    second: date,
    note: str | None = None,
    dry_run: bool = False,
) -> SwapResult:
    """Trade the engineers of the weeks containing ``first`` and ``second``.

    Refused (``UsageError``) if either would then be on call during their leave, if the weeks
    are the same or have the same engineer, or if a week is over or in progress. Published
    weeks may be traded: that is how a conflict in a published week is settled.
    """
    now = clock.now()
    with _lock(workspace, rotation_id, dry_run):
        fresh, before = _locked_engine(workspace, rotation_id)
        one = _swap_week(before, first, "first week")
        two = _swap_week(before, second, "second week")
        if one.index == two.index:
            raise UsageError(f"both dates fall in the week of {one.start.isoformat()}")
        a, b = one.engineer, two.engineer
        assert a is not None and b is not None
        if a == b:
            raise UsageError(
                f"{a} is on call in both weeks ({one.start.isoformat()}, {two.start.isoformat()})"
            )
        for member, week in ((b, one), (a, two)):
            leave = before.on_leave(member, week.index)
            if leave:
                raise UsageError(
                    f"refused: {describe_leave(member, leave[0])}, which would put them on call "
                    f"in the week of {week.start.isoformat()}"
                )
        swap = Swap(
            id=max((s.id for s in before.state.swaps), default=0) + 1,
            weeks=(SwapWeek(one.start, a, b), SwapWeek(two.start, b, a)),
            created=now,
            note=note or None,
        )
        state = _plan_state(before)
        state = dataclasses.replace(state, swaps=(*state.swaps, swap))
        note_text = f": {note}" if note else ""
        outcome, after = _change(
            fresh,
            before,
            before.rotation,
            state,
            f"swap #{swap.id}{note_text}",
            dry_run,
            lambda: store.append_swap(fresh, rotation_id, swap),
        )
        extra = _running_warnings(after, one, two)
    return SwapResult(swap, _with_warnings(outcome, extra))


def _with_warnings(outcome: Outcome, extra: list[str]) -> Outcome:
    lines = tuple(dict.fromkeys((*outcome.warnings, *extra)))
    return dataclasses.replace(outcome, warnings=lines)


def _running_warnings(engine: Engine, *weeks: WeekAssignment) -> list[str]:
    lines = []
    for week in weeks:
        now = engine.week(week.index)
        for other in (week.index - 1, week.index + 1):
            if other >= 0 and engine.week(other).engineer == now.engineer:
                lines.append(
                    f"{now.engineer} is now on call two weeks running "
                    f"({min(now.start, engine.week(other).start).isoformat()} and the week after)"
                )
    return sorted(set(lines))


#: a swap or a cover: the state entries a command can take back
_Entry = TypeVar("_Entry", Swap, Cover)


def _active_entry(entries: tuple[_Entry, ...], kind: str, entry_id: int, gone: str) -> _Entry:
    """The ``kind`` (swap, cover) ``entry_id`` of ``entries``; ``UsageError`` when there is no
    such entry or it is no longer active (``gone``: undone, removed)."""
    entry = next((e for e in entries if e.id == entry_id), None)
    if entry is None:
        known = ", ".join(str(e.id) for e in entries) or "none"
        raise UsageError(f"unknown {kind} {entry_id} (known: {known})")
    if not entry.active:
        raise UsageError(f"{kind} {entry_id} is already {gone}")
    return entry


def undo_swap(
    workspace: Workspace, rotation_id: str, swap_id: int, dry_run: bool = False
) -> SwapResult:
    """Undo swap ``swap_id``: it stays in the file, stamped ``undone``, and both weeks go back
    to whoever gave them.

    Refused if it is already undone, if a later active swap builds on one of its weeks (undo
    that one first), if a week is over or in progress, or if a week was published while the
    swap was in effect (the published week keeps the swap: trade it back with a new swap).
    """
    now = clock.now()
    with _lock(workspace, rotation_id, dry_run):
        fresh, before = _locked_engine(workspace, rotation_id)
        swap = _active_entry(before.state.swaps, "swap", swap_id, "undone")
        for side in swap.weeks:
            later = [
                s.id
                for s in before.state.active_swaps
                if s.id > swap.id and s.side(side.week) is not None
            ]
            if later:
                raise UsageError(
                    f"swap {later[-1]} also trades the week of {side.week.isoformat()}: "
                    f"undo it first"
                )
            index = week_index(before.rotation, side.week)
            if before.current is not None and index <= before.current:
                state_word = "over" if index < before.current else "in progress"
                raise UsageError(f"the week of {side.week.isoformat()} is {state_word}")
            record = before.state.published.get(side.week)
            if record is not None and record.engineer == side.now:
                raise UsageError(
                    f"the week of {side.week.isoformat()} was published with the swap in effect: "
                    f"trade it back with `oncall swap add`"
                )
        undone = dataclasses.replace(swap, undone=now)
        state = _plan_state(before)
        plan = dict(state.plan)
        for side in swap.weeks:  # each week goes back to whoever gave it
            planned = plan.get(side.week)
            if planned is not None and planned.engineer == side.now:
                plan[side.week] = PlannedWeek(side.week, side.was, f"swap #{swap.id} undone")
        swaps = tuple(undone if s.id == swap.id else s for s in state.swaps)
        state = dataclasses.replace(state, swaps=swaps, plan=plan)
        outcome, after = _change(
            fresh,
            before,
            before.rotation,
            state,
            f"swap #{swap.id} undone",
            dry_run,
            lambda: store.mark_swap_undone(fresh, rotation_id, swap_id, now),
        )
        weeks = [after.week(week_index(after.rotation, side.week)) for side in swap.weeks]
        extra = _running_warnings(after, *weeks)
    return SwapResult(undone, _with_warnings(outcome, extra))


# --- publishing -------------------------------------------------------------------------------


def publish(
    workspace: Workspace,
    rotation_id: str,
    start: date | None = None,
    weeks: int | None = None,
    until: date | None = None,
    dry_run: bool = False,
) -> PublishResult:
    """Freeze the assignments of the weeks from ``start`` (default: this week) for ``weeks``
    weeks or through the week of ``until`` (default: 4 weeks). Weeks already published are
    kept as they are; a week nobody can take is not published (it is reported). Publishing
    changes no engineer: a swapped week is published with the swap in effect, so the swap
    stays active."""
    now = clock.now()
    with _lock(workspace, rotation_id, dry_run):
        fresh, before = _locked_engine(workspace, rotation_id)
        rotation = before.rotation
        first = first_week(rotation, start)
        if until is not None:
            if weeks is not None:
                raise UsageError("give a number of weeks or a last week, not both")
            count = week_index(rotation, until) - first + 1
            if count < 1:
                raise UsageError(f"{until.isoformat()} is before the first week", option="until")
        else:
            count = weeks if weeks is not None else 4
        check_count(count)
        new: list[PublishedWeek] = []
        kept: list[PublishedWeek] = []
        warnings: list[str] = []
        for week in before.weeks(first, count):
            if week.published is not None:
                kept.append(week.published)
                continue
            if week.engineer is None:
                warnings.append(
                    f"week {week.start.isoformat()}: nobody can take it, not published "
                    f"({week.reason})"
                )
                continue
            reason = week.reason
            if week.conflict:
                warnings.append(f"week {week.start.isoformat()}: {week.conflict}")
                # the conflict is recomputed whenever the week is shown: keep only the why
                reason = (reason or "").removesuffix(week.conflict).removesuffix("; ") or None
            new.append(PublishedWeek(week.start, week.engineer, reason, now, week.backup))
        state = _plan_state(before)
        published = dict(state.published)
        published.update({w.week: w for w in new})
        state = dataclasses.replace(state, published=published)
        outcome, _ = _change(
            fresh,
            before,
            rotation,
            state,
            "published",
            dry_run,
            lambda: store.append_published(fresh, rotation_id, new) if new else None,
        )
    return PublishResult(tuple(new), tuple(kept), _with_warnings(outcome, warnings))


# --- covers -----------------------------------------------------------------------------------


@frozen
class CoverResult:
    """A cover added or removed, and who answers differently because of it."""

    cover: Cover
    outcome: Outcome


#: the longest cover (longer absences are leave, which the engine plans around)
MAX_COVER = timedelta(days=92)


def _check_cover_member(engine: Engine, member_id: str, start: datetime, until: datetime) -> None:
    from oncall.rotation.duty import leave_in

    away = leave_in(engine.rotation, member_id, start, until)
    if away is not None:
        raise UsageError(
            f"refused: {describe_leave(member_id, away)}, which falls in the span "
            f"{_moment(engine.rotation, start)} until {_moment(engine.rotation, until)}"
        )


def add_cover(
    workspace: Workspace,
    rotation_id: str,
    member_id: str,
    start: datetime,
    until: datetime,
    instead_of: str | None = None,
    reason: str | None = None,
    dry_run: bool = False,
) -> CoverResult:
    """``member_id`` answers from ``start`` until ``until`` instead of ``instead_of`` (in
    whichever role that person holds then) or, without it, instead of the primary engineer.

    Refused (``UsageError``) when the member is on leave on a day of the span, when the span is
    empty, over, or longer than 92 days, when the cover changes nobody's answer (the member
    already answers throughout), or when ``instead_of`` holds no role in the span."""
    from oncall.rotation.duty import segments

    now = clock.now()
    if until <= start:
        raise UsageError("must be after the start", option="until")
    if until <= now:
        raise UsageError("that span is over (covers are for now or later)", option="until")
    if until - start > MAX_COVER:
        raise UsageError("a cover lasts at most 92 days; longer absences are leave", option="until")
    with _lock(workspace, rotation_id, dry_run):
        fresh, before = _locked_engine(workspace, rotation_id)
        rotation = before.rotation
        _member(rotation, member_id)
        if instead_of is not None:
            _member(rotation, instead_of)
            if instead_of == member_id:
                raise UsageError(f"{member_id} cannot cover for themselves")
        _check_cover_member(before, member_id, start, until)
        pieces = segments(before, start, until)
        if instead_of is not None and not any(
            instead_of in (p.duty.planned, p.duty.planned_backup) for p in pieces
        ):
            raise UsageError(
                f"{instead_of} is not on call between {_moment(rotation, start)} and "
                f"{_moment(rotation, until)}"
            )
        state = _plan_state(before)
        cover = Cover(
            max((c.id for c in state.covers), default=0) + 1,
            member_id,
            start,
            until,
            instead_of=instead_of,
            reason=reason or None,
            created=now,
        )
        state = dataclasses.replace(state, covers=(*state.covers, cover))
        outcome, _ = _change(
            fresh,
            before,
            rotation,
            state,
            f"cover #{cover.id}",
            dry_run,
            lambda: store.append_cover(fresh, rotation_id, cover),
            span=(start, until),
        )
        if not outcome.span_changes:
            raise UsageError(
                f"{member_id} already answers for the whole span: the cover would change nothing"
            )
    return CoverResult(cover, outcome)


def remove_cover(
    workspace: Workspace, rotation_id: str, cover_id: int, dry_run: bool = False
) -> CoverResult:
    """Remove cover ``cover_id``: it stays in the file stamped ``removed`` (calendars cancel
    its event), and whoever was planned answers again. Refused when it is already removed or
    its span is over (it is part of the record)."""
    now = clock.now()
    with _lock(workspace, rotation_id, dry_run):
        fresh, before = _locked_engine(workspace, rotation_id)
        cover = _active_entry(before.state.covers, "cover", cover_id, "removed")
        if cover.until <= now:
            raise UsageError(f"cover {cover_id} is over: it stays as the record of who answered")
        removed = dataclasses.replace(cover, removed=now)
        state = _plan_state(before)
        covers = tuple(removed if c.id == cover_id else c for c in state.covers)
        state = dataclasses.replace(state, covers=covers)
        outcome, _ = _change(
            fresh,
            before,
            before.rotation,
            state,
            f"cover #{cover_id} removed",
            dry_run,
            lambda: store.mark_cover_removed(fresh, rotation_id, cover_id, now),
            span=(max(cover.start, now), cover.until),
        )
    return CoverResult(removed, outcome)


# --- rebalancing ------------------------------------------------------------------------------


def rebalance(workspace: Workspace, rotation_id: str, dry_run: bool = False) -> RebalanceResult:
    """Re-optimise every week that is not published, swapped, over or in progress: each plan
    year is solved afresh (its exact optimum) instead of kept close to the current plan."""
    with _lock(workspace, rotation_id, dry_run):
        fresh, before = _locked_engine(workspace, rotation_id)
        outcome, _ = _change(
            fresh,
            before,
            before.rotation,
            _plan_state(before),
            "rebalanced",
            dry_run,
            lambda: None,
            rebalance=True,
        )
    return RebalanceResult(outcome)


__all__ = [
    "CoverResult",
    "LeaveResult",
    "Outcome",
    "PublishResult",
    "RebalanceResult",
    "SwapResult",
    "WeekChange",
    "add_cover",
    "add_leave",
    "add_swap",
    "compare",
    "publish",
    "rebalance",
    "remove_cover",
    "remove_leave",
    "undo_swap",
]
