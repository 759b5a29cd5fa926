"""The top level of the state files, for validation only (imported when a file changed).

``schedules/<rotation-id>/swaps.yaml`` is ``{swaps: [Swap, ...]}`` and
``schedules/<rotation-id>/published.yaml`` is ``{weeks: [PublishedWeek, ...]}`` and
``schedules/<rotation-id>/plan.yaml`` is ``{weeks: [PlannedWeek, ...]}`` and
``schedules/<rotation-id>/covers.yaml`` is ``{covers: [Cover, ...]}``; the entries are the
models of ``oncall.rotation.model``.
"""

from __future__ import annotations

from oncall.config.models import FORBID_EXTRA
from oncall.frozen import frozen
from oncall.rotation.model import Cover, PlannedWeek, PublishedWeek, Swap


@frozen
class SwapsFile:
    """``schedules/<rotation-id>/swaps.yaml``."""

    __pydantic_config__ = FORBID_EXTRA

    swaps: tuple[Swap, ...] = ()


@frozen
class PublishedFile:
    """``schedules/<rotation-id>/published.yaml``."""

    __pydantic_config__ = FORBID_EXTRA

    weeks: tuple[PublishedWeek, ...] = ()


@frozen
class PlanFile:
    """``schedules/<rotation-id>/plan.yaml``."""

    __pydantic_config__ = FORBID_EXTRA

    weeks: tuple[PlannedWeek, ...] = ()


@frozen
class CoversFile:
    """``schedules/<rotation-id>/covers.yaml``."""

    __pydantic_config__ = FORBID_EXTRA

    covers: tuple[Cover, ...] = ()
