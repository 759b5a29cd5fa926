"""Changes to a rotation: leave, swaps and publishing, each checked against the schedule.

Every change runs under the rotation's lock (``oncall.rotation.store.rotation_lock``): it reads
the files afresh, checks, writes atomically, and reports what it did. Refusals are
``UsageError`` (exit 2) with one line saying why; a file that cannot be written is a
``RuntimeFailure`` (exit 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from oncall import clock
from oncall.config.models import Leave, Rotation
from oncall.config.workspace import Workspace
from oncall.errors import UsageError
from oncall.rotation import store
from oncall.rotation.api import check_count, engine_for, first_week
from oncall.rotation.engine import Engine, describe_leave
from oncall.rotation.model import PublishedWeek, Swap, SwapWeek, WeekAssignment
from oncall.rotation.weeks import week_index


@dataclass(frozen=True)
class WeekChange:
    """A week whose engineer changed because of an edit."""

    start: date
    before: str | None
    after: str | None
    reason: str | None


@dataclass(frozen=True)
class LeaveResult:
    """What a leave edit did: the leave added or removed, weeks that changed, and warnings."""

    member: str
    leave: tuple[Leave, ...]
    changes: tuple[WeekChange, ...]
    warnings: tuple[str, ...]


def _member(rotation: Rotation, member_id: str) -> None:
    if rotation.member(member_id) is None:
        known = ", ".join(m.id for m in rotation.members)
        raise UsageError(
            f"unknown member {member_id!r} of rotation {rotation.id!r} (known: {known})"
        )


def _edit_with_diff(
    workspace: Workspace,
    rotation_id: str,
    around: tuple[date, date],
    edit: Callable[[Workspace], tuple[Leave, ...]],
    member_id: str,
) -> LeaveResult:
    """Run ``edit`` under the lock and report the weeks near ``around`` that changed."""
    with store.rotation_lock(workspace, rotation_id):
        fresh = Workspace(workspace.root)
        before = engine_for(fresh, rotation_id)
        _member(before.rotation, member_id)
        changed = edit(fresh)
        after = engine_for(Workspace(workspace.root), rotation_id)
    n = before.n
    first = max(0, week_index(before.rotation, around[0]))
    first -= first % n
    last = max(first, week_index(before.rotation, around[1])) + 2 * n
    changes = []
    warnings: list[str] = []
    for old, new in zip(
        before.weeks(first, last - first), after.weeks(first, last - first), strict=True
    ):
        if old.engineer != new.engineer:
            changes.append(WeekChange(new.start, old.engineer, new.engineer, new.reason))
        if new.conflict and new.conflict != old.conflict:
            warnings.append(f"week {new.start.isoformat()}: {new.conflict}")
        if new.engineer is None and old.engineer is not None:
            warnings.append(f"week {new.start.isoformat()}: nobody can take it ({new.reason})")
    return LeaveResult(member_id, changed, tuple(changes), tuple(warnings))


def add_leave(
    workspace: Workspace,
    rotation_id: str,
    member_id: str,
    start: date,
    end: date | None = None,
    reason: str | None = None,
) -> LeaveResult:
    """Add leave (inclusive dates) to a member in the rotation file, keeping its comments."""
    last = end or start
    if last < start:
        raise UsageError(f"END: {last.isoformat()} is before START {start.isoformat()}")
    leave = Leave(start=start, end=last, reason=reason or None)

    def edit(fresh: Workspace) -> tuple[Leave, ...]:
        store.add_leave(fresh, rotation_id, member_id, leave)
        return (leave,)

    return _edit_with_diff(workspace, rotation_id, (start, last), edit, member_id)


def remove_leave(workspace: Workspace, rotation_id: str, member_id: str, day: date) -> LeaveResult:
    """Remove the member's leave covering ``day`` (every entry that covers it)."""
    rotation = workspace.rotation(rotation_id)
    _member(rotation, member_id)
    member = rotation.member(member_id)
    assert member is not None
    covering = [leave for leave in member.leave if leave.start <= day <= leave.end]
    if not covering:
        raise UsageError(f"{member_id} has no leave on {day.isoformat()}")
    span = (min(x.start for x in covering), max(x.end for x in covering))

    def edit(fresh: Workspace) -> tuple[Leave, ...]:
        removed = store.remove_leave(
            fresh, rotation_id, member_id, lambda leave: leave.start <= day <= leave.end
        )
        if not removed:
            raise UsageError(f"{member_id} has no leave on {day.isoformat()}")
        return removed

    return _edit_with_diff(workspace, rotation_id, span, edit, member_id)


# --- swaps ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SwapResult:
    """A swap made or undone, with warnings (two weeks running, ...)."""

    swap: Swap
    warnings: tuple[str, ...]


def _swap_week(engine: Engine, day: date, what: str, now: datetime) -> WeekAssignment:
    index = week_index(engine.rotation, day)
    if index < 0:
        raise UsageError(
            f"{what}: {day.isoformat()} is before rotation {engine.rotation.id!r} starts "
            f"({engine.rotation.rotation.start.isoformat()})"
        )
    week = engine.week(index)
    if week.shift_end <= now:
        raise UsageError(f"{what}: the week of {week.start.isoformat()} is over")
    if week.engineer is None:
        raise UsageError(f"{what}: nobody is on call in the week of {week.start.isoformat()}")
    return week


