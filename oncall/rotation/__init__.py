"""The fair rotation engine: who is on call in which week, and why.

Public API (see ``oncall.rotation.api`` for the details)::

    from oncall.rotation import schedule, engine_for, fairness

    schedule(workspace, "data-engineering", start=date(2027, 1, 4), weeks=12) -> Schedule
    engine_for(workspace, rotation_id) -> Engine   # .week(index), .weeks(first, count)
    fairness(workspace, rotation_id, start, until) -> Fairness
    published_weeks(workspace, rotation_id) -> tuple[PublishedWeek, ...]
    validate_state(workspace, rotation_id) -> list[Problem]

Writers (``oncall.rotation.changes``): ``add_leave``, ``remove_leave``, ``add_swap``,
``undo_swap``, ``publish``, ``add_cover``, ``remove_cover``, ``rebalance``. Who actually answers
at an instant (covers, leave): ``oncall.rotation.duty``.
The core imports neither typer nor rich.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: public name -> the module defining it; imported on first use, so that importing one
#: submodule (``oncall.rotation.api``) does not import the others
_EXPORTS = {
    "DEFAULT_ROTATION": "api",
    "DEFAULT_WEEKS": "api",
    "add_leave": "changes",
    "add_swap": "changes",
    "engine_for": "api",
    "fairness": "api",
    "publish": "changes",
    "published_weeks": "api",
    "remove_leave": "changes",
    "schedule": "api",
    "swaps": "api",
    "undo_swap": "changes",
    "Engine": "engine",
    "Fairness": "fairness",
    "MemberFairness": "fairness",
    "Holiday": "model",
    "MemberLoad": "model",
    "PublishedWeek": "model",
    "RotationState": "model",
    "Schedule": "model",
    "Swap": "model",
    "SwapWeek": "model",
    "WeekAssignment": "model",
    "validate_state": "store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
