"""The workspace's data model as plain frozen dataclasses.

These classes are what the rest of the code works with. They import nothing heavy, so commands
that read a cached, already validated workspace start instantly; ``oncall.config.validation``
checks raw YAML against them with pydantic (``@strict_keys`` classes reject unknown keys) and
adds the checks that span fields and files.
"""

from __future__ import annotations

from dataclasses import field
from datetime import date, time
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from oncall.frozen import strict_keys

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Policy = Literal["immediate", "working-hours", "month-end-watch"]


# --- schedules/<rotation-id>.yaml -------------------------------------------------------------


@strict_keys
class HolidayCalendar:
    """A public-holiday calendar as the ``holidays`` package names it (``DE``, ``BY``)."""

    country: str
    subdiv: str | None = None

    def __str__(self) -> str:
        return f"{self.country}-{self.subdiv}" if self.subdiv else self.country


@strict_keys
class Leave:
    """Personal leave, inclusive of both dates."""

    start: date
    end: date
    reason: str | None = None

    def overlaps(self, first: date, last: date) -> bool:
        """Whether any leave day falls within ``first``..``last`` (inclusive)."""
        return self.start <= last and self.end >= first


@strict_keys
class Member:
    """One engineer of a rotation; ``id`` is what people type on the command line."""

    id: str
    name: str
    email: str
    phone: str
    holidays: HolidayCalendar | None = None
    leave: tuple[Leave, ...] = ()
    #: the member's own IANA zone (their shifts and leave days); default: the rotation's
    timezone: str | None = None


@strict_keys
class RotationSpec:
    """The ``rotation:`` block: when week 1 starts and when shifts change hands."""

    start: date
    handoff: time = time(9, 30)
    handoff_minutes: int = 30


@strict_keys
class WorkingHours:
    """When a working-hours policy picks incidents up, in the rotation's time zone."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")


@strict_keys
class Rotation:
    """A weekly rotation; ``id`` is the file name without ``.yaml``."""

    name: str
    timezone: str
    rotation: RotationSpec
    members: tuple[Member, ...]
    holidays: HolidayCalendar | None = None
    working_hours: WorkingHours = WorkingHours()
    team: str | None = None
    description: str | None = None
    #: plan a second engineer each week (the backup on-call), never the primary
    backup: bool = False
    id: str = ""

    @cached_property
    def zone(self) -> ZoneInfo:
        """The rotation's time zone."""
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    def member(self, member_id: str) -> Member | None:
        """The member with this id, or None."""
        return next((m for m in self.members if m.id == member_id), None)

    def calendar_of(self, member: Member) -> HolidayCalendar | None:
        """The public-holiday calendar that applies to ``member``."""
        return member.holidays or self.holidays


# --- schedules/teams.yaml ---------------------------------------------------------------------


@strict_keys
class Team:
    """An owner team and how to reach it."""

    name: str
    email: str
    chat: str | None = None
    phone: str | None = None
    hours: str | None = None
    rotation: str | None = None
    description: str | None = None

    @property
    def contact(self) -> str:
        """How to reach the team, most direct channel first."""
        return ", ".join(c for c in (self.phone, self.chat, self.email) if c)


@strict_keys
class Teams:
    """The teams file: every team a runbook may name as owner or support."""

    teams: tuple[Team, ...]

    def get(self, name: str) -> Team | None:
        """The team with this name, or None."""
        return next((t for t in self.teams if t.name == name), None)


# --- runbooks/<pipeline-id>.yaml --------------------------------------------------------------


@strict_keys
class Owners:
    """Owner teams by name: primary first, then secondary."""

    primary: tuple[str, ...]
    secondary: tuple[str, ...] = ()


@strict_keys
class DataSource:
    """A source the pipeline reads, and who delivers it."""

    name: str
    description: str
    provided_by: str | None = None
    arrives: str | None = None


@strict_keys
class CommonIssue:
    """A known failure mode, detected by a diagnose check of the same id."""

    id: str
    title: str
    remediation: str
    symptoms: str | None = None


@strict_keys
class Deadline:
    """A recurring deadline: weekly on ``weekday`` or monthly on ``day`` (-1 = last day)."""

    name: str
    every: Literal["week", "month"]
    weekday: Weekday | None = None
    day: int | None = None
    at: time = time(23, 59)
    timezone: str | None = None
    owner: str | None = None


@strict_keys
class SLA:
    """Service levels in structured form; ``summary`` is the sentence people quote."""

    summary: str
    respond_within_minutes: int | None = None
    fix_within_hours: int | None = None
    data_due_hours: int | None = None
    deadlines: tuple[Deadline, ...] = ()


@strict_keys
class OnCall:
    """Who answers incidents: a rotation (or none) under a policy, with supporting teams."""

    rotation: str | None
    policy: Policy
    support: tuple[str, ...] = ()


@strict_keys
class Runbook:
    """A pipeline's runbook: owners, sources, SLA, on-call policy and known issues."""

    id: str
    name: str
    owners: Owners
    data_sources: tuple[DataSource, ...]
    common_issues: tuple[CommonIssue, ...]
    sla: SLA
    on_call: OnCall
    description: str | None = None
    #: check id -> threshold name -> value; validation fills in the defaults of
    #: ``catalog.THRESHOLD_DEFAULTS`` for every check of this pipeline
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)

    def threshold(self, check_id: str, name: str) -> float:
        """A check's threshold: the runbook's value, else the documented default."""
        from oncall.config.catalog import THRESHOLD_DEFAULTS

        value = self.thresholds.get(check_id, {}).get(name)
        return THRESHOLD_DEFAULTS[check_id][name] if value is None else value

    def issue(self, check_id: str) -> CommonIssue | None:
        """The common issue detected by ``check_id``, or None."""
        return next((i for i in self.common_issues if i.id == check_id), None)


def plain(value: object) -> object:
    """Models as JSON-ready data: dataclasses to dicts, tuples to lists, dates ISO, times HH:MM."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, time):
        return value.strftime("%H:%M") if not value.second else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
