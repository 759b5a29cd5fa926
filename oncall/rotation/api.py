"""The rotation engine for the rest of the product: questions and changes by workspace and id.

Read side (no writes, cheap with warm caches: neither pydantic, YAML nor the ``holidays``
package is imported):

- ``engine_for(workspace, rotation_id) -> Engine``: one engine answers many questions.
- ``schedule(workspace, rotation_id, start=None, weeks=12) -> Schedule``
- ``fairness(workspace, rotation_id, start=None, until=None) -> Fairness``

The write side (leave, swaps, publishing) is ``oncall.rotation.changes``.

Errors are ``UsageError`` (exit 2: unknown ids, impossible dates, refused changes),
``ConfigError`` (exit 2: an invalid file) and ``RuntimeFailure`` (exit 1: cannot write).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from oncall import clock
from oncall.cache import StampedCache, code_stamp
from oncall.config.models import Rotation
from oncall.config.workspace import Workspace
from oncall.errors import UsageError
from oncall.rotation import store
from oncall.rotation.engine import Engine, Solutions, SwapState
from oncall.rotation.holidays import HolidayBook
from oncall.rotation.model import PublishedWeek, RotationState, Schedule, Swap
from oncall.rotation.weeks import index_at, monday_of, week_index

if TYPE_CHECKING:
    from oncall.rotation.fairness import Fairness
    from oncall.rotation.solver import Problem, Solution

DEFAULT_ROTATION = "data-engineering"
DEFAULT_WEEKS = 12
#: the longest stretch any command computes (guards against typos like --weeks 100000)
MAX_WEEKS = 20 * 53


@cache
def holiday_book() -> HolidayBook:
    """The process-wide holiday lookup (disk-cached)."""
    return HolidayBook()


class CachedSolutions(Solutions):
    """Solutions kept on disk by the whole text of their problem: a plan is solved once, and a
    command asking again about unchanged inputs reads it back (``oncall.cache``)."""

    #: the most problems kept (oldest dropped first); a few per rotation and edit
    LIMIT = 256

    def __init__(self) -> None:
        self._cache: StampedCache | None = None

    def _disk(self) -> StampedCache:
        if self._cache is None:
            import oncall.rotation.solver as solver

            self._cache = StampedCache("rotation-plans", "solver", code_stamp(solver.__file__))
        return self._cache

    def solve(self, problem: Problem) -> Solution:
        key = problem.key()
        found = _MEMORY.get(key)
        if found is not None:
            return found
        cache = self._disk()
        found = cache.get(key, 0)
        if found is None:
            found = super().solve(problem)
            cache.put(key, 0, found)
            while len(cache.entries) > self.LIMIT:
                del cache.entries[next(iter(cache.entries))]
            cache.save()
        _MEMORY[key] = found
        return found


#: solutions of this process, by problem text (a long-running ``oncall serve`` asks again and
#: again; the key is the whole problem, so an entry can never answer a different question)
_MEMORY: dict[str, Solution] = {}


@cache
def solutions() -> CachedSolutions:
    """The process-wide solution cache."""
    return CachedSolutions()


def current_week(rotation: Rotation) -> int:
    """The number of the week in progress (the shift holding now; negative before the start)."""
    return index_at(rotation, clock.now())


def engine_for(
    workspace: Workspace, rotation_id: str, state: RotationState | None = None
) -> Engine:
    """An engine for the rotation ``rotation_id`` with its published weeks, swaps and plan
    (or ``state`` instead of the files'), as of now: weeks over or in progress are kept."""
    rotation = workspace.rotation(rotation_id)
    return engine_with(rotation, state or store.load_state(workspace, rotation))


def engine_with(rotation: Rotation, state: RotationState, rebalance: bool = False) -> Engine:
    """An engine for ``rotation`` and ``state`` as of now (what a change would make)."""
    return Engine(
        rotation, state, holiday_book(), current_week(rotation), solutions(), rebalance=rebalance
    )


def this_monday(rotation: Rotation) -> date:
    """The Monday of the current week in the rotation's zone (``ONCALL_NOW`` honoured)."""
    return monday_of(clock.now().astimezone(rotation.zone).date())


def first_week(rotation: Rotation, start: date | None, option: str = "start") -> int:
    """The week number of ``start`` (snapped to its Monday); by default this week, or the
    rotation's first week if it has not started yet. ``UsageError`` before the start."""
    if start is None:
        return max(0, week_index(rotation, this_monday(rotation)))
    index = week_index(rotation, start)
    if index < 0:
        raise UsageError(
            f"{start.isoformat()} is before rotation {rotation.id!r} starts "
            f"({rotation.rotation.start.isoformat()})",
            option=option,
        )
    return index


def check_count(weeks: int, option: str | None = "weeks", what: str = "") -> None:
    """``UsageError`` unless 1 <= ``weeks`` <= ``MAX_WEEKS``; the fault is the ``option``
    given, or (``option`` None) ``what`` the weeks were computed as."""
    if not 1 <= weeks <= MAX_WEEKS:
        message = f"{weeks} is not between 1 and {MAX_WEEKS}"
        raise UsageError(f"{what}: {message}" if what else message, option=option)


def schedule(
    workspace: Workspace,
    rotation_id: str,
    start: date | None = None,
    weeks: int = DEFAULT_WEEKS,
    with_fairness: bool = False,
) -> Schedule:
    """``weeks`` weeks of ``rotation_id`` from the week containing ``start`` (default: this
    week). A ``start`` that is not a Monday means its Monday..Sunday week. ``with_fairness``
    adds the plan years' goals next to their proven optimum (may solve)."""
    check_count(weeks)
    engine = engine_for(workspace, rotation_id)
    first = first_week(engine.rotation, start)
    result = engine.schedule(first, weeks)
    if with_fairness:
        from oncall.rotation.fairness import plan_years

        last = min(first + weeks, engine.horizon) - 1
        result = result._replace(years=plan_years(engine, first, last) if last >= first else ())
    return result


def fairness(
    workspace: Workspace,
    rotation_id: str,
    start: date | None = None,
    until: date | None = None,
) -> Fairness:
    """Per-member load from the week of ``start`` (default: the rotation's first week, so the
    whole published history counts) through the week of ``until`` (default: 52 weeks from
    this week)."""
    engine = engine_for(workspace, rotation_id)
    rotation = engine.rotation
    first = first_week(rotation, start) if start is not None else 0
    if until is None:
        last = max(first, week_index(rotation, this_monday(rotation)) + 51)
    else:
        last = week_index(rotation, until)
        if last < first:
            raise UsageError(f"{until.isoformat()} is before the first week", option="until")
    check_count(last - first + 1, None, "the horizon (weeks)")
    from oncall.rotation.fairness import fairness_report

    return fairness_report(engine, first, last - first + 1)


def swaps(workspace: Workspace, rotation_id: str) -> tuple[Swap, ...]:
    """Every swap of the rotation, undone ones included, by id."""
    rotation = workspace.rotation(rotation_id)
    return tuple(sorted(store.load_state(workspace, rotation).swaps, key=lambda s: s.id))


def swap_states(workspace: Workspace, rotation_id: str) -> list[SwapState]:
    """Every swap of the rotation with its real state (active, undone, void and why)."""
    return engine_for(workspace, rotation_id).swap_states()


def published_weeks(workspace: Workspace, rotation_id: str) -> tuple[PublishedWeek, ...]:
    """The published history of the rotation, by week (what a calendar needs to know as
    settled; each week's current engineer, with swaps, comes from the engine)."""
    rotation = workspace.rotation(rotation_id)
    state = store.load_state(workspace, rotation)
    return tuple(state.published[day] for day in sorted(state.published))
