"""Changes to a rotation: leave, swaps, publishing and rebalancing, each with its exact effect.

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
from dataclasses import dataclass
from datetime import date

from oncall import clock
from oncall.config.models import Leave, Rotation
from oncall.config.workspace import Workspace
from oncall.errors import UsageError
from oncall.rotation import store
from oncall.rotation.api import check_count, engine_for, engine_with, first_week
from oncall.rotation.engine import Engine, describe_leave
from oncall.rotation.model import (
    PlannedWeek,
    PublishedWeek,
    RotationState,
    Swap,
    SwapWeek,
    WeekAssignment,
)
from oncall.rotation.weeks import week_index


@dataclass(frozen=True)
class WeekChange:
    """A week whose engineer changed (``before`` -> ``after``), and why."""

    start: date
    before: str | None
    after: str | None
    reason: str


@dataclass(frozen=True)
class Outcome:
    """What every plan-changing command reports: the weeks that changed, warnings, and whether
    it was only a dry run (nothing written)."""

    changes: tuple[WeekChange, ...]
    warnings: tuple[str, ...]
    dry_run: bool


@dataclass(frozen=True)
class LeaveResult:
    """A leave edit: the leave added or removed, and its outcome."""

    member: str
    leave: tuple[Leave, ...]
    outcome: Outcome


@dataclass(frozen=True)
class SwapResult:
    """A swap made or undone, and its outcome."""

    swap: Swap
    outcome: Outcome


@dataclass(frozen=True)
class PublishResult:
    """Weeks newly published, weeks that already were, and the outcome."""

    published: tuple[PublishedWeek, ...]
    already: tuple[PublishedWeek, ...]
    outcome: Outcome


@dataclass(frozen=True)
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
        old_week = before.week(k)
        if new_week.conflict and new_week.conflict != old_week.conflict:
            warnings.append(f"week {new_week.start.isoformat()}: {new_week.conflict}")
        if new_week.engineer is None and old_week.engineer is not None:
            warnings.append(
                f"week {new_week.start.isoformat()}: nobody can take it ({new_week.reason})"
            )
    return changes, warnings


def _change(
    workspace: Workspace,
    before: Engine,
    rotation: Rotation,
    state: RotationState,
    cause: str,
    dry_run: bool,
    write: Callable[[], object],
    rebalance: bool = False,
) -> tuple[Outcome, Engine]:
    """Settle ``rotation`` and ``state`` against the plan ``before`` shows, compare, and
    (unless ``dry_run``) run ``write`` and store the new plan. Call inside the lock."""
    after = engine_with(rotation, state, rebalance=rebalance)
    changes, warnings = compare(before, after, cause)
    if not dry_run:
        write()
        store.write_plan(workspace, rotation.id, after.plan())
    return Outcome(tuple(changes), tuple(warnings), dry_run), after


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
) -> LeaveResult:
    """Add leave (inclusive dates) to a member in the rotation file, keeping its comments."""
    last = end or start
    if last < start:
        raise UsageError(f"END: {last.isoformat()} is before START {start.isoformat()}")
    leave = Leave(start=start, end=last, reason=reason or None)
    with _lock(workspace, rotation_id, dry_run):
        fresh, before = _locked_engine(workspace, rotation_id)
        rotation = before.rotation
        _member(rotation, member_id)
        member = rotation.member(member_id)
        assert member is not None
        changed = _with_leave(rotation, member_id, (*member.leave, leave))
        outcome, _ = _change(
            fresh,
            before,
            changed,
            _plan_state(before),
            f"leave added: {describe_leave(member_id, leave)}",
            dry_run,
            lambda: store.add_leave(fresh, rotation_id, member_id, leave),
        )
    return LeaveResult(member_id, (leave,), outcome)


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
        swap = before.state.swap(swap_id)
        if swap is None:
            known = ", ".join(str(s.id) for s in before.state.swaps) or "none"
            raise UsageError(f"unknown swap {swap_id} (known: {known})")
        if not swap.active:
            raise UsageError(f"swap {swap_id} is already undone")
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
            new.append(PublishedWeek(week.start, week.engineer, reason, now))
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
    "LeaveResult",
    "Outcome",
    "PublishResult",
    "RebalanceResult",
    "SwapResult",
    "WeekChange",
    "add_leave",
    "add_swap",
    "compare",
    "publish",
    "rebalance",
    "remove_leave",
    "undo_swap",
]
