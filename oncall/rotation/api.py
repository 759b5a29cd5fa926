"""The rotation engine for the rest of the product: questions and changes by workspace and id.

Read side (no writes, cheap with warm caches: neither pydantic, YAML nor the ``holidays``
package is imported):

- ``engine_for(workspace, rotation_id) -> Engine``: one engine answers many questions.
- ``schedule(workspace, rotation_id, start=None, weeks=12) -> Schedule``
- ``week_of(workspace, rotation_id, day) -> WeekAssignment`` (the Monday..Sunday week of a day)
- ``assignment_at(workspace, rotation_id, instant=None) -> WeekAssignment`` (the shift holding an
  instant, after the Monday hand-off in the rotation's zone)
- ``fairness(workspace, rotation_id, start=None, until=None) -> Fairness``

The write side (leave, swaps, publishing) is ``oncall.rotation.changes``.

Errors are ``UsageError`` (exit 2: unknown ids, impossible dates, refused changes),
``ConfigError`` (exit 2: an invalid file) and ``RuntimeFailure`` (exit 1: cannot write).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING

from oncall import clock
from oncall.config.models import Rotation
from oncall.config.workspace import Workspace
from oncall.errors import UsageError
from oncall.rotation import store
from oncall.rotation.engine import Engine
from oncall.rotation.holidays import HolidayBook
from oncall.rotation.model import PublishedWeek, Schedule, Swap, WeekAssignment
from oncall.rotation.weeks import index_at, monday_of, week_index

if TYPE_CHECKING:
    from oncall.rotation.fairness import Fairness

DEFAULT_ROTATION = "data-engineering"
DEFAULT_WEEKS = 12
#: the longest stretch any command computes (guards against typos like --weeks 100000)
MAX_WEEKS = 20 * 53


@cache
def holiday_book() -> HolidayBook:
    """The process-wide holiday lookup (disk-cached)."""
    return HolidayBook()


def engine_for(workspace: Workspace, rotation_id: str) -> Engine:
    """An engine for the rotation ``rotation_id`` with its published weeks and swaps."""
    rotation = workspace.rotation(rotation_id)
    return Engine(rotation, store.load_state(workspace, rotation), holiday_book())


def this_monday(rotation: Rotation) -> date:
    """The Monday of the current week in the rotation's zone (``ONCALL_NOW`` honoured)."""
    return monday_of(clock.now().astimezone(rotation.zone).date())


def first_week(rotation: Rotation, start: date | None, what: str = "--start") -> int:
    """The week number of ``start`` (snapped to its Monday); by default this week, or the
    rotation's first week if it has not started yet. ``UsageError`` before the start."""
    if start is None:
        return max(0, week_index(rotation, this_monday(rotation)))
    index = week_index(rotation, start)
    if index < 0:
        raise UsageError(
            f"{what}: {start.isoformat()} is before rotation {rotation.id!r} starts "
            f"({rotation.rotation.start.isoformat()})"
        )
    return index


def check_count(weeks: int, what: str = "--weeks") -> None:
    if not 1 <= weeks <= MAX_WEEKS:
        raise UsageError(f"{what}: {weeks} is not between 1 and {MAX_WEEKS}")


def schedule(
    workspace: Workspace, rotation_id: str, start: date | None = None, weeks: int = DEFAULT_WEEKS
) -> Schedule:
    """``weeks`` weeks of ``rotation_id`` from the week containing ``start`` (default: this
    week). A ``start`` that is not a Monday means its Monday..Sunday week."""
    check_count(weeks)
    engine = engine_for(workspace, rotation_id)
    return engine.schedule(first_week(engine.rotation, start), weeks)


def week_of(workspace: Workspace, rotation_id: str, day: date) -> WeekAssignment:
    """The week (Monday..Sunday) containing ``day``; before the rotation's start: nobody."""
    engine = engine_for(workspace, rotation_id)
    return engine.week(week_index(engine.rotation, day))


def assignment_at(
    workspace: Workspace, rotation_id: str, instant: datetime | None = None
) -> WeekAssignment:
    """The shift containing ``instant`` (default: now). Shifts change at the Monday hand-off,
    local time: at 09:29 on a Monday with a 09:30 hand-off it is still last week's engineer."""
    engine = engine_for(workspace, rotation_id)
    when = instant if instant is not None else clock.now()
    return engine.week(index_at(engine.rotation, when))


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
            raise UsageError(f"--until: {until.isoformat()} is before the first week")
    check_count(last - first + 1, "the horizon (weeks)")
    from oncall.rotation.fairness import fairness_report

    return fairness_report(engine, first, last - first + 1)


def swaps(workspace: Workspace, rotation_id: str) -> tuple[Swap, ...]:
    """Every swap of the rotation, undone ones included, by id."""
    rotation = workspace.rotation(rotation_id)
    return tuple(sorted(store.load_state(workspace, rotation).swaps, key=lambda s: s.id))


def published_weeks(workspace: Workspace, rotation_id: str) -> tuple[PublishedWeek, ...]:
    """The published history of the rotation, by week (what a calendar needs to know as
    settled; each week's current engineer, with swaps, comes from ``week_of``)."""
    rotation = workspace.rotation(rotation_id)
    state = store.load_state(workspace, rotation)
    return tuple(state.published[day] for day in sorted(state.published))
