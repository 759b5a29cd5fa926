"""The top level of the state files, for validation only (imported when a file changed).

``schedules/<rotation-id>/swaps.yaml`` is ``{swaps: [Swap, ...]}`` and
``schedules/<rotation-id>/published.yaml`` is ``{weeks: [PublishedWeek, ...]}`` and
``schedules/<rotation-id>/plan.yaml`` is ``{weeks: [PlannedWeek, ...]}`` and
``schedules/<rotation-id>/covers.yaml`` is ``{covers: [Cover, ...]}``; the entries are the
models of ``oncall.rotation.model``.
"""

from __future__ import annotations

from oncall.frozen import strict_keys
from oncall.rotation.model import Cover, PlannedWeek, PublishedWeek, Swap


@strict_keys
class SwapsFile:
    """``schedules/<rotation-id>/swaps.yaml``."""

    swaps: tuple[Swap, ...] = ()


@strict_keys
class PublishedFile:
    """``schedules/<rotation-id>/published.yaml``."""

    weeks: tuple[PublishedWeek, ...] = ()


@strict_keys
class PlanFile:
    """``schedules/<rotation-id>/plan.yaml``."""

    weeks: tuple[PlannedWeek, ...] = ()


@strict_keys
class CoversFile:
    """``schedules/<rotation-id>/covers.yaml``."""

    covers: tuple[Cover, ...] = ()