def add_swap(
    workspace: Workspace, rotation_id: str, first: date, second: date, note: str | None = None
) -> SwapResult:
    """Trade the engineers of the weeks containing ``first`` and ``second``.

    Refused (``UsageError``) if either would then be on call during their leave, if the weeks
    are the same or have the same engineer, or if a week is over. Published weeks may be traded:
    that is how a conflict in a published week is settled.
    """
    now = clock.now()
    with store.rotation_lock(workspace, rotation_id):
        fresh = Workspace(workspace.root)
        engine = engine_for(fresh, rotation_id)
        one = _swap_week(engine, first, "first week", now)
        two = _swap_week(engine, second, "second week", now)
        if one.index == two.index:
            raise UsageError(f"both dates fall in the week of {one.start.isoformat()}")
        a, b = one.engineer, two.engineer
        assert a is not None and b is not None
        if a == b:
            raise UsageError(
                f"{a} is on call in both weeks ({one.start.isoformat()}, {two.start.isoformat()})"
            )
        for member, week in ((b, one), (a, two)):
            leave = engine.on_leave(member, week.index)
            if leave:
                raise UsageError(
                    f"refused: {describe_leave(member, leave[0])}, which would put them on call "
                    f"in the week of {week.start.isoformat()}"
                )
        swap = Swap(
            id=max((s.id for s in engine.state.swaps), default=0) + 1,
            weeks=(SwapWeek(one.start, a, b), SwapWeek(two.start, b, a)),
            created=now,
            note=note or None,
        )
        store.append_swap(fresh, rotation_id, swap)
        warnings = _running_warnings(engine_for(Workspace(workspace.root), rotation_id), one, two)
    return SwapResult(swap, tuple(warnings))


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
        if now.conflict:
            lines.append(f"week {now.start.isoformat()}: {now.conflict}")
    return sorted(set(lines))


def undo_swap(workspace: Workspace, rotation_id: str, swap_id: int) -> SwapResult:
    """Undo swap ``swap_id``: it stays in the file, stamped ``undone``.

    Refused if it is already undone, if a later active swap builds on one of its weeks (undo
    that one first), if a week is over, or if a week was published while the swap was in
    effect (the published week keeps the swap: trade it back with a new swap).
    """
    now = clock.now()
    with store.rotation_lock(workspace, rotation_id):
        fresh = Workspace(workspace.root)
        engine = engine_for(fresh, rotation_id)
        swap = engine.state.swap(swap_id)
        if swap is None:
            known = ", ".join(str(s.id) for s in engine.state.swaps) or "none"
            raise UsageError(f"unknown swap {swap_id} (known: {known})")
        if not swap.active:
            raise UsageError(f"swap {swap_id} is already undone")
        for side in swap.weeks:
            later = [
                s.id
                for s in engine.state.active_swaps
                if s.id > swap.id and s.side(side.week) is not None
            ]
            if later:
                raise UsageError(
                    f"swap {later[-1]} also trades the week of {side.week.isoformat()}: "
                    f"undo it first"
                )
            week = engine.week(week_index(engine.rotation, side.week))
            if week.shift_end <= now:
                raise UsageError(f"the week of {side.week.isoformat()} is over")
            record = engine.state.published.get(side.week)
            if record is not None and record.engineer == side.now:
                raise UsageError(
                    f"the week of {side.week.isoformat()} was published with the swap in effect: "
                    f"trade it back with `oncall swap add`"
                )
        store.mark_swap_undone(fresh, rotation_id, swap_id, now)
        after = engine_for(Workspace(workspace.root), rotation_id)
        weeks = [after.week(week_index(after.rotation, side.week)) for side in swap.weeks]
        warnings = _running_warnings(after, *weeks)
    undone = Swap(swap.id, swap.weeks, swap.created, swap.note, now)
    return SwapResult(undone, tuple(warnings))


# --- publishing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishResult:
    """Weeks newly published, weeks that already were, and warnings (empty weeks, conflicts)."""

    published: tuple[PublishedWeek, ...]
    already: tuple[PublishedWeek, ...]
    warnings: tuple[str, ...]


def publish(
    workspace: Workspace,
    rotation_id: str,
    start: date | None = None,
    weeks: int | None = None,
    until: date | None = None,
) -> PublishResult:
    """Freeze the assignments of the weeks from ``start`` (default: this week) for ``weeks``
    weeks or through the week of ``until`` (default: 4 weeks). Weeks already published are
    kept as they are; a week nobody can take is not published (it is reported)."""
    now = clock.now()
    with store.rotation_lock(workspace, rotation_id):
        fresh = Workspace(workspace.root)
        engine = engine_for(fresh, rotation_id)
        rotation = engine.rotation
        first = first_week(rotation, start)
        if until is not None:
            if weeks is not None:
                raise UsageError("give --weeks or --until, not both")
            count = week_index(rotation, until) - first + 1
            if count < 1:
                raise UsageError(f"--until: {until.isoformat()} is before the first week")
        else:
            count = weeks if weeks is not None else 4
        check_count(count)
        new: list[PublishedWeek] = []
        kept: list[PublishedWeek] = []
        warnings: list[str] = []
        for week in engine.weeks(first, count):
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
            new.append(PublishedWeek(week.start, week.engineer, reason, now))
        if new:
            store.append_published(fresh, rotation_id, new)
    return PublishResult(tuple(new), tuple(kept), tuple(warnings))
